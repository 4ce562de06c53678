package deploy

import (
	"slices"

	"stratum/config"
	"stratum/contract"
)

// emergencyWriters are the roles that may write every prefix of env's
// contract: the break-glass role, and AssumeRoleARN when the environment
// is deployed through one role.
func emergencyWriters(env config.Environment) []string {
	var out []string
	for _, arn := range []string{env.AssumeRoleARN, env.Cluster.BreakGlassRoleARN} {
		if arn != "" && !slices.Contains(out, arn) {
			out = append(out, arn)
		}
	}
	return out
}

// ContractWriters are every principal that may write some part of env's
// SSM contract: each layer's deploy role and the emergency writers. The
// service control policy (docs/scp-ssm-contract.json) admits exactly
// these; the guard policy then confines each deploy role to its prefix.
func ContractWriters(env config.Environment) []string {
	var out []string
	if env.CI.Enabled() && env.AssumeRoleARN == "" {
		for _, d := range Layers {
			out = append(out, d.RoleARN(env, Apply))
		}
	}
	return append(out, emergencyWriters(env)...)
}

// PrefixWriters are the principals that may write the parameters under
// /stratum/<env>/<word>/: the deploy role of the layer writing that
// prefix, and the emergency writers.
func PrefixWriters(env config.Environment, word string) []string {
	var out []string
	if env.CI.Enabled() && env.AssumeRoleARN == "" {
		for _, d := range Layers {
			if slices.Contains(d.Writes, word) {
				out = append(out, d.RoleARN(env, Apply))
			}
		}
	}
	return append(out, emergencyWriters(env)...)
}

// GuardPolicy is the SSM contract guard: one statement per layer prefix
// denying its writes to everyone but PrefixWriters, and one denying
// bootstrap's prefix (applied by hand) to everyone but the emergency
// writers. Attached to every deploy and plan role, it keeps each layer to
// its own prefix whatever its policy allows; attached to people's roles,
// it keeps them off the contract.
func GuardPolicy(env config.Environment) Document {
	var out []Statement
	for _, d := range Layers {
		for _, w := range d.Writes {
			out = append(out, fromContract(contract.GuardStatement("OnlyItsLayerWrites"+sidWord(w), contract.PrefixARN(env, w), PrefixWriters(env, w))))
		}
	}
	out = append(out, fromContract(contract.GuardStatement("OnlyEmergencyWritesBootstrap", contract.PrefixARN(env, string(contract.Bootstrap)), emergencyWriters(env))))
	return Document{Version: "2012-10-17", Statement: out}
}

func fromContract(s contract.Statement) Statement {
	return Statement{Sid: s.Sid, Effect: s.Effect, Action: s.Action, Resource: []string{s.Resource}, Condition: s.Condition}
}

func sidWord(w string) string {
	if w == "" {
		return w
	}
	return string(w[0]-'a'+'A') + w[1:]
}
