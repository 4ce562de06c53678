package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/stacks"
)

// closeRace is what jsii-runtime-go v1.106.0 prints, without a newline,
// when jsii.Close reaps the Node.js process before the goroutine that
// watches it does: a race inside the runtime, not a failure (the process
// exited normally). Workers stop their runtime with jsii.Close, which
// also removes the runtime's temporary directory, so their output is
// passed on without it.
const closeRace = "Runtime process exited abnormally: waitid: no child processes"

// workerEnv names the work file of a worker process. The engine sets it
// only on the processes it starts.
const workerEnv = "STRATUM_SYNTH_WORKER"

// work is what a worker is asked to do: the whole plan's inputs, so that
// it rebuilds the same plan whatever its own data says, and the stacks it
// builds.
type work struct {
	Envs    []config.Environment
	Clients []clients.Client
	// Digest is planDigest of the parent's plan; the worker refuses to
	// work on another.
	Digest string
	// Stacks are the names of the stacks to build.
	Stacks []string
	// Outdir is where to synthesize them.
	Outdir string
	// Result is where the worker writes its result.
	Result string
}

// result is what a worker reports once its output is complete.
type result struct {
	// Stubs are the empty stand-ins it created for producers other
	// workers build.
	Stubs []string
}

// Worker reports whether this process is a synthesis worker. If it is,
// Worker builds and synthesizes its share of the stacks before returning;
// the process should then exit, with status 1 if err is not nil. Test
// binaries that run the engine call it from TestMain.
func Worker() (ok bool, err error) {
	path := os.Getenv(workerEnv)
	if path == "" {
		return false, nil
	}
	defer jsii.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		return true, fmt.Errorf("synth worker: %w", err)
	}
	var w work
	if err := json.Unmarshal(b, &w); err != nil {
		return true, fmt.Errorf("synth worker: %s: %w", path, err)
	}
	units, inputs, err := planOf(w.Envs, w.Clients)
	if err != nil {
		return true, fmt.Errorf("synth worker: %w", err)
	}
	if got := planDigest(units, inputs); got != w.Digest {
		return true, fmt.Errorf("synth worker: the stacks rebuilt from %s differ from the parent's (digest %s, want %s): the inputs do not survive a JSON round trip", path, got, w.Digest)
	}
	index := map[string]int{}
	for i, u := range units {
		index[u.Name] = i
	}
	var idx []int
	for _, n := range w.Stacks {
		i, ok := index[n]
		if !ok {
			return true, fmt.Errorf("synth worker: stack %s is not in the plan", n)
		}
		idx = append(idx, i)
	}
	sort.Ints(idx)
	stubs, err := synthesize(units, idx, w.Outdir)
	if err != nil {
		return true, err
	}
	b, err = json.Marshal(result{Stubs: stubs})
	if err != nil {
		return true, err
	}
	return true, os.WriteFile(w.Result, b, 0o666)
}

// synthesize builds the units at idx (in plan order) in one cdktf app and
// synthesizes it into outdir. A producer that is in the plan but not in
// idx gets an empty stand-in stack; it returns their names. Panics while
// building or synthesizing (the jsii runtime reports JavaScript errors as
// panics) become errors.
func synthesize(units []stacks.Unit, idx []int, outdir string) (stubs []string, err error) {
	mine := map[string]bool{}
	for _, i := range idx {
		mine[units[i].Name] = true
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("synth: synthesizing %s: %v\n%s", describe(units, idx), p, debug.Stack())
		}
	}()
	// The plan's stacks other processes build: a producer among them gets
	// an empty stand-in when one of this process's stacks reads it. A
	// producer of this process's own is built before its consumers; if it
	// is missing, the plan is out of order and Import panics as it would
	// in one process.
	var elsewhere []string
	for _, u := range units {
		if !mine[u.Name] {
			elsewhere = append(elsewhere, u.Name)
		}
	}
	cfg := stacks.AppConfig(outdir)
	ctx := contract.BuiltElsewhereContext(elsewhere)
	cfg.Context = &ctx
	app := cdktf.NewApp(cfg)
	for _, i := range idx {
		units[i].Build(app)
	}
	// The stand-ins are the app's stacks it was not given.
	for _, c := range *app.Node().Children() {
		if name := *c.Node().Id(); !mine[name] {
			stubs = append(stubs, name)
		}
	}
	app.Synth()
	return stubs, nil
}

// synthesizeHere synthesizes the units at idx in this process.
func synthesizeHere(units []stacks.Unit, idx []int, outdir string) (map[string]*manifestEntry, error) {
	stubs, err := synthesize(units, idx, outdir)
	if err != nil {
		return nil, err
	}
	return checkOutput(units, idx, stubs, outdir)
}

