// Package nodegroup is a TEMP placeholder for the shared managed node group
// construct built on the platform branch; it is dropped when that lands.
package nodegroup

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccessentry"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksnodegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// Taint is a Kubernetes node taint.
type Taint struct{ Key, Value, Effect string }

// Props configures a NodeGroup.
type Props struct {
	ClusterName                   *string
	Name                          string
	SubnetIDs                     *[]*string
	SecurityGroupIDs              []*string
	InstanceTypes                 []string
	MinSize, DesiredSize, MaxSize int
	DiskSizeGiB                   int
	Labels                        map[string]string
	Taints                        []Taint
}

// NodeGroup is a managed node group with its role and launch template.
type NodeGroup struct {
	NodeGroup eksnodegroup.EksNodeGroup
	Role      iamrole.IamRole
	RoleARN   *string
	Name      *string
}

// New creates the role, access entry, launch template and node group.
func New(scope constructs.Construct, id string, p *Props) *NodeGroup {
	c := constructs.NewConstruct(scope, jsii.String(id))
	trust := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("trust"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{{
			Effect:  jsii.String("Allow"),
			Actions: jsii.Strings("sts:AssumeRole"),
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("Service"), Identifiers: jsii.Strings("ec2.amazonaws.com"),
			}},
		}},
	})
	role := iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name + "-nodes"),
		AssumeRolePolicy: trust.Json(),
	})
	for i, arn := range []string{
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
	} {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String(fmt.Sprintf("policy-%d", i)), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role: role.Name(), PolicyArn: jsii.String(arn),
		})
	}
	entry := eksaccessentry.NewEksAccessEntry(c, jsii.String("access-entry"), &eksaccessentry.EksAccessEntryConfig{
		ClusterName: p.ClusterName, PrincipalArn: role.Arn(), Type: jsii.String("EC2_LINUX"),
	})
	lt := launchtemplate.NewLaunchTemplate(c, jsii.String("launch-template"), &launchtemplate.LaunchTemplateConfig{
		Name:                jsii.String(p.Name),
		VpcSecurityGroupIds: &p.SecurityGroupIDs,
		MetadataOptions: &launchtemplate.LaunchTemplateMetadataOptions{
			HttpEndpoint: jsii.String("enabled"), HttpTokens: jsii.String("required"), HttpPutResponseHopLimit: jsii.Number(1),
		},
		BlockDeviceMappings: []*launchtemplate.LaunchTemplateBlockDeviceMappings{{
			DeviceName: jsii.String("/dev/xvda"),
			Ebs: &launchtemplate.LaunchTemplateBlockDeviceMappingsEbs{
				VolumeSize: jsii.Number(float64(p.DiskSizeGiB)), VolumeType: jsii.String("gp3"), Encrypted: jsii.String("true"),
			},
		}},
	})
	labels := map[string]*string{}
	for k, v := range p.Labels {
		labels[k] = jsii.String(v)
	}
	var taints []*eksnodegroup.EksNodeGroupTaint
	for _, t := range p.Taints {
		taints = append(taints, &eksnodegroup.EksNodeGroupTaint{Key: jsii.String(t.Key), Value: jsii.String(t.Value), Effect: jsii.String(t.Effect)})
	}
	ng := eksnodegroup.NewEksNodeGroup(c, jsii.String("node-group"), &eksnodegroup.EksNodeGroupConfig{
		ClusterName:   p.ClusterName,
		NodeGroupName: jsii.String(p.Name),
		NodeRoleArn:   role.Arn(),
		SubnetIds:     p.SubnetIDs,
		AmiType:       jsii.String("AL2023_x86_64_STANDARD"),
		InstanceTypes: jsii.Strings(p.InstanceTypes...),
		ScalingConfig: &eksnodegroup.EksNodeGroupScalingConfig{
			MinSize: jsii.Number(float64(p.MinSize)), DesiredSize: jsii.Number(float64(p.DesiredSize)), MaxSize: jsii.Number(float64(p.MaxSize)),
		},
		LaunchTemplate: &eksnodegroup.EksNodeGroupLaunchTemplate{Id: lt.Id(), Version: cdktf.Token_AsString(lt.LatestVersion(), nil)},
		Labels:         &labels,
		Taint:          taints,
		DependsOn:      &[]cdktf.ITerraformDependable{entry},
	})
	return &NodeGroup{NodeGroup: ng, Role: role, RoleARN: role.Arn(), Name: ng.NodeGroupName()}
}
