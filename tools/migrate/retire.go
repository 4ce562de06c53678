package migrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"stratum/tools/durable"
	"stratum/tools/tfstate"
)

// RetireReport is what retire did.
type RetireReport struct {
	Plan string `json:"plan"`
	// Stack is the retired source stack; State where its state was.
	Stack string `json:"stack"`
	State string `json:"state"`
	// DataSources were in the state (data sources are never moved: each
	// stack reads its own).
	DataSources int `json:"data_sources"`
	// Backup is the state as it was removed.
	Backup string `json:"backup,omitempty"`
	// AlreadyRetired is set when an earlier retire removed it and nothing
	// was done.
	AlreadyRetired bool `json:"already_retired,omitempty"`
	// Completed is set when an earlier retire removed the state but
	// stopped before recording it (a crash, a full disk): this run found
	// the state gone and recorded the removal, with that run's backup.
	Completed bool `json:"completed,omitempty"`
}

// Retire removes the source's state once the migration has emptied it, so
// that no state of a stack the app no longer has is left behind (the
// state of databases-<env> after its split into database-<client>-<env>).
// It refuses unless the source is a stack that was no longer synthesized
// when the plan was made, verify passes, and the state holds no managed
// resource: only data sources, which are never moved, go with it. The
// state is backed up first, and removed under the backend's lock only if
// it is still exactly what was checked. Rollback restores it.
func Retire(ctx context.Context, dir string, store Store) (*RetireReport, error) {
	unlock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	l, err := readLedger(dir)
	if err != nil {
		return nil, err
	}
	if l.Source.Kind != "stack" || l.Source.Stack == "" || l.Source.Inferred == "" {
		return nil, fmt.Errorf("retire removes the state of a source stack that is no longer synthesized (a stack split into others, such as databases-<env>); the source of plan %s is %s: keep or archive it yourself", l.ID, describeBackend(l.Source.Backend))
	}
	rep := &RetireReport{Plan: l.ID, Stack: l.Source.Stack, State: describeBackend(l.Source.Backend)}
	all, err := readLog(logFile(dir))
	if err != nil {
		return nil, err
	}
	recs := currentMigration(all)
	if sourceRetired(recs) {
		rep.AlreadyRetired = true
		return rep, nil
	}
	v, err := Verify(ctx, dir, store)
	if err != nil {
		return nil, fmt.Errorf("nothing was removed: verify: %w", err)
	}
	if !v.OK() {
		return nil, fmt.Errorf("nothing was removed: verify finds %d lost, %d duplicated, %d changed, %d pending (run `stratum migrate verify -dir %s`); retire only a verified migration's source",
			len(v.Lost), len(v.Duplicate), len(v.Changed), len(v.Pending), dir)
	}
	states, closeAll, err := openAll(ctx, store, []*StateRef{&l.Source})
	if err != nil {
		return nil, fmt.Errorf("nothing was removed: %w", err)
	}
	defer closeAll()
	src := states[0]
	if !src.snap.Exists {
		backup, started := retireStarted(recs)
		if !started {
			return nil, fmt.Errorf("%s holds no state: it was removed, but not by retire; nothing was done", rep.State)
		}
		return completeRetire(dir, l, rep, backup)
	}
	var managed []string
	for _, r := range src.st.Resources {
		for _, in := range r.Instances {
			if r.Mode == "managed" {
				managed = append(managed, r.InstanceAddr(in).String())
			} else {
				rep.DataSources++
			}
		}
	}
	if len(managed) > 0 {
		return nil, fmt.Errorf("nothing was removed: %s still holds %d managed resources (%s); removing its state would leave them in AWS, managed by no stack: move them (plan again) or remove them from the state yourself",
			rep.State, len(managed), strings.Join(managed, ", "))
	}
	if !src.sess.CanRemove() {
		return nil, fmt.Errorf("nothing was removed: removing a state of backend %q is not supported (local and s3 are): remove %s by hand", l.Source.Backend.Type, rep.State)
	}
	j := newJournal(dir, l)
	rep.Backup = filepath.Join(dir, "backups", j.run+"-retire", "source.tfstate")
	sum := tfstate.Checksum(src.snap.Data)
	if err := os.MkdirAll(filepath.Dir(rep.Backup), 0o700); err != nil {
		return nil, err
	}
	if err := durable.WriteFile(rep.Backup, src.snap.Data, 0o600); err != nil {
		return nil, fmt.Errorf("nothing was removed: backing up %s: %w", rep.State, err)
	}
	// The run's folder is new: its entry in backups/ must be on disk too.
	if err := durable.SyncDir(filepath.Join(dir, "backups")); err != nil {
		return nil, fmt.Errorf("nothing was removed: backing up %s: %w", rep.State, err)
	}
	if err := j.add(LogRecord{Step: "retire-backup", State: "source", Backup: rep.Backup, Lineage: src.st.Lineage, Serial: src.st.Serial, SHA256: sum}); err != nil {
		return nil, err
	}
	if err := removeState(context.WithoutCancel(ctx), src.sess, "source", src.snap.Data); err != nil {
		j.add(LogRecord{Step: "failed", State: "source", Message: err.Error()})
		return nil, err
	}
	crashPoint("after remove source")
	if err := j.add(LogRecord{Step: "retired", State: "source", Lineage: src.st.Lineage, Serial: src.st.Serial, SHA256: sum, Count: rep.DataSources}); err != nil {
		return nil, fmt.Errorf("%s was removed (backed up to %s), but recording it in the log failed: %w; run `stratum migrate retire -dir %s` again to record it", rep.State, rep.Backup, err, dir)
	}
	return rep, nil
}

// completeRetire records the removal of the source's state that an
// earlier retire made but did not record, from that run's backup: verify
// has just passed with the state gone, so the backup is what was removed.
func completeRetire(dir string, l *Ledger, rep *RetireReport, backup string) (*RetireReport, error) {
	raw, err := os.ReadFile(backup)
	if err != nil {
		return nil, fmt.Errorf("%s holds no state and an earlier retire was interrupted after backing it up, but its backup cannot be read: %w", rep.State, err)
	}
	st, err := tfstate.Parse(backup, raw)
	if err != nil {
		return nil, err
	}
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			rep.DataSources += len(r.Instances)
		}
	}
	rep.Backup, rep.Completed = backup, true
	j := newJournal(dir, l)
	if err := j.add(LogRecord{Step: "retired", State: "source", Backup: backup, Lineage: st.Lineage, Serial: st.Serial, SHA256: tfstate.Checksum(raw), Count: rep.DataSources,
		Message: "recorded by a later run: the state was removed, then the run stopped before recording it"}); err != nil {
		return nil, err
	}
	return rep, nil
}

// retireStarted reports whether a retire of the migration's source (recs
// are the migration's records) backed the state up and went on to remove
// it with no outcome recorded since (no retired, failed or rolled-back
// record): a run that stopped between removing the state and recording
// it, or while removing it. It returns that run's backup.
func retireStarted(recs []LogRecord) (string, bool) {
	backup := ""
	for _, r := range recs {
		switch {
		case r.Step == "retire-backup":
			backup = r.Backup
		case r.Step == "retired" || r.Step == "rolled-back" || r.Step == "failed" && r.State == "source":
			backup = ""
		}
	}
	return backup, backup != ""
}

// sourceRetired reports whether recs record that retire removed the
// source, and no rollback restored it since.
func sourceRetired(recs []LogRecord) bool {
	retired := false
	for _, r := range recs {
		switch {
		case r.Step == "retired":
			retired = true
		case r.Step == "rolled-back":
			retired = false
		}
	}
	return retired
}
