package migrate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/testkit/monolith"
	"stratum/tools/migrate"
)

// TestRealisticMonolith maps a monolith generated from the real prod
// stacks (every resource of every stack but bootstrap, at hand-written
// addresses with count and for_each instances and a module per client,
// references kept as the values they name) with no mapping file: at
// least 95 % of its instances map automatically, and none wrongly.
// make bench-migrate prints the same figure. The monolith is generated
// from the stacks the destinations are (the fixtures' clients, like every
// migration test), so that the figure holds whatever clients.All holds.
func TestRealisticMonolith(t *testing.T) {
	t.Parallel()
	snapshots := t.TempDir()
	stacks, err := filepath.Glob(filepath.Join(realSynthesis(t), "stacks", "*", "cdk.tf.json"))
	if err != nil || len(stacks) == 0 {
		t.Fatalf("the fixtures' synthesis holds no stacks (%v)", err)
	}
	for _, f := range stacks {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(snapshots, filepath.Base(filepath.Dir(f))+".json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := monolith.GenerateRealistic(snapshots, "prod")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, "fake")
	if err := os.WriteFile(e.source, monolith.Marshal(r.State), 0o600); err != nil {
		t.Fatal(err)
	}
	e.flags = []string{"-stacks", "*-prod"}
	_, out, errs := e.run("plan", "-json")
	if !strings.HasPrefix(strings.TrimSpace(out), "{") {
		t.Fatalf("plan: %s", errs)
	}
	l := ledger(t, out)
	auto := map[string]string{}
	for _, en := range l.Entries {
		if en.Action == migrate.ActionMove && en.By == "auto" {
			auto[en.Source] = en.Stack + ":" + en.Destination
		}
	}
	s := r.ScoreAgainst(auto)
	t.Logf("realistic monolith: %s", s)
	for _, w := range s.WrongMoves {
		t.Errorf("wrong automatic move: %s", w)
	}
	if s.Percent() < 95 {
		t.Errorf("automatic mapping: %s; want at least 95 %%", s)
		for _, m := range s.Missed {
			t.Logf("missed: %s", m)
		}
	}
}
