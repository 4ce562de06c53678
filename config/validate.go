package config

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"stratum/awsrules"
)

// MaxEnvironmentNameLength bounds environment names so that every name
// derived from one (stack, cluster, IAM role, bucket, RDS identifier)
// stays within its AWS limit; clients.MaxNameLength relies on it.
const MaxEnvironmentNameLength = 10

// FieldError is one problem in the configuration: who (an environment or a
// client), which field, the bad value and what is allowed.
type FieldError struct {
	Owner string // e.g. `environment "prod"` or `client "ezra"`
	Field string
	Value any
	Want  string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %#v is invalid: %s", e.Owner, e.Field, e.Value, e.Want)
}

// Problems collects FieldErrors.
type Problems struct{ errs []error }

// Add records a problem.
func (p *Problems) Add(owner, field string, value any, want string) {
	p.errs = append(p.errs, &FieldError{Owner: owner, Field: field, Value: value, Want: want})
}

// Err returns every recorded problem joined, or nil.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// FieldErrors flattens the (possibly nested) joined errors returned by
// Validate functions into their FieldErrors, in order. Other errors are
// skipped.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *FieldError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		}
	}
	walk(err)
	return out
}

// EnvironmentOwner names an environment in a FieldError.
func EnvironmentOwner(name string) string { return fmt.Sprintf("environment %q", name) }

// EntryOwner names the i-th entry (0-based) of a list in a FieldError when
// its name cannot stand alone (it is invalid, or another entry has it
// too): kind and name, and its place counted as a person counts, e.g.
// `client "Ezra_Ltd" (the 2nd in the list)`.
func EntryOwner(kind string, i int, name string) string {
	return fmt.Sprintf("%s %q (the %s in the list)", kind, name, Ordinal(i+1))
}

// Ordinal is n as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st.
func Ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// Validate checks every environment and returns all problems at once, so a
// typo in environments.go never reaches Terraform or AWS.
func Validate(envs []Environment) error {
	var p Problems
	seen := map[string]int{}
	for i, e := range envs {
		owner := EnvironmentOwner(e.Name)
		first, twice := seen[e.Name]
		switch {
		case !awsrules.IsDNSLabel(e.Name, MaxEnvironmentNameLength) || strings.Contains(e.Name, "--"):
			// The name is part of every stack and AWS name, RDS
			// identifiers among them, which refuse "--".
			p.Add(EntryOwner("environment", i, e.Name), "Name", e.Name, fmt.Sprintf(
				"a DNS label of at most %d characters without \"--\", such as prod or staging: it is part of every stack and resource name", MaxEnvironmentNameLength))
		case twice:
			p.Add(EntryOwner("environment", i, e.Name), "Name", e.Name, fmt.Sprintf("each environment once (the %s is also %q)", Ordinal(first+1), e.Name))
		default:
			seen[e.Name] = i
		}
		for _, check := range environmentRules {
			check(&p, owner, e)
		}
	}
	for _, check := range crossEnvironmentRules {
		check(&p, envs)
	}
	return p.Err()
}

// environmentRules check one environment each; they record every problem
// they find and never stop at the first.
var environmentRules = []func(p *Problems, owner string, e Environment){
	checkRegion,
	checkAccount,
	checkAssumeRole,
	checkNetwork,
	checkAvailabilityZones,
	checkVPN,
	checkLogRetention,
	checkBackup,
	checkState,
	checkCluster,
	checkDatabase,
	checkDomain,
	checkCI,
	checkAlerts,
	checkAudit,
	checkProduction,
}

// crossEnvironmentRules check what environments must not share.
var crossEnvironmentRules = []func(p *Problems, envs []Environment){
	checkNetworkOverlaps,
	checkUniqueStateBackends,
	checkUniqueDomains,
	checkCIProviders,
	checkCostAllocationTags,
	checkAuditAccountServices,
}

func checkRegion(p *Problems, owner string, e Environment) {
	if !awsrules.IsRegion(e.Region) {
		p.Add(owner, "Region", e.Region, "an AWS region code such as us-east-1")
	}
}

