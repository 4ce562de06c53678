package stacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/clientstest"
	"stratum/testkit/testenv"
)

// newcomer is the client the onboarding tests append to the real slice:
// clientstest.Newcomer under a name and cost centre no client of
// clients.All uses, so that the tests hold whatever a newcomer onboarded.
func newcomer(t testing.TB) clients.Client {
	t.Helper()
	envs := config.Environments()
	return clientstest.Fresh(t, clients.All, envs, clientstest.Newcomer(envs))
}

// onboarded is onboardedSynth with the clients it was built from: the
// real slice and the newcomer, last. Tests of what every client gets run
// on it, so that every environment has a client whatever the real slice
// holds; it holds every real stack byte for byte (TestOnboarding).
func onboarded(t testing.TB) (*synthesized, []clients.Client) {
	t.Helper()
	s, c := onboardedSynth(t)
	return s, withNewcomer(c)
}

// withNewcomer is the real slice with c appended, in a slice of its own.
func withNewcomer(c clients.Client) []clients.Client {
	return append(append([]clients.Client{}, clients.All...), c)
}

// TestOnboarding: appending one client to the slice adds its stacks — its
// database and client stack in each of its environments — and changes no
// byte of any other stack, database stacks included, nor any other
// stack's dependencies. The new client has its own database, and is
// isolated from every other client like the existing clients are.
func TestOnboarding(t *testing.T) {
	testenv.Long(t, "synthesizes the real app apart from the onboarded one, to prove the onboarded app holds it byte for byte")
	before := defaultSynth(t)
	after, all := onboarded(t)
	newcomer := all[len(all)-1]
	envs := config.Environments()

	var added []string
	for _, name := range after.names() {
		if _, ok := before.stacks[name]; !ok {
			added = append(added, name)
		}
	}
	var want []string
	for _, env := range envs {
		for _, l := range clientLayers {
			want = append(want, l.StackName(env.Name, newcomer.Name))
		}
	}
	sort.Strings(want)
	if !slices.Equal(added, want) {
		t.Errorf("new stacks %v, want %v", added, want)
	}

	for _, name := range before.names() {
		t.Run(name, func(t *testing.T) {
			raw, ok := after.raw[name]
			if !ok {
				t.Fatal("stack disappeared")
			}
			if !reflect.DeepEqual(before.deps[name], after.deps[name]) {
				t.Errorf("dependencies %v became %v", before.deps[name], after.deps[name])
			}
			if !bytes.Equal(before.raw[name], raw) {
				t.Errorf("changed when a client was newcomer:\n%s", strings.Join(blockChanges(t, before.raw[name], raw, ""), "\n"))
			}
		})
	}

	for _, env := range envs {
		name := contract.Databases.StackName(env.Name, newcomer.Name)
		db := after.stack(t, name)
		only(t, "instances of "+newcomer.Name+" in "+name, owned(db, "aws_db_instance", newcomer.Name))
		written := map[string]bool{}
		for _, p := range db.resources("aws_ssm_parameter") {
			written[p["name"].(string)] = true
		}
		for _, p := range []contract.String{contract.DatabaseSecurityGroupID, contract.DatabaseSecretARN, contract.DatabaseEndpoint} {
			if param := p.Name(contract.At{Env: env.Name, Client: newcomer.Name}); !written[param] {
				t.Errorf("%s does not write %s: the new client has no database", name, param)
			}
		}
		if tn, ok := newcomer.In(env); ok {
			for _, p := range foreignResources(db, tn) {
				t.Errorf("%s: %s", name, p)
			}
		}
		client := contract.Client.StackName(env.Name, newcomer.Name)
		if !after.upstream(name, client) {
			t.Errorf("%s does not depend on %s (deps %v)", client, name, after.deps[client])
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

// blockChanges lists what after changed of before, block by block (each
// resource and data source by address, each other top-level key whole,
// compared as exact bytes): a block that disappeared or changed, or an
// added block whose address does not name client (any added block when
// client is "").
func blockChanges(t *testing.T, before, after []byte, client string) []string {
	t.Helper()
	was, now := splitStack(t, before), splitStack(t, after)
	var out []string
	for _, key := range slices.Sorted(maps.Keys(was)) {
		got, ok := now[key]
		switch {
		case !ok:
			out = append(out, key+" disappeared")
		case !bytes.Equal(got, was[key]):
			out = append(out, fmt.Sprintf("%s changed:\nbefore: %s\nafter:  %s", key, was[key], got))
		}
	}
	for _, key := range slices.Sorted(maps.Keys(now)) {
		switch _, ok := was[key]; {
		case ok:
		case client == "":
			out = append(out, key+" added")
		case !strings.Contains(key, client):
			out = append(out, key+" added, but it is not "+client+"'s")
		}
	}
	return out
}

// splitStack cuts a synthesized stack into comparable blocks: one per
// resource and data source ("resource.aws_x.addr"), and one per other
// top-level key (provider, terraform, ...), each as its exact bytes.
func splitStack(t *testing.T, raw []byte) map[string]json.RawMessage {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for key, v := range top {
		if key != "resource" && key != "data" {
			out[key] = v
			continue
		}
		var byType map[string]map[string]json.RawMessage
		if err := json.Unmarshal(v, &byType); err != nil {
			t.Fatal(err)
		}
		for typ, byAddr := range byType {
			for addr, r := range byAddr {
				out[key+"."+typ+"."+addr] = r
			}
		}
	}
	return out
}

// TestBlockChanges proves blockChanges finds each kind of change.
func TestBlockChanges(t *testing.T) {
	before := `{"provider":{"aws":[{}]},"resource":{"aws_x":{"a":{"v":1}}}}`
	cases := []struct {
		name, after string
		client      string
		problems    int
	}{
		{"same", before, "acme", 0},
		{"any block added, none allowed", `{"provider":{"aws":[{}]},"resource":{"aws_x":{"a":{"v":1},"acme_b":{}}}}`, "", 1},
		{"the client's block added", `{"provider":{"aws":[{}]},"resource":{"aws_x":{"a":{"v":1},"acme_b":{}}}}`, "acme", 0},
		{"another block added", `{"provider":{"aws":[{}]},"resource":{"aws_x":{"a":{"v":1},"b":{}}}}`, "acme", 1},
		{"value changed", `{"provider":{"aws":[{}]},"resource":{"aws_x":{"a":{"v":2}}}}`, "acme", 1},
		{"block removed", `{"provider":{"aws":[{}]},"resource":{"aws_x":{}}}`, "acme", 1},
		{"provider changed", `{"provider":{"aws":[{"region":"x"}]},"resource":{"aws_x":{"a":{"v":1}}}}`, "acme", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockChanges(t, []byte(before), []byte(tc.after), tc.client); len(got) != tc.problems {
				t.Errorf("blockChanges = %v, want %d problems", got, tc.problems)
			}
		})
	}
}
