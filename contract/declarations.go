package contract

// The contract: every value that crosses a stack boundary, declared once.

// Bootstrap layer: it is applied by hand before any other stack.
var (
	AccessLogBucket = NewString(Bootstrap, "logs/access-log-bucket", "S3 bucket receiving the server access logs of the environment's buckets")
)

// Audit layer: for operators and the security team; no stack reads
// them (audit-<env> depends on bootstrap only, and no stack depends on it).
var (
	AuditTopicARN  = NewString(Audit, "alarms/topic-arn", "SNS topic receiving the audit layer's alarms and findings")
	TrailARN       = NewString(Audit, "trail/arn", "CloudTrail trail recording the account's API calls")
	TrailBucket    = NewString(Audit, "trail/bucket", "S3 bucket holding the trail's log files")
	TrailLogGroup  = NewString(Audit, "trail/log-group", "CloudWatch Logs group receiving the trail's events, which the CIS metric filters read")
	AuditKMSKeyARN = NewString(Audit, "kms-key-arn", "KMS key encrypting the trail's log files and log group, and AWS Config's deliveries")
)

// Foundation layer.
var (
	VPCID                 = NewString(Foundation, "vpc/id", "VPC id")
	VPCCIDR               = NewString(Foundation, "vpc/cidr", "VPC IPv4 CIDR block")
	PublicSubnetIDs       = NewStringList(Foundation, "subnets/public", "Public subnet ids, one per availability zone")
	PrivateSubnetIDs      = NewStringList(Foundation, "subnets/private", "Private subnet ids, one per availability zone")
	DatabaseSubnetIDs     = NewStringList(Foundation, "subnets/database", "Database subnet ids, one per availability zone")
	EKSNodesSecurityGroup = NewString(Foundation, "security-groups/eks-nodes", "Security group shared by every EKS node")
	BackupVaultName       = NewString(Foundation, "backup/vault-name", "AWS Backup vault name")
	BackupVaultARN        = NewString(Foundation, "backup/vault-arn", "AWS Backup vault ARN")
	BackupPlanID          = NewString(Foundation, "backup/plan-id", "AWS Backup plan id")
	BackupRoleARN         = NewString(Foundation, "backup/role-arn", "IAM role AWS Backup assumes for selections")
	AlarmTopicARN         = NewString(Foundation, "alarms/topic-arn", "SNS topic receiving platform alarms")
)

// Platform layer.
var (
	ClusterName            = NewString(Platform, "cluster/name", "EKS cluster name")
	ClusterEndpoint        = NewString(Platform, "cluster/endpoint", "EKS API server endpoint URL")
	ClusterCAData          = NewString(Platform, "cluster/ca-data", "EKS cluster certificate authority data (base64)")
	ClusterVersion         = NewString(Platform, "cluster/version", "EKS Kubernetes version")
	OIDCProviderARN        = NewString(Platform, "cluster/oidc-provider-arn", "IAM OIDC provider ARN for IRSA")
	OIDCIssuer             = NewString(Platform, "cluster/oidc-issuer", "OIDC issuer host and path, without https://")
	ClusterSecurityGroupID = NewString(Platform, "cluster/security-group-id", "Security group EKS created for the cluster")
	NodeSecurityGroupID    = NewString(Platform, "cluster/node-security-group-id", "Security group of every node")
	HostedZoneID           = NewString(Platform, "dns/zone-id", "Route53 hosted zone id of the environment's domain")
	HostedZoneName         = NewString(Platform, "dns/zone-name", "Route53 hosted zone name of the environment's domain")
	VolumeKMSKeyARN        = NewString(Platform, "storage/volume-kms-key-arn", "KMS key encrypting node root volumes and persistent volumes")
)

// Databases layer: one stack per client and environment
// (database-<client>-<env>), parameters under
// /stratum/<env>/databases/<client>/.
var (
	DatabaseEndpoint        = NewClientString(Databases, "endpoint", "Database host name")
	DatabasePort            = NewClientString(Databases, "port", "Database port")
	DatabaseName            = NewClientString(Databases, "name", "Initial database name")
	DatabaseSecretARN       = NewClientString(Databases, "secret-arn", "Secrets Manager secret holding the master credentials (managed by RDS), for administrators only")
	DatabaseSecretKMSKeyARN = NewClientString(Databases, "secret-kms-key-arn", "KMS key encrypting the credentials secret")
	DatabaseSecurityGroupID = NewClientString(Databases, "security-group-id", "The client database's own security group")
	DatabaseResourceID      = NewClientString(Databases, "resource-id", "The instance's resource id (DbiResourceId), which the rds-db:connect ARNs of its database users name")
)

// Client layer: each client's configuration, for its applications and
// operators (/stratum/<env>/clients/<client>/<key>).
var (
	ClientNamespace           = NewClientString(Client, "namespace", "Kubernetes namespace of the client")
	ClientDomain              = NewClientString(Client, "dns/domain", "DNS name the client's Ingresses and Services may claim: it and the names under it")
	ClientNodeGroupName       = NewClientString(Client, "node-group/name", "EKS managed node group of the client")
	ClientNodeRoleARN         = NewClientString(Client, "node-group/role-arn", "IAM role of the client's nodes")
	ClientNodeSecurityGroupID = NewClientString(Client, "node-group/security-group-id", "Security group identifying the client's nodes (the only source its database admits)")
	ClientNodeSelector        = NewClientString(Client, "node-group/selector", "Label and NoSchedule taint of the client's nodes, as key=value")
	ClientBucketKMSKeyARN     = NewClientString(Client, "buckets/kms-key-arn", "KMS key encrypting the client's buckets")
	ClientBuckets             = NewClientString(Client, "buckets", "The client's buckets as JSON: {\"<bucket>\": \"<S3 bucket name>\"}")
	ClientApplications        = NewClientString(Client, "applications", "The client's applications as JSON: {\"<app>\": {\"service_account\": \"<name>\", \"role_arn\": \"<IRSA role ARN>\", \"database_user\": \"<user, with Database>\"}}")
)
