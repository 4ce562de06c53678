// Package hclexport writes Stratum's stacks as plain Terraform HCL, the way
// out of cdktf: `stratum hcl` (make hcl) writes one cdk.tf per stack that
// Terraform or OpenTofu use directly, with the same backend, state key and
// resource addresses as the synthesized JSON.
//
// cdktf 0.20 renders HCL itself (TerraformStack.toHclTerraform), and gets
// its structure right (which names are blocks, which are attributes) but
// not always its values: a string holding both quotes and an interpolation
// is written without escaping (invalid HCL), and some lists come out as
// objects keyed "0", "1", … (a different value). Render therefore keeps
// cdktf's block structure and writes every attribute's value again from the
// synthesized JSON, which is what Terraform deploys. The result is
// equivalent to the JSON by construction, and Render fails when the two
// do not hold the same blocks and attributes.
package hclexport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Render turns cdktf's HCL rendering of a stack (raw) into HCL whose
// every attribute has the value the stack's synthesized JSON gives it.
func Render(stack string, jsonDoc, raw []byte) ([]byte, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(jsonDoc))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("stack %s: parse cdk.tf.json: %w", stack, err)
	}
	src := repairLines(raw)
	f, diags := hclwrite.ParseConfig(src, stack+"/cdk.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("stack %s: cdktf's HCL cannot be parsed even after repair: %s", stack, diags.Error())
	}
	w := &walker{stack: stack}
	w.top(f.Body(), doc)
	if len(w.errs) > 0 {
		sort.Strings(w.errs)
		return nil, fmt.Errorf("stack %s: the HCL and the JSON differ:\n  %s", stack, strings.Join(w.errs, "\n  "))
	}
	out := separateBlocks(hclwrite.Format(f.Bytes()))
	if _, diags := hclsyntax.ParseConfig(out, stack+"/cdk.tf", hcl.InitialPos); diags.HasErrors() {
		return nil, fmt.Errorf("stack %s: rendered HCL does not parse: %s", stack, diags.Error())
	}
	return out, nil
}

