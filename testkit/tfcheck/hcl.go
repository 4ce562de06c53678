package tfcheck

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// PreparedHCL is the scratch copy of a stack's HCL rendering (cdk.tf).
type PreparedHCL struct {
	HCL []byte
	// Resources and DataSources count the blocks left in the copy; they
	// equal the JSON copy's, or prepareHCL fails.
	Resources, DataSources int
	// ProvidersDiffer says why the copy's provider blocks cannot stand in
	// for the JSON copy's (see sameProviders); "" when they hold the same
	// values, so that validating the HCL copy validates the JSON's
	// provider blocks too.
	ProvidersDiffer string
}

// prepareHCL makes the HCL copy with exactly the changes the JSON copy
// got (p): the backend removed, the AWS constraint relaxed, the same
// blocks left out, the same references replaced, prevent_destroy lifted.
// It fails when the HCL does not hold the same blocks as the JSON: the
// two renderings of a stack must describe the same infrastructure.
func prepareHCL(stack string, src []byte, p *Prepared, o prepareOptions) (*PreparedHCL, error) {
	f, diags := hclwrite.ParseConfig(src, "cdk.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return nil, fmt.Errorf("stack %s: parse cdk.tf: %s", stack, diags.Error())
	}
	h := &PreparedHCL{}
	subsByAddr := map[string][]substitution{}
	for _, s := range p.subs {
		subsByAddr[s.addr] = append(subsByAddr[s.addr], s)
	}
	seen := map[string]bool{}
	body := f.Body()
	for _, b := range body.Blocks() {
		labels := b.Labels()
		switch b.Type() {
		case "terraform":
			for _, inner := range b.Body().Blocks() {
				switch inner.Type() {
				case "backend":
					b.Body().RemoveBlock(inner)
				case "required_providers":
					for name := range inner.Body().Attributes() {
						if !o.available(name) {
							inner.Body().RemoveAttribute(name)
						}
					}
					inner.Body().SetAttributeValue(awsType, cty.ObjectVal(map[string]cty.Value{
						"source":  cty.StringVal(awsType),
						"version": cty.StringVal(p.ProviderConstraint),
					}))
				}
			}
		case "provider":
			if len(labels) == 1 && !o.available(labels[0]) {
				body.RemoveBlock(b)
			}
		case "resource", "data":
			if len(labels) != 2 {
				continue
			}
			addr := labels[0] + "." + labels[1]
			if b.Type() == "data" {
				addr = "data." + addr
			}
			if p.removed[addr] {
				body.RemoveBlock(b)
				continue
			}
			seen[addr] = true
			if b.Type() == "data" {
				h.DataSources++
			} else {
				h.Resources++
			}
			if err := rewriteHCLBlock(b.Body(), subsByAddr[addr], p.removed); err != nil {
				return nil, fmt.Errorf("stack %s: %s: %w", stack, addr, err)
			}
			if lc := b.Body().FirstMatchingBlock("lifecycle", nil); lc != nil && lc.Body().GetAttribute("prevent_destroy") != nil {
				lc.Body().SetAttributeValue("prevent_destroy", cty.False)
			}
		case "output", "locals":
			// cdktf writes outputs and locals only when a stack declares
			// them; they are checked as they are.
		}
	}
	// The HCL must hold the blocks the JSON holds, no more, no fewer.
	var missing, extra []string
	for typ, blocks := range asMap(p.doc["resource"]) {
		for name := range asMap(blocks) {
			if !seen[typ+"."+name] {
				missing = append(missing, typ+"."+name)
			}
		}
	}
	for typ, blocks := range asMap(p.doc["data"]) {
		for name := range asMap(blocks) {
			if !seen["data."+typ+"."+name] {
				missing = append(missing, "data."+typ+"."+name)
			}
		}
	}
	for addr := range seen {
		if !jsonHas(p.doc, addr) {
			extra = append(extra, addr)
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		sort.Strings(missing)
		sort.Strings(extra)
		return nil, fmt.Errorf("stack %s: the HCL rendering and the JSON differ: missing from the HCL %v, only in the HCL %v", stack, missing, extra)
	}
	h.HCL = f.Bytes()
	if err := sameProviders(src, p.doc, o.available); err != nil {
		h.ProvidersDiffer = err.Error()
	}
	return h, nil
}

// sameProviders returns nil when the HCL rendering's provider blocks of
// the installable providers hold, value for value, what the JSON copy's
// hold. Terraform validates a provider block from its values and the
// provider's schema alone, so the HCL validate then checks the JSON's
// provider blocks as well (Run relies on it to skip validating the JSON
// copy). A block whose values are not literals (a reference, a function
// call) cannot be compared and is reported as a difference.
func sameProviders(src []byte, doc map[string]any, available func(string) bool) error {
	f, diags := hclsyntax.ParseConfig(src, "cdk.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return fmt.Errorf("parse cdk.tf: %s", diags.Error())
	}
	fromHCL := map[string]any{}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "provider" || len(b.Labels) != 1 || !available(b.Labels[0]) {
			continue
		}
		v, err := literalBody(b.Body)
		if err != nil {
			return fmt.Errorf("provider %s: %w", b.Labels[0], err)
		}
		list, _ := fromHCL[b.Labels[0]].([]any)
		fromHCL[b.Labels[0]] = append(list, v)
	}
	fromJSON := map[string]any{}
	for name, blocks := range asMap(doc["provider"]) {
		if available(name) {
			fromJSON[name] = blocks
		}
	}
	a, err := normalized(fromHCL)
	if err != nil {
		return err
	}
	b, err := normalized(fromJSON)
	if err != nil {
		return err
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("the provider blocks differ: HCL %v, JSON %v", a, b)
	}
	return nil
}

