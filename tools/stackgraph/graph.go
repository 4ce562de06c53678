// Package stackgraph is the graph of Stratum's stacks as cdktf records it
// in cdktf.out/manifest.json: which stack depends on which (the SSM
// imports add the edges), the levels whose stacks can run in parallel, and
// the facts about each stack that a CI pipeline needs (its environment,
// whether CI can plan it at all, whether it must run next to the cluster).
// It reads only synthesized output, so `stratum graph` and the pipeline
// generators agree with `cdktf deploy` by construction.
package stackgraph

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"stratum/tools/synthesis"
)

// Runner says where a stack's plan and apply must run.
type Runner string

const (
	// Hosted stacks talk to AWS APIs only: any runner with internet access.
	Hosted Runner = "hosted"
	// Private stacks configure the Kubernetes or Helm provider, which talk
	// to the cluster's private API endpoint: they need a runner inside the
	// VPC or behind the VPN.
	Private Runner = "private"
)

// Stack is one node of the graph.
type Stack struct {
	Name string `json:"name"`
	// Environment, Layer and Client come from the default tags of the
	// stack's AWS provider (Client is empty for layer stacks). A database
	// stack has no Client default tag (its tags stayed those of the
	// former databases-<env>); its Client is the one Client tag its
	// resources carry.
	Environment string `json:"environment"`
	Layer       string `json:"layer"`
	Client      string `json:"client,omitempty"`
	// Dependencies are the stacks this one reads from, sorted.
	Dependencies []string `json:"dependencies"`
	// Dependents are the stacks that read from this one, sorted.
	Dependents []string `json:"dependents"`
	// Level is 0 for a stack without dependencies, else one more than
	// its deepest dependency: stacks of one level never depend on each
	// other, so they can be planned and applied in parallel.
	Level int `json:"level"`
	// Backend is the kind of the stack's state backend (s3, local).
	Backend string `json:"backend"`
	// Manual is true when CI cannot plan or apply the stack because its
	// state is not shared (a local backend: the bootstrap stacks, which
	// also hold the CI roles, so a pipeline never rewrites its own trust).
	Manual bool `json:"manual"`
	// Runner is where the stack must run (see Hosted and Private).
	Runner Runner `json:"runner"`
	// Writes and Reads are the names of the SSM parameters the stack
	// writes (aws_ssm_parameter) and reads (data "aws_ssm_parameter"),
	// sorted: the SSM contract between the stacks as synthesized.
	Writes []string `json:"writes,omitempty"`
	Reads  []string `json:"reads,omitempty"`
	// Types are the stack's resource types and its data source types
	// (prefixed "data."), sorted: what its deploy identity must be
	// allowed to manage (package deploy).
	Types []string `json:"-"`
	// Elements are the stack's resource and data source blocks: the
	// estimate of what planning or applying it costs (package pipelines
	// batches stacks into jobs by it).
	Elements int `json:"-"`
}

// Graph is every stack of one synthesis.
type Graph struct {
	// Stacks are sorted by level, then environment, then name.
	Stacks []Stack `json:"stacks"`
	// Levels lists the stack names of each level, sorted.
	Levels [][]string `json:"levels"`

	byName map[string]int
}

// Input is one stack as synthesized: its name, the dependencies cdktf
// recorded in the manifest and its cdk.tf.json.
type Input struct {
	Name         string
	Dependencies []string
	JSON         []byte
	// Summary, when set, is synthesis.Summarize of JSON, already read.
	// Default: nil (read from JSON).
	Summary *synthesis.Summary
}

// Load reads the graph from a cdktf output directory (the one holding
// manifest.json).
func Load(dir string) (*Graph, error) {
	out, err := synthesis.Read(dir)
	if err != nil {
		return nil, err
	}
	return FromOutput(out)
}

