package tfcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Prepared is the scratch copy of one stack's Terraform JSON that the
// Terraform CLI checks, and what was changed to get there. The synthesized
// stack itself is never modified.
type Prepared struct {
	// JSON is the copy, ready to be written as cdk.tf.json.
	JSON []byte
	// Resources and DataSources count the blocks left in the copy, i.e.
	// the ones Terraform checks.
	Resources, DataSources int
	// LeftOut counts the resources and data sources removed because their
	// provider cannot be installed, by provider local name (kubernetes,
	// helm). A block of an installable provider that needed a removed one
	// in a way that cannot be replaced by a literal counts under "aws (needs
	// kubernetes)".
	LeftOut map[string]int
	// LeftOutData counts the data sources left out, the same way.
	LeftOutData map[string]int
	// Substituted lists the references to removed resources that were
	// replaced by the literal value those resources are configured with
	// (e.g. a namespace's name), as "address <- reference".
	Substituted []string
	// PreventDestroyLifted lists the addresses whose prevent_destroy was
	// turned off in the copy, because `terraform test` destroys what it
	// applied at the end. The synthesized stack keeps it.
	PreventDestroyLifted []string
	// ProviderConstraint is the AWS provider constraint in the copy, and
	// PinnedVersion the one the stack was synthesized with.
	ProviderConstraint, PinnedVersion string
	// doc is the parsed copy, for generating the test file.
	doc map[string]any
	// removed are the addresses left out, and subs the substitutions
	// made, so that the HCL copy gets exactly the same changes.
	removed map[string]bool
	subs    []substitution
}

// substitution is one reference to a left-out block replaced by the
// literal that block is configured with.
type substitution struct {
	addr, expr, literal string
}

// prepareOptions says what the scratch copy must work around.
type prepareOptions struct {
	// available reports whether a provider (by local name) can be
	// installed; blocks of the others are left out.
	available func(provider string) bool
	// relax turns the stack's pinned AWS provider version into the
	// constraint the copy uses.
	relax func(pinned string) string
}

// interpolation finds ${…} sequences in a JSON string (cdktf writes no
// nested braces inside references; function calls are kept as they are).
var interpolation = regexp.MustCompile(`\$\{([^{}]*)\}`)

// reference finds resource and data source references in an expression:
// TYPE.NAME or data.TYPE.NAME, followed by attribute and index steps.
var reference = regexp.MustCompile(`\b(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)((?:\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"]*"\])*)`)

// prepareJSON makes the scratch copy of a synthesized stack: the backend
// removed (the tier runs with -backend=false and checks the backend on its
// own), the AWS provider constraint relaxed to what is installed, blocks of
// providers that cannot be installed left out together with what needs
// them, and prevent_destroy lifted.
func prepareJSON(stack string, raw []byte, o prepareOptions) (*Prepared, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("stack %s: parse cdk.tf.json: %w", stack, err)
	}
	p := &Prepared{LeftOut: map[string]int{}, LeftOutData: map[string]int{}, doc: doc}

	tf, _ := doc["terraform"].(map[string]any)
	if tf == nil {
		return nil, fmt.Errorf("stack %s: cdk.tf.json has no terraform block", stack)
	}
	delete(tf, "backend")
	reqs, _ := tf["required_providers"].(map[string]any)
	aws, _ := reqs["aws"].(map[string]any)
	if aws == nil {
		return nil, fmt.Errorf("stack %s: required_providers has no aws entry", stack)
	}
	p.PinnedVersion, _ = aws["version"].(string)
	p.ProviderConstraint = o.relax(p.PinnedVersion)
	aws["version"] = p.ProviderConstraint
	for name := range reqs {
		if !o.available(name) {
			delete(reqs, name)
		}
	}
	if providers, ok := doc["provider"].(map[string]any); ok {
		for name := range providers {
			if !o.available(name) {
				delete(providers, name)
			}
		}
	}

	// Leave out every block of an unavailable provider, remembering it so
	// that references to it can be resolved or followed.
	removed := map[string]removedBlock{}
	for _, kind := range []string{"resource", "data"} {
		byType, _ := doc[kind].(map[string]any)
		for typ, blocks := range byType {
			prov := providerOf(typ, blocks)
			if o.available(prov) {
				continue
			}
			for name, cfg := range asMap(blocks) {
				removed[address(kind, typ, name)] = removedBlock{cfg: asMap(cfg), cause: prov}
				if kind == "data" {
					p.LeftOutData[prov]++
				} else {
					p.LeftOut[prov]++
				}
			}
			delete(byType, typ)
		}
	}

	// Blocks that reference a removed one: replace the reference with the
	// literal the removed block is configured with where there is one
	// (a namespace's metadata[0].name), otherwise leave the block out too.
	// Repeat until nothing changes, since leaving one out can orphan others.
	for changed := true; changed; {
		changed = false
		for _, b := range blocksOf(doc) {
			dropDependsOn(b.cfg, removed)
			needs, subs := rewriteRefs(b.cfg, removed)
			if b.commit != nil {
				b.commit()
			}
			for _, s := range subs {
				p.Substituted = append(p.Substituted, b.addr+" <- "+s.expr)
				s.addr = b.addr
				p.subs = append(p.subs, s)
			}
			if needs == "" {
				continue
			}
			removed[b.addr] = removedBlock{cfg: b.cfg, cause: needs}
			counter := p.LeftOut
			if strings.HasPrefix(b.addr, "data.") {
				counter = p.LeftOutData
			}
			counter[fmt.Sprintf("%s (needs %s)", b.provider, needs)]++
			b.remove()
			changed = true
		}
	}

	// terraform test destroys what it applied; prevent_destroy would make
	// that fail. Lift it in the copy only.
	for typ, blocks := range asMap(doc["resource"]) {
		for name, cfg := range asMap(blocks) {
			lc, _ := asMap(cfg)["lifecycle"].(map[string]any)
			if lc["prevent_destroy"] == true {
				lc["prevent_destroy"] = false
				p.PreventDestroyLifted = append(p.PreventDestroyLifted, typ+"."+name)
			}
		}
	}
	sort.Strings(p.PreventDestroyLifted)
	sort.Strings(p.Substituted)
	p.removed = map[string]bool{}
	for addr := range removed {
		p.removed[addr] = true
	}

	for kind, n := range map[string]*int{"resource": &p.Resources, "data": &p.DataSources} {
		for _, blocks := range asMap(doc[kind]) {
			*n += len(asMap(blocks))
		}
	}
	for _, kind := range []string{"resource", "data", "provider"} {
		if m, ok := doc[kind].(map[string]any); ok && len(m) == 0 {
			delete(doc, kind)
		}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("stack %s: write scratch copy: %w", stack, err)
	}
	p.JSON = out
	return p, nil
}

