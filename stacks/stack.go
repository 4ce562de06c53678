// Package stacks builds Stratum's cdktf stacks: one per layer and
// environment, and one per client and environment. Stack names are the
// public contract (CLI, CI, state keys); see contract.Layer.StackName.
package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/config"
	"stratum/contract"
)

// Stack is a cdktf stack of one layer in one environment, with its AWS
// provider and state backend already configured.
type Stack struct {
	// TF is the cdktf stack: the scope of the stack's constructs. (jsii
	// objects cannot be embedded, so Stack cannot be one itself.)
	TF cdktf.TerraformStack
	// Name is the stack's public name, e.g. foundation-prod.
	Name  string
	Env   config.Environment
	Layer contract.Layer
	// Client is the client's name for the stacks of a per-client layer,
	// "" otherwise.
	Client string
	// Contract is the stack's side of the SSM contract: what it passes to
	// the declared parameters' Export and Import.
	Contract *contract.Stack
}

// stackProps configures newStack.
type stackProps struct {
	Layer contract.Layer
	Env   config.Environment
	// Client is set for the stacks of a per-client layer.
	Client string
	// Tags are added to the provider's default tags (e.g. CostCentre).
	Tags map[string]string
}

// newStack creates the stack with the AWS provider (region, account pin,
// role, default tags) and its backend: local state for the bootstrap stack,
// which creates the backend, and S3 for every other stack, one key each.
func newStack(scope constructs.Construct, p stackProps) *Stack {
	name := p.Layer.StackName(p.Env.Name, p.Client)
	s := &Stack{
		TF:     cdktf.NewTerraformStack(scope, jsii.String(name)),
		Name:   name,
		Env:    p.Env,
		Layer:  p.Layer,
		Client: p.Client,
	}
	s.Contract = contract.NewStack(s.TF)
	provider.NewAwsProvider(s.TF, jsii.String("aws"), awsProviderConfig(p))
	if p.Layer == contract.Bootstrap {
		// The state bucket cannot hold the state of the stack creating it.
		// Keep this file safe (docs/backend-strategy.md).
		cdktf.NewLocalBackend(s.TF, &cdktf.LocalBackendConfig{
			Path: jsii.String(fmt.Sprintf("../../../bootstrap-state/%s.tfstate", name)),
		})
	} else {
		b := cdktf.NewS3Backend(s.TF, S3BackendConfig(p.Env, name))
		// S3-native locking (a <key>.tflock object, Terraform >= 1.10)
		// beside the DynamoDB lock while runners move over; cdktf 0.20's
		// S3BackendConfig predates the argument. See
		// docs/backend-strategy.md, "Locking".
		b.AddOverride(jsii.String("use_lockfile"), jsii.Bool(true))
	}
	return s
}

// S3BackendConfig is the backend of every non-bootstrap stack: the
// environment's state bucket, key <stack>/terraform.tfstate, encrypted,
// locked by the environment's DynamoDB table (newStack adds use_lockfile,
// which this typed config cannot express).
func S3BackendConfig(env config.Environment, stack string) *cdktf.S3BackendConfig {
	c := &cdktf.S3BackendConfig{
		Bucket:        jsii.String(env.State.Bucket),
		Key:           jsii.String(stack + "/terraform.tfstate"),
		Region:        jsii.String(env.Region),
		Encrypt:       jsii.Bool(true),
		DynamodbTable: jsii.String(env.State.LockTable),
	}
	if env.State.CustomerManagedKey {
		// Without kms_key_id the backend asks S3 for AES256 and the
		// bucket's KMS default would not apply to state objects.
		c.KmsKeyId = jsii.String(env.StateKeyAliasARN())
	}
	if env.AssumeRoleARN != "" {
		c.AssumeRole = &cdktf.S3BackendAssumeRoleConfig{RoleArn: jsii.String(env.AssumeRoleARN)}
	}
	return c
}

func awsProviderConfig(p stackProps) *provider.AwsProviderConfig {
	tags := map[string]*string{
		"Project":     jsii.String(config.Project),
		"Environment": jsii.String(p.Env.Name),
		"Layer":       jsii.String(string(p.Layer)),
		"ManagedBy":   jsii.String("cdktf"),
	}
	if p.Layer == contract.Client {
		// Not on database stacks: their default tags stay those of
		// databases-<env>, which held their resources before (the
		// postgres construct tags the client's resources itself), so
		// that moving a database's state into its own stack plans no
		// change (docs/migration.md).
		tags["Client"] = jsii.String(p.Client)
	}
	keys := slices.Sorted(maps.Keys(p.Tags))
	for _, k := range keys {
		tags[k] = jsii.String(p.Tags[k])
	}
	c := &provider.AwsProviderConfig{
		Region: jsii.String(p.Env.Region),
		DefaultTags: &[]*provider.AwsProviderDefaultTags{{
			Tags: &tags,
		}},
	}
	if p.Env.AccountID != "" {
		c.AllowedAccountIds = jsii.Strings(p.Env.AccountID)
	}
	if p.Env.AssumeRoleARN != "" {
		c.AssumeRole = &[]*provider.AwsProviderAssumeRole{{
			RoleArn:     jsii.String(p.Env.AssumeRoleARN),
			SessionName: jsii.String(config.Project + "-" + p.Layer.StackName(p.Env.Name, p.Client)),
		}}
	}
	return c
}

// At is where this stack's own parameters live.
func (s *Stack) At() contract.At { return contract.At{Env: s.Env.Name} }

// ClientAt is where client's parameters live in this stack's environment.
func (s *Stack) ClientAt(client string) contract.At {
	return contract.At{Env: s.Env.Name, Client: client}
}
