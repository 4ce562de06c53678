package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/applied"
	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
	"stratum/tools/iameval"
)

// layerRole is a deploy or plan role of bootstrap-<env> as IAM would
// evaluate it: its trust, its managed policies and its boundary.
type layerRole struct {
	name      string
	trust     iameval.Policy
	principal iameval.Principal
}

// layerRoles reads every role of the bootstrap stack of env.
func layerRoles(t *testing.T, j tfJSON, env config.Environment) map[string]layerRole {
	t.Helper()
	policies := map[string]iameval.Policy{}
	var boundary *iameval.Policy
	for addr, p := range j.resources("aws_iam_policy") {
		doc, err := iameval.Parse(fmt.Sprint(p["name"]), []byte(fmt.Sprint(p["policy"])))
		if err != nil {
			t.Fatalf("aws_iam_policy.%s: %v", addr, err)
		}
		policies["${aws_iam_policy."+addr+".arn}"] = doc
		if p["name"] == deploy.BoundaryName(env.Name) {
			boundary = &doc
		}
	}
	if boundary == nil {
		t.Fatalf("bootstrap-%s has no permissions boundary %s", env.Name, deploy.BoundaryName(env.Name))
	}
	out := map[string]layerRole{}
	for addr, r := range j.resources("aws_iam_role") {
		name := fmt.Sprint(r["name"])
		trustDoc, _, _ := j.resolve(t, r["assume_role_policy"])
		trust, err := iameval.FromTerraform(name+" trust", jsonList(trustDoc["statement"]))
		if err != nil {
			t.Fatal(err)
		}
		path, _ := r["path"].(string) // the role's ARN names its path
		role := layerRole{name: name, trust: trust, principal: iameval.Principal{Name: env.RoleARN(strings.TrimPrefix(path, "/") + name)}}
		if r["permissions_boundary"] != "${aws_iam_policy."+boundaryAddr(j, env)+".arn}" {
			t.Errorf("role %s: permissions_boundary %v, want the environment's boundary", name, r["permissions_boundary"])
		}
		role.principal.Boundary = boundary
		for _, a := range j.resources("aws_iam_role_policy_attachment") {
			if a["role"] != "${aws_iam_role."+addr+".name}" {
				continue
			}
			p, ok := policies[fmt.Sprint(a["policy_arn"])]
			if !ok {
				t.Errorf("role %s: attachment of %v, which is not a policy of the stack", name, a["policy_arn"])
				continue
			}
			role.principal.Identity = append(role.principal.Identity, p)
		}
		out[name] = role
	}
	return out
}

// catalog is the IAM action list.
func catalog(t *testing.T) *iameval.Catalog {
	t.Helper()
	cat, err := iameval.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// envRoles are the roles of one environment's bootstrap stack.
type envRoles struct {
	env   config.Environment
	roles map[string]layerRole
}

// bootstrapRoles are the roles of every environment's bootstrap stack of
// the real configuration.
func bootstrapRoles(t *testing.T) []envRoles {
	t.Helper()
	s := defaultSynth(t)
	var out []envRoles
	for _, env := range config.Environments() {
		out = append(out, envRoles{env, layerRoles(t, s.stack(t, "bootstrap-"+env.Name), env)})
	}
	return out
}

func boundaryAddr(j tfJSON, env config.Environment) string {
	for addr, p := range j.resources("aws_iam_policy") {
		if p["name"] == deploy.BoundaryName(env.Name) {
			return addr
		}
	}
	return ""
}

// TestEveryLayerHasItsRoles: one deploy and one plan role per layer and
// environment, each carrying the boundary and the SSM contract guard,
// whose policies name only actions that exist.
func TestEveryLayerHasItsRoles(t *testing.T) {
	cat := catalog(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		for _, d := range deploy.Layers {
			for _, p := range []deploy.Purpose{deploy.Plan, deploy.Apply} {
				r, ok := roles[d.RoleName(env.Name, p)]
				if !ok {
					t.Errorf("bootstrap-%s: no role %s", env.Name, d.RoleName(env.Name, p))
					continue
				}
				guard := slices.ContainsFunc(r.principal.Identity, func(p iameval.Policy) bool { return p.Name == env.ContractGuardPolicyName() })
				if !guard {
					t.Errorf("%s does not carry the SSM contract guard", r.name)
				}
				for _, pol := range r.principal.Identity {
					if u := cat.Unknown(pol); len(u) > 0 {
						t.Errorf("%s: policy %s names actions that do not exist: %v", r.name, pol.Name, u)
					}
					for _, p := range unauthorizable(cat, pol) {
						t.Errorf("%s: policy %s: %s", r.name, pol.Name, p)
					}
				}
			}
		}
	}
}

// unauthorizable are the grants AWS can never honour: an action that
// takes no resource (its catalog entry lists no resource type) allowed
// only on named resources, which AWS authorizes against "*".
func unauthorizable(cat *iameval.Catalog, p iameval.Policy) []string {
	var out []string
	for _, st := range p.Statements {
		if st.Effect != "Allow" || len(st.Resource) == 0 || slices.Contains(st.Resource, "*") {
			continue
		}
		for _, pattern := range st.Action {
			for _, name := range cat.Expand(pattern) {
				if a, _ := cat.Lookup(name); len(a.ResourceTypes) == 0 {
					out = append(out, fmt.Sprintf("statement %s allows %s on %v only, but the action takes no resource (it needs \"*\")", st.Sid, name, st.Resource))
				}
			}
		}
	}
	return out
}

// TestNoRoleEscalatesPastTheBoundary: no deploy or plan role may create
// or change any role (a new one, a real one of any layer, a CI role)
// unless the request carries the environment's boundary, nor remove a
// boundary, nor change the boundary policy.
func TestNoRoleEscalatesPastTheBoundary(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		j := s.stack(t, "bootstrap-"+env.Name)
		roles := layerRoles(t, j, env)
		var targets []string
		for _, name := range s.names() {
			if !strings.HasSuffix(name, "-"+env.Name) || strings.HasPrefix(name, "bootstrap-") {
				continue
			}
			for _, r := range s.stack(t, name).resources("aws_iam_role") {
				targets = append(targets, env.RoleARN(fmt.Sprint(r["name"])))
			}
		}
		for _, d := range deploy.Layers {
			targets = append(targets, d.RoleARN(env, deploy.Apply), d.RoleARN(env, deploy.Plan))
		}
		targets = append(targets, env.RoleARN(env.Prefix()+"-escalate"), env.RoleARN("admin"))
		for _, r := range roles {
			for _, p := range escalations(r.principal, env, targets) {
				t.Errorf("%s %s", r.name, p)
			}
		}
	}
}

