package policy

import (
	"context"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/config"
	_ "stratum/internal/golden" // accepts -update like every test package
)

const snapshots = "../__snapshots__"

// snapshotInputs are every golden stack as a configuration input.
func snapshotInputs(t *testing.T) map[string]*Input {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(snapshots, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no snapshots in %s (%v)", snapshots, err)
	}
	out := map[string]*Input{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in, err := FromConfiguration(Stack{Name: name, Envs: config.Environments()}, raw)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = in
	}
	return out
}

// TestEveryStackPassesThePolicies: every synthesized stack (the golden
// snapshots, which TestSnapshots keeps equal to a synthesis) passes
// every deny rule.
func TestEveryStackPassesThePolicies(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range snapshotInputs(t) {
		fs, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Level == Deny {
				t.Errorf("%s", f)
			} else {
				t.Logf("%s", f)
			}
		}
		_ = name
	}
}

// TestRegoTests runs the policies' own tests (policy/rego/*_test.rego),
// as `opa test policy/rego` would.
func TestRegoTests(t *testing.T) {
	mods, err := parse(true)
	if err != nil {
		t.Fatal(err)
	}
	results, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).Run(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range results {
		n++
		if r.Error != nil {
			t.Errorf("%s: %v", r.Name, r.Error)
		} else if !r.Pass() {
			t.Errorf("%s failed", r.Name)
		}
	}
	if n < 30 {
		t.Errorf("ran %d Rego tests, want every test of policy/rego", n)
	}
}
