package awsrules

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

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