// escalations are the ways p can create or change a role without the
// environment's boundary, remove a boundary, change the boundary policy
// or create IAM users and keys: every role write action on every target
// role, with no boundary, another one, or an administrator's.
func escalations(p iameval.Principal, env config.Environment, targets []string) []string {
	var out []string
	boundary := deploy.BoundaryARN(env)
	contexts := []map[string][]string{
		nil,
		{"iam:PermissionsBoundary": {env.RoleARN("x")}},
		{"iam:PermissionsBoundary": {"arn:aws:iam::aws:policy/AdministratorAccess"}},
	}
	for _, action := range deploy.RoleWriteActions {
		for _, target := range targets {
			for _, ctx := range contexts {
				ctx := withLayerTags(ctx)
				if p.Allowed(iameval.Request{Action: action, Resource: target, Context: ctx}) {
					out = append(out, fmt.Sprintf("may %s on %s with %v: a role without the boundary %s", action, target, ctx["iam:PermissionsBoundary"], boundary))
				}
			}
		}
	}
	for _, req := range []iameval.Request{
		{Action: "iam:DeleteRolePermissionsBoundary", Resource: targets[0], Context: withLayerTags(nil)},
		{Action: "iam:CreatePolicyVersion", Resource: boundary},
		{Action: "iam:SetDefaultPolicyVersion", Resource: boundary},
		{Action: "iam:CreateUser", Resource: env.RoleARN("x")},
		{Action: "iam:CreateAccessKey", Resource: "*"},
		// An identity provider that is not the cluster's (the issue of the
		// last release: oidc.eks.<region>.* matched any host).
		{Action: "iam:CreateOpenIDConnectProvider", Resource: "arn:aws:iam::" + env.AccountID + ":oidc-provider/oidc.eks." + env.Region + ".attacker.example"},
	} {
		if p.Allowed(req) {
			out = append(out, fmt.Sprintf("may %s on %s", req.Action, req.Resource))
		}
	}
	return out
}

// withLayerTags adds every layer's Layer tag as the request's and the
// resource's tag, so that a tag condition never hides an escalation.
func withLayerTags(ctx map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range ctx {
		out[k] = v
	}
	var layers []string
	for _, d := range deploy.Layers {
		layers = append(layers, string(d.Layer))
	}
	out["aws:RequestTag/Layer"] = layers
	out["iam:ResourceTag/Layer"] = layers
	out["aws:ResourceTag/Layer"] = layers
	return out
}

