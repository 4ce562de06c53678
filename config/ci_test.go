package config_test

import (
	"reflect"
	"testing"

	"stratum/config"
)

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
