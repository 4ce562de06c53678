package lbcontroller

import (
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

// Statements is the controller's IAM policy, statement for statement the
// upstream docs/install/iam_policy.json of aws-load-balancer-controller
// v2.14 through v2.17 (unchanged in that range), with ARNs in the
// caller's partition; keep it in sync with ChartVersion. Its resource "*"
// statements are upstream's: the Describe and Get calls have no narrower
// resource, the controller creates load balancers, target groups,
// listeners, rules and security groups whose ARNs are not known in
// advance, and it must add ingress rules to the nodes' security groups.
// Every tag change, modification and deletion of a load balancer, target
// group or security group is conditioned on the elbv2.k8s.aws/cluster
// tag, i.e. limited to what a load balancer controller created.
func Statements(partition string) []*policy.Statement {
	arn := func(resource string) *string {
		return jsii.String("arn:" + partition + ":" + resource)
	}
	null := func(variable, value string) *condition {
		return &condition{Test: jsii.String("Null"), Variable: jsii.String(variable), Values: jsii.Strings(value)}
	}
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
			Sid:       jsii.String("SecurityGroupIngress"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"),
			Resources: jsii.Strings("*"),
		},
		{
			Sid:       jsii.String("CreateSecurityGroup"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:CreateSecurityGroup"),
			Resources: jsii.Strings("*"),
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
			Sid:       jsii.String("RetagOwnSecurityGroups"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:CreateTags", "ec2:DeleteTags"),
			Resources: &[]*string{arn("ec2:*:*:security-group/*")},
			Condition: []*condition{null(requestTag, "true"), null(resourceTag, "false")},
		},
		{
			Sid:       jsii.String("ManageOwnSecurityGroups"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"),
			Resources: jsii.Strings("*"),
			Condition: []*condition{null(resourceTag, "false")},
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