// TestOnlyTheDefaultBranchDeploys: every deploy role's trust admits the
// default branch's jobs in the apply environment and nothing else: no
// other branch, no pull request, no other environment or repository.
func TestOnlyTheDefaultBranchDeploys(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		g := env.CI.GitHub
		if g == nil {
			continue
		}
		j := s.stack(t, "bootstrap-"+env.Name)
		roles := layerRoles(t, j, env)
		provider := "${aws_iam_openid_connect_provider.ci-provider-github.arn}"
		for _, d := range deploy.Layers {
			r := roles[d.RoleName(env.Name, deploy.Apply)]
			for _, p := range branchTrustProblems(r.trust, provider, "repo:"+g.Repository, env.Name) {
				t.Errorf("%s: %s", r.name, p)
			}
			plan := roles[d.RoleName(env.Name, deploy.Plan)]
			pr := plan.trust.Decide(githubToken(provider, "repo:"+g.Repository+":pull_request:ref:refs/pull/1/merge")) == iameval.Allow
			if want := env.PullRequestPlanPolicy() == config.PlansAlways; pr != want {
				t.Errorf("%s: unapproved pull requests may plan: %v, want %v (%s)", plan.name, pr, want, env.PullRequestPlanPolicy())
			}
		}
	}
}

func githubToken(provider, sub string) iameval.Request {
	return iameval.Request{Action: "sts:AssumeRoleWithWebIdentity", PrincipalType: "Federated", Principal: provider, Context: map[string][]string{
		config.GitHubIssuer + ":aud": {config.GitHubAudience}, config.GitHubIssuer + ":sub": {sub},
	}}
}

// branchTrustProblems: the trust of a deploy role of env admits the
// default branch's apply jobs and no other subject of the repository.
func branchTrustProblems(trust iameval.Policy, provider, repo, env string) []string {
	var out []string
	main := ":ref:refs/heads/main"
	if trust.Decide(githubToken(provider, repo+":environment:"+env+main)) != iameval.Allow {
		out = append(out, "the default branch's apply job cannot assume it")
	}
	for _, sub := range []string{
		repo + ":environment:" + env + ":ref:refs/heads/feature", // a branch declaring the environment
		repo + ":environment:" + env,                             // the default subject template
		repo + ":pull_request:ref:refs/pull/1/merge",
		repo + ":ref:refs/heads/main" + main,
		repo + ":environment:other" + main,
		"repo:attacker/stratum:environment:" + env + main,
		repo + ":environment:" + env + ":ref:refs/tags/v1",
	} {
		if trust.Decide(githubToken(provider, sub)) == iameval.Allow {
			out = append(out, "trusts "+sub)
		}
	}
	return out
}

// TestPlanRolesReadNoSecret: no plan role may read a secret value
// (deploy.SecretReads, and decrypting through SSM or Secrets Manager),
// another layer's state, or write anything.
func TestPlanRolesReadNoSecret(t *testing.T) {
	cat := catalog(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		for _, d := range deploy.Layers {
			r := roles[d.RoleName(env.Name, deploy.Plan)]
			for _, a := range deploy.SecretReads {
				for _, name := range cat.Expand(a) {
					if r.principal.Allowed(iameval.Request{Action: name, Resource: "*"}) {
						t.Errorf("%s may %s", r.name, name)
					}
				}
			}
			if r.principal.Allowed(iameval.Request{Action: "kms:Decrypt", Resource: "arn:aws:kms:" + env.Region + ":" + env.AccountID + ":key/x",
				Context: map[string][]string{"kms:ViaService": {"s3." + env.Region + ".amazonaws.com"}, "kms:ResourceAliases": {"alias/" + env.Prefix() + "-backup"}}}) {
				t.Errorf("%s may decrypt with a key other than the state key", r.name)
			}
			if r.principal.Allowed(iameval.Request{Action: "kms:GenerateDataKey", Resource: "arn:aws:kms:" + env.Region + ":" + env.AccountID + ":key/x",
				Context: map[string][]string{"kms:ResourceAliases": {"alias/" + env.StateKeyAlias()}, deploy.SavedPlanContextKey: {"other"}}}) {
				t.Errorf("%s may generate data keys of the state key for anything but saved plans", r.name)
			}
			for _, via := range []string{"ssm." + env.Region + ".amazonaws.com", "secretsmanager." + env.Region + ".amazonaws.com"} {
				if r.principal.Allowed(iameval.Request{Action: "kms:Decrypt", Resource: "*", Context: map[string][]string{"kms:ViaService": {via}}}) {
					t.Errorf("%s may decrypt through %s", r.name, via)
				}
			}
			for _, a := range r.principal.ActionsAllowedSomewhere(cat) {
				act, _ := cat.Lookup(a)
				if a == "kms:Decrypt" || a == "kms:GenerateDataKey" {
					continue // the state key's, through S3 and DynamoDB or for saved plans only (below)
				}
				if act.AccessLevel != "Read" && act.AccessLevel != "List" {
					t.Errorf("%s may %s (%s)", r.name, a, act.AccessLevel)
				}
			}
			for _, other := range deploy.Layers {
				obj := fmt.Sprintf("arn:aws:s3:::%s/%s-%s/terraform.tfstate", env.State.Bucket, other.Word(), env.Name)
				got := r.principal.Allowed(iameval.Request{Action: "s3:GetObject", Resource: obj})
				if want := other.Word() == d.Word(); got != want {
					t.Errorf("%s may read the state of %s: %v, want %v", r.name, other.Word(), got, want)
				}
			}
		}
	}
}

