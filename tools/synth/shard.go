package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// Synthesis spread over CI runners: each runner synthesizes one shard of
// the plan (Shard) and one job merges the shards (Merge) into the
// cdktf.out a single machine would have written, byte for byte.
//
// A shard is the engine's own split (partition): the plan's stacks divided
// into K parts by cost, longest first onto the least loaded part. Every
// runner computes the same split from the same plan, so shard i of K
// names the same stacks on every runner whatever its cache holds; a
// runner's cache only decides how many of them it synthesizes.

const (
	// shardFormat starts every shard.json; change it when its meaning
	// changes.
	shardFormat = "stratum-synth-shard 1"
	// shardFile describes a shard directory.
	shardFile = "shard.json"
)

// shardManifest is shard.json: which shard of which split, what it was
// synthesized from, and each stack's manifest entry and files.
type shardManifest struct {
	Format string
	// Shard is the shard's number, 1 to Of.
	Shard, Of int
	// Fingerprint, Environment and Plan identify the code, the
	// environment it ran in and the plan (every stack's name and inputs):
	// shards merge only if all three agree.
	Fingerprint string
	Environment string
	Plan        string
	// Version is cdktf's manifest version, as JSON.
	Version string
	Stacks  []shardStack
}

type shardStack struct {
	Name string
	// Manifest is the stack's entry in manifest.json, as cdktf wrote it.
	Manifest string
	Files    []entryFile
}

// ShardOf parses "i/K" (shard i of K, 1 ≤ i ≤ K).
func ShardOf(s string) (i, k int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		_, err = fmt.Sscanf(a+" "+b, "%d %d", &i, &k)
	}
	if !ok || err != nil || k < 1 || i < 1 || i > k || fmt.Sprintf("%d/%d", i, k) != s {
		return 0, 0, fmt.Errorf("shard %q: want i/K with 1 ≤ i ≤ K, e.g. 2/5", s)
	}
	return i, k, nil
}

// shards splits every unit of the plan into exactly k shards (some empty
// when there are fewer stacks than shards), by the engine's partition.
func shards(units []stacks.Unit, k int) [][]int {
	idx := make([]int, len(units))
	for i := range idx {
		idx[i] = i
	}
	parts := partition(units, idx, k)
	for len(parts) < k {
		parts = append(parts, nil)
	}
	return parts
}

// Shard synthesizes shard i of k of the plan into opts.Outdir: the shard's
// stacks (from the cache where it holds them) under stacks/, and
// shard.json instead of manifest.json, since a shard is not an output
// cdktf can deploy from. The directory is replaced as a whole, and only
// once the shard is complete; one that exists must be an earlier shard or
// empty.
func Shard(envs []config.Environment, all []clients.Client, i, k int, opts Options) (*Report, error) {
	if k < 1 || i < 1 || i > k {
		return nil, fmt.Errorf("synth: shard %d of %d: want 1 ≤ i ≤ K", i, k)
	}
	if opts.Outdir == "" {
		return nil, errors.New("synth: a shard needs an output directory")
	}
	if err := replaceable(opts.Outdir); err != nil {
		return nil, err
	}
	s, err := begin(envs, all, opts, func(units []stacks.Unit) []int { return shards(units, k)[i-1] })
	if err != nil {
		return nil, err
	}
	defer s.end()
	if s.code.Fingerprint == "" {
		return nil, fmt.Errorf("synth: a shard records the code it was synthesized from, and this program has no source to fingerprint: %s", s.report.CacheOff)
	}
	sel := s.sel
	entries, err := s.build(sel)
	if err != nil {
		return nil, err
	}
	m := shardManifest{Format: shardFormat, Shard: i, Of: k, Fingerprint: s.code.Fingerprint,
		Environment: s.code.Environment, Plan: planDigest(s.units, s.inputs), Stacks: []shardStack{}}
	for _, j := range sel {
		u, e := s.units[j], entries[j]
		files, _, err := readStack(filepath.Join(s.out, "stacks", u.Name))
		if err != nil {
			return nil, fmt.Errorf("synth: stack %s: %w", u.Name, err)
		}
		m.Version = e.Version
		m.Stacks = append(m.Stacks, shardStack{Name: u.Name, Manifest: e.Raw, Files: files})
	}
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(s.out, shardFile), b, 0o666); err != nil {
		return nil, err
	}
	s.store(entries, s.synthesized)
	if err := replaceDir(s.out, opts.Outdir); err != nil {
		return nil, err
	}
	s.report.Stacks = len(sel)
	return s.report, nil
}

