package awsrules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// KubernetesVersions are the EKS minor versions in standard support on
// 2026-11-25 (EKS release calendar): 1.34 until 2026-12-02, 1.35 until
// 2027-03-27, 1.36 until 2027-08-02. 1.33 left standard support on
// 2026-07-29 and 1.37 is not yet on EKS. Extended support is excluded on
// purpose: it costs extra per cluster hour.
var KubernetesVersions = []string{"1.34", "1.35", "1.36"}

// KubernetesVersionsAsOf dates KubernetesVersions, for messages.
const KubernetesVersionsAsOf = "as of 2026-11-25"

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

// NodeDiskSizeProblem returns "" if gib is a root volume size for EKS
// nodes, and otherwise what is allowed: the EKS-optimized AMIs' root
// snapshots are 20 GiB, and EBS caps gp3 at 16 TiB.
func NodeDiskSizeProblem(gib int) string {
	if gib < 20 || gib > 16384 {
		return "20–16384 GiB"
	}
	return ""
}

// IsKubernetesVersion reports whether v is one of KubernetesVersions.
func IsKubernetesVersion(v string) bool { return slices.Contains(KubernetesVersions, v) }

// PostgresMajorVersions are the RDS for PostgreSQL major versions in RDS
// standard support on 2026-11-25. 13 left standard support on 2026-02-28:
// a new instance on it is enrolled in (paid) RDS Extended Support. 19 is
// only in the RDS preview environment.
var PostgresMajorVersions = []int{14, 15, 16, 17, 18}

var postgresVersion = regexp.MustCompile(`^([1-9][0-9]{0,2})(\.[0-9]{1,3})?$`)

// PostgresVersionProblem returns "" if v is "<major>" or "<major>.<minor>"
// with a major in PostgresMajorVersions, and otherwise what is allowed.
func PostgresVersionProblem(v string) string {
	if m := postgresVersion.FindStringSubmatch(v); m != nil {
		major, _ := strconv.Atoi(m[1])
		if slices.Contains(PostgresMajorVersions, major) {
			return ""
		}
	}
	return fmt.Sprintf(
		"a PostgreSQL major version in RDS standard support (as of 2026-11-25), as \"17\" or \"17.x\": majors %v", PostgresMajorVersions)
}