// FromOutput is the graph of a synthesis already read.
func FromOutput(out *synthesis.Output) (*Graph, error) {
	in := make([]Input, len(out.Stacks))
	for i, s := range out.Stacks {
		in[i] = Input{Name: s.Name, Dependencies: s.Dependencies, JSON: s.JSON, Summary: &out.Stacks[i].Summary}
	}
	return New(in)
}

// New builds the graph from synthesized stacks. It fails on a dependency
// on a stack that is not there and on a cycle.
func New(in []Input) (*Graph, error) {
	g := &Graph{byName: map[string]int{}}
	deps := map[string][]string{}
	for _, s := range in {
		if _, dup := deps[s.Name]; dup {
			return nil, fmt.Errorf("stack %s appears twice", s.Name)
		}
		st, err := describe(s)
		if err != nil {
			return nil, err
		}
		d := append([]string{}, s.Dependencies...)
		sort.Strings(d)
		deps[s.Name] = slices.Compact(d)
		st.Dependencies = deps[s.Name]
		st.Dependents = []string{}
		g.Stacks = append(g.Stacks, st)
	}
	for _, s := range g.Stacks {
		for _, d := range s.Dependencies {
			if _, ok := deps[d]; !ok {
				return nil, fmt.Errorf("stack %s depends on %s, which is not in the synthesis", s.Name, d)
			}
		}
	}
	levels, err := levelsOf(deps)
	if err != nil {
		return nil, err
	}
	for i := range g.Stacks {
		g.Stacks[i].Level = levels[g.Stacks[i].Name]
	}
	sort.Slice(g.Stacks, func(i, j int) bool {
		a, b := g.Stacks[i], g.Stacks[j]
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		if a.Environment != b.Environment {
			return a.Environment < b.Environment
		}
		return a.Name < b.Name
	})
	for i, s := range g.Stacks {
		g.byName[s.Name] = i
	}
	for _, s := range g.Stacks {
		for _, d := range s.Dependencies {
			p := &g.Stacks[g.byName[d]]
			p.Dependents = append(p.Dependents, s.Name)
		}
	}
	for i := range g.Stacks {
		sort.Strings(g.Stacks[i].Dependents)
		l := g.Stacks[i].Level
		for len(g.Levels) <= l {
			g.Levels = append(g.Levels, []string{})
		}
		g.Levels[l] = append(g.Levels[l], g.Stacks[i].Name)
	}
	for _, l := range g.Levels {
		sort.Strings(l)
	}
	return g, nil
}

