package deploy

import (
	"strings"
	"testing"

	"stratum/config"
	"stratum/tools/iameval"
)

func TestForStack(t *testing.T) {
	cases := []struct{ stack, word string }{
		{"foundation-prod", "foundation"},
		{"platform-prod-eu", "platform"},
		{"services-dev", "services"},
		{"database-ezra-prod", "database"},
		{"client-mtn-ghana-staging", "client"},
		{"bootstrap-prod", ""},
		{"clientele-prod", ""},
		{"client", ""},
	}
	for _, c := range cases {
		d, ok := ForStack(c.stack)
		if got := map[bool]string{true: d.Word(), false: ""}[ok]; got != c.word {
			t.Errorf("ForStack(%q) = %q, want %q", c.stack, got, c.word)
		}
	}
}

// TestGrantsNameRealActions: every action of every grant, and of the
// lists the policies deny, exists in the IAM action list.
func TestGrantsNameRealActions(t *testing.T) {
	cat, err := iameval.Default()
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, actions []string) {
		for _, a := range actions {
			a, _, _ = strings.Cut(a, "@")
			if len(cat.Expand(a)) == 0 {
				t.Errorf("%s: %s is no IAM action", where, a)
			}
		}
	}
	for typ, g := range Grants {
		check(typ+" Write", g.Write)
		check(typ+" Read", g.Read)
	}
	for name, list := range map[string][]string{
		"SecretReads": SecretReads, "RoleWriteActions": RoleWriteActions, "KeyDestruction": KeyDestruction,
		"VaultDestruction": VaultDestruction, "IAMEscalation": IAMEscalation,
	} {
		check(name, list)
	}
}

// TestTypesHaveGrants: every type deploy/types_generated.go records has a grant,
// and every layer's policies fit IAM's size limits.
func TestTypesHaveGrants(t *testing.T) {
	for _, env := range config.Environments() {
		for _, d := range Layers {
			if len(Types(d.Word())) == 0 {
				t.Errorf("layer %s records no type: run `make generate`", d.Word())
			}
			for _, build := range []func(config.Environment, Layer, []string) (Document, error){ApplyPolicy, PlanPolicy} {
				doc, err := build(env, d, Types(d.Word()))
				if err != nil {
					t.Fatal(err)
				}
				parts, err := Split(doc)
				if err != nil {
					t.Fatal(err)
				}
				// A role holds 10 managed policies: the guard and the parts.
				if len(parts) > 9 {
					t.Errorf("%s %s: %d policies", env.Name, d.Word(), len(parts))
				}
			}
		}
		if n := len(BoundaryPolicy(env).JSON()); n > MaxManagedPolicySize {
			t.Errorf("%s: the boundary is %d characters", env.Name, n)
		}
	}
}

func TestSplit(t *testing.T) {
	big := Statement{Sid: "Big", Effect: "Allow", Action: []string{strings.Repeat("a", MaxManagedPolicySize)}, Resource: []string{"*"}}
	if _, err := Split(Document{Version: "2012-10-17", Statement: []Statement{big}}); err == nil {
		t.Error("a statement larger than a policy was not refused")
	}
	var many []Statement
	for i := range 200 {
		many = append(many, Statement{Sid: "S", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{strings.Repeat("x", i%50)}})
	}
	parts, err := Split(Document{Version: "2012-10-17", Statement: many})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range parts {
		if len(p.JSON()) > MaxManagedPolicySize {
			t.Errorf("a part is %d characters", len(p.JSON()))
		}
		n += len(p.Statement)
	}
	if n != len(many) || len(parts) < 2 {
		t.Errorf("%d statements in %d parts, want all %d in several", n, len(parts), len(many))
	}
}
