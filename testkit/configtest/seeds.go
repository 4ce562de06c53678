package configtest

import "stratum/config"

// EnvironmentSeed is one input of config's fuzzer: values that replace
// prod's, so that a seed equal to prod's values is a valid configuration
// and the fuzzer explores around it.
type EnvironmentSeed struct {
	Name, Region, CIDR string
	// Zone is the first availability zone; the others are the region's b
	// and c.
	Zone string
	// GatewayIP and ASN are the first customer gateway's.
	GatewayIP      string
	OnPremisesCIDR string
	// PublicAccessCIDR opens dev's cluster's public endpoint (production
	// clusters may not have one); "" keeps it private.
	PublicAccessCIDR                string
	BackupWindow, MaintenanceWindow string
	EngineVersion, InstanceClass    string
	// NodeType, MinSize, DesiredSize, MaxSize and DiskSize are the system
	// node group's.
	NodeType, KubernetesVersion, Schedule string
	// Bucket names the state bucket and the lock table.
	Bucket, Domain string
	// Role, when set, is assumed by the providers and made a cluster
	// admin (CI is then off: the layers' roles assume no role).
	Role                                       string
	ASN, AmazonASN, Retention                  int
	MinSize, DesiredSize, MaxSize              int
	DatabaseRetention, Allocated, MaxAllocated int
	DiskSize                                   int
}

// Environments are config.Environments() with prod changed by the seed.
func (s EnvironmentSeed) Environments() []config.Environment {
	envs := config.Environments()
	e := &envs[Prod]
	e.Name, e.Region, e.Domain = s.Name, s.Region, s.Domain
	e.Network.CIDR = s.CIDR
	e.Network.AvailabilityZones = []string{s.Zone, s.Region + "b", s.Region + "c"}
	e.VPN.AmazonSideASN = s.AmazonASN
	e.VPN.CustomerGateways[0].IPAddress, e.VPN.CustomerGateways[0].BGPASN = s.GatewayIP, s.ASN
	e.VPN.OnPremisesCIDRs = []string{s.OnPremisesCIDR}
	e.LogRetentionDays, e.Backup.Schedule = s.Retention, s.Schedule
	e.State.Bucket, e.State.LockTable = s.Bucket, s.Bucket
	e.Cluster.Version = s.KubernetesVersion
	envs[Dev].Cluster.PublicAccessCIDRs = nil
	if s.PublicAccessCIDR != "" {
		envs[Dev].Cluster.PublicAccessCIDRs = []string{s.PublicAccessCIDR}
	}
	e.AssumeRoleARN, e.Cluster.AdminRoleARNs = s.Role, nil
	if s.Role != "" {
		// One role deploying every layer replaces the layers' CI roles.
		e.CI = config.CI{}
		e.Cluster.AdminRoleARNs = []string{s.Role}
	}
	e.Cluster.SystemNodes = config.NodeGroup{InstanceTypes: []string{s.NodeType}, MinSize: s.MinSize, DesiredSize: s.DesiredSize, MaxSize: s.MaxSize, DiskSizeGiB: s.DiskSize}
	d := &e.Database
	d.EngineVersion, d.InstanceClass = s.EngineVersion, s.InstanceClass
	d.AllocatedStorageGiB, d.MaxAllocatedStorageGiB, d.BackupRetentionDays = s.Allocated, s.MaxAllocated, s.DatabaseRetention
	d.BackupWindow, d.MaintenanceWindow = s.BackupWindow, s.MaintenanceWindow
	return envs
}

// AcceptedEnvironmentSeeds is how many of EnvironmentSeeds, the first
// ones, config.Validate accepts.
const AcceptedEnvironmentSeeds = 2

