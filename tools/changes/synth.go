package changes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"

	"stratum/applied"
	"stratum/tools/synthesis"
)

// synthCacheEnv names the synthesis cache of the stratum program
// (synth.CacheEnv; TestSynthCacheEnv keeps the two equal without making
// this package depend on the synthesis engine).
const synthCacheEnv = "STRATUM_SYNTH_CACHE"

// Options configures Run.
type Options struct {
	// Repo is the repository whose working tree is the head. Required.
	Repo string
	// Base is the git revision to compare with (a branch, tag or commit).
	// Required.
	Base string
	// Head, when set, is a git revision to use as the head instead of the
	// working tree. Default: "" (the working tree, uncommitted changes
	// included).
	Head string
	// HeadOut, when set, is an existing synthesis of the working tree
	// (e.g. cdktf.out after `make synth`) used instead of synthesizing
	// it again. Default: "" (synthesize).
	HeadOut string
	// BaseOut, when set, is an existing synthesis of Base (e.g. the
	// cdktf.out a pipeline of the base merged from its shards) used
	// instead of synthesizing it. Default: "" (synthesize).
	BaseOut string
	// SynthCache is the synthesis cache the syntheses of the base and the
	// head share (their keys hold each one's own code, so sharing is
	// sound), e.g. one a pipeline restored. Default: "" ($STRATUM_SYNTH_CACHE
	// when set, else the repository's .cache/synth).
	SynthCache string
	// Cache, when set, keeps the syntheses of exported revisions there,
	// by git tree id, and reuses them. Default: "" (no cache).
	Cache string
	// Log receives progress lines. Default: discarded.
	Log io.Writer
	// Applied, when set, are the stacks' applied records (package
	// applied) of every environment of the head, which replace Base: a
	// stack is selected when its Terraform differs from what its record
	// says was last applied (or it has none), so a failed or unrun apply
	// is selected again. Only the commits recorded for changed stacks that
	// write SSM parameters are synthesized, to tell which parameters can
	// change (at most MaxRecordedCommits of them; beyond, or for a commit
	// the repository lacks, every parameter such a stack writes counts as
	// changing). Manual stacks that are selected block their environment
	// (Report.Block). Default: nil (compare with Base).
	Applied applied.Records
}

// MaxRecordedCommits is how many recorded commits Run synthesizes in
// records mode.
const MaxRecordedCommits = 3

// Run synthesizes the base revision and the head and compares them. The
// base is exported with `git archive` into a temporary directory (the
// repository's worktrees and index are left alone) that is removed
// afterwards; it reuses the head's node_modules and .gen when the base
// pins the same npm packages, and installs them otherwise.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	o.Log = &lockedWriter{w: o.Log} // both sides log
	if o.SynthCache == "" && os.Getenv(synthCacheEnv) == "" {
		o.SynthCache = filepath.Join(o.Repo, ".cache", "synth")
	}
	if o.Applied != nil {
		return runApplied(ctx, o)
	}
	commit, err := git(ctx, o.Repo, "rev-parse", "--verify", "--quiet", o.Base+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("base %q is not a commit of %s (in CI, fetch it first, e.g. fetch-depth: 0): %w", o.Base, o.Repo, err)
	}
	tmp, err := os.MkdirTemp("", "stratum-changed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// Each side is built (unless given) and read on its own, so one side
	// is read while the other is still being built or synthesized. The
	// two programs are built at once, but the head's synthesis runs once
	// the base's has (baseRan): two syntheses at once share no stack
	// through the synthesis cache, while one after the other the head
	// reuses every stack of the base that its change leaves alone, which
	// with a cache that holds neither side (a first run, a cold cache) is
	// a whole synthesis less. A warm cache costs the base's run from it
	// (seconds at a thousand clients) before the head's starts.
	idx := openIndex(o.SynthCache)
	var wg sync.WaitGroup
	var head, base *Side
	var headErr, baseErr error
	baseRan := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		headOut := o.HeadOut
		switch {
		case o.Head != "":
			headOut, headErr = synthesizeRevision(ctx, o, o.Head, filepath.Join(tmp, "head"), baseRan)
		case headOut == "":
			headOut = filepath.Join(tmp, "head.out")
			headErr = synthesize(ctx, o.Repo, headOut, filepath.Join(tmp, "stratum-head"), o.SynthCache, o.Log, baseRan)
		}
		if headErr == nil {
			head, headErr = LoadSide(headOut, idx)
		}
	}()
	go func() {
		defer wg.Done()
		baseOut := o.BaseOut
		if baseOut == "" {
			baseOut, baseErr = synthesizeRevision(ctx, o, commit, filepath.Join(tmp, "base"), nil)
		}
		close(baseRan)
		if baseErr == nil {
			base, baseErr = LoadSide(baseOut, idx)
		}
	}()
	wg.Wait()
	if headErr != nil {
		return nil, fmt.Errorf("head: %w", headErr)
	}
	if baseErr != nil {
		return nil, fmt.Errorf("base %s: %w", short(commit), baseErr)
	}
	r := Compare(base, head)
	r.Base, r.BaseCommit = o.Base, commit
	return r, nil
}

