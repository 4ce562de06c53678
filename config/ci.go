package config

import (
	"fmt"
	"regexp"
	"strings"
)

// CI is how CI/CD pipelines reach an environment's AWS account: by OIDC
// federation only, never stored keys. For every platform configured here
// bootstrap-<env> creates the platform's IAM OIDC identity provider (unless
// another environment of the account already does) and lets it assume two
// roles of the environment:
//
//   - the plan role (CIPlanRoleName), read-only: pull/merge request plans,
//     the plan before an apply, and the scheduled drift check;
//   - the apply role (CIApplyRoleName): applies, only from the branch or
//     deployment environment allowed to apply.
//
// Every trust is pinned to the token's audience and to exact subjects of
// one repository; see docs/cicd-integration.md. Default: no platform, no
// roles.
type CI struct {
	// GitHub trusts GitHub Actions workflows of one repository.
	// Default: nil (no GitHub trust).
	GitHub *GitHubCI
	// GitLab trusts GitLab CI/CD jobs of one project. Default: nil.
	GitLab *GitLabCI
	// AzureDevOps trusts two service connections of one Azure DevOps
	// project (AWS Toolkit for Azure DevOps with OIDC). Default: nil.
	AzureDevOps *AzureDevOpsCI
}

// Enabled reports whether any platform is configured.
func (c CI) Enabled() bool { return c.GitHub != nil || c.GitLab != nil || c.AzureDevOps != nil }

// GitHubIssuer is the issuer of GitHub Actions OIDC tokens (github.com).
const GitHubIssuer = "token.actions.githubusercontent.com"

// GitHubAudience is the audience aws-actions/configure-aws-credentials
// requests by default.
const GitHubAudience = "sts.amazonaws.com"

// GitHubCI is the GitHub repository whose workflows may assume the roles.
type GitHubCI struct {
	// Repository is owner/name, e.g. example-org/stratum.
	Repository string
	// OwnerID and RepositoryID are the numeric ids of the owner and the
	// repository. Set both when the repository uses GitHub's immutable
	// subject claims (the default for repositories created or renamed
	// since 2026-07-15): subjects then read repo:owner@ID/name@ID:…, and a
	// deleted and re-created name cannot match. Default: 0 (name-only
	// subjects, repo:owner/name:…).
	OwnerID, RepositoryID int64
	// DefaultBranch is the branch whose workflows (the plan before an
	// apply, the drift check) may assume the plan role. Default: "main".
	DefaultBranch string
	// ApplyEnvironment is the GitHub deployment environment whose jobs may
	// assume the apply role; give it required reviewers for prod.
	// Default: the Stratum environment's name.
	ApplyEnvironment string
	// ExistingProvider uses the account's existing identity provider for
	// GitHubIssuer instead of creating it. An account holds one provider
	// per issuer, so when several environments share an account exactly
	// one of them creates it. Default: false (this environment creates it).
	ExistingProvider bool
}

// Branch is DefaultBranch with its default applied.
func (g GitHubCI) Branch() string { return orDefault(g.DefaultBranch, "main") }

// Environment is ApplyEnvironment with its default applied.
func (g GitHubCI) Environment(env string) string { return orDefault(g.ApplyEnvironment, env) }

func (g GitHubCI) repo() string {
	if g.OwnerID == 0 {
		return "repo:" + g.Repository
	}
	owner, name, _ := strings.Cut(g.Repository, "/")
	return fmt.Sprintf("repo:%s@%d/%s@%d", owner, g.OwnerID, name, g.RepositoryID)
}

// PlanSubjects are the token subjects that may assume the plan role:
// pull requests of the repository (GitHub issues no token to pull
// requests from forks) and workflows on the default branch.
func (g GitHubCI) PlanSubjects() []string {
	return []string{g.repo() + ":pull_request", g.repo() + ":ref:refs/heads/" + g.Branch()}
}

// ApplySubjects are the token subjects that may assume the apply role:
// jobs that run in the apply environment (a job with `environment:` gets
// this subject and no other).
func (g GitHubCI) ApplySubjects(env string) []string {
	return []string{g.repo() + ":environment:" + g.Environment(env)}
}

// GitLabCI is the GitLab project whose jobs may assume the roles.
type GitLabCI struct {
	// URL is the GitLab instance, the issuer of its ID tokens.
	// Default: "https://gitlab.com".
	URL string
	// ProjectPath is group/project (subgroups allowed), e.g.
	// example-group/stratum.
	ProjectPath string
	// Audience is the aud the jobs request in id_tokens.
	// Default: URL.
	Audience string
	// DefaultBranch is the protected branch whose jobs may assume the
	// apply role. AWS sees only the branch: keep it protected so that only
	// maintainers merge, and protect the prod environment in GitLab.
	// Default: "main".
	DefaultBranch string
	// ExistingProvider: see GitHubCI.ExistingProvider.
	ExistingProvider bool
}

