package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
)

// AppConfig is the configuration of every cdktf app that builds these
// stacks: the synthesis engine's, the plain synthesis it is byte-identical
// to, the HCL export's and the tests'. Stack traces only fill
// annotations' "stacktrace" field with the jsii kernel's JavaScript
// frames (useless to a Go program, and there are no annotations today),
// so capturing them is wasted work.
func AppConfig(outdir string) *cdktf.AppConfig {
	return &cdktf.AppConfig{Outdir: jsii.String(outdir), StackTraces: jsii.Bool(false)}
}

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

// StackNames are the names of the stacks Build creates for env, in build
// order: one per environment layer, then one per client layer and
// tenancy. An environment without clients has no database stack.
func StackNames(env config.Environment, tenancies []clients.Tenancy) []string {
	var out []string
	eachStack(env, tenancies, func(_ stackRow, name string, _ *clients.Tenancy) { out = append(out, name) })
	return out
}
