package hclexport

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/tools/cli"
)

// Command is `stratum hcl [-out DIR]`: it checks the configuration,
// synthesizes every stack in the app build makes (for an output directory), renders each as HCL (Render) and
// replaces DIR/stacks/<stack>/cdk.tf for all of them at once. On any error
// nothing is written and DIR stays as it was. (check and build come from
// main, which knows the configuration; this package cannot import stacks,
// whose tests use it.)
func Command(check func() error, build func(outdir string) (cdktf.App, error)) cli.Run {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		return run(check, build, args, stdout, stderr)
	}
}

func run(check func() error, build func(outdir string) (cdktf.App, error), args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "hcl",
		Synopsis: "[-out DIR]",
		About: `Synthesizes every stack and writes each as plain Terraform HCL into DIR/stacks/<stack>/cdk.tf,
with the same addresses and backend as its JSON: the way out of cdktf (docs/exit.md). DIR is
replaced whole only when every stack rendered; on an error it is left as it was.`,
	}, stdout, stderr)
	out := f.String("out", DefaultOut, "the directory to write DIR/stacks/<stack>/cdk.tf into")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if err := check(); err != nil {
		return f.Fail(fmt.Errorf("invalid configuration, nothing was written:\n%w", err))
	}
	n, err := Export(*out, build)
	if err != nil {
		return f.Fail(fmt.Errorf("%w\n%s was left unchanged", err, *out))
	}
	fmt.Fprintf(stdout, "wrote %d stacks as HCL into %s\n", n, filepath.Join(*out, "stacks"))
	return cli.ExitOK
}
