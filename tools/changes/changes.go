// Package changes says which stacks a change touches: it synthesizes a
// base revision and the head, compares each stack's Terraform, and selects
// the stacks a pipeline must plan and apply. `stratum changed` prints the
// selection, as JSON ready for a CI matrix with -json.
//
// A stack is selected when
//
//   - its Terraform changed: its cdk.tf.json differs once parsed, with
//     cdktf's "//" metadata (construct paths, cdktf version) removed and the
//     keys in canonical order, so a change to Go code that changes no
//     synthesized byte selects nothing;
//   - it is new (removed stacks are listed apart: destroying one is a
//     person's decision, see docs/onboarding.md);
//   - it reads an SSM parameter whose value can change: one written by a
//     selected stack, whose resource, or a resource its value refers to
//     (directly or through other resources of that stack), changed — or
//     that reads such a parameter in turn. Its own Terraform is the same,
//     but once the writer is applied it plans against the new value, so it
//     is planned after the writer and applied after it. This is what makes
//     the rule transitive, and what keeps a new client's database from
//     selecting the other clients: their parameters' resources did not
//     change.
package changes

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"stratum/tools/stackgraph"
	"stratum/tools/synthesis"
)

// Side is one synthesized revision: its graph and each stack's
// Terraform.
type Side struct {
	Graph  *stackgraph.Graph
	stacks map[string]*sideStack
}

// sideStack is one stack of a Side: its cdk.tf.json, the digest and SSM
// reads of its facts (synthesis.Facts), and its Terraform, parsed only
// when a comparison needs it.
type sideStack struct {
	raw    []byte
	digest string
	reads  map[string]string
	parsed map[string]any
}

// LoadSide reads a synthesized output directory, with each stack's facts
// from idx (nil: computed from the stacks).
func LoadSide(dir string, idx *synthesis.Index) (*Side, error) {
	out, err := synthesis.ReadIndexed(dir, idx)
	if err != nil {
		return nil, err
	}
	g, err := stackgraph.FromOutput(out)
	if err != nil {
		return nil, err
	}
	s := &Side{Graph: g, stacks: make(map[string]*sideStack, len(out.Stacks))}
	for _, st := range out.Stacks {
		d := st.Digest
		if d == "" {
			if d, err = synthesis.Digest(st.JSON); err != nil {
				return nil, fmt.Errorf("stack %s: %w", st.Name, err)
			}
		}
		s.stacks[st.Name] = &sideStack{raw: st.JSON, digest: d, reads: st.Summary.Reads}
	}
	return s, nil
}

// NewSide is the side of graph g whose stacks' cdk.tf.json are raw, by
// name (the graph's stacks, and any others, such as stacks that applied
// records hold and a synthesis no longer has).
func NewSide(g *stackgraph.Graph, raw map[string][]byte) (*Side, error) {
	s := &Side{Graph: g, stacks: make(map[string]*sideStack, len(raw))}
	for name, b := range raw {
		f, err := synthesis.ComputeFacts(b)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", name, err)
		}
		s.stacks[name] = &sideStack{raw: b, digest: f.Digest, reads: f.Summary.Reads}
	}
	return s, nil
}

// Has says whether the side holds the stack name.
func (s *Side) Has(name string) bool {
	_, ok := s.stacks[name]
	return ok
}

// Digest is the digest of the stack name's Terraform (applied.Digest),
// "" when the side does not hold it.
func (s *Side) Digest(name string) string {
	if st, ok := s.stacks[name]; ok {
		return st.digest
	}
	return ""
}

// Terraform is the stack name's Terraform without metadata
// (synthesis.Terraform), parsed on first use.
func (s *Side) Terraform(name string) (map[string]any, bool) {
	st, ok := s.stacks[name]
	if !ok {
		return nil, false
	}
	return st.terraform(), true
}

func (st *sideStack) terraform() map[string]any {
	if st.parsed == nil {
		j, err := synthesis.Terraform(st.raw)
		if err != nil {
			// Its facts were computed from the same bytes, so they parse.
			panic(fmt.Sprintf("changes: a stack that parsed once does not parse again: %v", err))
		}
		st.parsed = j
	}
	return st.parsed
}

// names are the side's stacks, sorted.
func (s *Side) names() []string { return slices.Sorted(maps.Keys(s.stacks)) }

// same says whether base and head hold the same Terraform: the same
// bytes, or, when the bytes differ, the same Terraform once parsed
// without metadata. It never takes an index's word for it.
func same(base, head *sideStack) bool {
	return bytes.Equal(base.raw, head.raw) || canonical(base.terraform()) == canonical(head.terraform())
}

// canonical is synthesis.Canonical.
func canonical(v any) string { return synthesis.Canonical(v) }