// checkAccount: every environment pins its account, so that credentials
// of the wrong account (a stale profile) fail before any read or change,
// and so that the deploy, break-glass and CI roles have known ARNs.
func checkAccount(p *Problems, owner string, e Environment) {
	if !awsrules.IsAccountID(e.AccountID) {
		p.Add(owner, "AccountID", e.AccountID,
			"the environment's 12-digit AWS account ID: every environment pins its account (allowed_account_ids)")
	}
}

func checkAssumeRole(p *Problems, owner string, e Environment) {
	if e.AssumeRoleARN == "" {
		return
	}
	partition, account, ok := awsrules.ParseIAMRoleARN(e.AssumeRoleARN)
	if !ok {
		p.Add(owner, "AssumeRoleARN", e.AssumeRoleARN,
			"an IAM role ARN such as arn:aws:iam::123456789012:role/stratum-deploy, or empty")
		return
	}
	if awsrules.IsRegion(e.Region) && partition != awsrules.Partition(e.Region) {
		p.Add(owner, "AssumeRoleARN", e.AssumeRoleARN,
			fmt.Sprintf("a role in partition %s, the partition of region %s", awsrules.Partition(e.Region), e.Region))
	}
	if awsrules.IsAccountID(e.AccountID) && account != e.AccountID {
		p.Add(owner, "AssumeRoleARN", e.AssumeRoleARN,
			fmt.Sprintf("a role in account %s (AccountID): the provider refuses credentials of any other account", e.AccountID))
	}
}

func checkNetwork(p *Problems, owner string, e Environment) {
	n := e.Network
	if n.NAT != NATPerAZ && n.NAT != NATSingle {
		p.Add(owner, "Network.NAT", string(n.NAT), fmt.Sprintf("one of %q, %q", NATPerAZ, NATSingle))
	}
	vpc, problem := awsrules.ParseIPv4Prefix(n.CIDR)
	switch {
	case problem != "":
		p.Add(owner, "Network.CIDR", n.CIDR, problem)
	case vpc.Bits() < 16 || vpc.Bits() > 18:
		p.Add(owner, "Network.CIDR", n.CIDR,
			"a /16 to /18: the subnet plan gives private subnets a sixteenth of the VPC each and public and database subnets a 256th")
	case !awsrules.IsPrivateRange(vpc):
		p.Add(owner, "Network.CIDR", n.CIDR, "a range inside "+awsrules.PrivateRangesText)
	case len(n.AvailabilityZones) >= 2 && len(n.AvailabilityZones) <= 3:
		// The plan cannot fail for a /16–/18 and 2–3 zones today; this
		// keeps it honest if the plan or the limits change.
		if _, err := n.SubnetPlan(); err != nil {
			p.Add(owner, "Network.CIDR", n.CIDR, "a range the subnet plan fits in: "+err.Error())
		}
	}
}

func checkAvailabilityZones(p *Problems, owner string, e Environment) {
	azs := e.Network.AvailabilityZones
	if len(azs) < 2 || len(azs) > 3 {
		p.Add(owner, "Network.AvailabilityZones", azs, "2 or 3 availability zones")
	}
	seen := map[string]bool{}
	for i, az := range azs {
		field := fmt.Sprintf("Network.AvailabilityZones[%d]", i)
		if awsrules.IsRegion(e.Region) && !awsrules.IsZoneOf(az, e.Region) {
			p.Add(owner, field, az, fmt.Sprintf("a zone of region %s such as %sa", e.Region, e.Region))
		}
		if seen[az] {
			p.Add(owner, field, az, "each zone once")
		}
		seen[az] = true
	}
}

