package stackgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	_ "stratum/testkit/golden" // accepts -update like every test package
	"stratum/tools/cli"
)

// stackJSON is a minimal cdk.tf.json with the tags and backend describe
// reads; providers lists extra providers (e.g. "kubernetes").
func stackJSON(env, layer, backend string, providers ...string) []byte {
	p := map[string]any{"aws": []any{map[string]any{
		"default_tags": []any{map[string]any{"tags": map[string]any{"Environment": env, "Layer": layer}}},
	}}}
	for _, extra := range providers {
		p[extra] = []any{map[string]any{}}
	}
	b, _ := json.Marshal(map[string]any{
		"provider":  p,
		"terraform": map[string]any{"backend": map[string]any{backend: map[string]any{}}},
	})
	return b
}

// sample is one environment shaped like Stratum's.
func sample() []Input {
	return []Input{
		{Name: "bootstrap-dev", JSON: stackJSON("dev", "bootstrap", "local")},
		{Name: "foundation-dev", JSON: stackJSON("dev", "foundation", "s3")},
		{Name: "platform-dev", Dependencies: []string{"foundation-dev"}, JSON: stackJSON("dev", "platform", "s3")},
		{Name: "database-a-dev", Dependencies: []string{"foundation-dev"}, JSON: stackJSON("dev", "databases", "s3")},
		{Name: "services-dev", Dependencies: []string{"platform-dev", "foundation-dev", "platform-dev"}, JSON: stackJSON("dev", "services", "s3", "helm")},
		{Name: "client-a-dev", Dependencies: []string{"platform-dev", "database-a-dev", "foundation-dev"}, JSON: stackJSON("dev", "client", "s3", "kubernetes")},
	}
}

