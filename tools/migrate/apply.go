package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// ApplyReport is what apply did.
type ApplyReport struct {
	Plan string `json:"plan"`
	// AlreadyApplied is set when the plan had been applied before and
	// nothing was written.
	AlreadyApplied bool `json:"already_applied,omitempty"`
	// Nothing is set when the plan has nothing to move or retire.
	Nothing bool `json:"nothing,omitempty"`
	// Completed is set when an earlier run of the plan had written every
	// state and stopped before recording it: this run checked every
	// state and recorded the apply. Default: false (this run wrote).
	Completed bool   `json:"completed,omitempty"`
	Backup    string `json:"backup,omitempty"`
	// Written are the states pushed, destinations first, "source" last.
	Written []WrittenState `json:"written"`
	Moved   int            `json:"moved"`
	Retired int            `json:"retired"`
	// Check are the commands to run with AWS credentials afterwards.
	Check []string `json:"check"`
}

// WrittenState is one pushed state as pulled back afterwards.
type WrittenState struct {
	Name    string `json:"name"`
	Added   int    `json:"added,omitempty"`
	Removed int    `json:"removed,omitempty"`
	Lineage string `json:"lineage"`
	Serial  uint64 `json:"serial"`
	SHA256  string `json:"sha256"`
}

// ErrConcurrentWrite is returned when a state changed between the backup
// and the write.
var ErrConcurrentWrite = errors.New("a state changed during the migration: someone else wrote it")

// ErrInterrupted is returned when apply was asked to stop (Ctrl-C) and
// stopped between two writes.
var ErrInterrupted = errors.New("interrupted")

type openState struct {
	name string
	ref  *StateRef
	sess State
	snap *tfbackend.Snapshot
	st   *tfstate.State
}

// openAll opens and pulls every state, a few at a time.
func openAll(ctx context.Context, store Store, refs []*StateRef) ([]*openState, func(), error) {
	out := make([]*openState, len(refs))
	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelPulls())
	for i, r := range refs {
		wg.Add(1)
		go func(i int, r *StateRef) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sess, err := store.Open(ctx, r.Backend.backend(r.Name))
			if err != nil {
				errs[i] = err
				return
			}
			o := &openState{name: r.Name, ref: r, sess: sess}
			out[i] = o
			errs[i] = o.pull(ctx)
		}(i, r)
	}
	wg.Wait()
	closeAll := func() {
		for _, o := range out {
			if o != nil {
				o.sess.Close()
			}
		}
	}
	for _, err := range errs {
		if err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	return out, closeAll, nil
}

func (o *openState) pull(ctx context.Context) error {
	snap, err := o.sess.Pull(ctx)
	if err != nil {
		return err
	}
	o.snap, o.st = snap, nil
	if snap.Exists {
		st, err := tfstate.Parse(o.name, snap.Data)
		if err != nil {
			return err
		}
		o.st = st
	}
	return nil
}

// lockDir keeps two runs of migrate from working in one directory at once.
func lockDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: another `stratum migrate` is running in this directory", dir)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// lockedLedger locks dir (lockDir) and reads its plan; the caller
// unlocks when done.
func lockedLedger(dir string) (*Ledger, func(), error) {
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	l, err := readLedger(dir)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return l, unlock, nil
}

func runID() string {
	return time.Now().UTC().Format("20060102T150405.000Z") + "-" + tfbackend.NewLineage()[:8]
}