// providerOf is the provider local name of a block type: its provider
// argument when set (kubernetes.alias), else the type's first word.
func providerOf(typ string, blocks any) string {
	for _, cfg := range asMap(blocks) {
		if prov, ok := asMap(cfg)["provider"].(string); ok {
			return strings.SplitN(prov, ".", 2)[0]
		}
	}
	return strings.SplitN(typ, "_", 2)[0]
}

// address is a block's Terraform address.
func address(kind, typ, name string) string {
	switch kind {
	case "data":
		return "data." + typ + "." + name
	case "resource":
		return typ + "." + name
	case "output":
		return "output." + typ
	default:
		return "local." + typ
	}
}

// removedBlock is a block left out of the copy: its configuration, to
// resolve references to it, and the unavailable provider that caused it.
type removedBlock struct {
	cfg   map[string]any
	cause string
}

// block is one resource, data source or output of the copy.
type block struct {
	addr, provider string
	cfg            map[string]any
	remove         func()
	// commit writes cfg back where it is not the block itself (locals).
	commit func()
}

// blocksOf lists the blocks of the copy that can reference others.
func blocksOf(doc map[string]any) []block {
	var out []block
	for _, kind := range []string{"resource", "data"} {
		byType := asMap(doc[kind])
		for typ, blocks := range byType {
			prov := providerOf(typ, blocks)
			for name, cfg := range asMap(blocks) {
				typ, name, blocks := typ, name, asMap(blocks)
				out = append(out, block{addr: address(kind, typ, name), provider: prov, cfg: asMap(cfg), remove: func() {
					delete(blocks, name)
					if len(blocks) == 0 {
						delete(byType, typ)
					}
				}})
			}
		}
	}
	outputs := asMap(doc["output"])
	for name, cfg := range outputs {
		name := name
		out = append(out, block{addr: "output." + name, provider: "output", cfg: asMap(cfg), remove: func() { delete(outputs, name) }})
	}
	locals := asMap(doc["locals"])
	for name, v := range locals {
		name := name
		wrapper := map[string]any{"value": v}
		out = append(out, block{addr: "local." + name, provider: "local", cfg: wrapper,
			remove: func() { delete(locals, name) },
			// rewriteRefs edits wrapper in place; copy the result back.
			commit: func() { locals[name] = wrapper["value"] }})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].addr < out[j].addr })
	return out
}

