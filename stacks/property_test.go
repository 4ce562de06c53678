package stacks

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/clientstest"
	"stratum/testkit/configtest"
	"stratum/testkit/testenv"
)

// candidate is a configuration the validation tests hold to be valid.
type candidate struct {
	name string
	envs []config.Environment
	all  []clients.Client
	// valid is false for fuzzer seeds meant to be refused: they are built
	// only if Validate accepts them after all.
	valid bool
}

// candidates are every good case of config's and clients' rule tables,
// every seed of their fuzzers, and the edges no single case reaches.
func candidates() []candidate {
	var out []candidate
	for _, c := range configtest.EnvironmentCases {
		if c.Good != nil {
			envs := config.Environments()
			c.Good(envs)
			out = append(out, candidate{"config " + c.Name, envs, clients.All, true})
		}
	}
	for _, c := range clientstest.ClientCases {
		if c.Good != nil {
			all := clientstest.Sample()
			c.Good(all)
			out = append(out, candidate{"clients " + c.Name, config.Environments(), all, true})
		}
	}
	for i, s := range configtest.EnvironmentSeeds {
		out = append(out, candidate{fmt.Sprintf("config fuzz seed %d", i), s.Environments(), clients.All, i < configtest.AcceptedEnvironmentSeeds})
	}
	for i, s := range clientstest.ClientSeeds {
		out = append(out, candidate{fmt.Sprintf("clients fuzz seed %d", i), config.Environments(), s.Clients(), i < clientstest.AcceptedClientSeeds})
	}

	// The longest names: an environment name and a client name at their
	// limits, with the longest bucket and application names their AWS
	// names allow.
	envs := config.Environments()
	long := strings.Repeat("e", config.MaxEnvironmentNameLength)
	envs[configtest.Dev].Name = long
	client := strings.Repeat("c", clients.MaxNameLength)
	prefix := len(clients.Client{Name: client}.NamesIn(long).Prefix) + 1
	bucket, app := "b"+strings.Repeat("x", 63-prefix-1), "a"+strings.Repeat("x", 64-prefix-1)
	out = append(out, candidate{"longest names", envs, []clients.Client{{
		Name: client, DisplayName: "C", CostCentre: "cc",
		Environments: []clients.Environment{{Name: long}},
		Buckets:      []clients.Bucket{{Name: bucket}},
		Applications: []clients.Application{{Name: app, Port: 65535, Buckets: map[string]clients.Access{bucket: clients.ReadWrite}, Database: true}},
	}}, true})

	// A second production environment, with a client.
	envs = config.Environments()
	second := configtest.SecondProduction(envs)
	out = append(out, candidate{"second production environment", append(envs, second), []clients.Client{{
		Name: "acme", DisplayName: "Acme", CostCentre: "cc-1999", Environments: []clients.Environment{{Name: second.Name}},
	}}, true})
	return out
}

// TestValidConfigurationsBuild: every configuration Validate accepts
// builds without a panic, so no construct refuses what the validation
// allows (the two use the same rules, package awsrules, and this proves
// it for every case the validation tests hold valid).
//
// It is meant to stay affordable: one jsii runtime (this test binary's),
// no synthesis (a panic happens while constructs are created), and each
// stack built alone, with empty stand-ins for the stacks it imports from,
// and only when what its builder reads (stackReads, tenancyReads, proven
// complete by TestStackReads) differs from every stack built before. A
// case thus costs the stacks its change feeds: a database size one
// database stack, a region every stack of its environment.
func TestValidConfigurationsBuild(t *testing.T) {
	testenv.Long(t, "builds the stacks of every valid configuration of the rule tables")
	start := time.Now()
	built := map[string]bool{}
	var configurations, stacks int
	for _, c := range candidates() {
		all := c.all
		err := Validate(c.envs, all)
		if err != nil {
			// A case that renames an environment leaves clients in one that
			// no longer exists; without those placements it is valid.
			all = placedIn(c.envs, all)
			err = Validate(c.envs, all)
		}
		if err != nil {
			if c.valid {
				t.Errorf("%s: not a valid configuration: %v", c.name, err)
			}
			continue
		}
		configurations++
		for _, env := range c.envs {
			for _, s := range stackBuilders(env, clients.Tenancies(all, env)) {
				key := s.name + " " + s.inputs
				if built[key] {
					continue
				}
				built[key] = true
				stacks++
				if p := buildAlone(s.name, StackNames(env, clients.Tenancies(all, env)), s.build); p != nil {
					t.Errorf("%s: Validate accepts it, but building %s panics: %v", c.name, s.name, p)
				}
			}
		}
	}
	if configurations < 50 {
		t.Errorf("only %d valid configurations built: the cases or seeds are not being reached", configurations)
	}
	t.Logf("%d valid configurations, %d distinct stacks built in %v", configurations, stacks, time.Since(start).Round(time.Millisecond))
}

