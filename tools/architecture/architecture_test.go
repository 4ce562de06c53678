package architecture

import (
	"encoding/json"
	"strings"
	"testing"

	"stratum/tools/stackgraph"
)

// stack is a minimal cdk.tf.json: the provider tags stackgraph reads, a
// backend, extra providers, and the SSM parameters written and read.
func stack(t *testing.T, env, layer, client, backend string, writes, reads []string, providers ...string) []byte {
	t.Helper()
	tags := map[string]any{"Environment": env, "Layer": layer}
	if client != "" {
		tags["Client"] = client
	}
	p := map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": tags}}}}}
	for _, extra := range providers {
		p[extra] = []any{map[string]any{}}
	}
	res, data := map[string]any{}, map[string]any{}
	for i, w := range writes {
		res[string(rune('a'+i))] = map[string]any{"name": w}
	}
	for i, r := range reads {
		data[string(rune('a'+i))] = map[string]any{"name": r}
	}
	b, err := json.Marshal(map[string]any{
		"provider": p, "terraform": map[string]any{"backend": map[string]any{backend: map[string]any{}}},
		"resource": map[string]any{"aws_ssm_parameter": res}, "data": map[string]any{"aws_ssm_parameter": data},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func graph(t *testing.T, extraRead string) *stackgraph.Graph {
	t.Helper()
	in := []stackgraph.Input{
		{Name: "bootstrap-dev", JSON: stack(t, "dev", "bootstrap", "", "local", nil, nil)},
		{Name: "foundation-dev", JSON: stack(t, "dev", "foundation", "", "s3", []string{"/stratum/dev/foundation/vpc/id", "/stratum/dev/foundation/subnets/private"}, nil)},
		{Name: "platform-dev", Dependencies: []string{"foundation-dev"}, JSON: stack(t, "dev", "platform", "", "s3",
			[]string{"/stratum/dev/platform/cluster/name"}, []string{"/stratum/dev/foundation/vpc/id", "/stratum/dev/foundation/subnets/private"})},
		{Name: "client-a-dev", Dependencies: []string{"platform-dev", "foundation-dev"}, JSON: stack(t, "dev", "client", "a", "s3",
			[]string{"/stratum/dev/clients/a/namespace"}, []string{"/stratum/dev/platform/cluster/name", "/stratum/dev/foundation/vpc/id", extraRead}, "kubernetes")},
		{Name: "client-b-dev", Dependencies: []string{"platform-dev"}, JSON: stack(t, "dev", "client", "b", "s3",
			[]string{"/stratum/dev/clients/b/namespace"}, []string{"/stratum/dev/platform/cluster/name"}, "kubernetes")},
	}
	g, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSection: one node per layer (clients drawn once), the graph's
// edges by layer, manual and private stacks marked, the environment's
// stacks by level, and the contract grouped by who reads it.
func TestSection(t *testing.T) {
	out, err := Section(graph(t, "/stratum/dev/foundation/vpc/id"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`bootstrap(["bootstrap-{env}"])`,
		`client["client-{name}-{env}"]`, // square: a private runner
		"foundation --> platform\n", "foundation --> client\n", "platform --> client\n",
		"class bootstrap manual",
		"| dev | `bootstrap-dev`, `foundation-dev` | `platform-dev` | `client-a-dev`, `client-b-dev` |",
		// vpc/id and subnets/private differ in who reads them; vpc/id is
		// read by both.
		// (p0 is bootstrap's access log bucket and p1 the audit layer's
		// parameters, declared and written by no stack of this graph.)
		`p3["subnets/private"]`, `p4["vpc/id"]`, "p3 --> r_platform\n", "p4 --> r_platform\n", "p4 --> r_client\n",
		`["{client}/namespace<br/><i>read by no stack: for operators and applications</i>"]`,
		`<br/><i>declared, written by no stack</i>"]`,
		"| `/stratum/<env>/clients/<client>/namespace` | `client-<name>-<env>` | — | Kubernetes namespace of the client |",
		"| `/stratum/<env>/foundation/vpc/id` | `foundation-<env>` | `platform-<env>`, `client-<name>-<env>` | VPC id |",
		// Declared but written by no stack of this graph.
		"| `/stratum/<env>/databases/<client>/endpoint` | — (declared, written by no stack) | — | Database host name |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("section lacks %q:\n%s", want, s)
		}
	}
	// The stack graph's node, the contract's writer and reader.
	if strings.Count(s, "client-{name}-{env}") != 3 || strings.Contains(s, "client-a-dev\"") {
		t.Errorf("client stacks are not drawn as one node:\n%s", s)
	}
	if !strings.Contains(s, "&lt;app&gt;") {
		t.Errorf("descriptions are not escaped for Markdown:\n%s", s)
	}
}

// TestSectionRefusesUndeclaredParameters: a parameter the contract does
// not declare fails the generation, naming it and its stack.
func TestSectionRefusesUndeclaredParameters(t *testing.T) {
	_, err := Section(graph(t, "/stratum/dev/foundation/vpc/idx"))
	if err == nil || !strings.Contains(err.Error(), "/stratum/dev/foundation/vpc/idx (client-a-dev)") {
		t.Errorf("Section = %v, want an error naming the undeclared parameter and its stack", err)
	}
}

func TestSplice(t *testing.T) {
	doc := "# A\n\nintro\n\n" + Begin + "\nold\n" + End + "\n\n## After\n"
	got, err := Splice([]byte(doc), []byte("\n### New\n\ntext\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "# A\n\nintro\n\n" + Begin + "\n### New\n\ntext\n" + End + "\n\n## After\n"; string(got) != want {
		t.Errorf("Splice = %q, want %q", got, want)
	}
	again, err := Splice(got, []byte("### New\n\ntext"))
	if err != nil || string(again) != string(got) {
		t.Errorf("Splice is not idempotent: %q, %v", again, err)
	}
	for name, bad := range map[string]string{
		"no markers":  "# A\n",
		"no end":      Begin + "\n",
		"end first":   End + "\n" + Begin + "\n",
		"begin twice": Begin + "\n" + Begin + "\n" + End + "\n",
		"end twice":   Begin + "\n" + End + "\n" + End + "\n",
	} {
		if _, err := Splice([]byte(bad), []byte("x")); err == nil {
			t.Errorf("%s: Splice accepted %q", name, bad)
		}
	}
}
