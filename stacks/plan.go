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
	build builder
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
	// A per-client builder gets the client's tenancy resolved from its
	// inputs: the tenancy is code applied to (client, environment), so
	// the inputs of a client's stacks are that client's entry and the
	// environment, and nothing of any other client.
	var t clients.Tenancy
	if c := u.Inputs.Client; c != nil {
		var ok bool
		if t, ok = c.In(u.Inputs.Env); !ok {
			// Plan lists a client's stacks only in its environments.
			panic(fmt.Sprintf("client %q is not in environment %q", c.Name, u.Inputs.Env.Name))
		}
	}
	u.build(scope, u.Inputs.Env, t)
	boundRoles(scope.Node().FindChild(jsii.String(u.Name)), u.Inputs.Env)
}

// builder builds one stack: an environment layer's from env (t is zero),
// a client layer's from the client's tenancy t.
type builder func(scope constructs.Construct, env config.Environment, t clients.Tenancy) *Stack

// stackRow is one layer's row of the stack list.
type stackRow struct {
	layer contract.Layer
	// cost is the stack's Unit.Cost, from its inputs.
	cost  func(in Inputs) int
	build builder
}

// stackList is the one list of the stacks, in build order: the
// environment layers (one stack per environment), then the client layers
// (one stack per tenancy: a client's database before the client stack
// that reads it). Plan, StackNames and the tests read it (eachStack).
//
// Each row's build closure names its builder and stands alone on its
// line: the synthesis cache keys a stack by the code its unit's closure
// reaches (package synth, reach.go, which finds the closure by its
// line), so one closure calling builders taken from a table would make
// every stack's key cover every builder (TestFinerKeys fails).
var stackList = []stackRow{
	{contract.Bootstrap, func(Inputs) int { return 85 },
		func(s constructs.Construct, env config.Environment, _ clients.Tenancy) *Stack {
			return NewBootstrap(s, env)
		}},
	{contract.Audit, auditCost,
		func(s constructs.Construct, env config.Environment, _ clients.Tenancy) *Stack {
			return NewAudit(s, env)
		}},
	{contract.Foundation, func(Inputs) int { return 100 },
		func(s constructs.Construct, env config.Environment, _ clients.Tenancy) *Stack {
			return NewFoundation(s, env)
		}},
	{contract.Platform, func(Inputs) int { return 75 },
		func(s constructs.Construct, env config.Environment, _ clients.Tenancy) *Stack {
			return NewPlatform(s, env)
		}},
	{contract.Services, func(Inputs) int { return 27 },
		func(s constructs.Construct, env config.Environment, _ clients.Tenancy) *Stack {
			return NewServices(s, env)
		}},
	{contract.Databases, func(Inputs) int { return 30 },
		func(s constructs.Construct, _ config.Environment, t clients.Tenancy) *Stack {
			return NewDatabase(s, t)
		}},
	{contract.Client, func(in Inputs) int { return 53 + 8*len(in.Client.Buckets) + 5*len(in.Client.Applications) },
		func(s constructs.Construct, _ config.Environment, t clients.Tenancy) *Stack {
			return NewClient(s, t)
		}},
}

// auditCost is the audit stack's cost: AWS Config's recorder, bucket,
// role and rules are a third of it.
func auditCost(in Inputs) int {
	if in.Env.Audit.Config.Enabled {
		return 135
	}
	return 95
}

// environmentLayers and clientLayers are stackList's layers of each kind,
// in build order.
var environmentLayers, clientLayers = layersOf(stackList)

func layersOf(rows []stackRow) (env, client []contract.Layer) {
	for _, r := range rows {
		if r.layer.PerClient() {
			client = append(client, r.layer)
		} else {
			env = append(env, r.layer)
		}
	}
	return env, client
}

// eachStack calls visit with every stack of env, in build order: each
// environment layer's (t nil), then each tenancy's client layers'.
func eachStack(env config.Environment, tenancies []clients.Tenancy, visit func(r stackRow, name string, t *clients.Tenancy)) {
	for _, r := range stackList {
		if !r.layer.PerClient() {
			visit(r, r.layer.StackName(env.Name, ""), nil)
		}
	}
	for i := range tenancies {
		for _, r := range stackList {
			if r.layer.PerClient() {
				visit(r, r.layer.StackName(env.Name, tenancies[i].Client.Name), &tenancies[i])
			}
		}
	}
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
	for _, env := range envs {
		eachStack(env, clients.Tenancies(all, env), func(r stackRow, name string, t *clients.Tenancy) {
			in := Inputs{Env: env}
			if t != nil {
				c := t.Client
				in.Client = &c
			}
			out = append(out, Unit{Name: name, Inputs: in, Cost: r.cost(in), build: r.build})
		})
	}
	return out, nil
}