// checkOutput reads a process's output and checks it holds exactly the
// stacks it was given and the stand-ins it created, and nothing else
// cdktf would not write.
func checkOutput(units []stacks.Unit, idx []int, stubs []string, outdir string) (map[string]*manifestEntry, error) {
	got, err := readManifest(outdir)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	want := map[string]bool{}
	for _, s := range stubs {
		want[s] = false
	}
	for _, i := range idx {
		want[units[i].Name] = true
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			return nil, fmt.Errorf("synth: %s synthesized stack %s, which it was not asked for", describe(units, idx), name)
		}
	}
	out := map[string]*manifestEntry{}
	for name, real := range want {
		e, ok := got[name]
		if !ok {
			return nil, fmt.Errorf("synth: %s did not synthesize stack %s", describe(units, idx), name)
		}
		if real {
			out[name] = e
		}
	}
	entries, err := os.ReadDir(outdir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Name() != manifestFile && e.Name() != "stacks" {
			return nil, fmt.Errorf("synth: cdktf wrote %s, which the engine does not know how to merge; synthesize with %s=1 and update package synth",
				filepath.Join(outdir, e.Name()), WorkersEnv)
		}
	}
	return out, nil
}

// synthesizeInWorkers runs one worker process per part, at most parallel
// at a time (0: all at once), and waits for all of them. The first
// failure stops the others, and starts no more, and is returned with the
// failed worker's output.
func synthesizeInWorkers(parent context.Context, envs []config.Environment, all []clients.Client, units []stacks.Unit, inputs [][]byte,
	parts [][]int, parallel int, staging string, stderr io.Writer) (map[string]*manifestEntry, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("synth: cannot start workers: %w", err)
	}
	digest := planDigest(units, inputs)
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	defer cancel()

	type outcome struct {
		built map[string]*manifestEntry
		log   []byte
		err   error
	}
	outcomes := make([]outcome, len(parts))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr = -1
	)
	if parallel <= 0 {
		parallel = len(parts)
	}
	slots := make(chan struct{}, parallel)
	for p, idx := range parts {
		w := work{
			Envs: envs, Clients: all, Digest: digest,
			Outdir: filepath.Join(staging, fmt.Sprintf("w%d", p)),
			Result: filepath.Join(staging, fmt.Sprintf("w%d.result.json", p)),
		}
		for _, i := range idx {
			w.Stacks = append(w.Stacks, units[i].Name)
		}
		path := filepath.Join(staging, fmt.Sprintf("w%d.work.json", p))
		b, err := json.Marshal(w)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, err
		}
		// The worker's temporary files (the jsii runtime it extracts, the
		// kernel's own) go with the staging directory even if it is killed.
		tmp := filepath.Join(staging, fmt.Sprintf("w%d.tmp", p))
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return nil, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				outcomes[p] = outcome{err: ctx.Err()}
				return
			}
			if ctx.Err() != nil {
				outcomes[p] = outcome{err: ctx.Err()}
				return
			}
			var log bytes.Buffer
			cmd := exec.CommandContext(ctx, exe, os.Args[1:]...)
			cmd.Env = append(os.Environ(), workerEnv+"="+path, "TMPDIR="+tmp)
			cmd.Stdout, cmd.Stderr = &log, &log
			o := outcome{}
			if err := cmd.Run(); err != nil {
				o.err = err
			} else {
				o.built, o.err = workerOutput(units, idx, w)
			}
			o.log = bytes.ReplaceAll(log.Bytes(), []byte(closeRace), nil)
			mu.Lock()
			outcomes[p] = o
			if o.err != nil && firstErr < 0 && ctx.Err() == nil {
				firstErr = p
				cancel()
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr >= 0 {
		o := outcomes[firstErr]
		return nil, fmt.Errorf("synth: worker %d of %d (%s) failed: %v\n%s", firstErr+1, len(parts), describe(units, parts[firstErr]), o.err, tail(o.log, 60))
	}
	// Pass on what the workers printed (jsii's warnings), each text once.
	seen := map[string]bool{}
	built := map[string]*manifestEntry{}
	for _, o := range outcomes {
		if len(o.log) > 0 && !seen[string(o.log)] {
			seen[string(o.log)] = true
			stderr.Write(o.log)
		}
		for n, e := range o.built {
			built[n] = e
		}
	}
	return built, nil
}

func workerOutput(units []stacks.Unit, idx []int, w work) (map[string]*manifestEntry, error) {
	b, err := os.ReadFile(w.Result)
	if err != nil {
		return nil, fmt.Errorf("exited without reporting: %w", err)
	}
	var r result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", w.Result, err)
	}
	return checkOutput(units, idx, r.Stubs, w.Outdir)
}

// describe names the stacks at idx for a message: all of them if few.
func describe(units []stacks.Unit, idx []int) string {
	names := sortedNames(units, idx)
	if len(names) <= 6 {
		return "stacks " + strings.Join(names, ", ")
	}
	return describeNames(names)
}

// tail returns the last n lines of b.
func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