// TestLayerGrantsCoverResources: every resource and data source type of
// every stack CI deploys has a grant, and its layer's recorded types
// (deploy/types_generated.go, `make generate`) hold it, so its deploy role is
// allowed to manage it.
func TestLayerGrantsCoverResources(t *testing.T) {
	g := DefaultGraph(t)
	for _, st := range g.Stacks {
		d, ok := deploy.ForStack(st.Name)
		if !ok {
			continue
		}
		for _, typ := range st.Types {
			if _, ok := deploy.GrantOf(typ); !ok {
				t.Errorf("layer %s: resource type %s (stack %s) has no grant in deploy.Grants", d.Word(), typ, st.Name)
			}
			if !slices.Contains(deploy.Types(d.Word()), typ) {
				t.Errorf("layer %s: resource type %s (stack %s) is not in %s: run `make generate`", d.Word(), typ, st.Name, deploy.TypesPath)
			}
		}
	}
}

// TestEveryRoleCarriesTheBoundary: every IAM role of every stack, of
// every construct, carries the environment's permissions boundary.
func TestEveryRoleCarriesTheBoundary(t *testing.T) {
	s := defaultSynth(t)
	for _, name := range s.names() {
		j := s.stack(t, name)
		env := envOfStack(t, name)
		for addr, r := range j.resources("aws_iam_role") {
			want := deploy.BoundaryARN(env)
			if strings.HasPrefix(name, "bootstrap-") {
				want = "${aws_iam_policy." + boundaryAddr(j, env) + ".arn}"
			}
			if r["permissions_boundary"] != want {
				t.Errorf("%s: aws_iam_role.%s (%v): permissions_boundary %v, want %s", name, addr, r["name"], r["permissions_boundary"], want)
			}
		}
	}
}

func envOfStack(t *testing.T, stack string) config.Environment {
	t.Helper()
	for _, env := range config.Environments() {
		if strings.HasSuffix(stack, "-"+env.Name) {
			return env
		}
	}
	t.Fatalf("stack %s is of no environment", stack)
	return config.Environment{}
}

// TestOtherPlatformsDeployFromTheDefaultBranch evaluates the trust of
// the layers' roles with GitLab and Azure DevOps (and GitHub's provider
// looked up): GitLab deploys only from the protected default branch and
// its merge requests plan only environments that plan every pull
// request; each Azure DevOps service connection reaches one layer's role
// for one purpose.
func TestOtherPlatformsDeployFromTheDefaultBranch(t *testing.T) {
	defaultSynth(t) // one jsii runtime; this app only adds bootstrap stacks
	for _, policy := range []config.PullRequestPlans{config.PlansAlways, config.PlansAfterApproval} {
		t.Run(string(policy), func(t *testing.T) {
			env := config.Environments()[2]
			env.CI = config.CI{
				GitHub:           &config.GitHubCI{Repository: "o/r", OwnerID: 11, RepositoryID: 22, ExistingProvider: true},
				GitLab:           &config.GitLabCI{URL: "https://gitlab.example.com", ProjectPath: "platform/stratum"},
				AzureDevOps:      &config.AzureDevOpsCI{OrganizationID: "61c028b9-510c-4f84-bfb2-f48d33b6b542", Organization: "acme", Project: "Platform"},
				PullRequestPlans: policy,
				Teams:            []config.Team{{Name: "data", RoleARNs: []string{env.RoleARN("data-team")}, Layers: []string{"database"}}},
			}
			if err := config.Validate([]config.Environment{env}); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			app := cdktf.NewApp(AppConfig(dir))
			NewBootstrap(app, env)
			app.Synth()
			j := readOut(t, dir).stack(t, "bootstrap-dev")
			roles := layerRoles(t, j, env)
			if n := len(j.data("aws_iam_openid_connect_provider")); n != 1 {
				t.Errorf("got %d provider look-ups, want 1 (GitHub)", n)
			}
			gitlab := "${aws_iam_openid_connect_provider.ci-provider-gitlab.arn}"
			azure := "${aws_iam_openid_connect_provider.ci-provider-azure-devops.arn}"
			token := func(provider, issuer, aud, sub string) iameval.Request {
				return iameval.Request{Action: "sts:AssumeRoleWithWebIdentity", PrincipalType: "Federated", Principal: provider,
					Context: map[string][]string{issuer + ":aud": {aud}, issuer + ":sub": {sub}}}
			}
			gl := func(sub string) iameval.Request {
				return token(gitlab, "gitlab.example.com", "https://gitlab.example.com", "project_path:platform/stratum:"+sub)
			}
			az := func(conn string) iameval.Request {
				return token(azure, "vstoken.dev.azure.com/61c028b9-510c-4f84-bfb2-f48d33b6b542", "api://AzureADTokenExchange", "sc://acme/Platform/"+conn)
			}
			for _, d := range deploy.Layers {
				deployRole, plan := roles[d.RoleName("dev", deploy.Apply)], roles[d.RoleName("dev", deploy.Plan)]
				cases := []struct {
					role *layerRole
					what string
					req  iameval.Request
					want bool
				}{
					{&deployRole, "GitLab default branch", gl("ref_type:branch:ref:main"), true},
					{&deployRole, "GitLab feature branch", gl("ref_type:branch:ref:feature"), false},
					{&deployRole, "GitLab tag named main", gl("ref_type:tag:ref:main"), false},
					{&deployRole, "GitLab fork", token(gitlab, "gitlab.example.com", "https://gitlab.example.com", "project_path:attacker/stratum:ref_type:branch:ref:main"), false},
					{&plan, "GitLab merge request", gl("ref_type:branch:ref:feature"), policy == config.PlansAlways},
					{&plan, "GitLab default branch plan", gl("ref_type:branch:ref:main"), true},
					{&deployRole, "Azure deploy connection", az("stratum-dev-" + d.Word() + "-deploy"), true},
					{&deployRole, "Azure plan connection", az("stratum-dev-" + d.Word() + "-plan"), false},
					{&deployRole, "Azure other layer's connection", az("stratum-dev-" + otherWord(d) + "-deploy"), false},
					{&plan, "Azure plan connection", az("stratum-dev-" + d.Word() + "-plan"), true},
					{&plan, "Azure pull-request connection", az("stratum-dev-" + d.Word() + "-pull-request"), true},
					{&deployRole, "the data team", iameval.Request{Action: "sts:AssumeRole", PrincipalType: "AWS", Principal: env.RoleARN("data-team")}, d.Word() == "database"},
				}
				for _, c := range cases {
					if got := c.role.trust.Decide(c.req) == iameval.Allow; got != c.want {
						t.Errorf("%s: %s may assume it: %v, want %v", c.role.name, c.what, got, c.want)
					}
				}
			}
		})
	}
}

