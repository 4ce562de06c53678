package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// This file holds the small checks Validate is made of, exported so that
// clients.Validate applies exactly the same rules to a client's overrides.
// Each list of allowed values says where it comes from; the dated ones must
// be revisited as AWS moves on.

// KubernetesVersions are the EKS minor versions in standard support on
// 2026-11-25 (EKS release calendar): 1.34 until 2026-12-02, 1.35 until
// 2027-03-27, 1.36 until 2027-08-02. 1.33 left standard support on
// 2026-07-29 and 1.37 is not yet on EKS. Extended support is excluded on
// purpose: it costs extra per cluster hour.
var KubernetesVersions = []string{"1.34", "1.35", "1.36"}

const kubernetesVersionsAsOf = "as of 2026-11-25"

// PostgresMajorVersions are the RDS for PostgreSQL major versions in RDS
// standard support on 2026-11-25. 13 left standard support on 2026-02-28:
// a new instance on it is enrolled in (paid) RDS Extended Support. 19 is
// only in the RDS preview environment.
var PostgresMajorVersions = []int{14, 15, 16, 17, 18}

// CloudWatchRetentionDays are the retention values CloudWatch Logs accepts
// (PutRetentionPolicy). 0, "never expire", is not offered: logs must expire.
var CloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ProdMinBackupRetentionDays is the policy minimum of RDS automated backup
// retention in prod: two weeks of point-in-time recovery.
const ProdMinBackupRetentionDays = 14

// DefaultAmazonSideASN is the virtual private gateway ASN when
// VPN.AmazonSideASN is 0.
const DefaultAmazonSideASN = 64512

// TaintEffects are the Kubernetes taint effects EKS node groups accept.
var TaintEffects = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}

// IsTaintEffect reports whether s is one of TaintEffects.
func IsTaintEffect(s string) bool { return slices.Contains(TaintEffects, s) }

var dnsLabel = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// IsDNSLabel reports whether s is a lowercase RFC 1123 label of at most max
// characters that starts with a letter.
func IsDNSLabel(s string, max int) bool {
	return len(s) <= max && dnsLabel.MatchString(s)
}

var (
	hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	tld       = regexp.MustCompile(`^[a-z]{2,63}$`)
)

// IsDNSName reports whether s is a lowercase, fully qualified DNS name of at
// least two labels (no trailing dot) whose top-level label is alphabetic.
func IsDNSName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 || !tld.MatchString(labels[len(labels)-1]) {
		return false
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

var regionCode = regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx|cn)(-gov)?-(north|south|east|west|central|northeast|southeast|northwest|southwest)-[1-9]$`)

// IsRegion reports whether s looks like an AWS region code (us-east-1).
func IsRegion(s string) bool { return regionCode.MatchString(s) }

// Partition is the ARN partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// IsZoneOf reports whether az is an availability zone of region: the
// region code followed by one letter (Local and Wavelength Zones, which
// have longer names, cannot host EKS managed node groups' subnets here).
func IsZoneOf(az, region string) bool {
	rest, ok := strings.CutPrefix(az, region)
	return ok && len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z'
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// IsAccountID reports whether s is a 12-digit AWS account ID.
func IsAccountID(s string) bool { return accountID.MatchString(s) }

// roleARN: partition, account, optional path, role name (IAM: at most 64
// characters from [\w+=,.@-]; a path is / or /…/ of printable ASCII).
var roleARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/(?:[!-~]*/)?([\w+=,.@-]{1,64})$`)

// ParseIAMRoleARN returns the partition and account of an IAM role ARN.
func ParseIAMRoleARN(s string) (partition, account string, ok bool) {
	m := roleARN.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

var dynamoTable = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// IsDynamoDBTableName reports whether s is a valid DynamoDB table name.
func IsDynamoDBTableName(s string) bool { return dynamoTable.MatchString(s) }

var s3BucketChars = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

// S3BucketNameProblem says what is wrong with a general purpose S3 bucket
// name, or returns "" if S3 accepts it.
func S3BucketNameProblem(s string) string {
	const rules = "an S3 bucket name: 3–63 characters from a-z, 0-9, '.', '-', starting and ending with a letter or digit"
	switch {
	case len(s) < 3 || len(s) > 63:
		return fmt.Sprintf("%s (this one has %d)", rules, len(s))
	case !s3BucketChars.MatchString(s):
		return rules
	case strings.Contains(s, ".."):
		return "an S3 bucket name without two adjacent periods"
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return "an S3 bucket name that is not formatted as an IP address"
	}
	for _, prefix := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(s, prefix) {
			return fmt.Sprintf("an S3 bucket name that does not start with %q (reserved by S3)", prefix)
		}
	}
	for _, suffix := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(s, suffix) {
			return fmt.Sprintf("an S3 bucket name that does not end with %q (reserved by S3)", suffix)
		}
	}
	return ""
}

