package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// Build validates the configuration and, only if it is valid, adds every
// stack of every environment to scope: bootstrap, foundation, platform,
// services, databases and one stack per client. Producers are built before their
// consumers, so each SSM import finds the stack it depends on.
func Build(scope constructs.Construct, envs []config.Environment, all []clients.Client) error {
	if err := Validate(envs, all); err != nil {
		return err
	}
	for _, env := range envs {
		tenancies := clients.Tenancies(all, env)
		NewBootstrap(scope, env)
		NewFoundation(scope, env)
		NewPlatform(scope, env)
		NewServices(scope, env)
		NewDatabases(scope, env, tenancies)
		for _, t := range tenancies {
			NewClient(scope, t)
		}
	}
	return nil
}

// environmentLayers are the layers Build gives one stack per environment.
var environmentLayers = []contract.Layer{contract.Bootstrap, contract.Foundation, contract.Platform, contract.Services, contract.Databases}

// StackNames are the names of the stacks Build creates for env, in build
// order: one per environment layer and one per tenancy.
func StackNames(env config.Environment, tenancies []clients.Tenancy) []string {
	var out []string
	for _, l := range environmentLayers {
		out = append(out, l.StackName(env.Name, ""))
	}
	for _, t := range tenancies {
		out = append(out, contract.Client.StackName(env.Name, t.Client.Name))
	}
	return out
}
