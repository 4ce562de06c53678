package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/config"
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
		NewBootstrap(scope, env)
		NewFoundation(scope, env)
		NewPlatform(scope, env)
		NewServices(scope, env)
		tenancies := clients.Tenancies(all, env)
		NewDatabases(scope, env, tenancies)
		for _, t := range tenancies {
			NewClient(scope, t)
		}
	}
	return nil
}