// separateBlocks puts one blank line between top-level blocks, as
// terraform fmt leaves hand-written files.
func separateBlocks(src []byte) []byte {
	lines := strings.Split(strings.TrimRight(string(src), "\n"), "\n")
	var out []string
	for i, line := range lines {
		if strings.TrimSpace(line) == "" && (i == 0 || strings.TrimSpace(lines[i-1]) == "") {
			continue
		}
		if i > 0 && lines[i-1] == "}" && line != "" {
			out = append(out, "")
		}
		out = append(out, line)
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// brokenString is a line cdktf wrote as key = "…" or as a list element
// "…", whose content may hold unescaped quotes.
var brokenString = regexp.MustCompile(`^(\s*)((?:[A-Za-z0-9_-]+|"[^"]*")\s*=\s*)?"(.*)"(,?)\s*$`)

// escape finds a backslash and what follows it; validEscape is one HCL
// accepts: \n, \r, \t, \", \\, \u with four hex digits, \U with eight.
var (
	escape      = regexp.MustCompile(`\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.|$)`)
	validEscape = regexp.MustCompile(`^\\([nrt"\\]|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})$`)
)

// escapeBackslashes doubles every backslash that does not start an escape
// HCL accepts (cdktf writes a value's backslashes as they are), and
// reports whether there was one.
func escapeBackslashes(s string) (string, bool) {
	changed := false
	out := escape.ReplaceAllStringFunc(s, func(m string) string {
		if validEscape.MatchString(m) {
			return m
		}
		changed = true
		return `\` + m
	})
	return out, changed
}

// repairLines makes cdktf's HCL parse: it escapes the quotes cdktf left
// unescaped in strings that also hold an interpolation (their content is
// the JSON template as it is), and the backslashes it never escapes. The
// values are written again from the JSON afterwards; this only has to make
// the structure readable.
func repairLines(raw []byte) []byte {
	lines := strings.Split(string(raw), "\n")
	for i, line := range lines {
		m := brokenString.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		content := m[3]
		if strings.Contains(content, "${") {
			content = templateText(content)
		} else if escaped, changed := escapeBackslashes(content); changed {
			content = escaped
		} else {
			continue
		}
		lines[i] = m[1] + m[2] + `"` + content + `"` + m[4]
	}
	return []byte(strings.Join(lines, "\n"))
}

// walker re-renders attributes and records where HCL and JSON differ.
type walker struct {
	stack string
	errs  []string
}

func (w *walker) fail(path, format string, args ...any) {
	w.errs = append(w.errs, path+": "+fmt.Sprintf(format, args...))
}

// top matches the file's blocks with the JSON's top-level sections.
func (w *walker) top(body *hclwrite.Body, doc map[string]any) {
	used := map[string]map[string]int{} // section -> key -> blocks seen
	mark := func(section, key string) int {
		if used[section] == nil {
			used[section] = map[string]int{}
		}
		used[section][key]++
		return used[section][key] - 1
	}
	for _, b := range body.Blocks() {
		labels := b.Labels()
		switch b.Type() {
		case "terraform":
			mark("terraform", "")
			w.body(b.Body(), asMap(doc["terraform"]), "terraform", "terraform")
		case "locals":
			mark("locals", "")
			w.body(b.Body(), asMap(doc["locals"]), "locals", "locals")
		case "resource", "data":
			if len(labels) != 2 {
				w.fail(b.Type(), "block with labels %v", labels)
				continue
			}
			mark(b.Type(), labels[0]+"."+labels[1])
			path := b.Type() + "." + labels[0] + "." + labels[1]
			j, ok := asMap(asMap(doc[b.Type()])[labels[0]])[labels[1]].(map[string]any)
			if !ok {
				w.fail(path, "block only in the HCL")
				continue
			}
			w.body(b.Body(), j, path, b.Type())
		case "provider", "output", "module", "variable":
			if len(labels) != 1 {
				w.fail(b.Type(), "block with labels %v", labels)
				continue
			}
			i := mark(b.Type(), labels[0])
			path := b.Type() + "." + labels[0]
			j := nth(asMap(doc[b.Type()])[labels[0]], i)
			if j == nil {
				w.fail(path, "block only in the HCL")
				continue
			}
			w.body(b.Body(), j, path, b.Type())
		default:
			w.fail(b.Type(), "block type not compared with the JSON")
		}
	}
	// Everything in the JSON must have been written.
	for section, v := range doc {
		switch section {
		case "//":
		case "terraform", "locals":
			if used[section] == nil {
				w.fail(section, "only in the JSON")
			}
		case "resource", "data":
			for typ, blocks := range asMap(v) {
				for name := range asMap(blocks) {
					if used[section][typ+"."+name] == 0 {
						w.fail(section+"."+typ+"."+name, "only in the JSON")
					}
				}
			}
		default:
			for name, blocks := range asMap(v) {
				if want := len(list(blocks)); used[section][name] != want {
					w.fail(section+"."+name, "%d blocks in the JSON, %d in the HCL", want, used[section][name])
				}
			}
		}
	}
}

// metaReferences are arguments whose JSON strings are references written
// bare in HCL (depends_on = [aws_x.y], provider = aws.alias).
var metaReferences = map[string]bool{"depends_on": true, "provider": true, "ignore_changes": true, "replace_triggered_by": true}

// body re-renders a block body's attributes from j and recurses into its
// nested blocks; kind is the top-level block type it belongs to.
func (w *walker) body(body *hclwrite.Body, j map[string]any, path, kind string) {
	seen := map[string]bool{"//": true}
	for name := range body.Attributes() {
		seen[name] = true
		v, ok := j[name]
		if !ok {
			w.fail(path+"."+name, "attribute only in the HCL")
			continue
		}
		text := renderValue(v, 0)
		if metaReferences[name] && (kind == "resource" || kind == "data" || kind == "output" || kind == "module") {
			text = renderReferences(v)
		}
		if err := setRaw(body, name, text); err != nil {
			w.fail(path+"."+name, "%v", err)
		}
	}
	counts := map[string]int{}
	for _, b := range body.Blocks() {
		typ := b.Type()
		seen[typ] = true
		jv := j[typ]
		for _, l := range b.Labels() {
			jv = asMap(jv)[l]
			typ += "." + l
		}
		i := counts[typ]
		counts[typ]++
		nested := nth(jv, i)
		if nested == nil {
			w.fail(path+"."+typ, "block #%d only in the HCL", i+1)
			continue
		}
		w.body(b.Body(), nested, path+"."+typ, kind)
	}
	for typ, n := range counts {
		jv := j[strings.SplitN(typ, ".", 2)[0]]
		for _, l := range strings.Split(typ, ".")[1:] {
			jv = asMap(jv)[l]
		}
		if want := len(list(jv)); want != n {
			w.fail(path+"."+typ, "%d blocks in the JSON, %d in the HCL", want, n)
		}
	}
	for name := range j {
		if !seen[name] {
			w.fail(path+"."+name, "only in the JSON")
		}
	}
}

// nth is the i-th block of a JSON block value (an object is one block, a
// list holds several).
func nth(v any, i int) map[string]any {
	l := list(v)
	if i >= len(l) {
		return nil
	}
	m, _ := l[i].(map[string]any)
	return m
}

func list(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case map[string]any:
		return []any{t}
	case nil:
		return nil
	}
	return []any{v}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// renderValue writes a JSON-syntax value as HCL native syntax.
func renderValue(v any, depth int) string {
	indent := strings.Repeat("  ", depth+1)
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return t.String()
	case string:
		if expr, ok := singleInterpolation(t); ok {
			return expr
		}
		return `"` + templateText(t) + `"`
	case []any:
		if len(t) == 0 {
			return "[]"
		}
		var b strings.Builder
		b.WriteString("[\n")
		for _, e := range t {
			b.WriteString(indent + renderValue(e, depth+1) + ",\n")
		}
		b.WriteString(strings.Repeat("  ", depth) + "]")
		return b.String()
	case map[string]any:
		if len(t) == 0 {
			return "{}"
		}
		keys := slices.Sorted(maps.Keys(t))
		var b strings.Builder
		b.WriteString("{\n")
		for _, k := range keys {
			b.WriteString(indent + objectKey(k) + " = " + renderValue(t[k], depth+1) + "\n")
		}
		b.WriteString(strings.Repeat("  ", depth) + "}")
		return b.String()
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// renderReferences writes depends_on-style strings as bare references.
func renderReferences(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSuffix(strings.TrimPrefix(t, "${"), "}")
	case []any:
		var parts []string
		for _, e := range t {
			parts = append(parts, renderReferences(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return renderValue(v, 0)
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func objectKey(k string) string {
	if identifier.MatchString(k) {
		return k
	}
	return `"` + templateText(k) + `"`
}

// singleInterpolation reports whether s is exactly one "${expr}", which
// HCL writes as the bare expression (same value, same type).
func singleInterpolation(s string) (string, bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	end := interpolationEnd(s, 0)
	if end != len(s) {
		return "", false
	}
	expr := strings.TrimSpace(s[2 : len(s)-1])
	return expr, expr != ""
}

// templateText escapes a JSON-syntax template string for an HCL quoted
// template. Both syntaxes share ${…} interpolations, %{…} directives and
// their $${ / %%{ escapes, which are kept verbatim; outside them quotes,
// backslashes and control characters are escaped.
func templateText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"), strings.HasPrefix(s[i:], "%%{"):
			b.WriteString(s[i : i+3])
			i += 3
		case strings.HasPrefix(s[i:], "${"), strings.HasPrefix(s[i:], "%{"):
			end := interpolationEnd(s, i)
			b.WriteString(s[i:end])
			i = end
		default:
			switch c := s[i]; c {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteByte(c)
			}
			i++
		}
	}
	return b.String()
}

// interpolationEnd is the index just past the "}" closing the
// interpolation that starts at s[start] ("${" or "%{"), skipping nested
// braces and quoted strings inside it; len(s) when it is not closed.
func interpolationEnd(s string, start int) int {
	depth := 0
	inString := false
	for i := start + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// setRaw replaces an attribute's expression with the given source text.
func setRaw(body *hclwrite.Body, name, expr string) error {
	f, diags := hclwrite.ParseConfig([]byte("x = "+expr+"\n"), "expr.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return fmt.Errorf("cannot write %s = %s: %s", name, expr, diags.Error())
	}
	body.SetAttributeRaw(name, f.Body().GetAttribute("x").Expr().BuildTokens(nil))
	return nil
}