// EnvironmentSeeds are the fuzzer's seeds: prod as it is, a valid prod at
// the edges of what is allowed, and refused ones.
var EnvironmentSeeds = []EnvironmentSeed{
	{
		Name: "prod", Region: "us-east-1", CIDR: "10.10.0.0/16", Zone: "us-east-1a", GatewayIP: "203.0.113.10", OnPremisesCIDR: "172.16.0.0/16",
		BackupWindow: "01:00-02:00", MaintenanceWindow: "sun:05:00-sun:06:00", EngineVersion: "17", InstanceClass: "db.r6g.large",
		NodeType: "m6i.large", KubernetesVersion: "1.35", Schedule: "cron(0 3 * * ? *)", Bucket: "stratum-prod-tfstate", Domain: "prod.stratum.example.com",
		ASN: 65010, AmazonASN: 64512, Retention: 365, MinSize: 3, DesiredSize: 3, MaxSize: 6, DatabaseRetention: 14, Allocated: 100, MaxAllocated: 1000, DiskSize: 50,
	},
	{
		// The edges: the smallest VPC, wrapping windows, the largest RDS
		// class Stratum knows, no storage autoscaling at the largest size, an
		// empty system node group, the largest disk, a public endpoint (dev's)
		// and an assumed role.
		Name: "prod", Region: "us-east-1", CIDR: "10.10.0.0/18", Zone: "us-east-1a", GatewayIP: "41.66.0.10", OnPremisesCIDR: "192.168.0.0/16",
		PublicAccessCIDR: "203.0.113.0/24", BackupWindow: "23:30-00:30", MaintenanceWindow: "mon:00:30-mon:01:30", EngineVersion: "18.1",
		InstanceClass: "db.r8g.48xlarge", NodeType: "m7i-flex.2xlarge", KubernetesVersion: "1.36", Schedule: "cron(30 2 ? * SUN-FRI *)",
		Bucket: "acme.stratum-prod-tfstate", Domain: "stratum.example.co.uk", Role: "arn:aws:iam::111111111111:role/ci/stratum-deploy",
		ASN: 2147483647, AmazonASN: 4200000000, Retention: 3653, MinSize: 0, DesiredSize: 0, MaxSize: 1, DatabaseRetention: 35,
		Allocated: 65536, MaxAllocated: 0, DiskSize: 16384,
	},
	{
		Name: "", Region: "", CIDR: "::/0", Zone: "", GatewayIP: "::1", OnPremisesCIDR: "0.0.0.0/0", PublicAccessCIDR: "0.0.0.0/0",
		BackupWindow: "23:59-00:00", MaintenanceWindow: "sun:23:59-mon:00:00", EngineVersion: "99.99", InstanceClass: "db..", NodeType: ".",
		KubernetesVersion: "1.", Schedule: "cron()", Bucket: "..", Domain: ".", Role: "arn:aws:iam::1:role/",
		ASN: -1, AmazonASN: -1, Retention: -1, MinSize: -1, DesiredSize: -1, MaxSize: -1, DatabaseRetention: -1, Allocated: -1, MaxAllocated: -1, DiskSize: -1,
	},
	{
		Name: "dev", Region: "cn-north-1", CIDR: "4.0.0.0/0", Zone: "cn-north-1", GatewayIP: "255.255.255.255", OnPremisesCIDR: "10.0.0.0/8",
		PublicAccessCIDR: "10.0.0.0/8", BackupWindow: "00:00-23:59", MaintenanceWindow: "mon:00:00-sun:23:59", EngineVersion: "17.x",
		InstanceClass: "db.t4g.micro", NodeType: "t3.nano", KubernetesVersion: "1.36", Schedule: "cron(0 3 L * ? 1970-2199)", Bucket: "xn--x",
		Domain: "a.b", Role: "arn:aws-cn:iam::111111111111:role/a/b/c",
		ASN: 4294967294, AmazonASN: 4294967295, Retention: 3653, MinSize: 0, DesiredSize: 0, MaxSize: 0, DatabaseRetention: 0, Allocated: 65536, MaxAllocated: 72090, DiskSize: 19,
	},
}
