package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// TestShardsMergeByteIdentical: shards 1 to K of the plan, each
// synthesized on its own (cold, then from a cache as a later CI run
// would restore it), merge into exactly the files a plain one-process
// synthesis writes. The shards synthesize in this process's jsii runtime.
func TestShardsMergeByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes every stack twice more with jsii; runs without -short")
	}
	envs := config.Environments()
	plain := referenceSynth(t)
	cache := t.TempDir()
	for _, run := range []string{"cold", "warm"} {
		t.Run(run, func(t *testing.T) {
			const k = 3
			var dirs []string
			for i := 1; i <= k; i++ {
				dir := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d", i))
				r, err := Shard(envs, clients.All, i, k, Options{Outdir: dir, CacheDir: cache, Source: moduleSource, inProcess: true})
				if err != nil {
					t.Fatalf("shard %d of %d: %v", i, k, err)
				}
				if run == "warm" && len(r.Synthesized) > 0 {
					t.Errorf("shard %d of %d synthesized %v with a warm cache, want nothing", i, k, r.Synthesized)
				}
				if _, err := os.Stat(filepath.Join(dir, manifestFile)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("shard %d wrote %s; a shard is not a deployable output (stat: %v)", i, manifestFile, err)
				}
				dirs = append(dirs, dir)
			}
			out := filepath.Join(t.TempDir(), "cdktf.out")
			// The merge's own cache: a merge job's runner starts without one.
			r, err := Merge(envs, clients.All, []string{dirs[2], dirs[0], dirs[1]}, Options{Outdir: out, CacheDir: t.TempDir(), Source: moduleSource})
			if err != nil {
				t.Fatal(err)
			}
			units, _ := stacks.Plan(envs, clients.All)
			if r.Shards != k || r.Stacks != len(units) {
				t.Errorf("merged %d stacks from %d shards, want %d from %d", r.Stacks, r.Shards, len(units), k)
			}
			sameTree(t, plain, out)
		})
	}
}

