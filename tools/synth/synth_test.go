package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/stacks"
	"stratum/testkit/clientstest"
	_ "stratum/testkit/golden" // accepts -update, which `go test ./... -update` passes everywhere
	"stratum/testkit/testmain"
)

// fakeWorkerEnv makes this test binary's workers fake a failure instead
// of synthesizing: "fail:<stack>" makes every worker not given that stack
// write its pid beside its work file (<work file>.pid) and wait to be
// stopped, and the worker given it fail once the others wait.
const fakeWorkerEnv = "STRATUM_SYNTH_TEST_FAKE_WORKER"

// TestMain lets the engine start this test binary as a worker, as it
// starts the stratum program.
func TestMain(m *testing.M) {
	if fake := os.Getenv(fakeWorkerEnv); fake != "" && os.Getenv(workerEnv) != "" {
		testmain.Exit(fakeWorker(fake))
	}
	if ok, err := Worker(); ok {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			testmain.Exit(1)
		}
		testmain.Exit(0)
	}
	// The tests compute reach about thirty times over the same source.
	parseMemo = new(sync.Map)
	code := m.Run()
	if reference.tmp != "" {
		os.RemoveAll(reference.tmp)
	}
	testmain.Exit(code)
}

func fakeWorker(fake string) int {
	stack := strings.TrimPrefix(fake, "fail:")
	path := os.Getenv(workerEnv)
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var w work
	if err := json.Unmarshal(b, &w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if !slices.Contains(w.Stacks, stack) {
		os.WriteFile(path+".pid", []byte(strconv.Itoa(os.Getpid())), 0o644)
		time.Sleep(10 * time.Minute)
		return 0
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		works, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.work.json"))
		pids, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.work.json.pid"))
		if len(pids) == len(works)-1 {
			break
		}
	}
	fmt.Fprintf(os.Stderr, "injected failure while building %s\n", stack)
	return 3
}

// moduleSource is the module's source tree on disk (tests run in synth/).
var moduleSource = os.DirFS("../..")

// plainSynth is the reference the engine must match byte for byte: one
// cdktf app, every stack built in one process, synthesized once.
func plainSynth(t *testing.T, envs []config.Environment, all []clients.Client) string {
	t.Helper()
	dir := t.TempDir()
	if err := plainSynthInto(dir, envs, all); err != nil {
		t.Fatal(err)
	}
	return dir
}

func plainSynthInto(dir string, envs []config.Environment, all []clients.Client) error {
	app := cdktf.NewApp(stacks.AppConfig(dir))
	if err := stacks.Build(app, envs, all); err != nil {
		return fmt.Errorf("Build: %w", err)
	}
	app.Synth()
	return nil
}

// reference is the plain synthesis of the real configuration, shared by
// the tests that compare the engine's output with it (TestMain removes
// it): each of them synthesized the same app, with the same options, into
// the same bytes, a whole synthesis apiece.
var reference struct {
	once sync.Once
	tmp  string // removed by TestMain
	dir  string
	err  error
}

// referenceSynth is plainSynth(t, config.Environments(), clients.All),
// synthesized once per test binary. Callers only read it.
func referenceSynth(t *testing.T) string {
	t.Helper()
	reference.once.Do(func() {
		reference.tmp, reference.err = os.MkdirTemp("", "stratum-synth-reference-")
		if reference.err == nil {
			// Made as t.TempDir makes its directories (0777 less the
			// umask): sameTree compares the root's mode too.
			reference.dir = filepath.Join(reference.tmp, "plain")
			reference.err = os.Mkdir(reference.dir, 0o777)
		}
		if reference.err == nil {
			reference.err = plainSynthInto(reference.dir, config.Environments(), clients.All)
		}
		if reference.err != nil {
			reference.err = fmt.Errorf("the reference synthesis: %w", reference.err)
		}
	})
	if reference.err != nil {
		t.Fatal(reference.err)
	}
	return reference.dir
}

// TestByteIdentical: whatever the engine does (worker processes, a cold
// or a warm cache, a changed or an added client), every file it writes
// is the file a plain synthesis writes, with the same mode, and no other
// file. Only the stacks whose inputs changed are synthesized again. It
// starts three jsii runtimes: this process's and two workers'.
func TestByteIdentical(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three jsii runtimes; runs without -short")
	}
	envs := config.Environments()
	cache := t.TempDir()
	plain := referenceSynth(t)
	all := func(u []stacks.Unit) []string {
		var out []string
		for _, x := range u {
			out = append(out, x.Name)
		}
		return out
	}
	units, err := stacks.Plan(envs, clients.All)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("worker processes, cold cache", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "cdktf.out")
		r, err := Run(envs, clients.All, Options{Outdir: out, Workers: 2, CacheDir: cache, Source: moduleSource})
		if err != nil {
			t.Fatal(err)
		}
		if r.Processes != 2 || !reflect.DeepEqual(r.Synthesized, all(units)) {
			t.Errorf("got %d processes synthesizing %v, want 2 synthesizing every stack", r.Processes, r.Synthesized)
		}
		sameTree(t, plain, out)
	})

	t.Run("warm cache", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "cdktf.out")
		r, err := Run(envs, clients.All, Options{Outdir: out, Workers: 2, CacheDir: cache, Source: moduleSource})
		if err != nil {
			t.Fatal(err)
		}
		if r.Processes != 0 || len(r.Synthesized) != 0 {
			t.Errorf("got %d processes synthesizing %v, want none: the cache holds every stack", r.Processes, r.Synthesized)
		}
		sameTree(t, plain, out)
	})

	// ownStacks are the stacks of client c in the plan of all, in plan order.
	ownStacks := func(t *testing.T, all []clients.Client, c clients.Client) []string {
		t.Helper()
		u, err := stacks.Plan(envs, all)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range u {
			for _, e := range c.Environments {
				if x.Name == contract.Databases.StackName(e.Name, c.Name) || x.Name == contract.Client.StackName(e.Name, c.Name) {
					out = append(out, x.Name)
				}
			}
		}
		return out
	}

	t.Run("one client changed", func(t *testing.T) {
		if len(clients.All) == 0 {
			t.Skip("clients.All is empty: no client to change (client added covers a client's stacks)")
		}
		changed := slices.Clone(clients.All)
		changed[0].CostCentre += "-changed"
		out := filepath.Join(t.TempDir(), "cdktf.out")
		r, err := Run(envs, changed, Options{Outdir: out, CacheDir: cache, Source: moduleSource, inProcess: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := ownStacks(t, changed, changed[0]); !reflect.DeepEqual(r.Synthesized, want) {
			t.Errorf("synthesized %v, want %v: %s's own stacks, the only ones whose inputs hold it", r.Synthesized, want, changed[0].Name)
		}
		sameTree(t, plainSynth(t, envs, changed), out)
	})

	t.Run("client added", func(t *testing.T) {
		// In two environments: prod and dev.
		c := clientstest.Newcomer(envs)
		c.Environments = []clients.Environment{c.Environments[0], c.Environments[len(c.Environments)-1]}
		c = clientstest.Fresh(t, clients.All, envs, c)
		added := append(slices.Clone(clients.All), c)
		out := filepath.Join(t.TempDir(), "cdktf.out")
		r, err := Run(envs, added, Options{Outdir: out, CacheDir: cache, Source: moduleSource, inProcess: true})
		if err != nil {
			t.Fatal(err)
		}
		if want := ownStacks(t, added, c); len(want) != 4 || !reflect.DeepEqual(r.Synthesized, want) {
			t.Errorf("synthesized %v, want %v: the new client's own stacks and nothing else", r.Synthesized, want)
		}
		sameTree(t, plainSynth(t, envs, added), out)
	})
}

// sameTree fails unless dirs want and got hold the same files with the
// same bytes and permission bits.
func sameTree(t *testing.T, want, got string) {
	t.Helper()
	w, g := readTree(t, want), readTree(t, got)
	for p, wf := range w {
		gf, ok := g[p]
		switch {
		case !ok:
			t.Errorf("%s: missing (a plain synthesis writes it)", p)
		case !bytes.Equal(gf.data, wf.data):
			t.Errorf("%s: %d bytes differ from the plain synthesis's %d bytes", p, len(gf.data), len(wf.data))
		case gf.mode != wf.mode:
			t.Errorf("%s: mode %v, want %v", p, gf.mode, wf.mode)
		}
	}
	for p := range g {
		if _, ok := w[p]; !ok {
			t.Errorf("%s: written, but a plain synthesis does not write it", p)
		}
	}
	if len(w) < 2 {
		t.Errorf("plain synthesis wrote %d files; the comparison proves nothing", len(w))
	}
}

type treeFile struct {
	data []byte
	mode fs.FileMode
}

func readTree(t *testing.T, dir string) map[string]treeFile {
	t.Helper()
	out := map[string]treeFile{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			out[rel+"/"] = treeFile{mode: info.Mode()}
			return nil
		}
		b, err := os.ReadFile(path)
		out[rel] = treeFile{data: b, mode: info.Mode()}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWorkerFailure: when one worker fails, the run fails with that
// worker's error and output, the other workers are stopped, and the
// output directory, the cache and the temporary directory are as they
// were. The workers are fakes (fakeWorkerEnv): no jsii runtime starts.
func TestWorkerFailure(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Setenv(fakeWorkerEnv, "fail:client-ezra-prod")
	out := filepath.Join(t.TempDir(), "cdktf.out")
	writeFiles(t, out, map[string]string{
		"manifest.json":                           "previous manifest",
		"stacks/client-ezra-prod/cdk.tf.json":     "previous stack",
		"stacks/client-ezra-prod/.terraform/keep": "terraform's own",
	})
	before := readTree(t, out)
	cache := t.TempDir()

	_, err := Run(config.Environments(), clients.All, Options{Outdir: out, Workers: 3, CacheDir: cache, Source: moduleSource})
	if err == nil {
		t.Fatal("Run succeeded, want the injected failure")
	}
	for _, want := range []string{"injected failure while building client-ezra-prod", "worker ", "client-ezra-prod", "exit status 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if after := readTree(t, out); !reflect.DeepEqual(after, before) {
		t.Errorf("the output directory changed: got %v, want %v", slices.Sorted(maps.Keys(after)), slices.Sorted(maps.Keys(before)))
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary directory holds %v after the run, want nothing", left)
	}
	entries := 0
	filepath.WalkDir(cache, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			entries++
		}
		return nil
	})
	if entries != 0 {
		t.Errorf("the cache holds %d files after a failed run, want 0", entries)
	}
}

