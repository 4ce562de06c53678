package generate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum generate`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name: "generate",
		About: `Rewrites every committed generated file from the configuration and a synthesis of it: the CI
pipelines (.github/workflows, .gitlab-ci.yml, azure-pipelines.yml), the SSM contract's service
control policy (docs/scp-ssm-contract.json) and the generated section of docs/architecture.md.
make update runs it too, with the snapshots; a test fails when a committed copy is stale.`,
	}, stdout, stderr)
	if code, ok := f.Parse(args); !ok {
		return code
	}
	g, err := Graph()
	if err != nil {
		return f.Fail(err)
	}
	files, err := Files(".", g, config.Environments())
	if err != nil {
		return f.Fail(err)
	}
	if err := Write(".", files); err != nil {
		return f.Fail(err)
	}
	paths := slices.Sorted(maps.Keys(files))
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return cli.ExitOK
}