func TestNew(t *testing.T) {
	g, err := New(sample())
	if err != nil {
		t.Fatal(err)
	}
	wantLevels := [][]string{
		{"bootstrap-dev", "foundation-dev"},
		{"database-a-dev", "platform-dev"},
		{"client-a-dev", "services-dev"},
	}
	if !reflect.DeepEqual(g.Levels, wantLevels) {
		t.Errorf("levels = %v, want %v", g.Levels, wantLevels)
	}
	cases := []struct {
		name       string
		deps       []string
		dependents []string
		runner     Runner
		manual     bool
	}{
		{"bootstrap-dev", []string{}, []string{}, Hosted, true},
		{"foundation-dev", []string{}, []string{"client-a-dev", "database-a-dev", "platform-dev", "services-dev"}, Hosted, false},
		{"services-dev", []string{"foundation-dev", "platform-dev"}, []string{}, Private, false},
		{"client-a-dev", []string{"database-a-dev", "foundation-dev", "platform-dev"}, []string{}, Private, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := g.Stack(tc.name)
			if !ok {
				t.Fatalf("stack %s missing", tc.name)
			}
			if !reflect.DeepEqual(s.Dependencies, tc.deps) {
				t.Errorf("dependencies = %v, want %v", s.Dependencies, tc.deps)
			}
			if !reflect.DeepEqual(s.Dependents, tc.dependents) {
				t.Errorf("dependents = %v, want %v", s.Dependents, tc.dependents)
			}
			if s.Runner != tc.runner || s.Manual != tc.manual {
				t.Errorf("runner=%s manual=%t, want %s %t", s.Runner, s.Manual, tc.runner, tc.manual)
			}
			if s.Environment != "dev" {
				t.Errorf("environment = %q, want dev", s.Environment)
			}
		})
	}
	if got, want := g.Downstream([]string{"database-a-dev"}), []string{"client-a-dev"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Downstream(database-a-dev) = %v, want %v", got, want)
	}
	if got, want := g.Downstream([]string{"foundation-dev"}), []string{"client-a-dev", "database-a-dev", "platform-dev", "services-dev"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Downstream(foundation-dev) = %v, want %v", got, want)
	}
}

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []Input
		want string
	}{
		{"cycle", []Input{
			{Name: "a-dev", Dependencies: []string{"b-dev"}, JSON: stackJSON("dev", "a", "s3")},
			{Name: "b-dev", Dependencies: []string{"a-dev"}, JSON: stackJSON("dev", "b", "s3")},
		}, "cycle: a-dev → b-dev → a-dev"},
		{"missing dependency", []Input{
			{Name: "a-dev", Dependencies: []string{"gone-dev"}, JSON: stackJSON("dev", "a", "s3")},
		}, "depends on gone-dev, which is not in the synthesis"},
		{"no tags", []Input{{Name: "a-dev", JSON: []byte(`{"terraform":{"backend":{"s3":{}}}}`)}}, "no Environment and Layer default tags"},
		{"not JSON", []Input{{Name: "a-dev", JSON: []byte(`{`)}}, "stack a-dev"},
		{"twice", []Input{
			{Name: "a-dev", JSON: stackJSON("dev", "a", "s3")},
			{Name: "a-dev", JSON: stackJSON("dev", "a", "s3")},
		}, "appears twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestClientOfStack: a stack's client is its provider's Client default
// tag, or else the one Client tag its resources carry (a database stack);
// none, or several, is no client.
func TestClientOfStack(t *testing.T) {
	withResources := func(defaultClient string, tags ...string) []byte {
		dt := map[string]any{"Environment": "dev", "Layer": "databases"}
		if defaultClient != "" {
			dt["Client"] = defaultClient
		}
		res := map[string]any{}
		for i, c := range tags {
			res[fmt.Sprintf("r%d", i)] = map[string]any{"tags": map[string]any{"Client": c, "CostCentre": "cc-1"}}
		}
		// Resources that set their tags from a token, or whose name is
		// not a string, neither name a client nor stop the stack being
		// read.
		res["token-tags"] = map[string]any{"tags": "${var.tags}"}
		res["object-name"] = map[string]any{"name": map[string]any{"first": "x"}}
		b, _ := json.Marshal(map[string]any{
			"provider":  map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": dt}}}}},
			"terraform": map[string]any{"backend": map[string]any{"s3": map[string]any{}}},
			"resource":  map[string]any{"aws_x": res},
		})
		return b
	}
	cases := []struct {
		name string
		json []byte
		want string
	}{
		{"default tag", withResources("a", "a"), "a"},
		{"resources of one client", withResources("", "a", "a", "${var.x}"), "a"},
		{"resources of two clients", withResources("", "a", "b"), ""},
		{"no client", withResources(""), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := describe(Input{Name: "s", JSON: tc.json})
			if err != nil {
				t.Fatal(err)
			}
			if s.Client != tc.want {
				t.Errorf("Client = %q, want %q", s.Client, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	manifest := map[string]any{"stacks": map[string]any{}}
	for _, in := range sample() {
		p := filepath.Join("stacks", in.Name, "cdk.tf.json")
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), in.JSON, 0o644); err != nil {
			t.Fatal(err)
		}
		deps := in.Dependencies
		if deps == nil {
			deps = []string{}
		}
		manifest["stacks"].(map[string]any)[in.Name] = map[string]any{"dependencies": deps, "synthesizedStackPath": p}
	}
	b, _ := json.Marshal(manifest)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := New(sample())
	if !bytes.Equal(g.JSON(), want.JSON()) {
		t.Errorf("Load = %s\nwant %s", g.JSON(), want.JSON())
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make synth") {
		t.Errorf("Load of an empty directory: error %v, want one naming make synth", err)
	}
}

func TestRender(t *testing.T) {
	g, err := New(sample())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		format string
		want   []string
	}{
		{"dot", []string{`"foundation-dev" -> "platform-dev";`, `"bootstrap-dev" [style=dashed];`, `"services-dev" [shape=box];`, `subgraph "cluster_dev"`}},
		{"mermaid", []string{"foundation_dev --> platform_dev", "class bootstrap_dev manual", "services_dev[services-dev]", "subgraph dev"}},
		{"json", []string{`"levels": [`, `"runner": "private"`}},
	}
	for _, tc := range cases {
		t.Run(tc.format, func(t *testing.T) {
			out, err := g.Render(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("%s output lacks %q:\n%s", tc.format, w, out)
				}
			}
		})
	}
	if _, err := g.Render("svg"); err == nil {
		t.Error("Render(svg): no error")
	}
}

func TestMainCommand(t *testing.T) {
	var out, errs bytes.Buffer
	if code := Main(context.Background(), []string{"-dir", t.TempDir()}, &out, &errs); code != 1 || !strings.Contains(errs.String(), "synthesize first") {
		t.Errorf("Main on an empty dir = %d, stderr %q; want 1 and a hint", code, errs.String())
	}
	errs.Reset()
	if code := Main(context.Background(), []string{"-format"}, &out, &errs); code != cli.ExitUsage || !strings.Contains(errs.String(), "-format") {
		t.Errorf("Main with a flag missing its value = %d, stderr %q; want %d naming -format", code, errs.String(), cli.ExitUsage)
	}
	errs.Reset()
	// A bad format is a usage error, found before the synthesis is read.
	if code := Main(context.Background(), []string{"-dir", t.TempDir(), "-format", "svg"}, &out, &errs); code != cli.ExitUsage || !strings.Contains(errs.String(), "want one of json, dot, mermaid") {
		t.Errorf("Main -format svg = %d, stderr %q; want %d and the formats", code, errs.String(), cli.ExitUsage)
	}
}

// TestParameters: each stack lists the SSM parameters it writes and
// reads, by name, sorted and once each.
func TestParameters(t *testing.T) {
	withParams := func(env, layer string, writes, reads []string) []byte {
		var doc map[string]any
		if err := json.Unmarshal(stackJSON(env, layer, "s3"), &doc); err != nil {
			t.Fatal(err)
		}
		res, data := map[string]any{}, map[string]any{}
		for i, w := range writes {
			res[fmt.Sprintf("param-%d", i)] = map[string]any{"name": w, "type": "String"}
		}
		for i, r := range reads {
			data[fmt.Sprintf("import-%d", i)] = map[string]any{"name": r}
		}
		doc["resource"] = map[string]any{"aws_ssm_parameter": res, "aws_s3_bucket": map[string]any{"b": map[string]any{"bucket": "x"}}}
		doc["data"] = map[string]any{"aws_ssm_parameter": data}
		b, _ := json.Marshal(doc)
		return b
	}
	g, err := New([]Input{
		{Name: "foundation-dev", JSON: withParams("dev", "foundation", []string{"/stratum/dev/foundation/vpc/id", "/stratum/dev/foundation/alarms/topic-arn"}, nil)},
		{Name: "platform-dev", Dependencies: []string{"foundation-dev"}, JSON: withParams("dev", "platform", nil,
			[]string{"/stratum/dev/foundation/vpc/id", "/stratum/dev/foundation/vpc/id", "/stratum/dev/foundation/alarms/topic-arn"})},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := g.Stack("foundation-dev")
	p, _ := g.Stack("platform-dev")
	if want := []string{"/stratum/dev/foundation/alarms/topic-arn", "/stratum/dev/foundation/vpc/id"}; !reflect.DeepEqual(f.Writes, want) || !reflect.DeepEqual(p.Reads, want) {
		t.Errorf("foundation writes %v, platform reads %v; want both %v", f.Writes, p.Reads, want)
	}
	if len(f.Reads) != 0 || len(p.Writes) != 0 {
		t.Errorf("foundation reads %v, platform writes %v; want nothing", f.Reads, p.Writes)
	}
}
