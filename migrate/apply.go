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

	"stratum/tfbackend"
	"stratum/tfstate"
)

// ApplyReport is what apply did.
type ApplyReport struct {
	Plan string `json:"plan"`
	// AlreadyApplied is set when the plan had been applied before and
	// nothing was written.
	AlreadyApplied bool   `json:"already_applied,omitempty"`
	Backup         string `json:"backup,omitempty"`
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

type openState struct {
	name string
	ref  *StateRef
	sess *tfbackend.Session
	snap *tfbackend.Snapshot
	st   *tfstate.State
}

// openAll initialises and pulls every state, a few at a time.
func openAll(ctx context.Context, tf *tfbackend.Terraform, refs []*StateRef) ([]*openState, func(), error) {
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
			sess, err := tf.Open(ctx, r.Backend.backend(r.Name))
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

// Apply carries out the plan in dir.
func Apply(ctx context.Context, dir string, tf *tfbackend.Terraform) (*ApplyReport, error) {
	l, unlock, err := lockedLedger(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if why := l.Blocked(); len(why) > 0 {
		return nil, fmt.Errorf("the plan cannot be applied: %s; fix the mapping file (or the states) and plan again", strings.Join(why, ", "))
	}
	rep := &ApplyReport{Plan: l.ID}
	for _, name := range slices.Sorted(maps.Keys(l.Destinations)) {
		rep.Check = append(rep.Check, "npx cdktf diff "+name)
	}
	states, closeAll, err := openAll(ctx, tf, l.stateRefs())
	if err != nil {
		return nil, err
	}
	defer closeAll()
	src := states[0]
	if !src.snap.Exists {
		return nil, fmt.Errorf("the source %s holds no state any more", src.sess.Backend)
	}
	logPath := logFile(dir)
	if sum := tfstate.Checksum(src.snap.Data); sum != l.Source.SHA256 {
		if applied, _ := alreadyApplied(logPath, l.ID, sum); applied {
			rep.AlreadyApplied = true
			return rep, nil
		}
		return nil, fmt.Errorf("the plan is stale: the source changed since it was made (lineage %s serial %d, plan saw lineage %s serial %d): run `stratum migrate plan` again", src.st.Lineage, src.st.Serial, l.Source.Lineage, l.Source.Serial)
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
	j := newJournal(dir, l)
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
	fail := func(state string, err error) error {
		j.failed(state, err)
		return fmt.Errorf("%w\nthe states written so far hold copies of objects the source still has (nothing is lost): run `stratum migrate apply` again to finish, or `stratum migrate rollback` to undo; see %s", err, logPath)
	}
	for _, o := range states[1:] {
		if added[o.name] == 0 {
			continue
		}
		ws, err := j.push(ctx, o, o.name, next[o.name], added[o.name], pushConfirm{objs: objs[o.name], step: "pushed"})
		if err != nil {
			return nil, fail(o.name, err)
		}
		ws.Added = added[o.name]
		rep.Written = append(rep.Written, ws)
	}
	// The source goes last: until it is written every object is in it.
	reduced := reducedSource(l, src.st)
	removed := countResourcesInstances(src.st) - countResourcesInstances(reduced)
	ws, err := j.push(ctx, src, "source", reduced, removed, pushConfirm{reduced: reduced, step: "source-pushed"})
	if err != nil {
		return nil, fail("source", err)
	}
	ws.Removed = removed
	rep.Written = append(rep.Written, ws)
	for _, e := range l.Entries {
		switch e.Action {
		case ActionMove:
			rep.Moved++
		case ActionRetire:
			rep.Retired++
		}
	}
	if err := j.add(LogRecord{Step: "applied", SHA256: ws.SHA256, Count: rep.Moved + rep.Retired}); err != nil {
		return nil, err
	}
	return rep, nil
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
	j.add(LogRecord{Step: "push", State: state, Lineage: ns.Lineage, Serial: ns.Serial, Count: count})
	if err := o.sess.Push(ctx, raw, tfbackend.PushOptions{}); err != nil {
		return WrittenState{}, err
	}
	ws, err := confirm(ctx, o, c.objs, c.reduced)
	if err != nil {
		return WrittenState{}, err
	}
	j.add(LogRecord{Step: c.step, State: state, Lineage: ws.Lineage, Serial: ws.Serial, SHA256: ws.SHA256, Count: count})
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

// alreadyApplied reports whether the log records a finished apply of plan
// that left the source with checksum sum.
func alreadyApplied(logPath, plan, sum string) (bool, error) {
	recs, err := readLog(logPath)
	if err != nil {
		return false, err
	}
	for _, r := range recs {
		if r.Plan == plan && r.Step == "applied" && r.SHA256 == sum {
			return true, nil
		}
	}
	return false, nil
}
