// Package synth synthesizes Stratum's stacks. Its output is byte for byte
// what one cdktf app building every stack in one process writes
// (stacks.Build, then App.Synth), produced in less time:
//
//   - Stacks whose output is in the cache are not built at all. The cache
//     is content-addressed: a stack's key is the code's fingerprint plus
//     the stack's name and inputs (stacks.Inputs) as JSON. See cache.go and
//     fingerprint.go for why that key determines the output.
//   - The other stacks are divided between worker processes, each running
//     its own jsii runtime on a disjoint subset (see partition.go). A
//     worker is this same executable started again with workerEnv naming a
//     work file; a consumer stack whose producer another worker builds
//     depends on an empty stand-in stack of the same name instead, so its
//     dependency list is the same, and stand-ins are dropped when merging.
//   - Everything is assembled in a staging directory, manifest.json merged
//     in cdktf's own format (see manifest.go), and only then published
//     into the output directory, so a failure anywhere leaves the output
//     directory as it was.
//
// Docs: docs/synthesis.md.
package synth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/jsii-runtime-go"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// Environment variables users set.
const (
	// WorkersEnv sets the number of worker processes that synthesize the
	// stacks the cache does not hold. Default: chosen from the work and
	// the machine (see chooseWorkers).
	WorkersEnv = "STRATUM_SYNTH_WORKERS"
	// CacheEnv is "off" to disable the cache, or the cache directory.
	// Default: .cache/synth in the module root.
	CacheEnv = "STRATUM_SYNTH_CACHE"
)

// Options configures Run.
type Options struct {
	// Outdir is the output directory. Default: $CDKTF_OUTDIR, else
	// cdktf.out (cdktf's own default), relative to the working directory.
	Outdir string
	// Workers is the number of worker processes. Default: 0 (chosen from
	// the work and the machine).
	Workers int
	// CacheDir is the cache directory. Default: "" (no cache).
	CacheDir string
	// Source is the module's source tree, from which the code fingerprint
	// is computed. Default: nil (no cache).
	Source fs.FS
	// Stderr receives the workers' diagnostics. Default: os.Stderr.
	Stderr io.Writer
	// Context, once cancelled (Ctrl-C: the stratum command's), stops the
	// worker processes; nothing is published. Default: nil (never
	// cancelled).
	Context context.Context

	// cacheOff is why OptionsFromEnv left CacheDir empty.
	cacheOff string
	// inProcess synthesizes in this process when one process is enough,
	// reusing the jsii runtime it may already run. Tests use it to start
	// fewer runtimes; the stratum command always synthesizes in workers,
	// so that it starts no runtime at all when the cache holds every stack
	// and every runtime it starts is stopped cleanly (see closeRace).
	inProcess bool
}

// Report says what Run did.
type Report struct {
	Outdir string
	// Stacks is the number of stacks written.
	Stacks int
	// Synthesized are the stacks built this run, in plan order; the
	// others came from the cache.
	Synthesized []string
	// Processes is the number of processes that built stacks: 0 when
	// every stack came from the cache.
	Processes int
	// Cache is the cache directory, "" when the cache was not used, and
	// CacheOff why not.
	Cache    string
	CacheOff string
	// Shards is the number of shards Merge assembled the output from.
	Shards int
}

// String is the one-line summary the stratum command prints.
func (r *Report) String() string {
	var b strings.Builder
	if r.Shards > 0 {
		fmt.Fprintf(&b, "synth: %d stacks into %s: merged from %d shards", r.Stacks, r.Outdir, r.Shards)
		if r.CacheOff != "" {
			fmt.Fprintf(&b, " (not stored in the cache: %s)", r.CacheOff)
		}
		return b.String()
	}
	fmt.Fprintf(&b, "synth: %d stacks into %s: %d synthesized", r.Stacks, r.Outdir, len(r.Synthesized))
	switch {
	case r.Processes == 1:
		b.WriteString(" by 1 worker process")
	case r.Processes > 1:
		fmt.Fprintf(&b, " by %d worker processes", r.Processes)
	}
	if r.Cache != "" {
		fmt.Fprintf(&b, ", %d reused from the cache (%s)", r.Stacks-len(r.Synthesized), r.Cache)
	} else if r.CacheOff != "" {
		fmt.Fprintf(&b, " (cache off: %s)", r.CacheOff)
	}
	return b.String()
}

// Synthesize is the synthesis of a stratum program: if this process is
// a worker it does its share, otherwise it synthesizes the stacks of envs
// and all with options from the environment (CDKTF_OUTDIR, WorkersEnv,
// CacheEnv), the code fingerprint taken from source, and prints a summary
// on stdout (the cdktf CLI logs an app's stderr as errors). Cancelling
// ctx stops the workers. It stops the jsii runtime before returning,
// which also removes the runtime's temporary directory.
func Synthesize(ctx context.Context, envs []config.Environment, all []clients.Client, source fs.FS) error {
	defer jsii.Close()
	if ok, err := Worker(); ok {
		return err
	}
	opts, err := OptionsFromEnv(source)
	if err != nil {
		return err
	}
	opts.Context = ctx
	r, err := Run(envs, all, opts)
	if err != nil {
		return err
	}
	fmt.Println(r)
	return nil
}

