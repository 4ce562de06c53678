package tfcheck

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// stackJSON is a small stack with an AWS resource that needs a
// Kubernetes namespace's name (a literal), one that needs its uid
// (computed: cannot be replaced), and protections.
const stackJSON = `{
  "terraform": {
    "backend": {"s3": {"bucket": "b", "key": "k", "dynamodb_table": "t"}},
    "required_providers": {
      "aws": {"source": "aws", "version": "5.84.0"},
      "kubernetes": {"source": "kubernetes", "version": "2.37.1"}
    }
  },
  "provider": {"aws": [{"region": "us-east-1"}], "kubernetes": [{"host": "h"}]},
  "data": {"kubernetes_namespace_v1": {"existing": {"metadata": [{"name": "x"}]}}},
  "resource": {
    "kubernetes_namespace_v1": {"ns": {"metadata": [{"name": "ezra"}]}},
    "aws_ssm_parameter": {
      "namespace": {"name": "/n", "type": "String", "insecure_value": "${kubernetes_namespace_v1.ns.metadata[0].name}"},
      "greeting": {"name": "/g", "type": "String", "insecure_value": "ns=${kubernetes_namespace_v1.ns.metadata[0].name}!"},
      "uid": {"name": "/u", "type": "String", "insecure_value": "${kubernetes_namespace_v1.ns.metadata[0].uid}"},
      "after": {"name": "/a", "type": "String", "insecure_value": "${aws_ssm_parameter.uid.version}",
        "depends_on": ["kubernetes_namespace_v1.ns", "aws_ssm_parameter.namespace"]}
    },
    "aws_db_instance": {"db": {"identifier": "db", "lifecycle": {"prevent_destroy": true}}}
  }
}`

func awsOnly() prepareOptions {
	return prepareOptions{available: func(p string) bool { return p == "aws" }, relax: relaxedConstraint}
}

func TestPrepareJSON(t *testing.T) {
	raw := []byte(stackJSON)
	original := string(raw)
	p, err := prepareJSON("client-ezra-prod", raw, awsOnly())
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != original {
		t.Fatal("prepareJSON modified its input")
	}
	var got map[string]any
	if err := json.Unmarshal(p.JSON, &got); err != nil {
		t.Fatal(err)
	}
	res := asMap(got["resource"])
	ssm := asMap(res["aws_ssm_parameter"])
	checks := []struct{ name, got, want string }{
		{"backend removed", fmt.Sprint(asMap(got["terraform"])["backend"]), "<nil>"},
		{"kubernetes requirement removed", fmt.Sprint(slices.Sorted(maps.Keys(asMap(asMap(got["terraform"])["required_providers"])))), "[aws]"},
		{"aws constraint relaxed", fmt.Sprint(asMap(asMap(asMap(got["terraform"])["required_providers"])["aws"])["version"]), ">= 5.84.0, < 6.0.0"},
		{"providers left", fmt.Sprint(slices.Sorted(maps.Keys(asMap(got["provider"])))), "[aws]"},
		{"resource types left", fmt.Sprint(slices.Sorted(maps.Keys(res))), "[aws_db_instance aws_ssm_parameter]"},
		{"data sources left", fmt.Sprint(got["data"]), "<nil>"},
		{"lone reference replaced by the literal", fmt.Sprint(asMap(ssm["namespace"])["insecure_value"]), "ezra"},
		{"reference inside a template replaced", fmt.Sprint(asMap(ssm["greeting"])["insecure_value"]), "ns=ezra!"},
		{"computed attribute: block left out", fmt.Sprint(ssm["uid"]), "<nil>"},
		{"block needing a left-out block: left out too", fmt.Sprint(ssm["after"]), "<nil>"},
		{"prevent_destroy lifted", fmt.Sprint(asMap(asMap(asMap(res["aws_db_instance"])["db"])["lifecycle"])["prevent_destroy"]), "false"},
		{"PreventDestroyLifted", fmt.Sprint(p.PreventDestroyLifted), "[aws_db_instance.db]"},
		{"LeftOut", fmt.Sprint(p.LeftOut), "map[aws (needs kubernetes):2 kubernetes:1]"},
		{"LeftOutData", fmt.Sprint(p.LeftOutData), "map[kubernetes:1]"},
		{"Substituted", fmt.Sprint(p.Substituted), "[aws_ssm_parameter.greeting <- kubernetes_namespace_v1.ns.metadata[0].name aws_ssm_parameter.namespace <- kubernetes_namespace_v1.ns.metadata[0].name]"},
		{"counts", fmt.Sprint(p.Resources, p.DataSources), "3 0"},
		{"pinned", p.PinnedVersion, "5.84.0"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, c.got, c.want)
		}
	}
}

