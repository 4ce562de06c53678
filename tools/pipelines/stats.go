package pipelines

import (
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/cli"
	"stratum/tools/stackgraph"
)

// PlatformStats are the largest figures of one platform's pipelines for
// a run that selects every stack (a change every stack reaches): what
// its documented limits (limits.go) bound.
type PlatformStats struct {
	Platform string
	Batches  int
	// Target is the cost each batch was cut to (BatchElements, or more
	// where a limit required fewer batches).
	Target int
	// LargestJobs is the most jobs one unit the platform limits holds:
	// a matrix (GitHub), a pipeline (GitLab: the parent or an
	// environment's child), a stage (Azure).
	LargestJobs int
	// RunJobs are all the jobs of such a run's apply pipeline (GitLab:
	// the parent and every child).
	RunJobs int
	// LargestFile is the largest generated file, in bytes.
	LargestFile int
	// Limits names the bounds LargestJobs and LargestFile are held to.
	Limits string
}

// String is one line of the figures.
func (s PlatformStats) String() string {
	return fmt.Sprintf("%-6s %4d batches (%d elements each), largest %d jobs, %d jobs a run, largest file %d KB (limits: %s)",
		s.Platform, s.Batches, s.Target, s.LargestJobs, s.RunJobs, s.LargestFile/1000, s.Limits)
}

// everything is a report selecting every stack of the graph.
func everything(g *stackgraph.Graph) *changes.Report {
	r := &changes.Report{}
	for _, s := range g.Stacks {
		r.Stacks = append(r.Stacks, changes.Selected{Name: s.Name, Environment: s.Environment, Level: s.Level, Runner: s.Runner, Manual: s.Manual, Reason: changes.Changed})
	}
	return r
}

// Stats computes every platform's figures for in.
func Stats(in Input) ([]PlatformStats, error) {
	var out []PlatformStats
	for _, p := range Platforms {
		l, err := LayoutFor(in, p)
		if err != nil {
			return nil, err
		}
		s := PlatformStats{Platform: p, Batches: len(l.Batches), Target: l.Target}
		switch p {
		case GitHubPlatform:
			s.Limits = fmt.Sprintf("%d jobs a matrix, %d KB a workflow", GitHubMaxMatrixJobs, GitHubMaxWorkflowBytes/1000)
			s.LargestJobs = in.shardCount(GitHubMaxMatrixJobs)
			for _, gr := range in.groups() {
				s.LargestJobs = max(s.LargestJobs, len(l.Of(gr.Key())))
			}
			// The apply run: shards, changed, manual, and a plan and an
			// apply job per batch.
			s.RunJobs = in.shardCount(GitHubMaxMatrixJobs) + 2 + 2*len(l.Batches)
			for _, b := range renderGitHub(in, l) {
				s.LargestFile = max(s.LargestFile, len(b))
			}
		case GitLabPlatform:
			s.Limits = fmt.Sprintf("%d jobs a pipeline, %d needs a job", GitLabMaxPipelineJobs, GitLabMaxNeeds)
			parent := glParent(in, l)
			s.LargestJobs, s.RunJobs = parent.jobCount(), parent.jobCount()
			s.LargestFile = len(marshal(parent))
			for _, env := range in.glEnvironments() {
				b, err := GitLabChild(in, everything(in.Graph), "apply", env)
				if err != nil {
					return nil, err
				}
				n, err := childJobs(b)
				if err != nil {
					return nil, err
				}
				s.LargestJobs, s.RunJobs = max(s.LargestJobs, n), s.RunJobs+n
				s.LargestFile = max(s.LargestFile, len(b))
			}
		case AzurePlatform:
			s.Limits = fmt.Sprintf("%d jobs a stage, %d KB a pipeline", AzureMaxJobsPerStage, AzureMaxPipelineBytes/1000)
			pl := azPipeline(in, l)
			for _, st := range pl.Stages {
				n := 0
				for _, j := range st.Jobs {
					n += 1
					if j.Strategy != nil && j.Strategy.Parallel > 1 {
						n += j.Strategy.Parallel - 1
					}
				}
				s.LargestJobs = max(s.LargestJobs, n)
				if st.Stage != "drift" && st.Stage != "test" {
					s.RunJobs += n
				}
			}
			s.LargestFile = len(marshal(pl))
		}
		out = append(out, s)
	}
	return out, nil
}

// batchStats is `stratum batch stats`.
func batchStats(args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "batch stats",
		Synopsis: "[-dir DIR]",
		About: batchAbout + `

stats prints, for each platform, the batches of DIR's stack graph and the largest job counts and
file sizes of its pipelines for a run that selects every stack, with the limits they are held to
(make bench-scale prints them).`,
	}, stdout, stderr)
	dir := f.String("dir", "cdktf.out", "the synthesis whose stack graph is batched")
	shards := f.Int("shards", 1, "the synthesis shards (stratum synth-plan's shards)")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	g, err := stackgraph.Load(*dir)
	if err != nil {
		return f.Fail(err)
	}
	stats, err := Stats(Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings(), Shards: *shards})
	if err != nil {
		return f.Fail(err)
	}
	for _, s := range stats {
		fmt.Fprintln(stdout, s)
	}
	return cli.ExitOK
}

// childJobs counts a child pipeline's jobs.
func childJobs(b []byte) (int, error) {
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return 0, err
	}
	n := 0
	for k, v := range m {
		if _, ok := v.(map[string]any); ok && k != "default" && k != "variables" {
			n++
		}
	}
	return n, nil
}
