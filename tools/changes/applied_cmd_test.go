package changes

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stratum/applied"
	"stratum/testkit/monolith"
	"stratum/tools/synthesis"
)

// TestAppliedFetch: fetch writes what the AWS CLI printed for the
// environment's records, refuses a parameter that is no record, and
// names the verb on usage errors.
func TestAppliedFetch(t *testing.T) {
	good := `{"Parameters":[{"Name":"/stratum-applied/dev/foundation-dev","Value":"{\"commit\":\"` + strings.Repeat("a", 40) + `\",\"digest\":\"sha256:` + strings.Repeat("0", 64) + `\"}"}]}`
	cases := []struct {
		name, out string
		args      []string
		code      int
		stderr    string
	}{
		{"fetch", good, []string{"fetch", "-env", "dev"}, 0, ""},
		{"not a record", `{"Parameters":[{"Name":"/stratum-applied/dev/foundation-dev","Value":"main"}]}`, []string{"fetch", "-env", "dev"}, 1, "not a record"},
		{"no verb", good, []string{"-env", "dev"}, 64, "missing verb"},
		{"unknown environment", good, []string{"fetch", "-env", "qa"}, 64, "-env"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var calls []string
			aws := func(args ...string) ([]byte, error) {
				calls = append(calls, strings.Join(args, " "))
				return []byte(c.out), nil
			}
			var stdout, stderr bytes.Buffer
			code := appliedMain(context.Background(), append(c.args, "-out", dir), &stdout, &stderr, aws)
			if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, stderr.String(), c.code, c.stderr)
			}
			if code != 0 {
				return
			}
			if want := "ssm get-parameters-by-path --path " + applied.Path("dev") + " --recursive"; len(calls) != 1 || calls[0] != want {
				t.Errorf("aws calls %v, want %q", calls, want)
			}
			recs, envs, err := LoadApplied(dir)
			if err != nil || len(recs) != 1 || envs[0] != "dev" {
				t.Errorf("Load after fetch: %v %v %v", recs, envs, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "dev.json")); err != nil {
				t.Error(err)
			}
		})
	}
}

