package deploy

import "stratum/config"

// WebIdentity is who may assume a layer's role by OIDC federation
// (sts:AssumeRoleWithWebIdentity): tokens of one issuer, with one
// audience, whose subject is one of Subjects or matches SubjectPattern.
type WebIdentity struct {
	// Sid names the trust statement.
	Sid string
	// Issuer is the token issuer without https://, as IAM names its
	// identity provider.
	Issuer   string
	Audience string
	// Subjects are the exact sub values allowed.
	Subjects []string
	// SubjectPattern, when set, is a sub pattern whose only wildcard is a
	// trailing "*" (StringLike).
	SubjectPattern string
}

// WebIdentities are the identities that may assume layer d's role for
// purpose p in env: one per CI platform configured, in the order GitHub,
// GitLab, Azure DevOps. The roles' trust policies (bootstrap-<env>) and
// the audit layer's alarm on every other subject (audit-<env>) are both
// built from them, so the alarm knows exactly the subjects the trust
// admits.
func WebIdentities(env config.Environment, d Layer, p Purpose) []WebIdentity {
	ci, pr := env.CI, env.PullRequestPlanPolicy()
	var out []WebIdentity
	if g := ci.GitHub; g != nil {
		if p == Apply {
			out = append(out, WebIdentity{Sid: "GitHubApply", Issuer: config.GitHubIssuer, Audience: config.GitHubAudience, Subjects: g.ApplySubjects(env.Name)})
		} else {
			id := WebIdentity{Sid: "GitHubPlan", Issuer: config.GitHubIssuer, Audience: config.GitHubAudience, Subjects: g.PlanSubjects()}
			if pr != config.PlansNever {
				id.SubjectPattern = g.PullRequestPattern(env.Name, pr == config.PlansAfterApproval)
			}
			out = append(out, id)
		}
	}
	if g := ci.GitLab; g != nil {
		if p == Apply {
			out = append(out, WebIdentity{Sid: "GitLabApply", Issuer: g.Issuer(), Audience: g.TokenAudience(), Subjects: g.ApplySubjects()})
		} else {
			id := WebIdentity{Sid: "GitLabPlan", Issuer: g.Issuer(), Audience: g.TokenAudience(), Subjects: g.ApplySubjects()}
			// GitLab's token cannot prove an approval: merge requests plan
			// only environments that plan every pull request.
			if pr == config.PlansAlways {
				id.SubjectPattern = g.MergeRequestPattern()
			}
			out = append(out, id)
		}
	}
	if a := ci.AzureDevOps; a != nil {
		if p == Apply {
			out = append(out, WebIdentity{Sid: "AzureDevOpsApply", Issuer: a.Issuer(), Audience: config.AzureDevOpsAudience,
				Subjects: []string{a.Subject(env.Name, d.Word(), config.AzureDeploy)}})
		} else {
			subjects := []string{a.Subject(env.Name, d.Word(), config.AzurePlan)}
			if pr != config.PlansNever {
				subjects = append(subjects, a.Subject(env.Name, d.Word(), config.AzurePullRequest))
			}
			out = append(out, WebIdentity{Sid: "AzureDevOpsPlan", Issuer: a.Issuer(), Audience: config.AzureDevOpsAudience, Subjects: subjects})
		}
	}
	return out
}
