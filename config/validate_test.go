package config_test

import (
	"errors"
	"strings"
	"testing"

	"stratum/config"
	"stratum/config/configtest"
)

// Environments() returns prod, staging, dev in that order.
const (
	prod = iota
	staging
	dev
)

const prodOwner = `environment "prod"`

// ruleCase is one validation rule: a change that breaks it (and the one
// problem that must name it) and a nearby change that must be accepted.
type ruleCase struct {
	name string
	// good and bad change a fresh config.Environments(); nil good means
	// the unchanged environments.
	good, bad func(e []config.Environment)
	// owner defaults to prodOwner; value and want are substrings of the
	// FieldError's value (%#v) and allowed values.
	owner, field, value, want string
}

func TestValidateRules(t *testing.T) {
	for _, c := range environmentCases {
		t.Run(c.name, func(t *testing.T) {
			if c.good != nil {
				envs := config.Environments()
				c.good(envs)
				if err := config.Validate(envs); err != nil {
					t.Errorf("good case: Validate() = %v, want nil", err)
				}
			}
			envs := config.Environments()
			c.bad(envs)
			owner := c.owner
			if owner == "" {
				owner = prodOwner
			}
			configtest.ExpectOne(t, config.Validate(envs), owner, c.field, c.value, c.want)
		})
	}
}