func TestPrepareJSONDependsOn(t *testing.T) {
	raw := `{"terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.84.0"}, "helm": {"source": "helm"}}},
	  "resource": {"helm_release": {"r": {"name": "x"}},
	    "aws_iam_role": {"a": {"name": "a", "depends_on": ["helm_release.r"]}, "b": {"name": "b", "depends_on": ["helm_release.r", "aws_iam_role.a"]}}}}`
	p, err := prepareJSON("services-dev", []byte(raw), awsOnly())
	if err != nil {
		t.Fatal(err)
	}
	roles := asMap(asMap(p.doc["resource"])["aws_iam_role"])
	if got := asMap(roles["a"])["depends_on"]; got != nil {
		t.Errorf("a: depends_on = %v, want none (its only entry was left out)", got)
	}
	if got := fmt.Sprint(asMap(roles["b"])["depends_on"]); got != "[aws_iam_role.a]" {
		t.Errorf("b: depends_on = %s, want [aws_iam_role.a]", got)
	}
	if got := fmt.Sprint(p.LeftOut); got != "map[helm:1]" {
		t.Errorf("LeftOut = %s, want map[helm:1]", got)
	}
}

func TestPrepareJSONErrors(t *testing.T) {
	cases := []struct{ name, raw, want string }{
		{"not JSON", `{`, "parse cdk.tf.json"},
		{"no terraform block", `{}`, "no terraform block"},
		{"no aws provider", `{"terraform": {"required_providers": {}}}`, "no aws entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := prepareJSON("foundation-dev", []byte(c.raw), awsOnly())
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "foundation-dev") {
				t.Errorf("got %v, want an error naming the stack and containing %q", err, c.want)
			}
		})
	}
}

// TestProviderAliases: a stack with an aliased AWS configuration (a second
// region) keeps its resources on it in the copies without provider
// blocks: the module declares the alias and the root passes it in.
func TestProviderAliases(t *testing.T) {
	doc := map[string]any{
		"terraform": map[string]any{"required_providers": map[string]any{"aws": map[string]any{"source": "aws", "version": ">= 5.84.0"}}},
		"provider":  map[string]any{"aws": []any{map[string]any{"region": "us-east-1"}, map[string]any{"alias": "copies", "region": "us-west-2"}}},
		"resource":  map[string]any{"aws_backup_vault": map[string]any{"v": map[string]any{"name": "v", "provider": "aws.copies"}}},
	}
	aliases := providerAliases(doc)
	if fmt.Sprint(aliases) != "[copies]" {
		t.Fatalf("aliases %v, want [copies]", aliases)
	}
	b, err := withoutProviders(doc, aliases)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["provider"]; ok {
		t.Error("provider blocks left in")
	}
	aws := asMap(asMap(asMap(got["terraform"])["required_providers"])["aws"])
	if fmt.Sprint(aws["configuration_aliases"]) != "[aws.copies]" || aws["version"] != ">= 5.84.0" {
		t.Errorf("required aws %v, want the version and configuration_aliases [aws.copies]", aws)
	}
	if _, ok := asMap(asMap(asMap(doc["terraform"])["required_providers"])["aws"])["configuration_aliases"]; ok {
		t.Error("withoutProviders changed the stack's own document")
	}

	rt := &runtimeState{scratch: t.TempDir(), constraint: ">= 5.84.0"}
	if err := rt.addModule("mocked/foundation-prod/cdk.tf.json", b, aliases); err != nil {
		t.Fatal(err)
	}
	if err := rt.addModule("mocked/platform-prod/cdk.tf.json", []byte("{}"), nil); err != nil {
		t.Fatal(err)
	}
	root, err := os.ReadFile(filepath.Join(rt.scratch, "mocked", "main.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(root, &r); err != nil {
		t.Fatal(err)
	}
	mods := asMap(r["module"])
	if p := fmt.Sprint(asMap(mods["foundation-prod"])["providers"]); p != "map[aws:aws aws.copies:aws.copies]" {
		t.Errorf("foundation-prod providers %s, want aws and aws.copies passed in", p)
	}
	if _, ok := asMap(mods["platform-prod"])["providers"]; ok {
		t.Error("a module without aliases is passed providers")
	}
	if p := fmt.Sprint(asMap(r["provider"])["aws"]); p != "[map[] map[alias:copies]]" {
		t.Errorf("root providers %s, want the default and aws.copies", p)
	}
}
