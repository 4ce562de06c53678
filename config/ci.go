package config

import (
	"fmt"
	"regexp"
	"strings"

	"stratum/awsrules"
)

// CI is how CI/CD pipelines reach an environment's AWS account: by OIDC
// federation only, never stored keys. For every platform configured here
// bootstrap-<env> creates the platform's IAM OIDC identity provider (unless
// another environment of the account already does) and lets it assume two
// roles per layer of the environment (package deploy, CIRoleName):
//
//   - the plan role, read-only and secret-free: pull/merge request plans,
//     the plan before an apply, and the scheduled drift check;
//   - the deploy role: applies, only from the default branch.
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
	// AzureDevOps trusts the service connections of one Azure DevOps
	// project (AWS Toolkit for Azure DevOps with OIDC), one per layer and
	// purpose. Default: nil.
	AzureDevOps *AzureDevOpsCI
	// Teams may assume layers' roles by hand (sts:AssumeRole from the
	// team's role), for an apply or an investigation outside CI. The
	// break-glass role stays the only administrator. Default: none (only
	// CI assumes the layers' roles).
	Teams []Team
	// PullRequestPlans is when pull requests get plans of this
	// environment. A plan reads the stacks' states, and pull requests run
	// code nobody has reviewed yet. Default: PlansAfterApproval in a
	// production environment (its states hold the VPN tunnels' keys),
	// PlansAlways otherwise.
	PullRequestPlans PullRequestPlans
}

// PullRequestPlans is when pull requests get plans.
type PullRequestPlans string

const (
	// PlansAlways: every same-repository pull request plans.
	PlansAlways PullRequestPlans = "always"
	// PlansAfterApproval: a pull request plans only once a reviewer has
	// approved the run: GitHub jobs in the environment <env>-plan (give it
	// required reviewers), Azure DevOps jobs through the pull-request
	// service connections (give them an approval check). GitLab's token
	// cannot prove an approval to AWS, so GitLab merge requests get no
	// plan of such an environment: it is planned after the merge, before
	// its manual apply.
	PlansAfterApproval PullRequestPlans = "after-approval"
	// PlansNever: pull requests get no plan of the environment.
	PlansNever PullRequestPlans = "never"
)

// PullRequestPlanPolicy is PullRequestPlans with its default applied.
func (e Environment) PullRequestPlanPolicy() PullRequestPlans {
	switch {
	case e.CI.PullRequestPlans != "":
		return e.CI.PullRequestPlans
	case e.Production:
		return PlansAfterApproval
	}
	return PlansAlways
}

