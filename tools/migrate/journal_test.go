package migrate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/tools/migrate"
)

// errCrash is what the in-process crash hook panics with.
var errCrash = errors.New("injected crash")

// crashAt runs `stratum migrate args…` in-process on e's store and makes
// it stop dead at its n-th crash point (a panic unwinds it: no more
// records, no more writes). It reports the points passed.
func (e *env) crashAt(n int, args ...string) (points []string) {
	e.t.Helper()
	migrate.SetCrashHook(func(p string) {
		points = append(points, p)
		if len(points) == n {
			panic(errCrash)
		}
	})
	defer migrate.SetCrashHook(nil)
	defer func() {
		if r := recover(); r != nil && r != errCrash {
			panic(r)
		}
	}()
	e.run(args...)
	return points
}

// logLines returns the journal's records.
func logLines(t *testing.T, dir string) []migrate.LogRecord {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "migration.log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []migrate.LogRecord
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r migrate.LogRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("journal line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// dropRecords rewrites the journal without the records of the given steps.
func dropRecords(t *testing.T, dir string, steps ...string) {
	t.Helper()
	p := filepath.Join(dir, "migration.log.jsonl")
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		drop := false
		for _, s := range steps {
			if strings.Contains(line, `"step":"`+s+`"`) {
				drop = true
			}
		}
		if !drop {
			keep = append(keep, line)
		}
	}
	if err := os.WriteFile(p, []byte(strings.Join(keep, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestJournalAcrossRuns replays the runs of issue 19 that cut a
// migration in pieces, on the in-memory store: each ends with every
// object in exactly one state, and rollback brings back the states as
// they were before the migration's first write. Not parallel: the crash
// hook is the process's.
func TestJournalAcrossRuns(t *testing.T) {
	t.Run("apply after a crash that followed the source push", func(t *testing.T) {
		e := newEnv(t, "fake")
		before := e.pullAll()
		e.mustRun(2, "plan")
		e.mustRun(0, "apply")
		dropRecords(t, e.dir, "applied", "source-pushed")
		out := e.mustRun(0, "apply")
		if !strings.Contains(out, "stopped before recording it; checked every state and recorded it") {
			t.Errorf("apply after the crash: %q, want it to finish the interrupted apply", out)
		}
		e.mustRun(0, "verify")
		for _, p := range exactlyOnce(before["source"], e.pullAll(), "source") {
			if !strings.Contains(p, "aws_instance") && !strings.Contains(p, "aws_security_group.load_balancers") && !strings.Contains(p, "aws_security_group.databases") {
				t.Error(p)
			}
		}
		e.mustRun(0, "rollback")
		sameStates(t, "after rollback", e.pullAll(), before)
	})
	t.Run("plan again after a complete apply, then rollback", func(t *testing.T) {
		e := newEnv(t, "fake")
		before := e.pullAll()
		e.mustRun(2, "plan")
		e.mustRun(0, "apply")
		if out := e.mustRun(0, "plan"); !strings.Contains(out, "0 to move into 0 stacks") {
			t.Errorf("plan after the apply: want nothing left to move:\n%s", out)
		}
		e.mustRun(0, "verify")
		e.mustRun(0, "rollback")
		sameStates(t, "after rollback", e.pullAll(), before)
	})
	t.Run("crash after two pushes, plan again, apply, rollback", func(t *testing.T) {
		e := newEnv(t, "fake")
		before := e.pullAll()
		e.mustRun(2, "plan")
		points := e.crashAt(8, "apply")
		if got := strings.Join(points, " | "); strings.Count(got, "after record pushed") != 2 {
			t.Fatalf("crash points passed: %s; want two confirmed pushes", got)
		}
		out := e.mustRun(2, "plan")
		if !strings.Contains(out, "already there") {
			t.Errorf("plan after the crash: want the objects already pushed marked already there:\n%s", out)
		}
		e.mustRun(0, "apply")
		e.mustRun(0, "verify")
		e.mustRun(0, "rollback")
		sameStates(t, "after rollback", e.pullAll(), before)
		for name, s := range e.pullAll() {
			if name != "source" && s != "" {
				t.Errorf("%s still has a state after rollback; it had none before the migration", name)
			}
		}
	})
	t.Run("a changed mapping after a crash keeps the placed copy's destination", func(t *testing.T) {
		e := newEnv(t, "fake")
		e.mustRun(2, "plan")
		e.crashAt(8, "apply")
		// The bastion was retired; now the mapping keeps it instead: fine,
		// nothing placed it anywhere. Sending an object an interrupted
		// apply already copied elsewhere is not.
		l := ledger(t, e.mustRun(2, "plan", "-json"))
		moved := ""
		for _, en := range l.Entries {
			if en.Action == migrate.ActionMove && en.Done {
				moved = en.Source
				break
			}
		}
		if moved == "" {
			t.Fatal("no entry is already at its destination after the crash")
		}
		m, _ := os.ReadFile(e.flags[1])
		m = []byte(strings.Replace(string(m), `"moves": [`, fmt.Sprintf(`"moves": [{"from": %q, "action": "keep"},`, moved), 1))
		os.WriteFile(e.flags[1], m, 0o644)
		code, out, _ := e.run("plan")
		if code != 1 || !strings.Contains(out, "CONFLICTS") || !strings.Contains(out, "an interrupted apply of plan") || !strings.Contains(out, moved) {
			t.Errorf("plan deciding otherwise for a placed object: exit %d, want 1 with a conflict naming %s:\n%s", code, moved, out)
		}
	})
	t.Run("interrupted by Ctrl-C between two pushes", func(t *testing.T) {
		e := newEnv(t, "fake")
		before := e.pullAll()
		e.mustRun(2, "plan")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		migrate.SetCrashHook(func(p string) {
			if strings.HasPrefix(p, "after record pushed") {
				cancel() // as signal.NotifyContext does on SIGINT
			}
		})
		var out, errs strings.Builder
		code := migrate.RunWith(ctx, []string{"apply", "-dir", e.dir}, &out, &errs, e.store)
		migrate.SetCrashHook(nil)
		if code != 1 || !strings.Contains(errs.String(), "interrupted after writing 1 of 7 states") || !strings.Contains(errs.String(), "nothing is lost") {
			t.Errorf("apply interrupted after its first push: exit %d, stderr %q; want 1 saying where it stopped", code, errs.String())
		}
		recs := logLines(t, e.dir)
		if last := recs[len(recs)-1]; last.Step != "interrupted" {
			t.Errorf("the journal ends with %q, want the interruption", last.Step)
		}
		e.mustRun(0, "apply")
		e.mustRun(0, "verify")
		e.mustRun(0, "rollback")
		sameStates(t, "after rollback", e.pullAll(), before)
	})
	t.Run("rollback with nothing applied", func(t *testing.T) {
		e := newEnv(t, "fake")
		before := e.pullAll()
		e.mustRun(2, "plan")
		if out := e.mustRun(0, "rollback"); !strings.Contains(out, "Nothing to roll back") {
			t.Errorf("rollback before apply: %q", out)
		}
		sameStates(t, "after rollback", e.pullAll(), before)
	})
}

// TestCrashPointsInProcess stops apply dead at each of its crash points
// on the in-memory store (the generated monolith into six stacks, with
// its mapping file) and recovers with "plan + apply", where the mapping
// file meets what the crash left: entries already carried out, objects
// already at their destination. TestCrashMatrix recovers every point
// with each of "apply again", "plan + apply" and "rollback", with SIGKILL
// and the real terraform, on a smaller migration.
//
// The world is built and planned once and saved as planned; each point
// restores it. Not parallel: the crash hook is the process's.
func TestCrashPointsInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("24 migrations in a row; it runs without -short (make test)")
	}
	e := newEnv(t, "fake")
	root := filepath.Dir(e.dir)
	// What the migration changes: its directory, the destinations' state
	// files and the source's.
	dirs := []string{"migration", "states", "regions"}
	before := e.pullAll()
	e.mustRun(2, "plan")
	planned := saveDirs(t, root, dirs...)
	points := e.crashAt(0, "apply")
	if len(points) < 20 {
		t.Fatalf("crash points of apply: %v, want every record and push", points)
	}
	for i, point := range points {
		t.Run(fmt.Sprintf("%02d %s/plan + apply", i+1, point), func(t *testing.T) {
			e.t = t
			restoreDirs(t, root, planned, dirs...)
			if got := e.pullAll(); !maps.Equal(got, before) {
				t.Fatalf("the restored world's states differ from before the migration")
			}
			e.crashAt(i+1, "apply")
			if code, out, errs := e.run("plan"); code == 1 {
				t.Fatalf("plan after the crash: exit 1\n%s\n%s", out, errs)
			}
			e.mustRun(0, "apply")
			e.mustRun(0, "verify")
			retired := []string{"aws_instance", "aws_security_group.load_balancers", "aws_security_group.databases"}
			for _, p := range exactlyOnce(before["source"], e.pullAll(), "source") {
				if !containsAny(p, retired) || !strings.Contains(p, "in 0 places") {
					t.Error(p)
				}
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
