package stacks

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/config"
)

// ciRole is a synthesized CI role: its resource and the statements of its
// trust and inline policies.
type ciRole struct {
	role        map[string]any
	trust       []map[string]any
	permissions []map[string]any
	managed     []string
}

// findCIRole returns the CI role named name in j.
func findCIRole(t *testing.T, j tfJSON, name string) ciRole {
	t.Helper()
	for _, r := range j.resources("aws_iam_role") {
		if r["name"] != name {
			continue
		}
		out := ciRole{role: r}
		trust, _, _ := j.resolve(t, r["assume_role_policy"])
		for _, st := range jsonList(trust["statement"]) {
			out.trust = append(out.trust, jsonObject(st))
		}
		for _, p := range j.resources("aws_iam_role_policy") {
			if p["name"] == name {
				doc, _, _ := j.resolve(t, p["policy"])
				for _, st := range jsonList(doc["statement"]) {
					out.permissions = append(out.permissions, jsonObject(st))
				}
			}
		}
		for _, a := range j.resources("aws_iam_role_policy_attachment") {
			if a["role"] == "${"+roleRef(j, name)+".name}" {
				out.managed = append(out.managed, fmt.Sprint(a["policy_arn"]))
			}
		}
		return out
	}
	t.Fatalf("no IAM role named %s", name)
	return ciRole{}
}

func roleRef(j tfJSON, name string) string {
	for addr, r := range j.resources("aws_iam_role") {
		if r["name"] == name {
			return "aws_iam_role." + addr
		}
	}
	return ""
}

// trustProblems checks a web-identity trust: every statement admits one
// federated provider, pins aud to exactly audience, and pins sub to
// exactly the subjects in want (StringEquals) or to pattern (StringLike);
// together the statements admit exactly want and pattern.
func trustProblems(statements []map[string]any, audience string, want []string, pattern string) []string {
	var problems, subjects, patterns []string
	for i, st := range statements {
		if st["effect"] != "Allow" || !reflect.DeepEqual(jsonStrings(st["actions"]), []string{"sts:AssumeRoleWithWebIdentity"}) {
			problems = append(problems, fmt.Sprintf("statement %d: effect %v actions %v, want Allow sts:AssumeRoleWithWebIdentity", i, st["effect"], st["actions"]))
		}
		p := jsonObject(st["principals"])
		if p["type"] != "Federated" || len(jsonList(p["identifiers"])) != 1 {
			problems = append(problems, fmt.Sprintf("statement %d: principals %v, want one Federated provider", i, st["principals"]))
		}
		var aud, sub bool
		for _, c := range jsonList(st["condition"]) {
			c := jsonObject(c)
			v, _ := c["variable"].(string)
			values := jsonStrings(c["values"])
			switch {
			case strings.HasSuffix(v, ":aud"):
				aud = c["test"] == "StringEquals" && reflect.DeepEqual(values, []string{audience})
			case strings.HasSuffix(v, ":sub") && c["test"] == "StringEquals":
				sub = true
				for _, s := range values {
					if strings.ContainsAny(s, "*?") {
						problems = append(problems, fmt.Sprintf("statement %d: exact subject %q has a wildcard", i, s))
					}
				}
				subjects = append(subjects, values...)
			case strings.HasSuffix(v, ":sub") && c["test"] == "StringLike":
				sub = true
				patterns = append(patterns, values...)
			default:
				problems = append(problems, fmt.Sprintf("statement %d: unexpected condition %v", i, c))
			}
		}
		if !aud {
			problems = append(problems, fmt.Sprintf("statement %d: aud is not pinned to exactly %q", i, audience))
		}
		if !sub {
			problems = append(problems, fmt.Sprintf("statement %d: sub is not pinned", i))
		}
	}
	sort.Strings(subjects)
	w := append([]string{}, want...)
	sort.Strings(w)
	if !reflect.DeepEqual(subjects, w) && (len(subjects) > 0 || len(w) > 0) {
		problems = append(problems, fmt.Sprintf("exact subjects %v, want %v", subjects, w))
	}
	var wp []string
	if pattern != "" {
		wp = []string{pattern}
	}
	if !reflect.DeepEqual(patterns, wp) && (len(patterns) > 0 || len(wp) > 0) {
		problems = append(problems, fmt.Sprintf("subject patterns %v, want %v", patterns, wp))
	}
	return problems
}