// Team is a group of people who own some layers: the role its members
// reach through the identity provider (an IAM Identity Center permission
// set's role, or the role a SAML IdP group maps to) may assume those
// layers' deploy and plan roles.
type Team struct {
	// Name says who the team is (docs/cicd-integration.md's table).
	Name string
	// RoleARNs are the team's roles: exact IAM role ARNs of the
	// environment's account (no wildcards), e.g.
	// arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Platform_0123456789abcdef.
	RoleARNs []string
	// Layers are the stack words of the layers the team owns
	// (foundation, platform, services, database, client).
	Layers []string
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
	// DefaultBranch is the only branch whose workflows may assume the
	// deploy roles (in ApplyEnvironment) and, without an environment, the
	// plan roles (the plan before an apply, the drift check).
	// Default: "main".
	DefaultBranch string
	// ApplyEnvironment is the GitHub deployment environment whose jobs on
	// DefaultBranch may assume the deploy roles; give it required
	// reviewers for prod and a deployment branch policy naming
	// DefaultBranch only (`stratum github-oidc` checks both).
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

// GitHubSubjectClaims is the OIDC subject template Stratum's trust
// policies expect the repository to use (set and verified by `stratum
// github-oidc`): GitHub's default subject names the deployment
// environment of a job but not its branch, so any branch whose workflow
// declares `environment: prod` would get prod's subject. With the ref in
// the subject, AWS itself refuses every branch but the default one.
var GitHubSubjectClaims = []string{"repo", "context", "ref"}

// ApplySubjects are the token subjects that may assume env's deploy
// roles: jobs of the apply environment on the default branch
// (repo:<repo>:environment:<env>:ref:refs/heads/<branch>).
func (g GitHubCI) ApplySubjects(env string) []string {
	return []string{g.repo() + ":environment:" + g.Environment(env) + ":ref:refs/heads/" + g.Branch()}
}

// PlanSubjects are the exact subjects that may assume env's plan roles:
// workflows on the default branch without an environment (the plan
// before an apply, the drift check).
func (g GitHubCI) PlanSubjects() []string {
	ref := "ref:refs/heads/" + g.Branch()
	return []string{g.repo() + ":" + ref + ":" + ref}
}

// PullRequestPattern is the subject pattern of pull-request plans
// (repo:<repo>:pull_request:ref:refs/pull/*, the merge ref GitHub checks
// out; GitHub issues no token to pull requests from forks), or with
// approval, of pull-request jobs in the GitHub environment <env>-plan,
// whose required reviewers approve each run.
func (g GitHubCI) PullRequestPattern(env string, approval bool) string {
	if approval {
		return g.repo() + ":environment:" + g.PlanEnvironment(env) + ":ref:refs/pull/*"
	}
	return g.repo() + ":pull_request:ref:refs/pull/*"
}

// PlanEnvironment is the GitHub environment whose reviewers approve the
// pull-request plans of an environment that plans pull requests only
// after an approval: <env>-plan.
func (g GitHubCI) PlanEnvironment(env string) string { return g.Environment(env) + "-plan" }

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
	// deploy roles. AWS sees only the branch: keep it protected so that
	// only maintainers merge, and protect the prod environment in GitLab.
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

// ApplySubjects are the subjects that may assume the deploy roles, and
// the plan roles from the default branch: jobs on the default branch
// (project_path:<path>:ref_type:branch:ref:<branch>). GitLab's subject
// can hold only the project, ref type and ref (ref_protected is a claim
// AWS cannot test), so keep the default branch protected.
func (g GitLabCI) ApplySubjects() []string {
	return []string{"project_path:" + g.ProjectPath + ":ref_type:branch:ref:" + g.Branch()}
}

// MergeRequestPattern matches the jobs of merge request plans: any branch
// of the project (merge request pipelines run on their source branch;
// pipelines of forks carry the fork's project_path).
func (g GitLabCI) MergeRequestPattern() string {
	return "project_path:" + g.ProjectPath + ":ref_type:branch:ref:*"
}

// AzureDevOpsAudience is the audience of Azure DevOps workload identity
// federation tokens.
const AzureDevOpsAudience = "api://AzureADTokenExchange"

// AzureDevOpsCI is the Azure DevOps project whose AWS service connections
// (AWS Toolkit for Azure DevOps, "Use OIDC") may assume the roles. The
// service connection is the identity: Azure DevOps issues a token whose
// subject names the connection, so who may use a connection (pipeline
// permissions, approvals and branch control checks on it) decides who may
// plan and apply. There is one connection per environment, layer and
// purpose (ConnectionName).
type AzureDevOpsCI struct {
	// OrganizationID is the organization's GUID; the issuer is
	// vstoken.dev.azure.com/<OrganizationID>.
	OrganizationID string
	// Organization and Project are the names in sc://<org>/<project>/….
	Organization, Project string
	// ExistingProvider: see GitHubCI.ExistingProvider.
	ExistingProvider bool
}

// Issuer is the token issuer without https://.
func (a AzureDevOpsCI) Issuer() string { return "vstoken.dev.azure.com/" + a.OrganizationID }

// The purposes of Azure DevOps service connections: pull-request plans,
// plans of the default branch (before an apply, drift), deploys.
const (
	AzurePullRequest = "pull-request"
	AzurePlan        = "plan"
	AzureDeploy      = "deploy"
)

// ConnectionName is the service connection of one layer (its stack word)
// and purpose in env: stratum-<env>-<word>-<purpose>.
func (a AzureDevOpsCI) ConnectionName(env, word, purpose string) string {
	return Prefix(env) + "-" + word + "-" + purpose
}

// Subject is the token subject of that connection.
func (a AzureDevOpsCI) Subject(env, word, purpose string) string {
	return fmt.Sprintf("sc://%s/%s/%s", a.Organization, a.Project, a.ConnectionName(env, word, purpose))
}

// CIRolePath is the IAM path of every deploy and plan role Stratum's CI
// and teams assume. No stack creates a role under it: the layers' deploy
// roles may create and change roles at the root path only, so none can
// touch another deploy role.
const CIRolePath = "/stratum-ci/"

// CIRoleName is the name of the role of one layer (its stack word:
// foundation, platform, services, database, client) for purpose ("deploy"
// or "plan") in env: stratum-<env>-<word>-<purpose>.
func CIRoleName(env, word, purpose string) string { return Prefix(env) + "-" + word + "-" + purpose }

// CIRoleARN is that role's ARN in e's account.
func (e Environment) CIRoleARN(word, purpose string) string {
	return e.RoleARN(strings.TrimPrefix(CIRolePath, "/") + CIRoleName(e.Name, word, purpose))
}

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
	c := e.CI
	if c.Enabled() && e.AssumeRoleARN != "" {
		// The providers would assume it from the layers' roles, which may
		// assume no role: a role a deploy role could assume would take it
		// out of its layer and its boundary.
		p.Add(owner, "AssumeRoleARN", e.AssumeRoleARN,
			"empty with CI: the layers' deploy and plan roles deploy the environment and may assume no other role; set AssumeRoleARN only for an environment deployed by hand")
	}
	checkTeams(p, owner, e)
	switch c.PullRequestPlans {
	case "", PlansAlways, PlansAfterApproval, PlansNever:
	default:
		p.Add(owner, "CI.PullRequestPlans", string(c.PullRequestPlans), fmt.Sprintf("%q, %q or %q", PlansAlways, PlansAfterApproval, PlansNever))
	}
	if e.Production && c.PullRequestPlans == PlansAlways {
		p.Add(owner, "CI.PullRequestPlans", string(c.PullRequestPlans), fmt.Sprintf("%q or %q in production: a pull request's code would read the production states' secrets unreviewed", PlansAfterApproval, PlansNever))
	}
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
	}
}

