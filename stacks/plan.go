package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
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
	// Client is the client of a per-client stack (its database and
	// client stacks). Default: nil (an environment stack).
	Client *clients.Client `json:",omitempty"`
}

// Build adds the unit's stack to scope, every IAM role of it under the
// environment's permissions boundary (boundRoles).
func (u Unit) Build(scope constructs.Construct) {
	u.build(scope, u.Inputs)
	boundRoles(scope.Node().FindChild(jsii.String(u.Name)), u.Inputs.Env)
}

// boundRoles gives every IAM role of stack that sets no boundary of its
// own the environment's (deploy.BoundaryARN, created by bootstrap-<env>):
// every role Stratum creates carries it, including those of constructs
// written after this, and the deploy roles may create or change a role
// only with it.
func boundRoles(stack constructs.IConstruct, env config.Environment) {
	arn := deploy.BoundaryARN(env)
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(iamrole.IamRole); ok && r.PermissionsBoundaryInput() == nil {
			r.SetPermissionsBoundary(jsii.String(arn))
		}
	}
}

// Plan validates the configuration and, only if it is valid, lists every
// stack of every environment in build order: bootstrap, audit, foundation,
// platform, services, then for each client in the environment its
// database and its client stack. Producers come before their consumers,
// so each SSM import finds the stack it depends on.
func Plan(envs []config.Environment, all []clients.Client) ([]Unit, error) {
	if err := Validate(envs, all); err != nil {
		return nil, err
	}
	var out []Unit
	layer := func(l contract.Layer, env config.Environment, cost int, build func(constructs.Construct, Inputs)) {
		out = append(out, Unit{Name: l.StackName(env.Name, ""), Inputs: Inputs{Env: env}, Cost: cost, build: build})
	}
	// A per-client builder resolves the client's tenancy itself, from its
	// inputs: the tenancy is code applied to (client, environment), so
	// the inputs of a client's stacks are that client's entry and the
	// environment, and nothing of any other client.
	tenancy := func(in Inputs) clients.Tenancy {
		t, ok := in.Client.In(in.Env)
		if !ok {
			// Plan lists a client's stacks only in its environments.
			panic(fmt.Sprintf("client %q is not in environment %q", in.Client.Name, in.Env.Name))
		}
		return t
	}
	// Each unit's build closure names its builder: the synthesis cache
	// keys a stack by the code its closure reaches (package synth, reach.go),
	// so a table of builder values called through one closure would make
	// every stack's key cover every builder (TestFinerKeys fails).
	for _, env := range envs {
		layer(contract.Bootstrap, env, 85, func(s constructs.Construct, in Inputs) { NewBootstrap(s, in.Env) })
		// AWS Config's recorder, bucket, role and rules are a third of it.
		auditCost := 95
		if env.Audit.Config.Enabled {
			auditCost += 40
		}
		layer(contract.Audit, env, auditCost, func(s constructs.Construct, in Inputs) { NewAudit(s, in.Env) })
		layer(contract.Foundation, env, 100, func(s constructs.Construct, in Inputs) { NewFoundation(s, in.Env) })
		layer(contract.Platform, env, 75, func(s constructs.Construct, in Inputs) { NewPlatform(s, in.Env) })
		layer(contract.Services, env, 27, func(s constructs.Construct, in Inputs) { NewServices(s, in.Env) })
		for _, t := range clients.Tenancies(all, env) {
			c := t.Client
			out = append(out, Unit{
				Name:   contract.Databases.StackName(env.Name, c.Name),
				Inputs: Inputs{Env: env, Client: &c},
				Cost:   30,
				build:  func(s constructs.Construct, in Inputs) { NewDatabase(s, tenancy(in)) },
			}, Unit{
				Name:   contract.Client.StackName(env.Name, c.Name),
				Inputs: Inputs{Env: env, Client: &c},
				Cost:   53 + 8*len(c.Buckets) + 5*len(c.Applications),
				build:  func(s constructs.Construct, in Inputs) { NewClient(s, tenancy(in)) },
			})
		}
	}
	return out, nil
}
