package placeholders

import (
	"bytes"
	"strings"
	"testing"

	"stratum/config"
	"stratum/tools/cli"
)

func TestWhy(t *testing.T) {
	examples := map[string]string{
		"111111111111": "example AWS account id",
		"123456789012": "example AWS account id",
		"arn:aws:iam::222222222222:role/break-glass": "an ARN in an example AWS account (222222222222)",
		"prod.stratum.example.com":                   "reserved for examples",
		"oncall@example.org":                         "reserved for examples",
		"https://hooks.example.net/x":                "reserved for examples",
		"gitlab.test":                                "reserved for examples",
		"203.0.113.10":                               "documentation",
		"192.0.2.0/24":                               "documentation",
		"2001:db8::/48":                              "documentation",
		"https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue": "example key",
		"example-org/stratum":                               "example repository owner example-org",
		"https://github.com/example-org/stratum/blob/main/": "example repository owner example-org",
		"example-group/platform":                            "example repository owner example-group",
	}
	for v, want := range examples {
		if got := Why(v); !strings.Contains(got, want) {
			t.Errorf("Why(%q) = %q, want it to say %q", v, got, want)
		}
	}
	// Real values of the same shapes are no placeholders.
	for _, v := range []string{
		"", "406185312711", "arn:aws:iam::406185312711:role/break-glass", "prod.acme-corp.io", "oncall@acme-corp.io",
		"https://github.com/acme-corp/stratum/blob/main/", "acme-corp/stratum", "10.10.0.0/16", "172.16.0.0/16", "52.94.76.10",
		"https://events.pagerduty.com/integration/9f3c1e2d4b5a69788796a5b4c3d2e1f0/enqueue", "m6i.large", "db.r6g.large",
		"cron(0 3 * * ? *)", "sun:05:00-sun:06:00", "us-east-1a", "stratum-prod-tfstate", "17", "1.35",
	} {
		if got := Why(v); got != "" {
			t.Errorf("Why(%q) = %q, want no placeholder", v, got)
		}
	}
}

// TestFindsTheShippedPlaceholders: the configuration this repository
// ships is full of examples, and the check names each field that holds
// one — every account, break-glass role, domain, address, the repository
// and the runbook links of the alarms.
func TestFindsTheShippedPlaceholders(t *testing.T) {
	found := map[string]bool{}
	for _, p := range Find(config.Environments()) {
		found[p.Environment+" "+p.Field] = true
	}
	for _, want := range []string{
		"prod AccountID", "staging AccountID", "dev AccountID",
		"prod Cluster.BreakGlassRoleARN", "prod Domain", "prod Alerts.Emails[0]", "prod Alerts.HTTPSEndpoints[0].URL",
		"prod VPN.CustomerGateways[0].IPAddress", "dev Cluster.PublicAccessCIDRs[0]",
		"prod CI.GitHub.Repository", "prod Alerts.RunbookBaseURL", "dev Alerts.RunbookBaseURL",
	} {
		if !found[want] {
			t.Errorf("no placeholder reported at %s; found %v", want, found)
		}
	}
}

// TestCommand: the placeholders are a result (2), not a failure; a
// configuration of one's own is 0.
func TestCommand(t *testing.T) {
	own := func() []config.Environment {
		e := config.Environments()[:1]
		e[0] = config.Environment{Name: "prod", AccountID: "406185312711", Domain: "prod.acme-corp.io"}
		return e
	}
	for _, tc := range []struct {
		name string
		envs func() []config.Environment
		args []string
		code int
		want string
	}{
		{"shipped", config.Environments, nil, cli.ExitChanges, "prod         AccountID"},
		{"own", own, nil, cli.ExitOK, "No placeholder is set"},
		{"stray argument", config.Environments, []string{"prod"}, cli.ExitUsage, `unexpected argument "prod"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			owners := config.Owners
			if tc.name == "own" {
				owners = func() config.CodeOwners { return config.CodeOwners{Default: []string{"@acme/platform"}} }
			}
			if code := run(tc.args, tc.envs, owners, &out, &errs); code != tc.code || !strings.Contains(out.String()+errs.String(), tc.want) {
				t.Errorf("exit %d, output %q; want %d and %q", code, out.String()+errs.String(), tc.code, tc.want)
			}
		})
	}
}
