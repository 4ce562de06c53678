package stacks

import (
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/config/configtest"
)

// TestValidateClientStackNames: environment names with hyphens can make
// two client stacks share a name; Validate refuses that before any stack
// exists, naming the client, both tenancies and the stack.
func TestValidateClientStackNames(t *testing.T) {
	envs := config.Environments()
	eu, _ := config.Get(envs, "dev")
	eu.Name, eu.Network.CIDR, eu.Domain = "eu", "10.50.0.0/16", "eu.stratum.example.com"
	eu.State.Bucket, eu.State.LockTable = "stratum-eu-tfstate", "stratum-eu-tflock"
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
