package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"stratum/tools/durable"
	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// Options are the inputs of plan (and, through the ledger, of apply).
type Options struct {
	// Dir is the migration directory. Default: "migration".
	Dir string
	// Synthesis is the synthesized app. Default: "cdktf.out".
	Synthesis string
	// Source is the state to split: a state file, stack:NAME (a Stratum
	// stack's state) or backend:FILE.json (a backend block).
	Source string
	// SourceBackendConfig are -backend-config arguments for a
	// backend:FILE.json source. Default: none.
	SourceBackendConfig []string
	// BackendConfig are -backend-config arguments for every stack's
	// backend. Default: none.
	BackendConfig []string
	// Mapping is the mapping file. Default: none (automatic only).
	Mapping string
	// Stacks restricts the destinations to stacks matching these
	// comma-separated globs. Default: every stack but the source.
	Stacks string
	// Store reads the states. Default: CLI with terraform on PATH.
	Store Store
	// ForceIdentity are source addresses of mapping-file moves whose
	// identity contradicts their destination's, to move anyway (recorded
	// in the ledger and the journal). Default: none (a contradiction is an
	// error).
	ForceIdentity []string
	// SkipDestinations leaves the destination states unread: plan then
	// cannot report conflicts or objects already moved (apply still
	// checks both before writing anything). Default: read them.
	SkipDestinations bool
}

func (o *Options) defaults() {
	if o.Dir == "" {
		o.Dir = "migration"
	}
	if o.Synthesis == "" {
		o.Synthesis = "cdktf.out"
	}
	if o.Store == nil {
		o.Store = CLI(&tfbackend.Terraform{})
	}
}

// source is the resolved source: its backend and how it was named.
type source struct {
	ref   StateRef
	stack string
}

