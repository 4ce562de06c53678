package drift

import (
	"context"
	"io"

	"stratum/tools/cli"
	"stratum/tools/stackgraph"
)

// Main is `stratum drift`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "drift",
		Synopsis: "-dir DIR [-out DIR] [-markdown]",
		About: `Reports a scheduled drift check: reads the result each stack's drift job wrote to DIR/<stack>.json
(status and the addresses a plan would change) for every stack of the synthesis -out, and names
every drifted stack and address, every failed plan, every stack without a result, and the stacks CI
cannot check (bootstrap-<env>, applied by hand). The pipelines' drift report job runs it.`,
		Results: []string{"2   a stack drifted (and no plan failed)"},
	}, stdout, stderr)
	dir := f.String("dir", "drift", "the drift jobs' results")
	out := f.String("out", "cdktf.out", "the synthesis the check planned")
	markdown := f.Bool("markdown", false, "print a Markdown table (a job summary)")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	g, err := stackgraph.Load(*out)
	if err != nil {
		return f.Fail(err)
	}
	rs, err := Collect(*dir, g)
	if err != nil {
		return f.Fail(err)
	}
	Write(stdout, rs, *markdown)
	return Code(rs)
}
