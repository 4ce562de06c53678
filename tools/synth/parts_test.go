package synth

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"stratum/stacks"
	"stratum/tools/synthesis"
)

// The engine's parts, tested without a jsii runtime.

// TestMergeManifestReproducesCdktf: splitting a manifest cdktf wrote
// (testdata/manifest.json, cdktf 0.20.11, 20 stacks) into entries and
// merging them again gives back the same bytes.
func TestMergeManifestReproducesCdktf(t *testing.T) {
	want, err := os.ReadFile("testdata/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := readManifest("testdata")
	if err != nil {
		t.Fatal(err)
	}
	// Plan order is not name order; merging must sort.
	var units []stacks.Unit
	var list []*manifestEntry
	for name, e := range entries {
		units = append(units, stacks.Unit{Name: name})
		list = append(list, e)
	}
	got, err := mergeManifest(units, list)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("merged manifest differs from cdktf's:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestMergeManifestErrors(t *testing.T) {
	entry := func(deps, version string) *manifestEntry {
		e := &manifestEntry{Raw: `{"dependencies": [` + deps + `]}`, Version: version}
		if err := e.parse(); err != nil {
			t.Fatal(err)
		}
		return e
	}
	cases := []struct {
		name    string
		entries []*manifestEntry
		want    string
	}{
		{"dependency outside the plan", []*manifestEntry{entry(`"b"`, `"1"`), entry(`"gone"`, `"1"`)}, "stack b depends on gone, which is not a stack of the app"},
		{"two cdktf versions", []*manifestEntry{entry(``, `"1"`), entry(``, `"2"`)}, "synthesized by cdktf"},
		{"missing entry", []*manifestEntry{entry(``, `"1"`), nil}, "stack b has no manifest entry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mergeManifest([]stacks.Unit{{Name: "a"}, {Name: "b"}}, tc.entries)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadManifestRefusesUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"manifest.json": `{"stacks": {}, "version": "1", "extra": true}`})
	if _, err := readManifest(dir); err == nil || !strings.Contains(err.Error(), `unknown key "extra"`) {
		t.Errorf("got error %v, want one naming the unknown key", err)
	}
}

func TestChooseWorkers(t *testing.T) {
	cases := []struct {
		name               string
		cost, cores, procs int
		mem                int64
		want               int
	}{
		{"today's app stays in one process", 1200, 2, 2, 16 << 30, 1},
		{"just under two processes' worth", 2*elementsPerWorker - 1, 8, 8, 16 << 30, 1},
		{"100 clients on 2 cores", 31000, 2, 2, 16 << 30, 2},
		{"100 clients on 8 cores", 31000, 8, 8, 16 << 30, 8},
		{"GOMAXPROCS below the cores (cgroup limit)", 31000, 8, 3, 16 << 30, 3},
		{"memory for two", 31000, 8, 8, 3 << 30, 2},
		{"memory unknown", 31000, 4, 4, 0, 4},
		{"not even memory for one", 31000, 4, 4, 1 << 30, 1},
		{"nothing to do", 0, 4, 4, 16 << 30, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := chooseWorkers(tc.cost, tc.cores, tc.procs, tc.mem); got != tc.want {
				t.Errorf("chooseWorkers(%d, %d, %d, %d) = %d, want %d", tc.cost, tc.cores, tc.procs, tc.mem, got, tc.want)
			}
		})
	}
}

func TestPartition(t *testing.T) {
	units := func(costs ...int) []stacks.Unit {
		out := make([]stacks.Unit, len(costs))
		for i, c := range costs {
			out[i] = stacks.Unit{Name: string(rune('a' + i)), Cost: c}
		}
		return out
	}
	cases := []struct {
		name  string
		units []stacks.Unit
		idx   []int
		k     int
		want  [][]int
	}{
		{"one process takes all", units(5, 1, 3), []int{0, 1, 2}, 1, [][]int{{0, 1, 2}}},
		{"costliest first, each part in plan order", units(1, 9, 4, 4, 2), []int{0, 1, 2, 3, 4}, 2, [][]int{{0, 1}, {2, 3, 4}}},
		{"balanced by cost, not count", units(10, 10, 1, 1, 1, 1), []int{0, 1, 2, 3, 4, 5}, 2, [][]int{{0, 2, 4}, {1, 3, 5}}},
		{"never more parts than stacks", units(3, 3), []int{0, 1}, 5, [][]int{{0}, {1}}},
		{"only the given stacks", units(3, 3, 3, 3), []int{1, 3}, 2, [][]int{{1}, {3}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := partition(tc.units, tc.idx, tc.k); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("partition(k=%d) = %v, want %v", tc.k, got, tc.want)
			}
		})
	}
}

func TestCacheRoundTrip(t *testing.T) {
	c, err := newCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stack := t.TempDir()
	writeFiles(t, stack, map[string]string{"cdk.tf.json": `{"resource": {}}`, "assets/a/file.txt": "asset"})
	e := &manifestEntry{Raw: "{\n      \"dependencies\": [\n        \"x\"\n      ]\n    }", Version: `"0.20.11"`}
	key := strings.Repeat("ab", 32)
	if err := c.store(key, stack, e); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "stack")
	got, ok := c.load(key, dst)
	if !ok {
		t.Fatal("load missed an entry just stored")
	}
	if got.Raw != e.Raw || got.Version != e.Version || !reflect.DeepEqual(got.deps, []string{"x"}) {
		t.Errorf("loaded entry %+v, want %+v with deps [x]", got, e)
	}
	if !reflect.DeepEqual(readTree(t, dst), readTree(t, stack)) {
		t.Errorf("loaded files %v, want %v", slices.Sorted(maps.Keys(readTree(t, dst))), slices.Sorted(maps.Keys(readTree(t, stack))))
	}
	if _, ok := c.load(strings.Repeat("cd", 32), t.TempDir()); ok {
		t.Error("load hit a key never stored")
	}
}

// TestCacheDamagedEntry: a damaged entry is a miss, is removed, and
// writes nothing.
func TestCacheDamagedEntry(t *testing.T) {
	damage := map[string]func([]byte) []byte{
		"flipped byte": func(b []byte) []byte { b[len(b)-3] ^= 1; return b },
		"truncated":    func(b []byte) []byte { return b[:len(b)-5] },
		"trailing":     func(b []byte) []byte { return append(b, 'x') },
		"other format": func(b []byte) []byte { return append([]byte("stratum-synth-cache 0"), b[bytes.IndexByte(b, '\n'):]...) },
		"empty":        func([]byte) []byte { return nil },
		// An entry copied or restored under another key's name.
		"another key": func(b []byte) []byte {
			return bytes.Replace(b, []byte(strings.Repeat("ef", 32)), []byte(strings.Repeat("01", 32)), 1)
		},
	}
	for name, f := range damage {
		t.Run(name, func(t *testing.T) {
			c, err := newCache(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			stack := t.TempDir()
			writeFiles(t, stack, map[string]string{"cdk.tf.json": `{"resource": {"x": 1}}`})
			key := strings.Repeat("ef", 32)
			if err := c.store(key, stack, &manifestEntry{Raw: "{}", Version: `"1"`}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(c.path(key))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(c.path(key), f(b), 0o644); err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "stack")
			if _, ok := c.load(key, dst); ok {
				t.Fatal("load hit a damaged entry")
			}
			if _, err := os.Stat(c.path(key)); !os.IsNotExist(err) {
				t.Errorf("damaged entry still there (stat: %v)", err)
			}
			if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Errorf("load of a damaged entry wrote %s", dst)
			}
		})
	}
}

func TestCachePrune(t *testing.T) {
	c, err := newCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c.minBudget = 100
	now := time.Now()
	entry := func(key string, size int, age time.Duration) {
		t.Helper()
		p := c.path(key)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, now.Add(-age), now.Add(-age))
	}
	key := func(c byte) string { return strings.Repeat(string(c), 64) }
	entry(key('a'), 10, maxAge+time.Hour) // used this run, however old: kept
	entry(key('b'), 10, maxAge+time.Hour) // unused for longer than maxAge: removed
	entry(key('c'), 10, time.Hour)        // recent and small: kept
	entry(key('d'), 100, 2*time.Hour)     // beyond the budget with a and c: removed
	entry(key('e'), 10, 3*time.Hour)      // older than d, so removed with it (LRU)
	tmp := filepath.Join(c.dir, "tmp", "left-by-a-crash")
	writeFiles(t, filepath.Dir(tmp), map[string]string{filepath.Base(tmp): "x"})
	os.Chtimes(tmp, now.Add(-48*time.Hour), now.Add(-48*time.Hour))

	if err := c.prune([]string{key('a')}); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[byte]bool{'a': true, 'b': false, 'c': true, 'd': false, 'e': false} {
		_, err := os.Stat(c.path(key(k)))
		if got := err == nil; got != want {
			t.Errorf("entry %c: kept=%t, want %t", k, got, want)
		}
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept (stat: %v)", err)
	}
}

