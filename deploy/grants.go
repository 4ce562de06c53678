package deploy

import (
	"slices"
	"strings"
)

// Grant is what a deploy role needs for one Terraform resource or data
// source type: the actions that create, change and delete it and where,
// the actions a plan needs to refresh it, and the roles its API calls
// pass to a service.
type Grant struct {
	// Write are the actions that create, change and delete the type.
	Write []string
	// Read are the actions refreshing it (a plan's), on every resource.
	Read []string
	// Resources are where Write applies, as patterns expanded by
	// Scope.expand ({partition}, {account}, {prefix}, {cluster}).
	// Default: every resource of the account's service (Write names the
	// service): arn:<partition>:<service>:*:<account>:*.
	Resources []string
	// Tagged restricts Write to resources whose Layer tag is the layer's
	// (aws:ResourceTag/Layer), and creating them to requests that tag
	// them so (aws:RequestTag/Layer): for key and role ARNs that carry no
	// name a pattern could test. Default: false.
	Tagged bool
	// Roles: the type is an IAM role or its policies, managed under the
	// permissions boundary (roleStatements). Default: false.
	Roles bool
	// Pass are the roles the type's API calls pass to a service.
	Pass []Pass
	// ServiceLinked are the services whose service-linked role creating
	// the type may create (iam:AWSServiceName).
	ServiceLinked []string
}

// Pass is iam:PassRole of some roles to one service.
type Pass struct {
	// Service is the service principal the role is passed to
	// (iam:PassedToService), e.g. eks.amazonaws.com.
	Service string
	// Role is a role name pattern under Scope.expand, or "" for the roles
	// of the layer itself (Layer tag).
	Role string
}

const (
	regional = "arn:{partition}:%s:*:{account}:*"
	keys     = "arn:{partition}:kms:*:{account}:key/*"
	aliases  = "arn:{partition}:kms:*:{account}:alias/{prefix}-*"
	roles    = "arn:{partition}:iam::{account}:role/{prefix}-*"
)

func ec2Write(actions ...string) Grant {
	return Grant{Write: append(actions, "ec2:CreateTags", "ec2:DeleteTags"), Read: []string{"ec2:Describe*"}}
}

var securityGroupRules = []string{
	"ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
	"ec2:RevokeSecurityGroupEgress", "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
	"ec2:UpdateSecurityGroupRuleDescriptionsEgress",
}

// iamRoles is the grant of every IAM role type: the statements are
// roleStatements', under the boundary.
var iamRoles = Grant{Roles: true, Read: []string{"iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole", "iam:GetPolicy", "iam:GetPolicyVersion"}}

var s3Bucket = Grant{
	Write: []string{
		"s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
		"s3:PutBucketVersioning", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock",
		"s3:PutBucketOwnershipControls", "s3:PutBucketLogging",
	},
	Read: []string{"s3:GetBucket*", "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetAccelerateConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket", "s3:GetIntelligentTieringConfiguration", "s3:GetAnalyticsConfiguration", "s3:GetInventoryConfiguration", "s3:GetMetricsConfiguration"},
	// The layer's own buckets (Layer.Buckets).
	Resources: []string{"arn:{partition}:s3:::{buckets}"},
}

