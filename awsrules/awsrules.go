// Package awsrules holds what AWS (and the services Stratum runs on it)
// accepts: name formats, identifiers, ranges, versions, windows and
// schedules. It imports nothing of the application, so the configuration's
// validation (config, clients) and the constructs apply the same rule, and
// a configuration that validates cannot be refused by a construct.
//
// Predicates are IsX(s) bool; rules with more than one way to fail are
// XProblem(s) string, which returns "" for an accepted value and otherwise
// what is allowed, phrased to follow "want" in an error message. Each list
// of allowed values says where it comes from; the dated ones must be
// revisited as AWS moves on.
package awsrules

import (
	"fmt"
	"regexp"
	"strings"
)

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

// principalARN: partition, account, role or user, optional path, name
// (IAM: at most 64 characters from [\w+=,.@-]; a path is / or /…/ of
// printable ASCII).
var principalARN = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(role|user)/(?:[!-~]*/)?([\w+=,.@-]{1,64})$`)

// IAMPrincipal is what an IAM role or user ARN says.
type IAMPrincipal struct {
	Partition, Account string
	// Kind is "role" or "user".
	Kind string
	// Name is the role's or user's name, without its path.
	Name string
}

// ParseIAMPrincipalARN parses an IAM role or user ARN.
func ParseIAMPrincipalARN(s string) (IAMPrincipal, bool) {
	m := principalARN.FindStringSubmatch(s)
	if m == nil {
		return IAMPrincipal{}, false
	}
	return IAMPrincipal{Partition: m[1], Account: m[2], Kind: m[3], Name: m[4]}, true
}

// ParseIAMRoleARN returns the partition and account of an IAM role ARN.
func ParseIAMRoleARN(s string) (partition, account string, ok bool) {
	p, ok := ParseIAMPrincipalARN(s)
	if !ok || p.Kind != "role" {
		return "", "", false
	}
	return p.Partition, p.Account, true
}

// MaxIAMRoleNameLength is the longest IAM role name IAM accepts.
const MaxIAMRoleNameLength = 64

// MaxNodeGroupNameLength is the longest EKS managed node group name EKS
// accepts.
const MaxNodeGroupNameLength = 63

// ManagedPolicyARN is the ARN of the AWS managed IAM policy name (with its
// path, e.g. "service-role/AmazonEBSCSIDriverPolicy") in partition, which
// may be a token.
func ManagedPolicyARN(partition, name string) string {
	return fmt.Sprintf("arn:%s:iam::aws:policy/%s", partition, name)
}

// IRSAAudience is the audience of the tokens EKS gives service accounts for
// IAM roles (IRSA): the OIDC provider's client id, and what a role's trust
// pins :aud to.
const IRSAAudience = "sts.amazonaws.com"

// ServiceEndpoint is the regional endpoint of an AWS service,
// <service>.<region>.amazonaws.com: the value of kms:ViaService, and the
// principal of regional services such as CloudWatch Logs ("logs").
func ServiceEndpoint(service, region string) string {
	return service + "." + region + ".amazonaws.com"
}

var dynamoTable = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// IsDynamoDBTableName reports whether s is a valid DynamoDB table name.
func IsDynamoDBTableName(s string) bool { return dynamoTable.MatchString(s) }
