package tfcheck

import (
	"fmt"

	tfjson "github.com/hashicorp/terraform-json"
)

// schemas is what the tier needs from `terraform providers schema -json`:
// for each AWS resource type, the attributes only the provider sets.
type schemas struct {
	computed map[string]map[string]bool
}

// computedAttributes is, for each resource type of `terraform providers
// schema -json`, the attributes only the provider sets.
func computedAttributes(ps *tfjson.ProviderSchemas) (*schemas, error) {
	s := &schemas{computed: map[string]map[string]bool{}}
	for _, p := range ps.Schemas {
		for typ, r := range p.ResourceSchemas {
			if r == nil || r.Block == nil {
				continue
			}
			for name, a := range r.Block.Attributes {
				if a.Computed && !a.Optional && !a.Required {
					if s.computed[typ] == nil {
						s.computed[typ] = map[string]bool{}
					}
					s.computed[typ][name] = true
				}
			}
		}
	}
	if len(s.computed) == 0 {
		return nil, fmt.Errorf("providers schema -json lists no resource types")
	}
	return s, nil
}

// isComputed reports whether the provider sets attr of resource type typ.
// Without schemas (the Kubernetes tier resolves references without
// Terraform), every attribute asked about is taken as computed: only the
// ones a stack references are looked up.
func (s *schemas) isComputed(typ, attr string) bool {
	return s == nil || s.computed[typ][attr]
}