func otherWord(d deploy.Layer) string {
	if d.Word() == "foundation" {
		return "platform"
	}
	return "foundation"
}

// TestPropertiesCatchThePreviousRoles runs the property checks above on
// the CI roles of the last release (testdata/previous-ci-roles.json,
// bootstrap-staging's policy documents before the layer roles): they
// must find the weaknesses those roles had, or they prove nothing.
func TestPropertiesCatchThePreviousRoles(t *testing.T) {
	b, err := os.ReadFile("testdata/previous-ci-roles.json")
	if err != nil {
		t.Fatal(err)
	}
	var docs map[string][]any
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	policy := func(prefix string) iameval.Policy {
		for name, st := range docs {
			if strings.HasPrefix(name, prefix) {
				p, err := iameval.FromTerraform(name, st)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
		}
		t.Fatalf("no document %s", prefix)
		return iameval.Policy{}
	}
	env, _ := config.Get(config.Environments(), "staging")
	apply := iameval.Principal{Name: "stratum-staging-ci-apply", Identity: []iameval.Policy{policy("ci-apply-role_permissions")}}
	got := escalations(apply, env, []string{env.RoleARN("stratum-staging-escalate")})
	for _, want := range []string{"may iam:CreateRole on arn:aws:iam::222222222222:role/stratum-staging-escalate with []",
		"may iam:PutRolePolicy", "may iam:AttachRolePolicy", "may iam:DeleteRolePermissionsBoundary", "oidc.eks.us-east-1.attacker.example"} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, want) }) {
			t.Errorf("escalations of the previous apply role miss %q; found %v", want, got)
		}
	}
	// The previous trust: any branch declaring environment staging.
	trust := policy("ci-apply-role_trust")
	provider := "${aws_iam_openid_connect_provider.ci-provider-github.arn}"
	if p := branchTrustProblems(trust, provider, "repo:example-org/stratum", "staging"); !slices.Contains(p, "trusts repo:example-org/stratum:environment:staging") {
		t.Errorf("trust problems of the previous apply role %v miss the default subject template any branch gets", p)
	}
	// The previous plan role allowed reading nothing explicitly but did
	// not deny decrypting SecureString parameters through SSM.
	plan := iameval.Principal{Identity: []iameval.Policy{policy("ci-plan-role_permissions"), {Statements: []iameval.Statement{
		// ReadOnlyAccess, which the previous plan role carried, as far as
		// these calls go.
		{Effect: "Allow", Action: []string{"ssm:Get*", "kms:Decrypt", "rds:Download*", "ec2:Get*", "ec2:Describe*"}, Resource: []string{"*"}},
	}}}}
	if !plan.Allowed(iameval.Request{Action: "kms:Decrypt", Resource: "*", Context: map[string][]string{"kms:ViaService": {"ssm.us-east-1.amazonaws.com"}}}) ||
		!plan.Allowed(iameval.Request{Action: "rds:DownloadDBLogFilePortion", Resource: "*"}) ||
		!plan.Allowed(iameval.Request{Action: "ec2:GetLaunchTemplateData", Resource: "*"}) {
		t.Error("the previous plan role's secret reads are not found")
	}
}

