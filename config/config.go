// Package config holds Stratum's environments. Environments differ by data,
// not code: every difference between prod, staging and dev lives in the
// values returned by Environments.
package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// NATPolicy says how many NAT gateways an environment runs.
type NATPolicy string

const (
	// NATPerAZ runs one NAT gateway in each availability zone, so losing one
	// zone does not cut the others off the internet.
	NATPerAZ NATPolicy = "per-az"
	// NATSingle runs one NAT gateway shared by every zone: cheaper, one
	// zone's failure takes egress down for all.
	NATSingle NATPolicy = "single"
)

// Environment is one deployment of the whole platform (prod, staging, dev).
type Environment struct {
	// Name identifies the environment in every stack and resource name: a
	// DNS label of at most MaxEnvironmentNameLength characters.
	Name string
	// Production marks an environment that serves real clients. Validate
	// refuses a production environment without every production
	// protection (see checkProduction): deletion protection, a
	// break-glass cluster-admin role, a customer-managed state key, a NAT gateway per zone,
	// Multi-AZ databases that a plan cannot destroy and that keep a final
	// snapshot, and at least ProductionMinBackupRetentionDays of backups.
	// The environment named prod must set it. Default: false.
	Production bool
	// Region is the AWS region every stack of the environment deploys to.
	Region string
	// AccountID pins the AWS provider of every stack to the environment's
	// account (allowed_account_ids), so credentials for another account
	// fail before anything is read or changed. Required in every
	// environment; it also names the deploy and CI roles' ARNs.
	AccountID string
	// AssumeRoleARN, when set, is assumed by the AWS provider of every
	// stack, and is the environment's deploy role (DeployRoleARN).
	// Default: "" (use the caller's credentials as they are; the CI apply
	// role is then the deploy role, and CI must be configured).
	AssumeRoleARN string

	Network Network
	VPN     VPN
	// LogRetentionDays is how long CloudWatch keeps flow logs, EKS control
	// plane logs and other platform logs. Must be a value CloudWatch accepts.
	LogRetentionDays int
	Backup           Backup
	// DeletionProtection turns on deletion protection where a resource has
	// it (databases, the backup vault's lock and prevent_destroy) and keeps
	// released volumes. Required in production.
	DeletionProtection bool
	State              State
	Cluster            Cluster
	Database           Database
	// Domain is the environment's Route53 hosted zone (e.g. dev.example.com).
	Domain string
	// CI is how pipelines reach the environment by OIDC (see CI).
	// Default: no CI identity provider or roles.
	CI CI
	// Alerts is who is told when the environment needs a person, the
	// alarms' thresholds and the monthly budgets (see Alerts).
	Alerts Alerts
	// Audit is the record of who did what and the detection of threats
	// in the environment's account: audit-<env> (see Audit).
	Audit Audit
}

// Network is the environment's VPC layout.
type Network struct {
	// CIDR is the VPC range, a /16 to /18. Subnets are carved from it by
	// Subnets; it must not overlap another environment or on-premises ranges.
	CIDR string
	// AvailabilityZones lists the 2 or 3 zones the VPC spans.
	AvailabilityZones []string
	// NAT is the NAT gateway policy.
	NAT NATPolicy
}

// VPN is the site-to-site connectivity to on-premises networks.
type VPN struct {
	// Enabled creates the VPN gateway, both customer gateways and both
	// connections. Default: false (no VPN resources).
	Enabled bool
	// AmazonSideASN is the virtual private gateway's BGP ASN.
	// Default: awsrules.DefaultAmazonSideASN (64512) when 0.
	AmazonSideASN int
	// CustomerGateways are the two on-premises routers; each gets its own
	// VPN connection (two tunnels each), so either site can fail.
	CustomerGateways []CustomerGateway
	// StaticRoutesOnly uses static routes to OnPremisesCIDRs instead of BGP.
	// Default: false (BGP).
	StaticRoutesOnly bool
	// OnPremisesCIDRs are the networks behind the customer gateways. They
	// are routed over the VPN and may not overlap any VPC.
	OnPremisesCIDRs []string
	// Tunnels are the IKE and IPsec options of all four tunnels.
	// Default: IKEv2, AES-256 (GCM first), SHA-2, DH groups 19–21 (see
	// VPNTunnels); tunnel logs always go to an encrypted log group kept
	// LogRetentionDays.
	Tunnels VPNTunnels
}

// CustomerGateway is one on-premises VPN endpoint.
type CustomerGateway struct {
	// Name identifies the gateway in resource names (a DNS label).
	Name string
	// IPAddress is the router's public IPv4 address.
	IPAddress string
	// BGPASN is the router's ASN: 1–2147483647 except those AWS reserves (see IsCustomerASN).
	BGPASN int
}