// TestPublishKeepsOtherFiles: publishing replaces what cdktf writes and
// leaves the rest, like .terraform of a deployed stack, as it was.
func TestPublishKeepsOtherFiles(t *testing.T) {
	staged, out := t.TempDir(), t.TempDir()
	writeFiles(t, staged, map[string]string{"manifest.json": "new manifest", "stacks/a/cdk.tf.json": "new a", "stacks/b/cdk.tf.json": "new b"})
	writeFiles(t, out, map[string]string{"manifest.json": "old", "stacks/a/cdk.tf.json": "old a", "stacks/a/.terraform/providers": "kept", "stacks/old/cdk.tf.json": "kept too"})
	if err := publish(staged, out, []stacks.Unit{{Name: "a"}, {Name: "b"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"manifest.json": "new manifest", "stacks/a/cdk.tf.json": "new a", "stacks/b/cdk.tf.json": "new b",
		"stacks/a/.terraform/providers": "kept", "stacks/old/cdk.tf.json": "kept too",
	}
	for p, content := range want {
		if b, err := os.ReadFile(filepath.Join(out, p)); err != nil || string(b) != content {
			t.Errorf("%s: got %q (%v), want %q", p, b, err, content)
		}
	}
}

// gofile is a Go file's content for fstest trees.
func gofile(pkg string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("package " + pkg + "\n")}
}

func moduleTree() fstest.MapFS {
	return fstest.MapFS{
		"go.mod":                   {Data: []byte("module stratum\n")},
		"go.sum":                   {Data: []byte("")},
		"package-lock.json":        {Data: []byte("{}")},
		"main.go":                  gofile("main"),
		"clients/clients.go":       gofile("clients"),
		"clients/client.go":        gofile("clients"),
		"config/environments.go":   gofile("config"),
		"stacks/stack.go":          gofile("stacks"),
		"stacks/stack_test.go":     gofile("stacks"),
		"stacks/testdata/x.go":     gofile("x"),
		"_scratch/y.go":            gofile("y"),
		".gen/pacmak/go/k/go.mod":  {Data: []byte("module k\n")},
		".gen/pacmak/go/k/k.go":    gofile("k"),
		"gen/other/go.mod":         {Data: []byte("module other\n")},
		"gen/other/other.go":       gofile("other"),
		"node_modules/pkg/z.go":    gofile("z"),
		"__snapshots__/stack.json": {Data: []byte("{}")},
		"docs/architecture.md":     {Data: []byte("# docs")},
	}
}

func TestSourceFiles(t *testing.T) {
	got, err := SourceFiles(moduleTree())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"clients/client.go", "go.mod", "go.sum", "main.go", "package-lock.json", "stacks/stack.go"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SourceFiles = %v, want %v", got, want)
	}
}

