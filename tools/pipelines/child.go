package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/cli"
	"stratum/tools/stackgraph"
)

// ChildMain is `stratum gitlab-child`: it prints the GitLab child pipeline
// of one run from the output of `stratum changed -json`.
func ChildMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "gitlab-child",
		Synopsis: "-env ENV [-changed FILE] [-dir DIR] [-mode plan|apply]",
		About: `Prints the GitLab child pipeline of one run and environment: a plan job (merge requests) or a
plan and apply job (the default branch) for each stack of ENV the report selects, ordered by
level; a job naming the command to run by hand where a manual stack of ENV changed (in apply
mode it fails: nothing of ENV is applied until that stack is recorded as applied). FILE is what
stratum changed -json-out wrote for the run; DIR the synthesis of the head. The parent pipeline
(.gitlab-ci.yml, written by stratum generate) runs one per environment.`,
	}, stdout, stderr)
	report := f.String("changed", "changed.json", "the report of stratum changed -json")
	dir := f.String("dir", "cdktf.out", "the synthesis of the head (make synth writes cdktf.out)")
	mode := f.String("mode", "plan", "plan (merge requests) or apply (the default branch)")
	env := f.String("env", "", "the environment (required)")
	f.Required("env")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if *mode != "plan" && *mode != "apply" {
		return f.Usagef("-mode %q: want plan or apply", *mode)
	}
	b, err := os.ReadFile(*report)
	if err != nil {
		return f.Fail(err)
	}
	var r changes.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return f.Fail(fmt.Errorf("%s: %v", *report, err))
	}
	g, err := stackgraph.Load(*dir)
	if err != nil {
		return f.Fail(err)
	}
	out, err := GitLabChild(Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings()}, &r, *mode, *env)
	if err != nil {
		return f.Fail(err)
	}
	stdout.Write(out)
	return cli.ExitOK
}
