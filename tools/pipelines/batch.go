package pipelines

import (
	"container/heap"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"stratum/tools/stackgraph"
)

// The platforms a layout is cut for: each has its own limits.
const (
	GitHubPlatform = "github"
	GitLabPlatform = "gitlab"
	AzurePlatform  = "azure"
)

// Platforms are the platforms Stratum generates pipelines for.
var Platforms = []string{GitHubPlatform, GitLabPlatform, AzurePlatform}

// Batch is what one plan, apply or drift job takes on: stacks of one
// group (environment, level, runner) and one layer, planned or applied
// one after the other by `stratum batch run`. A job runs with one layer's
// role, so a batch never mixes layers; stacks of one level never depend
// on each other, so their order within it is free (by name).
//
// A stack belongs to the same batch in every run of the same stack graph
// (the batches are cut from the whole graph, not from a run's
// selection): a run plans and applies the selected stacks of each batch,
// and the batch's concurrency group (GitHub), resource group (GitLab) or
// job (Azure) is the one writer of its stacks.
type Batch struct {
	// Key names the batch in job names, outputs and artifacts:
	// <group>_<layer>_<n>, e.g. prod_2_private_client_3.
	Key         string            `json:"key"`
	Group       string            `json:"group"`
	Environment string            `json:"environment"`
	Level       int               `json:"level"`
	Runner      stackgraph.Runner `json:"runner"`
	// Layer is the stack word of the batch's layer (foundation,
	// database, client, …): whose role its jobs assume.
	Layer string `json:"layer"`
	// Stacks are the batch's stacks, sorted: every one in a layout, the
	// selected ones in a run's batches.json.
	Stacks []string `json:"stacks"`
	// Cost is the stacks' estimated work: their resource and data source
	// blocks (stackgraph.Stack.Elements).
	Cost int `json:"cost"`
}

// Layout is every batch of a stack graph for one platform, in apply
// order (environment, level, runner as stackgraph.Groups orders them,
// then layer and number).
type Layout struct {
	Platform string `json:"platform"`
	// Target is the cost each batch was cut to: the configured
	// BatchElements, or more where the platform's limits required fewer
	// batches.
	Target  int     `json:"target"`
	Batches []Batch `json:"batches"`
}