func TestFingerprint(t *testing.T) {
	base, err := Fingerprint(moduleTree())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		edit    func(fstest.MapFS)
		changes bool
	}{
		{"a Go file", func(m fstest.MapFS) {
			m["stacks/stack.go"] = &fstest.MapFile{Data: []byte("package stacks // edited\n")}
		}, true},
		{"a new Go file", func(m fstest.MapFS) { m["stacks/new.go"] = gofile("stacks") }, true},
		{"a renamed Go file", func(m fstest.MapFS) { m["stacks/moved.go"] = m["stacks/stack.go"]; delete(m, "stacks/stack.go") }, true},
		{"go.sum", func(m fstest.MapFS) { m["go.sum"] = &fstest.MapFile{Data: []byte("x v1 h1:y\n")} }, true},
		{"package-lock.json", func(m fstest.MapFS) { m["package-lock.json"] = &fstest.MapFile{Data: []byte(`{"v": 2}`)} }, true},
		{"the clients", func(m fstest.MapFS) {
			m["clients/clients.go"] = &fstest.MapFile{Data: []byte("package clients // a client more\n")}
		}, false},
		{"the environments", func(m fstest.MapFS) {
			m["config/environments.go"] = &fstest.MapFile{Data: []byte("package config // edited\n")}
		}, false},
		{"a test", func(m fstest.MapFS) {
			m["stacks/stack_test.go"] = &fstest.MapFile{Data: []byte("package stacks // edited\n")}
		}, false},
		{"another module", func(m fstest.MapFS) {
			m["gen/other/other.go"] = &fstest.MapFile{Data: []byte("package other // edited\n")}
		}, false},
		{"docs", func(m fstest.MapFS) { m["docs/architecture.md"] = &fstest.MapFile{Data: []byte("# edited")} }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := moduleTree()
			tc.edit(m)
			got, err := Fingerprint(m)
			if err != nil {
				t.Fatal(err)
			}
			if changed := got != base; changed != tc.changes {
				t.Errorf("editing %s: fingerprint changed=%t, want %t", tc.name, changed, tc.changes)
			}
		})
	}
}

