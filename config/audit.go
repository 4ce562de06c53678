package config

import (
	"fmt"
	"slices"
	"strings"

	"stratum/awsrules"
)

// Audit is the record of who did what in the environment's account, and
// the detection of threats in it: audit-<env>'s CloudTrail trail (with
// its bucket, key and log group), GuardDuty, IAM Access Analyzer, AWS
// Config and the CIS alarms (docs/audit.md). The settings that cost money
// are here, per environment, so dev can run lean.
type Audit struct {
	// TrailBucket receives the trail's log files and digest files: a
	// bucket of its own (globally unique name), versioned, encrypted with
	// the audit key, access-logged to State.AccessLogBucket. Required.
	TrailBucket string
	// TrailRetentionDays is how long the trail's log files are kept in
	// TrailBucket before they expire: at least MinTrailRetentionDays, and
	// at least MinProductionTrailRetentionDays in production. The trail's
	// CloudWatch Logs group, which the alarms read, keeps events
	// LogRetentionDays.
	TrailRetentionDays int
	// ObjectLockDays, when above 0, locks every log file in TrailBucket in
	// S3 Object Lock compliance mode for this many days: until then nobody
	// — no deploy role, no administrator, not the account's root user —
	// can delete or overwrite it. Irreversible: once on, object lock
	// cannot be turned off for the bucket, and a locked file cannot be
	// deleted nor its lock shortened, even to close the account's
	// bucket (docs/audit.md, "Object lock"). At most TrailRetentionDays,
	// only with DeletionProtection; required in production (at least
	// MinProductionTrailRetentionDays). Default: 0 (no object lock: the
	// bucket's versioning and the denies on every role Stratum creates
	// protect the files).
	ObjectLockDays int
	// DataEvents are the S3 object-level calls the trail records
	// (CloudTrail charges them per 100,000 events). Default: none.
	DataEvents DataEvents
	// GuardDuty is the account's threat detection in the environment's
	// region. Default: off.
	GuardDuty GuardDuty
	// AccessAnalyzer creates the account's IAM Access Analyzer (external
	// access, free) in the environment's region, whose findings notify
	// the audit topic. An account holds one per region: where
	// environments share an account and region, exactly one sets it.
	// Required in production. Default: false.
	AccessAnalyzer bool
	// Config is AWS Config's recorder in the environment's region.
	// Default: off.
	Config AWSConfig
	// MonthlyBudgetUSD is the monthly budget of the audit services'
	// charges in the environment's account (CloudTrail, AWS Config,
	// GuardDuty), notifying the audit topic like every budget: these are
	// account-wide services, which the environment's budget (costs tagged
	// Environment=<name>) does not count. 1–MaxBudgetUSD.
	MonthlyBudgetUSD int
}

// The compliance minimums of the trail's retention: CloudTrail's own
// event history already shows 90 days, and a year is what PCI DSS (10.5.1)
// and most audit practice ask of production audit logs.
const (
	MinTrailRetentionDays           = 90
	MinProductionTrailRetentionDays = 365
)

// DataEventScope is which of a bucket's object-level calls the trail
// records.
type DataEventScope string

const (
	// DataEventsNone records none.
	DataEventsNone DataEventScope = "none"
	// DataEventsWrites records writes and deletes (PutObject,
	// DeleteObject, CopyObject, …): CIS 3.8.
	DataEventsWrites DataEventScope = "writes"
	// DataEventsAll records reads too (GetObject, HeadObject, …): CIS 3.9.
	DataEventsAll DataEventScope = "all"
)

// DataEventScopes are the scopes a DataEvents field takes ("" is none).
var DataEventScopes = []DataEventScope{DataEventsNone, DataEventsWrites, DataEventsAll}

// Or is s with "" read as DataEventsNone.
func (s DataEventScope) Or() DataEventScope {
	if s == "" {
		return DataEventsNone
	}
	return s
}

// DataEvents say which buckets' object-level calls the trail records.
type DataEvents struct {
	// StateBucket: the calls on State.Bucket, whose states hold secrets
	// (the VPN tunnels' keys): who read a state matters. DataEventsAll in
	// production. Default: none.
	StateBucket DataEventScope
	// ClientBuckets: the calls on every client bucket of the environment
	// (<prefix>-<client>-<bucket>). At least DataEventsWrites in
	// production. Default: none.
	ClientBuckets DataEventScope
}

// GuardDuty configures the account's GuardDuty detector. Each protection
// is billed by the volume it analyzes (docs/audit.md, "What it costs").
type GuardDuty struct {
	// Enabled creates the detector: CloudTrail management events, VPC flow
	// logs and DNS logs are analyzed. An account holds one detector per
	// region: where environments share an account and region, exactly one
	// sets it. Required in production. Default: false.
	Enabled bool
	// S3DataEvents analyzes S3 data events (S3 Protection).
	S3DataEvents bool
	// EKSAuditLogs analyzes the EKS clusters' audit logs (EKS Protection).
	EKSAuditLogs bool
	// RuntimeMonitoring watches the nodes' processes and network through
	// GuardDuty's security agent, which GuardDuty manages as an EKS add-on
	// (Runtime Monitoring with EKS add-on management).
	RuntimeMonitoring bool
	// MalwareProtection scans the EBS volumes of instances and containers
	// GuardDuty suspects (Malware Protection for EC2).
	MalwareProtection bool
	// RDSLoginEvents analyzes the databases' login activity (RDS
	// Protection).
	RDSLoginEvents bool
	// MinimumSeverity is the lowest severity of the findings that notify
	// the audit topic: one of GuardDutySeverities. Default: "MEDIUM".
	MinimumSeverity string
}