// ParseIPv4Prefix parses an IPv4 CIDR written as its network address, or
// says what is wrong with it.
func ParseIPv4Prefix(s string) (netip.Prefix, string) {
	prefix, err := netip.ParsePrefix(s)
	if err != nil || !prefix.Addr().Is4() {
		return netip.Prefix{}, "an IPv4 CIDR such as 10.10.0.0/16"
	}
	if prefix.Masked() != prefix {
		return netip.Prefix{}, fmt.Sprintf("an IPv4 CIDR written as its network address: %s", prefix.Masked())
	}
	return prefix, ""
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

const privateRangesText = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598), the ranges AWS recommends for VPCs"

// IsPrivateRange reports whether prefix lies inside a range AWS recommends
// for VPCs: RFC 1918 or the shared address space of RFC 6598.
func IsPrivateRange(prefix netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= prefix.Bits() && r.Contains(prefix.Addr()) {
			return true
		}
	}
	return false
}

// nonPublicIPv4 are the IPv4 ranges that are not reachable on the
// internet, so a VPN endpoint there cannot work. The documentation ranges
// (TEST-NET-1/2/3: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are
// deliberately allowed: the sample configuration uses them as placeholders,
// like its placeholder account ID, until the real routers are known.
var nonPublicIPv4 = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network", including the unspecified address (RFC 1122)`},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT shared space (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, including broadcast 255.255.255.255"},
}

// PublicIPv4Problem says why s is not a public IPv4 address, or returns "".
func PublicIPv4Problem(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is4() {
		return "a public IPv4 address such as 203.0.113.10"
	}
	for _, r := range nonPublicIPv4 {
		if r.prefix.Contains(addr) {
			return fmt.Sprintf("a public IPv4 address: it is in %s, %s", r.prefix, r.what)
		}
	}
	return ""
}

// PublicAccessCIDRProblem says why s cannot open the EKS public endpoint,
// or returns "". EKS rejects non-public ranges there, and 0.0.0.0/0 would
// open the API server to the whole internet.
func PublicAccessCIDRProblem(s string) string {
	prefix, problem := ParseIPv4Prefix(s)
	if problem != "" {
		return problem
	}
	if prefix.Bits() == 0 {
		return "a specific public range such as 203.0.113.0/24: 0.0.0.0/0 opens the cluster API to the internet"
	}
	for _, r := range nonPublicIPv4 {
		if r.prefix.Overlaps(prefix) {
			return fmt.Sprintf("a public IPv4 range: it overlaps %s, %s", r.prefix, r.what)
		}
	}
	return ""
}

// reservedCustomerASNs are ASNs AWS does not accept for customer gateways.
var reservedCustomerASNs = []int{7224, 9059, 10124, 17493}

// IsCustomerASN reports whether asn is accepted for a customer gateway.
func IsCustomerASN(asn int) bool {
	return asn >= 1 && asn <= 2147483647 && !slices.Contains(reservedCustomerASNs, asn)
}

// IsAmazonSideASN reports whether asn is accepted for a virtual private
// gateway: a private 16-bit or 32-bit ASN.
func IsAmazonSideASN(asn int) bool {
	return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294)
}

// ec2Size covers nano…48xlarge and bare metal (metal, metal-24xl).
const ec2Family, ec2Size = `[a-z][a-z0-9-]*[0-9][a-z0-9-]*`, `(nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal(-[1-9][0-9]*xl)?)`

var (
	ec2Type  = regexp.MustCompile(`^` + ec2Family + `\.` + ec2Size + `$`)
	rdsClass = regexp.MustCompile(`^db\.` + ec2Family + `\.` + ec2Size + `$`)
)

// IsEC2InstanceType reports whether s looks like an EC2 instance type
// (<family>.<size>, e.g. m6i.large). It checks the shape, not the
// catalogue, which differs by region and changes monthly.
func IsEC2InstanceType(s string) bool { return ec2Type.MatchString(s) }

