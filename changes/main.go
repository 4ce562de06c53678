package changes

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Main is `stratum changed`.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("changed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("base", "", "the git revision to compare with, e.g. origin/main (required)")
	headOut := fs.String("head-out", "", "use this synthesis of the working tree (e.g. cdktf.out) instead of synthesizing it")
	baseOut := fs.String("base-out", "", "use this synthesis of -base (e.g. the base pipeline's merged cdktf.out) instead of synthesizing it")
	asJSON := fs.Bool("json", false, "print the report as JSON (stacks, levels, groups for CI matrices)")
	detailed := fs.Bool("detailed-exitcode", false, "exit 2 when stacks are selected, 0 when none (1 on error)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stratum changed -base <rev> [-head-out DIR] [-base-out DIR] [-json] [-detailed-exitcode]")
		fmt.Fprintln(stderr, "Synthesizes <rev> and the working tree and lists the stacks whose Terraform changed,")
		fmt.Fprintln(stderr, "the new and removed stacks, and the stacks that read values which can change.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *base == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	repo, err := os.Getwd()
	if err == nil {
		repo, err = git(context.Background(), repo, "rev-parse", "--show-toplevel")
	}
	if err != nil {
		fmt.Fprintf(stderr, "stratum changed: not in a git repository: %v\n", err)
		return 1
	}
	r, err := Run(context.Background(), Options{Repo: repo, Base: *base, HeadOut: *headOut, BaseOut: *baseOut, Log: stderr})
	if err != nil {
		fmt.Fprintf(stderr, "stratum changed: %v\n", err)
		return 1
	}
	if *asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		r.WriteTable(stdout)
	}
	if *detailed && len(r.Stacks) > 0 {
		return 2
	}
	return 0
}

// WriteTable prints the report for people.
func (r *Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "compared with %s (%s)\n", r.Base, short(r.BaseCommit))
	if len(r.Stacks) == 0 && len(r.Removed) == 0 {
		fmt.Fprintln(w, "no stack changed")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LEVEL\tSTACK\tWHY\tRUNNER")
	for _, s := range r.Stacks {
		why := string(s.Reason)
		if s.Reason == Reads {
			why = "reads " + strings.Join(s.Parameters, ", ")
		}
		runner := string(s.Runner)
		if s.Manual {
			runner = "manual (not run by CI)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Level, s.Name, why, runner)
	}
	tw.Flush()
	for _, n := range r.Removed {
		fmt.Fprintf(w, "removed: %s (its resources still exist: destroy it by hand before removing it, see docs/onboarding.md)\n", n)
	}
}
