package review

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"stratum/tools/changes"
)

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func write(t *testing.T, dir, path string, v any) {
	t.Helper()
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	default:
		var err error
		if b, err = json.MarshalIndent(v, "", "  "); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// stack is a snapshot with resources (type → names) and cdktf metadata.
func stack(region string, resources map[string][]string) map[string]any {
	r := map[string]any{}
	for typ, names := range resources {
		m := map[string]any{}
		for _, n := range names {
			m[n] = map[string]any{"name": n, "//": map[string]any{"metadata": map[string]any{"path": "s/" + n}}}
		}
		r[typ] = m
	}
	return map[string]any{
		"//":       map[string]any{"metadata": map[string]any{"version": "0.20.11"}},
		"provider": map[string]any{"aws": []any{map[string]any{"region": region}}},
		"data":     map[string]any{"aws_caller_identity": map[string]any{"me": map[string]any{}}},
		"resource": r,
	}
}

// TestRun: against the commit, a stack added, one whose resources and
// provider changed, one removed, one whose cdktf metadata only changed,
// one unchanged; a generated file changed and the edit itself.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "__snapshots__/changed.json", stack("us-east-1", map[string][]string{"aws_s3_bucket": {"a", "b"}, "aws_kms_key": {"k"}}))
	write(t, dir, "__snapshots__/removed.json", stack("us-east-1", map[string][]string{"aws_s3_bucket": {"x", "y"}}))
	write(t, dir, "__snapshots__/same.json", stack("us-east-1", map[string][]string{"aws_s3_bucket": {"s"}}))
	meta := stack("us-east-1", map[string][]string{"aws_s3_bucket": {"m"}})
	write(t, dir, "__snapshots__/metadata.json", meta)
	write(t, dir, "pipeline.yml", "jobs:\n  a: 1\n")
	write(t, dir, "clients.go", "package clients\n")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")

	changed := stack("us-west-2", map[string][]string{"aws_s3_bucket": {"a", "c"}, "aws_kms_key": {"k"}})
	changed["resource"].(map[string]any)["aws_kms_key"].(map[string]any)["k"].(map[string]any)["name"] = "k2"
	write(t, dir, "__snapshots__/changed.json", changed)
	os.Remove(filepath.Join(dir, "__snapshots__/removed.json"))
	write(t, dir, "__snapshots__/added.json", stack("us-east-1", map[string][]string{"aws_s3_bucket": {"p", "q"}, "aws_kms_key": {"k"}}))
	meta["//"] = map[string]any{"metadata": map[string]any{"version": "0.20.12"}}
	write(t, dir, "__snapshots__/metadata.json", meta)
	write(t, dir, "pipeline.yml", "jobs:\n  a: 1\n  b: 2\n  c: 3\n")
	write(t, dir, "clients.go", "package clients\n\nvar All = 1\n")

	s, err := Run(context.Background(), Options{Repo: dir, Generated: []string{"pipeline.yml", "unchanged.yml"}})
	if err != nil {
		t.Fatal(err)
	}
	empty := []string{}
	want := []Stack{
		{Name: "added", Status: Added, Resources: map[string]int{"aws_kms_key": 1, "aws_s3_bucket": 2}, DataSources: 1},
		{Name: "changed", Status: Changed, Diff: &changes.StackDiff{
			Added: []string{"aws_s3_bucket.c"}, Removed: []string{"aws_s3_bucket.b"}, Changed: []string{"aws_kms_key.k"}, Blocks: []string{"provider"}}},
		{Name: "metadata", Status: Changed, Diff: &changes.StackDiff{Added: empty, Removed: empty, Changed: empty, Blocks: empty}},
		{Name: "removed", Status: Removed, Resources: map[string]int{"aws_s3_bucket": 2}, DataSources: 1},
	}
	if !reflect.DeepEqual(s.Stacks, want) {
		got, _ := json.MarshalIndent(s.Stacks, "", " ")
		t.Errorf("stacks:\n%s\nwant %+v", got, want)
	}
	if s.Unchanged != 1 {
		t.Errorf("unchanged = %d, want 1 (same)", s.Unchanged)
	}
	if want := []File{{Path: "pipeline.yml", Status: Changed, Added: 2}}; !reflect.DeepEqual(s.Generated, want) {
		t.Errorf("generated = %+v, want %+v", s.Generated, want)
	}
	if want := []File{{Path: "clients.go", Status: Changed, Added: 2}}; !reflect.DeepEqual(s.Other, want) {
		t.Errorf("other = %+v, want %+v", s.Other, want)
	}

	var out strings.Builder
	if err := s.Write(&out); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"1 stack added, 2 changed, 1 removed, 1 unchanged; 1 generated file changed.",
		"  + added     3 resources, 1 data source:\n      1 aws_kms_key, 2 aws_s3_bucket\n",
		"  ~ changed: 1 to add, 1 to change, 1 to destroy\n      ~ provider (a top-level block",
		"      - aws_s3_bucket.b\n      + aws_s3_bucket.c\n      ~ aws_kms_key.k\n",
		"  ~ metadata: cdktf metadata only, no Terraform change",
		"  - removed   2 resources, 1 data source:\n      2 aws_s3_bucket\n",
		"  ~ pipeline.yml  +2 -0 lines",
		"Other files changed:\n  ~ clients.go  +2 -0 lines",
	} {
		if !strings.Contains(out.String(), line) {
			t.Errorf("summary lacks %q:\n%s", line, out.String())
		}
	}
}

// TestRunNothing: a clean tree says so.
func TestRunNothing(t *testing.T) {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, "__snapshots__/same.json", stack("us-east-1", nil))
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "-m", "base")
	s, err := Run(context.Background(), Options{Repo: dir})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	s.Write(&out)
	if len(s.Stacks) != 0 || s.Unchanged != 1 || !strings.Contains(out.String(), "No stack and no generated file changed.") {
		t.Errorf("summary %+v:\n%s", s, out.String())
	}
	if _, err := Run(context.Background(), Options{Repo: dir, Base: "no-such-rev"}); err == nil || !strings.Contains(err.Error(), `base "no-such-rev" is not a commit`) {
		t.Errorf("unknown base: %v", err)
	}
}
