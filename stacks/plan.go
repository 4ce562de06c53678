package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// Unit is one stack of the app before it is built: its name, exactly the
// inputs its builder receives, and the builder. The synthesis engine
// (package synth) builds units in separate processes and reuses a unit's
// earlier output when neither the code nor its Inputs changed, so a
// builder must read nothing but its Inputs (and code).
type Unit struct {
	// Name is the stack's name, e.g. client-ezra-prod.
	Name string
	// Inputs is everything the builder receives.
	Inputs Inputs
	// Cost estimates the stack's elements (resources, data sources and
	// providers), to balance work between synthesis processes. It only
	// has to be roughly proportional: TestPlanCosts keeps it honest.
	Cost  int
	build func(constructs.Construct, Inputs)
}

// Inputs is what a stack builder receives. Its JSON encoding is the
// stack's part of the synthesis cache key, so it holds values only.
type Inputs struct {
	Env config.Environment
	// Client is the client of a client stack. Default: nil (a layer stack).
	Client *clients.Client `json:",omitempty"`
	// Clients are the clients in Env, for databases-<env> only.
	// Default: nil.
	Clients []clients.Client `json:",omitempty"`
}

// Build adds the unit's stack to scope.
func (u Unit) Build(scope constructs.Construct) { u.build(scope, u.Inputs) }

// Plan validates the configuration and, only if it is valid, lists every
// stack of every environment in build order: bootstrap, foundation,
// platform, services, databases and one stack per client, per
// environment. Producers come before their consumers, so each SSM import
// finds the stack it depends on.
func Plan(envs []config.Environment, all []clients.Client) ([]Unit, error) {
	if err := Validate(envs, all); err != nil {
		return nil, err
	}
	var out []Unit
	layer := func(l contract.Layer, env config.Environment, cost int, build func(constructs.Construct, Inputs)) {
		out = append(out, Unit{Name: l.StackName(env.Name, ""), Inputs: Inputs{Env: env}, Cost: cost, build: build})
	}
	for _, env := range envs {
		layer(contract.Bootstrap, env, 34, func(s constructs.Construct, in Inputs) { NewBootstrap(s, in.Env) })
		layer(contract.Foundation, env, 100, func(s constructs.Construct, in Inputs) { NewFoundation(s, in.Env) })
		layer(contract.Platform, env, 75, func(s constructs.Construct, in Inputs) { NewPlatform(s, in.Env) })
		layer(contract.Services, env, 27, func(s constructs.Construct, in Inputs) { NewServices(s, in.Env) })
		tenancies := clients.Tenancies(all, env)
		in := make([]clients.Client, len(tenancies))
		for i, t := range tenancies {
			in[i] = t.Client
		}
		// A builder resolves its clients' tenancies itself, from its
		// inputs: the tenancy is code applied to (client, environment).
		out = append(out, Unit{
			Name:   contract.Databases.StackName(env.Name, ""),
			Inputs: Inputs{Env: env, Clients: in},
			Cost:   5 + 29*len(in),
			build: func(s constructs.Construct, in Inputs) {
				NewDatabases(s, in.Env, clients.Tenancies(in.Clients, in.Env))
			},
		})
		for _, t := range tenancies {
			c := t.Client
			out = append(out, Unit{
				Name:   contract.Client.StackName(env.Name, c.Name),
				Inputs: Inputs{Env: env, Client: &c},
				Cost:   53 + 8*len(c.Buckets) + 5*len(c.Applications),
				build: func(s constructs.Construct, in Inputs) {
					t, _ := in.Client.In(in.Env)
					NewClient(s, t)
				},
			})
		}
	}
	return out, nil
}
