package policy

import (
	"context"
	"encoding/json"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/config"
	_ "stratum/testkit/golden" // accepts -update like every test package
)

const snapshots = "../../__snapshots__"

// snapshotInputs are every golden stack as a configuration input.
func snapshotInputs(t *testing.T) map[string]*Input {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(snapshots, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no snapshots in %s (%v)", snapshots, err)
	}
	out := map[string]*Input{}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		in, err := FromConfiguration(Stack{Name: name, Envs: config.Environments()}, raw)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = in
	}
	return out
}

// TestEveryStackPassesThePolicies: every synthesized stack (the golden
// snapshots, which TestSnapshots keeps equal to a synthesis) passes
// every deny rule.
func TestEveryStackPassesThePolicies(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range snapshotInputs(t) {
		fs, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Level == Deny {
				t.Errorf("%s", f)
			} else {
				t.Logf("%s", f)
			}
		}
		_ = name
	}
}

// TestRegoTests runs the policies' own tests (tools/policy/rego/*_test.rego),
// as `opa test tools/policy/rego` would.
func TestRegoTests(t *testing.T) {
	mods, err := parse(true)
	if err != nil {
		t.Fatal(err)
	}
	results, err := tester.NewRunner().SetDefaultRegoVersion(ast.RegoV1).Run(context.Background(), mods)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for r := range results {
		n++
		if r.Error != nil {
			t.Errorf("%s: %v", r.Name, r.Error)
		} else if !r.Pass() {
			t.Errorf("%s failed", r.Name)
		}
	}
	if n < 30 {
		t.Errorf("ran %d Rego tests, want every test of tools/policy/rego", n)
	}
}

// TestWeakenedStacksFail weakens real golden stacks one promise at a
// time, the way a change to a construct could, and expects the rule that
// guards it to deny at the weakened address: the configuration reader
// (default tags, references, trust documents) feeds the rules what they
// need.
func TestWeakenedStacksFail(t *testing.T) {
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	type tf = map[string]any
	first := func(j tf, kind, typ string) (string, tf) {
		for name, b := range j[kind].(tf)[typ].(tf) {
			return name, b.(tf)
		}
		t.Fatalf("no %s %s", kind, typ)
		return "", nil
	}
	cases := []struct {
		stack, rule string
		weaken      func(j tf) string // returns the address that must be denied
	}{
		{"database-ezra-prod", "production-protection", func(j tf) string {
			name, db := first(j, "resource", "aws_db_instance")
			db["deletion_protection"] = false
			return "aws_db_instance." + name
		}},
		{"database-ezra-prod", "encryption", func(j tf) string {
			name, db := first(j, "resource", "aws_db_instance")
			delete(db, "storage_encrypted")
			return "aws_db_instance." + name
		}},
		{"client-ezra-prod", "no-public-ingress", func(j tf) string {
			delete(j["resource"].(tf), "aws_s3_bucket_public_access_block")
			name, _ := first(j, "resource", "aws_s3_bucket")
			return "aws_s3_bucket." + name
		}},
		{"client-ezra-prod", "irsa-trust-pinned", func(j tf) string {
			docs := j["data"].(tf)["aws_iam_policy_document"].(tf)
			doc := docs["app-web_trust_D6A77BDB"].(tf)
			for _, c := range doc["statement"].([]any)[0].(tf)["condition"].([]any) {
				if strings.HasSuffix(c.(tf)["variable"].(string), ":sub") {
					c.(tf)["test"], c.(tf)["values"] = "StringLike", []any{"system:serviceaccount:ezra:*"}
				}
			}
			for name, r := range j["resource"].(tf)["aws_iam_role"].(tf) {
				if r.(tf)["assume_role_policy"] == "${data.aws_iam_policy_document.app-web_trust_D6A77BDB.json}" {
					return "aws_iam_role." + name
				}
			}
			t.Fatal("no role uses the trust document")
			return ""
		}},
		{"client-ezra-prod", "required-tags", func(j tf) string {
			tags := j["provider"].(tf)["aws"].([]any)[0].(tf)["default_tags"].([]any)[0].(tf)["tags"].(tf)
			delete(tags, "Client")
			return "provider.aws"
		}},
		{"client-ezra-prod", "one-client-per-state", func(j tf) string {
			name, b := first(j, "resource", "aws_s3_bucket")
			b["tags"] = tf{"Client": "mtn-ghana"}
			return "aws_s3_bucket." + name
		}},
		{"foundation-prod", "no-public-ingress", func(j tf) string {
			j["resource"].(tf)["aws_vpc_security_group_ingress_rule"].(tf)["world"] = tf{"cidr_ipv4": "0.0.0.0/0", "ip_protocol": "-1", "security_group_id": "sg-1"}
			return "aws_vpc_security_group_ingress_rule.world"
		}},
	}
	for _, c := range cases {
		t.Run(c.stack+" "+c.rule, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(snapshots, c.stack+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var j tf
			if err := json.Unmarshal(raw, &j); err != nil {
				t.Fatal(err)
			}
			addr := c.weaken(j)
			weak, _ := json.Marshal(j)
			in, err := FromConfiguration(Stack{Name: c.stack, Envs: config.Environments()}, weak)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := e.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, f := range Denied(fs) {
				found = found || (f.Rule == c.rule && f.Address == addr)
			}
			if !found {
				t.Errorf("no %s denial at %s; got %v", c.rule, addr, fs)
			}
		})
	}
}
