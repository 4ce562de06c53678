package changes

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"stratum/tools/synthesis"
)

// writeOutput writes side's stacks as a cdktf output directory.
func writeOutput(t *testing.T, side *Side) string {
	t.Helper()
	dir := t.TempDir()
	entries := map[string]any{}
	for _, st := range side.Graph.Stacks {
		rel := "stacks/" + st.Name + "/cdk.tf.json"
		entries[st.Name] = map[string]any{"dependencies": st.Dependencies, "synthesizedStackPath": rel, "workingDirectory": "stacks/" + st.Name}
		if err := os.MkdirAll(filepath.Join(dir, "stacks", st.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), side.stacks[st.Name].raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, _ := json.Marshal(map[string]any{"stacks": entries, "version": "0.20.11"})
	if err := os.WriteFile(filepath.Join(dir, synthesis.ManifestFile), m, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// indexEntries are the index's entries by path, each with the JSON of
// its facts.
func indexEntries(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(filepath.Dir(p)) == "tmp" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(b), "\n", 4)
		_, js, _ := strings.Cut(lines[2], " ")
		out[p] = js
		return nil
	})
	return out
}

// TestIndexNeverChangesTheSelection: comparing through an index selects
// what comparing without one selects — the index empty, filled, damaged
// in every entry — and an entry forged with a valid checksum to say that
// a changed stack has the base's digest still leaves it changed: whether
// a stack changed is decided from its bytes, never from the index.
func TestIndexNeverChangesTheSelection(t *testing.T) {
	baseDir := writeOutput(t, revision(t, 0, 0, 0))
	headDir := writeOutput(t, revision(t, 1, 0, 1)) // foundation and bootstrap changed; platform reads the VPC id
	compare := func(idx *synthesis.Index) *Report {
		t.Helper()
		base, err := LoadSide(baseDir, idx)
		if err != nil {
			t.Fatal(err)
		}
		head, err := LoadSide(headDir, idx)
		if err != nil {
			t.Fatal(err)
		}
		return Compare(base, head)
	}
	want := compare(nil)
	if !reflect.DeepEqual(want.Changed, []string{"bootstrap-dev", "foundation-dev"}) || !reflect.DeepEqual(want.Reads, []string{"platform-dev"}) {
		t.Fatalf("without an index: changed %v, reads %v; want bootstrap-dev and foundation-dev, and platform-dev reading", want.Changed, want.Reads)
	}
	dir := t.TempDir()
	idx := synthesis.OpenIndex(dir)
	for _, round := range []string{"empty index", "filled index"} {
		if got := compare(idx); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v\nwant %+v", round, got, want)
		}
	}
	entries := indexEntries(t, dir)
	if len(entries) != 6 {
		t.Fatalf("%d index entries, want one per distinct stack file of both sides (6: platform-dev and services-dev are the same bytes in both)", len(entries))
	}
	for p := range entries {
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, bytes.Replace(b, []byte(`"environment":"dev"`), []byte(`"environment":"prd"`), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := compare(idx); !reflect.DeepEqual(got, want) {
		t.Errorf("every entry damaged: %+v\nwant %+v", got, want)
	}

	// Forge: the head's foundation-dev entry says the base's digest.
	head, _ := LoadSide(headDir, nil)
	base, _ := LoadSide(baseDir, nil)
	entries = indexEntries(t, dir)
	forged := 0
	for p, js := range entries {
		if !strings.Contains(js, head.Digest("foundation-dev")) {
			continue
		}
		js = strings.Replace(js, head.Digest("foundation-dev"), base.Digest("foundation-dev"), 1)
		sum := sha256.Sum256([]byte(js))
		b, _ := os.ReadFile(p)
		lines := strings.SplitN(string(b), "\n", 4)
		if err := os.WriteFile(p, fmt.Appendf(nil, "%s\n%s\n%s %s\n", lines[0], lines[1], hex.EncodeToString(sum[:]), js), 0o644); err != nil {
			t.Fatal(err)
		}
		forged++
	}
	if forged != 1 {
		t.Fatalf("forged %d entries, want foundation-dev's", forged)
	}
	if got := compare(idx); !slices.Contains(got.Changed, "foundation-dev") || !slices.Contains(got.Reads, "platform-dev") {
		t.Errorf("with a forged entry: changed %v, reads %v; want foundation-dev changed and platform-dev reading", got.Changed, got.Reads)
	}
}
