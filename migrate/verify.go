package migrate

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"

	"stratum/tfbackend"
	"stratum/tfstate"
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

// firstBackups returns, per state name, the earliest backup recorded for
// plan in the log (folder and manifest checksum): the states as they were
// before the migration first wrote anything.
func firstBackups(dir, plan string) (map[string][2]string, []string, error) {
	recs, err := readLog(logFile(dir))
	if err != nil {
		return nil, nil, err
	}
	out := map[string][2]string{}
	var folders []string
	for _, r := range recs {
		if r.Plan != plan || r.Step != "backup" {
			continue
		}
		m, _, err := loadBackup(r.Backup, r.BackupSHA)
		if err != nil {
			return nil, nil, err
		}
		used := false
		for _, st := range m.States {
			if _, ok := out[st.Name]; !ok {
				out[st.Name] = [2]string{r.Backup, r.BackupSHA}
				used = true
			}
		}
		if used {
			folders = append(folders, r.Backup)
		}
	}
	return out, folders, nil
}

// originalStates loads the earliest backup of every state of the plan,
// checking every checksum.
func originalStates(dir, plan string) (map[string]BackupState, map[string][]byte, []string, error) {
	first, folders, err := firstBackups(dir, plan)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(first) == 0 {
		return nil, nil, nil, fmt.Errorf("%s: the log records no backup of plan %s: nothing was applied", dir, plan)
	}
	meta := map[string]BackupState{}
	data := map[string][]byte{}
	for name, f := range first {
		m, d, err := loadBackup(f[0], f[1])
		if err != nil {
			return nil, nil, nil, err
		}
		for _, st := range m.States {
			if st.Name == name {
				meta[name] = st
				if st.Exists {
					data[name] = d[name]
				}
			}
		}
	}
	return meta, data, folders, nil
}

// Verify proves from the first backup and the current states that every
// source instance is in exactly one place: its destination, the source
// (kept, data sources) or nowhere (retired), unchanged.
func Verify(ctx context.Context, dir string, tf *tfbackend.Terraform) (*VerifyReport, error) {
	l, err := readLedger(dir)
	if err != nil {
		return nil, err
	}
	_, data, folders, err := originalStates(dir, l.ID)
	if err != nil {
		return nil, err
	}
	orig, err := tfstate.Parse(filepath.Join(folders[0], "source.tfstate"), data["source"])
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Plan: l.ID, Backup: folders[0], Instances: len(l.Entries), Stacks: len(l.Destinations)}
	recs, err := readLog(logFile(dir))
	if err != nil {
		return nil, err
	}
	// A retire that removed the state but stopped before recording it
	// counts too: the data sources may be gone only if the state is
	// (checked below, per instance).
	_, started := retireStarted(recs, l.ID)
	rep.SourceRetired = sourceRetired(recs, l.ID) || started
	states, closeAll, err := openAll(ctx, tf, l.stateRefs())
	if err != nil {
		return nil, err
	}
	defer closeAll()
	cur := map[string]*tfstate.State{}
	for _, o := range states {
		cur[o.name] = o.st
	}
	objs, err := placements(l, orig)
	if err != nil {
		return nil, err
	}
	byEntry := map[*Entry]placed{}
	for _, ps := range objs {
		for _, p := range ps {
			byEntry[p.entry] = p
		}
	}
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
	for i := range l.Entries {
		e := &l.Entries[i]
		a, _ := tfstate.ParseInstanceAddr(e.Source)
		_, origIn := orig.FindInstance(a)
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
			p := byEntry[e]
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
	sort.Strings(rep.Lost)
	sort.Strings(rep.Duplicate)
	sort.Strings(rep.Changed)
	sort.Strings(rep.Pending)
	return rep, nil
}