// IsRDSInstanceClass reports whether s looks like an RDS instance class
// (db.<family>.<size>, e.g. db.r6g.large).
func IsRDSInstanceClass(s string) bool { return rdsClass.MatchString(s) }

// CheckRDSInstanceClass records a problem unless class is an RDS class.
func CheckRDSInstanceClass(p *Problems, owner, field, class string) {
	if !IsRDSInstanceClass(class) {
		p.Add(owner, field, class, "an RDS instance class db.<family>.<size> such as db.t4g.medium or db.r6g.large")
	}
}

// CheckNodeGroup records every problem of an EKS managed node group's
// settings under field (e.g. Cluster.SystemNodes).
func CheckNodeGroup(p *Problems, owner, field string, ng NodeGroup) {
	if len(ng.InstanceTypes) == 0 {
		p.Add(owner, field+".InstanceTypes", ng.InstanceTypes, "at least one EC2 instance type such as m6i.large")
	}
	seen := map[string]bool{}
	for i, t := range ng.InstanceTypes {
		f := fmt.Sprintf("%s.InstanceTypes[%d]", field, i)
		switch {
		case strings.HasPrefix(t, "db."):
			p.Add(owner, f, t, "an EC2 instance type <family>.<size> such as m6i.large (db. classes are for RDS)")
		case !IsEC2InstanceType(t):
			p.Add(owner, f, t, "an EC2 instance type <family>.<size> such as m6i.large or t3.large")
		case seen[t]:
			p.Add(owner, f, t, "each instance type once")
		}
		seen[t] = true
	}
	if ng.MinSize < 0 {
		p.Add(owner, field+".MinSize", ng.MinSize, "0 or more")
	}
	if ng.MaxSize < 1 {
		p.Add(owner, field+".MaxSize", ng.MaxSize, "at least 1 (EKS rejects a node group that can have no node)")
	}
	switch {
	case ng.MinSize > ng.MaxSize:
		p.Add(owner, field+".MinSize", ng.MinSize, fmt.Sprintf("at most MaxSize (%d)", ng.MaxSize))
	case ng.DesiredSize < ng.MinSize || ng.DesiredSize > ng.MaxSize:
		p.Add(owner, field+".DesiredSize", ng.DesiredSize,
			fmt.Sprintf("between MinSize (%d) and MaxSize (%d)", ng.MinSize, ng.MaxSize))
	}
	// The EKS-optimized AMIs' root snapshots are 20 GiB; EBS caps gp3 at 16 TiB.
	if ng.DiskSizeGiB < 20 || ng.DiskSizeGiB > 16384 {
		p.Add(owner, field+".DiskSizeGiB", ng.DiskSizeGiB, "20–16384 GiB")
	}
}

var postgresVersion = regexp.MustCompile(`^([1-9][0-9]{0,2})(\.[0-9]{1,3})?$`)

// CheckPostgresVersion records a problem unless v is "<major>" or
// "<major>.<minor>" with a major in PostgresMajorVersions.
func CheckPostgresVersion(p *Problems, owner, field, v string) {
	m := postgresVersion.FindStringSubmatch(v)
	if m != nil {
		major, _ := strconv.Atoi(m[1])
		if slices.Contains(PostgresMajorVersions, major) {
			return
		}
	}
	p.Add(owner, field, v, fmt.Sprintf(
		"a PostgreSQL major version in RDS standard support (as of 2026-11-25), as \"17\" or \"17.x\": majors %v", PostgresMajorVersions))
}

// CheckStorage records problems of RDS gp3 storage sizes under field
// (…AllocatedStorageGiB, …MaxAllocatedStorageGiB). maxAllocated 0 turns storage
// autoscaling off.
func CheckStorage(p *Problems, owner, field string, allocated, maxAllocated int) {
	if allocated < 20 || allocated > 65536 {
		p.Add(owner, field+".AllocatedStorageGiB", allocated, "20–65536 GiB (RDS for PostgreSQL on gp3)")
		return
	}
	// RDS requires the autoscaling ceiling to be at least 10% above the
	// allocated storage.
	least := (allocated*11 + 9) / 10
	if maxAllocated != 0 && (maxAllocated < least || maxAllocated > 65536) {
		p.Add(owner, field+".MaxAllocatedStorageGiB", maxAllocated,
			fmt.Sprintf("0 (no storage autoscaling) or %d–65536 GiB: at least 10%% above AllocatedStorageGiB (%d)", least, allocated))
	}
}

