package config_test

import (
	"reflect"
	"testing"

	"stratum/config"
	"stratum/config/configtest"
)

var ciCases = []ruleCase{
	{name: "github repository",
		good:  func(e []config.Environment) { e[prod].CI.GitHub.Repository = "acme-corp/platform.infra" },
		bad:   func(e []config.Environment) { e[prod].CI.GitHub.Repository = "acme-corp/*" },
		field: "CI.GitHub.Repository", value: "acme-corp/*", want: "owner/name"},
	{name: "github immutable ids come in pairs",
		good: func(e []config.Environment) {
			e[prod].CI.GitHub.OwnerID, e[prod].CI.GitHub.RepositoryID = 123456, 456789
		},
		bad:   func(e []config.Environment) { e[prod].CI.GitHub.OwnerID = 123456 },
		field: "CI.GitHub.OwnerID/RepositoryID", value: "123456/0", want: "both positive"},
	{name: "github apply environment without wildcards",
		good:  func(e []config.Environment) { e[prod].CI.GitHub.ApplyEnvironment = "production" },
		bad:   func(e []config.Environment) { e[prod].CI.GitHub.ApplyEnvironment = "prod*" },
		field: "CI.GitHub.ApplyEnvironment", value: "prod*", want: "no wildcards"},
	{name: "github branch without separator",
		good:  func(e []config.Environment) { e[prod].CI.GitHub.DefaultBranch = "release/main" },
		bad:   func(e []config.Environment) { e[prod].CI.GitHub.DefaultBranch = "main:x" },
		field: "CI.GitHub.DefaultBranch", value: "main:x", want: "':'"},
	{name: "gitlab project path",
		good:  func(e []config.Environment) { e[prod].CI.GitLab = &config.GitLabCI{ProjectPath: "group/sub/stratum"} },
		bad:   func(e []config.Environment) { e[prod].CI.GitLab = &config.GitLabCI{ProjectPath: "stratum"} },
		field: "CI.GitLab.ProjectPath", value: "stratum", want: "group/project"},
	{name: "gitlab url",
		good: func(e []config.Environment) {
			e[prod].CI.GitLab = &config.GitLabCI{URL: "https://gitlab.example.com", ProjectPath: "g/p"}
		},
		bad: func(e []config.Environment) {
			e[prod].CI.GitLab = &config.GitLabCI{URL: "https://gitlab.example.com/", ProjectPath: "g/p"}
		},
		field: "CI.GitLab.URL", value: "gitlab.example.com/", want: "https:// URL without a trailing slash"},
	{name: "azure organization id",
		good: func(e []config.Environment) {
			e[prod].CI.AzureDevOps = &config.AzureDevOpsCI{OrganizationID: "61c028b9-510c-4f84-bfb2-f48d33b6b542", Organization: "acme", Project: "Platform"}
		},
		bad: func(e []config.Environment) {
			e[prod].CI.AzureDevOps = &config.AzureDevOpsCI{OrganizationID: "acme", Organization: "acme", Project: "Platform"}
		},
		field: "CI.AzureDevOps.OrganizationID", value: "acme", want: "GUID"},
	{name: "azure connections differ",
		bad: func(e []config.Environment) {
			e[prod].CI.AzureDevOps = &config.AzureDevOpsCI{OrganizationID: "61c028b9-510c-4f84-bfb2-f48d33b6b542", Organization: "acme", Project: "Platform",
				PlanConnection: "aws-prod", ApplyConnection: "aws-prod"}
		},
		field: "CI.AzureDevOps.ApplyConnection", value: "aws-prod", want: "other than PlanConnection"},
	{name: "one identity provider per account",
		good: func(e []config.Environment) {
			e[staging].AccountID = "111111111111"
			e[staging].CI.GitHub = &config.GitHubCI{Repository: "example-org/stratum", ExistingProvider: true}
		},
		bad:   func(e []config.Environment) { e[staging].AccountID = "111111111111" },
		owner: `environment "staging"`, field: "CI.GitHub.ExistingProvider", value: "false", want: `environment "prod" already creates the IAM OIDC provider`},
}

func TestValidateCI(t *testing.T) {
	for _, c := range ciCases {
		t.Run(c.name, func(t *testing.T) {
			if c.good != nil {
				envs := config.Environments()
				c.good(envs)
				if err := config.Validate(envs); err != nil {
					t.Errorf("good case: Validate() = %v, want nil", err)
				}
			}
			envs := config.Environments()
			// Each environment gets its own copy: ci() returns fresh pointers.
			c.bad(envs)
			owner := c.owner
			if owner == "" {
				owner = prodOwner
			}
			configtest.ExpectOne(t, config.Validate(envs), owner, c.field, c.value, c.want)
		})
	}
}

func TestCISubjects(t *testing.T) {
	cases := []struct {
		name      string
		plan      []string
		apply     []string
		planMatch string
	}{
		{name: "github by name",
			plan:  config.GitHubCI{Repository: "o/r"}.PlanSubjects(),
			apply: config.GitHubCI{Repository: "o/r"}.ApplySubjects("prod"),
		},
		{name: "github immutable",
			plan:  config.GitHubCI{Repository: "o/r", OwnerID: 1, RepositoryID: 2, DefaultBranch: "trunk"}.PlanSubjects(),
			apply: config.GitHubCI{Repository: "o/r", OwnerID: 1, RepositoryID: 2, ApplyEnvironment: "production"}.ApplySubjects("prod"),
		},
		{name: "gitlab",
			apply:     config.GitLabCI{ProjectPath: "g/s/p"}.ApplySubjects(),
			planMatch: config.GitLabCI{ProjectPath: "g/s/p"}.PlanSubjectPattern(),
		},
		{name: "azure",
			plan:  config.AzureDevOpsCI{Organization: "acme", Project: "Platform"}.PlanSubjects("dev"),
			apply: config.AzureDevOpsCI{Organization: "acme", Project: "Platform"}.ApplySubjects("dev"),
		},
	}
	want := map[string][3]any{
		"github by name":   {[]string{"repo:o/r:pull_request", "repo:o/r:ref:refs/heads/main"}, []string{"repo:o/r:environment:prod"}, ""},
		"github immutable": {[]string{"repo:o@1/r@2:pull_request", "repo:o@1/r@2:ref:refs/heads/trunk"}, []string{"repo:o@1/r@2:environment:production"}, ""},
		"gitlab":           {[]string(nil), []string{"project_path:g/s/p:ref_type:branch:ref:main"}, "project_path:g/s/p:ref_type:branch:ref:*"},
		"azure":            {[]string{"sc://acme/Platform/stratum-dev-plan"}, []string{"sc://acme/Platform/stratum-dev-apply"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := want[tc.name]
			if !reflect.DeepEqual(tc.plan, w[0]) || !reflect.DeepEqual(tc.apply, w[1]) || tc.planMatch != w[2] {
				t.Errorf("got plan %v apply %v pattern %q, want %v %v %q", tc.plan, tc.apply, tc.planMatch, w[0], w[1], w[2])
			}
		})
	}
	g := config.GitLabCI{ProjectPath: "g/p"}
	if g.Issuer() != "gitlab.com" || g.TokenAudience() != "https://gitlab.com" {
		t.Errorf("gitlab defaults: issuer %q audience %q, want gitlab.com and https://gitlab.com", g.Issuer(), g.TokenAudience())
	}
}
