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
	// One identity provider per platform; each layer's roles trust the
	// subjects deploy.WebIdentities gives, which the audit layer's alarm
	// on any other subject reads too.
	providers := map[string]*cirole.Provider{}
	if g := ci.GitHub; g != nil {
		providers[config.GitHubIssuer] = cirole.NewProvider(s.TF, "ci-provider-github", &cirole.ProviderProps{
			Issuer: config.GitHubIssuer, Audiences: []string{config.GitHubAudience}, Existing: g.ExistingProvider,
		})
	}
	if g := ci.GitLab; g != nil {
		providers[g.Issuer()] = cirole.NewProvider(s.TF, "ci-provider-gitlab", &cirole.ProviderProps{
			Issuer: g.Issuer(), Audiences: []string{g.TokenAudience()}, Existing: g.ExistingProvider,
		})
	}
	if a := ci.AzureDevOps; a != nil {
		providers[a.Issuer()] = cirole.NewProvider(s.TF, "ci-provider-azure-devops", &cirole.ProviderProps{
			Issuer: a.Issuer(), Audiences: []string{config.AzureDevOpsAudience}, Existing: a.ExistingProvider,
		})
	}
	trusts := func(d deploy.Layer, p deploy.Purpose) []cirole.Trust {
		var out []cirole.Trust
		for _, id := range deploy.WebIdentities(env, d, p) {
			out = append(out, cirole.Trust{Sid: id.Sid, Provider: providers[id.Issuer], Audience: id.Audience, Subjects: id.Subjects, SubjectPattern: id.SubjectPattern})
		}
		return out
	}

	for _, d := range deploy.Layers {
		team := teamRoles(env, d)
		types := deploy.Types(d.Word())
		for _, r := range []struct {
			purpose deploy.Purpose
			trust   []cirole.Trust
			doc     func(config.Environment, deploy.Layer, []string) (deploy.Document, error)
			session int
			what    string
		}{
			{deploy.Plan, trusts(d, deploy.Plan), deploy.PlanPolicy, 0, "read-only, secret-free plans and drift checks"},
			{deploy.Apply, trusts(d, deploy.Apply), deploy.ApplyPolicy, ApplySessionSeconds, "applies from the default branch"},
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
