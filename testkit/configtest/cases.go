package configtest

import (
	"slices"
	"strings"

	"stratum/config"
)

// Indexes of the environments in config.Environments(), which returns
// prod, staging and dev in that order.
const (
	Prod = iota
	Staging
	Dev
)

// inAccount moves e to account, with its break-glass and team roles; it
// leaves the account's GuardDuty detector, IAM Access Analyzer and AWS
// Config recorder (one of each per account and region) to the account's
// other environments.
func inAccount(e *config.Environment, account string) {
	e.Audit.GuardDuty = config.GuardDuty{}
	e.Audit.AccessAnalyzer = false
	e.Audit.Config = config.AWSConfig{}
	old := e.AccountID
	e.AccountID = account
	if e.Cluster.BreakGlassRoleARN != "" {
		e.Cluster.BreakGlassRoleARN = e.RoleARN("stratum-break-glass")
	}
	teams := slices.Clone(e.CI.Teams)
	for i, t := range teams {
		roles := slices.Clone(t.RoleARNs)
		for j, arn := range roles {
			roles[j] = strings.Replace(arn, ":"+old+":", ":"+account+":", 1)
		}
		teams[i].RoleARNs = roles
	}
	e.CI.Teams = teams
}

// EnvironmentCases are config.Validate's rules, one case each, on
// config.Environments(); Owner defaults to environment "prod".
var EnvironmentCases = []RuleCase[[]config.Environment]{
	// Names.
	{Name: "environment name",
		Good:  func(e []config.Environment) { e[Dev].Name = "qa-1" },
		Bad:   func(e []config.Environment) { e[Dev].Name = "Dev_1" },
		Owner: `environment "Dev_1" (the 3rd in the list)`, Field: "Name", Value: "Dev_1", Want: "a DNS label of at most 10 characters"},
	{Name: "environment name length",
		Good:  func(e []config.Environment) { e[Dev].Name = "dev-sandbx" },
		Bad:   func(e []config.Environment) { e[Dev].Name = "development" },
		Owner: `environment "development" (the 3rd in the list)`, Field: "Name", Value: "development", Want: "at most 10 characters"},
	{Name: "environment name without double hyphen",
		Bad:   func(e []config.Environment) { e[Dev].Name = "dev--1" },
		Owner: `environment "dev--1" (the 3rd in the list)`, Field: "Name", Value: "dev--1", Want: `without "--"`},
	{Name: "the environment named prod is production",
		Bad:   func(e []config.Environment) { e[Prod].Production = false },
		Field: "Production", Value: "false", Want: `the environment named "prod" is a production environment`},
	{Name: "environment twice",
		Bad:   func(e []config.Environment) { e[Dev].Name = "staging" },
		Owner: `environment "staging" (the 3rd in the list)`, Field: "Name", Value: "staging", Want: `each environment once (the 2nd is also "staging")`},

	// Region and account.
	{Name: "region",
		Good: func(e []config.Environment) {
			e[Prod].Region = "eu-west-1"
			e[Prod].Network.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
		},
		Bad:   func(e []config.Environment) { e[Prod].Region = "us-east1" },
		Field: "Region", Value: "us-east1", Want: "AWS region"},
	{Name: "account ID",
		Good:  func(e []config.Environment) { inAccount(&e[Staging], "000123456789") },
		Bad:   func(e []config.Environment) { e[Prod].AccountID = "11111111111" },
		Field: "AccountID", Value: "11111111111", Want: "12-digit"},
	{Name: "every environment pins its account",
		Good:  func(e []config.Environment) { e[Dev].State.CustomerManagedKey = true },
		Bad:   func(e []config.Environment) { e[Dev].AccountID = "" },
		Owner: `environment "dev"`, Field: "AccountID", Value: `""`, Want: "every environment pins its account"},
	{Name: "a deploy role",
		Good: func(e []config.Environment) {
			e[Dev].CI = config.CI{}
			e[Dev].AssumeRoleARN = "arn:aws:iam::333333333333:role/stratum-deploy"
		},
		Bad:   func(e []config.Environment) { e[Dev].CI = config.CI{} },
		Owner: `environment "dev"`, Field: "AssumeRoleARN", Value: `""`, Want: "a deploy role"},
	{Name: "assume role ARN",
		Good: func(e []config.Environment) {
			e[Prod].CI, e[Prod].AssumeRoleARN = config.CI{}, "arn:aws:iam::111111111111:role/ci/stratum-deploy"
		},
		Bad: func(e []config.Environment) {
			e[Prod].CI, e[Prod].AssumeRoleARN = config.CI{}, "arn:aws:iam::111111111111:user/deploy"
		},
		Field: "AssumeRoleARN", Value: "user/deploy", Want: "IAM role ARN"},
	{Name: "assume role in the pinned account",
		Good: func(e []config.Environment) {
			e[Staging].CI, e[Staging].AssumeRoleARN = config.CI{}, "arn:aws:iam::222222222222:role/deploy"
		},
		Bad: func(e []config.Environment) {
			e[Prod].CI, e[Prod].AssumeRoleARN = config.CI{}, "arn:aws:iam::222222222222:role/deploy"
		},
		Field: "AssumeRoleARN", Value: "222222222222", Want: "account 111111111111"},
	{Name: "assume role partition",
		Bad: func(e []config.Environment) {
			e[Prod].CI, e[Prod].AssumeRoleARN = config.CI{}, "arn:aws-cn:iam::111111111111:role/deploy"
		},
		Field: "AssumeRoleARN", Value: "aws-cn", Want: "partition aws"},
	{Name: "one role deploying every layer or the layers' own roles",
		Bad:   func(e []config.Environment) { e[Staging].AssumeRoleARN = "arn:aws:iam::222222222222:role/deploy" },
		Owner: `environment "staging"`, Field: "AssumeRoleARN", Value: "role/deploy", Want: "empty with CI"},

	// Network.
	{Name: "VPC CIDR syntax",
		Good:  func(e []config.Environment) { e[Prod].Network.CIDR = "10.10.0.0/17" },
		Bad:   func(e []config.Environment) { e[Prod].Network.CIDR = "10.10.0.0" },
		Field: "Network.CIDR", Value: "10.10.0.0", Want: "IPv4 CIDR"},
	{Name: "VPC CIDR network address",
		Bad:   func(e []config.Environment) { e[Prod].Network.CIDR = "10.10.4.0/16" },
		Field: "Network.CIDR", Value: "10.10.4.0/16", Want: "10.10.0.0/16"},
	{Name: "VPC prefix fits the subnet plan",
		Good:  func(e []config.Environment) { e[Prod].Network.CIDR = "10.10.0.0/18" },
		Bad:   func(e []config.Environment) { e[Prod].Network.CIDR = "10.10.0.0/20" },
		Field: "Network.CIDR", Value: "/20", Want: "/16 to /18"},
	{Name: "VPC in a private range",
		Good:  func(e []config.Environment) { e[Prod].Network.CIDR = "100.64.0.0/16" },
		Bad:   func(e []config.Environment) { e[Prod].Network.CIDR = "11.0.0.0/16" },
		Field: "Network.CIDR", Value: "11.0.0.0/16", Want: "10.0.0.0/8"},
	{Name: "NAT policy",
		Good:  func(e []config.Environment) { e[Staging].Network.NAT = config.NATPerAZ },
		Bad:   func(e []config.Environment) { e[Staging].Network.NAT = "per-zone" },
		Owner: `environment "staging"`, Field: "Network.NAT", Value: "per-zone", Want: `"per-az", "single"`},
	{Name: "VPCs of environments overlap",
		Good:  func(e []config.Environment) { e[Staging].Network.CIDR = "10.11.0.0/16" },
		Bad:   func(e []config.Environment) { e[Staging].Network.CIDR = "10.10.128.0/17" },
		Owner: `environment "staging"`, Field: "Network.CIDR", Value: "10.10.128.0/17", Want: `environment "prod" (10.10.0.0/16)`},
	{Name: "VPC overlaps on-premises",
		Good:  func(e []config.Environment) { e[Dev].Network.CIDR = "172.17.0.0/16" },
		Bad:   func(e []config.Environment) { e[Dev].Network.CIDR = "172.16.0.0/16" },
		Owner: `environment "dev"`, Field: "Network.CIDR", Value: "172.16.0.0/16", Want: "on-premises range 172.16.0.0/16"},

	// Availability zones.
	{Name: "zone count",
		Good:  func(e []config.Environment) { e[Prod].Network.AvailabilityZones = []string{"us-east-1a", "us-east-1f"} },
		Bad:   func(e []config.Environment) { e[Prod].Network.AvailabilityZones = []string{"us-east-1a"} },
		Field: "Network.AvailabilityZones", Value: "us-east-1a", Want: "2 or 3"},
	{Name: "zone of the region",
		Good:  func(e []config.Environment) { e[Prod].Network.AvailabilityZones[2] = "us-east-1d" },
		Bad:   func(e []config.Environment) { e[Prod].Network.AvailabilityZones[2] = "us-west-2c" },
		Field: "Network.AvailabilityZones[2]", Value: "us-west-2c", Want: "zone of region us-east-1"},
	{Name: "zone twice",
		Bad:   func(e []config.Environment) { e[Prod].Network.AvailabilityZones[1] = "us-east-1a" },
		Field: "Network.AvailabilityZones[1]", Value: "us-east-1a", Want: "each zone once"},

	// VPN.
	{Name: "on-premises CIDR",
		Good: func(e []config.Environment) {
			e[Prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/12", "192.168.10.0/24"}
		},
		Bad:   func(e []config.Environment) { e[Prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/33"} },
		Field: "VPN.OnPremisesCIDRs[0]", Value: "172.16.0.0/33", Want: "IPv4 CIDR"},
	{Name: "on-premises CIDRs overlap",
		Bad:   func(e []config.Environment) { e[Prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/16", "172.16.4.0/24"} },
		Field: "VPN.OnPremisesCIDRs[1]", Value: "172.16.4.0/24", Want: "VPN.OnPremisesCIDRs[0] (172.16.0.0/16)"},
	{Name: "two customer gateways",
		Good: func(e []config.Environment) {
			e[Prod].VPN.Enabled = false
			e[Prod].VPN.CustomerGateways = nil
		},
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways = e[Prod].VPN.CustomerGateways[:1] },
		Field: "VPN.CustomerGateways", Value: "1", Want: "exactly 2"},
	{Name: "customer gateway name",
		Good:  func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].Name = "accra-dc1" },
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].Name = "DC_Primary" },
		Field: "VPN.CustomerGateways[0].Name", Value: "DC_Primary", Want: "DNS label"},
	{Name: "customer gateway address is public",
		Good:  func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].IPAddress = "41.66.0.10" },
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].IPAddress = "10.1.2.3" },
		Field: "VPN.CustomerGateways[0].IPAddress", Value: "10.1.2.3", Want: "private (RFC 1918)"},
	{Name: "customer gateway addresses differ",
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways[1].IPAddress = "203.0.113.10" },
		Field: "VPN.CustomerGateways[1].IPAddress", Value: "203.0.113.10", Want: "no other customer gateway"},
	{Name: "customer ASN",
		Good:  func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].BGPASN = 2147483647 },
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].BGPASN = 7224 },
		Field: "VPN.CustomerGateways[0].BGPASN", Value: "7224", Want: "AWS reserves"},
	{Name: "customer ASN differs from Amazon's",
		Good:  func(e []config.Environment) { e[Staging].VPN.CustomerGateways[0].BGPASN = 64512 },
		Bad:   func(e []config.Environment) { e[Prod].VPN.CustomerGateways[0].BGPASN = 64512 },
		Field: "VPN.CustomerGateways[0].BGPASN", Value: "64512", Want: "Amazon side's (64512)"},
	{Name: "Amazon side ASN",
		Good:  func(e []config.Environment) { e[Prod].VPN.AmazonSideASN = 4200000000 },
		Bad:   func(e []config.Environment) { e[Prod].VPN.AmazonSideASN = 65535 },
		Field: "VPN.AmazonSideASN", Value: "65535", Want: "64512–65534 or 4200000000–4294967294"},
	{Name: "static routes need on-premises ranges",
		Good:  func(e []config.Environment) { e[Prod].VPN.OnPremisesCIDRs = nil }, // prod uses BGP
		Bad:   func(e []config.Environment) { e[Staging].VPN.OnPremisesCIDRs = nil },
		Owner: `environment "staging"`, Field: "VPN.OnPremisesCIDRs", Value: "[]string(nil)", Want: "StaticRoutesOnly"},

	{Name: "VPN IKE version",
		Good:  func(e []config.Environment) { e[Prod].VPN.Tunnels.IKEVersions = []string{"ikev2"} },
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.IKEVersions = []string{"ikev1", "ikev2"} },
		Field: "VPN.Tunnels.IKEVersions", Value: "ikev1", Want: "IKEv2 only"},
	{Name: "VPN IKE version AWS knows",
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.IKEVersions = []string{"IKEv2"} },
		Field: "VPN.Tunnels.IKEVersions", Value: "IKEv2", Want: "values among [ikev1 ikev2] (AWS Site-to-Site VPN)"},
	{Name: "VPN encryption",
		Good: func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase1.EncryptionAlgorithms = []string{"AES256"} },
		Bad: func(e []config.Environment) {
			e[Prod].VPN.Tunnels.Phase1.EncryptionAlgorithms = []string{"AES256", "AES128"}
		},
		Field: "VPN.Tunnels.Phase1.EncryptionAlgorithms", Value: "AES128", Want: "AES-256 only (policy)"},
	{Name: "VPN integrity",
		Good:  func(e []config.Environment) { e[Staging].VPN.Tunnels.Phase2.IntegrityAlgorithms = []string{"SHA2-512"} },
		Bad:   func(e []config.Environment) { e[Staging].VPN.Tunnels.Phase2.IntegrityAlgorithms = []string{"SHA1"} },
		Owner: `environment "staging"`, Field: "VPN.Tunnels.Phase2.IntegrityAlgorithms", Value: "SHA1", Want: "SHA-2 only (policy)"},
	{Name: "VPN integrity AWS knows",
		Bad: func(e []config.Environment) {
			e[Prod].VPN.Tunnels.Phase2.IntegrityAlgorithms = []string{"SHA2-256", "SHA3-256"}
		},
		Field: "VPN.Tunnels.Phase2.IntegrityAlgorithms", Value: "SHA3-256", Want: "(AWS Site-to-Site VPN), not SHA3-256"},
	{Name: "VPN DH groups",
		Good:  func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase1.DHGroupNumbers = []int{15, 21} },
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase1.DHGroupNumbers = []int{20, 14} },
		Field: "VPN.Tunnels.Phase1.DHGroupNumbers", Value: "14", Want: "at least 128-bit strength (policy)"},
	{Name: "VPN DH group of the other phase",
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase1.DHGroupNumbers = []int{5} },
		Field: "VPN.Tunnels.Phase1.DHGroupNumbers", Value: "5", Want: "values among [2 14 15"},
	{Name: "VPN DH group twice",
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase2.DHGroupNumbers = []int{19, 19} },
		Field: "VPN.Tunnels.Phase2.DHGroupNumbers", Value: "19", Want: "each value once"},
	{Name: "VPN lifetimes",
		Good: func(e []config.Environment) {
			e[Prod].VPN.Tunnels.Phase1.LifetimeSeconds, e[Prod].VPN.Tunnels.Phase2.LifetimeSeconds = 3600, 900
		},
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase1.LifetimeSeconds = 1800 },
		Field: "VPN.Tunnels.Phase2.LifetimeSeconds", Value: "1800/3600", Want: "shorter than phase 1's (1800 seconds)"},
	{Name: "VPN phase 2 lifetime",
		Bad:   func(e []config.Environment) { e[Prod].VPN.Tunnels.Phase2.LifetimeSeconds = 600 },
		Field: "VPN.Tunnels.Phase2.LifetimeSeconds", Value: "28800/600", Want: "900–3600 seconds"},

	// Retention and backup.
	{Name: "log retention",
		Good:  func(e []config.Environment) { e[Prod].LogRetentionDays = 3653 },
		Bad:   func(e []config.Environment) { e[Prod].LogRetentionDays = 366 },
		Field: "LogRetentionDays", Value: "366", Want: "1 3 5 7 14 30 60 90 120 150 180 365 400"},
	{Name: "backup retention",
		Good:  func(e []config.Environment) { e[Dev].Backup.RetentionDays = 1 },
		Bad:   func(e []config.Environment) { e[Prod].Backup.RetentionDays = 0 },
		Field: "Backup.RetentionDays", Value: "0", Want: "at least 1"},
	{Name: "backup copy region",
		Good:  func(e []config.Environment) { e[Staging].Backup.CopyRegion = "us-east-2" },
		Bad:   func(e []config.Environment) { e[Prod].Backup.CopyRegion = "us-west" },
		Field: "Backup.CopyRegion", Value: "us-west", Want: "AWS region code"},
	{Name: "backup copies in another region",
		Bad:   func(e []config.Environment) { e[Prod].Backup.CopyRegion = "us-east-1" },
		Field: "Backup.CopyRegion", Value: "us-east-1", Want: "a region other than the environment's (us-east-1)"},
	{Name: "backup copies in the same partition",
		Bad:   func(e []config.Environment) { e[Prod].Backup.CopyRegion = "cn-north-1" },
		Field: "Backup.CopyRegion", Value: "cn-north-1", Want: "partition aws"},
	{Name: "backup copies in production",
		Good:  func(e []config.Environment) { e[Dev].Backup.CopyRegion = "" },
		Bad:   func(e []config.Environment) { e[Prod].Backup.CopyRegion, e[Prod].Backup.CopyRetentionDays = "", 0 },
		Field: "Backup.CopyRegion", Value: `""`, Want: "a second region in production"},
	{Name: "backup copy retention",
		Good:  func(e []config.Environment) { e[Prod].Backup.CopyRetentionDays = 0 },
		Bad:   func(e []config.Environment) { e[Dev].Backup.CopyRetentionDays = 30 },
		Owner: `environment "dev"`, Field: "Backup.CopyRetentionDays", Value: "30", Want: "only with CopyRegion"},
	{Name: "backup schedule",
		Good:  func(e []config.Environment) { e[Prod].Backup.Schedule = "cron(30 2 ? * SUN-FRI *)" },
		Bad:   func(e []config.Environment) { e[Prod].Backup.Schedule = "cron(0 3 * * ?)" },
		Field: "Backup.Schedule", Value: "cron(0 3 * * ?)", Want: "6 fields, not 5"},

	// State backend.
	{Name: "state bucket",
		Good:  func(e []config.Environment) { e[Prod].State.Bucket = "acme.stratum-prod-tfstate" },
		Bad:   func(e []config.Environment) { e[Prod].State.Bucket = "Stratum_Prod" },
		Field: "State.Bucket", Value: "Stratum_Prod", Want: "S3 bucket name"},
	{Name: "state bucket shared",
		Bad:   func(e []config.Environment) { e[Staging].State.Bucket = "stratum-prod-tfstate" },
		Owner: `environment "staging"`, Field: "State.Bucket", Value: "stratum-prod-tfstate", Want: `environment "prod" uses it`},
	{Name: "access log bucket",
		Good:  func(e []config.Environment) { e[Prod].State.AccessLogBucket = "acme-prod-s3-logs" },
		Bad:   func(e []config.Environment) { e[Prod].State.AccessLogBucket = "Stratum_Logs" },
		Field: "State.AccessLogBucket", Value: "Stratum_Logs", Want: "S3 bucket name"},
	{Name: "access log bucket is not the state bucket",
		Bad:   func(e []config.Environment) { e[Prod].State.AccessLogBucket = "stratum-prod-tfstate" },
		Field: "State.AccessLogBucket", Value: "stratum-prod-tfstate", Want: "a bucket cannot receive its own access logs"},
	{Name: "access log bucket shared",
		Bad:   func(e []config.Environment) { e[Dev].State.AccessLogBucket = "stratum-staging-tfstate" },
		Owner: `environment "dev"`, Field: "State.AccessLogBucket", Value: "stratum-staging-tfstate", Want: `environment "staging" uses it`},
	{Name: "lock table",
		Good:  func(e []config.Environment) { e[Prod].State.LockTable = "stratum.prod_lock-1" },
		Bad:   func(e []config.Environment) { e[Prod].State.LockTable = "tf" },
		Field: "State.LockTable", Value: "tf", Want: "3–255 characters"},
	{Name: "lock table shared in one account",
		Good: func(e []config.Environment) {
			e[Staging].State.LockTable = "stratum-prod-tflock" // staging's account is not prod's
		},
		Bad: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true // prod creates the account's GitHub provider
			e[Staging].State.LockTable = "stratum-prod-tflock"
		},
		Owner: `environment "staging"`, Field: "State.LockTable", Value: "stratum-prod-tflock", Want: `environment "prod" uses it`},
	{Name: "state versions kept",
		Good:  func(e []config.Environment) { e[Dev].State.NoncurrentVersionDays = 1 },
		Bad:   func(e []config.Environment) { e[Dev].State.NoncurrentVersionDays = 0 },
		Owner: `environment "dev"`, Field: "State.NoncurrentVersionDays", Value: "0", Want: "at least 1"},

	// Cluster.
	{Name: "Kubernetes version",
		Good:  func(e []config.Environment) { e[Prod].Cluster.Version = "1.36" },
		Bad:   func(e []config.Environment) { e[Prod].Cluster.Version = "1.33" },
		Field: "Cluster.Version", Value: "1.33", Want: "[1.34 1.35 1.36]"},
	{Name: "public access CIDR",
		Good:  func(e []config.Environment) { e[Staging].Cluster.PublicAccessCIDRs = []string{"203.0.113.0/24"} },
		Bad:   func(e []config.Environment) { e[Dev].Cluster.PublicAccessCIDRs = []string{"0.0.0.0/0"} },
		Owner: `environment "dev"`, Field: "Cluster.PublicAccessCIDRs[0]", Value: "0.0.0.0/0", Want: "opens the cluster API to the internet"},
	{Name: "public access CIDR is public",
		Bad:   func(e []config.Environment) { e[Dev].Cluster.PublicAccessCIDRs = []string{"10.0.0.0/8"} },
		Owner: `environment "dev"`, Field: "Cluster.PublicAccessCIDRs[0]", Value: "10.0.0.0/8", Want: "private (RFC 1918)"},
	{Name: "public endpoint only outside production",
		Good: func(e []config.Environment) {
			e[Dev].Cluster.PublicAccessCIDRs = []string{"198.51.100.0/24", "203.0.113.7/32"}
		},
		Bad:   func(e []config.Environment) { e[Prod].Cluster.PublicAccessCIDRs = []string{"203.0.113.0/24"} },
		Field: "Cluster.PublicAccessCIDRs", Value: "203.0.113.0/24", Want: "empty in production"},
	{Name: "admin role ARN",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/platform-admins"}
		},
		Bad:   func(e []config.Environment) { e[Prod].Cluster.AdminRoleARNs = []string{"platform-admins"} },
		Field: "Cluster.AdminRoleARNs[0]", Value: "platform-admins", Want: "IAM role ARN"},
	{Name: "admin roles' access entries",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Admin", "arn:aws:iam::111111111111:role/dev/dev-admin"}
		},
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Admin", "arn:aws:iam::222222222222:role/dev/admin"}
		},
		Field: "Cluster.AdminRoleARNs[1]", Value: "dev/admin", Want: `"admin" is empty or Cluster.AdminRoleARNs[0]'s`},
	{Name: "admin role named like the deployer's entry",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/deployers"}
		},
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/Deployer"}
		},
		Field: "Cluster.AdminRoleARNs[0]", Value: "role/Deployer", Want: `"deployer" is empty or the deployer's`},
	{Name: "production has a break-glass role",
		Good:  func(e []config.Environment) { e[Dev].Cluster.BreakGlassRoleARN = "" },
		Bad:   func(e []config.Environment) { e[Prod].Cluster.BreakGlassRoleARN = "" },
		Field: "Cluster.BreakGlassRoleARN", Value: `""`, Want: "a break-glass role in production"},
	{Name: "break-glass role ARN",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.BreakGlassRoleARN = "arn:aws:iam::111111111111:role/emergency/admin"
		},
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.BreakGlassRoleARN = "arn:aws:iam::111111111111:user/admin"
		},
		Field: "Cluster.BreakGlassRoleARN", Value: "user/admin", Want: "IAM role ARN"},
	{Name: "break-glass role in the account",
		Good: func(e []config.Environment) { e[Staging].Cluster.BreakGlassRoleARN = "" }, // optional outside production
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.BreakGlassRoleARN = "arn:aws:iam::222222222222:role/stratum-break-glass"
		},
		Field: "Cluster.BreakGlassRoleARN", Value: "222222222222", Want: "account 111111111111"},
	{Name: "break-glass role is not the deploy role",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{e[Prod].Cluster.BreakGlassRoleARN} // covered by its own entry
		},
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.BreakGlassRoleARN = "arn:aws:iam::111111111111:role/stratum-ci/stratum-prod-platform-deploy"
		},
		Field: "Cluster.BreakGlassRoleARN", Value: "platform-deploy", Want: "other than the deploy roles"},
	{Name: "admin role named like the break-glass entry",
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Break_Glass"}
		},
		Field: "Cluster.AdminRoleARNs[0]", Value: "Break_Glass", Want: `"break-glass" is empty or the break-glass role's`},
	{Name: "admin role twice",
		Bad: func(e []config.Environment) {
			e[Prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/a"}
		},
		Field: "Cluster.AdminRoleARNs[1]", Value: "role/a", Want: "each role once"},
	{Name: "client load balancers",
		Good:  func(e []config.Environment) { e[Dev].Cluster.ClientLoadBalancers = 0 },
		Bad:   func(e []config.Environment) { e[Dev].Cluster.ClientLoadBalancers = -1 },
		Owner: `environment "dev"`, Field: "Cluster.ClientLoadBalancers", Value: "-1", Want: "0 (no Service of type LoadBalancer) or more"},
	{Name: "node group min above max",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.SystemNodes.MinSize = 6
			e[Prod].Cluster.SystemNodes.DesiredSize = 6
		},
		Bad:   func(e []config.Environment) { e[Prod].Cluster.SystemNodes.MinSize = 7 },
		Field: "Cluster.SystemNodes.MinSize", Value: "7", Want: "at most MaxSize (6)"},
	{Name: "node group desired outside min..max",
		Good:  func(e []config.Environment) { e[Prod].Cluster.SystemNodes.DesiredSize = 6 },
		Bad:   func(e []config.Environment) { e[Prod].Cluster.SystemNodes.DesiredSize = 2 },
		Field: "Cluster.SystemNodes.DesiredSize", Value: "2", Want: "between MinSize (3) and MaxSize (6)"},
	{Name: "node group max at least 1",
		Good: func(e []config.Environment) {
			e[Dev].Cluster.ClientNodes = config.NodeGroup{InstanceTypes: []string{"t3.large"}, MinSize: 0, DesiredSize: 0, MaxSize: 1, DiskSizeGiB: 20}
		},
		Bad: func(e []config.Environment) {
			e[Dev].Cluster.ClientNodes = config.NodeGroup{InstanceTypes: []string{"t3.large"}, DiskSizeGiB: 20}
		},
		Owner: `environment "dev"`, Field: "Cluster.ClientNodes.MaxSize", Value: "0", Want: "at least 1"},
	{Name: "node instance type",
		Good: func(e []config.Environment) {
			e[Prod].Cluster.ClientNodes.InstanceTypes = []string{"m7i-flex.2xlarge", "c7gn.16xlarge", "u-6tb1.metal"}
		},
		Bad:   func(e []config.Environment) { e[Prod].Cluster.ClientNodes.InstanceTypes = []string{"m6i-xlarge"} },
		Field: "Cluster.ClientNodes.InstanceTypes[0]", Value: "m6i-xlarge", Want: "<family>.<size>"},
	{Name: "node instance type is not an RDS class",
		Bad:   func(e []config.Environment) { e[Prod].Cluster.ClientNodes.InstanceTypes = []string{"db.m6i.xlarge"} },
		Field: "Cluster.ClientNodes.InstanceTypes[0]", Value: "db.m6i.xlarge", Want: "db. classes are for RDS"},
	{Name: "node instance types present",
		Bad:   func(e []config.Environment) { e[Prod].Cluster.ClientNodes.InstanceTypes = nil },
		Field: "Cluster.ClientNodes.InstanceTypes", Value: "nil", Want: "at least one"},
	{Name: "node disk size",
		Good:  func(e []config.Environment) { e[Prod].Cluster.ClientNodes.DiskSizeGiB = 20 },
		Bad:   func(e []config.Environment) { e[Prod].Cluster.ClientNodes.DiskSizeGiB = 8 },
		Field: "Cluster.ClientNodes.DiskSizeGiB", Value: "8", Want: "20–16384"},

	// Database.
	{Name: "PostgreSQL version",
		Good:  func(e []config.Environment) { e[Prod].Database.EngineVersion = "18.1" },
		Bad:   func(e []config.Environment) { e[Prod].Database.EngineVersion = "13" },
		Field: "Database.EngineVersion", Value: "13", Want: "[14 15 16 17 18]"},
	{Name: "RDS instance class",
		Good:  func(e []config.Environment) { e[Prod].Database.InstanceClass = "db.m7g.2xlarge" },
		Bad:   func(e []config.Environment) { e[Prod].Database.InstanceClass = "r6g.large" },
		Field: "Database.InstanceClass", Value: "r6g.large", Want: "db.<family>.<size>"},
	{Name: "allocated storage",
		Good: func(e []config.Environment) {
			e[Dev].Database.AllocatedStorageGiB = 20
			e[Dev].Database.MaxAllocatedStorageGiB = 0
		},
		Bad:   func(e []config.Environment) { e[Dev].Database.AllocatedStorageGiB = 10 },
		Owner: `environment "dev"`, Field: "Database.AllocatedStorageGiB", Value: "10", Want: "20–65536"},
	{Name: "storage autoscaling ceiling",
		Good:  func(e []config.Environment) { e[Prod].Database.MaxAllocatedStorageGiB = 110 },
		Bad:   func(e []config.Environment) { e[Prod].Database.MaxAllocatedStorageGiB = 105 },
		Field: "Database.MaxAllocatedStorageGiB", Value: "105", Want: "110–65536"},
	{Name: "RDS backup retention",
		Good:  func(e []config.Environment) { e[Dev].Database.BackupRetentionDays = 35 },
		Bad:   func(e []config.Environment) { e[Dev].Database.BackupRetentionDays = 36 },
		Owner: `environment "dev"`, Field: "Database.BackupRetentionDays", Value: "36", Want: "1–35"},
	{Name: "RDS backups stay on",
		Good:  func(e []config.Environment) { e[Dev].Database.BackupRetentionDays = 1 },
		Bad:   func(e []config.Environment) { e[Dev].Database.BackupRetentionDays = 0 },
		Owner: `environment "dev"`, Field: "Database.BackupRetentionDays", Value: "0", Want: "0 would turn them and point-in-time recovery off"},
	{Name: "backup window format",
		Good:  func(e []config.Environment) { e[Prod].Database.BackupWindow = "22:00-23:30" },
		Bad:   func(e []config.Environment) { e[Prod].Database.BackupWindow = "3:00-4:00" },
		Field: "Database.BackupWindow", Value: "3:00-4:00", Want: "hh24:mi-hh24:mi"},
	{Name: "backup window length",
		Good:  func(e []config.Environment) { e[Prod].Database.BackupWindow = "23:45-00:15" },
		Bad:   func(e []config.Environment) { e[Prod].Database.BackupWindow = "03:00-03:29" },
		Field: "Database.BackupWindow", Value: "03:00-03:29", Want: "at least 30 minutes"},
	{Name: "maintenance window format",
		Good:  func(e []config.Environment) { e[Prod].Database.MaintenanceWindow = "sat:22:00-sun:00:30" },
		Bad:   func(e []config.Environment) { e[Prod].Database.MaintenanceWindow = "Sunday:05:00-Sunday:06:00" },
		Field: "Database.MaintenanceWindow", Value: "Sunday", Want: "ddd:hh24:mi-ddd:hh24:mi"},
	{Name: "maintenance window length",
		Bad:   func(e []config.Environment) { e[Prod].Database.MaintenanceWindow = "sun:05:00-sun:05:15" },
		Field: "Database.MaintenanceWindow", Value: "sun:05:00-sun:05:15", Want: "at least 30 minutes"},
	{Name: "windows overlap",
		Good:  func(e []config.Environment) { e[Prod].Database.MaintenanceWindow = "sun:02:00-sun:03:00" }, // touches
		Bad:   func(e []config.Environment) { e[Prod].Database.MaintenanceWindow = "wed:01:30-wed:02:30" },
		Field: "Database.MaintenanceWindow", Value: "wed:01:30-wed:02:30", Want: `does not overlap the daily BackupWindow "01:00-02:00"`},
	{Name: "windows overlap past midnight",
		Good: func(e []config.Environment) {
			e[Prod].Database.BackupWindow = "23:30-00:30"
			e[Prod].Database.MaintenanceWindow = "mon:00:30-mon:01:30"
		},
		Bad: func(e []config.Environment) {
			e[Prod].Database.BackupWindow = "23:30-00:30"
			e[Prod].Database.MaintenanceWindow = "mon:00:00-mon:01:00"
		},
		Field: "Database.MaintenanceWindow", Value: "mon:00:00-mon:01:00", Want: "23:30-00:30"},
	{Name: "windows overlap across the week boundary",
		Good: func(e []config.Environment) {
			e[Prod].Database.BackupWindow = "01:00-02:00"
			e[Prod].Database.MaintenanceWindow = "sun:23:00-mon:01:00"
		},
		Bad: func(e []config.Environment) {
			e[Prod].Database.BackupWindow = "00:30-01:30"
			e[Prod].Database.MaintenanceWindow = "sun:23:00-mon:01:00"
		},
		Field: "Database.MaintenanceWindow", Value: "sun:23:00-mon:01:00", Want: "00:30-01:30"},

	// Domain.
	{Name: "domain",
		Good:  func(e []config.Environment) { e[Prod].Domain = "stratum.example.co.uk" },
		Bad:   func(e []config.Environment) { e[Prod].Domain = "Prod.Example.com." },
		Field: "Domain", Value: "Prod.Example.com.", Want: "DNS name"},
	{Name: "domain shared",
		Bad:   func(e []config.Environment) { e[Dev].Domain = "staging.stratum.example.com" },
		Owner: `environment "dev"`, Field: "Domain", Value: "staging.stratum.example.com", Want: `environment "staging" uses it`},

	// CI trust (config/ci.go).
	{Name: "github repository",
		Good:  func(e []config.Environment) { e[Prod].CI.GitHub.Repository = "acme-corp/platform.infra" },
		Bad:   func(e []config.Environment) { e[Prod].CI.GitHub.Repository = "acme-corp/*" },
		Field: "CI.GitHub.Repository", Value: "acme-corp/*", Want: "owner/name"},
	{Name: "github immutable ids come in pairs",
		Good: func(e []config.Environment) {
			e[Prod].CI.GitHub.OwnerID, e[Prod].CI.GitHub.RepositoryID = 123456, 456789
		},
		Bad:   func(e []config.Environment) { e[Prod].CI.GitHub.OwnerID = 123456 },
		Field: "CI.GitHub.OwnerID/RepositoryID", Value: "123456/0", Want: "both positive"},
	{Name: "github apply environment without wildcards",
		Good:  func(e []config.Environment) { e[Prod].CI.GitHub.ApplyEnvironment = "production" },
		Bad:   func(e []config.Environment) { e[Prod].CI.GitHub.ApplyEnvironment = "prod*" },
		Field: "CI.GitHub.ApplyEnvironment", Value: "prod*", Want: "no wildcards"},
	{Name: "github branch without separator",
		Good:  func(e []config.Environment) { e[Prod].CI.GitHub.DefaultBranch = "release/main" },
		Bad:   func(e []config.Environment) { e[Prod].CI.GitHub.DefaultBranch = "main:x" },
		Field: "CI.GitHub.DefaultBranch", Value: "main:x", Want: "':'"},
	{Name: "gitlab project path",
		Good:  func(e []config.Environment) { e[Prod].CI.GitLab = &config.GitLabCI{ProjectPath: "group/sub/stratum"} },
		Bad:   func(e []config.Environment) { e[Prod].CI.GitLab = &config.GitLabCI{ProjectPath: "stratum"} },
		Field: "CI.GitLab.ProjectPath", Value: "stratum", Want: "group/project"},
	{Name: "gitlab url",
		Good: func(e []config.Environment) {
			e[Prod].CI.GitLab = &config.GitLabCI{URL: "https://gitlab.example.com", ProjectPath: "g/p"}
		},
		Bad: func(e []config.Environment) {
			e[Prod].CI.GitLab = &config.GitLabCI{URL: "https://gitlab.example.com/", ProjectPath: "g/p"}
		},
		Field: "CI.GitLab.URL", Value: "gitlab.example.com/", Want: "https:// URL without a trailing slash"},
	{Name: "azure organization id",
		Good: func(e []config.Environment) {
			e[Prod].CI.AzureDevOps = &config.AzureDevOpsCI{OrganizationID: "61c028b9-510c-4f84-bfb2-f48d33b6b542", Organization: "acme", Project: "Platform"}
		},
		Bad: func(e []config.Environment) {
			e[Prod].CI.AzureDevOps = &config.AzureDevOpsCI{OrganizationID: "acme", Organization: "acme", Project: "Platform"}
		},
		Field: "CI.AzureDevOps.OrganizationID", Value: "acme", Want: "GUID"},
	{Name: "production plans pull requests only after an approval",
		Good:  func(e []config.Environment) { e[Prod].CI.PullRequestPlans = config.PlansNever },
		Bad:   func(e []config.Environment) { e[Prod].CI.PullRequestPlans = config.PlansAlways },
		Field: "CI.PullRequestPlans", Value: "always", Want: "in production"},
	{Name: "pull request plans",
		Bad:   func(e []config.Environment) { e[Prod].CI.PullRequestPlans = "sometimes" },
		Field: "CI.PullRequestPlans", Value: "sometimes", Want: "after-approval"},
	{Name: "team roles",
		Good: func(e []config.Environment) {
			e[Prod].CI.Teams = []config.Team{{Name: "platform", RoleARNs: []string{"arn:aws:iam::111111111111:role/platform-team"}, Layers: []string{"foundation"}}}
		},
		Bad: func(e []config.Environment) {
			e[Prod].CI.Teams = []config.Team{{Name: "platform", RoleARNs: []string{"arn:aws:iam::111111111111:role/*"}, Layers: []string{"foundation"}}}
		},
		Field: "CI.Teams[0].RoleARNs[0]", Value: "arn:aws:iam::111111111111:role/*", Want: "exact IAM role ARN"},
	{Name: "one identity provider per account",
		Good: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub = &config.GitHubCI{Repository: "example-org/stratum", ExistingProvider: true}
		},
		Bad:   func(e []config.Environment) { inAccount(&e[Staging], "111111111111") },
		Owner: `environment "staging"`, Field: "CI.GitHub.ExistingProvider", Value: "false", Want: `environment "prod" already creates the IAM OIDC provider`},

	// Alerts (config/alerts.go).
	{Name: "alert e-mail address",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Emails = []string{"platform+oncall@ops.example.co.uk"} },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Emails = []string{"oncall@localhost"} },
		Field: "Alerts.Emails[0]", Value: "oncall@localhost", Want: "e-mail address such as"},
	{Name: "alert e-mail address twice",
		Good: func(e []config.Environment) {
			e[Staging].Alerts.Emails = []string{"a@example.com", "b@example.com"}
		},
		Bad: func(e []config.Environment) {
			e[Staging].Alerts.Emails = []string{"oncall@example.com", "OnCall@Example.com"}
		},
		Owner: `environment "staging"`, Field: "Alerts.Emails[1]", Value: "OnCall@Example.com", Want: "Alerts.Emails[0] has it"},
	{Name: "alert endpoint is https",
		Good: func(e []config.Environment) {
			e[Staging].Alerts.HTTPSEndpoints = []config.HTTPSEndpoint{{URL: "https://api.opsgenie.com/v1/json/amazonsns?apiKey=k"}}
		},
		Bad: func(e []config.Environment) {
			e[Staging].Alerts.HTTPSEndpoints = []config.HTTPSEndpoint{{URL: "http://hooks.example.com/sns"}}
		},
		Owner: `environment "staging"`, Field: "Alerts.HTTPSEndpoints[0].URL", Value: "http://hooks.example.com/sns", Want: "https:// URL"},
	{Name: "alert endpoint twice",
		Bad: func(e []config.Environment) {
			e[Prod].Alerts.HTTPSEndpoints = append(e[Prod].Alerts.HTTPSEndpoints, e[Prod].Alerts.HTTPSEndpoints[0])
		},
		Field: "Alerts.HTTPSEndpoints[1].URL", Value: "pagerduty", Want: "Alerts.HTTPSEndpoints[0].URL has it"},
	{Name: "alerts reach someone",
		Good: func(e []config.Environment) {
			e[Staging].Alerts.Emails = nil
			e[Staging].Alerts.HTTPSEndpoints = []config.HTTPSEndpoint{{URL: "https://events.pagerduty.com/integration/k/enqueue", AutoConfirms: true}}
		},
		Bad:   func(e []config.Environment) { e[Staging].Alerts.Emails = nil },
		Owner: `environment "staging"`, Field: "Alerts.Emails", Value: "nil", Want: "or Alerts.None with Alerts.NoneReason"},
	{Name: "alerts to nobody only where data is not protected",
		Good: func(e []config.Environment) {
			e[Dev].Alerts = config.Alerts{None: true, NoneReason: "sandbox", Budget: e[Dev].Alerts.Budget}
		},
		Bad: func(e []config.Environment) {
			e[Staging].Alerts = config.Alerts{None: true, NoneReason: "quiet", Budget: e[Staging].Alerts.Budget}
		},
		Owner: `environment "staging"`, Field: "Alerts.None", Value: "true", Want: "whose data is protected must tell someone"},
	{Name: "alerts to nobody need a reason",
		Bad:   func(e []config.Environment) { e[Dev].Alerts.NoneReason = "  " },
		Owner: `environment "dev"`, Field: "Alerts.NoneReason", Value: `"  "`, Want: "why nobody is told"},
	{Name: "alerts to nobody or to someone",
		Good: func(e []config.Environment) {
			e[Dev].Alerts = config.Alerts{Emails: []string{"dev@example.com"}, Budget: e[Dev].Alerts.Budget}
		},
		Bad:   func(e []config.Environment) { e[Dev].Alerts.Emails = []string{"dev@example.com"} },
		Owner: `environment "dev"`, Field: "Alerts.None", Value: "true", Want: "tells someone, or explicitly no one"},
	{Name: "no reason without None",
		Bad:   func(e []config.Environment) { e[Staging].Alerts.NoneReason = "quiet" },
		Owner: `environment "staging"`, Field: "Alerts.NoneReason", Value: "quiet", Want: "empty unless Alerts.None"},
	{Name: "runbook base URL",
		Good: func(e []config.Environment) {
			e[Prod].Alerts.RunbookBaseURL = "https://gitlab.example.com/platform/stratum/-/blob/main/"
		},
		Bad: func(e []config.Environment) {
			e[Prod].Alerts.RunbookBaseURL = "https://github.com/example-org/stratum/blob/main"
		},
		Field: "Alerts.RunbookBaseURL", Value: "blob/main", Want: `ending in "/"`},
	{Name: "runbook base URL is https",
		Good:  func(e []config.Environment) { e[Prod].Alerts.RunbookBaseURL = "" },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.RunbookBaseURL = "ftp://example.com/" },
		Field: "Alerts.RunbookBaseURL", Value: "ftp://", Want: "https:// URL"},
	{Name: "CPU threshold",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseCPUPercent = 95 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseCPUPercent = 100 },
		Field: "Alerts.Thresholds.DatabaseCPUPercent", Value: "100", Want: "0 (default 80) or 1–99"},
	{Name: "free storage threshold below storage autoscaling's",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseFreeStoragePercent = 9 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseFreeStoragePercent = 10 },
		Field: "Alerts.Thresholds.DatabaseFreeStoragePercent", Value: "10", Want: "below the 10 % at which storage autoscaling"},
	{Name: "free memory threshold",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseFreeMemoryPercent = 50 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseFreeMemoryPercent = -5 },
		Field: "Alerts.Thresholds.DatabaseFreeMemoryPercent", Value: "-5", Want: "1–50"},
	{Name: "connections threshold",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseConnectionsPercent = 10 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Thresholds.DatabaseConnectionsPercent = 5 },
		Field: "Alerts.Thresholds.DatabaseConnectionsPercent", Value: "5", Want: "10–99"},
	{Name: "CPU credits threshold",
		Good:  func(e []config.Environment) { e[Staging].Alerts.Thresholds.DatabaseCPUCreditsPercent = 90 },
		Bad:   func(e []config.Environment) { e[Staging].Alerts.Thresholds.DatabaseCPUCreditsPercent = 91 },
		Owner: `environment "staging"`, Field: "Alerts.Thresholds.DatabaseCPUCreditsPercent", Value: "91", Want: "1–90"},
	{Name: "NAT packets dropped threshold",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Thresholds.NATPacketsDroppedPercent = 0.5 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Thresholds.NATPacketsDroppedPercent = 100 },
		Field: "Alerts.Thresholds.NATPacketsDroppedPercent", Value: "100", Want: "below 100"},
	{Name: "environment budget",
		Good:  func(e []config.Environment) { e[Dev].Alerts.Budget.MonthlyUSD = 1 },
		Bad:   func(e []config.Environment) { e[Dev].Alerts.Budget.MonthlyUSD = 0 },
		Owner: `environment "dev"`, Field: "Alerts.Budget.MonthlyUSD", Value: "0", Want: "every environment has a budget"},
	{Name: "client budget",
		Good:  func(e []config.Environment) { e[Prod].Alerts.Budget.ClientMonthlyUSD = 10_000_000 },
		Bad:   func(e []config.Environment) { e[Prod].Alerts.Budget.ClientMonthlyUSD = 10_000_001 },
		Field: "Alerts.Budget.ClientMonthlyUSD", Value: "10000001", Want: "1–10000000"},
	{Name: "cost allocation tags once per account",
		Good: func(e []config.Environment) {
			e[Staging].AccountID = "222222222222"
			e[Staging].Alerts.Budget.ActivateCostAllocationTags = true
		},
		Bad: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true // prod creates the account's GitHub provider
			e[Staging].Alerts.Budget.ActivateCostAllocationTags = true
		},
		Owner: `environment "staging"`, Field: "Alerts.Budget.ActivateCostAllocationTags", Value: "true", Want: `environment "prod" activates the cost allocation tags of account 111111111111`},

	// Audit (config/audit.go).
	{Name: "trail bucket",
		Good:  func(e []config.Environment) { e[Prod].Audit.TrailBucket = "acme-prod-cloudtrail" },
		Bad:   func(e []config.Environment) { e[Prod].Audit.TrailBucket = "Stratum_Audit" },
		Field: "Audit.TrailBucket", Value: "Stratum_Audit", Want: "S3 bucket name"},
	{Name: "trail bucket of its own",
		Bad:   func(e []config.Environment) { e[Prod].Audit.TrailBucket = "stratum-prod-s3-access-logs" },
		Field: "Audit.TrailBucket", Value: "stratum-prod-s3-access-logs", Want: "a bucket of its own"},
	{Name: "trail bucket shared",
		Bad:   func(e []config.Environment) { e[Staging].Audit.TrailBucket = "stratum-prod-audit-trail" },
		Owner: `environment "staging"`, Field: "Audit.TrailBucket", Value: "stratum-prod-audit-trail", Want: `environment "prod"'s Audit.TrailBucket`},
	{Name: "trail bucket is another environment's state bucket",
		Bad:   func(e []config.Environment) { e[Staging].Audit.TrailBucket = "stratum-dev-tfstate" },
		Owner: `environment "staging"`, Field: "Audit.TrailBucket", Value: "stratum-dev-tfstate", Want: `environment "dev"'s State.Bucket`},
	{Name: "trail retention",
		Good:  func(e []config.Environment) { e[Dev].Audit.TrailRetentionDays = 90 },
		Bad:   func(e []config.Environment) { e[Dev].Audit.TrailRetentionDays = 30 },
		Owner: `environment "dev"`, Field: "Audit.TrailRetentionDays", Value: "30", Want: "at least 90 days"},
	{Name: "a year of audit logs in production",
		Good: func(e []config.Environment) {
			e[Prod].Audit.TrailRetentionDays, e[Prod].Audit.ObjectLockDays = 365, 365
		},
		Bad:   func(e []config.Environment) { e[Prod].Audit.TrailRetentionDays = 364 },
		Field: "Audit.TrailRetentionDays", Value: "364", Want: "at least 365 days in production"},
	{Name: "object lock within the retention",
		Good:  func(e []config.Environment) { e[Prod].Audit.ObjectLockDays = 400 },
		Bad:   func(e []config.Environment) { e[Prod].Audit.ObjectLockDays = 401 },
		Field: "Audit.ObjectLockDays", Value: "401", Want: "1 to Audit.TrailRetentionDays (400)"},
	{Name: "object lock in production",
		Good:  func(e []config.Environment) { e[Staging].Audit.ObjectLockDays = 30 },
		Bad:   func(e []config.Environment) { e[Prod].Audit.ObjectLockDays = 0 },
		Field: "Audit.ObjectLockDays", Value: "0", Want: "at least 365 in production"},
	{Name: "object lock only where data is protected",
		Bad:   func(e []config.Environment) { e[Dev].Audit.ObjectLockDays = 30 },
		Owner: `environment "dev"`, Field: "Audit.ObjectLockDays", Value: "30", Want: "0 without DeletionProtection"},
	{Name: "data event scope",
		Good:  func(e []config.Environment) { e[Dev].Audit.DataEvents.StateBucket = config.DataEventsWrites },
		Bad:   func(e []config.Environment) { e[Dev].Audit.DataEvents.StateBucket = "reads" },
		Owner: `environment "dev"`, Field: "Audit.DataEvents.StateBucket", Value: "reads", Want: `one of "none", "writes" or "all"`},
	{Name: "state reads recorded in production",
		Good:  func(e []config.Environment) { e[Staging].Audit.DataEvents.StateBucket = config.DataEventsNone },
		Bad:   func(e []config.Environment) { e[Prod].Audit.DataEvents.StateBucket = config.DataEventsWrites },
		Field: "Audit.DataEvents.StateBucket", Value: "writes", Want: `"all" in production`},
	{Name: "client bucket writes recorded in production",
		Good:  func(e []config.Environment) { e[Prod].Audit.DataEvents.ClientBuckets = config.DataEventsWrites },
		Bad:   func(e []config.Environment) { e[Prod].Audit.DataEvents.ClientBuckets = "" },
		Field: "Audit.DataEvents.ClientBuckets", Value: `""`, Want: `"writes" in production or more`},
	{Name: "GuardDuty severity",
		Good:  func(e []config.Environment) { e[Prod].Audit.GuardDuty.MinimumSeverity = "CRITICAL" },
		Bad:   func(e []config.Environment) { e[Prod].Audit.GuardDuty.MinimumSeverity = "SEVERE" },
		Field: "Audit.GuardDuty.MinimumSeverity", Value: "SEVERE", Want: "one of GuardDuty's severities LOW, MEDIUM, HIGH, CRITICAL"},
	{Name: "GuardDuty severity as GuardDuty spells it",
		Good:  func(e []config.Environment) { e[Staging].Audit.GuardDuty.MinimumSeverity = "" },
		Bad:   func(e []config.Environment) { e[Staging].Audit.GuardDuty.MinimumSeverity = "high" },
		Owner: `environment "staging"`, Field: "Audit.GuardDuty.MinimumSeverity", Value: "high", Want: "LOW, MEDIUM, HIGH, CRITICAL"},
	{Name: "GuardDuty protection needs the detector",
		Good:  func(e []config.Environment) { e[Dev].Audit.GuardDuty.RDSLoginEvents = true },
		Bad:   func(e []config.Environment) { e[Dev].Audit.GuardDuty = config.GuardDuty{EKSAuditLogs: true} },
		Owner: `environment "dev"`, Field: "Audit.GuardDuty.EKSAuditLogs", Value: "true", Want: "false without Audit.GuardDuty.Enabled"},
	{Name: "GuardDuty in production",
		Good:  func(e []config.Environment) { e[Dev].Audit.GuardDuty = config.GuardDuty{} },
		Bad:   func(e []config.Environment) { e[Prod].Audit.GuardDuty = config.GuardDuty{} },
		Field: "Audit.GuardDuty.Enabled", Value: "false", Want: "true in production"},
	{Name: "IAM Access Analyzer in production",
		Good:  func(e []config.Environment) { e[Staging].Audit.AccessAnalyzer = false },
		Bad:   func(e []config.Environment) { e[Prod].Audit.AccessAnalyzer = false },
		Field: "Audit.AccessAnalyzer", Value: "false", Want: "true in production"},
	{Name: "AWS Config in production",
		Good: func(e []config.Environment) {
			e[Staging].Audit.Config = config.AWSConfig{Enabled: true, Bucket: "stratum-staging-audit-config"}
		},
		Bad:   func(e []config.Environment) { e[Prod].Audit.Config = config.AWSConfig{} },
		Field: "Audit.Config.Enabled", Value: "false", Want: "true in production"},
	{Name: "AWS Config bucket",
		Bad:   func(e []config.Environment) { e[Prod].Audit.Config.Bucket = "Stratum Config" },
		Field: "Audit.Config.Bucket", Value: "Stratum Config", Want: "S3 bucket name"},
	{Name: "AWS Config bucket is not the locked trail bucket",
		Bad:   func(e []config.Environment) { e[Prod].Audit.Config.Bucket = "stratum-prod-audit-trail" },
		Field: "Audit.Config.Bucket", Value: "stratum-prod-audit-trail", Want: "does not deliver to a bucket with object lock"},
	{Name: "AWS Config bucket only with AWS Config",
		Bad:   func(e []config.Environment) { e[Dev].Audit.Config.Bucket = "stratum-dev-audit-config" },
		Owner: `environment "dev"`, Field: "Audit.Config.Bucket", Value: "stratum-dev-audit-config", Want: "empty without Audit.Config.Enabled"},
	{Name: "one GuardDuty detector per account and region",
		Good: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true
			e[Staging].Region, e[Staging].Network.AvailabilityZones = "us-east-2", []string{"us-east-2a", "us-east-2b", "us-east-2c"}
			e[Staging].Audit.GuardDuty.Enabled = true // another region
		},
		Bad: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true
			e[Staging].Audit.GuardDuty.Enabled = true
		},
		Owner: `environment "staging"`, Field: "Audit.GuardDuty.Enabled", Value: "true", Want: `environment "prod" already creates the GuardDuty detector of account 111111111111 in us-east-1`},
	{Name: "one IAM Access Analyzer per account and region",
		Bad: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true
			e[Staging].Audit.AccessAnalyzer = true
		},
		Owner: `environment "staging"`, Field: "Audit.AccessAnalyzer", Value: "true", Want: `environment "prod" already creates the IAM Access Analyzer`},
	{Name: "one AWS Config recorder per account and region",
		Bad: func(e []config.Environment) {
			inAccount(&e[Staging], "111111111111")
			e[Staging].CI.GitHub.ExistingProvider = true
			e[Staging].Audit.Config = config.AWSConfig{Enabled: true, Bucket: "stratum-staging-audit-config"}
		},
		Owner: `environment "staging"`, Field: "Audit.Config.Enabled", Value: "true", Want: `environment "prod" already creates the AWS Config recorder`},
	{Name: "audit budget",
		Good:  func(e []config.Environment) { e[Dev].Audit.MonthlyBudgetUSD = 1 },
		Bad:   func(e []config.Environment) { e[Dev].Audit.MonthlyBudgetUSD = 0 },
		Owner: `environment "dev"`, Field: "Audit.MonthlyBudgetUSD", Value: "0", Want: "budget of their own"},
}
