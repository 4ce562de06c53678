package pipelines

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/clientstest"
	"stratum/tools/stackgraph"
	"stratum/tools/synthesis"
)

// scaleInput is the stack graph of the real environments with n clients
// in every environment (scaleGraph), shared by the tests that ask for the
// same n: they only read it.
func scaleInput(t testing.TB, n int, shards int) Input {
	t.Helper()
	scaleGraphs.Lock()
	defer scaleGraphs.Unlock()
	g, ok := scaleGraphs.byN[n]
	if !ok {
		g = scaleGraph(t, n)
		scaleGraphs.byN[n] = g
	}
	return Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings(), Shards: shards}
}

// scaleGraphs are the graphs scaleInput built, by number of clients.
var scaleGraphs = struct {
	sync.Mutex
	byN map[int]*stackgraph.Graph
}{byN: map[int]*stackgraph.Graph{}}

// scaleGraph is the golden stacks of the environments, and for each
// generated client (clientstest.FreshNames) the golden database and
// client stacks of a real client renamed. The dependencies are what
// cdktf records, those of the SSM contract: each stack depends on the
// stacks writing a parameter it reads.
//
// A renamed stack's summary is its model's with the name replaced
// (renamed) rather than read again from the renamed JSON: at 1,000
// clients that is 6,000 stacks not parsed. The graph checks the shortcut
// on the first and last name of each model against synthesis.Summarize
// of the renamed JSON.
func scaleGraph(t testing.TB, n int) *stackgraph.Graph {
	t.Helper()
	summary := func(name string, b []byte) *synthesis.Summary {
		s, err := synthesis.Summarize(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return &s
	}
	golden := func(name string) ([]byte, *synthesis.Summary) {
		b, err := os.ReadFile(filepath.Join("..", "..", "__snapshots__", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		return b, summary(name, b)
	}
	const model = "mtn-ghana" // a client in every environment
	var in []stackgraph.Input
	names := clientstest.FreshNames(clients.All, n)
	for _, env := range []string{"prod", "staging", "dev"} {
		for _, layer := range []string{"bootstrap", "foundation", "platform", "services"} {
			name := layer + "-" + env
			_, sum := golden(name)
			in = append(in, stackgraph.Input{Name: name, Summary: sum})
		}
		for _, layer := range []string{"database", "client"} {
			b, sum := golden(layer + "-" + model + "-" + env)
			for i, name := range names {
				stack := layer + "-" + name + "-" + env
				r := renamed(*sum, model, name)
				if i == 0 || i == len(names)-1 {
					if want := summary(stack, bytes.ReplaceAll(b, []byte(model), []byte(name))); !reflect.DeepEqual(r, want) {
						t.Fatalf("%s: the renamed summary\n%+v\nis not Summarize of the renamed stack\n%+v", stack, r, want)
					}
				}
				in = append(in, stackgraph.Input{Name: stack, Summary: r})
			}
		}
	}
	flat, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	writer := map[string]string{}
	for _, s := range flat.Stacks {
		for _, p := range s.Writes {
			writer[p] = s.Name
		}
	}
	for i := range in {
		s, _ := flat.Stack(in[i].Name)
		seen := map[string]bool{}
		for _, p := range s.Reads {
			if w := writer[p]; w != "" && w != s.Name && !seen[w] {
				seen[w] = true
				in[i].Dependencies = append(in[i].Dependencies, w)
			}
		}
	}
	g, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// renamed is sum with every old in its strings replaced by new, sorted
// again: what synthesis.Summarize reads of the stack once old is
// replaced by new in its JSON.
func renamed(sum synthesis.Summary, old, new string) *synthesis.Summary {
	r := func(s string) string { return strings.ReplaceAll(s, old, new) }
	all := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = r(s)
		}
		sort.Strings(out)
		return out
	}
	out := sum
	out.Environment, out.Layer, out.Client = r(sum.Environment), r(sum.Layer), r(sum.Client)
	out.Backends, out.Providers, out.Types, out.Writes = all(sum.Backends), all(sum.Providers), all(sum.Types), all(sum.Writes)
	out.Reads = make(map[string]string, len(sum.Reads))
	for k, v := range sum.Reads {
		out.Reads[r(k)] = r(v)
	}
	return &out
}

// scaleShards is the K stratum synth-plan chooses at 1,000 clients
// (docs/synthesis.md, "Measured at 1,000 clients").
const scaleShards = 44

// TestNoPlatformLimitAtScale generates every pipeline for 1,000 clients
// in three environments (6,012 stacks) and checks them against each
// platform's documented limits (limits.go), actionlint and GitLab's
// schema, for a run that selects every stack: GitHub's matrices, workflow
// sizes and job outputs; GitLab's jobs per pipeline (the parent and each
// environment's child), needs per job, parallel jobs and child pipeline
// size; Azure's jobs per stage and file size.
func TestNoPlatformLimitAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and lints the pipelines of 1,000 clients (-short)")
	}
	in := scaleInput(t, 1000, scaleShards)
	if got := len(in.Graph.Stacks); got != 12+6*1000 {
		t.Fatalf("%d stacks, want %d", got, 12+6*1000)
	}
	stats, err := Stats(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		t.Log(s)
	}
	t.Run("github", func(t *testing.T) {
		l := MustLayout(in, GitHubPlatform)
		for name, b := range renderGitHub(in, l) {
			if len(b) > GitHubMaxWorkflowBytes {
				t.Errorf("%s: %d bytes, more than %d", name, len(b), GitHubMaxWorkflowBytes)
			}
			var w struct {
				Jobs map[string]struct {
					Strategy struct {
						Matrix map[string]any `yaml:"matrix"`
					} `yaml:"strategy"`
					Outputs map[string]string `yaml:"outputs"`
				} `yaml:"jobs"`
			}
			if err := yaml.Unmarshal(b, &w); err != nil {
				t.Fatal(err)
			}
			for id, j := range w.Jobs {
				for k, v := range j.Strategy.Matrix {
					switch v := v.(type) {
					case []any:
						if len(v) > GitHubMaxMatrixJobs {
							t.Errorf("%s %s: a matrix of %d %s, more than %d", name, id, len(v), k, GitHubMaxMatrixJobs)
						}
					case string:
						// fromJSON of the changed job's output for a group:
						// at most the group's batches.
						group := strings.TrimSuffix(strings.TrimPrefix(v, "${{ fromJSON(needs.changed.outputs."), ") }}")
						if n := len(l.Of(group)); n == 0 || n > GitHubMaxMatrixJobs {
							t.Errorf("%s %s: a matrix of group %q's %d batches", name, id, group, n)
						}
					}
				}
			}
			for _, e := range lintWorkflow(t, in, name, b) {
				t.Errorf("%s: %s", name, e)
			}
		}
		// The outputs at their largest: every batch of the largest group
		// selected (the changed job), a digest per batch (a plan job).
		for _, gr := range in.groups() {
			keys := Select(l, everything(in.Graph)).Keys(l, gr.Key())
			out, _ := json.Marshal(keys)
			if size := 2 * (len(out) + 64*len(keys)); size > GitHubMaxJobOutputBytes {
				t.Errorf("group %s: outputs of about %d bytes (UTF-16), more than %d", gr.Key(), size, GitHubMaxJobOutputBytes)
			}
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		schema := gitlabSchema(t)
		docs := map[string][]byte{".gitlab-ci.yml": GitLab(in)}
		for _, env := range in.glEnvironments() {
			b, err := GitLabChild(in, everything(in.Graph), "apply", env)
			if err != nil {
				t.Fatal(err)
			}
			docs["child "+env] = b
			if len(b) > GitLabMaxChildPipelineBytes {
				t.Errorf("child %s: %d bytes, more than %d", env, len(b), GitLabMaxChildPipelineBytes)
			}
		}
		for name, b := range docs {
			var p map[string]any
			if err := yaml.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			jobs := 0
			for id, v := range p {
				j, ok := v.(map[string]any)
				if !ok || id == "default" || id == "variables" || id == "workflow" {
					continue
				}
				jobs++
				if par, ok := j["parallel"].(int); ok {
					if par > GitLabMaxParallel {
						t.Errorf("%s %s: parallel %d, more than %d", name, id, par, GitLabMaxParallel)
					}
					jobs += par - 1
				}
				if needs, _ := j["needs"].([]any); len(needs) > GitLabMaxNeeds {
					t.Errorf("%s %s: %d needs, more than %d", name, id, len(needs), GitLabMaxNeeds)
				}
			}
			if jobs > GitLabMaxPipelineJobs {
				t.Errorf("%s: %d jobs, more than %d", name, jobs, GitLabMaxPipelineJobs)
			}
			if err := schema.Validate(asJSONValue(t, b)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("azure", func(t *testing.T) {
		doc := Azure(in)
		if len(doc) > AzureMaxPipelineBytes {
			t.Errorf("azure-pipelines.yml: %d bytes, more than %d", len(doc), AzureMaxPipelineBytes)
		}
		p, err := decodeAzure(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range azureProblems(p) {
			t.Error(pr)
		}
		for _, st := range p.Stages {
			n := 0
			for _, j := range st.Jobs {
				n++
				if j.Strategy != nil && j.Strategy.Parallel > 1 {
					n += j.Strategy.Parallel - 1
				}
			}
			if n > AzureMaxJobsPerStage {
				t.Errorf("stage %s: %d jobs, more than %d", st.Stage, n, AzureMaxJobsPerStage)
			}
		}
	})
}

// TestLayoutsMeetTheLimitsTheyClaim: the limits bind: with a batch target
// of one element (a batch per stack wanted), every platform's layout at
// 1,000 clients is cut coarser until it fits, and one that cannot fit
// (Azure's jobs per stage with one batch per group and layer forced
// over) is refused with the limit named.
func TestLayoutsMeetTheLimitsTheyClaim(t *testing.T) {
	if testing.Short() {
		t.Skip("cuts the batches of 1,000 clients (-short)")
	}
	in := scaleInput(t, 1000, scaleShards)
	in.Settings.BatchElements = 1
	for _, p := range Platforms {
		l, err := LayoutFor(in, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if problem := platformLimits(p).exceeded(l); problem != "" {
			t.Errorf("%s: %s", p, problem)
		}
		if problem := fits(in, l); problem != "" {
			t.Errorf("%s: %s", p, problem)
		}
		if l.Target == 1 {
			t.Errorf("%s: kept a batch per stack (%d batches)", p, len(l.Batches))
		}
		t.Logf("%s: %d batches of %d elements", p, len(l.Batches), l.Target)
	}
	tight := limits{level: 1}
	us := units(in.Graph, in.Settings.EnvironmentOrder)
	if got := tight.exceeded(cut(AzurePlatform, us, 1<<30)); !strings.Contains(got, "more than 1") {
		t.Errorf("a level of two layers within a bound of 1 batch: %q, want it refused", got)
	}
}

// TestBatchesAreStableAndBalanced: every stack of a group is in exactly
// one batch of its own layer; batches of a unit differ in cost by at most
// its largest stack; the layout and its digest are the same every time.
func TestBatchesAreStableAndBalanced(t *testing.T) {
	in := scaleInput(t, 60, 1)
	in.Settings.BatchElements = 500
	l := MustLayout(in, GitHubPlatform)
	if again := MustLayout(in, GitHubPlatform); again.Digest() != l.Digest() {
		t.Error("the same graph cut two layouts")
	}
	seen := map[string]string{}
	for _, b := range l.Batches {
		for _, s := range b.Stacks {
			if prev, dup := seen[s]; dup {
				t.Errorf("%s in %s and %s", s, prev, b.Key)
			}
			seen[s] = b.Key
			if layerWord(s) != b.Layer {
				t.Errorf("%s (layer %s) in batch %s of layer %s", s, layerWord(s), b.Key, b.Layer)
			}
			st, _ := in.Graph.Stack(s)
			if st.Environment != b.Environment || st.Level != b.Level || st.Runner != b.Runner {
				t.Errorf("%s in batch %s of another group", s, b.Key)
			}
		}
	}
	for _, st := range in.Graph.Stacks {
		if _, ok := seen[st.Name]; !ok && !st.Manual {
			t.Errorf("%s is in no batch", st.Name)
		}
	}
	for _, u := range units(in.Graph, in.Settings.EnvironmentOrder) {
		lo, hi, big := 1<<30, 0, 0
		for _, s := range u.stacks {
			big = max(big, stackCost(s))
		}
		n := 0
		for _, b := range l.Batches {
			if b.Group == u.group.Key() && b.Layer == u.layer {
				lo, hi, n = min(lo, b.Cost), max(hi, b.Cost), n+1
			}
		}
		if want := count(u.cost, len(u.stacks), l.Target); n != want {
			t.Errorf("%s %s: %d batches, want %d", u.group.Key(), u.layer, n, want)
		}
		if hi-lo > big {
			t.Errorf("%s %s: batch costs %d to %d, more apart than its largest stack (%d)", u.group.Key(), u.layer, lo, hi, big)
		}
	}
	if len(l.Of("prod_2_private")) < 2 {
		t.Errorf("prod_2_private: %d batches; 60 clients at 500 elements each want several", len(l.Of("prod_2_private")))
	}
	_ = fmt.Sprint()
}

// TestCutIsTheSimpleSearch: cut's heap chooses what the plain definition
// does — each stack, longest first, onto the batch of least cost (the
// lower number among equals) — on 60 clients, whose renamed stacks cost
// the same and so tie everywhere.
func TestCutIsTheSimpleSearch(t *testing.T) {
	in := scaleInput(t, 60, 1)
	us := units(in.Graph, in.Settings.EnvironmentOrder)
	for _, target := range []int{1, 2, 3, 7, 50, 151, 500, 2000, 1 << 30} {
		if got, want := cut(GitHubPlatform, us, target).Batches, plainCut(us, target); !reflect.DeepEqual(got, want) {
			t.Errorf("target %d: cut\n%+v\nwant\n%+v", target, got, want)
		}
	}
}

// TestLayoutForTakesTheFirstTargetThatFits: LayoutFor, which skips the
// targets that cut the same batches as the last refused one, chooses
// what trying every target of its sequence does, with a batch per stack
// wanted (so the search is long) on 60 clients.
func TestLayoutForTakesTheFirstTargetThatFits(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the pipelines of every target it tries (-short)")
	}
	in := scaleInput(t, 60, 1)
	in.Settings.BatchElements = 1
	for _, p := range Platforms {
		got, err := LayoutFor(in, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		lim, target := platformLimits(p), 1
		for {
			l := &Layout{Platform: p, Target: target, Batches: plainCut(units(in.Graph, in.Settings.EnvironmentOrder), target)}
			if lim.exceeded(l) == "" && fits(in, l) == "" {
				if !reflect.DeepEqual(got, l) {
					t.Errorf("%s: LayoutFor cut %d batches at %d, the first target that fits is %d (%d batches)", p, len(got.Batches), got.Target, target, len(l.Batches))
				}
				break
			}
			target += max(1, target/4)
		}
	}
}

// plainCut is cut as its doc comment defines it, comparing every batch
// for each stack.
func plainCut(us []unit, target int) []Batch {
	var out []Batch
	for _, u := range us {
		batches := make([]Batch, count(u.cost, len(u.stacks), target))
		for i := range batches {
			batches[i] = Batch{Key: fmt.Sprintf("%s_%s_%d", u.group.Key(), u.layer, i+1),
				Group: u.group.Key(), Environment: u.group.Environment, Level: u.group.Level, Runner: u.group.Runner, Layer: u.layer}
		}
		byCost := slices.Clone(u.stacks)
		sort.SliceStable(byCost, func(a, b int) bool {
			if stackCost(byCost[a]) != stackCost(byCost[b]) {
				return stackCost(byCost[a]) > stackCost(byCost[b])
			}
			return byCost[a].Name < byCost[b].Name
		})
		for _, st := range byCost {
			least := 0
			for i := range batches {
				if batches[i].Cost < batches[least].Cost {
					least = i
				}
			}
			batches[least].Stacks = append(batches[least].Stacks, st.Name)
			batches[least].Cost += stackCost(st)
		}
		for i := range batches {
			sort.Strings(batches[i].Stacks)
		}
		out = append(out, batches...)
	}
	return out
}

// TestLayoutOfNoStacks: a graph without stacks (generate.Paths renders
// the pipelines of one) has a layout without batches on every platform.
func TestLayoutOfNoStacks(t *testing.T) {
	g, err := stackgraph.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings()}
	for _, p := range Platforms {
		done := make(chan error, 1)
		var l *Layout
		go func() {
			var err error
			l, err = LayoutFor(in, p)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil || len(l.Batches) != 0 {
				t.Errorf("%s: %v batches, error %v; want none and no error", p, l, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: LayoutFor of no stacks still searching after 10 s", p)
		}
	}
}
