package generate

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWrite: every file lands under root with its content, replacing what
// was there, in new directories too, and no temporary file stays behind.
func TestWrite(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "old.yml"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"old.yml": []byte("new"), ".github/workflows/plan.yml": []byte("plan")}
	if err := Write(root, files); err != nil {
		t.Fatal(err)
	}
	for p, want := range files {
		got, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %q (%v), want %q", p, got, err, want)
		}
	}
	var all []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			all = append(all, rel)
		}
		return nil
	})
	slices.Sort(all)
	if want := []string{".github/workflows/plan.yml", "old.yml"}; !slices.Equal(all, want) {
		t.Errorf("files under root %v, want only %v", all, want)
	}
}

// TestWriteFails: a file that cannot be written is named in the error.
func TestWriteFails(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "docs"), []byte("a file where a directory must be"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(root, map[string][]byte{"docs/x.md": []byte("x")})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "docs")) {
		t.Fatalf("got %v, want an error naming %s", err, filepath.Join(root, "docs"))
	}
}
