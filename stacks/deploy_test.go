package stacks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"stratum/config"
	"stratum/deploy"
	"stratum/iameval"
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
		role := layerRole{name: name, trust: trust, principal: iameval.Principal{Name: name}}
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
	cat, err := iameval.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		j := s.stack(t, "bootstrap-"+env.Name)
		roles := layerRoles(t, j, env)
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
				}
			}
		}
	}
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
		boundary := deploy.BoundaryARN(env)
		var targets []string
		for _, name := range s.names() {
			if !strings.HasSuffix(name, "-"+env.Name) {
				continue
			}
			for _, r := range s.stack(t, name).resources("aws_iam_role") {
				targets = append(targets, env.RoleARN(fmt.Sprint(r["name"])))
			}
		}
		targets = append(targets, env.RoleARN(env.Prefix()+"-escalate"), env.RoleARN("admin"))
		contexts := []map[string][]string{
			nil,
			{"iam:PermissionsBoundary": {env.RoleARN("x")}},
			{"iam:PermissionsBoundary": {"arn:aws:iam::aws:policy/AdministratorAccess"}},
		}
		for _, r := range roles {
			for _, action := range deploy.RoleWriteActions {
				for _, target := range targets {
					for _, ctx := range contexts {
						ctx := withLayerTags(ctx)
						if r.principal.Allowed(iameval.Request{Action: action, Resource: target, Context: ctx}) {
							t.Errorf("%s may %s on %s with %v: a role without the boundary %s", r.name, action, target, ctx, boundary)
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
			} {
				if r.principal.Allowed(req) {
					t.Errorf("%s may %s on %s", r.name, req.Action, req.Resource)
				}
			}
		}
	}
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
		ask := func(sub string) iameval.Request {
			return iameval.Request{Action: "sts:AssumeRoleWithWebIdentity", PrincipalType: "Federated", Principal: provider, Context: map[string][]string{
				config.GitHubIssuer + ":aud": {config.GitHubAudience}, config.GitHubIssuer + ":sub": {sub},
			}}
		}
		repo := "repo:" + g.Repository
		main := ":ref:refs/heads/main"
		for _, d := range deploy.Layers {
			r := roles[d.RoleName(env.Name, deploy.Apply)]
			if r.trust.Decide(ask(repo+":environment:"+env.Name+main)) != iameval.Allow {
				t.Errorf("%s: the default branch's apply job cannot assume it", r.name)
			}
			for _, sub := range []string{
				repo + ":environment:" + env.Name + ":ref:refs/heads/feature", // a branch declaring the environment
				repo + ":environment:" + env.Name,                             // the default subject template
				repo + ":pull_request:ref:refs/pull/1/merge",
				repo + ":ref:refs/heads/main" + main,
				repo + ":environment:other" + main,
				"repo:attacker/stratum:environment:" + env.Name + main,
				repo + ":environment:" + env.Name + ":ref:refs/tags/v1",
			} {
				if r.trust.Decide(ask(sub)) == iameval.Allow {
					t.Errorf("%s trusts %s", r.name, sub)
				}
			}
			plan := roles[d.RoleName(env.Name, deploy.Plan)]
			pr := plan.trust.Decide(ask(repo+":pull_request:ref:refs/pull/1/merge")) == iameval.Allow
			if want := env.PullRequestPlanPolicy() == config.PlansAlways; pr != want {
				t.Errorf("%s: unapproved pull requests may plan: %v, want %v (%s)", plan.name, pr, want, env.PullRequestPlanPolicy())
			}
		}
	}
}

// TestPlanRolesReadNoSecret: no plan role may read a secret value
// (deploy.SecretReads, and decrypting through SSM or Secrets Manager),
// another layer's state, or write anything.
func TestPlanRolesReadNoSecret(t *testing.T) {
	cat, err := iameval.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		j := s.stack(t, "bootstrap-"+env.Name)
		roles := layerRoles(t, j, env)
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
// (deploy/types.json, `make generate`) hold it, so its deploy role is
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