// TestCIRoleTrust: in every environment the plan role admits exactly the
// repository's pull requests and default branch, and the apply role only
// jobs of the environment's GitHub deployment environment.
func TestCIRoleTrust(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		g := env.CI.GitHub
		if g == nil {
			continue
		}
		t.Run(env.Name, func(t *testing.T) {
			j := s.stack(t, "bootstrap-"+env.Name)
			plan := findCIRole(t, j, config.CIPlanRoleName(env.Name))
			for _, p := range trustProblems(plan.trust, config.GitHubAudience, []string{
				"repo:" + g.Repository + ":pull_request", "repo:" + g.Repository + ":ref:refs/heads/main",
			}, "") {
				t.Errorf("plan role: %s", p)
			}
			apply := findCIRole(t, j, config.CIApplyRoleName(env.Name))
			for _, p := range trustProblems(apply.trust, config.GitHubAudience, []string{
				"repo:" + g.Repository + ":environment:" + env.Name,
			}, "") {
				t.Errorf("apply role: %s", p)
			}
			providers := j.resources("aws_iam_openid_connect_provider")
			if len(providers) != 1 {
				t.Fatalf("got %d identity providers, want 1", len(providers))
			}
			for _, p := range providers {
				if p["url"] != "https://"+config.GitHubIssuer || !reflect.DeepEqual(jsonStrings(p["client_id_list"]), []string{config.GitHubAudience}) {
					t.Errorf("provider url %v clients %v", p["url"], p["client_id_list"])
				}
			}
		})
	}
}

// TestCIRolePermissions: the plan role is read-only (ReadOnlyAccess, and
// its inline policy allows nothing but decrypting the state) and denies
// reading data; the apply role may not change the CI identities or how
// the state is kept.
func TestCIRolePermissions(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		if !env.CI.Enabled() {
			continue
		}
		t.Run(env.Name, func(t *testing.T) {
			j := s.stack(t, "bootstrap-"+env.Name)
			plan := findCIRole(t, j, config.CIPlanRoleName(env.Name))
			sort.Strings(plan.managed) // the guard's reference, then ReadOnlyAccess
			if len(plan.managed) != 2 || plan.managed[0] != "${aws_iam_policy.ssm-contract-guard.arn}" || !strings.HasSuffix(plan.managed[1], ":iam::aws:policy/ReadOnlyAccess") {
				t.Errorf("plan role managed policies %v, want ReadOnlyAccess and the SSM contract guard only", plan.managed)
			}
			denied := map[string]bool{}
			for _, st := range plan.permissions {
				switch st["effect"] {
				case "Allow":
					if a := jsonStrings(st["actions"]); !reflect.DeepEqual(a, []string{"kms:Decrypt"}) {
						t.Errorf("plan role allows %v, want only kms:Decrypt (of the state)", a)
					}
				case "Deny":
					for _, a := range jsonStrings(st["actions"]) {
						denied[a] = true
					}
				}
			}
			for _, a := range []string{"s3:GetObject", "dynamodb:GetItem", "secretsmanager:GetSecretValue"} {
				if !denied[a] {
					t.Errorf("plan role does not deny %s (outside the state)", a)
				}
			}
			apply := findCIRole(t, j, config.CIApplyRoleName(env.Name))
			if apply.role["max_session_duration"] != float64(ApplySessionSeconds) {
				t.Errorf("apply role max_session_duration %v, want %d", apply.role["max_session_duration"], ApplySessionSeconds)
			}
			if len(apply.managed) != 0 {
				t.Errorf("apply role has managed policies %v, want none (its inline policy names the services)", apply.managed)
			}
			var protected []string
			for _, st := range apply.permissions {
				if st["sid"] == "DenyChangingCIIdentities" && st["effect"] == "Deny" {
					protected = jsonStrings(st["resources"])
				}
			}
			for _, role := range []string{config.CIPlanRoleName(env.Name), config.CIApplyRoleName(env.Name)} {
				if !slices.ContainsFunc(protected, func(r string) bool { return strings.HasSuffix(r, ":role/"+role) }) {
					t.Errorf("apply role may change role %s: protected %v", role, protected)
				}
			}
			if !slices.ContainsFunc(protected, func(r string) bool { return strings.Contains(r, "aws_iam_openid_connect_provider") }) {
				t.Errorf("apply role may change the identity provider: protected %v", protected)
			}
		})
	}
}