// checkTeams checks the teams' roles; stacks.Validate checks their
// layers, which this package does not know.
func checkTeams(p *Problems, owner string, e Environment) {
	for i, t := range e.CI.Teams {
		field := fmt.Sprintf("CI.Teams[%d]", i)
		if !azureName.MatchString(t.Name) {
			p.Add(owner, field+".Name", t.Name, "a team name: letters, digits, spaces, '.', '_' or '-', at most 64 characters")
		}
		if len(t.RoleARNs) == 0 {
			p.Add(owner, field+".RoleARNs", t.RoleARNs, "at least one role of the team")
		}
		for j, arn := range t.RoleARNs {
			_, account, ok := awsrules.ParseIAMRoleARN(arn)
			switch {
			case !ok || strings.ContainsAny(arn, "*?"):
				p.Add(owner, fmt.Sprintf("%s.RoleARNs[%d]", field, j), arn, "an exact IAM role ARN such as arn:aws:iam::123456789012:role/platform-team")
			case awsrules.IsAccountID(e.AccountID) && account != e.AccountID:
				p.Add(owner, fmt.Sprintf("%s.RoleARNs[%d]", field, j), arn, fmt.Sprintf("a role in account %s (AccountID)", e.AccountID))
			}
		}
		if len(t.Layers) == 0 {
			p.Add(owner, field+".Layers", t.Layers, "at least one layer the team owns")
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
