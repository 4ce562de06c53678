package review

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/cli"
	"stratum/tools/generate"
)

// Main is `stratum review`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "review",
		Synopsis: "[-base REV] [-json]",
		About: `Summarizes what the working tree changes, compared with the git revision REV, in the stacks'
snapshots (__snapshots__) and the committed generated files: each added stack with its resources
by type, each changed stack with the addresses terraform plan would add, change and destroy, each
removed stack, and the generated and other files that changed. make update prints it after
rewriting the snapshots and the generated files; docs/onboarding.md shows how to read it.`,
	}, stdout, stderr)
	base := f.String("base", "HEAD", "the git revision to compare with (HEAD: what is not committed yet)")
	asJSON := f.Bool("json", false, "print the summary as JSON")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	wd, err := os.Getwd()
	if err != nil {
		return f.Fail(err)
	}
	repo, err := changes.Git(ctx, wd, "rev-parse", "--show-toplevel")
	if err != nil {
		return f.Fail(fmt.Errorf("not in a git repository: %w", err))
	}
	generated, err := generate.Paths(repo, config.Environments())
	if err != nil {
		return f.Fail(err)
	}
	s, err := Run(ctx, Options{Repo: repo, Base: *base, Generated: generated})
	if err != nil {
		return f.Fail(err)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(s, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
		return cli.ExitOK
	}
	if err := s.Write(stdout); err != nil {
		return f.Fail(err)
	}
	return cli.ExitOK
}
