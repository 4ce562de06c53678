package clients

import (
	"fmt"

	"stratum/config"
)

// Validate checks every client against the environments and returns all
// problems at once.
func Validate(all []Client, envs []config.Environment) error {
	var p config.Problems
	known := map[string]bool{}
	for _, e := range envs {
		known[e.Name] = true
	}
	seen := map[string]bool{}
	for i, c := range all {
		owner := fmt.Sprintf("client %q", c.Name)
		if !config.IsDNSLabel(c.Name, 20) {
			p.Add(fmt.Sprintf("client #%d", i), "Name", c.Name, "a DNS label of at most 20 characters: lowercase letters, digits and hyphens, starting with a letter")
		}
		if seen[c.Name] {
			p.Add(owner, "Name", c.Name, "a name no other client uses")
		}
		seen[c.Name] = true
		for _, e := range c.Environments {
			if !known[e.Name] {
				p.Add(owner, "Environments", e.Name, fmt.Sprintf("one of %v", config.EnvironmentNames))
			}
		}
	}
	return p.Err()
}