// CheckBackupRetention records a problem unless days is an RDS automated
// backup retention (0–35) that the environment's policy allows.
func CheckBackupRetention(p *Problems, owner, field, env string, days int) {
	switch {
	case days < 0 || days > 35:
		p.Add(owner, field, days, "0–35 days (RDS automated backups)")
	case env == Prod && days < ProdMinBackupRetentionDays:
		p.Add(owner, field, days, fmt.Sprintf("%d–35 days in prod (policy: two weeks of point-in-time recovery)", ProdMinBackupRetentionDays))
	}
}

const minutesPerDay, minutesPerWeek = 24 * 60, 7 * 24 * 60

// Window is a recurring span of UTC time: Length minutes from Start, on a
// cycle of Period minutes (a day for the backup window, a week starting
// Monday 00:00 for the maintenance window). It may wrap past the end of
// its period, e.g. 23:30-00:30 or sun:23:00-mon:01:00.
type Window struct{ Start, Length, Period int }

var (
	weekdays      = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	hhmm          = `([01][0-9]|2[0-3]):([0-5][0-9])`
	ddd           = `(mon|tue|wed|thu|fri|sat|sun)`
	backupRE      = regexp.MustCompile(`^` + hhmm + `-` + hhmm + `$`)
	maintenanceRE = regexp.MustCompile(`^` + ddd + `:` + hhmm + `-` + ddd + `:` + hhmm + `$`)
)

func minuteOfDay(h, m string) int {
	hour, _ := strconv.Atoi(h)
	minute, _ := strconv.Atoi(m)
	return hour*60 + minute
}

// ParseBackupWindow parses an RDS backup window, "hh24:mi-hh24:mi" in UTC.
func ParseBackupWindow(s string) (Window, bool) {
	m := backupRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, false
	}
	start, end := minuteOfDay(m[1], m[2]), minuteOfDay(m[3], m[4])
	return Window{Start: start, Length: (end - start + minutesPerDay) % minutesPerDay, Period: minutesPerDay}, true
}

// ParseMaintenanceWindow parses an RDS maintenance window,
// "ddd:hh24:mi-ddd:hh24:mi" in UTC with lowercase days.
func ParseMaintenanceWindow(s string) (Window, bool) {
	m := maintenanceRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, false
	}
	start := slices.Index(weekdays, m[1])*minutesPerDay + minuteOfDay(m[2], m[3])
	end := slices.Index(weekdays, m[4])*minutesPerDay + minuteOfDay(m[5], m[6])
	return Window{Start: start, Length: (end - start + minutesPerWeek) % minutesPerWeek, Period: minutesPerWeek}, true
}

// weekly returns the window's occurrences within one week.
func (w Window) weekly() []Window {
	if w.Period != minutesPerDay {
		return []Window{w}
	}
	out := make([]Window, 0, 7)
	for d := range 7 {
		out = append(out, Window{Start: d*minutesPerDay + w.Start, Length: w.Length, Period: minutesPerWeek})
	}
	return out
}

// spans returns the window as half-open [start, end) ranges inside one
// period, split in two where it wraps.
func (w Window) spans() [][2]int {
	end := w.Start + w.Length
	if end <= w.Period {
		return [][2]int{{w.Start, end}}
	}
	return [][2]int{{w.Start, w.Period}, {0, end - w.Period}}
}

// Overlaps reports whether the two windows share any minute of the week.
// Windows that only touch (one ends when the other starts) do not overlap.
func (w Window) Overlaps(o Window) bool {
	for _, a := range w.weekly() {
		for _, b := range o.weekly() {
			for _, x := range a.spans() {
				for _, y := range b.spans() {
					if x[0] < y[1] && y[0] < x[1] {
						return true
					}
				}
			}
		}
	}
	return false
}

