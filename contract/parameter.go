package contract

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsssmparameter"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ssmparameter"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/config"
)

// Prefix is the root of every parameter Stratum writes: /stratum.
const Prefix = "/" + config.Project

// spec is what a declaration says about a parameter.
type spec struct {
	layer       Layer
	key         string
	description string
	perClient   bool
}

// At says which instance of a declared parameter is meant: the
// environment, and the client for per-client parameters.
type At struct {
	Env    string
	Client string
}

// Name is the parameter's SSM name: its layer's ParameterPrefix followed
// by its key.
func (s spec) Name(at At) string {
	s.check(at)
	return s.layer.ParameterPrefix(at) + s.key
}

// Layer is the layer whose stack writes the parameter.
func (s spec) Layer() Layer { return s.layer }

// Key is the parameter's name within its layer.
func (s spec) Key() string { return s.key }

// Producer is the name of the stack that writes the parameter at at.
func (s spec) Producer(at At) string { return s.layer.StackName(at.Env, at.Client) }

func (s spec) check(at At) {
	if at.Env == "" {
		panic(fmt.Sprintf("contract: %s: environment not set", s.key))
	}
	if s.perClient != (at.Client != "") {
		panic(fmt.Sprintf("contract: %s/%s: per-client=%t but client=%q", s.layer, s.key, s.perClient, at.Client))
	}
}

// String is a declared parameter holding one string.
type String struct{ spec }

// StringList is a declared parameter holding a list of strings (SSM type
// StringList, comma separated; elements must not contain commas).
type StringList struct{ spec }

var declared = map[string]spec{}

func declare(layer Layer, key, description string, perClient bool) spec {
	s := spec{layer: layer, key: key, description: description, perClient: perClient}
	id := string(layer) + "/" + key
	if layer.PerClient() && !perClient {
		// Its producer would be no stack: a per-client layer has one
		// stack per client.
		panic("contract: " + id + ": layer " + string(layer) + " has a stack per client, so its parameters are per client (NewClientString)")
	}
	if _, dup := declared[id]; dup {
		panic("contract: " + id + " declared twice")
	}
	declared[id] = s
	return s
}

// NewString declares a string parameter produced by layer.
func NewString(layer Layer, key, description string) String {
	return String{declare(layer, key, description, false)}
}

// NewClientString declares a string parameter produced by layer once per client.
func NewClientString(layer Layer, key, description string) String {
	return String{declare(layer, key, description, true)}
}

// NewStringList declares a list parameter produced by layer.
func NewStringList(layer Layer, key, description string) StringList {
	return StringList{declare(layer, key, description, false)}
}

// Export writes the parameter from stack, which must be its producer.
func (p String) Export(stack *Stack, at At, value *string) ssmparameter.SsmParameter {
	return p.export(stack, at, "String", value)
}

// Export writes the list from stack, which must be its producer.
func (p StringList) Export(stack *Stack, at At, values *[]*string) ssmparameter.SsmParameter {
	return p.export(stack, at, "StringList", cdktf.Fn_Join(jsii.String(","), values))
}

// Import reads the parameter in stack and makes stack depend on the producer.
func (p String) Import(stack *Stack, at At) *string {
	return p.read(stack, at).InsecureValue()
}

// Import reads the list in stack and makes stack depend on the producer.
func (p StringList) Import(stack *Stack, at At) *[]*string {
	return cdktf.Fn_Split(jsii.String(","), p.read(stack, at).InsecureValue())
}

func constructID(kind string, s spec, at At) string {
	parts := []string{kind, string(s.layer)}
	if at.Client != "" {
		parts = append(parts, at.Client)
	}
	parts = append(parts, strings.ReplaceAll(s.key, "/", "-"))
	return strings.Join(parts, "-")
}

func (s spec) export(stack *Stack, at At, typ string, value *string) ssmparameter.SsmParameter {
	s.check(at)
	if got, want := stack.name, s.Producer(at); got != want {
		panic(fmt.Sprintf("contract: %s is produced by stack %s, not %s", s.Name(at), want, got))
	}
	return ssmparameter.NewSsmParameter(stack.tf, jsii.String(constructID("param", s, at)), &ssmparameter.SsmParameterConfig{
		Name:          jsii.String(s.Name(at)),
		Description:   jsii.String(s.description),
		Type:          jsii.String(typ),
		Tier:          jsii.String("Standard"),
		InsecureValue: value,
	})
}

func (s spec) read(stack *Stack, at At) dataawsssmparameter.DataAwsSsmParameter {
	s.check(at)
	id := constructID("import", s, at)
	if existing, ok := stack.imports[id]; ok {
		return existing
	}
	producer := s.Producer(at)
	if producer == stack.name {
		panic(fmt.Sprintf("contract: stack %s imports its own parameter %s", producer, s.Name(at)))
	}
	if !stack.deps[producer] {
		if stack.app == nil {
			stack.app = cdktf.App_Of(stack.tf)
		}
		app := stack.app
		found := app.Node().TryFindChild(jsii.String(producer))
		if found == nil && builtElsewhere(app, producer) {
			found = cdktf.NewTerraformStack(app, jsii.String(producer))
		}
		if found == nil {
			panic(fmt.Sprintf("contract: stack %s reads %s, but its producer %s is not in the app (build producers first)",
				stack.name, s.Name(at), producer))
		}
		stack.tf.AddDependency(found.(cdktf.TerraformStack))
		stack.deps[producer] = true
	}
	p := dataawsssmparameter.NewDataAwsSsmParameter(stack.tf, jsii.String(id), &dataawsssmparameter.DataAwsSsmParameterConfig{
		Name: jsii.String(s.Name(at)),
	})
	stack.imports[id] = p
	return p
}

