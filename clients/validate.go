package clients

import (
	"fmt"
	"strings"

	"stratum/config"
)

// Validate checks every client against the environments and returns all
// problems at once.
func Validate(all []Client, envs []config.Environment) error {
	var p config.Problems
	known := map[string]config.Environment{}
	for _, e := range envs {
		known[e.Name] = e
	}
	seen := map[string]bool{}
	for i, c := range all {
		owner := fmt.Sprintf("client %q", c.Name)
		if !config.IsDNSLabel(c.Name, 20) {
			p.Add(fmt.Sprintf("client #%d", i), "Name", c.Name, "a DNS label of at most 20 characters: lowercase letters, digits and hyphens, starting with a letter")
		}
		if strings.Contains(c.Name, "--") {
			// The name is part of the client's RDS identifiers, which
			// may not contain two consecutive hyphens.
			p.Add(owner, "Name", c.Name, "no two consecutive hyphens")
		}
		if seen[c.Name] {
			p.Add(owner, "Name", c.Name, "a name no other client uses")
		}
		seen[c.Name] = true
		for _, e := range c.Environments {
			env, ok := known[e.Name]
			if !ok {
				p.Add(owner, "Environments", e.Name, fmt.Sprintf("one of %v", config.EnvironmentNames))
				continue
			}
			if e.Database != nil {
				// The override is checked merged with the environment's
				// defaults: raising AllocatedStorageGiB alone may leave
				// the environment's MaxAllocatedStorageGiB too small.
				config.ValidateDatabaseSizes(&p, owner, fmt.Sprintf("Environments[%q].Database", e.Name), e.Name, e.DatabaseConfig(env.Database))
			}
		}
	}
	return p.Err()
}
