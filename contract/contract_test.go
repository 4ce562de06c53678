package contract

import (
	"fmt"
	"strings"
	"testing"
)

// TestStackNames pins the public names: users deploy them, CI runs them
// and state keys carry them, so a change here is a breaking change.
func TestStackNames(t *testing.T) {
	cases := []struct {
		layer       Layer
		env, client string
		want        string
	}{
		{Bootstrap, "prod", "", "bootstrap-prod"},
		{Foundation, "prod", "", "foundation-prod"},
		{Platform, "staging", "", "platform-staging"},
		{Services, "dev", "", "services-dev"},
		{Databases, "prod-eu", "ezra", "database-ezra-prod-eu"},
		{Client, "prod", "mtn-ghana", "client-mtn-ghana-prod"},
	}
	for _, tc := range cases {
		if got := tc.layer.StackName(tc.env, tc.client); got != tc.want {
			t.Errorf("%s.StackName(%q, %q) = %q, want %q", tc.layer, tc.env, tc.client, got, tc.want)
		}
	}
}

// TestProducers: a per-client value is written by its client's own stack
// of the layer (so a client stack depends on its own database stack
// only), an environment value by the layer's stack of the environment.
func TestProducers(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"database value", DatabaseSecretARN.Producer(At{Env: "prod", Client: "ezra"}), "database-ezra-prod"},
		{"client configuration", ClientNamespace.Producer(At{Env: "dev", Client: "ezra"}), "client-ezra-dev"},
		{"environment value", VPCID.Producer(At{Env: "staging"}), "foundation-staging"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: produced by %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	for _, l := range []Layer{Bootstrap, Foundation, Platform, Services, Databases, Client} {
		if got, want := l.PerClient(), l == Databases || l == Client; got != want {
			t.Errorf("%s.PerClient() = %t, want %t", l, got, want)
		}
	}
}

// TestParameterNames pins where parameters live in SSM.
func TestParameterNames(t *testing.T) {
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"environment value", VPCID.Name(At{Env: "prod"}), "/stratum/prod/foundation/vpc/id"},
		{"per-client value of a layer", DatabaseSecretARN.Name(At{Env: "dev", Client: "ezra"}), "/stratum/dev/databases/ezra/secret-arn"},
		{"client configuration", ClientNamespace.Name(At{Env: "dev", Client: "ezra"}), "/stratum/dev/clients/ezra/namespace"},
		{"layer prefix", Platform.ParameterPrefix(At{Env: "prod"}), "/stratum/prod/platform/"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestMisuseIsRefused: a parameter used without its environment, with
// the wrong client-ness, or declared twice is a programming error and
// panics with what was wrong. (Exporting from the wrong stack and
// importing without the producer need an app; stacks tests them.)
func TestMisuseIsRefused(t *testing.T) {
	cases := []struct {
		name string
		use  func()
		want string
	}{
		{"no environment", func() { VPCID.Name(At{}) }, "vpc/id: environment not set"},
		{"per-client value without client", func() { DatabaseEndpoint.Name(At{Env: "dev"}) }, `databases/endpoint: per-client=true but client=""`},
		{"environment value with client", func() { VPCID.Name(At{Env: "dev", Client: "ezra"}) }, `foundation/vpc/id: per-client=false but client="ezra"`},
		{"declared twice", func() { NewString(Foundation, "vpc/id", "again") }, "foundation/vpc/id declared twice"},
		{"environment value of a per-client layer", func() { NewString(Databases, "shared", "no stack writes it") }, "databases/shared: layer databases has a stack per client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("recovered %v, want a panic mentioning %q", r, tc.want)
				}
			}()
			tc.use()
		})
	}
}

// TestDeclared: every declaration is listed with its layer.
func TestDeclared(t *testing.T) {
	d := Declared()
	for id, want := range map[string]Layer{"foundation/vpc/id": Foundation, "platform/cluster/name": Platform, "databases/secret-arn": Databases, "client/namespace": Client} {
		if d[id] != want {
			t.Errorf("Declared()[%q] = %q, want %q", id, d[id], want)
		}
	}
}

// TestParseName: every declaration's name, in an environment with a
// hyphen and for a client with one, parses back to the declaration;
// names outside the contract do not.
func TestParseName(t *testing.T) {
	for _, d := range Declarations() {
		at := At{Env: "prod-eu"}
		if d.PerClient {
			at.Client = "mtn-ghana"
		}
		name := spec{layer: d.Layer, key: d.Key, perClient: d.PerClient}.Name(at)
		got, gotAt, ok := ParseName(name)
		if !ok || got != d || gotAt != at {
			t.Errorf("ParseName(%q) = %+v, %+v, %t; want %+v, %+v", name, got, gotAt, ok, d, at)
		}
		if !strings.HasPrefix(d.Pattern(), "/stratum/<env>/") || strings.Contains(d.Pattern(), "<client>") != d.PerClient {
			t.Errorf("Pattern() = %q", d.Pattern())
		}
	}
	for _, name := range []string{"", "/stratum/prod", "/stratum/prod/foundation/vpc", "/stratum/prod/foundation/vpc/id/x", "/other/prod/foundation/vpc/id",
		"/stratum/prod/databases/endpoint", "/stratum//foundation/vpc/id", "/stratum/prod/clients/acme/unknown"} {
		if d, _, ok := ParseName(name); ok {
			t.Errorf("ParseName(%q) = %+v, want not declared", name, d)
		}
	}
}