func resolveSource(o *Options, syn *Synthesis) (*source, error) {
	switch {
	case o.Source == "":
		return nil, fmt.Errorf("-source is required: a state file, stack:NAME or backend:FILE.json")
	case strings.HasPrefix(o.Source, "stack:"):
		name := strings.TrimPrefix(o.Source, "stack:")
		if st := syn.Stacks[name]; st != nil {
			return &source{stack: name, ref: StateRef{Name: "source", Kind: "stack", Stack: name, Backend: BackendRef{Type: st.Backend.Type, Config: st.Backend.Config, BackendConfig: o.BackendConfig}}}, nil
		}
		b, from, err := retiredBackend(syn, name, o.Stacks)
		if err != nil {
			return nil, fmt.Errorf("-source %s: stack %q is not synthesized in %s, and %v; name its state with -source backend:FILE.json instead (its backend block); stacks: %s",
				o.Source, name, syn.Dir, err, strings.Join(slices.Sorted(maps.Keys(syn.Stacks)), ", "))
		}
		return &source{stack: name, ref: StateRef{Name: "source", Kind: "stack", Stack: name, Backend: BackendRef{Type: b.Type, Config: b.Config, BackendConfig: o.BackendConfig},
			Inferred: fmt.Sprintf("stack %s is no longer synthesized: its backend is the destinations' (%s) with their name replaced by its own", name, strings.Join(from, ", "))}}, nil
	case strings.HasPrefix(o.Source, "backend:"):
		file := strings.TrimPrefix(o.Source, "backend:")
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-source %s: %w", o.Source, err)
		}
		var doc struct {
			Terraform struct {
				Backend map[string]map[string]any `json:"backend"`
			} `json:"terraform"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(doc.Terraform.Backend) != 1 {
			return nil, fmt.Errorf(`%s: want one backend block, as {"terraform": {"backend": {"s3": {…}}}}; found %d`, file, len(doc.Terraform.Backend))
		}
		for typ, cfg := range doc.Terraform.Backend {
			if typ == "local" {
				if p, ok := cfg["path"].(string); ok && !filepath.IsAbs(p) {
					cfg["path"] = filepath.Join(filepath.Dir(absPath(file)), p)
				}
			}
			return &source{ref: StateRef{Name: "source", Kind: "backend", Backend: BackendRef{Type: typ, Config: cfg, BackendConfig: o.SourceBackendConfig}}}, nil
		}
	}
	path := absPath(o.Source)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-source: %w", err)
	}
	// Read the file ourselves first: Terraform would silently upgrade an
	// old format, and its errors do not name the entry.
	if _, err := tfstate.Parse(path, raw); err != nil {
		return nil, err
	}
	return &source{ref: StateRef{Name: "source", Kind: "file", Backend: BackendRef{Type: "local", Config: map[string]any{"path": path}}}}, nil
}

// retiredBackend is the backend of stack name, which the synthesis no
// longer holds (a stack split into others, as databases-<env> was into
// database-<client>-<env>), found from the backends of the destinations
// that patterns select: each names its own stack (Stratum's key
// <stack>/terraform.tfstate, or a local path), and with that name
// replaced by name they must all give the same backend. It returns that
// backend and the destinations it came from.
func retiredBackend(syn *Synthesis, name, patterns string) (tfbackend.Backend, []string, error) {
	dests, err := syn.Select(patterns, name)
	if err != nil {
		return tfbackend.Backend{}, nil, fmt.Errorf("no destination to infer its backend from: %v", err)
	}
	var (
		want  tfbackend.Backend
		first string
		from  []string
	)
	for _, d := range dests {
		cfg, named := map[string]any{}, false
		for k, v := range d.Backend.Config {
			if s, ok := v.(string); ok && strings.Contains(s, d.Name) {
				v, named = strings.ReplaceAll(s, d.Name, name), true
			}
			cfg[k] = v
		}
		if !named {
			return tfbackend.Backend{}, nil, fmt.Errorf("the backend of destination %s (%s) does not name its stack, so it says nothing of %s's", d.Name, d.Backend, name)
		}
		b := tfbackend.Backend{Name: name, Type: d.Backend.Type, Config: cfg}
		if first == "" {
			want, first = b, d.Name
		} else if b.Type != want.Type || !reflect.DeepEqual(b.Config, want.Config) {
			return tfbackend.Backend{}, nil, fmt.Errorf("the destinations disagree on its backend: %s's gives %s, %s's gives %s", first, want, d.Name, b)
		}
		from = append(from, d.Name)
	}
	return want, from, nil
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// Plan maps every instance of the source, pulls the destinations to find
// conflicts, and writes the ledger into o.Dir, appending a record of it to
// the journal. It writes no state. In a directory whose migration has
// already applied plans, it continues that migration: what they moved out
// of the source is not asked for again, and an instance an interrupted
// apply may already have placed must keep its destination.
func Plan(ctx context.Context, o Options) (*Ledger, error) {
	o.defaults()
	syn, err := ReadSynthesis(o.Synthesis)
	if err != nil {
		return nil, err
	}
	src, err := resolveSource(&o, syn)
	if err != nil {
		return nil, err
	}
	dests, err := syn.Select(o.Stacks, src.stack)
	if err != nil {
		return nil, err
	}
	destByName := map[string]*Stack{}
	for _, d := range dests {
		destByName[d.Name] = d
	}
	var mf *MappingFile
	var mappingRaw []byte
	if o.Mapping != "" {
		if mf, mappingRaw, err = readMapping(o.Mapping); err != nil {
			return nil, err
		}
	}
	// A directory that exists may hold a migration: lock it while its
	// journal is read and the plan written. A new one is created (and
	// locked) only once there is a plan to write, so that bad input
	// leaves nothing behind.
	unlock := func() {}
	if _, err := os.Stat(o.Dir); err == nil {
		if unlock, err = lockDir(o.Dir); err != nil {
			return nil, err
		}
	}
	defer func() { unlock() }()
	h, err := readHistory(o.Dir)
	if err != nil {
		return nil, err
	}
	if len(h.plans) > 0 {
		was := h.plans[0].l.Source.Backend
		if was.Type != src.ref.Backend.Type || !reflect.DeepEqual(was.Config, src.ref.Backend.Config) {
			return nil, fmt.Errorf("%s holds a migration from %s (applied since its last rollback), not from %s: plan another source in another -dir, or roll this one back first", o.Dir, describeBackend(was), describeBackend(src.ref.Backend))
		}
	}
	sess, err := o.Store.Open(ctx, src.ref.Backend.backend("source"))
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	snap, err := sess.Pull(ctx)
	if err != nil {
		return nil, err
	}
	if !snap.Exists {
		return nil, fmt.Errorf("source %s holds no state", sess)
	}
	state, err := tfstate.Parse(sourceLabel(src), snap.Data)
	if err != nil {
		return nil, err
	}
	src.ref.Exists, src.ref.Lineage, src.ref.Serial, src.ref.SHA256 = true, state.Lineage, state.Serial, tfstate.Checksum(snap.Data)

	l := &Ledger{Version: LedgerVersion, Created: time.Now().UTC().Format(time.RFC3339), Synthesis: syn.Dir, BackendConfig: o.BackendConfig,
		Source: src.ref, Destinations: map[string]*StateRef{}}
	if o.Mapping != "" {
		l.Mapping, l.MappingSHA256 = absPath(o.Mapping), tfstate.Checksum(mappingRaw)
	}
	insts, byAddr, err := sourceInstances(state, l)
	if err != nil {
		return nil, err
	}
	m := newMatcher(syn.Stacks, dests, insts)
	var decided map[*srcInst]mapped
	if mf != nil {
		decided, err = resolveMapping(o.Mapping, mf, state, sourceLabel(src), byAddr, syn, destByName, src.stack, h.moved)
		if err != nil {
			return nil, err
		}
	}
	explicitTargets := map[string]bool{}
	for s, d := range decided {
		switch d.action {
		case ActionMove:
			explicitTargets[d.target.Ref()] = true
			if d.target.Key == nil {
				m.assign(d.target.Res, s, match{Rule: fmt.Sprintf("mapping file moves[%d]", d.entry)})
			} else {
				m.owner[s] = d.target.Res
			}
		default:
			m.blocked[s] = true
		}
	}
	m.run()
	checked, err := checkMappedIdentities(o.Mapping, mf, decided, m, o.ForceIdentity, h.moved)
	if err != nil {
		return nil, err
	}
	planEntries(l, m, insts, decided, checked, syn)
	// Destination resources nothing moves into: the new stacks create them.
	for _, d := range m.dests {
		if m.taken[d] != nil || explicitTargets[d.Ref()] {
			continue
		}
		l.Create = append(l.Create, Create{Stack: d.Stack, Address: d.Addr(), Type: d.Type, Construct: d.Path})
	}
	keepEarlierPlacements(l, h)
	if err := checkDestinations(ctx, o, l, syn, state); err != nil {
		return nil, err
	}
	l.ID = ledgerID(l)
	raw, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	raw = append(raw, '\n')
	if _, err := os.Stat(o.Dir); err != nil {
		if unlock, err = lockDir(o.Dir); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Join(o.Dir, "plans"), 0o700); err != nil {
		return nil, err
	}
	if err := durable.WriteFile(planFile(o.Dir, l.ID), raw, 0o600); err != nil {
		return nil, err
	}
	if err := durable.WriteFile(filepath.Join(o.Dir, "plan.json"), raw, 0o600); err != nil {
		return nil, err
	}
	j := newJournal(o.Dir, l)
	moves, retires := countActions(l)
	summary := fmt.Sprintf("%d to move, %d to retire", moves, retires)
	if why := l.Blocked(); len(why) > 0 {
		summary += "; blocked: " + strings.Join(why, ", ")
	}
	if err := j.add(LogRecord{Step: "plan", State: "source", Lineage: state.Lineage, Serial: state.Serial, SHA256: src.ref.SHA256, Count: len(l.Entries), Message: summary}); err != nil {
		return nil, err
	}
	for _, e := range l.Entries {
		if e.IdentityCheck == IdentityForced {
			if err := j.add(LogRecord{Step: "forced-identity", State: e.Stack, Message: fmt.Sprintf("%s → %s:%s moved despite its identity (-force-identity): %s", e.Source, e.Stack, e.Destination, e.Reason)}); err != nil {
				return nil, err
			}
		}
	}
	return l, nil
}

// keepEarlierPlacements adds a conflict for every instance an earlier
// plan of the migration moved, whose apply did not finish (the source
// still holds it, so a copy may already be at that destination), and
// which l now decides differently: that copy would stay behind.
func keepEarlierPlacements(l *Ledger, h *history) {
	now := map[string]*Entry{}
	for i := range l.Entries {
		now[l.Entries[i].Source] = &l.Entries[i]
	}
	seen := map[string]bool{}
	for i := len(h.plans) - 1; i >= 0; i-- {
		for _, e := range h.plans[i].l.Entries {
			if e.Action != ActionMove || seen[e.Source] {
				continue
			}
			seen[e.Source] = true
			cur, ok := now[e.Source]
			if !ok {
				continue // no longer in the source: that apply finished
			}
			if cur.Action == ActionMove && cur.Stack == e.Stack && cur.Destination == e.Destination {
				continue
			}
			to := cur.Action
			if cur.Action == ActionMove {
				to = "a move to " + cur.Stack + ":" + cur.Destination
			}
			l.Conflicts = append(l.Conflicts, Problem{Source: e.Source, Type: e.Type,
				Message: fmt.Sprintf("an interrupted apply of plan %s may already have copied it to %s:%s; this plan decides %s, which would leave that copy behind: map it to %s:%s again, or run `stratum migrate rollback` first", h.plans[i].l.ID, e.Stack, e.Destination, to, e.Stack, e.Destination)})
		}
	}
	sort.Slice(l.Conflicts, func(i, j int) bool { return l.Conflicts[i].Source < l.Conflicts[j].Source })
}

func sourceLabel(s *source) string {
	if p, ok := s.ref.Backend.Config["path"].(string); ok && s.ref.Kind == "file" {
		return p
	}
	if s.stack != "" {
		return "stack " + s.stack
	}
	return "source " + s.ref.Backend.backend("source").String()
}

// sourceInstances lists the current objects of managed resources and
// records data sources (kept) and deposed objects (blocking) in l.
func sourceInstances(st *tfstate.State, l *Ledger) ([]*srcInst, map[string]*srcInst, error) {
	var out []*srcInst
	by := map[string]*srcInst{}
	for _, r := range st.Resources {
		for _, in := range r.Instances {
			addr := r.InstanceAddr(in)
			if in.Deposed != "" {
				l.Deposed = append(l.Deposed, Problem{Source: addr.String(), Type: r.Type,
					Message: fmt.Sprintf("deposed object %s (left by an interrupted create_before_destroy replacement): run `terraform apply` on the source until it is gone, then plan again", in.Deposed)})
				continue
			}
			if r.Mode == "data" {
				l.Entries = append(l.Entries, Entry{Source: addr.String(), Type: r.Type, Mode: "data", Action: ActionKeep, By: "data source",
					Reason: "data sources are never moved: each stack reads its own"})
				continue
			}
			attrs, err := in.Attrs()
			if err != nil {
				return nil, nil, fmt.Errorf("source %s: attributes: %w", addr, err)
			}
			s := &srcInst{Addr: addr, Res: r, Inst: in, Attrs: attrs}
			out = append(out, s)
			by[addr.String()] = s
		}
	}
	return out, by, nil
}

// planEntries turns the matcher's result and the mapping file's decisions
// into ledger entries and problems.
func planEntries(l *Ledger, m *matcher, insts []*srcInst, decided map[*srcInst]mapped, checked map[*srcInst]identityCheck, syn *Synthesis) {
	targetOf := map[*srcInst]target{}
	for d, s := range m.taken {
		targetOf[s] = target{Res: d}
	}
	for s, d := range decided {
		if d.action == ActionMove {
			targetOf[s] = d.target
		}
	}
	for _, s := range insts {
		e := Entry{Source: s.Addr.String(), Type: s.Res.Type, Mode: "managed", Tainted: s.Inst.Status == "tainted"}
		if id, err := ImportID(s.Res.Type, s.Attrs); err == nil {
			e.ImportID = id
		}
		if d, ok := decided[s]; ok {
			e.By, e.Rule, e.Reason = "mapping", fmt.Sprintf("moves[%d]", d.entry), d.reason
			e.Action = d.action
			if c, ok := checked[s]; ok {
				e.Identity, e.IdentityCheck = c.identity, c.result
				if c.result == IdentityForced {
					e.Reason = c.forced
					if d.reason != "" {
						e.Reason += "; " + d.reason
					}
				}
			}
		}
		if t, ok := targetOf[s]; ok {
			e.Action, e.Stack, e.Destination, e.Construct = ActionMove, t.Res.Stack, t.Res.Addr()+tfstate.KeyString(t.Key), t.Res.Path
			e.Provider = syn.Stacks[t.Res.Stack].ProviderAddr(t.Res)
			if e.By == "" {
				why := m.why[t.Res]
				e.By, e.Rule, e.Identity = "auto", why.Rule, why.Identity
				e.IdentityCheck = IdentityMatched
				if len(why.Identity) == 0 {
					e.IdentityCheck = IdentityReferenced
				}
			}
		}
		if e.Action == "" {
			var cands []string
			for d, c := range m.pending {
				if m.taken[d] == nil && contains(c, s) {
					cands = append(cands, d.Ref())
				}
			}
			sort.Strings(cands)
			if len(cands) > 0 {
				l.Ambiguous = append(l.Ambiguous, Problem{Source: e.Source, Type: e.Type, Candidates: cands,
					Message: fmt.Sprintf("matches %d destinations (or another source instance matches the same one): name the right one in the mapping file", len(cands))})
			} else {
				l.Unmapped = append(l.Unmapped, Problem{Source: e.Source, Type: e.Type, Message: unmappedHint(s, m)})
			}
			continue
		}
		l.Entries = append(l.Entries, e)
	}
	// A destination resource several source instances fit is ambiguous
	// from its side too.
	for _, d := range m.dests {
		if c := m.pending[d]; m.taken[d] == nil && len(c) > 1 {
			var names []string
			for _, s := range c {
				names = append(names, s.Addr.String())
			}
			sort.Strings(names)
			l.Ambiguous = append(l.Ambiguous, Problem{Source: d.Ref(), Type: d.Type, Candidates: names,
				Message: fmt.Sprintf("destination %s fits %d source instances: name the right one in the mapping file", d.Ref(), len(c))})
		}
	}
	sort.SliceStable(l.Entries, func(i, j int) bool { return l.Entries[i].Source < l.Entries[j].Source })
	sort.Slice(l.Unmapped, func(i, j int) bool { return l.Unmapped[i].Source < l.Unmapped[j].Source })
	sort.Slice(l.Ambiguous, func(i, j int) bool { return l.Ambiguous[i].Source < l.Ambiguous[j].Source })
}

func unmappedHint(s *srcInst, m *matcher) string {
	r, specific := ruleFor(s.Res.Type, nil)
	if !specific && len(r.Key) == 0 {
		return fmt.Sprintf("no identity rule for type %s and no destination declares it by name: map it (or retire or keep it) in the mapping file", s.Res.Type)
	}
	n := 0
	for _, d := range m.dests {
		if d.Type == s.Res.Type && m.taken[d] == nil {
			n++
		}
	}
	if n == 0 {
		return fmt.Sprintf("no unmatched destination of type %s in the destination stacks: retire or keep it in the mapping file, or map it", s.Res.Type)
	}
	return fmt.Sprintf("no destination of type %s has the same identity (%d unmatched ones have a different one, or one that refers to an unmatched resource): map it in the mapping file", s.Res.Type, n)
}

func ledgerID(l *Ledger) string {
	c := *l
	c.ID, c.Created = "", ""
	raw, _ := json.Marshal(c)
	return tfstate.Checksum(raw)[:16]
}