// goldenWithPreProd lays the golden files out as a synthesis (no jsii)
// and adds foundation-pre-prod, built for an environment "pre-prod"
// (its default tags say so): a name ending in -prod that is not prod's,
// which only the synthesis reader can tell apart.
func goldenWithPreProd(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := monolith.GoldenSynthesis(filepath.Join("..", "..", "__snapshots__"), dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "stacks", "foundation-dev", "cdk.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(raw), `"Environment": "dev"`, `"Environment": "pre-prod"`, 1)
	if doc == string(raw) {
		t.Fatal("foundation-dev's golden file has no Environment default tag to change")
	}
	m, err := synthesis.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	stacks := map[string]json.RawMessage{}
	for name, e := range m.Entries {
		stacks[name] = json.RawMessage(e.Raw)
	}
	stacks["foundation-pre-prod"] = json.RawMessage(`{"name":"foundation-pre-prod","synthesizedStackPath":"stacks/foundation-pre-prod/cdk.tf.json","workingDirectory":"stacks/foundation-pre-prod"}`)
	b, err := json.Marshal(map[string]any{"version": json.RawMessage(m.Version), "stacks": stacks})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "stacks", "foundation-pre-prod"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stacks", "foundation-pre-prod", "cdk.tf.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, synthesis.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestAppliedList: list compares the records with the stacks the
// synthesis says were built for the environment (their tags, not their
// names): prod's stacks are listed, foundation-pre-prod is not, a stack
// whose record matches is applied, one whose record differs is pending,
// one without a record was never applied, and a record without a stack
// was removed; exit 2 while something is to be applied.
func TestAppliedList(t *testing.T) {
	dir := goldenWithPreProd(t)
	side, err := LoadSide(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	commit := strings.Repeat("a", 40)
	rec := func(stack, digest string) string {
		v, _ := json.Marshal(applied.Record{Commit: commit, Digest: digest}.JSON())
		return `{"Name":"` + applied.ParameterName("prod", stack) + `","Value":` + string(v) + `}`
	}
	other := "sha256:" + strings.Repeat("0", 64)
	var prod []string
	for _, name := range side.Graph.Names() {
		if s, _ := side.Graph.Stack(name); s.Environment == "prod" {
			prod = append(prod, name)
		}
	}
	allApplied := make([]string, 0, len(prod))
	for _, name := range prod {
		allApplied = append(allApplied, rec(name, wantDigest(t, side, name)))
	}
	cases := []struct {
		name    string
		records []string
		code    int
		want    []string
	}{
		{"every stack applied", allApplied, 0, []string{"foundation-prod  applied  aaaaaaa"}},
		{"pending, never applied, removed",
			append(slices.Clone(allApplied[1:]), rec("foundation-prod", other), rec("database-gone-prod", other)), 2,
			[]string{prod[0] + "  never applied", "foundation-prod  pending", "database-gone-prod  removed (recorded, not synthesized)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			aws := func(args ...string) ([]byte, error) {
				return []byte(`{"Parameters":[` + strings.Join(c.records, ",") + `]}`), nil
			}
			var stdout, stderr bytes.Buffer
			code := appliedMain(context.Background(), []string{"list", "-env", "prod", "-dir", dir}, &stdout, &stderr, aws)
			if code != c.code {
				t.Fatalf("code %d, want %d; stderr %q\n%s", code, c.code, stderr.String(), stdout.String())
			}
			out := regexp.MustCompile(` {2,}`).ReplaceAllString(stdout.String(), "  ")
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("list does not say %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "pre-prod") {
				t.Errorf("list -env prod lists foundation-pre-prod, a stack of pre-prod (its tags say so):\n%s", out)
			}
			for _, name := range prod {
				if !strings.Contains(out, name+"  ") {
					t.Errorf("list -env prod does not list %s:\n%s", name, out)
				}
			}
		})
	}
}

// TestAppliedRecord: record puts the record of the stack the synthesis
// holds (commit HEAD, the digest of its Terraform) and refuses a stack
// that the synthesis says belongs to another environment, whatever its
// name ends with, before asking AWS anything.
func TestAppliedRecord(t *testing.T) {
	dir := goldenWithPreProd(t)
	side, err := LoadSide(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	head, err := git(context.Background(), repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(repo)
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
		put    string
	}{
		{"a stack of the environment", []string{"-env", "prod", "-stack", "foundation-prod"}, 0, "",
			"ssm put-parameter --name " + applied.ParameterName("prod", "foundation-prod") + " --type String --overwrite --value " +
				applied.Record{Commit: head, Digest: wantDigest(t, side, "foundation-prod")}.JSON()},
		{"a stack of another environment named like one of it", []string{"-env", "prod", "-stack", "foundation-pre-prod"}, 64, `foundation-pre-prod" is a stack of pre-prod`, ""},
		{"a stack of another environment", []string{"-env", "prod", "-stack", "foundation-dev"}, 64, `foundation-dev" is a stack of dev`, ""},
		{"a stack the synthesis does not hold", []string{"-env", "prod", "-stack", "client-nobody-prod"}, 1, "holds no stack client-nobody-prod", ""},
		{"no stack", []string{"-env", "prod"}, 64, "missing required flag -stack", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			aws := func(args ...string) ([]byte, error) {
				calls = append(calls, strings.Join(args, " "))
				return []byte(`{}`), nil
			}
			var stdout, stderr bytes.Buffer
			code := appliedMain(context.Background(), append([]string{"record", "-dir", dir}, c.args...), &stdout, &stderr, aws)
			if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, stderr.String(), c.code, c.stderr)
			}
			switch {
			case c.put == "" && len(calls) > 0:
				t.Errorf("asked AWS %q, want nothing", calls)
			case c.put != "" && (len(calls) != 1 || calls[0] != c.put):
				t.Errorf("aws calls %q, want %q", calls, c.put)
			}
		})
	}
}

// wantDigest is the record digest of a stack computed from its Terraform
// (applied.Digest of its canonical form), independently of the digest the
// side reads through the synthesis index.
func wantDigest(t *testing.T, side *Side, name string) string {
	t.Helper()
	tf, ok := side.Terraform(name)
	if !ok {
		t.Fatalf("the synthesis holds no stack %s", name)
	}
	d := applied.Digest(canonical(tf))
	if got := side.Digest(name); got != d {
		t.Fatalf("side.Digest(%s) = %s, want %s (applied.Digest of its canonical Terraform)", name, got, d)
	}
	return d
}