// Issuer is the instance URL without https://, as IAM names the provider.
func (g GitLabCI) Issuer() string {
	return strings.TrimPrefix(orDefault(g.URL, "https://gitlab.com"), "https://")
}

// InstanceURL is URL with its default applied.
func (g GitLabCI) InstanceURL() string { return "https://" + g.Issuer() }

// TokenAudience is Audience with its default applied.
func (g GitLabCI) TokenAudience() string { return orDefault(g.Audience, g.InstanceURL()) }

// Branch is DefaultBranch with its default applied.
func (g GitLabCI) Branch() string { return orDefault(g.DefaultBranch, "main") }

// PlanSubjectPattern matches the jobs that may assume the plan role: any
// branch of the project (merge request pipelines run on their source
// branch; pipelines of forks carry the fork's project_path).
func (g GitLabCI) PlanSubjectPattern() string {
	return "project_path:" + g.ProjectPath + ":ref_type:branch:ref:*"
}

// ApplySubjects are the subjects that may assume the apply role.
func (g GitLabCI) ApplySubjects() []string {
	return []string{"project_path:" + g.ProjectPath + ":ref_type:branch:ref:" + g.Branch()}
}

// AzureDevOpsAudience is the audience of Azure DevOps workload identity
// federation tokens.
const AzureDevOpsAudience = "api://AzureADTokenExchange"

// AzureDevOpsCI is the Azure DevOps project whose AWS service connections
// (AWS Toolkit for Azure DevOps, "Use OIDC") may assume the roles. The
// service connection is the identity: Azure DevOps issues a token whose
// subject names the connection, so who may use a connection (pipeline
// permissions, approvals and branch control checks on it) decides who may
// plan and apply.
type AzureDevOpsCI struct {
	// OrganizationID is the organization's GUID; the issuer is
	// vstoken.dev.azure.com/<OrganizationID>.
	OrganizationID string
	// Organization and Project are the names in sc://<org>/<project>/….
	Organization, Project string
	// PlanConnection and ApplyConnection are the service connections'
	// names. Default: stratum-<env>-plan and stratum-<env>-apply.
	PlanConnection, ApplyConnection string
	// ExistingProvider: see GitHubCI.ExistingProvider.
	ExistingProvider bool
}

// Issuer is the token issuer without https://.
func (a AzureDevOpsCI) Issuer() string { return "vstoken.dev.azure.com/" + a.OrganizationID }

// PlanConnectionName and ApplyConnectionName apply the defaults.
func (a AzureDevOpsCI) PlanConnectionName(env string) string {
	return orDefault(a.PlanConnection, Project+"-"+env+"-plan")
}

// ApplyConnectionName is ApplyConnection with its default applied.
func (a AzureDevOpsCI) ApplyConnectionName(env string) string {
	return orDefault(a.ApplyConnection, Project+"-"+env+"-apply")
}

func (a AzureDevOpsCI) subject(conn string) string {
	return fmt.Sprintf("sc://%s/%s/%s", a.Organization, a.Project, conn)
}

// PlanSubjects are the subjects that may assume the plan role.
func (a AzureDevOpsCI) PlanSubjects(env string) []string {
	return []string{a.subject(a.PlanConnectionName(env))}
}

// ApplySubjects are the subjects that may assume the apply role.
func (a AzureDevOpsCI) ApplySubjects(env string) []string {
	return []string{a.subject(a.ApplyConnectionName(env))}
}

// CIPlanRoleName is the name of the environment's read-only CI role.
func CIPlanRoleName(env string) string { return Project + "-" + env + "-ci-plan" }

// CIApplyRoleName is the name of the environment's CI role that applies.
func CIApplyRoleName(env string) string { return Project + "-" + env + "-ci-apply" }

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

var (
	githubRepo   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	gitlabPath   = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$`)
	gitlabURL    = regexp.MustCompile(`^https://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*$`)
	guid         = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	azureName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$`)
	claimLiteral = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$`)
)

