package stackgraph

import (
	"context"
	"io"
	"slices"
	"strings"

	"stratum/tools/cli"
)

// Main is `stratum graph`: it prints the stack graph of a synthesis.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "graph",
		Synopsis: "[-dir DIR] [-format json|dot|mermaid]",
		About: `Prints the stack graph recorded in DIR/manifest.json: every stack with its environment,
dependencies, level and runner. make synth writes cdktf.out.`,
	}, stdout, stderr)
	dir := f.String("dir", "cdktf.out", "the synthesized output to read (make synth writes it)")
	format := f.String("format", "json", "output format: "+strings.Join(Formats, ", "))
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if !slices.Contains(Formats, *format) {
		return f.Usagef("-format %q: want one of %s", *format, strings.Join(Formats, ", "))
	}
	g, err := Load(*dir)
	if err != nil {
		return f.Fail(err)
	}
	out, err := g.Render(*format)
	if err != nil {
		return f.Fail(err)
	}
	stdout.Write(out)
	return cli.ExitOK
}