// Reason says why a stack is selected.
type Reason string

const (
	Changed Reason = "changed"
	Added   Reason = "added"
	// Reads: it reads a parameter whose value can change.
	Reads Reason = "reads"
)

// Selected is one stack the change touches.
type Selected struct {
	Name        string            `json:"name"`
	Environment string            `json:"environment"`
	Level       int               `json:"level"`
	Runner      stackgraph.Runner `json:"runner"`
	// Manual stacks are planned and applied by a person (see
	// stackgraph.Stack.Manual); pipelines list them and skip them.
	Manual bool   `json:"manual"`
	Reason Reason `json:"reason"`
	// Parameters are, for Reason "reads", the parameters it reads whose
	// value can change.
	Parameters []string `json:"parameters,omitempty"`
}

// Report is the result of a comparison.
type Report struct {
	Base       string `json:"base"`
	BaseCommit string `json:"base_commit"`
	// Changed, Added and Removed compare the two syntheses; Reads are the
	// stacks selected only because of what they read.
	Changed []string `json:"changed"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Reads   []string `json:"reads"`
	// Stacks is the selection, ordered by level then name.
	Stacks []Selected `json:"stacks"`
	// Levels are the selected stacks of each level of the head graph.
	Levels [][]string `json:"levels"`
	// Manual are the selected stacks CI does not run.
	Manual []string `json:"manual"`
	// Groups has one entry per group of the head graph (see
	// stackgraph.Groups), key → selected stacks of that group, possibly
	// empty: the matrices of the generated pipelines. A blocked stack is
	// in no group: the pipeline neither plans nor applies it.
	Groups map[string][]string `json:"groups"`
	// Digests are the digest of every head stack's Terraform
	// (applied.Digest): what an apply job records once it applied the
	// stack's plan.
	Digests map[string]string `json:"digests"`
	// Blocked are the selected stacks that must wait for a manual stack
	// (by stack → that stack): in an environment whose bootstrap-<env>
	// changed and is not recorded as applied, nothing is applied (the
	// stack holds the roles that apply them, and is read by some); only
	// with records (-applied).
	Blocked map[string]string `json:"blocked"`
	// Pending are, with records, the selected manual stacks: each blocks
	// its environment until a person applies it and records it
	// (ManualCommand).
	Pending []string `json:"pending"`
}

// ManualCommand is what a person runs for a manual stack that blocks
// its environment: apply it, then record it as applied.
func ManualCommand(stack, env string) string {
	return fmt.Sprintf("npx cdktf deploy %[1]s && go run . applied record -env %[2]s -stack %[1]s", stack, env)
}

// Compare selects the stacks that differ between base and head.
func Compare(base, head *Side) *Report {
	r := &Report{Changed: []string{}, Added: []string{}, Removed: []string{}, Reads: []string{}, Stacks: []Selected{},
		Manual: []string{}, Groups: map[string][]string{}, Digests: map[string]string{}, Blocked: map[string]string{}, Pending: []string{}}
	for name, st := range head.stacks {
		r.Digests[name] = st.digest
	}
	dirty := map[string]map[string]bool{} // stack → addresses whose values can change
	for _, name := range head.Graph.Names() {
		h := head.stacks[name]
		b, ok := base.stacks[name]
		switch {
		case !ok:
			r.Added = append(r.Added, name)
		case !same(b, h):
			r.Changed = append(r.Changed, name)
			dirty[name] = changedAddresses(b.terraform(), h.terraform())
		}
	}
	for _, name := range base.names() {
		if !head.Has(name) {
			r.Removed = append(r.Removed, name)
		}
	}
	reason := map[string]Reason{}
	for _, n := range r.Changed {
		reason[n] = Changed
	}
	for _, n := range r.Added {
		reason[n] = Added
	}
	// Propagate in level order: a stack's producers all have lower levels.
	params := map[string][]string{}
	changedParams := map[string]bool{} // parameter names whose value can change
	for _, st := range head.Graph.Stacks {
		h := head.stacks[st.Name]
		if _, selected := reason[st.Name]; !selected {
			var reads []string
			for addr, name := range h.reads {
				if changedParams[name] {
					reads = append(reads, name)
					if dirty[st.Name] == nil {
						dirty[st.Name] = map[string]bool{}
					}
					dirty[st.Name][addr] = true
				}
			}
			if len(reads) == 0 {
				continue
			}
			sort.Strings(reads)
			reason[st.Name] = Reads
			params[st.Name] = reads
			r.Reads = append(r.Reads, st.Name)
		}
		// The parameters this stack writes that can change (none unless
		// something in it can: then its Terraform is read).
		if len(dirty[st.Name]) == 0 && reason[st.Name] != Added {
			continue
		}
		for _, name := range writtenParams(h.terraform(), dirty[st.Name], reason[st.Name] == Added) {
			changedParams[name] = true
		}
	}
	for _, st := range head.Graph.Stacks {
		why, ok := reason[st.Name]
		if !ok {
			continue
		}
		r.Stacks = append(r.Stacks, Selected{
			Name: st.Name, Environment: st.Environment, Level: st.Level, Runner: st.Runner,
			Manual: st.Manual, Reason: why, Parameters: params[st.Name],
		})
		for len(r.Levels) <= st.Level {
			r.Levels = append(r.Levels, []string{})
		}
		r.Levels[st.Level] = append(r.Levels[st.Level], st.Name)
		if st.Manual {
			r.Manual = append(r.Manual, st.Name)
		}
	}
	for _, gr := range head.Graph.Groups(nil) {
		sel := []string{}
		for _, n := range gr.Stacks {
			if _, ok := reason[n]; ok && r.Blocked[n] == "" {
				sel = append(sel, n)
			}
		}
		r.Groups[gr.Key()] = sel
	}
	sort.Strings(r.Reads)
	return r
}

// addresses returns every resource and data source of a stack by address
// (type.name, data.type.name).
func addresses(j map[string]any) map[string]any {
	out := map[string]any{}
	for _, kind := range []string{"resource", "data"} {
		byType, _ := j[kind].(map[string]any)
		for typ, all := range byType {
			m, _ := all.(map[string]any)
			for name, block := range m {
				addr := typ + "." + name
				if kind == "data" {
					addr = "data." + addr
				}
				out[addr] = block
			}
		}
	}
	return out
}

// changedAddresses are the addresses of head whose block differs from
// base (or is new), or every address when something outside resources and
// data sources (providers, backend, variables) changed.
func changedAddresses(base, head map[string]any) map[string]bool {
	d := DiffStacks(base, head)
	out := map[string]bool{}
	if len(d.Blocks) > 0 {
		for addr := range addresses(head) {
			out[addr] = true
		}
		return out
	}
	for _, addr := range append(d.Added, d.Changed...) {
		out[addr] = true
	}
	return out
}

// reference matches what may be a Terraform address inside a string:
// type.name or data.type.name. Matches that are no address of the stack
// are ignored, so the over-approximation is safe.
var reference = regexp.MustCompile(`(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+`)

// refersTo returns the addresses of the stack that block mentions.
func refersTo(block any, known map[string]any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			for _, m := range reference.FindAllString(t, -1) {
				if _, ok := known[m]; ok {
					out = append(out, m)
				}
			}
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(block)
	return out
}

// writtenParams returns the names of the SSM parameters j writes whose
// value can change: the parameter's block, or anything it refers to
// through the stack's references, is in dirty. all marks every parameter
// (a new stack).
func writtenParams(j map[string]any, dirty map[string]bool, all bool) []string {
	known := addresses(j)
	memo := map[string]bool{}
	var tainted func(addr string, seen map[string]bool) bool
	tainted = func(addr string, seen map[string]bool) bool {
		if v, ok := memo[addr]; ok {
			return v
		}
		if dirty[addr] {
			memo[addr] = true
			return true
		}
		if seen[addr] {
			return false
		}
		seen[addr] = true
		for _, r := range refersTo(known[addr], known) {
			if tainted(r, seen) {
				memo[addr] = true
				return true
			}
		}
		memo[addr] = false
		return false
	}
	var out []string
	for addr, block := range known {
		if !strings.HasPrefix(addr, "aws_ssm_parameter.") {
			continue
		}
		if all || tainted(addr, map[string]bool{}) {
			if name, ok := block.(map[string]any)["name"].(string); ok {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Block marks, in each environment with a selected manual stack, every
// other selected stack of that environment blocked by it: the manual
// stack (bootstrap-<env>) holds the roles that apply them and writes
// values some read, so nothing of the environment is applied before a
// person applied it and recorded it. The manual stacks are Pending.
func (r *Report) Block() {
	byEnv := map[string]string{}
	for _, s := range r.Stacks {
		if s.Manual {
			r.Pending = append(r.Pending, s.Name)
			if byEnv[s.Environment] == "" {
				byEnv[s.Environment] = s.Name
			}
		}
	}
	for _, s := range r.Stacks {
		if m := byEnv[s.Environment]; m != "" && !s.Manual {
			r.Blocked[s.Name] = m
		}
	}
	for k, list := range r.Groups {
		r.Groups[k] = slices.DeleteFunc(list, func(n string) bool { return r.Blocked[n] != "" })
	}
}
