package params

// The contract: every value that crosses a stack boundary, declared once.

// Foundation layer.
var (
	VPCID                      = NewString(Foundation, "vpc/id", "VPC id")
	VPCCIDR                    = NewString(Foundation, "vpc/cidr", "VPC IPv4 CIDR block")
	PublicSubnetIDs            = NewStringList(Foundation, "subnets/public", "Public subnet ids, one per availability zone")
	PrivateSubnetIDs           = NewStringList(Foundation, "subnets/private", "Private subnet ids, one per availability zone")
	DatabaseSubnetIDs          = NewStringList(Foundation, "subnets/database", "Database subnet ids, one per availability zone")
	EKSNodesSecurityGroup      = NewString(Foundation, "security-groups/eks-nodes", "Security group shared by every EKS node")
	DatabasesSecurityGroup     = NewString(Foundation, "security-groups/databases", "Security group of the database tier")
	LoadBalancersSecurityGroup = NewString(Foundation, "security-groups/load-balancers", "Security group of internet-facing load balancers")
	BackupVaultName            = NewString(Foundation, "backup/vault-name", "AWS Backup vault name")
	BackupVaultARN             = NewString(Foundation, "backup/vault-arn", "AWS Backup vault ARN")
	BackupPlanID               = NewString(Foundation, "backup/plan-id", "AWS Backup plan id")
	BackupRoleARN              = NewString(Foundation, "backup/role-arn", "IAM role AWS Backup assumes for selections")
	AlarmTopicARN              = NewString(Foundation, "alarms/topic-arn", "SNS topic receiving platform alarms")
)
