package awsrules

import "regexp"

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