func checkVPN(p *Problems, owner string, e Environment) {
	v := e.VPN
	var onPrem []netip.Prefix
	for i, c := range v.OnPremisesCIDRs {
		field := fmt.Sprintf("VPN.OnPremisesCIDRs[%d]", i)
		prefix, problem := awsrules.ParseIPv4Prefix(c)
		if problem != "" {
			p.Add(owner, field, c, problem)
			continue
		}
		for j, other := range onPrem {
			if other.Overlaps(prefix) {
				p.Add(owner, field, c, fmt.Sprintf("a range that does not overlap VPN.OnPremisesCIDRs[%d] (%s)", j, other))
			}
		}
		onPrem = append(onPrem, prefix)
	}
	if !v.Enabled {
		return
	}
	checkVPNTunnels(p, owner, v)
	if v.StaticRoutesOnly && len(v.OnPremisesCIDRs) == 0 {
		p.Add(owner, "VPN.OnPremisesCIDRs", v.OnPremisesCIDRs,
			"at least one range: with StaticRoutesOnly they are the only routes to on-premises")
	}
	amazonASN := v.AmazonSideASN
	if amazonASN == 0 {
		amazonASN = awsrules.DefaultAmazonSideASN
	}
	if !awsrules.IsAmazonSideASN(v.AmazonSideASN) && v.AmazonSideASN != 0 {
		p.Add(owner, "VPN.AmazonSideASN", v.AmazonSideASN,
			fmt.Sprintf("0 (meaning %d), %s", awsrules.DefaultAmazonSideASN, awsrules.AmazonSideASNsText))
	}
	if len(v.CustomerGateways) != 2 {
		p.Add(owner, "VPN.CustomerGateways", len(v.CustomerGateways),
			"exactly 2 customer gateways: one VPN connection each, so either site can fail")
	}
	names, addrs := map[string]bool{}, map[string]bool{}
	for i, cg := range v.CustomerGateways {
		field := fmt.Sprintf("VPN.CustomerGateways[%d]", i)
		if !awsrules.IsDNSLabel(cg.Name, 32) {
			p.Add(owner, field+".Name", cg.Name, "a DNS label of at most 32 characters")
		} else if names[cg.Name] {
			p.Add(owner, field+".Name", cg.Name, "a name no other customer gateway uses")
		}
		names[cg.Name] = true
		if problem := awsrules.PublicIPv4Problem(cg.IPAddress); problem != "" {
			p.Add(owner, field+".IPAddress", cg.IPAddress, problem)
		} else if addrs[cg.IPAddress] {
			p.Add(owner, field+".IPAddress", cg.IPAddress, "an address no other customer gateway uses: two gateways on one router are no redundancy")
		}
		addrs[cg.IPAddress] = true
		switch {
		case !awsrules.IsCustomerASN(cg.BGPASN):
			p.Add(owner, field+".BGPASN", cg.BGPASN,
				fmt.Sprintf("1–2147483647, except %v which AWS reserves", awsrules.ReservedCustomerASNs))
		case cg.BGPASN == amazonASN:
			p.Add(owner, field+".BGPASN", cg.BGPASN,
				fmt.Sprintf("an ASN other than the Amazon side's (%d): the BGP sessions are external", amazonASN))
		}
	}
}

func checkLogRetention(p *Problems, owner string, e Environment) {
	if !awsrules.IsCloudWatchRetention(e.LogRetentionDays) {
		p.Add(owner, "LogRetentionDays", e.LogRetentionDays,
			fmt.Sprintf("one of the values CloudWatch Logs accepts: %v", awsrules.CloudWatchRetentionDays))
	}
}

