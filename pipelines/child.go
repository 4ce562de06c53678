package pipelines

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"stratum/changes"
	"stratum/config"
	"stratum/stackgraph"
)

// ChildMain is `stratum gitlab-child`: it prints the GitLab child pipeline
// of one run from the output of `stratum changed -json`.
func ChildMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gitlab-child", flag.ContinueOnError)
	fs.SetOutput(stderr)
	report := fs.String("changed", "changed.json", "the output of `stratum changed -json`")
	dir := fs.String("dir", "cdktf.out", "the synthesis of the head")
	mode := fs.String("mode", "plan", "plan (merge requests) or apply (the default branch)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	b, err := os.ReadFile(*report)
	if err != nil {
		fmt.Fprintf(stderr, "stratum gitlab-child: %v\n", err)
		return 1
	}
	var r changes.Report
	if err := json.Unmarshal(b, &r); err != nil {
		fmt.Fprintf(stderr, "stratum gitlab-child: %s: %v\n", *report, err)
		return 1
	}
	g, err := stackgraph.Load(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "stratum gitlab-child: %v\n", err)
		return 1
	}
	out, err := GitLabChild(Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings()}, &r, *mode)
	if err != nil {
		fmt.Fprintf(stderr, "stratum gitlab-child: %v\n", err)
		return 2
	}
	stdout.Write(out)
	return 0
}