// Stack is one stack's side of the contract: what Import and Export
// remember about it (its name, the parameters it has read, one data
// source each, and the producers it depends on), so that they ask the
// jsii runtime once per stack, not once per parameter: each question is
// a round trip to its Node.js process, and they are a third of all round
// trips of a synthesis. Every stack builder makes one for its stack
// (stacks.Stack.Contract); it lives as long as that value, so nothing is
// remembered from one app to the next.
type Stack struct {
	tf   cdktf.TerraformStack
	name string
	// app is tf's app, asked for on the first import of a producer.
	app cdktf.App
	// imports are the stack's imports by construct id, and deps the
	// producers it depends on.
	imports map[string]dataawsssmparameter.DataAwsSsmParameter
	deps    map[string]bool
}

// NewStack is tf's side of the contract. Make one per stack: two values
// for one stack would each add the data sources of its imports, under the
// same construct ids.
func NewStack(tf cdktf.TerraformStack) *Stack {
	return &Stack{
		tf:      tf,
		name:    *tf.Node().Id(),
		imports: map[string]dataawsssmparameter.DataAwsSsmParameter{},
		deps:    map[string]bool{},
	}
}

// BuiltElsewhere is the prefix of the app context keys under which the
// synthesis engine (package synth) names the stacks of the plan that
// other processes build: key BuiltElsewhere+name, value true
// (BuiltElsewhereContext). A process builds a subset of the app's stacks;
// when one of its stacks reads a parameter whose producer is named there,
// Import adds an empty stand-in stack of that name and depends on it, so
// that the consumer records the same dependency as in one process (the
// engine then leaves the stand-ins out of the output). Without it, as in
// every other app, a producer missing from the app is a programming error
// (the plan is out of order) and Import panics.
//
// One key per stack, not one list: a lookup is then one small jsii round
// trip, where a list of a thousand clients' 6,000 names would cross to
// Node.js and back whole on every missing producer (measured: about 10 %
// of a shard's CPU).
const BuiltElsewhere = "stratum:built-elsewhere:"

// BuiltElsewhereContext is the app context (cdktf.AppConfig.Context) that
// names the stacks other processes build.
func BuiltElsewhereContext(names []string) map[string]any {
	ctx := make(map[string]any, len(names))
	for _, n := range names {
		ctx[BuiltElsewhere+n] = true
	}
	return ctx
}

// builtElsewhere reports whether app's context names producer as built
// elsewhere. It runs only when a producer is missing from the app.
func builtElsewhere(app cdktf.App, producer string) bool {
	v, _ := app.Node().TryGetContext(jsii.String(BuiltElsewhere + producer)).(bool)
	return v
}

// Declared lists every declared parameter as layer/key, for tests and docs.
func Declared() map[string]Layer {
	out := make(map[string]Layer, len(declared))
	for id, s := range declared {
		out[id] = s.layer
	}
	return out
}

var _ constructs.Construct = (cdktf.TerraformStack)(nil)

// Declaration is what the contract says about one parameter.
type Declaration struct {
	// Layer is the layer whose stack writes the parameter.
	Layer Layer
	// Key is its name within the layer, e.g. vpc/id.
	Key         string
	Description string
	// PerClient is true for parameters written once per client.
	PerClient bool
}

// Declarations lists every declared parameter, by layer and key.
func Declarations() []Declaration {
	out := make([]Declaration, 0, len(declared))
	for _, s := range declared {
		out = append(out, Declaration{Layer: s.layer, Key: s.key, Description: s.description, PerClient: s.perClient})
	}
	slices.SortFunc(out, func(a, b Declaration) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// Pattern is the parameter's name with <env> and <client> for the
// environment and the client: /stratum/<env>/foundation/vpc/id.
func (d Declaration) Pattern() string {
	at := At{Env: "<env>"}
	if d.PerClient {
		at.Client = "<client>"
	}
	return d.Layer.ParameterPrefix(at) + d.Key
}

// ParseName finds the declaration of the parameter named name and where
// it is (environment, client); ok is false for a name the contract does
// not declare.
func ParseName(name string) (d Declaration, at At, ok bool) {
	parts := strings.Split(name, "/")
	// "", "stratum", env, layer directory, rest...
	if len(parts) < 5 || parts[0] != "" || "/"+parts[1] != Prefix || parts[2] == "" {
		return Declaration{}, At{}, false
	}
	env, dir, rest := parts[2], parts[3], parts[4:]
	for _, d := range Declarations() {
		layerDir := string(d.Layer)
		if d.PerClient && d.Layer == Client {
			layerDir = "clients"
		}
		if dir != layerDir {
			continue
		}
		at := At{Env: env}
		key := strings.Join(rest, "/")
		if d.PerClient {
			if len(rest) < 2 || rest[0] == "" {
				continue
			}
			at.Client, key = rest[0], strings.Join(rest[1:], "/")
		}
		if key == d.Key {
			return d, at, true
		}
	}
	return Declaration{}, At{}, false
}
