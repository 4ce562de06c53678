// Package deploy is who may change each layer of an environment: one
// deploy identity per layer and environment (its apply role, and a
// read-only plan role), each allowed only the services and resource
// patterns the layer's stacks create, and the permissions boundary every
// IAM role Stratum creates carries. bootstrap-<env>, applied by hand,
// creates them from this package; docs/cicd-integration.md explains them.
//
// The grants are derived from what the layers synthesize: `make generate`
// records every resource and data source type of each layer's stacks in
// types_generated.go, and each type's grant comes from
// Grants. A layer gains a type without a grant: generation fails, naming
// the type and the layer. A new layer (audit-<env>, say) is one entry of
// Layers, its team in config, and the grants of its new types.
package deploy

import (
	"fmt"
	"slices"

	"stratum/awsrules"
	"stratum/config"
	"stratum/contract"
)

// Layer is a layer with its own deploy identity.
type Layer struct {
	// Layer is the contract layer whose stacks the identity deploys.
	Layer contract.Layer
	// Kubernetes: the layer's stacks talk to the cluster (Kubernetes and
	// Helm providers), so its roles get EKS access entries: cluster-admin
	// for the deploy role, a secret-free viewer policy for the plan role.
	Kubernetes bool
	// Writes are the SSM contract prefixes the layer's stacks write, as
	// the word after /stratum/<env>/ (databases/, clients/): the guard
	// lets only this layer's deploy role (and the break-glass role) write
	// them.
	Writes []string
	// Buckets are the names (or name patterns) of the S3 buckets the
	// layer's stacks create in env: its grants of S3 bucket types apply to
	// these only. Default: nil (none).
	Buckets func(env config.Environment) []string
}

// Layers are the layers CI deploys, in build order. bootstrap-<env> is
// not one of them: it holds these roles and is applied by hand.
var Layers = []Layer{
	{Layer: contract.Audit, Writes: []string{"audit"}, Buckets: AuditBuckets},
	{Layer: contract.Foundation, Writes: []string{"foundation"}},
	{Layer: contract.Platform, Writes: []string{"platform"}},
	{Layer: contract.Services, Kubernetes: true, Writes: []string{"services"}},
	{Layer: contract.Databases, Writes: []string{"databases"}},
	{Layer: contract.Client, Kubernetes: true, Writes: []string{"clients"}, Buckets: func(env config.Environment) []string {
		// Client buckets are <prefix>-<client>-<bucket> (clients.Names).
		return []string{env.Prefix() + "-*"}
	}},
}

// AuditBuckets are the audit layer's buckets in env: the trail's and, with
// AWS Config, Config's.
func AuditBuckets(env config.Environment) []string {
	out := []string{env.Audit.TrailBucket}
	if b := env.Audit.Config.Bucket; env.Audit.Config.Enabled && b != "" {
		out = append(out, b)
	}
	return out
}

// Find returns the deploy layer of a contract layer.
func Find(l contract.Layer) (Layer, bool) {
	i := slices.IndexFunc(Layers, func(d Layer) bool { return d.Layer == l })
	if i < 0 {
		return Layer{}, false
	}
	return Layers[i], true
}

// ForStack returns the deploy layer of a stack by its name's first word
// (foundation-prod, database-ezra-prod, client-ezra-prod).
func ForStack(stack string) (Layer, bool) {
	for _, d := range Layers {
		if w := d.Word(); len(stack) > len(w) && stack[:len(w)] == w && stack[len(w)] == '-' {
			return d, true
		}
	}
	return Layer{}, false
}

// Word is the layer's stack word, the first word of its stacks' names
// and the middle of its roles' names: foundation, …, database, client.
func (d Layer) Word() string {
	if d.Layer == contract.Databases {
		return "database"
	}
	return string(d.Layer)
}

// Purpose is what a role is for.
type Purpose string

const (
	// Plan roles are read-only and secret-free: pull-request plans, the
	// plan before an apply, drift checks.
	Plan Purpose = "plan"
	// Apply roles are the deploy identities: default branch only.
	Apply Purpose = "deploy"
)

// RoleName is the name of layer's role for purpose in env:
// stratum-<env>-<word>-deploy or -plan (config.CIRoleName).
func (d Layer) RoleName(env string, p Purpose) string {
	return config.CIRoleName(env, d.Word(), string(p))
}

// RoleARN is the role's ARN in env's account, under config.CIRolePath.
func (d Layer) RoleARN(env config.Environment, p Purpose) string {
	return env.CIRoleARN(d.Word(), string(p))
}

// CIRoles is the ARN pattern of every deploy and plan role of env's
// account (all environments sharing it).
func CIRoles(env config.Environment) string {
	return fmt.Sprintf("arn:%s:iam::%s:role%s*", awsrules.Partition(env.Region), env.AccountID, config.CIRolePath)
}

// BoundaryName is the permissions boundary every role of env carries.
func BoundaryName(env string) string { return config.Prefix(env) + "-boundary" }

// BoundaryARN is its ARN.
func BoundaryARN(env config.Environment) string {
	return fmt.Sprintf("arn:%s:iam::%s:policy/%s", awsrules.Partition(env.Region), env.AccountID, BoundaryName(env.Name))
}
