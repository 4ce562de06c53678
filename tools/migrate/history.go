package migrate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"stratum/tools/tfstate"
)

// history is what the journal knows of the migration in progress: its
// records, the first backup of every state it touched, and every plan
// one of its applies started, with the source that plan moved from.
type history struct {
	recs []LogRecord
	// first is, per state name, the state before the migration first
	// wrote it (the first backup that holds it), and data its bytes
	// (absent for a state that did not exist).
	first map[string]BackupState
	data  map[string][]byte
	// folders are the backup folders first comes from, oldest first.
	folders []string
	// plans are the applied plans, in the order of their first backup.
	plans []appliedPlan
}

// appliedPlan is one plan an apply started, with the source as its first
// apply backed it up: what the plan moves objects out of.
type appliedPlan struct {
	l   *Ledger
	src *tfstate.State
	raw []byte
	// backup is the folder of the plan's first backup.
	backup string
}

// readHistory reads the journal of dir and every backup and plan of the
// migration in progress, checking every checksum.
func readHistory(dir string) (*history, error) {
	all, err := readLog(logFile(dir))
	if err != nil {
		return nil, err
	}
	h := &history{recs: currentMigration(all), first: map[string]BackupState{}, data: map[string][]byte{}}
	seenPlan := map[string]bool{}
	for _, r := range h.recs {
		if r.Step != "backup" {
			continue
		}
		m, d, err := loadBackup(r.Backup, r.BackupSHA)
		if err != nil {
			return nil, err
		}
		used := false
		for _, st := range m.States {
			if _, ok := h.first[st.Name]; !ok {
				h.first[st.Name] = st
				if st.Exists {
					h.data[st.Name] = d[st.Name]
				}
				used = true
			}
		}
		if used {
			h.folders = append(h.folders, r.Backup)
		}
		if seenPlan[r.Plan] {
			continue
		}
		seenPlan[r.Plan] = true
		l, err := readPlan(dir, r.Plan)
		if err != nil {
			return nil, err
		}
		raw := d["source"]
		if raw == nil {
			return nil, fmt.Errorf("backup %s holds no source state", r.Backup)
		}
		src, err := tfstate.Parse(r.Backup+"/source.tfstate", raw)
		if err != nil {
			return nil, err
		}
		h.plans = append(h.plans, appliedPlan{l: l, src: src, raw: raw, backup: r.Backup})
	}
	return h, nil
}

// plan returns the applied plan id, or nil.
func (h *history) plan(id string) *appliedPlan {
	for i := range h.plans {
		if h.plans[i].l.ID == id {
			return &h.plans[i]
		}
	}
	return nil
}

// placed is every object the migration's applied plans place, by
// destination stack: what may be in a destination because of us.
func (h *history) placed() (map[string][]placed, error) {
	out := map[string][]placed{}
	for _, p := range h.plans {
		objs, err := placements(p.l, p.src)
		if err != nil {
			return nil, fmt.Errorf("plan %s: %w", p.l.ID, err)
		}
		for _, stack := range slices.Sorted(maps.Keys(objs)) {
			out[stack] = append(out[stack], objs[stack]...)
		}
	}
	return out, nil
}

// written is the set of state checksums the migration's runs wrote and
// confirmed.
func (h *history) written() map[string]bool {
	out := map[string]bool{}
	for _, r := range h.recs {
		if (r.Step == "pushed" || r.Step == "source-pushed" || r.Step == "restored") && r.SHA256 != "" {
			out[r.SHA256] = true
		}
	}
	return out
}

// stateRefs are every state the migration's plans and l involve: the
// source first, then the destinations by name.
func (h *history) stateRefs(l *Ledger) []*StateRef {
	byName := map[string]*StateRef{}
	for _, p := range h.plans {
		for n, r := range p.l.Destinations {
			byName[n] = r
		}
	}
	for n, r := range l.Destinations {
		byName[n] = r
	}
	refs := []*StateRef{&l.Source}
	for _, n := range slices.Sorted(maps.Keys(byName)) {
		refs = append(refs, byName[n])
	}
	return refs
}

// moved reports, for a source address (an instance, or a whole resource)
// the current source no longer holds, the applied plan of this migration
// that moved or retired it.
func (h *history) moved(addr string) (string, bool) {
	for i := len(h.plans) - 1; i >= 0; i-- {
		for _, e := range h.plans[i].l.Entries {
			if (e.Source == addr || strings.HasPrefix(e.Source, addr+"[")) && (e.Action == ActionMove || e.Action == ActionRetire) {
				if e.Action == ActionMove {
					return fmt.Sprintf("plan %s moved it to %s:%s", h.plans[i].l.ID, e.Stack, e.Destination), true
				}
				return fmt.Sprintf("plan %s retired it", h.plans[i].l.ID), true
			}
		}
	}
	return "", false
}