// lockedWriter is a writer that the goroutines of both sides may write to.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runApplied is Run against the applied records.
func runApplied(ctx context.Context, o Options) (*Report, error) {
	tmp, err := os.MkdirTemp("", "stratum-changed-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	headOut := o.HeadOut
	switch {
	case o.Head != "":
		if headOut, err = synthesizeRevision(ctx, o, o.Head, filepath.Join(tmp, "head"), nil); err != nil {
			return nil, fmt.Errorf("head: %w", err)
		}
	case headOut == "":
		headOut = filepath.Join(tmp, "head.out")
		if err := Synthesize(ctx, o.Repo, headOut, filepath.Join(tmp, "stratum-head"), o.SynthCache, o.Log); err != nil {
			return nil, fmt.Errorf("head: %w", err)
		}
	}
	idx := openIndex(o.SynthCache)
	head, err := LoadSide(headOut, idx)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	return CompareApplied(head, o.Applied, func(commit string) (*Side, error) {
		if _, err := git(ctx, o.Repo, "rev-parse", "--verify", "--quiet", commit+"^{commit}"); err != nil {
			return nil, fmt.Errorf("not in the repository (fetch-depth: 0?)")
		}
		out, err := synthesizeRevision(ctx, o, commit, filepath.Join(tmp, "applied-"+short(commit)), nil)
		if err != nil {
			return nil, err
		}
		return LoadSide(out, idx)
	}, o.Log), nil
}

// openIndex is the synthesis index (synthesis.Index) of the synthesis
// cache dir (cache, else $STRATUM_SYNTH_CACHE), which the syntheses fill;
// nil when the cache is off.
func openIndex(cache string) *synthesis.Index {
	if cache == "" {
		cache = os.Getenv(synthCacheEnv)
	}
	if cache == "" || cache == "off" {
		return nil
	}
	return synthesis.OpenIndex(filepath.Join(cache, synthesis.IndexDir))
}

// CompareApplied selects the stacks of head whose Terraform differs
// from their applied records (see Options.Applied); load gives the
// synthesis of a recorded commit.
func CompareApplied(head *Side, recs applied.Records, load func(commit string) (*Side, error), log io.Writer) *Report {
	base := &Side{Graph: head.Graph, stacks: map[string]*sideStack{}}
	// unknown stands for a stack whose applied Terraform is not known: it
	// differs from any stack's.
	unknown := func() *sideStack { return &sideStack{raw: []byte("{}"), parsed: map[string]any{}} }
	need := map[string][]string{} // recorded commit → changed writers recorded at it
	for name, st := range head.stacks {
		rec, ok := recs[name]
		switch {
		case !ok:
			// Never applied: a new stack.
		case rec.Digest == st.digest:
			base.stacks[name] = st
		default:
			base.stacks[name] = unknown() // until its commit is synthesized
			if len(writtenParams(st.terraform(), nil, true)) > 0 {
				need[rec.Commit] = append(need[rec.Commit], name)
			}
		}
	}
	for name := range recs {
		if !head.Has(name) {
			base.stacks[name] = unknown() // recorded, gone from the head
		}
	}
	commits := make([]string, 0, len(need))
	for c := range need {
		commits = append(commits, c)
	}
	sort.Slice(commits, func(i, j int) bool {
		return len(need[commits[i]]) > len(need[commits[j]]) || (len(need[commits[i]]) == len(need[commits[j]]) && commits[i] < commits[j])
	})
	for i, c := range commits {
		if i >= MaxRecordedCommits {
			fmt.Fprintf(log, "stratum changed: more than %d recorded commits to synthesize; every parameter %v write counts as changing\n", MaxRecordedCommits, need[c])
			continue
		}
		side, err := load(c)
		if err != nil {
			fmt.Fprintf(log, "stratum changed: recorded commit %s: %v; every parameter %v write counts as changing\n", short(c), err, need[c])
			continue
		}
		for _, name := range need[c] {
			if st, ok := side.stacks[name]; ok && st.digest == recs[name].Digest {
				base.stacks[name] = st
			}
		}
	}
	r := Compare(base, head)
	r.Base = "the applied records"
	r.Block()
	return r
}

func short(commit string) string { return commit[:min(12, len(commit))] }

// synthesizeRevision exports rev into work and synthesizes it, or returns
// the cached synthesis of its tree. The program is built at once, and
// run once turn is closed (nil: at once).
func synthesizeRevision(ctx context.Context, o Options, rev, work string, turn <-chan struct{}) (string, error) {
	tree, err := git(ctx, o.Repo, "rev-parse", "--verify", "--quiet", rev+"^{tree}")
	if err != nil {
		return "", fmt.Errorf("revision %q: %w", rev, err)
	}
	out := work + ".out"
	if o.Cache != "" {
		out = filepath.Join(o.Cache, tree)
		if _, err := os.Stat(filepath.Join(out, synthesis.ManifestFile)); err == nil {
			fmt.Fprintf(o.Log, "stratum changed: reusing the synthesis of %s (tree %s)\n", rev, short(tree))
			return out, nil
		}
	}
	if err := export(ctx, o.Repo, tree, work); err != nil {
		return "", err
	}
	if err := provideDependencies(ctx, o.Repo, work, o.Log); err != nil {
		return "", err
	}
	if o.Cache == "" {
		return out, synthesize(ctx, work, out, work+".bin", o.SynthCache, o.Log, turn)
	}
	// Write beside the cache entry and rename: a crash leaves no entry
	// that looks complete.
	part := out + ".partial"
	os.RemoveAll(part)
	if err := synthesize(ctx, work, part, work+".bin", o.SynthCache, o.Log, turn); err != nil {
		return "", err
	}
	return out, os.Rename(part, out)
}

// Synthesize builds the app in dir and runs it with its output in out,
// and with the synthesis cache in cache unless that is "". -trimpath
// makes the build cache independent of dir, so a base exported to a
// temporary directory compiles only what differs from the head.
func Synthesize(ctx context.Context, dir, out, bin, cache string, log io.Writer) error {
	return synthesize(ctx, dir, out, bin, cache, log, nil)
}

// synthesize is Synthesize running the program once turn is closed (nil:
// at once); it is built before.
func synthesize(ctx context.Context, dir, out, bin, cache string, log io.Writer, turn <-chan struct{}) error {
	fmt.Fprintf(log, "stratum changed: building %s\n", dir)
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	build.Dir = dir
	build.Env = buildEnv(os.Environ(), runningSettings())
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build in %s: %w\n%s", dir, err, b)
	}
	if turn != nil {
		select {
		case <-turn:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	fmt.Fprintf(log, "stratum changed: synthesizing %s\n", dir)
	run := exec.CommandContext(ctx, bin)
	run.Dir = dir
	run.Env = append(os.Environ(), "CDKTF_OUTDIR="+out, "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1")
	if cache != "" {
		run.Env = append(run.Env, synthCacheEnv+"="+cache)
	}
	b, err := run.CombinedOutput()
	if err != nil {
		return fmt.Errorf("synthesis in %s: %w\n%s", dir, err, b)
	}
	if _, err := os.Stat(filepath.Join(out, synthesis.ManifestFile)); err != nil {
		return fmt.Errorf("synthesis in %s wrote no manifest.json: %w", dir, err)
	}
	// The program's summary says how many stacks it synthesized and how
	// many it reused from the cache.
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "synth: ") {
			fmt.Fprintf(log, "stratum changed: %s: %s\n", dir, strings.TrimSuffix(line, "\n"))
		}
	}
	return nil
}

