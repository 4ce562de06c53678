package migrate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"stratum/tools/tfstate"
)

// VerifyReport is the proof that nothing was lost or duplicated.
type VerifyReport struct {
	Plan      string   `json:"plan"`
	Backup    string   `json:"backup"`
	Instances int      `json:"instances"`
	Moved     int      `json:"moved"`
	Stacks    int      `json:"stacks"`
	Retired   int      `json:"retired"`
	Kept      int      `json:"kept"`
	Data      int      `json:"data_sources"`
	Verified  int      `json:"verified"`
	Lost      []string `json:"lost"`
	Duplicate []string `json:"duplicated"`
	Changed   []string `json:"changed"`
	// Pending are moves not done yet: the object is still only in the
	// source (an interrupted apply; rerun it).
	Pending []string `json:"pending"`
	// SourceRetired is set when retire removed the emptied source's state:
	// its data sources went with it.
	SourceRetired bool `json:"source_retired,omitempty"`
}

// OK reports whether every instance is where the plan put it, unchanged.
func (r *VerifyReport) OK() bool {
	return len(r.Lost) == 0 && len(r.Duplicate) == 0 && len(r.Changed) == 0 && len(r.Pending) == 0 && r.Verified == r.Instances
}

// fate is one source instance's fate in the migration: the entry of the
// latest plan that decided it, the object as that plan's source held it,
// and, for a move, the object as placed.
type fate struct {
	e    *Entry
	orig *tfstate.Instance
	p    placed
}

// fates merges the entries of every applied plan of the migration and of
// the current plan l (whose source is cur when nothing applied it yet):
// a later plan decides an instance again, an instance a plan no longer
// lists (it had left the source) keeps the earlier decision.
func fates(h *history, l *Ledger, cur *tfstate.State, curRaw []byte) (map[string]*fate, error) {
	plans := append([]appliedPlan(nil), h.plans...)
	if h.plan(l.ID) == nil && cur != nil && tfstate.Checksum(curRaw) == l.Source.SHA256 {
		plans = append(plans, appliedPlan{l: l, src: cur})
	}
	if len(plans) == 0 {
		return nil, fmt.Errorf("the journal records no apply, and the source is no longer what plan %s read: plan again", l.ID)
	}
	out := map[string]*fate{}
	for _, p := range plans {
		objs, err := placements(p.l, p.src)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.l.ID, err)
		}
		byEntry := map[*Entry]placed{}
		for _, ps := range objs {
			for _, pl := range ps {
				byEntry[pl.entry] = pl
			}
		}
		for i := range p.l.Entries {
			e := &p.l.Entries[i]
			a, err := tfstate.ParseInstanceAddr(e.Source)
			if err != nil {
				return nil, err
			}
			_, in := p.src.FindInstance(a)
			out[e.Source] = &fate{e: e, orig: in, p: byEntry[e]}
		}
	}
	return out, nil
}