// Backup is the environment's AWS Backup policy.
type Backup struct {
	// RetentionDays is how long daily recovery points are kept.
	RetentionDays int
	// Schedule is the daily backup rule as an AWS cron expression.
	Schedule string
	// CopyRegion, when set, copies every recovery point to the vault
	// <prefix>-copies in that region (another region of the same partition),
	// encrypted with a key of its own there: a region's loss does not take
	// the backups with it. Required in production. Default: "" (no copies).
	CopyRegion string
	// CopyRetentionDays is how long the copies are kept.
	// Default: 0, meaning RetentionDays.
	CopyRetentionDays int
	// ComplianceLockDays, when above 0, locks the vaults (with
	// DeletionProtection) in compliance mode: for this many days (at
	// least MinComplianceLockDays, AWS Backup's cooling-off period) the
	// lock can still be changed or removed; from then on nobody — no
	// deploy role, no administrator, not the account's root user, not AWS
	// support — can remove it, shorten the retention, or delete a
	// recovery point before its retention ends, and the vault cannot be
	// deleted while it holds one. Irreversible: see docs/data-protection.md
	// before setting it. Required in production. Default: 0 (governance
	// mode: a principal allowed backup:DeleteBackupVaultLockConfiguration
	// may remove the lock; every Stratum deploy role is denied it).
	ComplianceLockDays int
}

// MinComplianceLockDays is the shortest grace time AWS Backup accepts
// before a compliance-mode lock becomes immutable (changeable_for_days).
const MinComplianceLockDays = 3

// CopyRetention is how long copies are kept, the default applied.
func (b Backup) CopyRetention() int {
	if b.CopyRetentionDays == 0 {
		return b.RetentionDays
	}
	return b.CopyRetentionDays
}

// State is where the environment's Terraform state lives. The bootstrap
// stack creates these; every other stack uses them as its S3 backend.
type State struct {
	// Bucket is the S3 bucket holding every state file of the environment.
	Bucket string
	// LockTable is the DynamoDB table used for state locking.
	LockTable string
	// NoncurrentVersionDays is how long old state versions are kept.
	NoncurrentVersionDays int
	// AccessLogBucket receives the S3 server access logs of the state
	// bucket and of every client bucket of the environment, kept
	// LogRetentionDays. The bootstrap stack creates it (SSE-S3: S3 cannot
	// deliver these logs to an SSE-KMS bucket). Required.
	AccessLogBucket string
	// CustomerManagedKey encrypts the state with a KMS key the bootstrap
	// stack creates (rotation on) instead of the AWS managed aws/s3 key.
	// It needs AccountID so the backend can name the key's alias ARN.
	// Default: false.
	CustomerManagedKey bool
}

// Cluster sizes and configures the environment's EKS cluster.
type Cluster struct {
	// Version is the Kubernetes minor version, e.g. "1.35": one of
	// awsrules.KubernetesSupport. Keep it in EKS standard support: the
	// cluster's upgrade policy is STANDARD, so EKS upgrades it by itself
	// when that support ends; the scheduled `stratum support` check warns
	// before it does.
	Version string
	// PublicAccessCIDRs, when non-empty, opens the public API endpoint to
	// these ranges only (never 0.0.0.0/0), besides the private one: the
	// supported way to reach a cluster of an environment without a VPN
	// (docs/dev-access.md). Refused in production environments, whose API
	// stays private. Default: empty (private endpoint only, reachable from
	// the VPC and, with the VPN, from on-premises).
	PublicAccessCIDRs []string
	// AdminRoleARNs get cluster-admin (AmazonEKSClusterAdminPolicy) through
	// EKS access entries, besides the deploy role (DeployRoleARN) and the
	// break-glass role. Cluster-admin is this configured set and nothing
	// else: whoever applies platform-<env> gets no access entry for it.
	// Default: empty.
	AdminRoleARNs []string
	// BreakGlassRoleARN is the emergency cluster-admin role, for when the
	// deploy role or its pipeline is unavailable. Stratum gives it an
	// access entry and lets it write the environment's SSM contract; the
	// role itself, with its MFA-only trust, is created and held outside
	// Stratum (docs/cluster-access.md says how to guard it). Required in
	// production. Default: "" (no break-glass role).
	BreakGlassRoleARN string
	// SystemNodes is the node group running cluster-critical add-ons.
	SystemNodes NodeGroup
	// ClientNodes is the default size of each client's node group; a
	// client may override it per environment.
	ClientNodes NodeGroup
	// ClientLoadBalancers is how many Services of type LoadBalancer (each
	// a Network Load Balancer) a client's namespace may hold
	// (services.loadbalancers of its quota); a client may override it per
	// environment (Quota.LoadBalancers). 0 allows none. Ingresses are not
	// counted: their load balancers are per IngressGroup.
	ClientLoadBalancers int
}

