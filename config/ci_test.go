package config_test

import (
	"reflect"
	"testing"

	"stratum/config"
)

func TestCISubjects(t *testing.T) {
	gh := config.GitHubCI{Repository: "o/r"}
	ghID := config.GitHubCI{Repository: "o/r", OwnerID: 1, RepositoryID: 2, DefaultBranch: "trunk", ApplyEnvironment: "production"}
	gl := config.GitLabCI{ProjectPath: "g/s/p"}
	az := config.AzureDevOpsCI{Organization: "acme", Project: "Platform"}
	cases := []struct {
		name string
		got  any
		want any
	}{
		{"github apply", gh.ApplySubjects("prod"), []string{"repo:o/r:environment:prod:ref:refs/heads/main"}},
		{"github plan", gh.PlanSubjects(), []string{"repo:o/r:ref:refs/heads/main:ref:refs/heads/main"}},
		{"github pull requests", gh.PullRequestPattern("dev", false), "repo:o/r:pull_request:ref:refs/pull/*"},
		{"github approved pull requests", gh.PullRequestPattern("prod", true), "repo:o/r:environment:prod-plan:ref:refs/pull/*"},
		{"github immutable apply", ghID.ApplySubjects("prod"), []string{"repo:o@1/r@2:environment:production:ref:refs/heads/trunk"}},
		{"github immutable plan", ghID.PlanSubjects(), []string{"repo:o@1/r@2:ref:refs/heads/trunk:ref:refs/heads/trunk"}},
		{"gitlab apply", gl.ApplySubjects(), []string{"project_path:g/s/p:ref_type:branch:ref:main"}},
		{"gitlab merge requests", gl.MergeRequestPattern(), "project_path:g/s/p:ref_type:branch:ref:*"},
		{"azure deploy", az.Subject("dev", "client", config.AzureDeploy), "sc://acme/Platform/stratum-dev-client-deploy"},
		{"azure pull requests", az.Subject("dev", "database", config.AzurePullRequest), "sc://acme/Platform/stratum-dev-database-pull-request"},
		{"role name", config.CIRoleName("prod", "foundation", "deploy"), "stratum-prod-foundation-deploy"},
		{"role arn", config.Environment{Name: "prod", Region: "us-east-1", AccountID: "111111111111"}.CIRoleARN("client", "plan"),
			"arn:aws:iam::111111111111:role/stratum-ci/stratum-prod-client-plan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
	g := config.GitLabCI{ProjectPath: "g/p"}
	if g.Issuer() != "gitlab.com" || g.TokenAudience() != "https://gitlab.com" {
		t.Errorf("gitlab defaults: issuer %q audience %q, want gitlab.com and https://gitlab.com", g.Issuer(), g.TokenAudience())
	}
}