// Digest identifies the layout: every batch's key and stacks. The
// generated pipelines pass it to `stratum batch select`, which refuses a
// run whose stack graph cuts other batches (a pipeline not regenerated
// after a change of the graph would skip the batches it does not know).
func (l *Layout) Digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", l.Platform)
	for _, b := range l.Batches {
		fmt.Fprintf(h, "%s %s\n", b.Key, strings.Join(b.Stacks, " "))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Of returns the batches of a group, by its key.
func (l *Layout) Of(group string) []Batch {
	var out []Batch
	for _, b := range l.Batches {
		if b.Group == group {
			out = append(out, b)
		}
	}
	return out
}

// Batch returns the batch with key.
func (l *Layout) Batch(key string) (Batch, bool) {
	for _, b := range l.Batches {
		if b.Key == key {
			return b, true
		}
	}
	return Batch{}, false
}

// unit is the stacks of one group and layer: cut into one or more
// batches.
type unit struct {
	group stackgraph.Group
	layer string
	// stacks are sorted by cost, largest first (by name among equals):
	// the order cut places them in, sorted once for every target tried.
	stacks []stackgraph.Stack
	cost   int
}

// units splits the graph's groups by layer.
func units(g *stackgraph.Graph, envOrder []string) []unit {
	var out []unit
	for _, gr := range g.Groups(envOrder) {
		byLayer := map[string]*unit{}
		var words []string
		for _, name := range gr.Stacks {
			st, _ := g.Stack(name)
			w := layerWord(name)
			u, ok := byLayer[w]
			if !ok {
				u = &unit{group: gr, layer: w}
				byLayer[w] = u
				words = append(words, w)
			}
			u.stacks = append(u.stacks, st)
			u.cost += stackCost(st)
		}
		sort.Strings(words)
		for _, w := range words {
			u := byLayer[w]
			sort.SliceStable(u.stacks, func(a, b int) bool { return stackCost(u.stacks[a]) > stackCost(u.stacks[b]) })
			out = append(out, *u)
		}
	}
	return out
}

// stackCost is a stack's estimated work; an empty stack still costs a
// terraform init and plan.
func stackCost(s stackgraph.Stack) int { return max(1, s.Elements) }

// count is how many batches a unit of cost and n stacks gets at target.
func count(cost, n, target int) int {
	return min(n, max(1, (cost+target-1)/target))
}

// cut cuts every unit into batches of about target each: longest stack
// first onto the least loaded batch (ties to the lower number), the
// engine's own split (tools/synth/partition.go). The least loaded batch
// is the top of a heap (loads): a unit of a thousand stacks cut into a
// thousand batches is not a million comparisons.
func cut(platform string, us []unit, target int) *Layout {
	l := &Layout{Platform: platform, Target: target}
	for _, u := range us {
		n := count(u.cost, len(u.stacks), target)
		batches := make([]Batch, n)
		least := loads{batches: batches, order: make([]int, n)}
		for i := range batches {
			batches[i] = Batch{
				Key:   fmt.Sprintf("%s_%s_%d", u.group.Key(), u.layer, i+1),
				Group: u.group.Key(), Environment: u.group.Environment, Level: u.group.Level, Runner: u.group.Runner,
				Layer: u.layer,
			}
			least.order[i] = i // all empty: in number order, a heap already
		}
		for _, st := range u.stacks {
			b := &batches[least.order[0]]
			b.Stacks = append(b.Stacks, st.Name)
			b.Cost += stackCost(st)
			heap.Fix(&least, 0)
		}
		for i := range batches {
			sort.Strings(batches[i].Stacks)
		}
		l.Batches = append(l.Batches, batches...)
	}
	return l
}

// loads is a heap of one unit's batches by their index in batches: the
// least loaded on top, the lower number among equals.
type loads struct {
	batches []Batch
	order   []int
}

func (h *loads) Len() int { return len(h.order) }
func (h *loads) Less(i, j int) bool {
	a, b := h.order[i], h.order[j]
	if h.batches[a].Cost != h.batches[b].Cost {
		return h.batches[a].Cost < h.batches[b].Cost
	}
	return a < b
}
func (h *loads) Swap(i, j int) { h.order[i], h.order[j] = h.order[j], h.order[i] }

// Push and Pop complete heap.Interface; cut only fixes the top.
func (h *loads) Push(x any) { h.order = append(h.order, x.(int)) }
func (h *loads) Pop() any {
	x := h.order[len(h.order)-1]
	h.order = h.order[:len(h.order)-1]
	return x
}

// limits are a platform's bounds on the number of batches (0: none):
// in one group (a GitHub matrix), in one environment's level, in one
// environment, and in all.
type limits struct {
	group, level, env, total int
}

// exceeded says which bound l exceeds, or "".
func (lim limits) exceeded(l *Layout) string {
	group, level, env := map[string]int{}, map[string]int{}, map[string]int{}
	for _, b := range l.Batches {
		group[b.Group]++
		level[fmt.Sprintf("%s level %d", b.Environment, b.Level)]++
		env[b.Environment]++
	}
	for _, c := range []struct {
		what  string
		by    map[string]int
		bound int
	}{{"group", group, lim.group}, {"level of", level, lim.level}, {"environment", env, lim.env}, {"pipeline", map[string]int{"": len(l.Batches)}, lim.total}} {
		if c.bound == 0 {
			continue
		}
		for _, k := range sortedKeys(c.by) {
			if c.by[k] > c.bound {
				return fmt.Sprintf("%d batches in %s %s, more than %d", c.by[k], c.what, k, c.bound)
			}
		}
	}
	return ""
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// platformLimits are the batch bounds that follow from a platform's
// documented limits (limits.go) and the shape of its pipelines.
func platformLimits(platform string) limits {
	switch platform {
	case GitHubPlatform:
		// Each group's plan, apply and drift jobs are one matrix each.
		return limits{group: GitHubMaxMatrixJobs}
	case GitLabPlatform:
		// A child pipeline's job needs the parent's changed job and the
		// jobs of the level before (an apply job per batch, or a plan job
		// in a merge request); a child holds a plan and an apply job per
		// batch and the applied-by-hand job. The parent's jobs are
		// counted from the rendered pipeline (fits).
		return limits{level: GitLabMaxNeeds - 1, env: (GitLabMaxPipelineJobs - 1) / 2}
	case AzurePlatform:
		// A level's plan stage holds the pull-request and the
		// default-branch plan job of each batch; the drift stage a job per
		// batch and its synth, support and report jobs.
		return limits{level: AzureMaxJobsPerStage / 2, total: AzureMaxJobsPerStage - 3}
	}
	panic("pipelines: unknown platform " + platform)
}

// LayoutFor cuts the graph's batches for platform: BatchElements each, or
// as much more as it takes to stay within the platform's limits
// (platformLimits, and what fits checks on the rendered pipelines). It
// fails when even one batch per group and layer exceeds a limit.
func LayoutFor(in Input, platform string) (*Layout, error) {
	us := units(in.Graph, in.Settings.EnvironmentOrder)
	lim := platformLimits(platform)
	target := max(1, in.Settings.BatchElements)
	var refused []int // each unit's batch count in the last layout refused, nil before one
	for {
		// A target cutting each unit into as many batches as the last
		// refused one cuts the same layout (cut depends on the target
		// only through the counts): it is refused without cutting.
		if counts := batchCounts(us, target); refused == nil || !slices.Equal(counts, refused) {
			l := cut(platform, us, target)
			problem := lim.exceeded(l)
			if problem == "" {
				problem = fits(in, l)
			}
			if problem == "" {
				return l, nil
			}
			if len(l.Batches) == len(us) {
				return nil, fmt.Errorf("%s: %s even with one batch per group and layer", platform, problem)
			}
			refused = counts
		}
		target += max(1, target/4)
	}
}

// batchCounts is how many batches cut makes of each unit at target.
func batchCounts(us []unit, target int) []int {
	out := make([]int, len(us))
	for i, u := range us {
		out[i] = count(u.cost, len(u.stacks), target)
	}
	return out
}

// MustLayout is LayoutFor for the generators, whose input is a graph the
// program synthesized.
func MustLayout(in Input, platform string) *Layout {
	l, err := LayoutFor(in, platform)
	if err != nil {
		panic(fmt.Sprintf("pipelines: %v", err))
	}
	return l
}

// fits renders the platform's pipelines with l and says which size or
// count limit they exceed, or "".
func fits(in Input, l *Layout) string {
	switch l.Platform {
	case GitHubPlatform:
		for name, b := range renderGitHub(in, l) {
			if len(b) > GitHubMaxWorkflowBytes {
				return fmt.Sprintf("workflow %s of %d bytes, more than %d", name, len(b), GitHubMaxWorkflowBytes)
			}
		}
	case GitLabPlatform:
		if n := glParent(in, l).jobCount(); n > GitLabMaxPipelineJobs {
			return fmt.Sprintf("%d jobs in .gitlab-ci.yml, more than %d", n, GitLabMaxPipelineJobs)
		}
	case AzurePlatform:
		if b := marshal(azPipeline(in, l)); len(b) > AzureMaxPipelineBytes {
			return fmt.Sprintf("azure-pipelines.yml of %d bytes, more than %d", len(b), AzureMaxPipelineBytes)
		}
	}
	return ""
}
