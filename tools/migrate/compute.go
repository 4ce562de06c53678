package migrate

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// placed is one object on its way into a destination state.
type placed struct {
	entry *Entry
	addr  tfstate.InstanceAddr
	inst  *tfstate.Instance
}

// placements computes, from the ledger and the source state, the objects
// each destination stack receives, with dependencies rewritten: a
// dependency on a resource that moves into the same stack becomes its new
// address; one on a resource that goes elsewhere, is retired or stays in
// the source is dropped (the stacks are wired through SSM instead).
func placements(l *Ledger, src *tfstate.State) (map[string][]placed, error) {
	newAddrs := map[string]map[string][]string{} // source resource → stack → destination resource addresses
	for _, e := range l.Entries {
		if e.Action != ActionMove {
			continue
		}
		a, err := tfstate.ParseInstanceAddr(e.Source)
		if err != nil {
			return nil, err
		}
		d, err := tfstate.ParseInstanceAddr(e.Destination)
		if err != nil {
			return nil, err
		}
		rs := a.Resource.String()
		if newAddrs[rs] == nil {
			newAddrs[rs] = map[string][]string{}
		}
		newAddrs[rs][e.Stack] = appendUnique(newAddrs[rs][e.Stack], d.Resource.String())
	}
	out := map[string][]placed{}
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Action != ActionMove {
			continue
		}
		a, _ := tfstate.ParseInstanceAddr(e.Source)
		_, in := src.FindInstance(a)
		if in == nil {
			return nil, fmt.Errorf("%s is in the plan but not in the source state", e.Source)
		}
		d, _ := tfstate.ParseInstanceAddr(e.Destination)
		c := in.Clone()
		var deps []string
		for _, dep := range in.Dependencies {
			for _, n := range newAddrs[dep][e.Stack] {
				if n != d.Resource.String() {
					deps = appendUnique(deps, n)
				}
			}
		}
		sort.Strings(deps)
		c.Dependencies = deps
		c.IndexKey = d.Key
		out[e.Stack] = append(out[e.Stack], placed{entry: e, addr: d, inst: c})
	}
	return out, nil
}

