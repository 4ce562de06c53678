// Package awscontext provides the AWS account, partition and region a
// stack deploys into, as one aws_caller_identity, one aws_partition and
// one aws_region data source per stack, shared by every construct of the
// stack (AWS CDK's Stack.of(this).account, for cdktf). A construct asks
// awscontext.Of(scope) and needs no extra props; each data source is
// created the first time a construct of the stack asks for it, so a
// stack that never needs the region has no aws_region.
//
// The data sources are read with the stack's default AWS provider. A
// construct that uses another provider configuration (a second region)
// reads that region with a data source of its own; the account and
// partition are the same for every configuration of the stack's
// credentials.
package awscontext

import (
	"fmt"
	"sync"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawscalleridentity"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawspartition"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsregion"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// The construct ids of the data sources, directly under the stack, and so
// their Terraform names: data.aws_caller_identity.aws-account,
// data.aws_partition.aws-partition, data.aws_region.aws-region. They are
// fixed: every construct of the stack finds the same ones.
const (
	AccountID   = "aws-account"
	PartitionID = "aws-partition"
	RegionID    = "aws-region"
)

// Context is one stack's account, partition and region.
type Context struct {
	stack cdktf.TerraformStack

	mu sync.Mutex
	// The attribute tokens, each read once: every read of a data
	// source's attribute is a round trip to the jsii runtime that mints a
	// new token for the same reference, and a stack asks for its account
	// and partition dozens of times.
	accountID, callerARN, partition, region *string
}

var (
	contextsMu sync.Mutex
	// contexts remembers each stack's Context, so that a construct's
	// question costs no round trip to the jsii runtime once the data
	// source exists (each is a call into its Node.js process). It is
	// package state on purpose: constructs ask Of(scope) without props,
	// as AWS CDK's Stack.of(this) does, and a Go value cannot ride on the
	// construct tree (node context crosses into Node.js). It is never
	// cleared, and it keeps nothing alive that would otherwise be freed:
	// jsii-runtime-go's object store holds every object created from Go,
	// the stacks included, for the life of the process (it has no
	// release), and an entry adds a few pointers per stack.
	contexts = map[cdktf.TerraformStack]*Context{}
)

// Of returns the context of the stack scope belongs to. A scope in no
// stack is a programming error: cdktf panics, naming its path.
func Of(scope constructs.Construct) *Context {
	stack := cdktf.TerraformStack_Of(scope)
	contextsMu.Lock()
	defer contextsMu.Unlock()
	c, ok := contexts[stack]
	if !ok {
		c = &Context{stack: stack}
		contexts[stack] = c
	}
	return c
}

// AccountID is the account's id (data.aws_caller_identity.aws-account).
func (c *Context) AccountID() *string {
	return c.once(&c.accountID, func() *string { return c.callerIdentity().AccountId() })
}

// CallerARN is the ARN of whoever runs Terraform: the assumed role's
// session (arn:…:sts::…:assumed-role/<role>/<session>) or the IAM user.
func (c *Context) CallerARN() *string {
	return c.once(&c.callerARN, func() *string { return c.callerIdentity().Arn() })
}

// Partition is the partition ("aws", "aws-cn", "aws-us-gov").
func (c *Context) Partition() *string {
	return c.once(&c.partition, func() *string {
		return findOrCreate(c.stack, PartitionID, func() dataawspartition.DataAwsPartition {
			return dataawspartition.NewDataAwsPartition(c.stack, jsii.String(PartitionID), &dataawspartition.DataAwsPartitionConfig{})
		}).Partition()
	})
}

// Region is the region of the stack's default provider.
func (c *Context) Region() *string {
	return c.once(&c.region, func() *string {
		return findOrCreate(c.stack, RegionID, func() dataawsregion.DataAwsRegion {
			return dataawsregion.NewDataAwsRegion(c.stack, jsii.String(RegionID), &dataawsregion.DataAwsRegionConfig{})
		}).Name()
	})
}

// once returns *token, reading it first if it has not been read.
func (c *Context) once(token **string, read func() *string) *string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *token == nil {
		*token = read()
	}
	return *token
}

// callerIdentity is the stack's aws_caller_identity; c.mu is held.
func (c *Context) callerIdentity() dataawscalleridentity.DataAwsCallerIdentity {
	return findOrCreate(c.stack, AccountID, func() dataawscalleridentity.DataAwsCallerIdentity {
		return dataawscalleridentity.NewDataAwsCallerIdentity(c.stack, jsii.String(AccountID), &dataawscalleridentity.DataAwsCallerIdentityConfig{})
	})
}

// findOrCreate returns the stack's child id, or creates it: the child may
// exist without this Context knowing (a stack reached as another Go
// value), and a second data source with the id would be a panic. A child
// of another type under the id is a programming error.
func findOrCreate[T any](stack cdktf.TerraformStack, id string, create func() T) T {
	found := stack.Node().TryFindChild(jsii.String(id))
	if found == nil {
		return create()
	}
	t, ok := found.(T)
	if !ok {
		panic(fmt.Sprintf("awscontext: %s/%s is a %T, not the data source awscontext creates there", *stack.Node().Id(), id, found))
	}
	return t
}