// dropDependsOn removes depends_on entries naming removed blocks: the
// order they impose concerns resources the check does not create.
func dropDependsOn(cfg map[string]any, removed map[string]removedBlock) {
	deps, ok := cfg["depends_on"].([]any)
	if !ok {
		return
	}
	kept := deps[:0:0]
	for _, d := range deps {
		s, _ := d.(string)
		if _, gone := removed[baseAddress(s)]; !gone {
			kept = append(kept, d)
		}
	}
	if len(kept) == 0 {
		delete(cfg, "depends_on")
		return
	}
	cfg["depends_on"] = kept
}

// baseAddress strips attribute steps from a reference: data.a_b.c.d -> data.a_b.c.
func baseAddress(ref string) string {
	ref = strings.TrimSuffix(strings.TrimPrefix(ref, "${"), "}")
	parts := strings.Split(ref, ".")
	if parts[0] == "data" && len(parts) >= 3 {
		return strings.Join(parts[:3], ".")
	}
	if len(parts) >= 2 {
		return strings.Join(parts[:2], ".")
	}
	return ref
}

// rewriteRefs replaces, in every string of v, the references to removed
// blocks that resolve to a literal in the removed block's configuration.
// It returns the provider of a removed block that is needed in a way that
// cannot be replaced ("" when none) and the substitutions made.
func rewriteRefs(v map[string]any, removed map[string]removedBlock) (needs string, subs []substitution) {
	var walk func(x any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				if k == "//" || k == "depends_on" {
					continue
				}
				t[k] = walk(e)
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		case string:
			if !strings.Contains(t, "${") {
				return t
			}
			return rewriteString(t, removed, &needs, &subs)
		}
		return x
	}
	walk(v)
	return needs, subs
}

func rewriteString(s string, removed map[string]removedBlock, needs *string, subs *[]substitution) any {
	// A string that is exactly one reference keeps the literal's type.
	if m := interpolation.FindStringSubmatch(s); m != nil && m[0] == s {
		if lit, ok, hit := resolveRef(strings.TrimSpace(m[1]), removed); hit {
			if str, isStr := literalString(lit); ok && isStr {
				*subs = append(*subs, substitution{expr: strings.TrimSpace(m[1]), literal: str})
				return lit
			}
			*needs = removed[baseAddress(strings.TrimSpace(m[1]))].cause
			return s
		}
	}
	return interpolation.ReplaceAllStringFunc(s, func(in string) string {
		expr := strings.TrimSpace(in[2 : len(in)-1])
		lit, ok, hit := resolveRef(expr, removed)
		if !hit {
			// A removed block inside a larger expression (a function call)
			// cannot be replaced.
			for _, r := range reference.FindAllString(expr, -1) {
				if rb, gone := removed[baseAddress(r)]; gone {
					*needs = rb.cause
				}
			}
			return in
		}
		str, isStr := literalString(lit)
		if !ok || !isStr {
			*needs = removed[baseAddress(expr)].cause
			return in
		}
		*subs = append(*subs, substitution{expr: expr, literal: str})
		return str
	})
}

// resolveRef looks expr up when it is exactly a reference to a removed
// block: hit says it is one, ok that the configuration holds a literal at
// that path.
func resolveRef(expr string, removed map[string]removedBlock) (lit any, ok, hit bool) {
	m := reference.FindStringSubmatch(expr)
	if m == nil || m[0] != expr {
		return nil, false, false
	}
	rb, gone := removed[baseAddress(expr)]
	if !gone {
		return nil, false, false
	}
	var cur any = rb.cfg
	for _, step := range splitSteps(m[4]) {
		switch {
		case strings.HasPrefix(step, "["):
			inner := strings.Trim(step, "[]")
			if i, err := strconv.Atoi(inner); err == nil {
				// cdktf writes single nested blocks as lists or objects.
				if l, isList := cur.([]any); isList {
					if i >= len(l) {
						return nil, false, true
					}
					cur = l[i]
				} else if i != 0 {
					return nil, false, true
				}
				continue
			}
			cur = asMap(cur)[strings.Trim(inner, `"`)]
		default:
			cur = asMap(cur)[step]
		}
		if cur == nil {
			return nil, false, true
		}
	}
	switch t := cur.(type) {
	case string:
		if strings.Contains(t, "${") {
			return nil, false, true
		}
		return t, true, true
	case json.Number, bool:
		return t, true, true
	}
	return nil, false, true
}

func splitSteps(s string) []string {
	var out []string
	for s != "" {
		if s[0] == '.' {
			end := strings.IndexAny(s[1:], ".[")
			if end < 0 {
				out = append(out, s[1:])
				break
			}
			out = append(out, s[1:end+1])
			s = s[end+1:]
			continue
		}
		end := strings.Index(s, "]")
		out = append(out, s[:end+1])
		s = s[end+1:]
	}
	return out
}

func literalString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