// Apply carries out the plan in dir. After an interrupted run of the
// same plan it writes what is left: destinations that already hold their
// objects are left alone, and a source that run already wrote is
// recognised (every destination is then checked and the apply recorded).
// Asked to stop (ctx cancelled, Ctrl-C), it finishes the write under way,
// records the interruption and stops before the next one.
func Apply(ctx context.Context, dir string, store Store) (*ApplyReport, error) {
	l, unlock, err := lockedLedger(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if why := l.Blocked(); len(why) > 0 {
		return nil, fmt.Errorf("the plan cannot be applied: %s; fix the mapping file (or the states) and plan again", strings.Join(why, ", "))
	}
	rep := &ApplyReport{Plan: l.ID}
	if l.Pending() == 0 {
		rep.Nothing = true
		return rep, nil
	}
	for _, name := range slices.Sorted(maps.Keys(l.Destinations)) {
		rep.Check = append(rep.Check, "npx cdktf diff "+name)
	}
	h, err := readHistory(dir)
	if err != nil {
		return nil, err
	}
	states, closeAll, err := openAll(ctx, store, l.stateRefs())
	if err != nil {
		return nil, err
	}
	defer closeAll()
	src := states[0]
	if !src.snap.Exists {
		return nil, fmt.Errorf("the source %s holds no state any more: nothing was written", src.sess)
	}
	j := newJournal(dir, l)
	if sum := tfstate.Checksum(src.snap.Data); sum != l.Source.SHA256 {
		if appliedWith(h.recs, l.ID, sum) {
			rep.AlreadyApplied = true
			return rep, nil
		}
		return finishInterrupted(l, h, states, j, rep)
	}
	objs, err := placements(l, src.st)
	if err != nil {
		return nil, err
	}
	// Build every new state before writing anything: a conflict stops
	// the run here.
	next := map[string]*tfstate.State{}
	added := map[string]int{}
	for _, o := range states[1:] {
		ns, n, err := withObjects(o.st, objs[o.name], src.st.TerraformVersion)
		if err != nil {
			return nil, fmt.Errorf("nothing was written: %w", err)
		}
		next[o.name], added[o.name] = ns, n
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%w before the first write: nothing was written", ErrInterrupted)
	}
	// Back up every state before the first write.
	m := &BackupManifest{Created: time.Now().UTC().Format(time.RFC3339Nano), Plan: l.ID, Run: j.run}
	data := map[string][]byte{}
	for _, o := range states {
		bs := BackupState{Name: o.name, Backend: o.ref.Backend, Exists: o.snap.Exists, VersionID: o.snap.VersionID}
		if o.st != nil {
			bs.Lineage, bs.Serial = o.st.Lineage, o.st.Serial
			data[o.name] = o.snap.Data
		}
		m.States = append(m.States, bs)
	}
	folder, msum, err := writeBackup(dir, m, data)
	if err != nil {
		return nil, fmt.Errorf("backing up the states (nothing was written): %w", err)
	}
	rep.Backup = folder
	if err := j.add(LogRecord{Step: "backup", Backup: folder, BackupSHA: msum, Count: len(states)}); err != nil {
		return nil, err
	}
	if err := j.add(LogRecord{Step: "apply-start"}); err != nil {
		return nil, err
	}
	logPath := logFile(dir)
	fail := func(state string, err error) error {
		j.failed(state, err)
		return fmt.Errorf("%w\nthe states written so far hold copies of objects the source still has (nothing is lost): run `stratum migrate apply -dir %s` again to finish, or `stratum migrate rollback -dir %s` to undo; see %s", err, dir, dir, logPath)
	}
	// stop records an interruption between two writes.
	stop := func(written int) error {
		j.add(LogRecord{Step: "interrupted", Count: written, Message: "asked to stop; stopped between two writes"})
		return fmt.Errorf("%w after writing %d of %d states: every object is still in the source (nothing is lost); run `stratum migrate apply -dir %s` to finish, or `stratum migrate rollback -dir %s` to undo", ErrInterrupted, written, len(states), dir, dir)
	}
	// A write under way finishes even when asked to stop: a push cut
	// short would leave its state unconfirmed.
	wctx := context.WithoutCancel(ctx)
	for _, o := range states[1:] {
		if added[o.name] == 0 {
			continue
		}
		if ctx.Err() != nil {
			return nil, stop(len(rep.Written))
		}
		ws, err := j.push(wctx, o, o.name, next[o.name], added[o.name], pushConfirm{objs: objs[o.name], step: "pushed"})
		if err != nil {
			return nil, fail(o.name, err)
		}
		ws.Added = added[o.name]
		rep.Written = append(rep.Written, ws)
	}
	if ctx.Err() != nil {
		return nil, stop(len(rep.Written))
	}
	// The source goes last: until it is written every object is in it.
	reduced := reducedSource(l, src.st)
	removed := countResourcesInstances(src.st) - countResourcesInstances(reduced)
	ws, err := j.push(wctx, src, "source", reduced, removed, pushConfirm{reduced: reduced, step: "source-pushed"})
	if err != nil {
		return nil, fail("source", err)
	}
	ws.Removed = removed
	rep.Written = append(rep.Written, ws)
	rep.Moved, rep.Retired = countActions(l)
	if err := j.add(LogRecord{Step: "applied", SHA256: ws.SHA256, Count: rep.Moved + rep.Retired}); err != nil {
		return nil, err
	}
	return rep, nil
}

func countActions(l *Ledger) (moved, retired int) {
	for _, e := range l.Entries {
		switch e.Action {
		case ActionMove:
			moved++
		case ActionRetire:
			retired++
		}
	}
	return moved, retired
}

// finishInterrupted handles a source that is not what plan l read. When
// an earlier run of l backed it up and the source is now exactly what l
// reduces it to, that run wrote it and stopped before recording it: every
// destination is checked for its objects and the apply recorded. Anything
// else is a stale plan, described.
func finishInterrupted(l *Ledger, h *history, states []*openState, j *journal, rep *ApplyReport) (*ApplyReport, error) {
	src := states[0]
	p := h.plan(l.ID)
	stale := fmt.Errorf("the plan is stale: the source changed since it was made (now lineage %s serial %d, the plan read lineage %s serial %d)", src.st.Lineage, src.st.Serial, l.Source.Lineage, l.Source.Serial)
	if p == nil {
		return nil, fmt.Errorf("%w, and no apply of this plan wrote it: nothing was written; run `stratum migrate plan -dir %s` again", stale, filepath.Dir(j.path))
	}
	reduced := reducedSource(l, p.src)
	if d := stateDiff(reduced, src.st); d != "" {
		return nil, fmt.Errorf("%w, and it is neither that source nor the one this plan's apply writes (%s): someone else wrote it; nothing was written. Run `stratum migrate verify -dir %s` to see where every object is, then plan again or roll back", stale, d, filepath.Dir(j.path))
	}
	objs, err := placements(l, p.src)
	if err != nil {
		return nil, err
	}
	for _, o := range states[1:] {
		for _, pl := range objs[o.name] {
			var in *tfstate.Instance
			if o.st != nil {
				_, in = o.st.FindInstance(pl.addr)
			}
			if in == nil {
				return nil, fmt.Errorf("an earlier apply of plan %s wrote the reduced source, but %s lacks %s (moved from %s): the object is in no state; run `stratum migrate rollback -dir %s` to restore every state from the backup %s", l.ID, o.name, pl.addr, pl.entry.Source, filepath.Dir(j.path), p.backup)
			}
			if d := objectDiff(pl.inst, in); d != "" {
				return nil, fmt.Errorf("an earlier apply of plan %s wrote the reduced source, but %s:%s differs from what was moved (%s): run `stratum migrate rollback -dir %s`", l.ID, o.name, pl.addr, d, filepath.Dir(j.path))
			}
		}
	}
	rep.Completed, rep.Backup = true, p.backup
	for _, o := range states[1:] {
		if len(objs[o.name]) > 0 {
			rep.Written = append(rep.Written, WrittenState{Name: o.name, Added: len(objs[o.name]), Lineage: o.st.Lineage, Serial: o.st.Serial, SHA256: tfstate.Checksum(o.snap.Data)})
		}
	}
	sum := tfstate.Checksum(src.snap.Data)
	removed := countResourcesInstances(p.src) - countResourcesInstances(reduced)
	rep.Written = append(rep.Written, WrittenState{Name: "source", Removed: removed, Lineage: src.st.Lineage, Serial: src.st.Serial, SHA256: sum})
	rep.Moved, rep.Retired = countActions(l)
	note := "found written by an interrupted run of this plan; checked and recorded by this one"
	if err := j.add(LogRecord{Step: "source-pushed", State: "source", Lineage: src.st.Lineage, Serial: src.st.Serial, SHA256: sum, Count: removed, Message: note}); err != nil {
		return nil, err
	}
	if err := j.add(LogRecord{Step: "applied", SHA256: sum, Count: rep.Moved + rep.Retired, Message: note}); err != nil {
		return nil, err
	}
	return rep, nil
}

// stateDiff names the first way got differs from want as a state's
// content (the serial aside), "" when it holds the same objects.
func stateDiff(want, got *tfstate.State) string {
	if want.Lineage != got.Lineage {
		return fmt.Sprintf("lineage %s, want %s", got.Lineage, want.Lineage)
	}
	if tfstate.CompactJSON(normOutputs(want.Outputs)) != tfstate.CompactJSON(normOutputs(got.Outputs)) {
		return "outputs differ"
	}
	n := 0
	for _, r := range want.Resources {
		for _, in := range r.Instances {
			n++
			addr := r.InstanceAddr(in)
			g := got.Find(addr.Resource)
			var gi *tfstate.Instance
			if g != nil {
				for _, x := range g.Instances {
					if x.Deposed == in.Deposed && fmt.Sprint(x.IndexKey) == fmt.Sprint(in.IndexKey) {
						gi = x
					}
				}
			}
			if gi == nil {
				return addr.String() + " is missing"
			}
			if d := objectDiff(in, gi); d != "" {
				return addr.String() + ": " + d
			}
		}
	}
	if m := countResourcesInstances(got); m != n {
		return fmt.Sprintf("%d objects, want %d", m, n)
	}
	return ""
}

func normOutputs(raw []byte) []byte {
	if len(raw) == 0 || string(raw) == "null" {
		return []byte("{}")
	}
	return raw
}

// pushConfirm is what a push must leave: a destination holds objs, the
// source is reduced; step is the log record of a confirmed push.
type pushConfirm struct {
	objs    []placed
	reduced *tfstate.State
	step    string
}

// push writes ns as o's next state, logged as state: once o is still
// what was backed up (checkUnchanged), with the serial after o's, the
// push and its confirmation each logged with count, the number of
// objects it adds or removes.
func (j *journal) push(ctx context.Context, o *openState, state string, ns *tfstate.State, count int, c pushConfirm) (WrittenState, error) {
	if err := checkUnchanged(ctx, o); err != nil {
		return WrittenState{}, err
	}
	if o.st != nil {
		ns.Serial = o.st.Serial + 1
	} else {
		ns.Serial = 1
	}
	raw, err := ns.Marshal()
	if err != nil {
		return WrittenState{}, err
	}
	if err := j.add(LogRecord{Step: "push", State: state, Lineage: ns.Lineage, Serial: ns.Serial, Count: count}); err != nil {
		return WrittenState{}, err
	}
	if err := o.sess.Push(ctx, raw, tfbackend.PushOptions{}); err != nil {
		return WrittenState{}, err
	}
	crashPoint("after push " + state)
	ws, err := confirm(ctx, o, c.objs, c.reduced)
	if err != nil {
		return WrittenState{}, err
	}
	if err := j.add(LogRecord{Step: c.step, State: state, Lineage: ws.Lineage, Serial: ws.Serial, SHA256: ws.SHA256, Count: count}); err != nil {
		return WrittenState{}, err
	}
	return ws, nil
}
func countResourcesInstances(s *tfstate.State) int {
	n := 0
	for _, r := range s.Resources {
		n += len(r.Instances)
	}
	return n
}

// checkUnchanged re-pulls o and fails if it differs from what was backed
// up. `terraform state push` then refuses a write that raced past this
// check: a different lineage, or a serial that is not older than ours.
func checkUnchanged(ctx context.Context, o *openState) error {
	before := o.snap
	if err := o.pull(ctx); err != nil {
		return err
	}
	if before.Exists != o.snap.Exists || !bytes.Equal(before.Data, o.snap.Data) {
		return fmt.Errorf("%s: %w (it changed after the backup); nothing more was written", o.name, ErrConcurrentWrite)
	}
	return nil
}

// confirm pulls o after a push and checks that it holds the placed
// objects (destinations) or is the reduced state (source).
func confirm(ctx context.Context, o *openState, objs []placed, reduced *tfstate.State) (WrittenState, error) {
	if err := o.pull(ctx); err != nil {
		return WrittenState{}, err
	}
	if o.st == nil {
		return WrittenState{}, fmt.Errorf("%s: the state is missing right after the push", o.name)
	}
	for _, p := range objs {
		_, in := o.st.FindInstance(p.addr)
		if in == nil {
			return WrittenState{}, fmt.Errorf("%s: %s is missing right after the push", o.name, p.addr)
		}
		if d := objectDiff(p.inst, in); d != "" {
			return WrittenState{}, fmt.Errorf("%s: %s differs right after the push: %s", o.name, p.addr, d)
		}
	}
	if reduced != nil {
		if a, b := countResourcesInstances(reduced), countResourcesInstances(o.st); a != b {
			return WrittenState{}, fmt.Errorf("%s: holds %d objects right after the push, want %d", o.name, b, a)
		}
	}
	return WrittenState{Name: o.name, Lineage: o.st.Lineage, Serial: o.st.Serial, SHA256: tfstate.Checksum(o.snap.Data)}, nil
}

// appliedWith reports whether recs record a finished apply of plan that
// left the source with checksum sum.
func appliedWith(recs []LogRecord, plan, sum string) bool {
	for _, r := range recs {
		if r.Plan == plan && r.Step == "applied" && r.SHA256 == sum {
			return true
		}
	}
	return false
}
