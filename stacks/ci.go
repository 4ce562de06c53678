package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"

	"stratum/config"
	"stratum/constructs/cirole"
	"stratum/deploy"
)

// ApplySessionSeconds is the deploy roles' longest session: creating an
// EKS cluster or a Multi-AZ database takes longer than the default hour.
const ApplySessionSeconds = 7200

// newCIRoles adds the environment's CI identity providers and, for every
// layer of deploy.Layers, its deploy and plan roles to the bootstrap
// stack, with the permissions boundary every role carries. They live
// here, in the one stack CI never applies, so that no pipeline can widen
// its own trust or permissions. guardARN is the SSM contract guard, which
// every role carries.
func newCIRoles(s *Stack, env config.Environment, boundaryARN, guardARN *string) {
	ci := env.CI
	if !ci.Enabled() {
		return
	}
	type trusts struct{ plan, apply []cirole.Trust }
	prTrust := env.PullRequestPlanPolicy()
	var providers []func(d deploy.Layer) trusts
	if g := ci.GitHub; g != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-github", &cirole.ProviderProps{
			Issuer: config.GitHubIssuer, Audiences: []string{config.GitHubAudience}, Existing: g.ExistingProvider,
		})
		providers = append(providers, func(deploy.Layer) trusts {
			plan := cirole.Trust{Sid: "GitHubPlan", Provider: p, Audience: config.GitHubAudience, Subjects: g.PlanSubjects()}
			if prTrust != config.PlansNever {
				plan.SubjectPattern = g.PullRequestPattern(env.Name, prTrust == config.PlansAfterApproval)
			}
			return trusts{
				plan:  []cirole.Trust{plan},
				apply: []cirole.Trust{{Sid: "GitHubApply", Provider: p, Audience: config.GitHubAudience, Subjects: g.ApplySubjects(env.Name)}},
			}
		})
	}
	if g := ci.GitLab; g != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-gitlab", &cirole.ProviderProps{
			Issuer: g.Issuer(), Audiences: []string{g.TokenAudience()}, Existing: g.ExistingProvider,
		})
		providers = append(providers, func(deploy.Layer) trusts {
			plan := cirole.Trust{Sid: "GitLabPlan", Provider: p, Audience: g.TokenAudience(), Subjects: g.ApplySubjects()}
			// GitLab's token cannot prove an approval: merge requests
			// plan only environments that plan every pull request.
			if prTrust == config.PlansAlways {
				plan.SubjectPattern = g.MergeRequestPattern()
			}
			return trusts{
				plan:  []cirole.Trust{plan},
				apply: []cirole.Trust{{Sid: "GitLabApply", Provider: p, Audience: g.TokenAudience(), Subjects: g.ApplySubjects()}},
			}
		})
	}
	if a := ci.AzureDevOps; a != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-azure-devops", &cirole.ProviderProps{
			Issuer: a.Issuer(), Audiences: []string{config.AzureDevOpsAudience}, Existing: a.ExistingProvider,
		})
		providers = append(providers, func(d deploy.Layer) trusts {
			subjects := []string{a.Subject(env.Name, d.Word(), config.AzurePlan)}
			if prTrust != config.PlansNever {
				subjects = append(subjects, a.Subject(env.Name, d.Word(), config.AzurePullRequest))
			}
			return trusts{
				plan:  []cirole.Trust{{Sid: "AzureDevOpsPlan", Provider: p, Audience: config.AzureDevOpsAudience, Subjects: subjects}},
				apply: []cirole.Trust{{Sid: "AzureDevOpsApply", Provider: p, Audience: config.AzureDevOpsAudience, Subjects: []string{a.Subject(env.Name, d.Word(), config.AzureDeploy)}}},
			}
		})
	}

	for _, d := range deploy.Layers {
		var t trusts
		for _, f := range providers {
			got := f(d)
			t.plan, t.apply = append(t.plan, got.plan...), append(t.apply, got.apply...)
		}
		team := teamRoles(env, d)
		types := deploy.Types(d.Word())
		for _, r := range []struct {
			purpose deploy.Purpose
			trust   []cirole.Trust
			doc     func(config.Environment, deploy.Layer, []string) (deploy.Document, error)
			session int
			what    string
		}{
			{deploy.Plan, t.plan, deploy.PlanPolicy, 0, "read-only, secret-free plans and drift checks"},
			{deploy.Apply, t.apply, deploy.ApplyPolicy, ApplySessionSeconds, "applies from the default branch"},
		} {
			name := d.RoleName(env.Name, r.purpose)
			doc, err := r.doc(env, d, types)
			if err != nil {
				panic(fmt.Sprintf("bootstrap-%s: %v (run `make generate`)", env.Name, err))
			}
			parts, err := deploy.Split(doc)
			if err != nil {
				panic(fmt.Sprintf("bootstrap-%s: role %s: %v", env.Name, name, err))
			}
			managed := []string{*guardARN}
			for i, part := range parts {
				pol := iampolicy.NewIamPolicy(s.TF, jsii.String(fmt.Sprintf("%s-%s-policy-%d", d.Word(), r.purpose, i+1)), &iampolicy.IamPolicyConfig{
					Name:        jsii.String(fmt.Sprintf("%s-%d", name, i+1)),
					Path:        jsii.String(config.CIRolePath),
					Description: jsii.String(fmt.Sprintf("Stratum %s, layer %s: %s (part %d of %d)", env.Name, d.Word(), r.what, i+1, len(parts))),
					Policy:      jsii.String(part.JSON()),
				})
				managed = append(managed, *pol.Arn())
			}
			cirole.New(s.TF, fmt.Sprintf("%s-%s-role", d.Word(), r.purpose), &cirole.Props{
				Name:                      name,
				Path:                      config.CIRolePath,
				Description:               fmt.Sprintf("Stratum %s, layer %s: %s", env.Name, d.Word(), r.what),
				Trusts:                    r.trust,
				AssumedBy:                 team,
				ManagedPolicyARNs:         managed,
				MaxSessionDurationSeconds: r.session,
				PermissionsBoundary:       boundaryARN,
			})
		}
	}
}

// teamRoles are the roles of the teams that own layer d in env.
func teamRoles(env config.Environment, d deploy.Layer) []string {
	var out []string
	for _, t := range env.CI.Teams {
		if slices.Contains(t.Layers, d.Word()) {
			for _, arn := range t.RoleARNs {
				if !slices.Contains(out, arn) {
					out = append(out, arn)
				}
			}
		}
	}
	return out
}

// newBoundary creates the permissions boundary every role of env carries
// (deploy.BoundaryPolicy).
func newBoundary(s *Stack, env config.Environment) iampolicy.IamPolicy {
	return iampolicy.NewIamPolicy(s.TF, jsii.String("permissions-boundary"), &iampolicy.IamPolicyConfig{
		Name:        jsii.String(deploy.BoundaryName(env.Name)),
		Description: jsii.String("Stratum " + env.Name + ": the permissions boundary of every role Stratum creates (docs/cicd-integration.md)"),
		Policy:      jsii.String(deploy.BoundaryPolicy(env).JSON()),
	})
}