// OptionsFromEnv returns the options the stratum command runs with.
func OptionsFromEnv(source fs.FS) (Options, error) {
	opts := Options{Outdir: os.Getenv("CDKTF_OUTDIR"), Source: source}
	if v := os.Getenv(WorkersEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return opts, fmt.Errorf("%s=%q: want a number of processes, 1 or more", WorkersEnv, v)
		}
		opts.Workers = n
	}
	switch v := os.Getenv(CacheEnv); v {
	case "off":
		opts.cacheOff = CacheEnv + "=off"
	case "":
		root, err := ModuleRoot(".")
		if err != nil {
			opts.cacheOff = fmt.Sprintf("%v; set %s to a directory to use one", err, CacheEnv)
			break
		}
		opts.CacheDir = filepath.Join(root, ".cache", "synth")
	default:
		opts.CacheDir = v
	}
	return opts, nil
}

// ModuleRoot returns the directory at or above dir whose go.mod declares
// module stratum.
func ModuleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == "stratum" {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not inside the Stratum module (no go.mod declaring module stratum)", abs)
		}
	}
}

func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], "\"`")
		}
	}
	return ""
}

// Run synthesizes every stack of envs and all into opts.Outdir. It
// returns an error, and leaves the output directory as it was, when the
// configuration is invalid or any stack fails to synthesize.
func Run(envs []config.Environment, all []clients.Client, opts Options) (*Report, error) {
	s, err := begin(envs, all, opts, nil)
	if err != nil {
		return nil, err
	}
	defer s.end()
	entries, err := s.build(s.sel)
	if err != nil {
		return nil, err
	}
	if err := s.finish(entries, s.synthesized); err != nil {
		return nil, err
	}
	return s.report, nil
}

// session is one synthesis under way: the plan, its inputs, the cache and
// every stack's key, and the staging directory the output is assembled
// in (out, with one directory per stack under out/stacks).
type session struct {
	envs   []config.Environment
	all    []clients.Client
	opts   Options
	units  []stacks.Unit
	inputs [][]byte
	// code identifies the code and the environment it runs in; zero when
	// there is no source tree to fingerprint.
	code    codeID
	cache   *cache
	keys    []string
	staging string
	out     string
	report  *Report
	// sel are the units the session synthesizes or assembles, in plan
	// order; keys holds theirs only.
	sel []int
	// fresh marks the units synthesized this run (not from the cache).
	fresh []bool
}

// synthesized reports whether unit i was synthesized this run.
func (s *session) synthesized(i int) bool { return s.fresh[i] }

// begin validates the configuration, plans the stacks, opens the cache and
// creates the staging directory. pick chooses the units the session works
// on (Default: nil, every unit of the plan): only their cache keys are
// computed, so a shard's cost does not grow with the whole plan's keys.
// Nothing is written outside the cache and the temporary directory.
func begin(envs []config.Environment, all []clients.Client, opts Options, pick func([]stacks.Unit) []int) (*session, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if opts.Outdir == "" {
		opts.Outdir = "cdktf.out"
	}
	units, inputs, err := planOf(envs, all)
	if err != nil {
		return nil, err
	}
	s := &session{envs: envs, all: all, opts: opts, units: units, inputs: inputs,
		report: &Report{Outdir: opts.Outdir, Stacks: len(units)}, fresh: make([]bool, len(units))}
	if pick == nil {
		s.sel = everything(len(units))
	} else {
		s.sel = pick(units)
	}
	if opts.Source != nil {
		if s.code, err = identify(opts.Source); err != nil {
			s.report.CacheOff = err.Error()
		}
	}
	s.cache, s.keys = openCache(opts, s.code, units, inputs, s.sel, s.report)

	removeStaleStaging(time.Now())
	if s.staging, err = os.MkdirTemp("", stagingPrefix); err != nil {
		return nil, err
	}
	s.out = filepath.Join(s.staging, "out")
	if err := os.MkdirAll(filepath.Join(s.out, "stacks"), 0o777); err != nil {
		s.end()
		return nil, err
	}
	return s, nil
}

// end removes the staging directory.
func (s *session) end() { os.RemoveAll(s.staging) }

