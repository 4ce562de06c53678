package lbcontroller

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/policy"
)

type condition = policy.Condition

// Tag keys the controller puts on everything it creates; the policy lets
// it modify or delete only resources carrying them.
const (
	clusterTag = "elbv2.k8s.aws/cluster"
	requestTag = "aws:RequestTag/" + clusterTag
	// resourceTag is also the tag key checked on existing resources.
	resourceTag = "aws:ResourceTag/" + clusterTag
)

// Scope is what the controller's security group permissions are limited
// to: the cluster's VPC and the groups of this cluster.
type Scope struct {
	// Partition, Region and Account build the ARNs.
	Partition, Region, Account string
	// VPCID is the cluster's VPC; ClusterName the cluster (both may be
	// tokens).
	VPCID, ClusterName *string
}

// vpcARN is the ARN the ec2:Vpc condition key compares with.
func (s Scope) vpcARN() *string {
	return jsii.String(fmt.Sprintf("arn:%s:ec2:%s:%s:vpc/%s", s.Partition, s.Region, s.Account, *s.VPCID))
}

// securityGroups are the ARNs of every security group of the region and
// account; the conditions narrow them down.
func (s Scope) securityGroups() *string {
	return jsii.String(fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/*", s.Partition, s.Region, s.Account))
}

// Statements is the controller's IAM policy, statement for statement the
// upstream docs/install/iam_policy.json of aws-load-balancer-controller
// v2.14 through v2.17 (unchanged in that range), with ARNs in the
// caller's partition; keep it in sync with ChartVersion. Its resource "*"
// statements are upstream's: the Describe and Get calls have no narrower
// resource, and the controller creates load balancers, target groups,
// listeners and rules whose ARNs are not known in advance. Every tag
// change, modification and deletion of a load balancer or target group is
// conditioned on the elbv2.k8s.aws/cluster tag, i.e. limited to what a
// load balancer controller created.
//
// Security groups are narrower than upstream's, because opening a group
// is opening whatever it protects (a client's database, say): the
// controller creates groups in the cluster's VPC only, and changes the
// rules of only two kinds of group, each in that VPC (ec2:Vpc): the
// groups it created for this cluster (elbv2.k8s.aws/cluster = the
// cluster's name), which it may also delete and retag, and the cluster
// security group, the only group of the nodes tagged
// kubernetes.io/cluster/<cluster>, where it admits its backend group to
// the targets. Upstream allows AuthorizeSecurityGroupIngress
// and RevokeSecurityGroupIngress on every group of the account without a
// condition.
func Statements(scope Scope) []*policy.Statement {
	partition := scope.Partition
	arn := func(resource string) *string {
		return jsii.String("arn:" + partition + ":" + resource)
	}
	null := func(variable, value string) *condition {
		return &condition{Test: jsii.String("Null"), Variable: jsii.String(variable), Values: jsii.Strings(value)}
	}
	inVPC := &condition{Test: jsii.String("ArnEquals"), Variable: jsii.String("ec2:Vpc"), Values: &[]*string{scope.vpcARN()}}
	ownGroup := &condition{Test: jsii.String("StringEquals"), Variable: jsii.String(resourceTag), Values: &[]*string{scope.ClusterName}}
	clusterGroup := null("aws:ResourceTag/kubernetes.io/cluster/"+*scope.ClusterName, "false")
	loadBalancersAndTargetGroups := &[]*string{
		arn("elasticloadbalancing:*:*:targetgroup/*/*"),
		arn("elasticloadbalancing:*:*:loadbalancer/net/*/*"),
		arn("elasticloadbalancing:*:*:loadbalancer/app/*/*"),
	}
	return []*policy.Statement{
		{
			Sid:       jsii.String("CreateELBServiceLinkedRole"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("iam:CreateServiceLinkedRole"),
			Resources: jsii.Strings("*"),
			Condition: []*condition{{
				Test: jsii.String("StringEquals"), Variable: jsii.String("iam:AWSServiceName"),
				Values: jsii.Strings("elasticloadbalancing.amazonaws.com"),
			}},
		},
		{
			Sid:    jsii.String("Describe"),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings(
				"ec2:DescribeAccountAttributes",
				"ec2:DescribeAddresses",
				"ec2:DescribeAvailabilityZones",
				"ec2:DescribeInternetGateways",
				"ec2:DescribeVpcs",
				"ec2:DescribeVpcPeeringConnections",
				"ec2:DescribeSubnets",
				"ec2:DescribeSecurityGroups",
				"ec2:DescribeInstances",
				"ec2:DescribeNetworkInterfaces",
				"ec2:DescribeTags",
				"ec2:GetCoipPoolUsage",
				"ec2:DescribeCoipPools",
				"ec2:GetSecurityGroupsForVpc",
				"ec2:DescribeIpamPools",
				"ec2:DescribeRouteTables",
				"elasticloadbalancing:DescribeLoadBalancers",
				"elasticloadbalancing:DescribeLoadBalancerAttributes",
				"elasticloadbalancing:DescribeListeners",
				"elasticloadbalancing:DescribeListenerCertificates",
				"elasticloadbalancing:DescribeSSLPolicies",
				"elasticloadbalancing:DescribeRules",
				"elasticloadbalancing:DescribeTargetGroups",
				"elasticloadbalancing:DescribeTargetGroupAttributes",
				"elasticloadbalancing:DescribeTargetHealth",
				"elasticloadbalancing:DescribeTags",
				"elasticloadbalancing:DescribeTrustStores",
				"elasticloadbalancing:DescribeListenerAttributes",
				"elasticloadbalancing:DescribeCapacityReservation",
			),
			Resources: jsii.Strings("*"),
		},
		{
			Sid:    jsii.String("CertificatesAndProtection"),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings(
				"cognito-idp:DescribeUserPoolClient",
				"acm:ListCertificates",
				"acm:DescribeCertificate",
				"iam:ListServerCertificates",
				"iam:GetServerCertificate",
				"waf-regional:GetWebACL",
				"waf-regional:GetWebACLForResource",
				"waf-regional:AssociateWebACL",
				"waf-regional:DisassociateWebACL",
				"wafv2:GetWebACL",
				"wafv2:GetWebACLForResource",
				"wafv2:AssociateWebACL",
				"wafv2:DisassociateWebACL",
				"shield:GetSubscriptionState",
				"shield:DescribeProtection",
				"shield:CreateProtection",
				"shield:DeleteProtection",
			),
			Resources: jsii.Strings("*"),
		},
		{
			// The backend group's rules on the cluster security group.
			Sid:       jsii.String("ClusterSecurityGroupIngress"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
			Resources: &[]*string{scope.securityGroups()},
			Condition: []*condition{clusterGroup, inVPC},
		},
		{
			// CreateSecurityGroup authorizes the VPC and the new group.
			Sid:       jsii.String("CreateSecurityGroup"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:CreateSecurityGroup"),
			Resources: &[]*string{scope.vpcARN(), scope.securityGroups()},
		},
		{
			Sid:       jsii.String("TagNewSecurityGroup"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:CreateTags"),
			Resources: &[]*string{arn("ec2:*:*:security-group/*")},
			Condition: []*condition{
				{Test: jsii.String("StringEquals"), Variable: jsii.String("ec2:CreateAction"), Values: jsii.Strings("CreateSecurityGroup")},
				null(requestTag, "false"),
			},
		},
		{
			// Tags change no rule: its own groups, wherever they are.
			Sid:       jsii.String("RetagOwnSecurityGroups"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:CreateTags", "ec2:DeleteTags"),
			Resources: &[]*string{scope.securityGroups()},
			Condition: []*condition{null(requestTag, "true"), ownGroup},
		},
		{
			Sid:       jsii.String("ManageOwnSecurityGroups"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"),
			Resources: &[]*string{scope.securityGroups()},
			Condition: []*condition{ownGroup, inVPC},
		},
		{
			Sid:       jsii.String("CreateTaggedLoadBalancers"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"),
			Resources: jsii.Strings("*"),
			Condition: []*condition{null(requestTag, "false")},
		},
		{
			Sid:    jsii.String("ListenersAndRules"),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings(
				"elasticloadbalancing:CreateListener",
				"elasticloadbalancing:DeleteListener",
				"elasticloadbalancing:CreateRule",
				"elasticloadbalancing:DeleteRule",
			),
			Resources: jsii.Strings("*"),
		},
		{
			Sid:       jsii.String("RetagOwnLoadBalancers"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
			Resources: loadBalancersAndTargetGroups,
			Condition: []*condition{null(requestTag, "true"), null(resourceTag, "false")},
		},
		{
			Sid:     jsii.String("TagListenersAndRules"),
			Effect:  jsii.String("Allow"),
			Actions: jsii.Strings("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
			Resources: &[]*string{
				arn("elasticloadbalancing:*:*:listener/net/*/*/*"),
				arn("elasticloadbalancing:*:*:listener/app/*/*/*"),
				arn("elasticloadbalancing:*:*:listener-rule/net/*/*/*"),
				arn("elasticloadbalancing:*:*:listener-rule/app/*/*/*"),
			},
		},
		{
			Sid:    jsii.String("ModifyOwnLoadBalancers"),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings(
				"elasticloadbalancing:ModifyLoadBalancerAttributes",
				"elasticloadbalancing:SetIpAddressType",
				"elasticloadbalancing:SetSecurityGroups",
				"elasticloadbalancing:SetSubnets",
				"elasticloadbalancing:DeleteLoadBalancer",
				"elasticloadbalancing:ModifyTargetGroup",
				"elasticloadbalancing:ModifyTargetGroupAttributes",
				"elasticloadbalancing:DeleteTargetGroup",
				"elasticloadbalancing:ModifyListenerAttributes",
				"elasticloadbalancing:ModifyCapacityReservation",
				"elasticloadbalancing:ModifyIpPools",
			),
			Resources: jsii.Strings("*"),
			Condition: []*condition{null(resourceTag, "false")},
		},
		{
			Sid:       jsii.String("TagOnCreate"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("elasticloadbalancing:AddTags"),
			Resources: loadBalancersAndTargetGroups,
			Condition: []*condition{
				{
					Test: jsii.String("StringEquals"), Variable: jsii.String("elasticloadbalancing:CreateAction"),
					Values: jsii.Strings("CreateTargetGroup", "CreateLoadBalancer"),
				},
				null(requestTag, "false"),
			},
		},
		{
			Sid:       jsii.String("RegisterTargets"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"),
			Resources: &[]*string{arn("elasticloadbalancing:*:*:targetgroup/*/*")},
		},
		{
			Sid:    jsii.String("ModifyListenersAndRules"),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings(
				"elasticloadbalancing:SetWebAcl",
				"elasticloadbalancing:ModifyListener",
				"elasticloadbalancing:AddListenerCertificates",
				"elasticloadbalancing:RemoveListenerCertificates",
				"elasticloadbalancing:ModifyRule",
				"elasticloadbalancing:SetRulePriorities",
			),
			Resources: jsii.Strings("*"),
		},
	}
}