// Grants maps every resource and data source type a layer may declare
// (data sources prefixed "data.") to its grant. A type missing here fails
// `make generate` and TestLayerGrantsCoverResources, naming the type and
// the layer: add its grant.
var Grants = map[string]Grant{
	// Network (foundation).
	"aws_vpc":                             ec2Write("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute"),
	"aws_subnet":                          ec2Write("ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute"),
	"aws_route_table":                     ec2Write("ec2:CreateRouteTable", "ec2:DeleteRouteTable"),
	"aws_route":                           ec2Write("ec2:CreateRoute", "ec2:DeleteRoute", "ec2:ReplaceRoute"),
	"aws_route_table_association":         ec2Write("ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation"),
	"aws_internet_gateway":                ec2Write("ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway"),
	"aws_eip":                             ec2Write("ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress"),
	"aws_nat_gateway":                     ec2Write("ec2:CreateNatGateway", "ec2:DeleteNatGateway"),
	"aws_security_group":                  ec2Write(append([]string{"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup"}, securityGroupRules...)...),
	"aws_default_security_group":          ec2Write(securityGroupRules...),
	"aws_vpc_security_group_ingress_rule": ec2Write(securityGroupRules...),
	"aws_vpc_security_group_egress_rule":  ec2Write(securityGroupRules...),
	"aws_customer_gateway":                ec2Write("ec2:CreateCustomerGateway", "ec2:DeleteCustomerGateway"),
	"aws_vpn_gateway":                     ec2Write("ec2:CreateVpnGateway", "ec2:DeleteVpnGateway", "ec2:AttachVpnGateway", "ec2:DetachVpnGateway"),
	"aws_vpn_gateway_route_propagation":   ec2Write("ec2:EnableVgwRoutePropagation", "ec2:DisableVgwRoutePropagation"),
	"aws_vpn_connection": {
		// Tunnel logs go to CloudWatch Logs through a log delivery.
		Write: []string{"ec2:CreateVpnConnection", "ec2:DeleteVpnConnection", "ec2:ModifyVpnConnection", "ec2:ModifyVpnConnectionOptions",
			"ec2:ModifyVpnTunnelOptions", "ec2:CreateVpnConnectionRoute", "ec2:DeleteVpnConnectionRoute", "ec2:CreateTags", "ec2:DeleteTags",
			"logs:CreateLogDelivery@*", "logs:GetLogDelivery@*", "logs:UpdateLogDelivery@*", "logs:DeleteLogDelivery@*", "logs:ListLogDeliveries@*"},
		Read:      []string{"ec2:Describe*"},
		Resources: []string{"arn:{partition}:ec2:*:{account}:*"},
	},
	"aws_vpn_connection_route": ec2Write("ec2:CreateVpnConnectionRoute", "ec2:DeleteVpnConnectionRoute"),
	"aws_flow_log": {
		Write:     []string{"ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:CreateTags", "ec2:DeleteTags"},
		Read:      []string{"ec2:Describe*"},
		Resources: []string{"arn:{partition}:ec2:*:{account}:*"},
		Pass:      []Pass{{Service: "vpc-flow-logs.amazonaws.com"}},
	},
	"aws_launch_template": ec2Write("ec2:CreateLaunchTemplate", "ec2:DeleteLaunchTemplate", "ec2:CreateLaunchTemplateVersion",
		"ec2:ModifyLaunchTemplate", "ec2:DeleteLaunchTemplateVersions"),

	// Keys: by their Layer tag; aliases by name.
	"aws_kms_key": {
		// CreateKey and TagResource (tagging at creation) are allowed only
		// for keys tagged with the layer; the rest on the layer's keys.
		Write: []string{"kms:CreateKey", "kms:TagResource", "kms:UntagResource", "kms:EnableKeyRotation", "kms:PutKeyPolicy",
			"kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion", "kms:CreateGrant"},
		Read:   []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:ListAliases"},
		Tagged: true,
	},
	"aws_kms_alias": {
		Write:     []string{"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"},
		Read:      []string{"kms:ListAliases", "kms:DescribeKey"},
		Resources: []string{aliases, keys},
	},

	// IAM.
	"aws_iam_role":                   iamRoles,
	"aws_iam_role_policy":            iamRoles,
	"aws_iam_role_policy_attachment": iamRoles,
	"aws_iam_openid_connect_provider": {
		Write: []string{"iam:CreateOpenIDConnectProvider", "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint",
			"iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider",
			"iam:UntagOpenIDConnectProvider"},
		Read: []string{"iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"},
		// The cluster's issuer only: oidc.eks.<region>.amazonaws.com/id/<id>.
		Resources: []string{"arn:{partition}:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/*"},
	},

	// Logs, metrics, events, notifications.
	"aws_cloudwatch_log_group": {
		Write: []string{"logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
			"logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup", "logs:UntagLogGroup"},
		Read: []string{"logs:DescribeLogGroups", "logs:ListTagsForResource", "logs:ListTagsLogGroup"},
	},
	"aws_cloudwatch_log_resource_policy": {
		Write: []string{"logs:PutResourcePolicy@*", "logs:DeleteResourcePolicy@*"},
		Read:  []string{"logs:DescribeResourcePolicies"},
	},
	"aws_cloudwatch_metric_alarm": {
		Write: []string{"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource"},
		Read:  []string{"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"},
	},
	"aws_cloudwatch_event_rule": {
		Write: []string{"events:PutRule", "events:DeleteRule", "events:EnableRule", "events:DisableRule", "events:TagResource", "events:UntagResource"},
		Read:  []string{"events:DescribeRule", "events:ListTagsForResource", "events:ListTargetsByRule"},
	},
	"aws_cloudwatch_event_target": {
		Write: []string{"events:PutTargets", "events:RemoveTargets"},
		Read:  []string{"events:ListTargetsByRule"},
	},
	"aws_sns_topic": {
		Write: []string{"sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"},
		Read:  []string{"sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic"},
		// The environment's topics are named <prefix>-….
		Resources: []string{"arn:{partition}:sns:*:{account}:{prefix}-*"},
	},
	"aws_sns_topic_policy": {
		Write:     []string{"sns:SetTopicAttributes"},
		Read:      []string{"sns:GetTopicAttributes"},
		Resources: []string{"arn:{partition}:sns:*:{account}:{prefix}-*"},
	},
	"aws_sns_topic_subscription": {
		Write:     []string{"sns:Subscribe", "sns:Unsubscribe", "sns:SetSubscriptionAttributes"},
		Read:      []string{"sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic"},
		Resources: []string{"arn:{partition}:sns:*:{account}:{prefix}-*"},
	},
	"aws_budgets_budget": {
		Write:     []string{"budgets:ModifyBudget", "budgets:TagResource", "budgets:UntagResource"},
		Read:      []string{"budgets:ViewBudget", "budgets:ListTagsForResource"},
		Resources: []string{"arn:{partition}:budgets::{account}:budget/{prefix}-*"},
	},
	"aws_ce_cost_allocation_tag": {
		Write:     []string{"ce:UpdateCostAllocationTagsStatus"},
		Read:      []string{"ce:ListCostAllocationTags"},
		Resources: []string{"*"},
	},

	// Backups: the vault, its lock and plan (foundation); selections
	// (databases, clients) pass the foundation's backup role to AWS Backup.
	"aws_backup_vault": {
		Write: []string{"backup:CreateBackupVault", "backup:DeleteBackupVault", "backup:TagResource", "backup:UntagResource",
			"backup-storage:MountCapsule@*", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt", "kms:RetireGrant", "kms:DescribeKey"},
		Read:      []string{"backup:DescribeBackupVault", "backup:ListTags"},
		Resources: []string{"arn:{partition}:backup:*:{account}:backup-vault:{prefix}*", keys},
	},
	"aws_backup_vault_lock_configuration": {
		// Creating the lock only: removing it is denied to every deploy
		// role (denyStatements).
		Write:     []string{"backup:PutBackupVaultLockConfiguration"},
		Read:      []string{"backup:DescribeBackupVault"},
		Resources: []string{"arn:{partition}:backup:*:{account}:backup-vault:{prefix}*"},
	},
	"aws_backup_plan": {
		Write:     []string{"backup:CreateBackupPlan", "backup:UpdateBackupPlan", "backup:DeleteBackupPlan", "backup:TagResource", "backup:UntagResource"},
		Read:      []string{"backup:GetBackupPlan", "backup:ListTags"},
		Resources: []string{"arn:{partition}:backup:*:{account}:backup-plan:*"},
	},
	"aws_backup_selection": {
		Write:     []string{"backup:CreateBackupSelection", "backup:DeleteBackupSelection"},
		Read:      []string{"backup:GetBackupSelection", "backup:GetBackupPlan"},
		Resources: []string{"arn:{partition}:backup:*:{account}:backup-plan:*"},
		Pass:      []Pass{{Service: "backup.amazonaws.com", Role: "{prefix}-backup"}},
	},

	// Cluster (platform, clients).
	"aws_eks_cluster": {
		Write: []string{"eks:CreateCluster@*", "eks:DeleteCluster", "eks:UpdateClusterConfig", "eks:UpdateClusterVersion",
			"eks:TagResource", "eks:UntagResource", "eks:AssociateEncryptionConfig"},
		Read:          []string{"eks:DescribeCluster", "eks:ListClusters", "eks:DescribeUpdate"},
		Resources:     []string{"arn:{partition}:eks:*:{account}:cluster/{cluster}"},
		Pass:          []Pass{{Service: "eks.amazonaws.com"}},
		ServiceLinked: []string{"eks.amazonaws.com"},
	},
	"aws_eks_addon": {
		Write:     []string{"eks:CreateAddon", "eks:DeleteAddon", "eks:UpdateAddon", "eks:TagResource", "eks:UntagResource"},
		Read:      []string{"eks:DescribeAddon", "eks:DescribeAddonVersions", "eks:DescribeAddonConfiguration"},
		Resources: []string{"arn:{partition}:eks:*:{account}:cluster/{cluster}", "arn:{partition}:eks:*:{account}:addon/{cluster}/*"},
		Pass:      []Pass{{Service: "eks.amazonaws.com"}},
	},
	"aws_eks_node_group": {
		// EKS launches the nodes with its service-linked role: the deploy
		// role passes the node role to EKS only, and launches nothing.
		Write: []string{"eks:CreateNodegroup", "eks:DeleteNodegroup", "eks:UpdateNodegroupConfig", "eks:UpdateNodegroupVersion",
			"eks:TagResource", "eks:UntagResource"},
		Read:          []string{"eks:DescribeNodegroup", "eks:DescribeUpdate", "ec2:Describe*"},
		Resources:     []string{"arn:{partition}:eks:*:{account}:cluster/{cluster}", "arn:{partition}:eks:*:{account}:nodegroup/{cluster}/*"},
		Pass:          []Pass{{Service: "eks.amazonaws.com"}},
		ServiceLinked: []string{"eks-nodegroup.amazonaws.com", "autoscaling.amazonaws.com"},
	},
	"aws_eks_access_entry": {
		Write:     []string{"eks:CreateAccessEntry", "eks:DeleteAccessEntry", "eks:UpdateAccessEntry", "eks:TagResource", "eks:UntagResource"},
		Read:      []string{"eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies"},
		Resources: []string{"arn:{partition}:eks:*:{account}:cluster/{cluster}", "arn:{partition}:eks:*:{account}:access-entry/{cluster}/*"},
	},
	"aws_eks_access_policy_association": {
		Write:     []string{"eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"},
		Read:      []string{"eks:ListAssociatedAccessPolicies"},
		Resources: []string{"arn:{partition}:eks:*:{account}:access-entry/{cluster}/*"},
	},
	"aws_autoscaling_group_tag": {
		Write:     []string{"autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"},
		Read:      []string{"autoscaling:DescribeTags", "autoscaling:DescribeAutoScalingGroups"},
		Resources: []string{"arn:{partition}:autoscaling:*:{account}:autoScalingGroup:*:autoScalingGroupName/eks-*"},
	},
	"aws_route53_zone": {
		Write: []string{"route53:CreateHostedZone@*", "route53:DeleteHostedZone", "route53:UpdateHostedZoneComment",
			"route53:ChangeTagsForResource"},
		Read:      []string{"route53:GetHostedZone", "route53:ListTagsForResource", "route53:ListResourceRecordSets", "route53:GetChange"},
		Resources: []string{"arn:{partition}:route53:::hostedzone/*"},
	},

	// Databases.
	"aws_db_instance": {
		Write: []string{"rds:CreateDBInstance", "rds:DeleteDBInstance", "rds:ModifyDBInstance", "rds:RebootDBInstance",
			"rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:CreateDBSnapshot",
			"secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:RotateSecret", "secretsmanager:DeleteSecret",
			"kms:CreateGrant", "kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt"},
		Read:      []string{"rds:DescribeDBInstances", "rds:ListTagsForResource"},
		Resources: []string{"arn:{partition}:rds:*:{account}:*", "arn:{partition}:secretsmanager:*:{account}:secret:rds!*", keys},
		// The enhanced monitoring role.
		Pass:          []Pass{{Service: "monitoring.rds.amazonaws.com"}, {Service: "rds.amazonaws.com"}},
		ServiceLinked: []string{"rds.amazonaws.com"},
	},
	"aws_db_parameter_group": {
		Write: []string{"rds:CreateDBParameterGroup", "rds:DeleteDBParameterGroup", "rds:ModifyDBParameterGroup",
			"rds:ResetDBParameterGroup", "rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
		Read: []string{"rds:DescribeDBParameterGroups", "rds:DescribeDBParameters", "rds:ListTagsForResource"},
	},
	"aws_db_subnet_group": {
		Write: []string{"rds:CreateDBSubnetGroup", "rds:DeleteDBSubnetGroup", "rds:ModifyDBSubnetGroup",
			"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
		Read: []string{"rds:DescribeDBSubnetGroups", "rds:ListTagsForResource"},
	},
	"aws_db_event_subscription": {
		Write: []string{"rds:CreateEventSubscription", "rds:DeleteEventSubscription", "rds:ModifyEventSubscription",
			"rds:AddSourceIdentifierToSubscription", "rds:RemoveSourceIdentifierFromSubscription",
			"rds:AddTagsToResource", "rds:RemoveTagsFromResource"},
		Read: []string{"rds:DescribeEventSubscriptions", "rds:ListTagsForResource"},
	},

	// Buckets (clients).
	"aws_s3_bucket":                                      s3Bucket,
	"aws_s3_bucket_lifecycle_configuration":              s3Bucket,
	"aws_s3_bucket_logging":                              s3Bucket,
	"aws_s3_bucket_ownership_controls":                   s3Bucket,
	"aws_s3_bucket_policy":                               s3Bucket,
	"aws_s3_bucket_public_access_block":                  s3Bucket,
	"aws_s3_bucket_server_side_encryption_configuration": s3Bucket,
	"aws_s3_bucket_versioning":                           s3Bucket,

	// Audit (audit-<env>): the trail, its object-locked bucket, GuardDuty,
	// IAM Access Analyzer, AWS Config, the CIS metric filters. No other
	// layer has these types, and the boundary denies every role but the
	// audit layer's changing what they create (AuditProtection).
	"aws_cloudtrail": {
		Write: []string{"cloudtrail:CreateTrail", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:StartLogging",
			"cloudtrail:StopLogging", "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors", "cloudtrail:AddTags", "cloudtrail:RemoveTags"},
		Read: []string{"cloudtrail:DescribeTrails", "cloudtrail:GetTrail", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors",
			"cloudtrail:GetInsightSelectors", "cloudtrail:ListTags"},
		Resources: []string{"arn:{partition}:cloudtrail:*:{account}:trail/{prefix}-audit-*"},
		// The role delivering the trail's events to its log group.
		Pass: []Pass{{Service: "cloudtrail.amazonaws.com"}},
	},
	"aws_s3_bucket_object_lock_configuration": {
		// Turning Object Lock on and setting its default retention; in
		// compliance mode S3 refuses to shorten or remove it.
		Write:     []string{"s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"},
		Read:      []string{"s3:GetBucketObjectLockConfiguration", "s3:GetBucketVersioning"},
		Resources: []string{"arn:{partition}:s3:::{buckets}"},
	},
	"aws_cloudwatch_log_metric_filter": {
		Write: []string{"logs:PutMetricFilter", "logs:DeleteMetricFilter"},
		Read:  []string{"logs:DescribeMetricFilters"},
	},
	"aws_guardduty_detector": {
		// CreateDetector takes no resource.
		Write: []string{"guardduty:CreateDetector@*", "guardduty:DeleteDetector", "guardduty:UpdateDetector", "guardduty:TagResource", "guardduty:UntagResource"},
		Read:  []string{"guardduty:GetDetector", "guardduty:ListDetectors", "guardduty:ListTagsForResource"},
		// GuardDuty's service-linked role, and Malware Protection's.
		ServiceLinked: []string{"guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com"},
	},
	"aws_guardduty_detector_feature": {
		Write:         []string{"guardduty:UpdateDetector"},
		Read:          []string{"guardduty:GetDetector"},
		ServiceLinked: []string{"guardduty.amazonaws.com", "malware-protection.guardduty.amazonaws.com"},
	},
	"aws_accessanalyzer_analyzer": {
		Write:         []string{"access-analyzer:CreateAnalyzer", "access-analyzer:DeleteAnalyzer", "access-analyzer:TagResource", "access-analyzer:UntagResource"},
		Read:          []string{"access-analyzer:GetAnalyzer", "access-analyzer:ListAnalyzers", "access-analyzer:ListTagsForResource"},
		Resources:     []string{"arn:{partition}:access-analyzer:*:{account}:analyzer/{prefix}-audit-*"},
		ServiceLinked: []string{"access-analyzer.amazonaws.com"},
	},
	"aws_config_configuration_recorder": {
		Write: []string{"config:PutConfigurationRecorder", "config:DeleteConfigurationRecorder"},
		Read:  []string{"config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"},
		// The role AWS Config records with.
		Pass: []Pass{{Service: "config.amazonaws.com"}},
	},
	"aws_config_delivery_channel": {
		// The delivery channel takes no resource.
		Write: []string{"config:PutDeliveryChannel@*", "config:DeleteDeliveryChannel@*"},
		Read:  []string{"config:DescribeDeliveryChannels", "config:DescribeDeliveryChannelStatus"},
	},
	"aws_config_configuration_recorder_status": {
		Write: []string{"config:StartConfigurationRecorder", "config:StopConfigurationRecorder"},
		Read:  []string{"config:DescribeConfigurationRecorderStatus"},
	},
	"aws_config_config_rule": {
		Write: []string{"config:PutConfigRule", "config:DeleteConfigRule", "config:TagResource", "config:UntagResource"},
		Read:  []string{"config:DescribeConfigRules", "config:ListTagsForResource"},
	},

	// The SSM contract: the layer's own prefixes only (paramStatements).
	"aws_ssm_parameter": {Read: []string{"ssm:DescribeParameters", "ssm:GetParameter", "ssm:GetParameters", "ssm:ListTagsForResource"}},

	// Data sources: reads only.
	"data.aws_ssm_parameter":               {Read: []string{"ssm:GetParameter", "ssm:GetParameters"}},
	"data.aws_eks_addon_version":           {Read: []string{"eks:DescribeAddonVersions"}},
	"data.aws_kms_key":                     {Read: []string{"kms:DescribeKey"}},
	"data.aws_caller_identity":             {},
	"data.aws_partition":                   {},
	"data.aws_region":                      {},
	"data.aws_iam_policy_document":         {},
	"data.aws_iam_openid_connect_provider": {Read: []string{"iam:GetOpenIDConnectProvider", "iam:ListOpenIDConnectProviders"}},

	// The Kubernetes and Helm providers act through the cluster's access
	// entries, not IAM: their only AWS call is the EKS token.
	"helm_release": {Read: []string{"eks:DescribeCluster"}},
	"kubernetes_*": {Read: []string{"eks:DescribeCluster"}},
}

// GrantOf returns the grant of a type (kubernetes_* types share one).
func GrantOf(typ string) (Grant, bool) {
	if g, ok := Grants[typ]; ok {
		return g, true
	}
	if strings.HasPrefix(typ, "kubernetes_") {
		return Grants["kubernetes_*"], true
	}
	return Grant{}, false
}

// service is the IAM service prefix of an action.
func service(action string) string {
	s, _, _ := strings.Cut(action, ":")
	return s
}

// services are the services of actions, sorted and unique.
func services(actions []string) []string {
	var out []string
	for _, a := range actions {
		if s := service(a); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
