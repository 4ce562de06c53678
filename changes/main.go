package changes

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"stratum/internal/cli"
)

// Main is `stratum changed`.
func Main(args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "changed",
		Synopsis: "-base REV [-head-out DIR] [-base-out DIR] [-json] [-detailed-exitcode]",
		About: `Synthesizes the git revision REV and the working tree (or reads the working tree's synthesis
from -head-out, and REV's from -base-out) and lists the stacks a pipeline must plan and apply:
those whose Terraform changed, the new ones, and those reading an SSM parameter whose value can
change; the removed stacks are listed apart. Each comes with its level and runner (docs/cicd-integration.md).`,
		Results: []string{"2   stacks are selected (only with -detailed-exitcode; 0 when none is)"},
	}, stdout, stderr)
	base := f.String("base", "", "the git revision to compare with, e.g. origin/main (required)")
	headOut := f.String("head-out", "", "read the working tree's synthesis from this directory (make synth writes cdktf.out) instead of synthesizing it")
	baseOut := f.String("base-out", "", "read REV's synthesis from this directory (e.g. the base pipeline's merged cdktf.out) instead of synthesizing it")
	asJSON := f.Bool("json", false, "print the report as JSON (stacks, levels, groups for CI matrices)")
	detailed := f.Bool("detailed-exitcode", false, "exit 2 when stacks are selected")
	f.Required("base")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	// Before synthesizing anything: a wrong directory fails at once.
	for _, out := range []struct{ flag, dir, fix string }{
		{"-head-out", *headOut, "run make synth first, or leave -head-out out to synthesize the working tree"},
		{"-base-out", *baseOut, "merge the base's shards first (synth-merge), or leave -base-out out to synthesize -base"},
	} {
		if out.dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(out.dir, "manifest.json")); err != nil {
			return f.Fail(fmt.Errorf("%s %s holds no synthesis (%v): %s", out.flag, out.dir, err, out.fix))
		}
	}
	repo, err := os.Getwd()
	if err == nil {
		repo, err = git(context.Background(), repo, "rev-parse", "--show-toplevel")
	}
	if err != nil {
		return f.Fail(fmt.Errorf("not in a git repository: %v", err))
	}
	r, err := Run(context.Background(), Options{Repo: repo, Base: *base, HeadOut: *headOut, BaseOut: *baseOut, Log: stderr})
	if err != nil {
		return f.Fail(err)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		r.WriteTable(stdout)
	}
	if *detailed && len(r.Stacks) > 0 {
		return cli.ExitChanges
	}
	return cli.ExitOK
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