// levelsOf computes each stack's level, failing on a cycle.
func levelsOf(deps map[string][]string) (map[string]int, error) {
	const visiting = -1
	level := map[string]int{}
	var path []string
	var visit func(string) error
	visit = func(n string) error {
		switch l, seen := level[n]; {
		case seen && l == visiting:
			i := slices.Index(path, n)
			return fmt.Errorf("stack dependency cycle: %s", strings.Join(append(path[i:], n), " → "))
		case seen:
			return nil
		}
		level[n] = visiting
		path = append(path, n)
		l := 0
		for _, d := range deps[n] {
			if err := visit(d); err != nil {
				return err
			}
			l = max(l, level[d]+1)
		}
		path = path[:len(path)-1]
		level[n] = l
		return nil
	}
	for _, n := range slices.Sorted(maps.Keys(deps)) {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return level, nil
}

// describe reads what the graph needs from a stack's summary, read from
// its Terraform JSON unless given.
func describe(in Input) (Stack, error) {
	sum := in.Summary
	if sum == nil {
		s, err := synthesis.Summarize(in.JSON)
		if err != nil {
			return Stack{}, fmt.Errorf("stack %s: %w", in.Name, err)
		}
		sum = &s
	}
	if sum.Environment == "" {
		return Stack{}, fmt.Errorf("stack %s: %w", in.Name, synthesis.ErrUntagged)
	}
	s := Stack{Name: in.Name, Runner: Hosted, Environment: sum.Environment, Layer: sum.Layer, Client: sum.Client,
		Types: nilIfEmpty(sum.Types), Elements: sum.Elements, Writes: nilIfEmpty(sum.Writes)}
	reads := slices.Sorted(maps.Values(sum.Reads))
	s.Reads = nilIfEmpty(slices.Compact(slices.DeleteFunc(reads, func(n string) bool { return n == "" })))
	if len(sum.Backends) != 1 {
		return Stack{}, fmt.Errorf("stack %s: want one backend, got %d", in.Name, len(sum.Backends))
	}
	s.Backend = sum.Backends[0]
	// Only a shared backend lets a CI job plan what a person applied.
	s.Manual = s.Backend == "local"
	for _, p := range clusterProviders {
		if slices.Contains(sum.Providers, p) {
			s.Runner = Private
		}
	}
	return s, nil
}

// nilIfEmpty is names, or nil when it is empty (the JSON of a stack
// leaves empty writes and reads out).
func nilIfEmpty(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	return slices.Clone(names)
}

// clusterProviders are the providers that talk to the Kubernetes API.
var clusterProviders = []string{"kubernetes", "helm"}

// Stack returns the named stack.
func (g *Graph) Stack(name string) (Stack, bool) {
	i, ok := g.byName[name]
	if !ok {
		return Stack{}, false
	}
	return g.Stacks[i], true
}

// Names returns every stack name, sorted.
func (g *Graph) Names() []string {
	out := make([]string, 0, len(g.Stacks))
	for _, s := range g.Stacks {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Environments returns the environments of the graph's stacks, sorted.
func (g *Graph) Environments() []string {
	var out []string
	for _, s := range g.Stacks {
		if !slices.Contains(out, s.Environment) {
			out = append(out, s.Environment)
		}
	}
	sort.Strings(out)
	return out
}

// Downstream returns every stack that depends on one of names, directly
// or through other stacks, sorted; names themselves are not included
// unless one depends on another.
func (g *Graph) Downstream(names []string) []string {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		s, ok := g.Stack(n)
		if !ok {
			return
		}
		for _, d := range s.Dependents {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	for _, n := range names {
		walk(n)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Group is the stacks of one environment and level that run on one kind
// of runner: a CI job (or matrix) of a pipeline. Manual stacks are in no
// group.
type Group struct {
	Environment string
	Level       int
	Runner      Runner
	Stacks      []string
}

// Key names the group in CI outputs, e.g. dev_1_hosted.
func (gr Group) Key() string { return GroupKey(gr.Environment, gr.Level, gr.Runner) }

// GroupKey is the key of the group of env, level and runner.
func GroupKey(env string, level int, runner Runner) string {
	return fmt.Sprintf("%s_%d_%s", env, level, runner)
}

// Groups returns the graph's groups ordered by environment (in the order
// given; environments not listed come last, sorted), level and runner
// (hosted first). Stacks in a group are sorted.
func (g *Graph) Groups(envOrder []string) []Group {
	index := map[string]*Group{}
	var out []*Group
	for _, s := range g.Stacks {
		if s.Manual {
			continue
		}
		k := GroupKey(s.Environment, s.Level, s.Runner)
		gr, ok := index[k]
		if !ok {
			gr = &Group{Environment: s.Environment, Level: s.Level, Runner: s.Runner}
			index[k] = gr
			out = append(out, gr)
		}
		gr.Stacks = append(gr.Stacks, s.Name)
	}
	rank := func(env string) int {
		if i := slices.Index(envOrder, env); i >= 0 {
			return i
		}
		return len(envOrder)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ra, rb := rank(a.Environment), rank(b.Environment); ra != rb {
			return ra < rb
		}
		if a.Environment != b.Environment {
			return a.Environment < b.Environment
		}
		if a.Level != b.Level {
			return a.Level < b.Level
		}
		return a.Runner == Hosted && b.Runner != Hosted
	})
	groups := make([]Group, len(out))
	for i, gr := range out {
		sort.Strings(gr.Stacks)
		groups[i] = *gr
	}
	return groups
}