var environmentCases = []ruleCase{
	// Names.
	{name: "environment name",
		good:  func(e []config.Environment) { e[dev].Name = "qa-1" },
		bad:   func(e []config.Environment) { e[dev].Name = "Dev_1" },
		owner: "environment #2", field: "Name", value: "Dev_1", want: "a DNS label of at most 10 characters"},
	{name: "environment name length",
		good:  func(e []config.Environment) { e[dev].Name = "dev-sandbx" },
		bad:   func(e []config.Environment) { e[dev].Name = "development" },
		owner: "environment #2", field: "Name", value: "development", want: "at most 10 characters"},
	{name: "environment name without double hyphen",
		bad:   func(e []config.Environment) { e[dev].Name = "dev--1" },
		owner: "environment #2", field: "Name", value: "dev--1", want: `without "--"`},
	{name: "the environment named prod is production",
		bad:   func(e []config.Environment) { e[prod].Production = false },
		field: "Production", value: "false", want: `the environment named "prod" is a production environment`},
	{name: "environment twice",
		bad:   func(e []config.Environment) { e[dev].Name = "staging" },
		owner: `environment "staging"`, field: "Name", value: "staging", want: "each environment once"},

	// Region and account.
	{name: "region",
		good: func(e []config.Environment) {
			e[prod].Region = "eu-west-1"
			e[prod].Network.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
		},
		bad:   func(e []config.Environment) { e[prod].Region = "us-east1" },
		field: "Region", value: "us-east1", want: "AWS region"},
	{name: "account ID",
		good:  func(e []config.Environment) { e[staging].AccountID = "000123456789" },
		bad:   func(e []config.Environment) { e[prod].AccountID = "11111111111" },
		field: "AccountID", value: "11111111111", want: "12-digit"},
	{name: "customer managed key needs account",
		good: func(e []config.Environment) {
			e[staging].AccountID = "222222222222"
			e[staging].State.CustomerManagedKey = true
		},
		bad:   func(e []config.Environment) { e[staging].State.CustomerManagedKey = true },
		owner: `environment "staging"`, field: "State.CustomerManagedKey", value: "true", want: "AccountID"},
	{name: "assume role ARN",
		good: func(e []config.Environment) {
			e[prod].AssumeRoleARN = "arn:aws:iam::111111111111:role/ci/stratum-deploy"
		},
		bad:   func(e []config.Environment) { e[prod].AssumeRoleARN = "arn:aws:iam::111111111111:user/deploy" },
		field: "AssumeRoleARN", value: "user/deploy", want: "IAM role ARN"},
	{name: "assume role in the pinned account",
		good:  func(e []config.Environment) { e[staging].AssumeRoleARN = "arn:aws:iam::222222222222:role/deploy" },
		bad:   func(e []config.Environment) { e[prod].AssumeRoleARN = "arn:aws:iam::222222222222:role/deploy" },
		field: "AssumeRoleARN", value: "222222222222", want: "account 111111111111"},
	{name: "assume role partition",
		bad:   func(e []config.Environment) { e[prod].AssumeRoleARN = "arn:aws-cn:iam::111111111111:role/deploy" },
		field: "AssumeRoleARN", value: "aws-cn", want: "partition aws"},

	// Network.
	{name: "VPC CIDR syntax",
		good:  func(e []config.Environment) { e[prod].Network.CIDR = "10.10.0.0/17" },
		bad:   func(e []config.Environment) { e[prod].Network.CIDR = "10.10.0.0" },
		field: "Network.CIDR", value: "10.10.0.0", want: "IPv4 CIDR"},
	{name: "VPC CIDR network address",
		bad:   func(e []config.Environment) { e[prod].Network.CIDR = "10.10.4.0/16" },
		field: "Network.CIDR", value: "10.10.4.0/16", want: "10.10.0.0/16"},
	{name: "VPC prefix fits the subnet plan",
		good:  func(e []config.Environment) { e[prod].Network.CIDR = "10.10.0.0/18" },
		bad:   func(e []config.Environment) { e[prod].Network.CIDR = "10.10.0.0/20" },
		field: "Network.CIDR", value: "/20", want: "/16 to /18"},
	{name: "VPC in a private range",
		good:  func(e []config.Environment) { e[prod].Network.CIDR = "100.64.0.0/16" },
		bad:   func(e []config.Environment) { e[prod].Network.CIDR = "11.0.0.0/16" },
		field: "Network.CIDR", value: "11.0.0.0/16", want: "10.0.0.0/8"},
	{name: "NAT policy",
		good:  func(e []config.Environment) { e[staging].Network.NAT = config.NATPerAZ },
		bad:   func(e []config.Environment) { e[staging].Network.NAT = "per-zone" },
		owner: `environment "staging"`, field: "Network.NAT", value: "per-zone", want: `"per-az", "single"`},
	{name: "VPCs of environments overlap",
		good:  func(e []config.Environment) { e[staging].Network.CIDR = "10.11.0.0/16" },
		bad:   func(e []config.Environment) { e[staging].Network.CIDR = "10.10.128.0/17" },
		owner: `environment "staging"`, field: "Network.CIDR", value: "10.10.128.0/17", want: `environment "prod" (10.10.0.0/16)`},
	{name: "VPC overlaps on-premises",
		good:  func(e []config.Environment) { e[dev].Network.CIDR = "172.17.0.0/16" },
		bad:   func(e []config.Environment) { e[dev].Network.CIDR = "172.16.0.0/16" },
		owner: `environment "dev"`, field: "Network.CIDR", value: "172.16.0.0/16", want: "on-premises range 172.16.0.0/16"},

	// Availability zones.
	{name: "zone count",
		good:  func(e []config.Environment) { e[prod].Network.AvailabilityZones = []string{"us-east-1a", "us-east-1f"} },
		bad:   func(e []config.Environment) { e[prod].Network.AvailabilityZones = []string{"us-east-1a"} },
		field: "Network.AvailabilityZones", value: "us-east-1a", want: "2 or 3"},
	{name: "zone of the region",
		good:  func(e []config.Environment) { e[prod].Network.AvailabilityZones[2] = "us-east-1d" },
		bad:   func(e []config.Environment) { e[prod].Network.AvailabilityZones[2] = "us-west-2c" },
		field: "Network.AvailabilityZones[2]", value: "us-west-2c", want: "zone of region us-east-1"},
	{name: "zone twice",
		bad:   func(e []config.Environment) { e[prod].Network.AvailabilityZones[1] = "us-east-1a" },
		field: "Network.AvailabilityZones[1]", value: "us-east-1a", want: "each zone once"},

	// VPN.
	{name: "on-premises CIDR",
		good: func(e []config.Environment) {
			e[prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/12", "192.168.10.0/24"}
		},
		bad:   func(e []config.Environment) { e[prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/33"} },
		field: "VPN.OnPremisesCIDRs[0]", value: "172.16.0.0/33", want: "IPv4 CIDR"},
	{name: "on-premises CIDRs overlap",
		bad:   func(e []config.Environment) { e[prod].VPN.OnPremisesCIDRs = []string{"172.16.0.0/16", "172.16.4.0/24"} },
		field: "VPN.OnPremisesCIDRs[1]", value: "172.16.4.0/24", want: "VPN.OnPremisesCIDRs[0] (172.16.0.0/16)"},
	{name: "two customer gateways",
		good: func(e []config.Environment) {
			e[prod].VPN.Enabled = false
			e[prod].VPN.CustomerGateways = nil
		},
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways = e[prod].VPN.CustomerGateways[:1] },
		field: "VPN.CustomerGateways", value: "1", want: "exactly 2"},
	{name: "customer gateway name",
		good:  func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].Name = "accra-dc1" },
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].Name = "DC_Primary" },
		field: "VPN.CustomerGateways[0].Name", value: "DC_Primary", want: "DNS label"},
	{name: "customer gateway address is public",
		good:  func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].IPAddress = "41.66.0.10" },
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].IPAddress = "10.1.2.3" },
		field: "VPN.CustomerGateways[0].IPAddress", value: "10.1.2.3", want: "private (RFC 1918)"},
	{name: "customer gateway addresses differ",
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways[1].IPAddress = "203.0.113.10" },
		field: "VPN.CustomerGateways[1].IPAddress", value: "203.0.113.10", want: "no other customer gateway"},
	{name: "customer ASN",
		good:  func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].BGPASN = 2147483647 },
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].BGPASN = 7224 },
		field: "VPN.CustomerGateways[0].BGPASN", value: "7224", want: "AWS reserves"},
	{name: "customer ASN differs from Amazon's",
		good:  func(e []config.Environment) { e[staging].VPN.CustomerGateways[0].BGPASN = 64512 },
		bad:   func(e []config.Environment) { e[prod].VPN.CustomerGateways[0].BGPASN = 64512 },
		field: "VPN.CustomerGateways[0].BGPASN", value: "64512", want: "Amazon side's (64512)"},
	{name: "Amazon side ASN",
		good:  func(e []config.Environment) { e[prod].VPN.AmazonSideASN = 4200000000 },
		bad:   func(e []config.Environment) { e[prod].VPN.AmazonSideASN = 65535 },
		field: "VPN.AmazonSideASN", value: "65535", want: "64512–65534 or 4200000000–4294967294"},
	{name: "static routes need on-premises ranges",
		good:  func(e []config.Environment) { e[prod].VPN.OnPremisesCIDRs = nil }, // prod uses BGP
		bad:   func(e []config.Environment) { e[staging].VPN.OnPremisesCIDRs = nil },
		owner: `environment "staging"`, field: "VPN.OnPremisesCIDRs", value: "[]string(nil)", want: "StaticRoutesOnly"},

	// Retention and backup.
	{name: "log retention",
		good:  func(e []config.Environment) { e[prod].LogRetentionDays = 3653 },
		bad:   func(e []config.Environment) { e[prod].LogRetentionDays = 366 },
		field: "LogRetentionDays", value: "366", want: "1 3 5 7 14 30 60 90 120 150 180 365 400"},
	{name: "backup retention",
		good:  func(e []config.Environment) { e[dev].Backup.RetentionDays = 1 },
		bad:   func(e []config.Environment) { e[prod].Backup.RetentionDays = 0 },
		field: "Backup.RetentionDays", value: "0", want: "at least 1"},
	{name: "backup schedule",
		good:  func(e []config.Environment) { e[prod].Backup.Schedule = "cron(30 2 ? * SUN-FRI *)" },
		bad:   func(e []config.Environment) { e[prod].Backup.Schedule = "cron(0 3 * * ?)" },
		field: "Backup.Schedule", value: "cron(0 3 * * ?)", want: "6 fields, not 5"},

	// State backend.
	{name: "state bucket",
		good:  func(e []config.Environment) { e[prod].State.Bucket = "acme.stratum-prod-tfstate" },
		bad:   func(e []config.Environment) { e[prod].State.Bucket = "Stratum_Prod" },
		field: "State.Bucket", value: "Stratum_Prod", want: "S3 bucket name"},
	{name: "state bucket shared",
		bad:   func(e []config.Environment) { e[staging].State.Bucket = "stratum-prod-tfstate" },
		owner: `environment "staging"`, field: "State.Bucket", value: "stratum-prod-tfstate", want: `environment "prod" uses it`},
	{name: "lock table",
		good:  func(e []config.Environment) { e[prod].State.LockTable = "stratum.prod_lock-1" },
		bad:   func(e []config.Environment) { e[prod].State.LockTable = "tf" },
		field: "State.LockTable", value: "tf", want: "3–255 characters"},
	{name: "lock table shared in one account",
		good: func(e []config.Environment) {
			e[staging].State.LockTable = "stratum-prod-tflock" // staging's account is not pinned to prod's
		},
		bad: func(e []config.Environment) {
			e[staging].AccountID = "111111111111"
			e[staging].State.LockTable = "stratum-prod-tflock"
		},
		owner: `environment "staging"`, field: "State.LockTable", value: "stratum-prod-tflock", want: `environment "prod" uses it`},
	{name: "state versions kept",
		good:  func(e []config.Environment) { e[dev].State.NoncurrentVersionDays = 1 },
		bad:   func(e []config.Environment) { e[dev].State.NoncurrentVersionDays = 0 },
		owner: `environment "dev"`, field: "State.NoncurrentVersionDays", value: "0", want: "at least 1"},

	// Cluster.
	{name: "Kubernetes version",
		good:  func(e []config.Environment) { e[prod].Cluster.Version = "1.36" },
		bad:   func(e []config.Environment) { e[prod].Cluster.Version = "1.33" },
		field: "Cluster.Version", value: "1.33", want: "[1.34 1.35 1.36]"},
	{name: "public access CIDR",
		good:  func(e []config.Environment) { e[prod].Cluster.PublicAccessCIDRs = []string{"203.0.113.0/24"} },
		bad:   func(e []config.Environment) { e[prod].Cluster.PublicAccessCIDRs = []string{"0.0.0.0/0"} },
		field: "Cluster.PublicAccessCIDRs[0]", value: "0.0.0.0/0", want: "opens the cluster API to the internet"},
	{name: "public access CIDR is public",
		bad:   func(e []config.Environment) { e[prod].Cluster.PublicAccessCIDRs = []string{"10.0.0.0/8"} },
		field: "Cluster.PublicAccessCIDRs[0]", value: "10.0.0.0/8", want: "private (RFC 1918)"},
	{name: "admin role ARN",
		good: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/platform-admins"}
		},
		bad:   func(e []config.Environment) { e[prod].Cluster.AdminRoleARNs = []string{"platform-admins"} },
		field: "Cluster.AdminRoleARNs[0]", value: "platform-admins", want: "IAM role ARN"},
	{name: "admin roles' access entries",
		good: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Admin", "arn:aws:iam::111111111111:role/dev/dev-admin"}
		},
		bad: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Admin", "arn:aws:iam::222222222222:role/dev/admin"}
		},
		field: "Cluster.AdminRoleARNs[1]", value: "dev/admin", want: `"admin" is empty or Cluster.AdminRoleARNs[0]'s`},
	{name: "admin role named like the deployer's entry",
		good: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/deployers"}
		},
		bad: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/Deployer"}
		},
		field: "Cluster.AdminRoleARNs[0]", value: "role/Deployer", want: `"deployer" is empty or the deployer's`},
	{name: "admin role twice",
		bad: func(e []config.Environment) {
			e[prod].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/a"}
		},
		field: "Cluster.AdminRoleARNs[1]", value: "role/a", want: "each role once"},
	{name: "node group min above max",
		good: func(e []config.Environment) {
			e[prod].Cluster.SystemNodes.MinSize = 6
			e[prod].Cluster.SystemNodes.DesiredSize = 6
		},
		bad:   func(e []config.Environment) { e[prod].Cluster.SystemNodes.MinSize = 7 },
		field: "Cluster.SystemNodes.MinSize", value: "7", want: "at most MaxSize (6)"},
	{name: "node group desired outside min..max",
		good:  func(e []config.Environment) { e[prod].Cluster.SystemNodes.DesiredSize = 6 },
		bad:   func(e []config.Environment) { e[prod].Cluster.SystemNodes.DesiredSize = 2 },
		field: "Cluster.SystemNodes.DesiredSize", value: "2", want: "between MinSize (3) and MaxSize (6)"},
	{name: "node group max at least 1",
		good: func(e []config.Environment) {
			e[dev].Cluster.ClientNodes = config.NodeGroup{InstanceTypes: []string{"t3.large"}, MinSize: 0, DesiredSize: 0, MaxSize: 1, DiskSizeGiB: 20}
		},
		bad: func(e []config.Environment) {
			e[dev].Cluster.ClientNodes = config.NodeGroup{InstanceTypes: []string{"t3.large"}, DiskSizeGiB: 20}
		},
		owner: `environment "dev"`, field: "Cluster.ClientNodes.MaxSize", value: "0", want: "at least 1"},
	{name: "node instance type",
		good: func(e []config.Environment) {
			e[prod].Cluster.ClientNodes.InstanceTypes = []string{"m7i-flex.2xlarge", "c7gn.16xlarge", "u-6tb1.metal"}
		},
		bad:   func(e []config.Environment) { e[prod].Cluster.ClientNodes.InstanceTypes = []string{"m6i-xlarge"} },
		field: "Cluster.ClientNodes.InstanceTypes[0]", value: "m6i-xlarge", want: "<family>.<size>"},
	{name: "node instance type is not an RDS class",
		bad:   func(e []config.Environment) { e[prod].Cluster.ClientNodes.InstanceTypes = []string{"db.m6i.xlarge"} },
		field: "Cluster.ClientNodes.InstanceTypes[0]", value: "db.m6i.xlarge", want: "db. classes are for RDS"},
	{name: "node instance types present",
		bad:   func(e []config.Environment) { e[prod].Cluster.ClientNodes.InstanceTypes = nil },
		field: "Cluster.ClientNodes.InstanceTypes", value: "nil", want: "at least one"},
	{name: "node disk size",
		good:  func(e []config.Environment) { e[prod].Cluster.ClientNodes.DiskSizeGiB = 20 },
		bad:   func(e []config.Environment) { e[prod].Cluster.ClientNodes.DiskSizeGiB = 8 },
		field: "Cluster.ClientNodes.DiskSizeGiB", value: "8", want: "20–16384"},

	// Database.
	{name: "PostgreSQL version",
		good:  func(e []config.Environment) { e[prod].Database.EngineVersion = "18.1" },
		bad:   func(e []config.Environment) { e[prod].Database.EngineVersion = "13" },
		field: "Database.EngineVersion", value: "13", want: "[14 15 16 17 18]"},
	{name: "RDS instance class",
		good:  func(e []config.Environment) { e[prod].Database.InstanceClass = "db.m7g.2xlarge" },
		bad:   func(e []config.Environment) { e[prod].Database.InstanceClass = "r6g.large" },
		field: "Database.InstanceClass", value: "r6g.large", want: "db.<family>.<size>"},
	{name: "allocated storage",
		good: func(e []config.Environment) {
			e[dev].Database.AllocatedStorageGiB = 20
			e[dev].Database.MaxAllocatedStorageGiB = 0
		},
		bad:   func(e []config.Environment) { e[dev].Database.AllocatedStorageGiB = 10 },
		owner: `environment "dev"`, field: "Database.AllocatedStorageGiB", value: "10", want: "20–65536"},
	{name: "storage autoscaling ceiling",
		good:  func(e []config.Environment) { e[prod].Database.MaxAllocatedStorageGiB = 110 },
		bad:   func(e []config.Environment) { e[prod].Database.MaxAllocatedStorageGiB = 105 },
		field: "Database.MaxAllocatedStorageGiB", value: "105", want: "110–65536"},
	{name: "RDS backup retention",
		good:  func(e []config.Environment) { e[dev].Database.BackupRetentionDays = 35 },
		bad:   func(e []config.Environment) { e[dev].Database.BackupRetentionDays = 36 },
		owner: `environment "dev"`, field: "Database.BackupRetentionDays", value: "36", want: "1–35"},
	{name: "RDS backups stay on",
		good:  func(e []config.Environment) { e[dev].Database.BackupRetentionDays = 1 },
		bad:   func(e []config.Environment) { e[dev].Database.BackupRetentionDays = 0 },
		owner: `environment "dev"`, field: "Database.BackupRetentionDays", value: "0", want: "0 would turn them and point-in-time recovery off"},
	{name: "backup window format",
		good:  func(e []config.Environment) { e[prod].Database.BackupWindow = "22:00-23:30" },
		bad:   func(e []config.Environment) { e[prod].Database.BackupWindow = "3:00-4:00" },
		field: "Database.BackupWindow", value: "3:00-4:00", want: "hh24:mi-hh24:mi"},
	{name: "backup window length",
		good:  func(e []config.Environment) { e[prod].Database.BackupWindow = "23:45-00:15" },
		bad:   func(e []config.Environment) { e[prod].Database.BackupWindow = "03:00-03:29" },
		field: "Database.BackupWindow", value: "03:00-03:29", want: "at least 30 minutes"},
	{name: "maintenance window format",
		good:  func(e []config.Environment) { e[prod].Database.MaintenanceWindow = "sat:22:00-sun:00:30" },
		bad:   func(e []config.Environment) { e[prod].Database.MaintenanceWindow = "Sunday:05:00-Sunday:06:00" },
		field: "Database.MaintenanceWindow", value: "Sunday", want: "ddd:hh24:mi-ddd:hh24:mi"},
	{name: "maintenance window length",
		bad:   func(e []config.Environment) { e[prod].Database.MaintenanceWindow = "sun:05:00-sun:05:15" },
		field: "Database.MaintenanceWindow", value: "sun:05:00-sun:05:15", want: "at least 30 minutes"},
	{name: "windows overlap",
		good:  func(e []config.Environment) { e[prod].Database.MaintenanceWindow = "sun:02:00-sun:03:00" }, // touches
		bad:   func(e []config.Environment) { e[prod].Database.MaintenanceWindow = "wed:01:30-wed:02:30" },
		field: "Database.MaintenanceWindow", value: "wed:01:30-wed:02:30", want: `does not overlap the daily BackupWindow "01:00-02:00"`},
	{name: "windows overlap past midnight",
		good: func(e []config.Environment) {
			e[prod].Database.BackupWindow = "23:30-00:30"
			e[prod].Database.MaintenanceWindow = "mon:00:30-mon:01:30"
		},
		bad: func(e []config.Environment) {
			e[prod].Database.BackupWindow = "23:30-00:30"
			e[prod].Database.MaintenanceWindow = "mon:00:00-mon:01:00"
		},
		field: "Database.MaintenanceWindow", value: "mon:00:00-mon:01:00", want: "23:30-00:30"},
	{name: "windows overlap across the week boundary",
		good: func(e []config.Environment) {
			e[prod].Database.BackupWindow = "01:00-02:00"
			e[prod].Database.MaintenanceWindow = "sun:23:00-mon:01:00"
		},
		bad: func(e []config.Environment) {
			e[prod].Database.BackupWindow = "00:30-01:30"
			e[prod].Database.MaintenanceWindow = "sun:23:00-mon:01:00"
		},
		field: "Database.MaintenanceWindow", value: "sun:23:00-mon:01:00", want: "00:30-01:30"},

	// Domain.
	{name: "domain",
		good:  func(e []config.Environment) { e[prod].Domain = "stratum.example.co.uk" },
		bad:   func(e []config.Environment) { e[prod].Domain = "Prod.Example.com." },
		field: "Domain", value: "Prod.Example.com.", want: "DNS name"},
	{name: "domain shared",
		bad:   func(e []config.Environment) { e[dev].Domain = "staging.stratum.example.com" },
		owner: `environment "dev"`, field: "Domain", value: "staging.stratum.example.com", want: `environment "staging" uses it`},
}

