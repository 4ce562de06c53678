package migrate

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// RollbackReport is what rollback did.
type RollbackReport struct {
	Plan     string   `json:"plan"`
	Backups  []string `json:"backups"`
	Restored []string `json:"restored"`
	Removed  []string `json:"removed"`
	// Unchanged are states that already were as backed up.
	Unchanged []string `json:"unchanged"`
	// Nothing is set when no apply of the migration wrote anything (the
	// journal records no backup since the last rollback): every state is
	// as it was.
	Nothing bool `json:"nothing,omitempty"`
}

// RollbackOptions adjusts Rollback.
type RollbackOptions struct {
	// Force restores even states that someone else wrote after the
	// migration (their later changes are lost). Default: refuse.
	Force bool
}

// Rollback restores every state the migration touched to its first
// backup — the state before the migration's first write, whatever plans,
// applies and crashes came after — so that a later pull is byte-identical
// to the pull before the migration, and removes destination states that
// did not exist before. Every backup is checked first; a corrupted or
// truncated one stops rollback before anything is written.
func Rollback(ctx context.Context, dir string, store Store, opt RollbackOptions) (*RollbackReport, error) {
	l, unlock, err := lockedLedger(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	h, err := readHistory(dir)
	if err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	rep := &RollbackReport{Plan: l.ID, Backups: h.folders}
	if len(h.first) == 0 {
		rep.Nothing = true
		return rep, nil
	}
	meta, data := h.first, h.data
	written := h.written()
	objs, err := h.placed()
	if err != nil {
		return nil, err
	}
	// Source first: once it is whole again, every object is in it, and
	// removing the copies from the destinations cannot lose anything.
	names := []string{"source"}
	for _, n := range slices.Sorted(maps.Keys(meta)) {
		if n != "source" {
			names = append(names, n)
		}
	}
	var refs []*StateRef
	for _, n := range names {
		b := meta[n]
		refs = append(refs, &StateRef{Name: n, Backend: b.Backend})
	}
	states, closeAll, err := openAll(ctx, store, refs)
	if err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	defer closeAll()
	// Check everything before writing anything.
	var problems []string
	for _, o := range states {
		b := meta[o.name]
		switch {
		case b.Exists && o.snap.Exists && bytes.Equal(o.snap.Data, data[o.name]):
		case !b.Exists && !o.snap.Exists:
		case !b.Exists && !o.sess.CanRemove():
			problems = append(problems, fmt.Sprintf("%s did not exist before the migration, and removing a state of backend %q is not supported (local and s3 are): remove it by hand", o.name, o.ref.Backend.Type))
		case o.snap.Exists && !written[tfstate.Checksum(o.snap.Data)] && !opt.Force && !onlyOurChanges(o.name, data[o.name], o.st, objs[o.name]):
			problems = append(problems, fmt.Sprintf("%s was changed by someone else after the migration wrote it (serial %d): restoring it would lose that change; look at it, then rerun with -force to restore anyway", o.name, o.st.Serial))
		case b.Exists && b.Serial == 0:
			problems = append(problems, fmt.Sprintf("%s: the backup has serial 0, which cannot be restored exactly", o.name))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("rollback refused, nothing was written:\n  %s", strings.Join(problems, "\n  "))
	}
	j := newJournal(dir, l)
	if err := j.add(LogRecord{Step: "rollback-start", Count: len(states)}); err != nil {
		return nil, err
	}
	// Every write finishes even when asked to stop; rerunning rollback
	// completes the rest.
	wctx := context.WithoutCancel(ctx)
	for _, o := range states {
		b := meta[o.name]
		switch {
		case b.Exists && o.snap.Exists && bytes.Equal(o.snap.Data, data[o.name]), !b.Exists && !o.snap.Exists:
			rep.Unchanged = append(rep.Unchanged, o.name)
			continue
		case ctx.Err() != nil:
			j.add(LogRecord{Step: "interrupted", Message: "asked to stop; stopped between two writes"})
			return rep, fmt.Errorf("%w: rollback stopped before %s; run `stratum migrate rollback -dir %s` again to finish it", ErrInterrupted, o.name, dir)
		case !b.Exists:
			if err := removeState(wctx, o.sess, o.name, o.snap.Data); err != nil {
				j.failed(o.name, err)
				return rep, err
			}
			crashPoint("after remove " + o.name)
			if err := j.add(LogRecord{Step: "removed", State: o.name}); err != nil {
				return rep, err
			}
			rep.Removed = append(rep.Removed, o.name)
			continue
		}
		if err := restore(wctx, o, data[o.name]); err != nil {
			j.failed(o.name, err)
			return rep, err
		}
		if err := j.add(LogRecord{Step: "restored", State: o.name, Lineage: b.Lineage, Serial: b.Serial, SHA256: b.SHA256}); err != nil {
			return rep, err
		}
		rep.Restored = append(rep.Restored, o.name)
	}
	if err := j.add(LogRecord{Step: "rolled-back"}); err != nil {
		return rep, err
	}
	return rep, nil
}

// restore pushes the backup so that the stored state is the backup
// exactly: Terraform adds one to the serial of a pushed state that
// replaces a different one, so the backup goes out with its serial minus
// one. Where there is no state any more (a retired source), the first
// push creates it: the local backend writes it as it is, but the S3
// backend first creates an empty state of its own lineage and keeps that
// lineage, so a second push replaces it like any other state. A pull
// afterwards must give the backup's bytes.
func restore(ctx context.Context, o *openState, backup []byte) error {
	st, err := tfstate.Parse(o.name+" backup", backup)
	if err != nil {
		return err
	}
	if !o.snap.Exists {
		if err := o.sess.Push(ctx, backup, tfbackend.PushOptions{Force: true}); err != nil {
			return err
		}
		crashPoint("after push " + o.name)
		if err := o.pull(ctx); err != nil {
			return err
		}
		if bytes.Equal(o.snap.Data, backup) {
			return nil
		}
	}
	st.Serial--
	raw, err := st.Marshal()
	if err != nil {
		return err
	}
	if err := o.sess.Push(ctx, raw, tfbackend.PushOptions{Force: true}); err != nil {
		return err
	}
	crashPoint("after push " + o.name)
	if err := o.pull(ctx); err != nil {
		return err
	}
	if !bytes.Equal(o.snap.Data, backup) {
		got := "no state"
		if o.st != nil {
			got = fmt.Sprintf("lineage %s serial %d, terraform_version %s", o.st.Lineage, o.st.Serial, o.st.TerraformVersion)
		}
		want, _ := tfstate.Parse("backup", backup)
		return fmt.Errorf("%s: restored, but a pull is not byte-identical to the backup (got %s; backup has lineage %s serial %d, terraform_version %s)", o.name, got, want.Lineage, want.Serial, want.TerraformVersion)
	}
	return nil
}

// onlyOurChanges reports whether cur is the backup plus what the
// migration does to it and nothing else: for a destination, the backup's
// objects unchanged plus the placed ones; for the source, a subset of the
// backup's objects. It recognises a state written by a push whose
// confirmation never reached the log (a crash right after the push).
func onlyOurChanges(name string, backup []byte, cur *tfstate.State, objs []placed) bool {
	var base *tfstate.State
	if backup != nil {
		b, err := tfstate.Parse(name, backup)
		if err != nil {
			return false
		}
		base = b
		if cur.Lineage != b.Lineage {
			return false
		}
	}
	ours := map[string]*tfstate.Instance{}
	for _, p := range objs {
		ours[p.addr.String()] = p.inst
	}
	for _, r := range cur.Resources {
		for _, in := range r.Instances {
			addr := r.InstanceAddr(in)
			if want := ours[addr.String()]; want != nil && in.Deposed == "" {
				if objectDiff(want, in) != "" {
					return false
				}
				continue
			}
			if base == nil {
				return false
			}
			_, was := base.FindInstance(addr)
			if was == nil || in.Deposed != "" || objectDiff(was, in) != "" {
				return false
			}
		}
	}
	return true
}
