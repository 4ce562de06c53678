package tfcheck

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// PreparedHCL is the scratch copy of a stack's HCL rendering (cdk.tf).
type PreparedHCL struct {
	HCL []byte
	// Resources and DataSources count the blocks left in the copy; they
	// equal the JSON copy's, or prepareHCL fails.
	Resources, DataSources int
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
	return h, nil
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
