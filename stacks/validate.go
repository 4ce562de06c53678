package stacks

import (
	"errors"

	"stratum/clients"
	"stratum/config"
)

// Validate checks the environments and clients together and returns every
// problem found, so a typo never reaches Terraform.
func Validate(envs []config.Environment, all []clients.Client) error {
	return errors.Join(config.Validate(envs), clients.Validate(all, envs))
}
