package awsrules_test

import (
	"strings"
	"testing"

	"stratum/awsrules"
)

func TestEmailProblem(t *testing.T) {
	checkProblem(t, "EmailProblem", awsrules.EmailProblem,
		[]string{"oncall@example.com", "platform+alerts@ops.example.co.uk", "a.b-c@x.io", "O'Brien@Example.COM"},
		map[string]string{
			"":                                       "e-mail address such as",
			"oncall":                                 "e-mail address such as",
			"oncall@localhost":                       "e-mail address such as",
			"on call@example.com":                    "e-mail address such as",
			".oncall@example.com":                    "e-mail address such as",
			"on..call@example.com":                   "e-mail address such as",
			"oncall@-example.com":                    "e-mail address such as",
			"oncall@example.com.":                    "e-mail address such as",
			"mailto:oncall@example.com":              "e-mail address such as",
			strings.Repeat("a", 65) + "@example.com": "at most 64",
			"a@" + strings.Repeat(strings.Repeat("b", 60)+".", 5) + "com": "at most 254",
		})
}

func TestHTTPSEndpointProblem(t *testing.T) {
	checkProblem(t, "HTTPSEndpointProblem", awsrules.HTTPSEndpointProblem,
		[]string{"https://events.pagerduty.com/integration/abc123/enqueue", "https://api.opsgenie.com/v1/json/amazonsns?apiKey=x", "https://hooks.example.com:8443/sns"},
		map[string]string{
			"http://events.pagerduty.com/x":       "https:// URL such as",
			"events.pagerduty.com/x":              "https:// URL such as",
			"https://":                            "https:// URL such as",
			"https:events.pagerduty.com":          "https:// URL such as",
			"https://user:pw@hooks.example.com/x": "without user:password@",
			"https://hooks.example.com/x#frag":    "without a fragment",
			"https://hooks.example.com/a b":       "https:// URL",
			"https://10.0.0.1/sns":                "host is a DNS name",
			"https://localhost/sns":               "host is a DNS name",
		})
}
