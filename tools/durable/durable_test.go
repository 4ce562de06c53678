package durable

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFile: the file holds the data with the mode asked for, a
// second write replaces it, and no temporary file is left beside it.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "plan.json")
	for _, c := range []struct {
		data string
		perm os.FileMode
	}{{"first", 0o600}, {"second, longer", 0o644}} {
		if err := WriteFile(p, []byte(c.data), c.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != c.data {
			t.Errorf("content: got %q, want %q", got, c.data)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != c.perm {
			t.Errorf("mode: got %v, want %v", fi.Mode().Perm(), c.perm)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Errorf("directory holds %d entries, want only plan.json (no temporary file left)", len(entries))
		}
	}
}

// TestWriteFileFails: a write into a missing directory fails and creates
// nothing; SyncDir of a missing directory fails.
func TestWriteFileFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone")
	if err := WriteFile(filepath.Join(missing, "x"), []byte("x"), 0o600); err == nil {
		t.Error("WriteFile into a missing directory: got nil, want an error")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("got %v, want the directory still missing", err)
	}
	if err := SyncDir(missing); err == nil {
		t.Error("SyncDir of a missing directory: got nil, want an error")
	}
}