// everything is the index of every unit of a plan of n units.
func everything(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// build puts the stacks of the units at sel (in plan order) into s.out:
// from the cache where it holds them, else synthesized by worker
// processes. It returns the manifest entry of every unit, nil for the
// units not in sel, and records in the report what it did.
func (s *session) build(sel []int) ([]*manifestEntry, error) {
	units, r := s.units, s.report
	entries := make([]*manifestEntry, len(units))
	var missing []int
	for _, i := range sel {
		if s.cache != nil {
			if e, ok := s.cache.load(s.keys[i], filepath.Join(s.out, "stacks", units[i].Name)); ok {
				entries[i] = e
				continue
			}
		}
		missing = append(missing, i)
	}
	if len(missing) == 0 {
		return entries, nil
	}
	cost := 0
	for _, i := range missing {
		cost += units[i].Cost
	}
	k, parallel := s.opts.Workers, s.opts.Workers
	if k == 0 {
		parallel = chooseWorkers(cost, runtime.NumCPU(), runtime.GOMAXPROCS(0), memAvailable())
		k = processes(cost, parallel)
	}
	parts := partition(units, missing, k)
	r.Processes = len(parts)
	var built map[string]*manifestEntry
	var err error
	if len(parts) == 1 && s.opts.inProcess {
		built, err = synthesizeHere(units, parts[0], filepath.Join(s.staging, "w0"))
	} else {
		built, err = synthesizeInWorkers(s.opts.Context, s.envs, s.all, units, s.inputs, parts, parallel, s.staging, s.opts.Stderr)
	}
	if err != nil {
		return nil, err
	}
	for _, i := range missing {
		e, ok := built[units[i].Name]
		if !ok {
			return nil, fmt.Errorf("synth: stack %s was not synthesized", units[i].Name)
		}
		entries[i] = e
		s.fresh[i] = true
		r.Synthesized = append(r.Synthesized, units[i].Name)
	}
	if err := collectBuilt(s.staging, s.out, units, missing, built); err != nil {
		return nil, err
	}
	return entries, nil
}

// finish writes manifest.json of every unit into the staging directory,
// stores the stacks for which store is true in the cache, publishes the
// staged output into the output directory and prunes the cache.
func (s *session) finish(entries []*manifestEntry, store func(i int) bool) error {
	manifest, err := mergeManifest(s.units, entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.out, manifestFile), manifest, 0o666); err != nil {
		return err
	}
	// The cache gets the new stacks before publishing: a failure to store
	// one only costs time next run, so it is a note, not an error.
	s.store(entries, store)
	if err := publish(s.out, s.opts.Outdir, s.units); err != nil {
		return err
	}
	if s.cache != nil {
		if err := s.cache.prune(s.keys); err != nil {
			fmt.Fprintf(s.opts.Stderr, "synth: cache: %v\n", err)
		}
	}
	return nil
}

// store puts the staged stacks of the units for which want is true into
// the cache. A failure is a note on stderr: it only costs time next run.
func (s *session) store(entries []*manifestEntry, want func(i int) bool) {
	if s.cache == nil {
		return
	}
	for i, u := range s.units {
		if entries[i] == nil || !want(i) {
			continue
		}
		if err := s.cache.store(s.keys[i], filepath.Join(s.out, "stacks", u.Name), entries[i]); err != nil {
			fmt.Fprintf(s.opts.Stderr, "synth: cache: %v\n", err)
			return
		}
	}
}

// stagingPrefix starts the name of every run's staging directory in the
// temporary directory.
const stagingPrefix = "stratum-synth-"

// removeStaleStaging removes the staging directories of runs that were
// killed (a run removes its own), once they are a day old: no run lasts
// that long.
func removeStaleStaging(now time.Time) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), stagingPrefix+"*"))
	for _, d := range dirs {
		if st, err := os.Lstat(d); err == nil && st.IsDir() && now.Sub(st.ModTime()) > 24*time.Hour {
			os.RemoveAll(d)
		}
	}
}

// openCache opens the cache and computes the keys of the units at sel (the
// others' are ""), or returns nil and records in r why the cache is off.
func openCache(opts Options, code codeID, units []stacks.Unit, inputs [][]byte, sel []int, r *Report) (*cache, []string) {
	switch {
	case opts.CacheDir == "" && opts.cacheOff != "":
		r.CacheOff = opts.cacheOff
		return nil, nil
	case opts.CacheDir == "":
		r.CacheOff = "no cache directory"
		return nil, nil
	case opts.Source == nil:
		r.CacheOff = "no source tree to fingerprint the code with"
		return nil, nil
	case code.Fingerprint == "":
		return nil, nil // identify said why
	}
	c, err := newCache(opts.CacheDir)
	if err != nil {
		r.CacheOff = err.Error()
		return nil, nil
	}
	r.Cache = opts.CacheDir
	return c, selectedKeys(opts, code, units, inputs, sel)
}

