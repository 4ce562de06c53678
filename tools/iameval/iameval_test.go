package iameval

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"a*c", "abc", true},
		{"a*c", "ac", true},
		{"a*c", "abd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"role/stratum-dev-*", "role/stratum-dev-x", true},
		{"role/stratum-dev-*", "role/stratum-prod-x", false},
		{"oidc.eks.us-east-1.*", "oidc.eks.us-east-1.attacker.example", true},
		{"*b*b", "abab", true},
		{"", "", true},
		{"", "a", false},
	}
	for _, c := range cases {
		if got := glob(c.pattern, c.s); got != c.want {
			t.Errorf("glob(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestArnLike(t *testing.T) {
	cases := []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/x", true},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::222222222222:role/x", true},
		// A wildcard does not cross a component: the account cannot
		// absorb the service.
		{"arn:aws:*:::role/x", "arn:aws:iam::1:role/x", false},
		{"arn:aws:iam::*", "arn:aws:iam::1:role/x", false},
		{"arn:aws:*:*:*:*", "arn:aws:iam::1:role/x", true},
		{"arn:aws:iam::1:role/a:b", "arn:aws:iam::1:role/a:b", true},
	}
	for _, c := range cases {
		if got := arnLike(c.pattern, c.arn); got != c.want {
			t.Errorf("arnLike(%q, %q) = %v, want %v", c.pattern, c.arn, got, c.want)
		}
	}
}