// fakeShards writes shards 1 to k of the real plan without synthesizing:
// each stack one file and a manifest entry naming it. edit may change a
// shard's manifest before it is written.
func fakeShards(t *testing.T, k int, edit func(i int, m *shardManifest)) []string {
	t.Helper()
	units, inputs, err := planOf(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	code, err := identify(moduleSource)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var dirs []string
	for i, part := range shards(units, k) {
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", i+1))
		m := shardManifest{Format: shardFormat, Shard: i + 1, Of: k, Fingerprint: code.Fingerprint,
			Environment: code.Environment, Plan: planDigest(units, inputs), Version: `"0.20.11"`}
		for _, j := range part {
			name := units[j].Name
			writeFiles(t, filepath.Join(dir, "stacks", name), map[string]string{"cdk.tf.json": `{"stack": "` + name + `"}`})
			files, _, err := readStack(filepath.Join(dir, "stacks", name))
			if err != nil {
				t.Fatal(err)
			}
			m.Stacks = append(m.Stacks, shardStack{Name: name, Manifest: `{"name": "` + name + `"}`, Files: files})
		}
		if edit != nil {
			edit(i+1, &m)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, dir, map[string]string{shardFile: string(b)})
		dirs = append(dirs, dir)
	}
	return dirs
}

// TestMergeFakeShards: the merge of good shards holds every stack, in a
// manifest of cdktf's format.
func TestMergeFakeShards(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cdktf.out")
	r, err := Merge(config.Environments(), clients.All, fakeShards(t, 4, nil), Options{Outdir: out, Source: moduleSource})
	if err != nil {
		t.Fatal(err)
	}
	units, _ := stacks.Plan(config.Environments(), clients.All)
	got, err := readManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(units) || r.Stacks != len(units) || r.Shards != 4 {
		t.Errorf("merged %d stacks (report: %d from %d shards), want %d from 4", len(got), r.Stacks, r.Shards, len(units))
	}
	for _, u := range units {
		b, err := os.ReadFile(filepath.Join(out, "stacks", u.Name, "cdk.tf.json"))
		if err != nil || string(b) != `{"stack": "`+u.Name+`"}` {
			t.Errorf("stack %s: got %q (%v)", u.Name, b, err)
		}
	}
}

// TestMergeRefuses: shards that do not make up this program's synthesis
// fail the merge with a message naming the shard and the problem, and
// nothing is written.
func TestMergeRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		dirs  func(t *testing.T) []string
		wants []string
	}{
		{"a shard missing", func(t *testing.T) []string { return fakeShards(t, 3, nil)[:2] }, []string{"shard 3 of 3 is missing"}},
		{"a shard twice", func(t *testing.T) []string {
			d := fakeShards(t, 3, nil)
			return []string{d[0], d[1], d[2], d[1]}
		}, []string{"are both shard 2 of 3"}},
		{"other code", func(t *testing.T) []string {
			return fakeShards(t, 2, func(i int, m *shardManifest) {
				if i == 2 {
					m.Fingerprint = strings.Repeat("0", 64)
				}
			})
		}, []string{"shard-2: synthesized from other code (fingerprint 000000000000"}},
		{"other configuration", func(t *testing.T) []string {
			return fakeShards(t, 2, func(i int, m *shardManifest) { m.Plan = strings.Repeat("1", 64) })
		}, []string{"shard-1: synthesized from another configuration", "shard-2: synthesized from another configuration"}},
		{"another environment", func(t *testing.T) []string {
			return fakeShards(t, 2, func(i int, m *shardManifest) {
				if i == 2 {
					m.Environment = strings.Replace(m.Environment, "node ", "node v0.0.1-", 1)
				}
			})
		}, []string{"shard-2 ran in another environment than", `"node v0.0.1-`}},
		{"different splits", func(t *testing.T) []string {
			return append(fakeShards(t, 2, nil)[:1], fakeShards(t, 3, nil)[1:]...)
		}, []string{"is shard 2 of 3, but", "is shard 1 of 2: the shards come from different splits"}},
		{"a stack of another shard", func(t *testing.T) []string {
			return fakeShards(t, 2, func(i int, m *shardManifest) {
				if i == 1 {
					m.Stacks = m.Stacks[1:]
				}
			})
		}, []string{"shard-1: shard 1 of 2 holds"}},
		{"a damaged file", func(t *testing.T) []string {
			// The stack is whichever comes last in the plan: the costs
			// decide which shard it is in, and the check names that one.
			d := fakeShards(t, 2, nil)
			units, _, err := planOf(config.Environments(), clients.All)
			if err != nil {
				t.Fatal(err)
			}
			last := units[len(units)-1].Name
			for _, dir := range d {
				if _, err := os.Stat(filepath.Join(dir, "stacks", last)); err == nil {
					writeFiles(t, dir, map[string]string{"stacks/" + last + "/cdk.tf.json": `{"stack": "tampered"}`})
				}
			}
			return d
		}, []string{"file cdk.tf.json: its content is not what the shard recorded"}},
		{"an extra file", func(t *testing.T) []string {
			d := fakeShards(t, 2, nil)
			writeFiles(t, d[0], map[string]string{"stacks/foundation-prod/extra.tf.json": `{}`})
			return d
		}, []string{"extra.tf.json is not a file of the shard's stacks"}},
		{"not a shard", func(t *testing.T) []string { return []string{t.TempDir()} }, []string{"not a shard", "stratum synth-shard"}},
		{"a shard of another format", func(t *testing.T) []string {
			return fakeShards(t, 1, func(i int, m *shardManifest) { m.Format = "stratum-synth-shard 0" })
		}, []string{`is not of format "stratum-synth-shard 1"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "cdktf.out")
			cache := t.TempDir()
			_, err := Merge(config.Environments(), clients.All, tc.dirs(t), Options{Outdir: out, CacheDir: cache, Source: moduleSource})
			if err == nil {
				t.Fatal("merge succeeded, want it refused")
			}
			for _, want := range tc.wants {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the output directory exists after a refused merge (stat: %v)", err)
			}
			if entries, _ := os.ReadDir(cache); len(entries) > 1 { // tmp/
				t.Errorf("the cache holds %d entries after a refused merge, want none", len(entries))
			}
		})
	}
}

// TestShardReplacesOnlyShards: a shard's directory is replaced whole, and
// a directory that is not a shard (a cdktf.out given by mistake) is left
// alone before anything is synthesized.
func TestShardReplacesOnlyShards(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"manifest.json": "{}", "stacks/a/cdk.tf.json": "{}"})
	_, err := Shard(config.Environments(), clients.All, 1, 2, Options{Outdir: dir, Source: moduleSource})
	if err == nil || !strings.Contains(err.Error(), "is not a shard directory") {
		t.Fatalf("got error %v, want one refusing to replace a directory that is not a shard", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "manifest.json")); string(b) != "{}" {
		t.Errorf("the directory changed")
	}

	staged, old := t.TempDir(), filepath.Join(t.TempDir(), "shard")
	writeFiles(t, old, map[string]string{shardFile: "old", "stacks/gone/cdk.tf.json": "old"})
	writeFiles(t, staged, map[string]string{shardFile: "new", "stacks/b/cdk.tf.json": "new"})
	if err := replaceable(old); err != nil {
		t.Fatal(err)
	}
	if err := replaceDir(staged, old); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, old)
	if _, ok := got[filepath.Join("stacks", "gone", "cdk.tf.json")]; ok || string(got[shardFile].data) != "new" {
		t.Errorf("replaced shard holds %v, want only the new files", got)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(old), ".shard.tmp-*"))
	if len(left) > 0 {
		t.Errorf("temporary directories left beside the shard: %v", left)
	}
}

func TestShardOf(t *testing.T) {
	good := map[string][2]int{"1/1": {1, 1}, "2/5": {2, 5}, "12/12": {12, 12}}
	for s, want := range good {
		i, k, err := ShardOf(s)
		if err != nil || i != want[0] || k != want[1] {
			t.Errorf("ShardOf(%q) = %d, %d, %v; want %d, %d", s, i, k, err, want[0], want[1])
		}
	}
	for _, s := range []string{"", "1", "0/2", "3/2", "1/0", "-1/2", "1/2/3", "a/b", "01/2", "1 /2"} {
		if _, _, err := ShardOf(s); err == nil || !strings.Contains(err.Error(), "1 ≤ i ≤ K") {
			t.Errorf("ShardOf(%q): got error %v, want one saying what is allowed", s, err)
		}
	}
}

// TestShardsCoverThePlan: for every K, the shards hold every stack once.
func TestShardsCoverThePlan(t *testing.T) {
	units, err := stacks.Plan(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{1, 2, 3, 7, len(units), len(units) + 3} {
		parts := shards(units, k)
		if len(parts) != k {
			t.Errorf("K=%d: %d shards", k, len(parts))
		}
		seen := map[int]int{}
		for _, p := range parts {
			for _, i := range p {
				seen[i]++
			}
		}
		for i, u := range units {
			if seen[i] != 1 {
				t.Errorf("K=%d: stack %s in %d shards, want 1", k, u.Name, seen[i])
			}
		}
	}
}

func TestProcesses(t *testing.T) {
	cases := []struct{ cost, parallel, want int }{
		{0, 1, 1},
		{1200, 1, 1},
		{31000, 2, 2},
		{elementsPerProcess, 1, 1},
		{elementsPerProcess + 1, 1, 2},
		{350000, 2, 18}, // 18 needed, in full rounds of 2
		{350000, 8, 24}, // 18 needed, rounded up to full rounds of 8
		{304000, 2, 16}, // 16 needed
	}
	for _, tc := range cases {
		if got := processes(tc.cost, tc.parallel); got != tc.want {
			t.Errorf("processes(%d, %d) = %d, want %d", tc.cost, tc.parallel, got, tc.want)
		}
	}
}

// TestChooseShards: K is the fewest shards whose slowest predicted cold
// synthesis stays within the target.
func TestChooseShards(t *testing.T) {
	m := CostModel{StartCPU: 1, ElementCPU: 1e-4, Cores: 2, Memory: 8 << 30}
	clientsOf := func(n int) []stacks.Unit {
		var out []stacks.Unit
		for i := range n {
			out = append(out, stacks.Unit{Name: fmt.Sprintf("s%d", i), Cost: 100})
		}
		return out
	}
	cases := []struct {
		name   string
		units  []stacks.Unit
		target float64
		want   int
	}{
		{"one stack", clientsOf(1), 3, 1},
		{"fits one runner", clientsOf(200), 3, 1},    // 20,000: (2·1 + 2)/2 = 2 floors
		{"100 clients", clientsOf(600), 3, 2},        // 60,000: (2·1+6)/2 = 4 > 3; halves: 2.5
		{"1,000 clients", clientsOf(6000), 3, 15},    // 600,000 in ≤ 40,000 per shard
		{"a tighter target", clientsOf(6000), 2, 30}, // ≤ 20,000 per shard
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ChooseShards(tc.units, m, tc.target)
			if p.Shards != tc.want || p.Slowest > tc.target {
				t.Errorf("got %s, want %d shards", p, tc.want)
			}
			if p.Shards > 1 {
				worst := 0.0
				for _, part := range shards(tc.units, p.Shards-1) {
					worst = max(worst, m.Predict(len(part)*100))
				}
				if worst <= tc.target {
					t.Errorf("K=%d would do (%.2f floors), but ChooseShards chose %d", p.Shards-1, worst, p.Shards)
				}
			}
		})
	}
}