// export writes the tree of commit into dir.
func export(ctx context.Context, repo, commit, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	archive := exec.CommandContext(ctx, "git", "-C", repo, "archive", "--format=tar", commit)
	untar := exec.CommandContext(ctx, "tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	untar.Stdin = pipe
	var aerr, uerr bytes.Buffer
	archive.Stderr, untar.Stderr = &aerr, &uerr
	if err := untar.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		untar.Wait()
		return fmt.Errorf("git archive %s: %w: %s", short(commit), err, aerr.String())
	}
	if err := untar.Wait(); err != nil {
		return fmt.Errorf("extracting %s: %w: %s", short(commit), err, uerr.String())
	}
	return nil
}

// generated are the git-ignored directories synthesis needs: the npm
// packages and the provider bindings generated from them.
var generated = []string{"node_modules", ".gen"}

// provideDependencies gives the exported base its node_modules and .gen:
// links to the head's when both pin the same npm packages (the bindings
// are generated from them), else a fresh install (make bindings).
func provideDependencies(ctx context.Context, repo, base string, log io.Writer) error {
	same, err := sameFile(filepath.Join(repo, "package-lock.json"), filepath.Join(base, "package-lock.json"))
	if err != nil {
		return err
	}
	if same {
		for _, d := range generated {
			src := filepath.Join(repo, d)
			if _, err := os.Stat(src); err != nil {
				return fmt.Errorf("%s is missing: run `make bindings` in %s first", src, repo)
			}
			if err := os.Symlink(src, filepath.Join(base, d)); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(log, "stratum changed: the base pins other npm packages; installing them (make bindings)\n")
	cmd := exec.CommandContext(ctx, "make", "bindings")
	cmd.Dir = base
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make bindings for the base: %w\n%s", err, b)
	}
	return nil
}

func sameFile(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// Git runs git in dir and returns its trimmed output, or an error with
// what git said.
func Git(ctx context.Context, dir string, args ...string) (string, error) {
	return git(ctx, dir, args...)
}

func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return "", fmt.Errorf("%w: %s", err, msg)
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// runningSettings are the build settings of the running program.
func runningSettings() []debug.BuildSetting {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Settings
	}
	return nil
}

// buildEnv is environ for building a side's program with the cgo setting
// the running program was built with. The synthesis cache keys hold the
// program's build settings (synth.Environment), CGO_ENABLED among them,
// and go build defaults it to 1 where a C compiler is found: the
// pipelines build stratum with CGO_ENABLED=0, so a base program built
// with the default would never meet the cache their shards fill.
func buildEnv(environ []string, running []debug.BuildSetting) []string {
	for _, s := range running {
		if s.Key == "CGO_ENABLED" {
			return append(slices.Clone(environ), "CGO_ENABLED="+s.Value)
		}
	}
	return environ
}
