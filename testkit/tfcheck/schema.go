package tfcheck

import (
	"encoding/json"
	"fmt"
)

// schemas is what the tier needs from `terraform providers schema -json`:
// for each AWS resource type, the attributes only the provider sets.
type schemas struct {
	computed map[string]map[string]bool
}

// parseSchemas reads `terraform providers schema -json`.
func parseSchemas(out []byte) (*schemas, error) {
	var doc struct {
		ProviderSchemas map[string]struct {
			ResourceSchemas map[string]struct {
				Block struct {
					Attributes map[string]struct {
						Computed bool `json:"computed"`
						Optional bool `json:"optional"`
						Required bool `json:"required"`
					} `json:"attributes"`
				} `json:"block"`
			} `json:"resource_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("read providers schema -json: %w", err)
	}
	s := &schemas{computed: map[string]map[string]bool{}}
	for _, p := range doc.ProviderSchemas {
		for typ, r := range p.ResourceSchemas {
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
