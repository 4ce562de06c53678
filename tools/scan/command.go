package scan

import (
	"context"
	"fmt"
	"io"
	"os"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum scan`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "scan",
		Synopsis: "-report FILE [-ignore FILE]",
		About: `Judges trivy's misconfiguration scan of the HCL export (trivy config --format json hcl.out/stacks,
run without an ignore file) against the committed ignore file: fails on every HIGH or CRITICAL
finding no entry accepts, on an entry without an id, paths or a statement (the reason), and on an
entry that matches no finding any more. make scan and the pull-request pipelines run it.`,
	}, stdout, stderr)
	report := f.String("report", "", "trivy's JSON report (required)")
	ignore := f.String("ignore", ".trivyignore.yaml", "the ignore file: misconfigurations entries with id, paths and statement")
	version := f.Bool("trivy-version", false, "print the trivy version the pipelines pin (config.Pipelines.TrivyVersion) and exit")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if *version {
		fmt.Fprintln(stdout, config.PipelineSettings().TrivyVersion)
		return cli.ExitOK
	}
	if *report == "" {
		return f.Usagef("missing required flag -report: trivy's JSON report")
	}
	b, err := os.ReadFile(*report)
	if err != nil {
		return f.Fail(err)
	}
	fs, err := ParseReport(b)
	if err != nil {
		return f.Fail(fmt.Errorf("%s: %w", *report, err))
	}
	ib, err := os.ReadFile(*ignore)
	if err != nil {
		return f.Fail(err)
	}
	ig, err := ParseIgnores(ib)
	if err != nil {
		return f.Fail(fmt.Errorf("%s: %w", *ignore, err))
	}
	v := Judge(fs, ig)
	for _, x := range v.Failing {
		fmt.Fprintf(stdout, "FAIL %s\n", x)
	}
	for _, e := range v.Stale {
		fmt.Fprintf(stdout, "STALE %s %v: the entry of %s matches no finding any more: remove it\n", e.ID, e.Paths, *ignore)
	}
	fmt.Fprintf(stdout, "%d finding(s): %d accepted by %s, %d failing; %d stale entr(ies)\n", len(fs), len(v.Accepted), *ignore, len(v.Failing), len(v.Stale))
	if len(v.Failing) > 0 || len(v.Stale) > 0 {
		return cli.ExitFailure
	}
	return cli.ExitOK
}
