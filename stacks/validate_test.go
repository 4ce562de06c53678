package stacks

import (
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/configtest"
)

// TestValidateClientStackNames: environment names with hyphens can make
// two client stacks share a name; Validate refuses that before any stack
// exists, naming the client, both tenancies and the stack.
func TestValidateClientStackNames(t *testing.T) {
	envs := config.Environments()
	eu, _ := config.Get(envs, "dev")
	eu.Name, eu.Network.CIDR, eu.Domain = "eu", "10.50.0.0/16", "eu.stratum.example.com"
	eu.State.Bucket, eu.State.LockTable = "stratum-eu-tfstate", "stratum-eu-tflock"
	eu.State.AccessLogBucket = "stratum-eu-s3-access-logs"
	// In dev's account and region, whose GitHub identity provider,
	// GuardDuty detector and IAM Access Analyzer dev creates.
	eu.Audit.TrailBucket = "stratum-eu-audit-trail"
	eu.Audit.GuardDuty, eu.Audit.AccessAnalyzer = config.GuardDuty{}, false
	gh := *eu.CI.GitHub
	gh.ExistingProvider = true
	eu.CI.GitHub = &gh
	envs = append(envs, configtest.SecondProduction(envs), eu)
	client := func(name, env string) clients.Client {
		return clients.Client{Name: name, DisplayName: name, CostCentre: "cc-" + name, Environments: []clients.Environment{{Name: env}}}
	}
	if err := Validate(envs, []clients.Client{client("a", "prod-eu"), client("a-prod", "dev")}); err != nil {
		t.Fatalf("Validate(distinct stacks) = %v, want nil", err)
	}
	err := Validate(envs, []clients.Client{client("a", "prod-eu"), client("a-prod", "eu")})
	configtest.ExpectOne(t, err, `client "a-prod"`, "Name", "a-prod",
		`a name whose stack in environment "eu" is not also client "a" in environment "prod-eu"'s: both would be client-a-prod-eu`)
}

// TestValidateEnvironmentBucketNames: a client bucket may not take the
// global name of an environment's state or access log bucket.
func TestValidateEnvironmentBucketNames(t *testing.T) {
	envs := config.Environments()
	client := func(name, bucket string) []clients.Client {
		return []clients.Client{{Name: name, DisplayName: name, CostCentre: "cc-1",
			Environments: []clients.Environment{{Name: "prod"}}, Buckets: []clients.Bucket{{Name: bucket}}}}
	}
	if err := Validate(envs, client("s3", "access")); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	configtest.ExpectOne(t, Validate(envs, client("s3", "access-logs")), `client "s3"`, "Buckets[access-logs].Name", "access-logs",
		`not environment "prod"'s State.AccessLogBucket (stratum-prod-s3-access-logs)`)
}