// TestNoLayerTouchesAnotherLayersRoles: a layer's deploy role may change
// the roles of its own layer (under the boundary) and no other layer's,
// and pass another layer's role to no service but the foundation's
// backup role to AWS Backup.
func TestNoLayerTouchesAnotherLayersRoles(t *testing.T) {
	s := defaultSynth(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		type target struct{ arn, layer string }
		var targets []target
		for _, name := range s.names() {
			d, ok := deploy.ForStack(name)
			if !ok || !strings.HasSuffix(name, "-"+env.Name) {
				continue
			}
			for _, r := range s.stack(t, name).resources("aws_iam_role") {
				targets = append(targets, target{env.RoleARN(fmt.Sprint(r["name"])), string(d.Layer)})
			}
		}
		for _, d := range deploy.Layers {
			r := roles[d.RoleName(env.Name, deploy.Apply)]
			for _, tg := range targets {
				ctx := map[string][]string{
					"iam:PermissionsBoundary": {deploy.BoundaryARN(env)},
					"iam:ResourceTag/Layer":   {tg.layer}, "aws:ResourceTag/Layer": {tg.layer},
					"aws:RequestTag/Layer": {tg.layer},
				}
				own := tg.layer == string(d.Layer)
				for _, action := range deploy.RoleWriteActions {
					if got := r.principal.Allowed(iameval.Request{Action: action, Resource: tg.arn, Context: ctx}); got != own {
						t.Errorf("%s may %s on %s (layer %s): %v, want %v", r.name, action, tg.arn, tg.layer, got, own)
					}
				}
				for _, svc := range []string{"eks.amazonaws.com", "backup.amazonaws.com", "ec2.amazonaws.com", "lambda.amazonaws.com"} {
					pass := iameval.Request{Action: "iam:PassRole", Resource: tg.arn, Context: map[string][]string{"iam:PassedToService": {svc}, "iam:ResourceTag/Layer": {tg.layer}}}
					backup := strings.HasSuffix(tg.arn, "/"+env.Prefix()+"-backup") && svc == "backup.amazonaws.com"
					if r.principal.Allowed(pass) && !own && !backup {
						t.Errorf("%s may pass %s (layer %s) to %s", r.name, tg.arn, tg.layer, svc)
					}
					if r.principal.Allowed(pass) && (svc == "ec2.amazonaws.com" || svc == "lambda.amazonaws.com") {
						t.Errorf("%s may pass %s to %s, which runs code with it", r.name, tg.arn, svc)
					}
				}
				// Retagging another layer's role into one's own is denied.
				hijack := map[string][]string{"iam:ResourceTag/Layer": {tg.layer}, "aws:RequestTag/Layer": {string(d.Layer)}, "aws:TagKeys": {"Layer"}}
				if !own && r.principal.Allowed(iameval.Request{Action: "iam:TagRole", Resource: tg.arn, Context: hijack}) {
					t.Errorf("%s may retag %s (layer %s) as its own", r.name, tg.arn, tg.layer)
				}
			}
		}
	}
}

// TestOnlyTheLayerWritesItsContract: each prefix of the SSM contract is
// written by its layer's deploy role only; no plan role writes any; the
// guard every role carries holds even where a role's own policy would
// allow more.
func TestOnlyTheLayerWritesItsContract(t *testing.T) {
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		for _, writer := range deploy.Layers {
			for _, w := range writer.Writes {
				param := strings.TrimSuffix(contract.PrefixARN(env, w), "*") + "some/key"
				for _, d := range deploy.Layers {
					for _, p := range []deploy.Purpose{deploy.Apply, deploy.Plan} {
						r := roles[d.RoleName(env.Name, p)]
						for _, action := range contract.WriteActions {
							req := iameval.Request{Action: action, Resource: param, Context: map[string][]string{"aws:PrincipalArn": {d.RoleARN(env, p)}}}
							want := p == deploy.Apply && d.Word() == writer.Word()
							if got := r.principal.Allowed(req); got != want {
								t.Errorf("%s may %s on %s: %v, want %v", r.name, action, param, got, want)
							}
						}
					}
				}
			}
		}
		// The guard alone, as on people's roles: every prefix denies
		// everyone but its writers.
		guard, err := iameval.Parse("guard", []byte(deploy.GuardPolicy(env).JSON()))
		if err != nil {
			t.Fatal(err)
		}
		admin := iameval.Principal{Identity: []iameval.Policy{{Statements: []iameval.Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}}, guard}}
		for _, w := range []string{"foundation", "platform", "databases", "clients", "bootstrap"} {
			req := iameval.Request{Action: "ssm:PutParameter", Resource: strings.TrimSuffix(contract.PrefixARN(env, w), "*") + "k",
				Context: map[string][]string{"aws:PrincipalArn": {env.RoleARN("administrator")}}}
			if admin.Allowed(req) {
				t.Errorf("%s: an administrator carrying the guard may write %s", env.Name, req.Resource)
			}
			req.Context["aws:PrincipalArn"] = []string{env.Cluster.BreakGlassRoleARN}
			if !admin.Allowed(req) {
				t.Errorf("%s: the break-glass role may not write %s", env.Name, req.Resource)
			}
		}
	}
}