// literalBody is an HCL body as Terraform's JSON syntax writes it:
// attributes by name, nested blocks as lists of objects by type.
func literalBody(body *hclsyntax.Body) (map[string]any, error) {
	out := map[string]any{}
	for name, attr := range body.Attributes {
		v, diags := attr.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, fmt.Errorf("%s is not a literal: %s", name, diags.Error())
		}
		raw, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return nil, err
		}
		out[name] = x
	}
	for _, b := range body.Blocks {
		v, err := literalBody(b.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", b.Type, err)
		}
		list, _ := out[b.Type].([]any)
		out[b.Type] = append(list, v)
	}
	return out, nil
}

// normalized is v through a JSON round trip (json.Number and float64
// alike), each provider's blocks sorted by alias.
func normalized(v map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	for _, blocks := range out {
		list, _ := blocks.([]any)
		sort.SliceStable(list, func(i, j int) bool {
			return fmt.Sprint(asMap(list[i])["alias"]) < fmt.Sprint(asMap(list[j])["alias"])
		})
	}
	return out, nil
}

func jsonHas(doc map[string]any, addr string) bool {
	kind := "resource"
	if rest, ok := strings.CutPrefix(addr, "data."); ok {
		kind, addr = "data", rest
	}
	typ, name, _ := strings.Cut(addr, ".")
	_, ok := asMap(asMap(doc[kind])[typ])[name]
	return ok
}

// quotedOrBare finds the entries of a depends_on list, quoted or not.
var quotedOrBare = regexp.MustCompile(`"([^"]+)"|([A-Za-z_][A-Za-z0-9_.\-\[\]]*)`)

// rewriteHCLBlock applies a block's substitutions and drops depends_on
// entries naming left-out blocks, in nested blocks too.
func rewriteHCLBlock(body *hclwrite.Body, subs []substitution, removed map[string]bool) error {
	for name, attr := range body.Attributes() {
		raw := string(attr.Expr().BuildTokens(nil).Bytes())
		if name == "depends_on" {
			var kept []string
			changed := false
			for _, m := range quotedOrBare.FindAllStringSubmatch(strings.Trim(strings.TrimSpace(raw), "[]"), -1) {
				ref := m[1] + m[2]
				if removed[baseAddress(ref)] {
					changed = true
					continue
				}
				kept = append(kept, m[0])
			}
			switch {
			case !changed:
			case len(kept) == 0:
				body.RemoveAttribute(name)
			default:
				if err := setRaw(body, name, "["+strings.Join(kept, ", ")+"]"); err != nil {
					return err
				}
			}
			continue
		}
		out := raw
		for _, s := range subs {
			if strings.TrimSpace(out) == s.expr {
				// The export writes a lone reference bare.
				out = `"` + hclTemplateEscape(s.literal) + `"`
				continue
			}
			out = strings.ReplaceAll(out, "${"+s.expr+"}", hclTemplateEscape(s.literal))
		}
		if out != raw {
			if err := setRaw(body, name, out); err != nil {
				return err
			}
		}
	}
	for _, b := range body.Blocks() {
		if err := rewriteHCLBlock(b.Body(), subs, removed); err != nil {
			return err
		}
	}
	return nil
}

// hclTemplateEscape writes s as text inside a quoted HCL template.
func hclTemplateEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "${", "$${", "%{", "%%{")
	return r.Replace(s)
}

// setRaw replaces an attribute's expression with the given source text.
func setRaw(body *hclwrite.Body, name, expr string) error {
	f, diags := hclwrite.ParseConfig([]byte("x = "+expr+"\n"), "expr.tf", hcl.InitialPos)
	if diags.HasErrors() {
		return fmt.Errorf("rewrite %s: %s", name, diags.Error())
	}
	body.SetAttributeRaw(name, f.Body().GetAttribute("x").Expr().BuildTokens(nil))
	return nil
}
