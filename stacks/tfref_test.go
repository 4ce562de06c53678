package stacks

import (
	"regexp"
	"sort"
	"strings"
)

// Helpers to follow references inside a synthesized stack.

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