// placedIn is all without the placements in environments envs lacks, and
// without the clients left in none.
func placedIn(envs []config.Environment, all []clients.Client) []clients.Client {
	var out []clients.Client
	for _, c := range all {
		var in []clients.Environment
		for _, e := range c.Environments {
			if _, err := config.Get(envs, e.Name); err == nil {
				in = append(in, e)
			}
		}
		if len(in) > 0 {
			c.Environments = in
			out = append(out, c)
		}
	}
	return out
}

// stackBuilder builds one stack of Build's from its inputs.
type stackBuilder struct {
	name  string
	layer contract.Layer
	// inputs are what the builder reads, as JSON: the fields of its
	// environment and tenancies that stackReads and tenancyReads list.
	inputs string
	build  func(app cdktf.App) *Stack
}

// everyStackReads are the Environment fields (paths of field names) every
// stack reads: its provider's region, account pin and role, and its
// backend.
var everyStackReads = []string{"Name", "Region", "AccountID", "AssumeRoleARN", "State.Bucket", "State.LockTable", "State.CustomerManagedKey"}

// stackReads are the further Environment fields (paths) each layer's
// builder reads.
// TestStackReads proves the lists complete.
var stackReads = map[contract.Layer][]string{
	contract.Bootstrap: {"State", "CI", "Production", "LogRetentionDays", "Cluster.BreakGlassRoleARN", "Audit.TrailBucket", "Audit.Config"},
	contract.Audit: {"Audit", "State", "LogRetentionDays", "DeletionProtection", "Alerts", "CI", "Production",
		"Cluster.BreakGlassRoleARN", "Cluster.PublicAccessCIDRs", "Database.MultiAZ"},
	contract.Foundation: {"Network", "VPN", "LogRetentionDays", "Backup", "DeletionProtection", "Alerts"},
	contract.Platform:   {"VPN", "Cluster", "LogRetentionDays", "Domain", "CI", "Production", "Alerts.RunbookBaseURL"},
	contract.Services:   {"DeletionProtection", "Cluster.Version"},
	contract.Databases:  {"DeletionProtection", "LogRetentionDays", "Alerts.Thresholds", "Alerts.RunbookBaseURL"},
	contract.Client:     {"Network", "VPN", "Alerts.RunbookBaseURL"},
}

// tenancyReads are the Tenancy fields (paths of field names) the
// databases and client stacks read; each reads its environment as
// stackReads says. TestStackReads proves the lists complete.
var tenancyReads = map[contract.Layer][]string{
	contract.Databases: {"Client.Name", "Client.CostCentre", "Database", "Names"},
	contract.Client:    {"Client.Name", "Client.CostCentre", "Client.Buckets", "Client.Applications", "Nodes", "Quota", "Domain", "Names", "MonthlyBudgetUSD"},
}

// envReads are the Environment fields l's builder reads.
func envReads(l contract.Layer) []string {
	return append(slices.Clone(everyStackReads), stackReads[l]...)
}

// projected is v (a struct) with only the fields at paths, the rest zero.
func projected[T any](v T, paths []string) T {
	var out T
	for _, p := range paths {
		src, dst := reflect.ValueOf(v), reflect.ValueOf(&out).Elem()
		for _, name := range strings.Split(p, ".") {
			src, dst = src.FieldByName(name), dst.FieldByName(name)
		}
		dst.Set(src)
	}
	return out
}

