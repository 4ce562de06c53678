package nodegroup

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/policy"
)

// NodeRoleProps configures a NodeRole.
type NodeRoleProps struct {
	// Name is the IAM role name (at most 64 characters). Required.
	Name string
	// SSM lets AWS Systems Manager Session Manager reach the nodes
	// (AmazonSSMManagedInstanceCore): shell access without SSH keys or
	// open ports. Default: false.
	SSM bool
}

// NodeRole is the IAM role of a node group's instances.
type NodeRole struct {
	Role iamrole.IamRole
	ARN  *string
	// Attachments are the managed policy attachments; a node group that
	// depends on them is deleted before they are detached.
	Attachments []cdktf.ITerraformDependable
}

// NodeRolePolicies are the managed policies every node role gets: the
// kubelet's EC2 and EKS calls, and image pulls (PullOnly is the
// least-privilege successor of AmazonEC2ContainerRegistryReadOnly). The
// CNI policy is deliberately absent: vpc-cni gets its own IRSA role, so
// pods cannot use the node role to manage network interfaces.
var NodeRolePolicies = []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"}

// NewNodeRole creates a role EC2 instances can assume with the policies
// nodes need. EKS creates the EC2_LINUX access entry for it when a
// managed node group uses it.
func NewNodeRole(scope constructs.Construct, id string, p *NodeRoleProps) *NodeRole {
	if p == nil || p.Name == "" || len(p.Name) > awsrules.MaxIAMRoleNameLength {
		panic(fmt.Sprintf("nodegroup.NewNodeRole %q: Name is required, at most %d characters", id, awsrules.MaxIAMRoleNameLength))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	partition := awscontext.Of(c).Partition()
	trust := policy.NewDocument(c, "trust", policy.TrustService("", "ec2.amazonaws.com"))
	role := iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name),
		Description:      jsii.String("EKS nodes"),
		AssumeRolePolicy: trust.Json(),
	})
	policies := append([]string{}, NodeRolePolicies...)
	if p.SSM {
		policies = append(policies, "AmazonSSMManagedInstanceCore")
	}
	r := &NodeRole{Role: role, ARN: role.Arn()}
	for _, name := range policies {
		r.Attachments = append(r.Attachments, iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String(name), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      role.Name(),
			PolicyArn: jsii.String(awsrules.ManagedPolicyARN(*partition, name)),
		}))
	}
	return r
}