func checkBackup(p *Problems, owner string, e Environment) {
	// AWS Backup rejects a lifecycle below one day; cold storage (which
	// would add a 90-day minimum after the move) is not used.
	if e.Backup.RetentionDays < 1 {
		p.Add(owner, "Backup.RetentionDays", e.Backup.RetentionDays, "at least 1 day")
	}
	if problem := awsrules.CronProblem(e.Backup.Schedule); problem != "" {
		p.Add(owner, "Backup.Schedule", e.Backup.Schedule, problem)
	}
	b := e.Backup
	switch {
	case b.CopyRegion == "":
	case !awsrules.IsRegion(b.CopyRegion):
		p.Add(owner, "Backup.CopyRegion", b.CopyRegion, "an AWS region code such as us-west-2, or empty for no copies")
	case b.CopyRegion == e.Region:
		p.Add(owner, "Backup.CopyRegion", b.CopyRegion, fmt.Sprintf("a region other than the environment's (%s): copies must survive its loss", e.Region))
	case awsrules.IsRegion(e.Region) && awsrules.Partition(b.CopyRegion) != awsrules.Partition(e.Region):
		p.Add(owner, "Backup.CopyRegion", b.CopyRegion,
			fmt.Sprintf("a region of partition %s, the partition of %s: AWS Backup copies between regions of one partition", awsrules.Partition(e.Region), e.Region))
	}
	if b.CopyRetentionDays < 0 || (b.CopyRegion == "" && b.CopyRetentionDays != 0) {
		p.Add(owner, "Backup.CopyRetentionDays", b.CopyRetentionDays, "0 (as long as RetentionDays) or more days, and only with CopyRegion")
	}
	switch {
	case b.ComplianceLockDays < 0 || (b.ComplianceLockDays > 0 && b.ComplianceLockDays < MinComplianceLockDays):
		p.Add(owner, "Backup.ComplianceLockDays", b.ComplianceLockDays,
			fmt.Sprintf("0 (governance mode) or at least %d days (AWS Backup's cooling-off period before the lock becomes immutable)", MinComplianceLockDays))
	case b.ComplianceLockDays > 0 && !e.DeletionProtection:
		p.Add(owner, "Backup.ComplianceLockDays", b.ComplianceLockDays, "0 without DeletionProtection: only protected vaults are locked")
	case e.Production && b.ComplianceLockDays == 0:
		p.Add(owner, "Backup.ComplianceLockDays", b.ComplianceLockDays,
			fmt.Sprintf("at least %d in production: a compromised deploy role or administrator must not be able to remove the vault lock", MinComplianceLockDays))
	}
}

func checkState(p *Problems, owner string, e Environment) {
	if problem := awsrules.S3BucketNameProblem(e.State.Bucket); problem != "" {
		p.Add(owner, "State.Bucket", e.State.Bucket, problem)
	}
	switch problem := awsrules.S3BucketNameProblem(e.State.AccessLogBucket); {
	case problem != "":
		p.Add(owner, "State.AccessLogBucket", e.State.AccessLogBucket, problem)
	case e.State.AccessLogBucket == e.State.Bucket:
		p.Add(owner, "State.AccessLogBucket", e.State.AccessLogBucket, "a bucket other than State.Bucket: a bucket cannot receive its own access logs")
	}
	if !awsrules.IsDynamoDBTableName(e.State.LockTable) {
		p.Add(owner, "State.LockTable", e.State.LockTable,
			"a DynamoDB table name: 3–255 characters from a-z, A-Z, 0-9, '_', '-', '.'")
	}
	if e.State.NoncurrentVersionDays < 1 {
		p.Add(owner, "State.NoncurrentVersionDays", e.State.NoncurrentVersionDays,
			"at least 1 day (S3 rejects 0, and old state versions are the way back from a bad apply)")
	}
}

func checkCluster(p *Problems, owner string, e Environment) {
	c := e.Cluster
	if !awsrules.IsKubernetesVersion(c.Version) {
		p.Add(owner, "Cluster.Version", c.Version,
			fmt.Sprintf("a Kubernetes minor version in EKS standard support (%s): one of %v", awsrules.KubernetesVersionsAsOf(), awsrules.KubernetesSupport.List()))
	}
	for i, cidr := range c.PublicAccessCIDRs {
		if problem := awsrules.PublicAccessCIDRProblem(cidr); problem != "" {
			p.Add(owner, fmt.Sprintf("Cluster.PublicAccessCIDRs[%d]", i), cidr, problem)
		}
	}
	checkClusterAdmins(p, owner, e)
	if c.ClientLoadBalancers < 0 {
		p.Add(owner, "Cluster.ClientLoadBalancers", c.ClientLoadBalancers, "0 (no Service of type LoadBalancer) or more")
	}
	CheckNodeGroup(p, owner, "Cluster.SystemNodes", c.SystemNodes)
	CheckNodeGroup(p, owner, "Cluster.ClientNodes", c.ClientNodes)
}