// TestProductionProtections: every production environment, prod and a
// second one (prod-eu), gets every production protection; the same
// change in a non-production environment is accepted. The protections
// follow Production, not the name.
func TestProductionProtections(t *testing.T) {
	protections := []struct {
		name, field string
		remove      func(e *config.Environment)
	}{
		{"deletion protection", "DeletionProtection", func(e *config.Environment) { e.DeletionProtection = false }},
		{"account pin", "AccountID", func(e *config.Environment) { e.AccountID, e.State.CustomerManagedKey = "", false }},
		{"customer-managed state key", "State.CustomerManagedKey", func(e *config.Environment) { e.State.CustomerManagedKey = false }},
		{"NAT gateway per zone", "Network.NAT", func(e *config.Environment) { e.Network.NAT = config.NATSingle }},
		{"Multi-AZ database", "Database.MultiAZ", func(e *config.Environment) { e.Database.MultiAZ = false }},
		{"database prevent_destroy", "Database.PreventDestroy", func(e *config.Environment) { e.Database.PreventDestroy = false }},
		{"final snapshot", "Database.SkipFinalSnapshot", func(e *config.Environment) { e.Database.SkipFinalSnapshot = true }},
		{"backup retention", "Database.BackupRetentionDays", func(e *config.Environment) { e.Database.BackupRetentionDays = 7 }},
	}
	withSecond := func() []config.Environment {
		envs := config.Environments()
		return append(envs, configtest.SecondProduction(envs))
	}
	if err := config.Validate(withSecond()); err != nil {
		t.Fatalf("Validate(environments and prod-eu) = %v, want nil", err)
	}
	for _, p := range protections {
		for _, env := range []int{prod, len(withSecond()) - 1} {
			envs := withSecond()
			p.remove(&envs[env])
			owner := config.EnvironmentOwner(envs[env].Name)
			t.Run(envs[env].Name+"/"+p.name, func(t *testing.T) {
				for _, fe := range config.FieldErrors(config.Validate(envs)) {
					if fe.Owner == owner && fe.Field == p.field && strings.Contains(fe.Want, "production") {
						return
					}
				}
				t.Errorf("%s without %s: no problem on %s naming production", owner, p.name, p.field)
			})
		}
		t.Run("staging/"+p.name, func(t *testing.T) {
			envs := withSecond()
			p.remove(&envs[staging])
			for _, fe := range config.FieldErrors(config.Validate(envs)) {
				if strings.Contains(fe.Want, "production") {
					t.Errorf("staging is not production, but: %v", fe)
				}
			}
		})
	}
}

