package stacks

import (
	"errors"
	"fmt"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// Validate checks the environments and clients together and returns every
// problem found, so a typo never reaches Terraform.
func Validate(envs []config.Environment, all []clients.Client) error {
	var p config.Problems
	checkClientStackNames(&p, envs, all)
	checkEnvironmentBucketNames(&p, envs, all)
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