// checkClusterAdmins checks the configured cluster-admin set: the deploy
// role, the break-glass role and the admin roles. Nothing else gets an
// access entry, so an environment without a deploy role could not apply
// its in-cluster stacks, and nothing may stand in for one at apply time.
func checkClusterAdmins(p *Problems, owner string, e Environment) {
	c := e.Cluster
	if e.DeployRoleARN("foundation") == "" {
		p.Add(owner, "AssumeRoleARN", e.AssumeRoleARN,
			"a deploy role: configure CI (its layers' deploy roles deploy) or set AssumeRoleARN; cluster-admin and the SSM contract's writers are configured roles, never whoever runs Terraform")
	}
	if bg := c.BreakGlassRoleARN; bg != "" {
		partition, account, ok := awsrules.ParseIAMRoleARN(bg)
		switch {
		case !ok:
			p.Add(owner, "Cluster.BreakGlassRoleARN", bg, "an IAM role ARN such as arn:aws:iam::123456789012:role/stratum-break-glass")
		case awsrules.IsRegion(e.Region) && partition != awsrules.Partition(e.Region):
			p.Add(owner, "Cluster.BreakGlassRoleARN", bg, fmt.Sprintf("a role in partition %s, the partition of region %s", awsrules.Partition(e.Region), e.Region))
		case awsrules.IsAccountID(e.AccountID) && account != e.AccountID:
			p.Add(owner, "Cluster.BreakGlassRoleARN", bg, fmt.Sprintf("a role in account %s (AccountID): EKS access entries name principals of the cluster's account", e.AccountID))
		case bg == e.AssumeRoleARN || strings.Contains(bg, ":role"+CIRolePath):
			p.Add(owner, "Cluster.BreakGlassRoleARN", bg, "a role other than the deploy roles: break-glass is for when the deploy roles cannot be used")
		}
	}
	seen := map[string]bool{}
	// Access entry ids are Terraform addresses: two roles whose names give
	// one id would be one address.
	entries := map[string]string{DeployerAccessEntryID: "the deployer's", BreakGlassAccessEntryID: "the break-glass role's"}
	for i, arn := range c.AdminRoleARNs {
		field := fmt.Sprintf("Cluster.AdminRoleARNs[%d]", i)
		_, _, ok := awsrules.ParseIAMRoleARN(arn)
		switch {
		case !ok:
			p.Add(owner, field, arn, "an IAM role ARN such as arn:aws:iam::123456789012:role/platform-admins")
		case seen[arn]:
			p.Add(owner, field, arn, "each role once (EKS allows one access entry per principal)")
		case arn == e.AssumeRoleARN || arn == c.BreakGlassRoleARN:
			// Their own entries cover them.
		default:
			id := AdminAccessEntryID(arn)
			if other, taken := entries[id]; taken || id == "" || strings.HasPrefix(id, DeployerAccessEntryID+"-") {
				if other == "" {
					other = "the name of a layer deploy role's entry"
				}
				p.Add(owner, field, arn, fmt.Sprintf(
					"a role whose name, as a lowercase label, names its access entry alone: %q is empty or %s", id, other))
			}
			entries[id] = field + "'s"
		}
		seen[arn] = true
	}
}

func checkDatabase(p *Problems, owner string, e Environment) {
	d := e.Database
	CheckPostgresVersion(p, owner, "Database.EngineVersion", d.EngineVersion)
	CheckRDSInstanceClass(p, owner, "Database.InstanceClass", d.InstanceClass)
	CheckStorage(p, owner, "Database", d.AllocatedStorageGiB, d.MaxAllocatedStorageGiB)
	CheckBackupRetention(p, owner, "Database.BackupRetentionDays", e.Production, d.BackupRetentionDays)
	CheckWindows(p, owner, "Database", d.BackupWindow, d.MaintenanceWindow)
}