// TestNoActionOutsideItsLayer: every action a deploy or plan role can
// ever be allowed (wildcards expanded against the IAM action list)
// belongs to a service of its layer's resource types, or to what every
// layer needs (its state: s3, dynamodb, kms; its contract: ssm; its
// roles: iam); so the database layer can do nothing to EKS, the client
// layer nothing to RDS, and no layer anything to, say, Lambda.
func TestNoActionOutsideItsLayer(t *testing.T) {
	cat := catalog(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		for _, d := range deploy.Layers {
			allowed := map[string]bool{"s3": true, "dynamodb": true, "kms": true, "ssm": true, "iam": true}
			for _, typ := range deploy.Types(d.Word()) {
				g, _ := deploy.GrantOf(typ)
				for _, a := range append(slices.Clone(g.Write), g.Read...) {
					svc, _, _ := strings.Cut(a, ":")
					allowed[svc] = true
				}
			}
			for _, p := range []deploy.Purpose{deploy.Apply, deploy.Plan} {
				r := roles[d.RoleName(env.Name, p)]
				outside := map[string]int{}
				for _, a := range r.principal.ActionsAllowedSomewhere(cat) {
					if svc, _, _ := strings.Cut(a, ":"); !allowed[svc] {
						outside[svc]++
					}
				}
				if len(outside) > 0 {
					t.Errorf("%s may use services outside its layer: %v", r.name, outside)
				}
			}
		}
		for _, c := range []struct{ role, action string }{
			{"database", "eks:CreateAccessEntry"}, {"client", "rds:DeleteDBInstance"}, {"services", "ec2:DeleteVpc"},
			{"platform", "rds:ModifyDBInstance"}, {"foundation", "eks:DeleteCluster"}, {"client", "ec2:DeleteVpnConnection"},
		} {
			d, _ := deploy.ForStack(c.role + "-x")
			r := roles[d.RoleName(env.Name, deploy.Apply)]
			if slices.Contains(r.principal.ActionsAllowedSomewhere(cat), c.action) {
				t.Errorf("%s may %s", r.name, c.action)
			}
		}
	}
}

// TestDeployRolesCanDeployTheirLayer: what each stack really needs, its
// layer's deploy role may do: create its roles with their default tags
// under the boundary, change them, pass them; create and tag its keys;
// write its SSM parameters; write and lock its state. (The other tests
// prove what it may not do; a role that may do nothing passes those.)
func TestDeployRolesCanDeployTheirLayer(t *testing.T) {
	cat := catalog(t)
	s := defaultSynth(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		for _, name := range s.names() {
			d, ok := deploy.ForStack(name)
			if !ok || !strings.HasSuffix(name, "-"+env.Name) {
				continue
			}
			r := roles[d.RoleName(env.Name, deploy.Apply)]
			layer := string(d.Layer)
			tagKeys := []string{"Environment", "Layer", "ManagedBy", "Project"}
			can := func(what string, req iameval.Request) {
				t.Helper()
				req.Context = cat.Context(req.Action, req.Context)
				if !r.principal.Allowed(req) {
					t.Errorf("%s (%s): %s is refused: %s on %s with %v", r.name, name, what, req.Action, req.Resource, req.Context)
				}
			}
			j := s.stack(t, name)
			for _, role := range j.resources("aws_iam_role") {
				arn := env.RoleARN(fmt.Sprint(role["name"]))
				newRole := map[string][]string{"iam:PermissionsBoundary": {deploy.BoundaryARN(env)}, "aws:RequestTag/Layer": {layer}, "aws:TagKeys": tagKeys}
				can("creating its role", iameval.Request{Action: "iam:CreateRole", Resource: arn, Context: newRole})
				can("tagging its new role", iameval.Request{Action: "iam:TagRole", Resource: arn, Context: newRole})
				own := map[string][]string{"iam:PermissionsBoundary": {deploy.BoundaryARN(env)}, "iam:ResourceTag/Layer": {layer}, "aws:ResourceTag/Layer": {layer}}
				for _, a := range []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRole", "iam:PutRolePermissionsBoundary"} {
					can("changing its role", iameval.Request{Action: a, Resource: arn, Context: own})
				}
				can("reading its role", iameval.Request{Action: "iam:GetRole", Resource: arn})
			}
			if len(j.resources("aws_kms_key")) > 0 {
				can("creating its key", iameval.Request{Action: "kms:CreateKey", Resource: "*", Context: map[string][]string{"aws:RequestTag/Layer": {layer}, "aws:TagKeys": tagKeys}})
				can("tagging its new key", iameval.Request{Action: "kms:TagResource", Resource: "*", Context: map[string][]string{"aws:RequestTag/Layer": {layer}, "aws:TagKeys": tagKeys}})
				key := "arn:aws:kms:" + env.Region + ":" + env.AccountID + ":key/k"
				can("rotating its key", iameval.Request{Action: "kms:EnableKeyRotation", Resource: key, Context: map[string][]string{"aws:ResourceTag/Layer": {layer}, "kms:ResourceAliases": {"alias/" + env.Prefix() + "-" + layer + "-x"}}})
			}
			for _, p := range j.resources("aws_ssm_parameter") {
				param := fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.AccountID, p["name"])
				can("writing its parameter", iameval.Request{Action: "ssm:PutParameter", Resource: param, Context: map[string][]string{"aws:PrincipalArn": {r.principal.Name}}})
			}
			state := name + "/terraform.tfstate"
			can("writing its state", iameval.Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::" + env.State.Bucket + "/" + state})
			can("taking its lock file", iameval.Request{Action: "s3:DeleteObject", Resource: "arn:aws:s3:::" + env.State.Bucket + "/" + state + ".tflock"})
			can("locking its state", iameval.Request{Action: "dynamodb:PutItem", Resource: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", env.Region, env.AccountID, env.State.LockTable),
				Context: map[string][]string{"dynamodb:LeadingKeys": {env.State.Bucket + "/" + state + "-md5"}}})
		}
	}
}

