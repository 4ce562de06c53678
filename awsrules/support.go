package awsrules

import (
	"fmt"
	"regexp"
	"slices"
)

// Support is one version of a managed engine and the day AWS ends its
// standard support. From that day an EKS cluster on the version is
// upgraded by EKS (Stratum's upgrade policy is STANDARD) and an RDS
// instance is enrolled in paid RDS Extended Support.
type Support struct {
	// Version is a Kubernetes minor version ("1.35") or a PostgreSQL major
	// version ("17").
	Version string
	// Ends is the first day outside standard support, as the AWS calendar
	// gives it (YYYY-MM-DD, UTC). It stays a string here: the packages
	// stacks are built from keep away from the clock's types, and only
	// the scheduled check (package support) does date arithmetic.
	Ends string
}

// SupportTable is the standard support calendar of one engine, as far as
// Stratum allows it: the versions a configuration may use. Validation
// accepts exactly these versions and never looks at the clock; whether a
// configured version is about to leave support is the scheduled `stratum
// support` check's concern (docs/cicd-integration.md). When a version's
// support ends, remove it here in a reviewed change (and upgrade what
// uses it); when AWS releases one, add it.
type SupportTable struct {
	// Engine names the engine in messages, e.g. "Kubernetes (EKS)".
	Engine string
	// Source is the AWS page the dates come from.
	Source string
	// AsOf is when the table was last checked against Source.
	AsOf string
	// Versions are oldest first.
	Versions []Support
}

// Find returns version's entry.
func (t SupportTable) Find(version string) (Support, bool) {
	i := slices.IndexFunc(t.Versions, func(s Support) bool { return s.Version == version })
	if i < 0 {
		return Support{}, false
	}
	return t.Versions[i], true
}

// List is the table's versions, oldest first.
func (t SupportTable) List() []string {
	out := make([]string, len(t.Versions))
	for i, s := range t.Versions {
		out[i] = s.Version
	}
	return out
}

// Newest is the newest version of the table: the one to upgrade to.
func (t SupportTable) Newest() Support { return t.Versions[len(t.Versions)-1] }

// KubernetesSupport is the EKS standard support calendar of the Kubernetes
// minor versions Stratum accepts (checked 2026-11-25). 1.33 left standard
// support on 2026-07-29 and 1.37 is not yet on EKS. Extended support is
// excluded on purpose: it costs extra per cluster hour.
var KubernetesSupport = SupportTable{
	Engine: "Kubernetes (EKS)",
	Source: "https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html (release calendar)",
	AsOf:   "2026-11-25",
	Versions: []Support{
		{Version: "1.34", Ends: "2026-12-02"},
		{Version: "1.35", Ends: "2027-03-27"},
		{Version: "1.36", Ends: "2027-08-02"},
	},
}

// PostgresSupport is the RDS for PostgreSQL standard support calendar of
// the major versions Stratum accepts (checked 2026-11-25). 13 left
// standard support on 2026-02-28: a new instance on it would be enrolled
// in paid RDS Extended Support. 19 is only in the RDS preview environment.
var PostgresSupport = SupportTable{
	Engine: "PostgreSQL (RDS)",
	Source: "https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html",
	AsOf:   "2026-11-25",
	Versions: []Support{
		{Version: "14", Ends: "2027-02-28"},
		{Version: "15", Ends: "2028-02-29"},
		{Version: "16", Ends: "2029-02-28"},
		{Version: "17", Ends: "2030-02-28"},
		{Version: "18", Ends: "2031-02-28"},
	},
}

// KubernetesVersionsAsOf dates KubernetesSupport, for messages.
func KubernetesVersionsAsOf() string { return "as of " + KubernetesSupport.AsOf }

// IsKubernetesVersion reports whether v is in KubernetesSupport.
func IsKubernetesVersion(v string) bool {
	_, ok := KubernetesSupport.Find(v)
	return ok
}

var postgresVersion = regexp.MustCompile(`^([1-9][0-9]{0,2})(\.[0-9]{1,3})?$`)

// PostgresMajor is the major version of a PostgreSQL version "<major>" or
// "<major>.<minor>", or "" if v is neither.
func PostgresMajor(v string) string {
	m := postgresVersion.FindStringSubmatch(v)
	if m == nil {
		return ""
	}
	return m[1]
}

// PostgresVersionProblem returns "" if v is "<major>" or "<major>.<minor>"
// with a major in PostgresSupport, and otherwise what is allowed.
func PostgresVersionProblem(v string) string {
	if major := PostgresMajor(v); major != "" {
		if _, ok := PostgresSupport.Find(major); ok {
			return ""
		}
	}
	return fmt.Sprintf(
		"a PostgreSQL major version in RDS standard support (as of %s), as \"17\" or \"17.x\": majors %v", PostgresSupport.AsOf, PostgresSupport.List())
}
