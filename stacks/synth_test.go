package stacks

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/golden"
	"stratum/tools/hclexport"
	"stratum/tools/synthesis"
)

const snapshotDir = "../__snapshots__"

// synthesized is one synthesized app, read back from disk.
type synthesized struct {
	// raw is each stack's cdk.tf.json as written.
	raw map[string][]byte
	// stacks is each stack's cdk.tf.json parsed.
	stacks map[string]tfJSON
	// deps is each stack's dependencies from manifest.json.
	deps map[string][]string
	// hcl is each stack as `stratum hcl` writes it (defaultSynth only),
	// or hclErr why it could not be.
	hcl    map[string][]byte
	hclErr error
}

// tfJSON is a parsed cdk.tf.json.
type tfJSON map[string]any

// synth builds and synthesizes an app from envs and all into a temporary
// directory and reads every stack back.
func synth(t testing.TB, envs []config.Environment, all []clients.Client) *synthesized {
	t.Helper()
	return synthApp(t, envs, all, false)
}

// synthApp is synth, also rendering every stack as HCL when withHCL.
func synthApp(t testing.TB, envs []config.Environment, all []clients.Client, withHCL bool) *synthesized {
	t.Helper()
	dir, err := os.MkdirTemp("", "stratum-synth-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	app := cdktf.NewApp(AppConfig(dir))
	if err := Build(app, envs, all); err != nil {
		t.Fatalf("Build: %v", err)
	}
	app.Synth()
	out := readOut(t, dir)
	if withHCL {
		out.hcl, out.hclErr = hclexport.RenderApp(app, dir)
	}
	return out
}

func readOut(t testing.TB, dir string) *synthesized {
	t.Helper()
	syn, err := synthesis.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := &synthesized{raw: map[string][]byte{}, stacks: map[string]tfJSON{}, deps: map[string][]string{}}
	for _, st := range syn.Stacks {
		var parsed tfJSON
		if err := json.Unmarshal(st.JSON, &parsed); err != nil {
			t.Fatalf("%s: %v", st.Name, err)
		}
		out.raw[st.Name] = st.JSON
		out.stacks[st.Name] = parsed
		out.deps[st.Name] = st.Dependencies
	}
	return out
}

var (
	defaultOnce sync.Once
	defaultApp  *synthesized
)

// defaultSynth is the real configuration synthesized once per test binary:
// loading the provider schemas through jsii costs seconds. Under -short
// (the developer's loop) it is no synthesis of its own: it is the real
// stacks of the onboarded app (onboardedSynth), which holds every one of
// them byte for byte with the same dependencies — TestOnboarding, in the
// long tier, proves it by synthesizing both. The long tier also renders
// every stack as HCL for the Terraform tier.
func defaultSynth(t testing.TB) *synthesized {
	t.Helper()
	defaultOnce.Do(func() {
		if testing.Short() {
			onboarded, _ := onboardedSynth(t)
			defaultApp = onboarded.only(stackEnvironments(config.Environments(), clients.All))
			return
		}
		defaultApp = synthApp(t, config.Environments(), clients.All, true)
	})
	if defaultApp == nil {
		t.Fatal("synthesis failed earlier")
	}
	return defaultApp
}

// only is s restricted to the stacks named in keep.
func (s *synthesized) only(keep map[string]config.Environment) *synthesized {
	out := &synthesized{raw: map[string][]byte{}, stacks: map[string]tfJSON{}, deps: map[string][]string{}, hclErr: s.hclErr}
	for name := range s.stacks {
		if _, ok := keep[name]; ok {
			out.raw[name], out.stacks[name], out.deps[name] = s.raw[name], s.stacks[name], s.deps[name]
		}
	}
	return out
}

// names returns the stack names, sorted.
func (s *synthesized) names() []string {
	var out []string
	for n := range s.stacks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// stackEnvironments maps every stack Build makes of envs and all to its
// environment (stack names cannot be split: environment names may contain
// hyphens).
func stackEnvironments(envs []config.Environment, all []clients.Client) map[string]config.Environment {
	out := map[string]config.Environment{}
	for _, env := range envs {
		for _, name := range StackNames(env, clients.Tenancies(all, env)) {
			out[name] = env
		}
	}
	return out
}

// TestSnapshots compares every stack with its golden file, and the app
// has exactly the stacks StackNames lists.
func TestSnapshots(t *testing.T) {
	s := defaultSynth(t)
	want := slices.Sorted(maps.Keys(stackEnvironments(config.Environments(), clients.All)))
	if !slices.Equal(s.names(), want) {
		t.Errorf("synthesized stacks %v, want StackNames' %v", s.names(), want)
	}
	for _, name := range s.names() {
		t.Run(name, func(t *testing.T) {
			golden.Check(t, filepath.Join(snapshotDir, name+".json"), s.raw[name])
		})
	}
	// A golden file without a stack is a stack that disappeared.
	files, _ := filepath.Glob(filepath.Join(snapshotDir, "*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, ok := s.stacks[name]; ok {
			continue
		}
		if *golden.Update {
			os.Remove(f)
			continue
		}
		t.Errorf("%s: golden file of stack %s, which is no longer synthesized (run `make update` if that is intended)", f, name)
	}
}

// eachStackOf runs f, as a subtest, for the stack of layer in every
// environment of the real configuration.
func eachStackOf(t *testing.T, s *synthesized, layer contract.Layer, f func(t *testing.T, env config.Environment, j tfJSON)) {
	t.Helper()
	for _, env := range config.Environments() {
		t.Run(env.Name, func(t *testing.T) { f(t, env, s.stack(t, layer.StackName(env.Name, ""))) })
	}
}

// resources returns the stack's resources of type typ, by address name.
func (j tfJSON) resources(typ string) map[string]map[string]any {
	return j.block("resource", typ)
}

// mustResources is resources, failing the test when the stack has none of
// typ: a loop over them must not pass by checking nothing.
func (j tfJSON) mustResources(t testing.TB, typ string) map[string]map[string]any {
	t.Helper()
	r := j.resources(typ)
	if len(r) == 0 {
		t.Fatalf("no %s in the stack", typ)
	}
	return r
}

// exactly is resources, failing the test unless the stack has n of typ.
func (j tfJSON) exactly(t testing.TB, n int, typ string) map[string]map[string]any {
	t.Helper()
	r := j.resources(typ)
	if len(r) != n {
		t.Fatalf("got %d %s, want %d", len(r), typ, n)
	}
	return r
}

// data returns the stack's data sources of type typ, by address name.
func (j tfJSON) data(typ string) map[string]map[string]any {
	return j.block("data", typ)
}

func (j tfJSON) block(kind, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	byType, _ := j[kind].(map[string]any)
	all, _ := byType[typ].(map[string]any)
	for name, v := range all {
		out[name], _ = v.(map[string]any)
	}
	return out
}

// stack returns the named stack or fails the test.
func (s *synthesized) stack(t testing.TB, name string) tfJSON {
	t.Helper()
	j, ok := s.stacks[name]
	if !ok {
		t.Fatalf("stack %s was not synthesized; have %v", name, s.names())
	}
	return j
}