// Merge assembles the shards in dirs into opts.Outdir: every stack's
// files and manifest.json, byte for byte what one synthesis of the whole
// plan writes (published as Run publishes). It fails, writing nothing,
// unless the shards are exactly shards 1 to K of one split of this
// program's plan, synthesized from this program's code in one
// environment, with every file as the shard recorded it. The merged
// stacks go into the cache too, where the environment is this process's.
func Merge(envs []config.Environment, all []clients.Client, dirs []string, opts Options) (*Report, error) {
	if len(dirs) == 0 {
		return nil, errors.New("synth: merge: no shard directories given")
	}
	s, err := begin(envs, all, opts, nil)
	if err != nil {
		return nil, err
	}
	defer s.end()
	if s.code.Fingerprint == "" {
		return nil, fmt.Errorf("synth: merge: this program has no source to fingerprint, so it cannot check the shards' code: %s", s.report.CacheOff)
	}
	ms, err := readShards(dirs)
	if err != nil {
		return nil, err
	}
	if err := checkShards(s, dirs, ms); err != nil {
		return nil, err
	}
	index := map[string]int{}
	for i, u := range s.units {
		index[u.Name] = i
	}
	entries := make([]*manifestEntry, len(s.units))
	for d, m := range ms {
		for _, st := range m.Stacks {
			e := &manifestEntry{Raw: st.Manifest, Version: m.Version}
			if err := e.parse(); err != nil {
				return nil, fmt.Errorf("synth: merge: shard %s: stack %s: its manifest entry: %w", dirs[d], st.Name, err)
			}
			if err := copyStack(filepath.Join(dirs[d], "stacks", st.Name), filepath.Join(s.out, "stacks", st.Name), st.Files); err != nil {
				return nil, fmt.Errorf("synth: merge: shard %s: stack %s: %w", dirs[d], st.Name, err)
			}
			entries[index[st.Name]] = e
		}
	}
	if ms[0].Environment != s.code.Environment {
		// The keys this process computes would not be the shards'.
		s.cache = nil
		s.report.Cache = ""
		s.report.CacheOff = "the shards ran in another environment than this merge (" + firstDifference(ms[0].Environment, s.code.Environment) + ")"
	}
	s.report.Shards = len(ms)
	if err := s.finish(entries, func(i int) bool { return s.cache != nil && !s.cache.has(s.keys[i]) }); err != nil {
		return nil, err
	}
	return s.report, nil
}

// readShards reads the shard.json of every directory.
func readShards(dirs []string) ([]*shardManifest, error) {
	var problems []string
	out := make([]*shardManifest, len(dirs))
	for d, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, shardFile))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: not a shard (%v); shards are written by `stratum synth-shard`", dir, err))
			continue
		}
		var m shardManifest
		if err := json.Unmarshal(b, &m); err != nil || m.Format != shardFormat {
			problems = append(problems, fmt.Sprintf("%s: %s is not of format %q (%v)", dir, shardFile, shardFormat, err))
			continue
		}
		out[d] = &m
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("synth: merge: nothing was written:\n  %s", strings.Join(problems, "\n  "))
	}
	return out, nil
}