// stackBuilders are Build's stacks of env, in Build's order (the stack
// list's rows, built from env and tenancies as given).
func stackBuilders(env config.Environment, tenancies []clients.Tenancy) []stackBuilder {
	inputs := func(v ...any) string {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	var out []stackBuilder
	eachStack(env, tenancies, func(r stackRow, name string, t *clients.Tenancy) {
		l, in, tn := r.layer, inputs(projected(env, envReads(r.layer))), clients.Tenancy{}
		if t != nil {
			tn = *t
			in = inputs(projected(env, envReads(l)), projected(tn, tenancyReads[l]))
		}
		out = append(out, stackBuilder{name, l, in, func(app cdktf.App) *Stack { return r.build(app, env, tn) }})
	})
	return out
}

// TestStackReads proves stackReads and tenancyReads complete: each stack,
// built from an environment and tenancies whose every other field is
// changed, synthesizes to the same bytes. (Had a builder read a changed
// field, its stack would differ, or its build would panic on the nonsense
// values.) The environment is prod, with its clients and the newcomer
// (so that the client layers are built whatever the real slice holds).
func TestStackReads(t *testing.T) {
	testenv.Long(t, "synthesizes every stack alone twice")
	env := config.Environments()[configtest.Prod]
	tenancies := clients.Tenancies(withNewcomer(newcomer(t)), env)
	names := StackNames(env, tenancies)
	for _, l := range append(slices.Clone(environmentLayers), clientLayers...) {
		if _, ok := stackReads[l]; !ok {
			t.Fatalf("stackReads has no entry for layer %s", l)
		}
	}
	for i, b := range stackBuilders(env, tenancies) {
		t.Run(b.name, func(t *testing.T) {
			layer := b.layer
			changed := changedExcept(env, envReads(layer))
			var moved []clients.Tenancy
			for _, tn := range tenancies {
				tn = changedExcept(tn, append([]string{"Env"}, tenancyReads[layer]...))
				tn.Env = changed
				moved = append(moved, tn)
			}
			other := stackBuilders(changed, moved)[i]
			want, err := synthAlone(b.name, names, b.build)
			if err != nil {
				t.Fatal(err)
			}
			got, err := synthAlone(b.name, names, other.build)
			if err != nil {
				t.Fatalf("built from inputs whose unread fields changed: %v; add the field it reads to stackReads or tenancyReads", err)
			}
			if got != want {
				t.Errorf("differs when only fields outside stackReads[%s] and tenancyReads[%s] change: add the field it reads", layer, layer)
			}
		})
	}
}

// changedExcept is v (a struct) with every field but those at keep (paths
// of field names) changed: strings extended, numbers incremented,
// booleans flipped, lists and maps given an element, pointers set,
// recursively.
func changedExcept[T any](v T, keep []string) T {
	out := v
	changeExcept(reflect.ValueOf(&out).Elem(), "", keep)
	return out
}

func changeExcept(v reflect.Value, path string, keep []string) {
	if slices.Contains(keep, path) {
		return
	}
	if v.Kind() == reflect.Struct {
		for i := 0; i < v.NumField(); i++ {
			p := v.Type().Field(i).Name
			if path != "" {
				p = path + "." + p
			}
			changeExcept(v.Field(i), p, keep)
		}
		return
	}
	for _, k := range keep {
		if strings.HasPrefix(k, path+".") && path != "" {
			panic(fmt.Sprintf("changedExcept: %s is kept, but %s is not a struct", k, path))
		}
	}
	change(v)
}

func change(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			change(v.Field(i))
		}
	case reflect.Pointer:
		// A new value: the original's is shared.
		p := reflect.New(v.Type().Elem())
		if !v.IsNil() {
			p.Elem().Set(v.Elem())
		}
		change(p.Elem())
		v.Set(p)
	case reflect.Slice:
		// A new backing array: the original's is shared.
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len()+1)
		reflect.Copy(s, v)
		s = reflect.Append(s, reflect.Zero(v.Type().Elem()))
		for i := 0; i < s.Len(); i++ {
			change(s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			change(e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	default:
		panic(fmt.Sprintf("change: %s fields are not handled", v.Kind()))
	}
}

// synthAlone builds one stack as buildAlone does and returns its
// synthesized JSON, or what building it panicked with.
func synthAlone(name string, env []string, build func(app cdktf.App) *Stack) (out string, err error) {
	var s *Stack
	if p := buildAlone(name, env, func(app cdktf.App) *Stack { s = build(app); return s }); p != nil {
		return "", fmt.Errorf("panic: %v", p)
	}
	return *cdktf.Testing_Synth(s.TF, jsii.Bool(false)), nil
}

// buildAlone builds one stack in a new app, after empty stand-ins for the
// other stacks of its environment (an import needs its producer to exist,
// not its resources), and returns what building it panicked with.
func buildAlone(name string, env []string, build func(app cdktf.App) *Stack) (recovered any) {
	app := cdktf.NewApp(nil)
	for _, other := range env {
		if other != name {
			cdktf.NewTerraformStack(app, jsii.String(other))
		}
	}
	if !slices.Contains(env, name) {
		return fmt.Sprintf("%s is not one of the environment's stacks %v", name, env)
	}
	defer func() { recovered = recover() }()
	build(app)
	return nil
}