// TestTrustCheckerFails proves trustProblems catches what it must.
func TestTrustCheckerFails(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{
			"effect": "Allow", "actions": []any{"sts:AssumeRoleWithWebIdentity"},
			"principals": []any{map[string]any{"type": "Federated", "identifiers": []any{"arn"}}},
			"condition": []any{
				map[string]any{"test": "StringEquals", "variable": "i:aud", "values": []any{"sts.amazonaws.com"}},
				map[string]any{"test": "StringEquals", "variable": "i:sub", "values": []any{"repo:o/r:pull_request"}},
			},
		}
	}
	if p := trustProblems([]map[string]any{good()}, "sts.amazonaws.com", []string{"repo:o/r:pull_request"}, ""); len(p) != 0 {
		t.Fatalf("good trust: %v", p)
	}
	cases := map[string]func(m map[string]any){
		"wildcard subject": func(m map[string]any) {
			jsonList(m["condition"])[1].(map[string]any)["values"] = []any{"repo:o/*"}
		},
		"other repository": func(m map[string]any) {
			jsonList(m["condition"])[1].(map[string]any)["values"] = []any{"repo:x/r:pull_request"}
		},
		"no aud": func(m map[string]any) { m["condition"] = jsonList(m["condition"])[1:] },
		"no sub": func(m map[string]any) { m["condition"] = jsonList(m["condition"])[:1] },
		"like instead of equals": func(m map[string]any) {
			jsonList(m["condition"])[1].(map[string]any)["test"] = "StringLike"
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			st := good()
			mutate(st)
			if p := trustProblems([]map[string]any{st}, "sts.amazonaws.com", []string{"repo:o/r:pull_request"}, ""); len(p) == 0 {
				t.Error("no problem found")
			}
		})
	}
}

// TestCITrustOtherPlatforms synthesizes bootstrap stacks with GitLab and
// Azure DevOps trust (and an existing GitHub provider) and checks them.
func TestCITrustOtherPlatforms(t *testing.T) {
	defaultSynth(t) // one jsii runtime; this app only adds bootstrap stacks
	env := config.Environments()[2]
	env.CI = config.CI{
		GitHub:      &config.GitHubCI{Repository: "o/r", OwnerID: 11, RepositoryID: 22, ExistingProvider: true},
		GitLab:      &config.GitLabCI{URL: "https://gitlab.example.com", ProjectPath: "platform/stratum"},
		AzureDevOps: &config.AzureDevOpsCI{OrganizationID: "61c028b9-510c-4f84-bfb2-f48d33b6b542", Organization: "acme", Project: "Platform"},
	}
	if err := config.Validate([]config.Environment{env}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	app := cdktf.NewApp(&cdktf.AppConfig{Outdir: jsii.String(dir), StackTraces: jsii.Bool(false)})
	NewBootstrap(app, env)
	app.Synth()
	out := readOut(t, dir)
	j := out.stack(t, "bootstrap-dev")
	plan := findCIRole(t, j, config.CIPlanRoleName("dev"))
	apply := findCIRole(t, j, config.CIApplyRoleName("dev"))
	byPrefix := func(st []map[string]any, sid string) []map[string]any {
		var out []map[string]any
		for _, s := range st {
			if strings.HasPrefix(fmt.Sprint(s["sid"]), sid) {
				out = append(out, s)
			}
		}
		return out
	}
	cases := []struct {
		name      string
		st        []map[string]any
		aud       string
		subjects  []string
		pattern   string
		issuerVar string
	}{
		{"github plan", byPrefix(plan.trust, "GitHub"), "sts.amazonaws.com", []string{"repo:o@11/r@22:pull_request", "repo:o@11/r@22:ref:refs/heads/main"}, "", "token.actions.githubusercontent.com:"},
		{"github apply", byPrefix(apply.trust, "GitHub"), "sts.amazonaws.com", []string{"repo:o@11/r@22:environment:dev"}, "", "token.actions.githubusercontent.com:"},
		{"gitlab plan", byPrefix(plan.trust, "GitLab"), "https://gitlab.example.com", nil, "project_path:platform/stratum:ref_type:branch:ref:*", "gitlab.example.com:"},
		{"gitlab apply", byPrefix(apply.trust, "GitLab"), "https://gitlab.example.com", []string{"project_path:platform/stratum:ref_type:branch:ref:main"}, "", "gitlab.example.com:"},
		{"azure plan", byPrefix(plan.trust, "AzureDevOps"), "api://AzureADTokenExchange", []string{"sc://acme/Platform/stratum-dev-plan"}, "", "vstoken.dev.azure.com/61c028b9-510c-4f84-bfb2-f48d33b6b542:"},
		{"azure apply", byPrefix(apply.trust, "AzureDevOps"), "api://AzureADTokenExchange", []string{"sc://acme/Platform/stratum-dev-apply"}, "", "vstoken.dev.azure.com/61c028b9-510c-4f84-bfb2-f48d33b6b542:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.st) == 0 {
				t.Fatal("no trust statement")
			}
			for _, p := range trustProblems(tc.st, tc.aud, tc.subjects, tc.pattern) {
				t.Error(p)
			}
			for _, st := range tc.st {
				for _, c := range jsonList(st["condition"]) {
					if v := fmt.Sprint(jsonObject(c)["variable"]); !strings.HasPrefix(v, tc.issuerVar) {
						t.Errorf("condition on %s, want the issuer %s", v, tc.issuerVar)
					}
				}
			}
		})
	}
	// GitHub's provider exists already: looked up, not created.
	if n := len(j.data("aws_iam_openid_connect_provider")); n != 1 {
		t.Errorf("got %d provider look-ups, want 1 (GitHub)", n)
	}
	if n := len(j.resources("aws_iam_openid_connect_provider")); n != 2 {
		t.Errorf("got %d providers created, want 2 (GitLab, Azure DevOps)", n)
	}
	_ = os.RemoveAll(dir)
}

