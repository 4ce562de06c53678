package stacks

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// acme is a client as a newcomer would append it to clients.All.
var acme = clients.Client{
	Name:        "acme",
	DisplayName: "Acme",
	CostCentre:  "cc-1999",
	Environments: []clients.Environment{
		{Name: "prod"},
		{Name: "staging"},
		{Name: "dev"},
	},
	Buckets: []clients.Bucket{
		{Name: "data", Lifecycle: clients.Lifecycle{Transitions: []clients.Transition{{Days: 60, StorageClass: "GLACIER_IR"}}}},
	},
	Applications: []clients.Application{
		{Name: "api", Port: 8080, Buckets: map[string]clients.Access{"data": clients.ReadWrite}, Database: true},
		{Name: "etl", Buckets: map[string]clients.Access{"data": clients.ReadOnly}},
	},
}

// TestOnboarding: appending one client to the slice adds its stacks and
// its database, and changes no byte of any other stack; databases-<env>
// only gains (the new client's database). The new client is isolated
// from every other one like the existing clients are.
func TestOnboarding(t *testing.T) {
	before := defaultSynth(t)
	all := append(append([]clients.Client{}, clients.All...), acme)
	envs := config.Environments()
	after := synth(t, envs, all)

	for _, name := range before.names() {
		if _, ok := after.stacks[name]; !ok {
			t.Errorf("stack %s disappeared", name)
			continue
		}
		if strings.HasPrefix(name, "databases-") {
			for _, p := range onlyAdditions(name, map[string]any(before.stacks[name]), map[string]any(after.stacks[name])) {
				t.Error(p)
			}
			continue
		}
		if !bytes.Equal(before.raw[name], after.raw[name]) {
			t.Errorf("stack %s changed when a client was added", name)
		}
		if !reflect.DeepEqual(before.deps[name], after.deps[name]) {
			t.Errorf("stack %s: dependencies %v became %v", name, before.deps[name], after.deps[name])
		}
	}

	var added []string
	for _, name := range after.names() {
		if _, ok := before.stacks[name]; !ok {
			added = append(added, name)
		}
	}
	want := []string{"client-acme-dev", "client-acme-prod", "client-acme-staging"}
	if !reflect.DeepEqual(added, want) {
		t.Errorf("new stacks %v, want %v", added, want)
	}

	for _, env := range envs {
		db := after.stack(t, contract.Databases.StackName(env.Name, ""))
		written := map[string]bool{}
		for _, p := range db.resources("aws_ssm_parameter") {
			written[p["name"].(string)] = true
		}
		for _, p := range []contract.String{contract.DatabaseSecurityGroupID, contract.DatabaseSecretARN, contract.DatabaseEndpoint} {
			if name := p.Name(contract.At{Env: env.Name, Client: acme.Name}); !written[name] {
				t.Errorf("databases-%s does not write %s: the new client has no database", env.Name, name)
			}
		}
	}

	names := clientNames(all)
	for _, cs := range clientStacks(t, after, envs, all) {
		for _, p := range policyIsolationProblems(cs.j, cs.env.Name, cs.client.Name, names) {
			t.Errorf("%s: %s", cs.name, p)
		}
		for _, p := range databaseIsolationProblems(cs.j, cs.env.Name, cs.client.Name) {
			t.Errorf("%s: %s", cs.name, p)
		}
	}
}

// onlyAdditions lists what after changed or removed of before: every
// object key of before must still be there with the same value, or with
// an object that only gained keys.
func onlyAdditions(path string, before, after any) []string {
	bm, bok := before.(map[string]any)
	am, aok := after.(map[string]any)
	if bok && aok {
		var out []string
		keys := make([]string, 0, len(bm))
		for k := range bm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			av, ok := am[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s was removed", path, k))
				continue
			}
			out = append(out, onlyAdditions(path+"."+k, bm[k], av)...)
		}
		return out
	}
	if !reflect.DeepEqual(before, after) {
		return []string{fmt.Sprintf("%s changed from %v to %v", path, before, after)}
	}
	return nil
}

func TestOnlyAdditions(t *testing.T) {
	before := map[string]any{"resource": map[string]any{"a": map[string]any{"x": 1.0}}}
	cases := []struct {
		name  string
		after map[string]any
		ok    bool
	}{
		{"same", map[string]any{"resource": map[string]any{"a": map[string]any{"x": 1.0}}}, true},
		{"added resource", map[string]any{"resource": map[string]any{"a": map[string]any{"x": 1.0}, "b": map[string]any{}}}, true},
		{"changed value", map[string]any{"resource": map[string]any{"a": map[string]any{"x": 2.0}}}, false},
		{"removed resource", map[string]any{"resource": map[string]any{"b": map[string]any{"x": 1.0}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := onlyAdditions("stack", before, tc.after); (len(got) == 0) != tc.ok {
				t.Errorf("onlyAdditions = %v, want ok=%t", got, tc.ok)
			}
		})
	}
}