// checkShards checks that ms are shards 1 to K of one split of s's plan,
// from s's code, in one environment, and that every shard holds exactly
// its stacks and files. It lists every problem it finds.
func checkShards(s *session, dirs []string, ms []*shardManifest) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	plan := planDigest(s.units, s.inputs)
	k := ms[0].Of
	var split [][]int // shards(s.units, k), once a shard's number is known to be in it
	seen := map[int]string{}
	for d, m := range ms {
		dir := dirs[d]
		switch {
		case m.Fingerprint != s.code.Fingerprint:
			add("%s: synthesized from other code (fingerprint %s, this program's %s): synthesize every shard with the same commit", dir, short(m.Fingerprint), short(s.code.Fingerprint))
			continue
		case m.Plan != plan:
			add("%s: synthesized from another configuration (plan %s, this program's %s): synthesize every shard with the same clients and environments", dir, short(m.Plan), short(plan))
			continue
		case m.Of != k:
			add("%s is shard %d of %d, but %s is shard %d of %d: the shards come from different splits", dir, m.Shard, m.Of, dirs[0], ms[0].Shard, k)
			continue
		case m.Shard < 1 || m.Shard > k:
			add("%s: shard %d of %d is not a shard number", dir, m.Shard, m.Of)
			continue
		case m.Environment != ms[0].Environment:
			add("%s ran in another environment than %s (%s): run every shard on the same runner image", dir, dirs[0], firstDifference(ms[0].Environment, m.Environment))
		}
		if other, dup := seen[m.Shard]; dup {
			add("%s and %s are both shard %d of %d", other, dir, m.Shard, k)
			continue
		}
		seen[m.Shard] = dir
		want := []string{}
		if split == nil {
			split = shards(s.units, k)
		}
		for _, i := range split[m.Shard-1] {
			want = append(want, s.units[i].Name)
		}
		got := []string{}
		for _, st := range m.Stacks {
			got = append(got, st.Name)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			add("%s: shard %d of %d holds %s, want %s", dir, m.Shard, k, describeNames(got), describeNames(want))
			continue
		}
		if err := checkShardFiles(dir, m); err != nil {
			add("%s: %v", dir, err)
		}
	}
	for i := 1; i <= k; i++ {
		if _, ok := seen[i]; !ok && len(problems) == 0 {
			add("shard %d of %d is missing", i, k)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("synth: merge: the shards do not make up this program's synthesis, nothing was written:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// checkShardFiles checks that a shard directory holds shard.json and its
// stacks' files, and nothing else.
func checkShardFiles(dir string, m *shardManifest) error {
	want := map[string]bool{shardFile: true}
	for _, st := range m.Stacks {
		for _, f := range st.Files {
			want[filepath.ToSlash(filepath.Join("stacks", st.Name, f.Path))] = true
		}
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if !want[filepath.ToSlash(rel)] {
			return fmt.Errorf("%s is not a file of the shard's stacks", rel)
		}
		return nil
	})
}

// copyStack copies a stack's files from a shard into dst, checking each
// against the size and SHA-256 the shard recorded.
func copyStack(src, dst string, files []entryFile) error {
	for _, f := range files {
		if !fs.ValidPath(f.Path) {
			return fmt.Errorf("file %q: not a relative path", f.Path)
		}
		b, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		if sum := sha256.Sum256(b); int64(len(b)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return fmt.Errorf("file %s: its content is not what the shard recorded (damaged or changed since)", f.Path)
		}
		to := filepath.Join(dst, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(to), 0o777); err != nil {
			return err
		}
		if err := os.WriteFile(to, b, 0o666); err != nil {
			return err
		}
	}
	return nil
}

// replaceable fails unless dir is missing, empty, or a shard directory.
func replaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, shardFile)); err != nil {
		return fmt.Errorf("synth: %s exists and is not a shard directory; give a new or empty directory", dir)
	}
	return nil
}

// replaceDir puts a copy of the staged tree src at dst, replacing dst
// whole: the copy is written beside dst and renamed into place, so dst is
// either the old directory or the complete new one.
func replaceDir(src, dst string) error {
	parent := filepath.Dir(filepath.Clean(dst))
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dst)+".tmp-")
	if err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		if d.IsDir() {
			return os.Mkdir(filepath.Join(tmp, rel), 0o777)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(tmp, rel), b, 0o666)
	})
	if err != nil {
		return fmt.Errorf("synth: writing %s: %w", dst, err)
	}
	old := tmp + ".old"
	if err := os.Rename(dst, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("synth: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Rename(old, dst)
		return fmt.Errorf("synth: %w", err)
	}
	return os.RemoveAll(old)
}

// firstDifference names the first line where two environment
// descriptions differ, for messages.
func firstDifference(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(x), len(y)) {
		var p, q string
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			return fmt.Sprintf("%q against %q", p, q)
		}
	}
	return "no difference"
}

func short(digest string) string { return digest[:min(12, len(digest))] }

// describeNames names stacks for a message: all of them if few.
func describeNames(names []string) string {
	if len(names) == 0 {
		return "no stack"
	}
	if len(names) <= 6 {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%d stacks: %s, … %s", len(names), strings.Join(names[:3], ", "), names[len(names)-1])
}