// NodeGroup sizes a managed node group.
type NodeGroup struct {
	InstanceTypes []string
	// MinSize and MaxSize bound the Cluster Autoscaler (MinSize may be 0:
	// the group's labels and taints are tagged on its Auto Scaling group,
	// so it scales up from zero).
	MinSize int
	// DesiredSize is the size the group is created with; afterwards the
	// Cluster Autoscaler owns it and Terraform ignores changes to it
	// (docs/autoscaling.md).
	DesiredSize int
	MaxSize     int
	// DiskSizeGiB is the encrypted gp3 root volume size.
	DiskSizeGiB int
}

// Database is the environment's default PostgreSQL sizing and protection;
// a client may override the sizes per environment. ValidateDatabase says
// what is allowed.
type Database struct {
	// EngineVersion is the PostgreSQL version: a major version such as
	// "17", with which RDS picks the current minor version and upgrades
	// minor versions automatically in the maintenance window, or an exact
	// version such as "17.4". The parameter group family (postgres17)
	// follows the major version. A major upgrade is a deliberate change:
	// RDS refuses it until allow_major_version_upgrade is set.
	EngineVersion string
	// InstanceClass is an RDS class such as db.t4g.medium.
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 size; storage autoscaling may
	// grow it up to MaxAllocatedStorageGiB.
	AllocatedStorageGiB    int
	MaxAllocatedStorageGiB int
	// BackupRetentionDays is RDS automated backup retention and the
	// point-in-time recovery horizon: 1–35 days, at least
	// ProductionMinBackupRetentionDays in production.
	BackupRetentionDays int
	// BackupWindow and MaintenanceWindow are UTC "hh:mm-hh:mm" and
	// "ddd:hh:mm-ddd:hh:mm"; they must not overlap.
	BackupWindow      string
	MaintenanceWindow string
	// MultiAZ runs a synchronous standby in another zone.
	MultiAZ bool
	// PreventDestroy makes Terraform refuse, at plan time, any plan that
	// would destroy or replace a database instance or its KMS keys
	// (lifecycle prevent_destroy). Deletion protection (DeletionProtection)
	// guards against an API delete; this guards against a plan that would
	// attempt one. Default: false.
	PreventDestroy bool
	// SkipFinalSnapshot deletes an instance without a final snapshot and
	// with its automated backups. Default: false (a final snapshot named
	// <instance>-final is taken and automated backups are kept until they
	// expire).
	SkipFinalSnapshot bool
}

// Get returns the environment with the given name.
func Get(envs []Environment, name string) (Environment, error) {
	for _, e := range envs {
		if e.Name == name {
			return e, nil
		}
	}
	names := make([]string, len(envs))
	for i, e := range envs {
		names[i] = e.Name
	}
	return Environment{}, fmt.Errorf("unknown environment %q: want one of %s", name, strings.Join(names, ", "))
}

// Subnets is the environment's subnet plan, one CIDR per availability zone
// for each tier.
type Subnets struct {
	Public, Private, Database []netip.Prefix
}

// SubnetPlan carves the VPC CIDR into tiers: private subnets take /4 blocks
// 1..n (the large ones, for pods), public subnets /8 blocks 0..n-1 and
// database subnets /8 blocks 8..8+n-1, both inside the first /4 block.
func (n Network) SubnetPlan() (Subnets, error) {
	vpc, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return Subnets{}, err
	}
	var s Subnets
	for i := range n.AvailabilityZones {
		pub, err := Subnet(vpc, 8, i)
		if err != nil {
			return Subnets{}, err
		}
		priv, err := Subnet(vpc, 4, i+1)
		if err != nil {
			return Subnets{}, err
		}
		db, err := Subnet(vpc, 8, i+8)
		if err != nil {
			return Subnets{}, err
		}
		s.Public = append(s.Public, pub)
		s.Private = append(s.Private, priv)
		s.Database = append(s.Database, db)
	}
	return s, nil
}

// Subnet works like Terraform's cidrsubnet for IPv4: the index-th block of
// prefix extended by newbits bits.
func Subnet(prefix netip.Prefix, newbits, index int) (netip.Prefix, error) {
	if !prefix.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%s is not IPv4", prefix)
	}
	bits := prefix.Bits() + newbits
	if bits > 32 {
		return netip.Prefix{}, fmt.Errorf("%s has no room for %d more bits", prefix, newbits)
	}
	if index < 0 || index >= 1<<newbits {
		return netip.Prefix{}, fmt.Errorf("%s split by %d bits has no block %d", prefix, newbits, index)
	}
	base := prefix.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v |= uint32(index) << (32 - bits)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits), nil
}