// CheckWindows records problems of the RDS backup and maintenance windows
// under field (…BackupWindow, …MaintenanceWindow): their format, RDS's
// 30-minute minimum, and overlap (the backup window recurs daily).
func CheckWindows(p *Problems, owner, field, backup, maintenance string) {
	b, bOK := ParseBackupWindow(backup)
	if !bOK {
		p.Add(owner, field+".BackupWindow", backup, `"hh24:mi-hh24:mi" in UTC, such as "03:00-04:00"`)
	} else if b.Length < 30 {
		p.Add(owner, field+".BackupWindow", backup, "a window of at least 30 minutes (RDS minimum)")
	}
	m, mOK := ParseMaintenanceWindow(maintenance)
	if !mOK {
		p.Add(owner, field+".MaintenanceWindow", maintenance, `"ddd:hh24:mi-ddd:hh24:mi" in UTC with days mon…sun, such as "sun:05:00-sun:06:00"`)
	} else if m.Length < 30 {
		p.Add(owner, field+".MaintenanceWindow", maintenance, "a window of at least 30 minutes (RDS minimum)")
	}
	if bOK && mOK && b.Overlaps(m) {
		p.Add(owner, field+".MaintenanceWindow", maintenance,
			fmt.Sprintf("a window that does not overlap the daily BackupWindow %q (RDS rejects overlapping windows)", backup))
	}
}

// cronField describes one field of an AWS cron expression: numbers in
// [lo, hi], the names it accepts and its special characters.
type cronField struct {
	name    string
	lo, hi  int
	names   []string
	special string
}

var cronFields = []cronField{
	{name: "minutes", lo: 0, hi: 59, special: ",-*/"},
	{name: "hours", lo: 0, hi: 23, special: ",-*/"},
	{name: "day-of-month", lo: 1, hi: 31, special: ",-*/?LW"},
	{name: "month", lo: 1, hi: 12, special: ",-*/",
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", lo: 1, hi: 7, special: ",-*?L#",
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
	{name: "year", lo: 1970, hi: 2199, special: ",-*/"},
}

// CronProblem says what is wrong with an AWS Backup schedule, or returns
// "". It must be cron(minutes hours day-of-month month day-of-week year)
// with "?" in exactly one of the two day fields, and run at most hourly
// (AWS Backup's minimum frequency), which a single minute value ensures.
func CronProblem(s string) string {
	const shape = "cron(minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *)"
	inner, ok := strings.CutPrefix(s, "cron(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if !ok {
		return shape
	}
	f := strings.Fields(inner)
	if len(f) != len(cronFields) {
		return fmt.Sprintf("%s: 6 fields, not %d", shape, len(f))
	}
	for i, spec := range cronFields {
		if problem := spec.problem(f[i]); problem != "" {
			return fmt.Sprintf("%s: %s", shape, problem)
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return fmt.Sprintf("%s: \"?\" in exactly one of day-of-month and day-of-week", shape)
	}
	if _, err := strconv.Atoi(f[0]); err != nil {
		return fmt.Sprintf("%s: a single minute (0-59), since AWS Backup runs a rule at most once an hour", shape)
	}
	return ""
}

func (c cronField) problem(v string) string {
	for _, r := range v {
		if !strings.ContainsRune(c.special, r) && !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return fmt.Sprintf("%s %q may only use digits, names and %q", c.name, v, c.special)
		}
	}
	for _, item := range strings.Split(v, ",") {
		base, step, hasStep := strings.Cut(item, "/")
		if n, err := strconv.Atoi(step); hasStep && (err != nil || n < 1 || n > c.hi) {
			return fmt.Sprintf("%s %q: the step after \"/\" must be 1-%d", c.name, v, c.hi)
		}
		base, nth, hasNth := strings.Cut(base, "#")
		if n, err := strconv.Atoi(nth); hasNth && (err != nil || n < 1 || n > 5) {
			return fmt.Sprintf("%s %q: the week after \"#\" must be 1-5", c.name, v)
		}
		for _, token := range strings.Split(base, "-") {
			if problem := c.tokenProblem(token); problem != "" {
				return fmt.Sprintf("%s %q: %s", c.name, v, problem)
			}
		}
	}
	return ""
}

// tokenProblem checks one value of a field: a wildcard, a name, or a
// number in range (with an L or W suffix where the field allows them).
func (c cronField) tokenProblem(token string) string {
	if token == "*" || token == "?" || token == "L" || slices.Contains(c.names, token) {
		return ""
	}
	digits := strings.TrimRight(token, "LW")
	if suffix := token[len(digits):]; strings.Trim(suffix, c.special) != "" {
		return fmt.Sprintf("%q: %s is not allowed in this field", token, suffix)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return fmt.Sprintf("%q is not a number or name", token)
	}
	if n < c.lo || n > c.hi {
		return fmt.Sprintf("%d is outside %d-%d", n, c.lo, c.hi)
	}
	return ""
}