func TestConditionHolds(t *testing.T) {
	ctx := map[string][]string{
		"iam:PermissionsBoundary": {"arn:aws:iam::1:policy/b"},
		"aws:TagKeys":             {"Layer", "Team"},
		"aws:SecureTransport":     {"true"},
		"aws:MultiFactorAuthAge":  {"300"},
	}
	cases := []struct {
		name string
		c    Condition
		want bool
	}{
		{"equals", Condition{"StringEquals", "iam:PermissionsBoundary", []string{"arn:aws:iam::1:policy/b"}}, true},
		{"equals other", Condition{"StringEquals", "iam:PermissionsBoundary", []string{"arn:aws:iam::1:policy/x"}}, false},
		{"equals key case-insensitive", Condition{"StringEquals", "IAM:permissionsboundary", []string{"arn:aws:iam::1:policy/b"}}, true},
		{"equals absent", Condition{"StringEquals", "aws:SourceArn", []string{"x"}}, false},
		{"equals absent if exists", Condition{"StringEqualsIfExists", "aws:SourceArn", []string{"x"}}, true},
		{"not equals", Condition{"StringNotEquals", "iam:PermissionsBoundary", []string{"arn:aws:iam::1:policy/x"}}, true},
		{"not equals same", Condition{"StringNotEquals", "iam:PermissionsBoundary", []string{"arn:aws:iam::1:policy/b"}}, false},
		{"not equals absent", Condition{"StringNotEquals", "aws:SourceArn", []string{"x"}}, true},
		{"like", Condition{"StringLike", "iam:PermissionsBoundary", []string{"arn:aws:iam::*:policy/b"}}, true},
		{"not like", Condition{"StringNotLike", "iam:PermissionsBoundary", []string{"*:policy/b"}}, false},
		{"arn like", Condition{"ArnLike", "iam:PermissionsBoundary", []string{"arn:aws:iam::*:policy/*"}}, true},
		{"arn not equals", Condition{"ArnNotEquals", "iam:PermissionsBoundary", []string{"arn:aws:iam::1:policy/b"}}, false},
		{"bool", Condition{"Bool", "aws:SecureTransport", []string{"true"}}, true},
		{"bool false", Condition{"Bool", "aws:SecureTransport", []string{"false"}}, false},
		{"null true on absent", Condition{"Null", "aws:SourceArn", []string{"true"}}, true},
		{"null true on present", Condition{"Null", "iam:PermissionsBoundary", []string{"true"}}, false},
		{"null false on present", Condition{"Null", "iam:PermissionsBoundary", []string{"false"}}, true},
		{"numeric less", Condition{"NumericLessThan", "aws:MultiFactorAuthAge", []string{"3600"}}, true},
		{"numeric greater", Condition{"NumericGreaterThan", "aws:MultiFactorAuthAge", []string{"3600"}}, false},
		{"for all values", Condition{"ForAllValues:StringEquals", "aws:TagKeys", []string{"Layer", "Team", "Owner"}}, true},
		{"for all values missing one", Condition{"ForAllValues:StringEquals", "aws:TagKeys", []string{"Layer"}}, false},
		{"for all values absent key", Condition{"ForAllValues:StringEquals", "aws:RequestTag", []string{"x"}}, true},
		{"for any value", Condition{"ForAnyValue:StringEquals", "aws:TagKeys", []string{"Layer"}}, true},
		{"for any value none", Condition{"ForAnyValue:StringEquals", "aws:TagKeys", []string{"Owner"}}, false},
		{"for any value absent key", Condition{"ForAnyValue:StringEquals", "aws:RequestTag", []string{"x"}}, false},
		{"for any value not equals", Condition{"ForAnyValue:StringNotEquals", "aws:TagKeys", []string{"Layer"}}, true},
		{"for all values not equals", Condition{"ForAllValues:StringNotEquals", "aws:TagKeys", []string{"Owner"}}, true},
		{"unknown operator never holds", Condition{"DateGreaterThan", "aws:CurrentTime", []string{"x"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.c.Holds(ctx); got != c.want {
				t.Errorf("%+v: got %v, want %v", c.c, got, c.want)
			}
		})
	}
}

const escalation = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "CreateBounded", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
     "Resource": "arn:aws:iam::1:role/stratum-dev-*",
     "Condition": {"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/b"}}},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::state"},
    {"Effect": "Deny", "NotAction": ["iam:Get*", "iam:List*"], "Resource": "arn:aws:iam::1:role/ci-*"}
  ]
}`

func TestPrincipalDecide(t *testing.T) {
	identity, err := Parse("identity", []byte(escalation))
	if err != nil {
		t.Fatal(err)
	}
	boundary, err := Parse("boundary", []byte(`{"Statement": [
		{"Effect": "Allow", "Action": "*", "Resource": "*"},
		{"Effect": "Deny", "Action": "s3:PutBucketPolicy", "Resource": "*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	scp, err := Parse("scp", []byte(`{"Statement": {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
		"Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::1:role/writer"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	role := "arn:aws:iam::1:role/stratum-dev-x"
	bounded := map[string][]string{"iam:PermissionsBoundary": {"arn:aws:iam::1:policy/b"}}
	cases := []struct {
		name string
		p    Principal
		r    Request
		want Decision
	}{
		{"create with the boundary", Principal{Identity: []Policy{identity}}, Request{Action: "iam:CreateRole", Resource: role, Context: bounded}, Allow},
		{"create without a boundary", Principal{Identity: []Policy{identity}}, Request{Action: "iam:CreateRole", Resource: role}, ImplicitDeny},
		{"create with another boundary", Principal{Identity: []Policy{identity}}, Request{Action: "iam:createrole", Resource: role,
			Context: map[string][]string{"iam:PermissionsBoundary": {"arn:aws:iam::1:policy/admin"}}}, ImplicitDeny},
		{"create another pattern", Principal{Identity: []Policy{identity}}, Request{Action: "iam:CreateRole", Resource: "arn:aws:iam::1:role/other", Context: bounded}, ImplicitDeny},
		{"explicit deny wins", Principal{Identity: []Policy{identity}}, Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::state"}, ExplicitDeny},
		{"not action deny", Principal{Identity: []Policy{identity}}, Request{Action: "iam:UpdateAssumeRolePolicy", Resource: "arn:aws:iam::1:role/ci-apply"}, ExplicitDeny},
		{"not action deny spares reads", Principal{Identity: []Policy{identity}}, Request{Action: "iam:GetRole", Resource: "arn:aws:iam::1:role/ci-apply"}, ImplicitDeny},
		{"allowed", Principal{Identity: []Policy{identity}}, Request{Action: "s3:PutBucketPolicy", Resource: "arn:aws:s3:::b"}, Allow},
		{"boundary denies", Principal{Identity: []Policy{identity}, Boundary: &boundary}, Request{Action: "s3:PutBucketPolicy", Resource: "arn:aws:s3:::b"}, ExplicitDeny},
		{"boundary does not grant", Principal{Boundary: &boundary}, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, ImplicitDeny},
		{"scp denies others", Principal{Identity: []Policy{identity}, SCPs: []Policy{scp}}, Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k",
			Context: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::1:role/other"}}}, ExplicitDeny},
		{"scp spares the writer", Principal{Identity: []Policy{identity}, SCPs: []Policy{scp}}, Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k",
			Context: map[string][]string{"aws:PrincipalArn": {"arn:aws:iam::1:role/writer"}}}, ImplicitDeny},
		// A principal named by its ARN carries it as aws:PrincipalArn.
		{"the principal's own ARN", Principal{Name: "arn:aws:iam::1:role/other", Identity: []Policy{identity}, SCPs: []Policy{scp}},
			Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"}, ExplicitDeny},
		{"the writer by its own ARN", Principal{Name: "arn:aws:iam::1:role/writer", Identity: []Policy{{Statements: []Statement{
			{Effect: "Allow", Action: []string{"s3:PutObject"}, Resource: []string{"*"}}}}}, SCPs: []Policy{{Statements: append([]Statement{
			{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}, scp.Statements...)}}},
			Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::b/k"}, Allow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.p.Decide(c.r); got != c.want {
				t.Errorf("%+v: got %v, want %v", c.r, got, c.want)
			}
		})
	}
}

func TestTrust(t *testing.T) {
	trust, err := FromTerraform("trust", []any{map[string]any{
		"effect": "Allow", "actions": []any{"sts:AssumeRoleWithWebIdentity"},
		"principals": []any{map[string]any{"type": "Federated", "identifiers": []any{"arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}},
		"condition": []any{
			map[string]any{"test": "StringEquals", "variable": "token.actions.githubusercontent.com:aud", "values": []any{"sts.amazonaws.com"}},
			map[string]any{"test": "StringEquals", "variable": "token.actions.githubusercontent.com:sub", "values": []any{"repo:o/r:ref:refs/heads/main"}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	req := func(principal, sub string) Request {
		return Request{Action: "sts:AssumeRoleWithWebIdentity", PrincipalType: "Federated", Principal: principal, Context: map[string][]string{
			"token.actions.githubusercontent.com:aud": {"sts.amazonaws.com"},
			"token.actions.githubusercontent.com:sub": {sub},
		}}
	}
	gh := "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"
	cases := []struct {
		name string
		r    Request
		want Decision
	}{
		{"main", req(gh, "repo:o/r:ref:refs/heads/main"), Allow},
		{"branch", req(gh, "repo:o/r:ref:refs/heads/evil"), ImplicitDeny},
		{"other provider", req("arn:aws:iam::1:oidc-provider/gitlab.com", "repo:o/r:ref:refs/heads/main"), ImplicitDeny},
	}
	for _, c := range cases {
		if got := trust.Decide(c.r); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"bad effect":        `{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}`,
		"no action":         `{"Statement": [{"Effect": "Allow", "Resource": "*"}]}`,
		"both actions":      `{"Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "a:c", "Resource": "*"}]}`,
		"unknown operator":  `{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}`,
		"unknown qualifier": `{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"ForSome:StringEquals": {"k": "v"}}}]}`,
		"not json":          `{`,
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(name, []byte(doc)); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestCatalogExpand(t *testing.T) {
	c := New(
		Action{Name: "iam:CreateRole"}, Action{Name: "iam:CreateUser"}, Action{Name: "iam:GetRole"},
		Action{Name: "s3:GetObject"}, Action{Name: "s3:PutObject"},
	)
	cases := []struct {
		pattern string
		want    []string
	}{
		{"iam:Create*", []string{"iam:CreateRole", "iam:CreateUser"}},
		{"IAM:createrole", []string{"iam:CreateRole"}},
		{"*:Get*", []string{"iam:GetRole", "s3:GetObject"}},
		{"s3:*Object", []string{"s3:GetObject", "s3:PutObject"}},
		{"ec2:*", nil},
	}
	for _, tc := range cases {
		if got := c.Expand(tc.pattern); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Expand(%q) = %v, want %v", tc.pattern, got, tc.want)
		}
	}
	p, err := Parse("p", []byte(`{"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjekt"], "Resource": "*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Unknown(p); !reflect.DeepEqual(got, []string{"s3:GetObjekt"}) {
		t.Errorf("Unknown = %v, want the misspelt action", got)
	}
	identity, _ := Parse("i", []byte(`{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::1:role/x"},
		{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"},
		{"Effect": "Deny", "Action": "iam:GetRole", "Resource": "arn:aws:iam::1:role/y"}]}`))
	got := Principal{Identity: []Policy{identity}}.ActionsAllowedSomewhere(c)
	if want := []string{"iam:CreateRole", "iam:GetRole"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ActionsAllowedSomewhere = %v, want %v (a deny on one resource leaves the action possible elsewhere)", got, want)
	}
}

// TestRealCatalog reads the npm package: the actions Stratum's tests
// reason about exist with the condition keys they rely on.
func TestRealCatalog(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Actions()); n < 10000 {
		t.Errorf("catalog has %d actions, want the whole IAM action list (over 10,000)", n)
	}
	for _, a := range []string{"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutRolePermissionsBoundary"} {
		act, ok := c.Lookup(a)
		if !ok {
			t.Errorf("%s is not in the catalog", a)
			continue
		}
		if !slices.Contains(act.ConditionKeys, "iam:PermissionsBoundary") {
			t.Errorf("%s: condition keys %v lack iam:PermissionsBoundary", a, act.ConditionKeys)
		}
	}
	// A resource type's keys apply to the actions on it.
	if a, _ := c.Lookup("iam:PutRolePolicy"); !slices.Contains(a.ConditionKeys, "iam:ResourceTag/${TagKey}") {
		t.Errorf("iam:PutRolePolicy: condition keys %v lack the role's iam:ResourceTag/${TagKey}", a.ConditionKeys)
	}
	if got := c.Expand("iam:*RolePolicy"); len(got) < 4 {
		t.Errorf("iam:*RolePolicy expands to %v", got)
	}
}

func TestContext(t *testing.T) {
	c := New(
		Action{Name: "iam:CreateRole", ConditionKeys: []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "iam:PermissionsBoundary"}},
		Action{Name: "iam:TagRole", ConditionKeys: []string{"aws:RequestTag/${TagKey}", "aws:TagKeys", "iam:ResourceTag/${TagKey}"}},
	)
	ctx := map[string][]string{"iam:PermissionsBoundary": {"b"}, "aws:RequestTag/Layer": {"x"}, "aws:PrincipalArn": {"p"}, "iam:ResourceTag/Layer": {"x"}}
	cases := []struct {
		action string
		want   []string
	}{
		{"iam:CreateRole", []string{"aws:PrincipalArn", "aws:RequestTag/Layer", "iam:PermissionsBoundary"}},
		{"iam:TagRole", []string{"aws:PrincipalArn", "aws:RequestTag/Layer", "iam:ResourceTag/Layer"}},
		{"s3:GetObject", []string{"aws:PrincipalArn", "aws:RequestTag/Layer", "iam:PermissionsBoundary", "iam:ResourceTag/Layer"}}, // unknown: as given
	}
	for _, tc := range cases {
		got := slices.Sorted(maps.Keys(c.Context(tc.action, ctx)))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Context(%s) keys %v, want %v", tc.action, got, tc.want)
		}
	}
}

// TestActionsAllowedSomewhereByService: judging each service's actions by
// only the statements that can match them (forService) gives what judging
// every action of the real catalog by every statement gives, for patterns
// that test the rule's edges: no colon (a ? or * that meets the colon),
// wildcards and case in the service, NotAction, and a boundary.
func TestActionsAllowedSomewhereByService(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	every := func(p Principal) []string {
		var out []string
		for _, a := range c.Actions() {
			if p.mayEver(a.Name) {
				out = append(out, a.Name)
			}
		}
		return out
	}
	policy := func(doc string) Policy {
		p, err := Parse("p", []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := map[string]Principal{
		"no colon": {Identity: []Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": ["s3?GetObject", "kms*"], "Resource": "*"}]}`)}},
		"wildcard service": {Identity: []Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": ["*:Describe*", "?am:Get*"], "Resource": "*"},
			{"Effect": "Allow", "Action": "S*:LIST*", "Resource": "*"},
			{"Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}]}`)}},
		"not action": {Identity: []Policy{policy(`{"Statement": [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}`)}},
		"boundary": {
			Identity: []Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": ["ec2:*", "s3:*", "iam:*"], "Resource": "*"}]}`)},
			Boundary: &[]Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": ["ec2:*", "s3:Get*", "iam:*"], "Resource": "*"},
				{"Effect": "Deny", "NotAction": ["ec2:*", "s3:*"], "Resource": "*"},
				{"Effect": "Deny", "Action": "ec2:Delete*", "Resource": "*"}]}`)}[0],
		},
		"empty boundary for the service": {
			Identity: []Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": ["rds:*", "s3:GetObject"], "Resource": "*"}]}`)},
			Boundary: &[]Policy{policy(`{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`)}[0],
		},
	}
	for name, p := range cases {
		want := every(p)
		if len(want) == 0 {
			t.Fatalf("%s: allows nothing: the case tests nothing", name)
		}
		if got := p.ActionsAllowedSomewhere(c); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d actions by service, %d judged by every statement", name, len(got), len(want))
		}
	}
}
