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
		NewDatabases(scope, env, all)
		for _, c := range clients.InEnvironment(all, env.Name) {
			NewClient(scope, env, c)
		}
	}
	return nil
}
