package stacks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/contract"
)

// TestContract proves the SSM wiring: every parameter a stack reads is
// written by exactly one stack, that stack is upstream of the reader in
// the dependency graph, and the graph has no cycle.
func TestContract(t *testing.T) {
	s := defaultSynth(t)
	writers := map[string][]string{}
	for _, name := range s.names() {
		for _, p := range s.stacks[name].resources("aws_ssm_parameter") {
			n := p["name"].(string)
			writers[n] = append(writers[n], name)
		}
	}
	if len(writers) == 0 {
		t.Fatal("no stack writes a parameter")
	}
	reads := 0
	for n, ws := range writers {
		if len(ws) != 1 {
			t.Errorf("parameter %s is written by %d stacks %v, want 1", n, len(ws), ws)
		}
	}
	for _, name := range s.names() {
		for _, d := range s.stacks[name].data("aws_ssm_parameter") {
			reads++
			n := d["name"].(string)
			ws := writers[n]
			if len(ws) != 1 {
				t.Errorf("%s reads %s, written by %v, want exactly one stack", name, n, ws)
				continue
			}
			if !s.upstream(ws[0], name) {
				t.Errorf("%s reads %s from %s, which is not upstream of it (deps %v)", name, n, ws[0], s.deps[name])
			}
		}
	}
	if reads == 0 {
		t.Error("no stack reads a parameter: the contract is checked on nothing")
	}
	if cycle := s.cycle(); cycle != nil {
		t.Errorf("stack dependency cycle: %v", cycle)
	}
}

// upstream reports whether producer is a transitive dependency of consumer.
func (s *synthesized) upstream(producer, consumer string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		for _, d := range s.deps[n] {
			if d == producer {
				return true
			}
			if !seen[d] {
				seen[d] = true
				if walk(d) {
					return true
				}
			}
		}
		return false
	}
	return walk(consumer)
}

// cycle returns one dependency cycle, or nil.
func (s *synthesized) cycle() []string {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		path = append(path, n)
		for _, d := range s.deps[n] {
			switch state[d] {
			case active:
				return append(append([]string{}, path...), d)
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range s.names() {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

func TestCycleDetection(t *testing.T) {
	s := &synthesized{
		stacks: map[string]tfJSON{"a": {}, "b": {}, "c": {}},
		deps:   map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}},
	}
	if s.cycle() == nil {
		t.Error("a→b→c→a: no cycle found")
	}
	s.deps["c"] = nil
	if c := s.cycle(); c != nil {
		t.Errorf("a→b→c: found cycle %v", c)
	}
	if !s.upstream("c", "a") || s.upstream("a", "c") {
		t.Error("upstream is wrong for a→b→c")
	}
}

// TestContractRefusesMiswiring: exporting from a stack other than the
// producer, importing one's own parameter or a parameter whose producer is
// not in the app (built later) is a programming error and panics with the
// stacks involved; an import of a built producer records the dependency.
func TestContractRefusesMiswiring(t *testing.T) {
	at := contract.At{Env: "dev"}
	cases := []struct {
		name string
		// stacks are created in order; the last is the one used.
		stacks []string
		use    func(s cdktf.TerraformStack)
		want   string
	}{
		{"export from another stack", []string{"foundation-dev", "platform-dev"},
			func(s cdktf.TerraformStack) { contract.VPCID.Export(contract.NewStack(s), at, jsii.String("vpc-1")) },
			"/stratum/dev/foundation/vpc/id is produced by stack foundation-dev, not platform-dev"},
		{"export another client's database value", []string{"database-ezra-dev"},
			func(s cdktf.TerraformStack) {
				contract.DatabaseEndpoint.Export(contract.NewStack(s), contract.At{Env: "dev", Client: "acme"}, jsii.String("db.example"))
			},
			"/stratum/dev/databases/acme/endpoint is produced by stack database-acme-dev, not database-ezra-dev"},
		{"import its own parameter", []string{"foundation-dev"},
			func(s cdktf.TerraformStack) { contract.VPCID.Import(contract.NewStack(s), at) },
			"stack foundation-dev imports its own parameter /stratum/dev/foundation/vpc/id"},
		{"import before the producer is built", []string{"foundation-dev", "services-dev"},
			func(s cdktf.TerraformStack) { contract.ClusterName.Import(contract.NewStack(s), at) },
			"stack services-dev reads /stratum/dev/platform/cluster/name, but its producer platform-dev is not in the app"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := cdktf.NewApp(nil)
			var s cdktf.TerraformStack
			for _, name := range tc.stacks {
				s = cdktf.NewTerraformStack(app, jsii.String(name))
			}
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("recovered %v, want a panic mentioning %q", r, tc.want)
				}
			}()
			tc.use(s)
		})
	}

	app := cdktf.NewApp(nil)
	cdktf.NewTerraformStack(app, jsii.String("foundation-dev"))
	platform := cdktf.NewTerraformStack(app, jsii.String("platform-dev"))
	reader := contract.NewStack(platform)
	contract.VPCID.Import(reader, at)
	contract.VPCID.Import(reader, at) // a second read reuses the data source
	var deps []string
	for _, d := range *platform.Dependencies() {
		deps = append(deps, *d.Node().Id())
	}
	if fmt.Sprint(deps) != "[foundation-dev]" {
		t.Errorf("platform-dev depends on %v, want [foundation-dev] once", deps)
	}
}

// TestContractStandsInOnlyForStacksBuiltElsewhere: an app whose context
// names stacks other processes build (contract.BuiltElsewhere, what the
// synthesis engine's workers set) gets an empty stand-in for such a
// producer, which its consumer depends on; a producer it does not name
// still panics; and an app without the context, built after it, keeps
// nothing of it (each stack's contract side is its own value).
func TestContractStandsInOnlyForStacksBuiltElsewhere(t *testing.T) {
	at := contract.At{Env: "dev"}
	ctx := contract.BuiltElsewhereContext([]string{"foundation-dev"})
	app := cdktf.NewApp(&cdktf.AppConfig{Context: &ctx})
	services := cdktf.NewTerraformStack(app, jsii.String("services-dev"))
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "producer platform-dev is not in the app") {
				t.Errorf("reading a producer not built elsewhere: recovered %v, want the missing producer's panic", r)
			}
		}()
		contract.ClusterName.Import(contract.NewStack(services), at) // platform-dev: neither here nor elsewhere
	}()

	platform := cdktf.NewTerraformStack(app, jsii.String("platform-dev"))
	contract.VPCID.Import(contract.NewStack(platform), at)
	var deps []string
	for _, d := range *platform.Dependencies() {
		deps = append(deps, *d.Node().Id())
	}
	if fmt.Sprint(deps) != "[foundation-dev]" || app.Node().TryFindChild(jsii.String("foundation-dev")) == nil {
		t.Errorf("platform-dev depends on %v, want the stand-in foundation-dev", deps)
	}
	plain := cdktf.NewApp(nil)
	other := cdktf.NewTerraformStack(plain, jsii.String("platform-dev"))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "producer foundation-dev is not in the app") {
			t.Errorf("a later app without the context: recovered %v, want the missing producer's panic", r)
		}
	}()
	contract.VPCID.Import(contract.NewStack(other), at)
}