// GuardDutySeverities are GuardDuty's severity levels, lowest first, with
// the lowest score of each (a finding's detail.severity).
var GuardDutySeverities = []struct {
	Name     string
	MinScore float64
}{{"LOW", 1}, {"MEDIUM", 4}, {"HIGH", 7}, {"CRITICAL", 9}}

// DefaultMinimumSeverity is GuardDuty.MinimumSeverity's default.
const DefaultMinimumSeverity = "MEDIUM"

// Severity is MinimumSeverity with its default applied.
func (g GuardDuty) Severity() string { return orDefault(g.MinimumSeverity, DefaultMinimumSeverity) }

// SeverityScore is the lowest score of the findings that notify, for
// the severity; false for a severity that does not exist.
func SeverityScore(severity string) (float64, bool) {
	for _, s := range GuardDutySeverities {
		if s.Name == severity {
			return s.MinScore, true
		}
	}
	return 0, false
}

// AWSConfig configures AWS Config's recorder, delivery channel and the
// managed rules that check what Stratum promises.
type AWSConfig struct {
	// Enabled records the configuration of every supported resource type
	// in the environment's region (global resources such as IAM too) and
	// evaluates the rules. An account holds one recorder per region:
	// where environments share an account and region, exactly one sets
	// it. Required in production. Default: false.
	Enabled bool
	// Bucket receives the configuration snapshots and history: a bucket
	// of its own, since AWS Config does not deliver to a bucket with
	// object lock. Required with Enabled.
	Bucket string
}

func checkAudit(p *Problems, owner string, e Environment) {
	a := e.Audit
	if problem := awsrules.S3BucketNameProblem(a.TrailBucket); problem != "" {
		p.Add(owner, "Audit.TrailBucket", a.TrailBucket, problem)
	}
	retentionOK := true
	switch {
	case e.Production && a.TrailRetentionDays < MinProductionTrailRetentionDays:
		p.Add(owner, "Audit.TrailRetentionDays", a.TrailRetentionDays, fmt.Sprintf(
			"at least %d days in production: a year of audit logs, what PCI DSS and most audits ask", MinProductionTrailRetentionDays))
		retentionOK = false
	case a.TrailRetentionDays < MinTrailRetentionDays:
		p.Add(owner, "Audit.TrailRetentionDays", a.TrailRetentionDays, fmt.Sprintf(
			"at least %d days: the trail keeps at least what CloudTrail's free event history shows", MinTrailRetentionDays))
		retentionOK = false
	}
	switch l := a.ObjectLockDays; {
	case l < 0 || (retentionOK && l > a.TrailRetentionDays):
		p.Add(owner, "Audit.ObjectLockDays", l, fmt.Sprintf(
			"0 (no object lock) or 1 to Audit.TrailRetentionDays (%d): a file cannot expire while it is locked", a.TrailRetentionDays))
	case l > 0 && !e.DeletionProtection:
		p.Add(owner, "Audit.ObjectLockDays", l, "0 without DeletionProtection: compliance-mode object lock is irreversible, for protected environments only")
	case e.Production && l < MinProductionTrailRetentionDays:
		p.Add(owner, "Audit.ObjectLockDays", l, fmt.Sprintf(
			"at least %d in production: nobody, a compromised administrator included, may delete a year of audit logs", MinProductionTrailRetentionDays))
	}
	for _, f := range []struct {
		field string
		v     DataEventScope
		min   DataEventScope
	}{
		{"Audit.DataEvents.StateBucket", a.DataEvents.StateBucket, DataEventsAll},
		{"Audit.DataEvents.ClientBuckets", a.DataEvents.ClientBuckets, DataEventsWrites},
	} {
		switch {
		case f.v != "" && !slices.Contains(DataEventScopes, f.v):
			p.Add(owner, f.field, string(f.v), fmt.Sprintf("one of %q, %q or %q (or empty for none)", DataEventsNone, DataEventsWrites, DataEventsAll))
		case e.Production && rank(f.v.Or()) < rank(f.min):
			p.Add(owner, f.field, string(f.v), fmt.Sprintf("%q in production%s", f.min, map[DataEventScope]string{
				DataEventsAll:    ": the states hold secrets, and who read one must be on record",
				DataEventsWrites: " or more: every change to a client's data must be on record (CIS 3.8)",
			}[f.min]))
		}
	}
	g := a.GuardDuty
	if g.MinimumSeverity != "" {
		if _, ok := SeverityScore(g.MinimumSeverity); !ok {
			var names []string
			for _, s := range GuardDutySeverities {
				names = append(names, s.Name)
			}
			p.Add(owner, "Audit.GuardDuty.MinimumSeverity", g.MinimumSeverity, "one of GuardDuty's severities "+strings.Join(names, ", ")+" (or empty for "+DefaultMinimumSeverity+")")
		}
	}
	if !g.Enabled {
		for _, f := range []struct {
			field string
			on    bool
		}{{"S3DataEvents", g.S3DataEvents}, {"EKSAuditLogs", g.EKSAuditLogs}, {"RuntimeMonitoring", g.RuntimeMonitoring},
			{"MalwareProtection", g.MalwareProtection}, {"RDSLoginEvents", g.RDSLoginEvents}} {
			if f.on {
				p.Add(owner, "Audit.GuardDuty."+f.field, f.on, "false without Audit.GuardDuty.Enabled: a protection is a feature of the detector")
			}
		}
	}
	c := a.Config
	switch problem := awsrules.S3BucketNameProblem(c.Bucket); {
	case c.Enabled && problem != "":
		p.Add(owner, "Audit.Config.Bucket", c.Bucket, problem)
	case !c.Enabled && c.Bucket != "":
		p.Add(owner, "Audit.Config.Bucket", c.Bucket, "empty without Audit.Config.Enabled")
	case c.Enabled && c.Bucket == a.TrailBucket:
		p.Add(owner, "Audit.Config.Bucket", c.Bucket, "a bucket other than Audit.TrailBucket: AWS Config does not deliver to a bucket with object lock")
	}
	for _, b := range []struct{ field, name string }{{"Audit.TrailBucket", a.TrailBucket}, {"Audit.Config.Bucket", c.Bucket}} {
		if b.name != "" && (b.name == e.State.Bucket || b.name == e.State.AccessLogBucket) {
			p.Add(owner, b.field, b.name, "a bucket of its own, not State.Bucket or State.AccessLogBucket")
		}
	}
	if e.Production {
		for _, f := range []struct {
			field string
			on    bool
		}{{"Audit.GuardDuty.Enabled", g.Enabled}, {"Audit.AccessAnalyzer", a.AccessAnalyzer}, {"Audit.Config.Enabled", c.Enabled}} {
			if !f.on {
				p.Add(owner, f.field, f.on, "true in production: threats, unintended access and configuration drift must be detected")
			}
		}
	}
	if b := a.MonthlyBudgetUSD; b < 1 || b > MaxBudgetUSD {
		p.Add(owner, "Audit.MonthlyBudgetUSD", b, fmt.Sprintf("1–%d US dollars a month: the audit services' charges have a budget of their own", MaxBudgetUSD))
	}
}