// checkCI validates an environment's CI trust. Subjects are compared by
// StringEquals, so no value may carry wildcards or the claim separator.
func checkCI(p *Problems, owner string, e Environment) {
	// AssumeRoleARN is allowed with CI: the stacks' providers then assume
	// it from the CI role's session, which works only if that role trusts
	// the CI roles, and then a plan acts with that role's rights. The
	// docs say to leave it empty for environments deployed by CI.
	c := e.CI
	if g := c.GitHub; g != nil {
		if !githubRepo.MatchString(g.Repository) {
			p.Add(owner, "CI.GitHub.Repository", g.Repository, "owner/name of a GitHub repository, e.g. example-org/stratum")
		}
		if (g.OwnerID == 0) != (g.RepositoryID == 0) || g.OwnerID < 0 || g.RepositoryID < 0 {
			p.Add(owner, "CI.GitHub.OwnerID/RepositoryID", fmt.Sprintf("%d/%d", g.OwnerID, g.RepositoryID),
				"both positive (immutable subject claims) or both 0 (name-only subjects)")
		}
		checkClaimLiteral(p, owner, "CI.GitHub.DefaultBranch", g.DefaultBranch)
		checkClaimLiteral(p, owner, "CI.GitHub.ApplyEnvironment", g.ApplyEnvironment)
	}
	if g := c.GitLab; g != nil {
		if g.URL != "" && !gitlabURL.MatchString(g.URL) {
			p.Add(owner, "CI.GitLab.URL", g.URL, "the instance's https:// URL without a trailing slash, query or fragment, e.g. https://gitlab.example.com")
		}
		if !gitlabPath.MatchString(g.ProjectPath) {
			p.Add(owner, "CI.GitLab.ProjectPath", g.ProjectPath, "group/project (subgroups allowed), e.g. example-group/stratum")
		}
		if g.Audience != "" && strings.ContainsAny(g.Audience, "*? ") {
			p.Add(owner, "CI.GitLab.Audience", g.Audience, "one audience without wildcards or spaces")
		}
		checkClaimLiteral(p, owner, "CI.GitLab.DefaultBranch", g.DefaultBranch)
	}
	if a := c.AzureDevOps; a != nil {
		if !guid.MatchString(a.OrganizationID) {
			p.Add(owner, "CI.AzureDevOps.OrganizationID", a.OrganizationID, "the organization's GUID in lowercase, e.g. 61c028b9-510c-4f84-bfb2-f48d33b6b542")
		}
		for field, v := range map[string]string{"Organization": a.Organization, "Project": a.Project} {
			if !azureName.MatchString(v) {
				p.Add(owner, "CI.AzureDevOps."+field, v, "an Azure DevOps name: letters, digits, spaces, '.', '_' or '-', at most 64 characters")
			}
		}
		for field, v := range map[string]string{"PlanConnection": a.PlanConnection, "ApplyConnection": a.ApplyConnection} {
			if v != "" && !azureName.MatchString(v) {
				p.Add(owner, "CI.AzureDevOps."+field, v, "a service connection name: letters, digits, spaces, '.', '_' or '-', at most 64 characters, or empty for the default")
			}
		}
		if a.PlanConnectionName(e.Name) == a.ApplyConnectionName(e.Name) {
			p.Add(owner, "CI.AzureDevOps.ApplyConnection", a.ApplyConnectionName(e.Name), "a connection other than PlanConnection: the apply role must not be reachable through the plan connection")
		}
	}
}

// checkClaimLiteral checks an optional value that becomes part of an
// exact token subject.
func checkClaimLiteral(p *Problems, owner, field, v string) {
	if v != "" && !claimLiteral.MatchString(v) {
		p.Add(owner, field, v, "a name of letters, digits, '.', '_', '/' or '-' (no wildcards or ':'), or empty for the default")
	}
}

// checkCIProviders: an AWS account holds one IAM OIDC provider per issuer,
// so of the environments sharing an account exactly one may create it.
func checkCIProviders(p *Problems, envs []Environment) {
	creator := map[string]string{} // account + issuer → environment
	for _, e := range envs {
		if e.AccountID == "" {
			continue // no account: checkAccount reports it
		}
		type idp struct {
			field, issuer string
			existing      bool
		}
		var idps []idp
		if g := e.CI.GitHub; g != nil {
			idps = append(idps, idp{"CI.GitHub.ExistingProvider", GitHubIssuer, g.ExistingProvider})
		}
		if g := e.CI.GitLab; g != nil {
			idps = append(idps, idp{"CI.GitLab.ExistingProvider", g.Issuer(), g.ExistingProvider})
		}
		if a := e.CI.AzureDevOps; a != nil {
			idps = append(idps, idp{"CI.AzureDevOps.ExistingProvider", a.Issuer(), a.ExistingProvider})
		}
		for _, i := range idps {
			if i.existing {
				continue
			}
			key := e.AccountID + " " + i.issuer
			if first, dup := creator[key]; dup {
				p.Add(EnvironmentOwner(e.Name), i.field, false, fmt.Sprintf(
					"true: environment %q already creates the IAM OIDC provider for %s in account %s, and an account holds one provider per issuer",
					first, i.issuer, e.AccountID))
				continue
			}
			creator[key] = e.Name
		}
	}
}