// Verify proves from the backups and the current states that every
// instance the migration's plans decided is in exactly one place: its
// destination, the source (kept, data sources) or nowhere (retired),
// unchanged.
func Verify(ctx context.Context, dir string, store Store) (*VerifyReport, error) {
	l, err := readLedger(dir)
	if err != nil {
		return nil, err
	}
	h, err := readHistory(dir)
	if err != nil {
		return nil, err
	}
	if len(h.folders) == 0 {
		return nil, fmt.Errorf("%s: the journal records no backup since the last rollback: nothing was applied", dir)
	}
	rep := &VerifyReport{Plan: l.ID, Backup: h.folders[0]}
	// A retire that removed the state but stopped before recording it
	// counts too: the data sources may be gone only if the state is
	// (checked below, per instance).
	_, started := retireStarted(h.recs)
	rep.SourceRetired = sourceRetired(h.recs) || started
	states, closeAll, err := openAll(ctx, store, h.stateRefs(l))
	if err != nil {
		return nil, err
	}
	defer closeAll()
	cur := map[string]*tfstate.State{}
	for _, o := range states {
		cur[o.name] = o.st
	}
	all, err := fates(h, l, states[0].st, states[0].snap.Data)
	if err != nil {
		return nil, err
	}
	rep.Instances = len(all)
	stacks := map[string]bool{}
	// Every managed object now anywhere, by its attributes, to find
	// duplicates.
	where := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(cur)) {
		st := cur[name]
		if st == nil {
			continue
		}
		for _, r := range st.Resources {
			if r.Mode != "managed" {
				continue
			}
			for _, in := range r.Instances {
				k := r.Type + "\x00" + tfstate.CompactJSON(in.Attributes)
				where[k] = append(where[k], name+":"+r.InstanceAddr(in).String())
			}
		}
	}
	for _, src := range slices.Sorted(maps.Keys(all)) {
		f := all[src]
		e, origIn, p := f.e, f.orig, f.p
		a, _ := tfstate.ParseInstanceAddr(e.Source)
		if origIn == nil {
			rep.Lost = append(rep.Lost, fmt.Sprintf("%s: not in the backup of the source", e.Source))
			continue
		}
		key := e.Type + "\x00" + tfstate.CompactJSON(origIn.Attributes)
		var inSource *tfstate.Instance
		if cur["source"] != nil {
			_, inSource = cur["source"].FindInstance(a)
		}
		switch {
		case e.Mode == "data" || e.Action == ActionKeep:
			if e.Mode == "data" {
				rep.Data++
			} else {
				rep.Kept++
			}
			if inSource == nil && e.Mode == "data" && rep.SourceRetired && cur["source"] == nil {
				break // went with the retired source's state, as retire checked
			}
			if inSource == nil {
				rep.Lost = append(rep.Lost, fmt.Sprintf("%s: kept in the source, but the source no longer has it", e.Source))
				continue
			}
			if d := objectDiff(origIn, inSource); d != "" {
				rep.Changed = append(rep.Changed, fmt.Sprintf("%s (source): %s", e.Source, d))
				continue
			}
			if e.Mode == "managed" && len(where[key]) > 1 {
				rep.Duplicate = append(rep.Duplicate, fmt.Sprintf("%s: also at %v", e.Source, where[key]))
				continue
			}
		case e.Action == ActionRetire:
			rep.Retired++
			if inSource != nil {
				rep.Pending = append(rep.Pending, fmt.Sprintf("%s: to be retired, still in the source", e.Source))
				continue
			}
			if len(where[key]) > 0 {
				rep.Duplicate = append(rep.Duplicate, fmt.Sprintf("%s: retired, but found at %v", e.Source, where[key]))
				continue
			}
		case e.Action == ActionMove:
			rep.Moved++
			stacks[e.Stack] = true
			dst := cur[e.Stack]
			var got *tfstate.Instance
			var res *tfstate.Resource
			if dst != nil {
				res, got = dst.FindInstance(p.addr)
			}
			if got == nil {
				if inSource != nil && objectDiff(origIn, inSource) == "" {
					rep.Pending = append(rep.Pending, fmt.Sprintf("%s: not yet at %s:%s, still in the source", e.Source, e.Stack, e.Destination))
				} else {
					rep.Lost = append(rep.Lost, fmt.Sprintf("%s: neither at %s:%s nor in the source", e.Source, e.Stack, e.Destination))
				}
				continue
			}
			if d := objectDiff(p.inst, got); d != "" {
				rep.Changed = append(rep.Changed, fmt.Sprintf("%s → %s:%s: %s", e.Source, e.Stack, e.Destination, d))
				continue
			}
			if res.Provider != e.Provider {
				rep.Changed = append(rep.Changed, fmt.Sprintf("%s → %s:%s: provider %s, want %s", e.Source, e.Stack, e.Destination, res.Provider, e.Provider))
				continue
			}
			if inSource != nil {
				rep.Duplicate = append(rep.Duplicate, fmt.Sprintf("%s: at %s:%s and still in the source", e.Source, e.Stack, e.Destination))
				continue
			}
			if n := len(where[key]); n != 1 {
				rep.Duplicate = append(rep.Duplicate, fmt.Sprintf("%s: found %d times: %v", e.Source, n, where[key]))
				continue
			}
		}
		rep.Verified++
	}
	rep.Stacks = len(stacks)
	sort.Strings(rep.Lost)
	sort.Strings(rep.Duplicate)
	sort.Strings(rep.Changed)
	sort.Strings(rep.Pending)
	return rep, nil
}
