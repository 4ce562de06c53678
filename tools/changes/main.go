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

	"stratum/applied"
	"stratum/tools/cli"
	"stratum/tools/synthesis"
)

// Main is `stratum changed`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "changed",
		Synopsis: "-base REV | -applied DIR [-head-out DIR] [-base-out DIR] [-json | -json-out FILE] [-detailed-exitcode]",
		About: `Synthesizes the git revision REV and the working tree (or reads the working tree's synthesis
from -head-out, and REV's from -base-out) and lists the stacks a pipeline must plan and apply:
those whose Terraform changed, the new ones, and those reading an SSM parameter whose value can
change; the removed stacks are listed apart. Each comes with its level and runner (docs/cicd-integration.md).

With -applied instead of -base, each stack is compared with what was last applied to it: DIR
holds the records of every environment (stratum applied fetch), and a stack whose last apply
failed or never ran is selected again. A selected manual stack (bootstrap-<env>) then blocks
its environment: the report names the command to run by hand.`,
		Results: []string{"2   stacks are selected (only with -detailed-exitcode; 0 when none is)"},
	}, stdout, stderr)
	base := f.String("base", "", "the git revision to compare with, e.g. origin/main (or -applied)")
	appliedDir := f.String("applied", "", "compare with the applied records in this directory (<env>.json, stratum applied fetch) instead of -base")
	jsonOut := f.String("json-out", "", "also write the report as JSON to this file (one run gives the table and the JSON)")
	headOut := f.String("head-out", "", "read the working tree's synthesis from this directory (make synth writes cdktf.out) instead of synthesizing it")
	baseOut := f.String("base-out", "", "read REV's synthesis from this directory (e.g. the base pipeline's merged cdktf.out) instead of synthesizing it")
	asJSON := f.Bool("json", false, "print the report as JSON (stacks, levels, groups for CI matrices)")
	detailed := f.Bool("detailed-exitcode", false, "exit 2 when stacks are selected")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if (*base == "") == (*appliedDir == "") {
		return f.Usagef("give one of -base REV and -applied DIR")
	}
	if *appliedDir != "" && *baseOut != "" {
		return f.Usagef("-base-out goes with -base")
	}
	var recs applied.Records
	if *appliedDir != "" {
		var err error
		if recs, _, err = LoadApplied(*appliedDir); err != nil {
			return f.Fail(err)
		}
	}
	// Before synthesizing anything: a wrong directory fails at once.
	for _, out := range []struct{ flag, dir, fix string }{
		{"-head-out", *headOut, "run make synth first, or leave -head-out out to synthesize the working tree"},
		{"-base-out", *baseOut, "merge the base's shards first (synth-merge), or leave -base-out out to synthesize -base"},
	} {
		if out.dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(out.dir, synthesis.ManifestFile)); err != nil {
			return f.Fail(fmt.Errorf("%s %s holds no synthesis (%v): %s", out.flag, out.dir, err, out.fix))
		}
	}
	repo, err := os.Getwd()
	if err == nil {
		repo, err = git(ctx, repo, "rev-parse", "--show-toplevel")
	}
	if err != nil {
		return f.Fail(fmt.Errorf("not in a git repository: %v", err))
	}
	r, err := Run(ctx, Options{Repo: repo, Base: *base, HeadOut: *headOut, BaseOut: *baseOut, Applied: recs, Log: stderr})
	if err != nil {
		return f.Fail(err)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return f.Fail(err)
		}
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
	if r.BaseCommit != "" {
		fmt.Fprintf(w, "compared with %s (%s)\n", r.Base, short(r.BaseCommit))
	} else {
		fmt.Fprintf(w, "compared with %s\n", r.Base)
	}
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
		switch {
		case s.Manual:
			runner = "manual (not run by CI)"
		case r.Blocked[s.Name] != "":
			runner = "blocked by " + r.Blocked[s.Name]
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Level, s.Name, why, runner)
	}
	tw.Flush()
	for _, n := range r.Pending {
		env := ""
		for _, s := range r.Stacks {
			if s.Name == n {
				env = s.Environment
			}
		}
		fmt.Fprintf(w, "STOP: %s is applied by hand and changed: nothing of %s is applied until a person runs\n  %s\n", n, env, ManualCommand(n, env))
	}
	for _, n := range r.Removed {
		fmt.Fprintf(w, "removed: %s (its resources still exist: destroy it by hand before removing it, see docs/onboarding.md)\n", n)
	}
}
