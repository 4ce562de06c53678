package awsrules

import (
	"net/url"
	"regexp"
	"strings"
)

// emailAddress is an RFC 5321 mailbox in its common form: a dot-atom
// local part and a domain of DNS labels with an alphabetic top-level
// label. Quoted local parts and address literals, which SNS would take
// but mail systems routinely refuse, are not accepted.
var emailAddress = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$`)

// EmailProblem returns "" if s is an e-mail address an SNS email
// subscription can deliver to, and otherwise what is allowed.
func EmailProblem(s string) string {
	local, _, _ := strings.Cut(s, "@")
	switch {
	case !emailAddress.MatchString(s):
		return "an e-mail address such as oncall@example.com"
	case len(local) > 64:
		return "an e-mail address whose part before @ has at most 64 characters"
	case len(s) > 254:
		return "an e-mail address of at most 254 characters"
	}
	return ""
}

// HTTPSEndpointProblem returns "" if s is an https:// URL an SNS https
// subscription (a paging tool's integration endpoint) can deliver to,
// and otherwise what is allowed. Plain http is refused, so alerts never
// cross the internet unencrypted, and so are credentials in the URL
// (user:password@), which would sit in the repository and the state.
func HTTPSEndpointProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "" || u.Opaque != "":
		return "an https:// URL such as https://events.pagerduty.com/integration/<key>/enqueue"
	case u.User != nil:
		return "an https:// URL without user:password@: credentials in the URL would be kept in the repository and the Terraform state"
	case u.Fragment != "" || strings.ContainsAny(s, " \t\n"):
		return "an https:// URL without a fragment or spaces"
	case !IsDNSName(strings.ToLower(u.Hostname())):
		return "an https:// URL whose host is a DNS name such as events.pagerduty.com"
	}
	return ""
}
