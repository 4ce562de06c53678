package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/config"
)

// Build validates the configuration and, only if it is valid, adds every
// stack of Plan to scope, in Plan's order. It is the plain, one-process
// synthesis; package synth does the same work in parallel and reuses
// unchanged stacks, with byte-identical output.
func Build(scope constructs.Construct, envs []config.Environment, all []clients.Client) error {
	units, err := Plan(envs, all)
	if err != nil {
		return err
	}
	for _, u := range units {
		u.Build(scope)
	}
	return nil
}
