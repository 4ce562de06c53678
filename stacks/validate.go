package stacks

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
)

// Validate checks the environments and clients together and returns every
// problem found, so a typo never reaches Terraform.
func Validate(envs []config.Environment, all []clients.Client) error {
	var p config.Problems
	checkClientStackNames(&p, envs, all)
	checkEnvironmentBucketNames(&p, envs, all)
	checkTeamLayers(&p, envs)
	return errors.Join(config.Validate(envs), clients.Validate(all, envs), p.Err())
}

// checkClientStackNames refuses two client stacks with one name, which
// environment names with hyphens make possible: client "a-prod" in
// environment "eu" and client "a" in environment "prod-eu" would both be
// client-a-prod-eu (and both database-a-prod-eu: database stacks are named
// the same way, so the same pairs collide there). Environment stacks
// cannot collide: environment names are unique, and no environment layer
// is named client or database.
func checkClientStackNames(p *config.Problems, envs []config.Environment, all []clients.Client) {
	owners := map[string]string{}
	for _, env := range envs {
		for _, t := range clients.Tenancies(all, env) {
			name := contract.Client.StackName(env.Name, t.Client.Name)
			owner := fmt.Sprintf("client %q in environment %q", t.Client.Name, env.Name)
			if other, taken := owners[name]; taken {
				p.Add(clients.Owner(t.Client.Name), "Name", t.Client.Name,
					fmt.Sprintf("a name whose stack in environment %q is not also %s's: both would be %s", env.Name, other, name))
				continue
			}
			owners[name] = owner
		}
	}
}

// checkEnvironmentBucketNames refuses a client bucket named like an
// environment's state or access log bucket (bucket names are global):
// client "s3" with bucket "access-logs" would otherwise claim
// stratum-prod-s3-access-logs.
func checkEnvironmentBucketNames(p *config.Problems, envs []config.Environment, all []clients.Client) {
	taken := map[string]string{}
	for _, env := range envs {
		taken[env.State.Bucket] = fmt.Sprintf("environment %q's State.Bucket", env.Name)
		taken[env.State.AccessLogBucket] = fmt.Sprintf("environment %q's State.AccessLogBucket", env.Name)
		taken[env.Audit.TrailBucket] = fmt.Sprintf("environment %q's Audit.TrailBucket", env.Name)
		if b := env.Audit.Config.Bucket; b != "" {
			taken[b] = fmt.Sprintf("environment %q's Audit.Config.Bucket", env.Name)
		}
	}
	for _, env := range envs {
		for _, t := range clients.Tenancies(all, env) {
			for _, b := range t.Client.Buckets {
				if other, ok := taken[t.Names.Bucket(b.Name)]; ok {
					p.Add(clients.Owner(t.Client.Name), fmt.Sprintf("Buckets[%s].Name", b.Name), b.Name,
						fmt.Sprintf("a name whose bucket in environment %q is not %s (%s)", env.Name, other, t.Names.Bucket(b.Name)))
				}
			}
		}
	}
}

// checkTeamLayers refuses a team owning a layer that has no deploy and
// plan roles (config cannot know the layers: they are package deploy's):
// a misspelt layer would leave the team without the roles it needs.
func checkTeamLayers(p *config.Problems, envs []config.Environment) {
	var words []string
	for _, d := range deploy.Layers {
		words = append(words, d.Word())
	}
	for _, env := range envs {
		for i, t := range env.CI.Teams {
			for j, l := range t.Layers {
				if !slices.Contains(words, l) {
					p.Add(config.EnvironmentOwner(env.Name), fmt.Sprintf("CI.Teams[%d].Layers[%d]", i, j), l,
						fmt.Sprintf("one of the layers with deploy and plan roles: %s", strings.Join(words, ", ")))
				}
			}
		}
	}
}
