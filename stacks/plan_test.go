package stacks

import (
	"testing"

	"stratum/clients"
	"stratum/config"
)

// TestPlanCosts: each unit's Cost, which balances work between
// synthesis processes, is within a factor of 1.5 of the elements its
// stack really has.
func TestPlanCosts(t *testing.T) {
	s := defaultSynth(t)
	units, err := Plan(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != len(s.stacks) {
		t.Errorf("Plan lists %d stacks, the app synthesizes %d", len(units), len(s.stacks))
	}
	for _, u := range units {
		t.Run(u.Name, func(t *testing.T) {
			got := s.stack(t, u.Name).elements()
			if r := float64(u.Cost) / float64(got); r < 1/1.5 || r > 1.5 {
				t.Errorf("Cost %d, but the stack has %d elements: update the estimate in Plan", u.Cost, got)
			}
		})
	}
}

// elements counts the stack's resources, data sources and provider
// configurations: what jsii spends its time on.
func (j tfJSON) elements() int {
	n := 0
	for _, kind := range []string{"resource", "data"} {
		byType, _ := j[kind].(map[string]any)
		for _, all := range byType {
			m, _ := all.(map[string]any)
			n += len(m)
		}
	}
	providers, _ := j["provider"].(map[string]any)
	for _, p := range providers {
		list, _ := p.([]any)
		n += len(list)
	}
	return n
}