func TestEnvironmentsAreValid(t *testing.T) {
	if err := config.Validate(config.Environments()); err != nil {
		t.Errorf("config.Environments() does not validate:\n%v", err)
	}
}

// TestValidateReportsEverything: independent problems in different
// environments and fields are all reported by one call.
func TestValidateReportsEverything(t *testing.T) {
	envs := config.Environments()
	envs[prod].Region = "us-east"
	envs[dev].LogRetentionDays = 31
	envs[dev].Database.InstanceClass = "t4g.micro"
	problems := config.FieldErrors(config.Validate(envs))
	want := []string{
		prodOwner + ": Region:",
		`environment "dev": LogRetentionDays: 31`,
		`environment "dev": Database.InstanceClass: "t4g.micro"`,
	}
	if len(problems) != len(want) {
		t.Fatalf("Validate() = %d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		if got := problems[i].Error(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got, w)
		}
	}
}

func TestFieldErrorsFlattensNestedJoins(t *testing.T) {
	var a, b config.Problems
	a.Add("x", "A", 1, "one")
	b.Add("y", "B", 2, "two")
	b.Add("y", "C", 3, "three")
	got := config.FieldErrors(errors.Join(a.Err(), nil, b.Err()))
	if len(got) != 3 || got[0].Field != "A" || got[2].Field != "C" {
		t.Errorf("FieldErrors() = %v, want A, B, C", got)
	}
	if got := config.FieldErrors(nil); got != nil {
		t.Errorf("FieldErrors(nil) = %v, want nil", got)
	}
}