func checkDomain(p *Problems, owner string, e Environment) {
	if !awsrules.IsDNSName(e.Domain) {
		p.Add(owner, "Domain", e.Domain,
			"a lowercase DNS name of at least two labels such as dev.example.com, without a trailing dot")
	}
}

// checkNetworkOverlaps keeps every VPC apart from every other VPC and from
// every on-premises range: the VPN routes them all, and peering or
// routing between overlapping ranges is impossible.
func checkNetworkOverlaps(p *Problems, envs []Environment) {
	type vpc struct {
		env    string
		prefix netip.Prefix
	}
	var vpcs []vpc
	for _, e := range envs {
		prefix, problem := awsrules.ParseIPv4Prefix(e.Network.CIDR)
		if problem != "" {
			continue // reported by checkNetwork
		}
		for _, other := range vpcs {
			if other.prefix.Overlaps(prefix) {
				p.Add(EnvironmentOwner(e.Name), "Network.CIDR", e.Network.CIDR,
					fmt.Sprintf("a range that does not overlap the VPC of environment %q (%s)", other.env, other.prefix))
			}
		}
		vpcs = append(vpcs, vpc{e.Name, prefix})
	}
	for _, v := range vpcs {
		reported := map[netip.Prefix]bool{}
		for _, e := range envs {
			for _, c := range e.VPN.OnPremisesCIDRs {
				onPrem, problem := awsrules.ParseIPv4Prefix(c)
				if problem != "" || reported[onPrem] || !onPrem.Overlaps(v.prefix) {
					continue
				}
				reported[onPrem] = true
				p.Add(EnvironmentOwner(v.env), "Network.CIDR", v.prefix.String(),
					fmt.Sprintf("a range that does not overlap the on-premises range %s (VPN.OnPremisesCIDRs of environment %q)", onPrem, e.Name))
			}
		}
	}
}

// checkUniqueStateBackends keeps environments' states apart: bucket names
// are global, and a lock table shared within one account and region would
// let one environment's lock block another's.
func checkUniqueStateBackends(p *Problems, envs []Environment) {
	buckets, tables := map[string]string{}, map[string]string{}
	for _, e := range envs {
		if other, ok := buckets[e.State.Bucket]; ok && e.State.Bucket != "" {
			p.Add(EnvironmentOwner(e.Name), "State.Bucket", e.State.Bucket,
				fmt.Sprintf("a bucket no other environment uses (environment %q uses it)", other))
		} else {
			buckets[e.State.Bucket] = e.Name
		}
		if other, ok := buckets[e.State.AccessLogBucket]; ok && e.State.AccessLogBucket != "" && e.State.AccessLogBucket != e.State.Bucket {
			p.Add(EnvironmentOwner(e.Name), "State.AccessLogBucket", e.State.AccessLogBucket,
				fmt.Sprintf("a bucket no other environment uses (environment %q uses it)", other))
		} else {
			buckets[e.State.AccessLogBucket] = e.Name
		}
		key := e.AccountID + "/" + e.Region + "/" + e.State.LockTable
		if other, ok := tables[key]; ok && e.State.LockTable != "" {
			p.Add(EnvironmentOwner(e.Name), "State.LockTable", e.State.LockTable,
				fmt.Sprintf("a table no other environment in the same account and region uses (environment %q uses it)", other))
		} else {
			tables[key] = e.Name
		}
	}
}

func checkUniqueDomains(p *Problems, envs []Environment) {
	seen := map[string]string{}
	for _, e := range envs {
		if other, ok := seen[e.Domain]; ok && e.Domain != "" {
			p.Add(EnvironmentOwner(e.Name), "Domain", e.Domain,
				fmt.Sprintf("a domain no other environment uses (environment %q uses it)", other))
			continue
		}
		seen[e.Domain] = e.Name
	}
}