// TestOnlyTheLayerRecordsItsApplies: a layer's deploy role may write the
// applied record (package applied) of its own layer's stacks and of no
// other stack (another layer's, bootstrap's, another environment's); no
// plan role may write one; every plan role may read the environment's
// records (stratum changed selects against them).
func TestOnlyTheLayerRecordsItsApplies(t *testing.T) {
	s := defaultSynth(t)
	for _, e := range bootstrapRoles(t) {
		env, roles := e.env, e.roles
		param := func(envName, stack string) string {
			return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.AccountID, applied.ParameterName(envName, stack))
		}
		var stacks []string
		for _, name := range s.names() {
			if strings.HasSuffix(name, "-"+env.Name) {
				stacks = append(stacks, name)
			}
		}
		for _, d := range deploy.Layers {
			deployRole, plan := roles[d.RoleName(env.Name, deploy.Apply)], roles[d.RoleName(env.Name, deploy.Plan)]
			for _, stack := range stacks {
				owner, ok := deploy.ForStack(stack)
				own := ok && owner.Word() == d.Word()
				put := iameval.Request{Action: "ssm:PutParameter", Resource: param(env.Name, stack), Context: map[string][]string{"aws:PrincipalArn": {d.RoleARN(env, deploy.Apply)}}}
				if got := deployRole.principal.Allowed(put); got != own {
					t.Errorf("%s may record an apply of %s: %v, want %v", deployRole.name, stack, got, own)
				}
				put.Context["aws:PrincipalArn"] = []string{d.RoleARN(env, deploy.Plan)}
				if plan.principal.Allowed(put) {
					t.Errorf("%s may record an apply of %s", plan.name, stack)
				}
				for _, read := range []string{"ssm:GetParameter", "ssm:GetParameters"} {
					if !plan.principal.Allowed(iameval.Request{Action: read, Resource: param(env.Name, stack)}) {
						t.Errorf("%s may not %s the record of %s", plan.name, read, stack)
					}
				}
			}
			if !plan.principal.Allowed(iameval.Request{Action: "ssm:GetParametersByPath", Resource: fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", env.Region, env.AccountID, applied.Path(env.Name))}) {
				t.Errorf("%s may not list the records of %s", plan.name, env.Name)
			}
			other := d.Word() + "-x-other"
			for _, res := range []string{param("other", other), param(env.Name, "bootstrap-"+env.Name), fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s/%s-x", env.Region, env.AccountID, applied.Root, d.Word())} {
				for _, action := range []string{"ssm:PutParameter", "ssm:DeleteParameter", "ssm:LabelParameterVersion"} {
					if deployRole.principal.Allowed(iameval.Request{Action: action, Resource: res, Context: map[string][]string{"aws:PrincipalArn": {d.RoleARN(env, deploy.Apply)}}}) {
						t.Errorf("%s may %s on %s", deployRole.name, action, res)
					}
				}
			}
		}
	}
}