// FuzzValidate builds environments from fuzzed values: Validate must never
// panic, and every problem must name its owner, field and what is allowed.
func FuzzValidate(f *testing.F) {
	f.Add("prod", "us-east-1", "10.10.0.0/16", "us-east-1a", "203.0.113.10", "172.16.0.0/16",
		"03:00-04:00", "sun:05:00-sun:06:00", "17", "db.r6g.large", "m6i.large", "1.35", "cron(0 3 * * ? *)",
		"stratum-prod-tfstate", "prod.example.com", "arn:aws:iam::111111111111:role/x",
		65010, 64512, 365, 3, 3, 6, 14, 100, 1000)
	f.Add("", "", "::/0", "", "::1", "0.0.0.0/0", "23:59-00:00", "sun:23:59-mon:00:00", "99.99", "db..", ".", "1.", "cron()",
		"..", ".", "arn:aws:iam::1:role/",
		-1, -1, -1, -1, -1, -1, -1, -1, -1)
	f.Add("dev", "cn-north-1", "4.0.0.0/0", "cn-north-1", "255.255.255.255", "10.0.0.0/8", "00:00-23:59", "mon:00:00-sun:23:59", "17.x",
		"db.t4g.micro", "t3.nano", "1.36", "cron(0 3 L * ? 1970-2199)", "xn--x", "a.b", "arn:aws-cn:iam::111111111111:role/a/b/c",
		4294967294, 4294967295, 3653, 0, 0, 0, 0, 65536, 72090)
	f.Fuzz(func(t *testing.T, name, region, cidr, az, ip, onPrem, backup, maintenance, pg, class, nodeType, k8s, schedule, bucket, domain, role string,
		asn, amazonASN, retention, minSize, desired, maxSize, dbRetention, allocated, maxAllocated int) {
		envs := config.Environments()
		e := &envs[prod]
		e.Name, e.Region, e.AssumeRoleARN, e.Domain = name, region, role, domain
		e.Network.CIDR = cidr
		e.Network.AvailabilityZones = []string{az, region + "b", az}
		e.VPN.AmazonSideASN = amazonASN
		e.VPN.CustomerGateways[0].IPAddress, e.VPN.CustomerGateways[0].BGPASN = ip, asn
		e.VPN.OnPremisesCIDRs = []string{onPrem, cidr}
		e.LogRetentionDays, e.Backup.RetentionDays, e.Backup.Schedule = retention, retention, schedule
		e.State.Bucket, e.State.LockTable = bucket, bucket
		e.Cluster.Version = k8s
		e.Cluster.PublicAccessCIDRs = []string{onPrem}
		e.Cluster.AdminRoleARNs = []string{role}
		e.Cluster.SystemNodes = config.NodeGroup{InstanceTypes: []string{nodeType}, MinSize: minSize, DesiredSize: desired, MaxSize: maxSize, DiskSizeGiB: allocated}
		e.Database = config.Database{EngineVersion: pg, InstanceClass: class, AllocatedStorageGiB: allocated, MaxAllocatedStorageGiB: maxAllocated,
			BackupRetentionDays: dbRetention, BackupWindow: backup, MaintenanceWindow: maintenance}
		envs[dev].Network.CIDR = onPrem

		err := config.Validate(envs)
		problems := config.FieldErrors(err)
		if (err == nil) != (len(problems) == 0) {
			t.Fatalf("Validate() = %v but FieldErrors() = %v", err, problems)
		}
		for _, p := range problems {
			if p.Owner == "" || p.Field == "" || p.Want == "" {
				t.Errorf("problem without owner, field or allowed values: %#v", p)
			}
		}
	})
}