// unitKeys are the units' cache keys: each holds the code its builder
// reaches (reach.go); if that cannot be computed from the source, every
// key holds the whole code fingerprint instead.
func unitKeys(opts Options, code codeID, units []stacks.Unit, inputs [][]byte) []string {
	return selectedKeys(opts, code, units, inputs, everything(len(units)))
}

// selectedKeys are the cache keys of the units at sel, as unitKeys computes
// them; the other units' keys are "". The reach is still computed from the
// whole plan: a unit's reach holds the rest of the plan without the other
// units' closures, so it depends on which closures the plan has.
func selectedKeys(opts Options, code codeID, units []stacks.Unit, inputs [][]byte, sel []int) []string {
	keys := make([]string, len(units))
	r, err := computeReach(opts.Source, units)
	if err != nil {
		fmt.Fprintf(opts.Stderr, "synth: cache: keys hold all the code (%v)\n", err)
	}
	for _, i := range sel {
		if err != nil {
			keys[i] = stackKey(code.key(), units[i].Name, inputs[i])
			continue
		}
		keys[i] = stackKey("reach\n"+code.Modules+"\n"+code.Environment+"\n"+r.code[i], units[i].Name, inputs[i])
	}
	return keys
}

// stackKey is the cache key of one stack.
func stackKey(code, name string, inputs []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%d\n", cacheFormat, code, name, len(inputs))
	h.Write(inputs)
	return hex.EncodeToString(h.Sum(nil))
}

// planOf validates the configuration and returns its plan (stacks.Plan)
// with each unit's inputs as JSON.
func planOf(envs []config.Environment, all []clients.Client) ([]stacks.Unit, [][]byte, error) {
	units, err := stacks.Plan(envs, all)
	if err != nil {
		return nil, nil, err
	}
	inputs, err := encodeInputs(units)
	if err != nil {
		return nil, nil, err
	}
	return units, inputs, nil
}

// encodeInputs returns each unit's inputs as JSON: its cache key part
// and, through planDigest, the check that a worker rebuilt the same plan.
func encodeInputs(units []stacks.Unit) ([][]byte, error) {
	out := make([][]byte, len(units))
	for i, u := range units {
		b, err := json.Marshal(u.Inputs)
		if err != nil {
			return nil, fmt.Errorf("synth: stack %s: encoding its inputs: %w", u.Name, err)
		}
		out[i] = b
	}
	return out, nil
}

// planDigest identifies a plan: its stacks' names and inputs, in order.
func planDigest(units []stacks.Unit, inputs [][]byte) string {
	h := sha256.New()
	for i, u := range units {
		fmt.Fprintf(h, "%s\x00%d\x00", u.Name, len(inputs[i]))
		h.Write(inputs[i])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// collectBuilt moves the stacks the processes built from their output
// directories into out.
func collectBuilt(staging, out string, units []stacks.Unit, missing []int, built map[string]*manifestEntry) error {
	for _, i := range missing {
		name := units[i].Name
		from := filepath.Join(built[name].dir, "stacks", name)
		if err := os.Rename(from, filepath.Join(out, "stacks", name)); err != nil {
			return fmt.Errorf("synth: collecting stack %s: %w", name, err)
		}
	}
	return nil
}

// publish writes the staged output into outdir as cdktf itself would:
// manifest.json and each stack's files are replaced (each file
// atomically, manifest.json last), and files cdktf does not write, such
// as a stack's .terraform directory, stay where they are.
func publish(staged, outdir string, units []stacks.Unit) error {
	if err := os.MkdirAll(filepath.Join(outdir, "stacks"), 0o777); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	for _, u := range units {
		dir := filepath.Join("stacks", u.Name)
		err := filepath.WalkDir(filepath.Join(staged, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(staged, path)
			if err != nil {
				return err
			}
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(outdir, rel), 0o777)
			}
			return replaceFile(path, filepath.Join(outdir, rel))
		})
		if err != nil {
			return fmt.Errorf("synth: writing stack %s into %s: %w", u.Name, outdir, err)
		}
	}
	if err := replaceFile(filepath.Join(staged, manifestFile), filepath.Join(outdir, manifestFile)); err != nil {
		return fmt.Errorf("synth: writing %s: %w", manifestFile, err)
	}
	return nil
}

// replaceFile moves from onto to atomically: a rename when both are on one
// file system, else a copy beside to, then a rename.
func replaceFile(from, to string) error {
	err := os.Rename(from, to)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	tmp, err := createTemp(filepath.Dir(to), "."+filepath.Base(to)+".tmp-")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), to); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// createTemp creates a new file in dir named prefix plus a random suffix,
// with the mode node's fs.writeFileSync gives (0666 less the umask), so
// a published file has the mode a plain synthesis would give it.
func createTemp(dir, prefix string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

// sortedNames returns the names of units at idx, sorted, for messages.
func sortedNames(units []stacks.Unit, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = units[i].Name
	}
	sort.Strings(out)
	return out
}
