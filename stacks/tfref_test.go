package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The one way the stacks tests follow Terraform references inside a
// synthesized stack: tfRefs parses them, and everything else is built on
// it.

// tfInterpolation matches a Terraform reference such as
// ${aws_s3_bucket.x.arn} or ${data.aws_ssm_parameter.y.insecure_value},
// also inside a function call (${split(",", data.aws_ssm_parameter.z.insecure_value)}).
var tfInterpolation = regexp.MustCompile(`\$\{([^{}]*)\}`)

var tfReference = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.])((data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+))\.[a-z_]+`)

// tfRef is one reference to a resource or data source of the same stack.
type tfRef struct {
	data       bool
	typ, name  string
	expression string
}

// tfRefs returns the references in s.
func tfRefs(s string) []tfRef {
	var out []tfRef
	for _, m := range tfInterpolation.FindAllStringSubmatch(s, -1) {
		for _, r := range tfReference.FindAllStringSubmatch(m[1], -1) {
			out = append(out, tfRef{data: r[2] != "", typ: r[3], name: r[4], expression: m[0]})
		}
	}
	return out
}

// tfLiteral is s without its interpolations.
func tfLiteral(s string) string {
	return tfInterpolation.ReplaceAllString(s, "")
}

// qualifiedType is the reference's type as written: aws_subnet, or
// data.aws_iam_policy_document for a data source.
func (r tfRef) qualifiedType() string {
	if r.data {
		return "data." + r.typ
	}
	return r.typ
}

// tfExpr is the expression referencing attr of typ.name, as cdktf writes
// it: ${aws_kms_key.x.arn}.
func tfExpr(typ, name, attr string) string {
	return fmt.Sprintf("${%s.%s.%s}", typ, name, attr)
}

// refNames returns, in order, the names of the blocks of type typ
// ("aws_subnet", or "data.aws_iam_policy_document") referenced anywhere
// in v, also inside function calls.
func refNames(v any, typ string) []string {
	b, _ := json.Marshal(v)
	var out []string
	for _, r := range tfRefs(string(b)) {
		if r.qualifiedType() == typ {
			out = append(out, r.name)
		}
	}
	return out
}

// refName returns the single block of type typ that v references.
func refName(t *testing.T, v any, typ string) string {
	t.Helper()
	r := refNames(v, typ)
	if len(r) != 1 {
		t.Fatalf("%v references %v of %s, want exactly one", v, r, typ)
	}
	return r[0]
}

// resolve returns the block that reference (a whole-string reference such
// as ${aws_iam_role.x.arn}) points to, its type and name.
func (j tfJSON) resolve(t *testing.T, reference any) (map[string]any, string, string) {
	t.Helper()
	s, _ := reference.(string)
	rs := tfRefs(s)
	if len(rs) != 1 || rs[0].expression != s {
		t.Fatalf("%v is not a reference to a resource or data source", reference)
	}
	block := j.target(rs[0])
	if block == nil {
		t.Fatalf("%s: no %s %s in the stack", s, rs[0].qualifiedType(), rs[0].name)
	}
	return block, rs[0].typ, rs[0].name
}

// target returns the resource or data source r points to, or nil.
func (j tfJSON) target(r tfRef) map[string]any {
	if r.data {
		return j.data(r.typ)[r.name]
	}
	return j.resources(r.typ)[r.name]
}

// ssmName is the parameter name an SSM data source reference reads, or "".
func (j tfJSON) ssmName(r tfRef) string {
	if !r.data || r.typ != "aws_ssm_parameter" {
		return ""
	}
	t := j.target(r)
	if t == nil {
		return ""
	}
	name, _ := t["name"].(string)
	return name
}

// isRefTo reports whether value is exactly a reference to typ.name.
func isRefTo(value any, data bool, typ, name string) bool {
	s, _ := value.(string)
	rs := tfRefs(s)
	return len(rs) == 1 && rs[0].data == data && rs[0].typ == typ && rs[0].name == name && rs[0].expression == s
}

// strings returns every string inside v (maps, lists, strings), sorted.
func allStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				if k == "//" {
					continue
				}
				walk(e)
			}
		}
	}
	walk(v)
	sort.Strings(out)
	return out
}

// stringList reads a JSON list of strings.
func stringList(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// paramParts splits /stratum/<env>/<layer>/<rest> into layer and rest.
func paramParts(name string) (layer, rest string) {
	parts := strings.SplitN(name, "/", 5)
	if len(parts) < 5 {
		return "", ""
	}
	return parts[3], parts[4]
}

func TestTfRefs(t *testing.T) {
	cases := map[string][]string{
		"${aws_subnet.network_public-us-east-1a_25D5F5CE.id}":                        {"aws_subnet.network_public-us-east-1a_25D5F5CE"},
		"${data.aws_ssm_parameter.import-foundation-vpc-id.insecure_value}":          {"data.aws_ssm_parameter.import-foundation-vpc-id"},
		`${join(",", [aws_subnet.a.id, aws_subnet.b.id])}`:                           {"aws_subnet.a", "aws_subnet.b"},
		`${split(",", data.aws_ssm_parameter.z.insecure_value)}`:                     {"data.aws_ssm_parameter.z"},
		"${aws_db_instance.x.master_user_secret[0].secret_arn}":                      {"aws_db_instance.x"},
		"arn:${data.aws_partition.p.partition}:iam::aws:policy/AmazonEKS_CNI_Policy": {"data.aws_partition.p"},
		"no reference":       nil,
		"aws_subnet.a.id":    nil, // not interpolated
		"${var.region}-logs": nil, // a variable, not a block
	}
	for s, want := range cases {
		var got []string
		for _, r := range tfRefs(s) {
			got = append(got, r.qualifiedType()+"."+r.name)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("tfRefs(%q) = %v, want %v", s, got, want)
		}
	}
	if got := refNames(map[string]any{"VpnId": "${aws_vpn_connection.c.id}", "x": []any{"${aws_vpn_connection.d.id}"}}, "aws_vpn_connection"); fmt.Sprint(got) != "[c d]" {
		t.Errorf("refNames inside a map and a list = %v, want [c d]", got)
	}
}