// applyServiceOf maps a resource type to the IAM service that manages it.
// A resource type missing here fails TestApplyRoleCoversEveryResource:
// add it, and its service to ApplyServices if needed.
var applyServiceOf = []struct{ prefix, service string }{
	{"aws_autoscaling_", "autoscaling"},
	{"aws_backup_", "backup"},
	{"aws_budgets_", "budgets"},
	{"aws_ce_", "ce"},
	{"aws_cloudwatch_event_", "events"},
	{"aws_cloudwatch_log_", "logs"},
	{"aws_cloudwatch_metric_alarm", "cloudwatch"},
	{"aws_db_", "rds"},
	{"aws_eks_", "eks"},
	{"aws_iam_", "iam"},
	{"aws_kms_", "kms"},
	{"aws_route53_", "route53"},
	{"aws_s3_", "s3"},
	{"aws_sns_", "sns"},
	{"aws_ssm_", "ssm"},
	{"aws_vpc", "ec2"}, {"aws_subnet", "ec2"}, {"aws_route", "ec2"}, {"aws_security_group", "ec2"},
	{"aws_default_security_group", "ec2"}, {"aws_eip", "ec2"}, {"aws_nat_gateway", "ec2"},
	{"aws_internet_gateway", "ec2"}, {"aws_launch_template", "ec2"}, {"aws_flow_log", "ec2"},
	{"aws_customer_gateway", "ec2"}, {"aws_vpn_", "ec2"},
}

// TestApplyRoleCoversEveryResource: every AWS resource type of every stack
// CI applies belongs to a service the apply role may use.
func TestApplyRoleCoversEveryResource(t *testing.T) {
	s := defaultSynth(t)
	for _, name := range s.names() {
		if strings.HasPrefix(name, "bootstrap-") {
			continue // applied by hand, never by CI
		}
		res, _ := s.stacks[name]["resource"].(map[string]any)
		for typ := range res {
			if !strings.HasPrefix(typ, "aws_") {
				continue // kubernetes and helm act through EKS access entries
			}
			i := slices.IndexFunc(applyServiceOf, func(m struct{ prefix, service string }) bool {
				return strings.HasPrefix(typ, m.prefix)
			})
			if i < 0 {
				t.Errorf("%s: resource type %s has no IAM service in applyServiceOf", name, typ)
				continue
			}
			if svc := applyServiceOf[i].service; !slices.Contains(ApplyServices, svc) {
				t.Errorf("%s: %s needs %s, which is not in ApplyServices %v", name, typ, svc, ApplyServices)
			}
		}
	}
}

// TestClusterAccessForCI: with CI configured the cluster's deployer admin
// is the apply role (not whoever plans) and the plan role can read.
func TestClusterAccessForCI(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		if !env.CI.Enabled() {
			continue
		}
		t.Run(env.Name, func(t *testing.T) {
			j := s.stack(t, "platform-"+env.Name)
			if n := len(j.data("aws_iam_session_context")); n != 0 {
				t.Errorf("platform reads the caller's session (%d data sources): a plan by the plan role would propose making it admin", n)
			}
			principals := map[string]string{}
			for _, e := range j.resources("aws_eks_access_entry") {
				p := fmt.Sprint(e["principal_arn"])
				principals[p[strings.LastIndex(p, ":role/")+1:]] = p
			}
			for _, role := range []string{config.CIApplyRoleName(env.Name), config.CIPlanRoleName(env.Name)} {
				if _, ok := principals["role/"+role]; !ok {
					t.Errorf("no access entry for %s; have %v", role, principals)
				}
			}
			policies := map[string]string{}
			for _, a := range j.resources("aws_eks_access_policy_association") {
				ref := fmt.Sprint(a["principal_arn"])
				policies[ref] = fmt.Sprint(a["policy_arn"])
			}
			for ref, policy := range policies {
				if strings.Contains(ref, "viewer-ci-plan") && !strings.HasSuffix(policy, "/AmazonEKSAdminViewPolicy") {
					t.Errorf("plan role gets %s, want AmazonEKSAdminViewPolicy", policy)
				}
			}
		})
	}
}