func appendUnique(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// objectDiff names the first way got differs from want, "" when they are
// the same object: attributes, sensitive paths, private data, schema
// version, status, dependencies and every other field, compared after
// removing insignificant whitespace (Terraform re-indents raw JSON).
func objectDiff(want, got *tfstate.Instance) string {
	switch {
	case tfstate.CompactJSON(want.Attributes) != tfstate.CompactJSON(got.Attributes):
		return "attributes differ"
	case normSensitive(want.SensitiveAttributes) != normSensitive(got.SensitiveAttributes):
		return "sensitive_attributes differ"
	case want.Private != got.Private:
		return "private data differs"
	case want.SchemaVersion != got.SchemaVersion:
		return fmt.Sprintf("schema_version %d, want %d", got.SchemaVersion, want.SchemaVersion)
	case want.Status != got.Status:
		return fmt.Sprintf("status %q, want %q", got.Status, want.Status)
	case want.CreateBeforeDestroy != got.CreateBeforeDestroy:
		return "create_before_destroy differs"
	case strings.Join(want.Dependencies, ",") != strings.Join(got.Dependencies, ","):
		return fmt.Sprintf("dependencies %v, want %v", got.Dependencies, want.Dependencies)
	}
	for k, v := range want.Extra {
		if tfstate.CompactJSON(v) != tfstate.CompactJSON(got.Extra[k]) {
			return k + " differs"
		}
	}
	for k := range got.Extra {
		if _, ok := want.Extra[k]; !ok {
			return "unexpected " + k
		}
	}
	return ""
}

// normSensitive treats an absent list and an empty one alike: Terraform
// writes [] for both.
func normSensitive(raw []byte) string {
	s := tfstate.CompactJSON(raw)
	if s == "" || s == "null" {
		return "[]"
	}
	return s
}

// withObjects returns a copy of base (or a new state, written as by
// Terraform tfVersion) holding the placed objects; each must be absent or already identical. It reports how many
// were added.
func withObjects(base *tfstate.State, objs []placed, tfVersion string) (*tfstate.State, int, error) {
	st := &tfstate.State{TerraformVersion: tfVersion, Lineage: tfbackend.NewLineage(), Serial: 0}
	if base != nil {
		cp := *base
		cp.Resources = nil
		for _, r := range base.Resources {
			rc := *r
			rc.Instances = append([]*tfstate.Instance(nil), r.Instances...)
			cp.Resources = append(cp.Resources, &rc)
		}
		st = &cp
	}
	added := 0
	for _, p := range objs {
		r, in := st.FindInstance(p.addr)
		if in != nil {
			if d := objectDiff(p.inst, in); d != "" {
				return nil, 0, fmt.Errorf("%s:%s already holds a different object (%s)", p.entry.Stack, p.addr, d)
			}
			continue
		}
		if r == nil {
			// No "each": Terraform 1.x derives it from the keys.
			r = &tfstate.Resource{Mode: "managed", Type: p.addr.Resource.Type, Name: p.addr.Resource.Name, Provider: p.entry.Provider}
			st.Resources = append(st.Resources, r)
		}
		if r.Provider != p.entry.Provider {
			return nil, 0, fmt.Errorf("%s:%s is recorded with provider %s, the plan wants %s", p.entry.Stack, p.addr, r.Provider, p.entry.Provider)
		}
		r.Instances = append(r.Instances, p.inst)
		added++
	}
	return st, added, nil
}

// reducedSource is the source without the moved and retired instances.
func reducedSource(l *Ledger, src *tfstate.State) *tfstate.State {
	gone := map[string]bool{}
	for _, e := range l.Entries {
		if e.Action == ActionMove || e.Action == ActionRetire {
			gone[e.Source] = true
		}
	}
	cp := *src
	cp.Resources = nil
	for _, r := range src.Resources {
		rc := *r
		rc.Instances = nil
		for _, in := range r.Instances {
			if in.Deposed == "" && gone[r.InstanceAddr(in).String()] {
				continue
			}
			rc.Instances = append(rc.Instances, in)
		}
		if len(rc.Instances) > 0 {
			cp.Resources = append(cp.Resources, &rc)
		}
	}
	return &cp
}

// checkDestinations reads every destination that receives something,
// records its snapshot, and marks entries already done or in conflict.
// The reads run a few at a time: each is a terraform init and pull where
// the store cannot read the backend directly (read).
func checkDestinations(ctx context.Context, o Options, l *Ledger, syn *Synthesis, src *tfstate.State) error {
	objs, err := placements(l, src)
	if err != nil {
		return err
	}
	names := slices.Sorted(maps.Keys(objs))
	type pulled struct {
		ref *StateRef
		cur *tfstate.State
		err error
	}
	results := make([]pulled, len(names))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelPulls())
	for i, name := range names {
		st := syn.Stacks[name]
		b := st.Backend
		b.BackendConfig = o.BackendConfig
		ref := &StateRef{Name: name, Kind: "stack", Backend: BackendRef{Type: b.Type, Config: b.Config, BackendConfig: o.BackendConfig}}
		results[i].ref = ref
		if o.SkipDestinations {
			continue
		}
		wg.Add(1)
		go func(i int, b tfbackend.Backend) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			snap, err := read(ctx, o.Store, b)
			if err != nil {
				results[i].err = err
				return
			}
			if !snap.Exists {
				return
			}
			cur, err := tfstate.Parse("stack "+b.Name, snap.Data)
			if err != nil {
				results[i].err = err
				return
			}
			r := results[i].ref
			r.Exists, r.Lineage, r.Serial, r.SHA256 = true, cur.Lineage, cur.Serial, tfstate.Checksum(snap.Data)
			results[i].cur = cur
		}(i, b)
	}
	wg.Wait()
	for i, name := range names {
		res := results[i]
		if res.err != nil {
			return res.err
		}
		l.Destinations[name] = res.ref
		if res.cur == nil {
			continue
		}
		for _, p := range objs[name] {
			_, in := res.cur.FindInstance(p.addr)
			if in == nil {
				continue
			}
			if d := objectDiff(p.inst, in); d != "" {
				l.Conflicts = append(l.Conflicts, Problem{Source: p.entry.Source, Type: p.entry.Type,
					Message: fmt.Sprintf("%s:%s already holds a different object (%s): remove it from that state, or map %s elsewhere", name, p.addr, d, p.entry.Source)})
				continue
			}
			p.entry.Done = true
		}
	}
	return nil
}

// parallelPulls is how many terraform processes read states at once.
func parallelPulls() int {
	n := runtime.NumCPU() * 2
	if n > 8 {
		n = 8
	}
	return n
}