func rank(s DataEventScope) int { return slices.Index(DataEventScopes, s) }

// checkAuditAccountServices: an account holds one GuardDuty detector, one
// account analyzer and one Config recorder per region, so of the
// environments sharing an account and region at most one creates each.
// Bucket names are global: no two environments share an audit bucket.
func checkAuditAccountServices(p *Problems, envs []Environment) {
	type service struct {
		field string
		on    func(Audit) bool
		what  string
	}
	for _, s := range []service{
		{"Audit.GuardDuty.Enabled", func(a Audit) bool { return a.GuardDuty.Enabled }, "GuardDuty detector"},
		{"Audit.AccessAnalyzer", func(a Audit) bool { return a.AccessAnalyzer }, "IAM Access Analyzer"},
		{"Audit.Config.Enabled", func(a Audit) bool { return a.Config.Enabled }, "AWS Config recorder"},
	} {
		owners := map[string]string{}
		for _, e := range envs {
			if !s.on(e.Audit) || e.AccountID == "" {
				continue
			}
			key := e.AccountID + " " + e.Region
			if other, ok := owners[key]; ok {
				p.Add(EnvironmentOwner(e.Name), s.field, true, fmt.Sprintf(
					"false: environment %q already creates the %s of account %s in %s, and an account holds one per region", other, s.what, e.AccountID, e.Region))
				continue
			}
			owners[key] = e.Name
		}
	}
	// Each clash is reported once: on the later environment, or on the
	// audit bucket when the other is a state bucket.
	type bucket struct {
		env   int
		field string
		name  string
	}
	var all []bucket
	for i, e := range envs {
		all = append(all, bucket{i, "State.Bucket", e.State.Bucket}, bucket{i, "State.AccessLogBucket", e.State.AccessLogBucket},
			bucket{i, "Audit.TrailBucket", e.Audit.TrailBucket}, bucket{i, "Audit.Config.Bucket", e.Audit.Config.Bucket})
	}
	for _, b := range all {
		if b.name == "" || !strings.HasPrefix(b.field, "Audit.") {
			continue
		}
		for _, other := range all {
			if other.env == b.env || other.name != b.name || (other.env > b.env && strings.HasPrefix(other.field, "Audit.")) {
				continue
			}
			p.Add(EnvironmentOwner(envs[b.env].Name), b.field, b.name, fmt.Sprintf("a bucket no other environment uses (environment %q's %s is %s)", envs[other.env].Name, other.field, b.name))
			break
		}
	}
}