func TestFingerprintNeedsTheKnownFiles(t *testing.T) {
	for _, f := range append(append([]string{}, DataFiles...), moduleFiles...) {
		t.Run(f, func(t *testing.T) {
			m := moduleTree()
			delete(m, f)
			if _, err := Fingerprint(m); err == nil || !strings.Contains(err.Error(), filepath.Base(f)) {
				t.Errorf("without %s: got error %v, want one naming it", f, err)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	base := Environment()
	cases := []struct {
		key     string
		changes bool
	}{
		{"CDKTF_CONTEXT_JSON", true},
		{"SYNTH_HCL_OUTPUT", true},
		{"JSII_NODE", true},
		{"CDKTF_OUTDIR", false},
		{"HOME_OF_SOMETHING_ELSE", false},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			t.Setenv(tc.key, "set-by-test")
			if tc.key == "JSII_NODE" {
				t.Setenv(tc.key, "node") // still a working node
			}
			if changed := Environment() != base; changed != tc.changes {
				t.Errorf("setting %s: environment changed=%t, want %t", tc.key, changed, tc.changes)
			}
		})
	}
}

func TestOptionsFromEnv(t *testing.T) {
	cases := []struct {
		name, workers, cache string
		wantWorkers          int
		wantCache, wantErr   string
		wantOff              string
	}{
		{name: "defaults", wantCache: "/.cache/synth"},
		{name: "workers", workers: "3", wantWorkers: 3, wantCache: "/.cache/synth"},
		{name: "bad workers", workers: "many", wantErr: `STRATUM_SYNTH_WORKERS="many"`},
		{name: "zero workers", workers: "0", wantErr: "1 or more"},
		{name: "cache off", cache: "off", wantOff: "STRATUM_SYNTH_CACHE=off"},
		{name: "cache elsewhere", cache: "/somewhere/else", wantCache: "/somewhere/else"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(WorkersEnv, tc.workers)
			t.Setenv(CacheEnv, tc.cache)
			opts, err := OptionsFromEnv(moduleSource)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if opts.Workers != tc.wantWorkers || !strings.HasSuffix(opts.CacheDir, tc.wantCache) || (tc.wantCache == "") != (opts.CacheDir == "") || opts.cacheOff != tc.wantOff {
				t.Errorf("got workers %d, cache %q (off: %q); want %d, …%q (off: %q)", opts.Workers, opts.CacheDir, opts.cacheOff, tc.wantWorkers, tc.wantCache, tc.wantOff)
			}
		})
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "clients", "clients.go")); err != nil {
		t.Errorf("ModuleRoot(.) = %s, which has no clients/clients.go", root)
	}
	if _, err := ModuleRoot(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not inside the Stratum module") {
		t.Errorf("ModuleRoot(temp dir): got error %v, want one saying it is outside the module", err)
	}
}

func TestRemoveStaleStaging(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	now := time.Now()
	for name, age := range map[string]time.Duration{
		stagingPrefix + "killed": 25 * time.Hour, stagingPrefix + "running": time.Hour, "stratum-synth.other": 48 * time.Hour,
	} {
		if err := os.Mkdir(filepath.Join(tmp, name), 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(filepath.Join(tmp, name), now.Add(-age), now.Add(-age))
	}
	removeStaleStaging(now)
	for name, want := range map[string]bool{stagingPrefix + "killed": false, stagingPrefix + "running": true, "stratum-synth.other": true} {
		if _, err := os.Stat(filepath.Join(tmp, name)); (err == nil) != want {
			t.Errorf("%s: kept=%t, want %t", name, err == nil, want)
		}
	}
}

// TestCacheStoreIndexes: storing a stack adds its cdk.tf.json's facts to
// the cache's synthesis index (what `stratum changed` reads), and the
// index's entries are pruned like the cache's.
func TestCacheStoreIndexes(t *testing.T) {
	c, err := newCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stack := t.TempDir()
	raw := `{"provider":{"aws":[{"default_tags":[{"tags":{"Environment":"dev","Layer":"foundation"}}]}]},"terraform":{"backend":{"s3":{}}}}`
	writeFiles(t, stack, map[string]string{"cdk.tf.json": raw, "assets/a/file.txt": "asset"})
	e := &manifestEntry{Raw: `{"synthesizedStackPath": "stacks/foundation-dev/cdk.tf.json"}`, Version: `"0.20.11"`}
	if err := c.store(strings.Repeat("ab", 32), stack, e); err != nil {
		t.Fatal(err)
	}
	var entries []string
	filepath.WalkDir(filepath.Join(c.dir, synthesis.IndexDir), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			entries = append(entries, p)
		}
		return err
	})
	if len(entries) != 1 {
		t.Fatalf("index entries %v, want the stack's one", entries)
	}
	b, _ := os.ReadFile(entries[0])
	if !strings.Contains(string(b), `"environment":"dev","layer":"foundation"`) {
		t.Errorf("the index entry does not hold the stack's facts:\n%s", b)
	}
	old := time.Now().Add(-maxAge - time.Hour)
	os.Chtimes(entries[0], old, old)
	if err := c.prune(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(entries[0]); !os.IsNotExist(err) {
		t.Errorf("an index entry unused for longer than %v was kept (stat: %v)", maxAge, err)
	}
}