// TestWorkerFailureStopsOthers: the workers still running when one fails
// are stopped, not waited for.
func TestWorkerFailureStopsOthers(t *testing.T) {
	t.Setenv(fakeWorkerEnv, "fail:client-ezra-prod")
	envs, all := config.Environments(), clients.All
	units, inputs, err := planOf(envs, all)
	if err != nil {
		t.Fatal(err)
	}
	staging := t.TempDir()
	var idx []int
	for i := range units {
		idx = append(idx, i)
	}
	parts := partition(units, idx, 3)
	_, err = synthesizeInWorkers(nil, envs, all, units, inputs, parts, 0, staging, &bytes.Buffer{})
	if err == nil {
		t.Fatal("synthesizeInWorkers succeeded, want the injected failure")
	}
	pids, _ := filepath.Glob(filepath.Join(staging, "*.pid"))
	if len(pids) == 0 {
		t.Fatal("no other worker was waiting; the test proves nothing")
	}
	for _, p := range pids {
		b, _ := os.ReadFile(p)
		pid, _ := strconv.Atoi(string(b))
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("worker %d is still running after the run failed (kill: %v)", pid, err)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		path := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInvalidConfiguration: bad input fails before anything is written.
func TestInvalidConfiguration(t *testing.T) {
	bad := slices.Clone(clients.All)
	bad[0].Name = "Bad_Name"
	out := filepath.Join(t.TempDir(), "cdktf.out")
	_, err := Run(config.Environments(), bad, Options{Outdir: out, Workers: 2})
	if err == nil || !strings.Contains(err.Error(), "Bad_Name") {
		t.Fatalf("got error %v, want one naming the bad client name", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("output directory exists after a failed run (stat: %v)", err)
	}
}
