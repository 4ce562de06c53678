package scan

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// report is testdata/trivy.json, trivy's JSON report of a scan of the
// HCL export (recorded from a real run of the pinned version).
func report(t *testing.T) []Finding {
	t.Helper()
	b, err := os.ReadFile("testdata/trivy.json")
	if err != nil {
		t.Fatal(err)
	}
	fs, err := ParseReport(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatal("the recorded report has no finding")
	}
	return fs
}

// accept is an ignore file accepting exactly the given findings.
func accept(fs []Finding) Ignores {
	var ig Ignores
	for _, f := range fs {
		ig.Misconfigurations = append(ig.Misconfigurations, Entry{ID: f.ID, Paths: []string{f.Target}, Statement: "accepted in the test"})
	}
	return ig
}

func TestJudge(t *testing.T) {
	fs := report(t)
	var high []Finding
	for _, f := range fs {
		if f.Severity == "HIGH" || f.Severity == "CRITICAL" {
			high = append(high, f)
		}
	}
	if len(high) == 0 {
		t.Fatal("the recorded report has no HIGH or CRITICAL finding")
	}
	t.Run("nothing accepted", func(t *testing.T) {
		v := Judge(fs, Ignores{})
		if len(v.Failing) != len(high) || len(v.Stale) != 0 {
			t.Errorf("failing %d, stale %d; want %d failing", len(v.Failing), len(v.Stale), len(high))
		}
	})
	t.Run("every finding accepted", func(t *testing.T) {
		v := Judge(fs, accept(fs))
		if len(v.Failing) != 0 || len(v.Stale) != 0 || len(v.Accepted) != len(fs) {
			t.Errorf("%+v", v)
		}
	})
	t.Run("one finding left out", func(t *testing.T) {
		ig := accept(fs)
		for i, e := range ig.Misconfigurations {
			if e.ID == high[0].ID && e.Paths[0] == high[0].Target {
				ig.Misconfigurations = append(ig.Misconfigurations[:i:i], ig.Misconfigurations[i+1:]...)
				break
			}
		}
		v := Judge(fs, ig)
		if len(v.Failing) == 0 || v.Failing[0].ID != high[0].ID {
			t.Errorf("failing %v, want %s", v.Failing, high[0])
		}
	})
	t.Run("a stale entry", func(t *testing.T) {
		ig := accept(fs)
		ig.Misconfigurations = append(ig.Misconfigurations, Entry{ID: "AVD-AWS-9999", Paths: []string{"*/cdk.tf"}, Statement: "fixed long ago"})
		v := Judge(fs, ig)
		if len(v.Stale) != 1 || v.Stale[0].ID != "AVD-AWS-9999" {
			t.Errorf("stale %v, want AVD-AWS-9999", v.Stale)
		}
	})
	t.Run("an entry of another path is stale and accepts nothing", func(t *testing.T) {
		ig := Ignores{Misconfigurations: []Entry{{ID: high[0].ID, Paths: []string{"no-such-stack/cdk.tf"}, Statement: "x"}}}
		v := Judge(fs, ig)
		if len(v.Stale) != 1 || len(v.Failing) != len(high) {
			t.Errorf("stale %v failing %d", v.Stale, len(v.Failing))
		}
	})
	t.Run("a glob", func(t *testing.T) {
		ig := Ignores{Misconfigurations: []Entry{{ID: high[0].ID, Paths: []string{"*/cdk.tf"}, Statement: "x"}}}
		for _, f := range Judge(fs, ig).Failing {
			if f.ID == high[0].ID {
				t.Errorf("%s not accepted by */cdk.tf", f)
			}
		}
	})
}

func TestParseIgnores(t *testing.T) {
	for name, c := range map[string]struct {
		yaml string
		ok   bool
	}{
		"complete":     {"misconfigurations:\n  - id: AVD-AWS-0001\n    paths: [\"bootstrap-*/cdk.tf\"]\n    statement: why\n", true},
		"empty":        {"misconfigurations: []\n", true},
		"no statement": {"misconfigurations:\n  - id: AVD-AWS-0001\n    paths: [\"x/cdk.tf\"]\n", false},
		"no paths":     {"misconfigurations:\n  - id: AVD-AWS-0001\n    statement: why\n", false},
		"no id":        {"misconfigurations:\n  - paths: [\"x\"]\n    statement: why\n", false},
		"unknown key":  {"misconfigurations:\n  - id: A\n    paths: [x]\n    statement: y\n    expires: z\n", false},
		"bad glob":     {"misconfigurations:\n  - id: A\n    paths: [\"[\"]\n    statement: y\n", false},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseIgnores([]byte(c.yaml)); (err == nil) != c.ok {
				t.Errorf("error %v, want ok=%v", err, c.ok)
			}
		})
	}
}

// TestCommittedIgnoreFile: the repository's ignore file parses (every
// entry with an id, paths and a reason) and, judged against the recorded
// scan of the pinned version, accepts every finding and holds no stale
// entry. make scan and the pull-request pipelines judge it against a
// fresh scan of the working tree; re-record testdata/trivy.json when an
// entry changes (docs/cicd-integration.md, "Security scanning").
func TestCommittedIgnoreFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", ".trivyignore.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ig, err := ParseIgnores(b)
	if err != nil {
		t.Fatal(err)
	}
	v := Judge(report(t), ig)
	for _, f := range v.Failing {
		t.Errorf("not accepted by .trivyignore.yaml: %s", f)
	}
	for _, e := range v.Stale {
		t.Errorf(".trivyignore.yaml: %s %v matches no finding of the recorded scan: remove it", e.ID, e.Paths)
	}
}

func TestMain_(t *testing.T) {
	var out, errs bytes.Buffer
	ig := filepath.Join(t.TempDir(), "ignore.yaml")
	os.WriteFile(ig, []byte("misconfigurations: []\n"), 0o644)
	if code := Main(context.Background(), []string{"-report", "testdata/trivy.json", "-ignore", ig}, &out, &errs); code != 1 || !strings.Contains(out.String(), "FAIL") {
		t.Errorf("code %d\n%s%s", code, out.String(), errs.String())
	}
	if code := Main(context.Background(), nil, &out, &errs); code != 64 {
		t.Errorf("no -report: code %d, want 64", code)
	}
}
