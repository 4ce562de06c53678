// Package githubtrust is `stratum github-oidc`: it checks, and with
// `apply` sets, the GitHub repository settings the deploy roles' trust
// relies on. AWS can test only the aud and sub claims of GitHub's OIDC
// tokens, and GitHub's default subject names a job's deployment
// environment without its branch; so Stratum's trust policies expect the
// repository's subject template to include the ref
// (config.GitHubSubjectClaims), and then admit only the default branch's
// jobs. The command also checks what AWS cannot see: that the apply
// environments deploy only from the default branch and that production's
// environments (and their pull-request plan environments) have required
// reviewers.
package githubtrust

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"stratum/config"
)

// Client talks to the GitHub REST API.
type Client struct {
	// API is the API's base URL: https://api.github.com, or
	// https://<host>/api/v3 for GitHub Enterprise Server.
	API   string
	Token string
	HTTP  *http.Client
	// ctx bounds every request (WithContext). Default: nil, no bound
	// but the HTTP client's.
	ctx context.Context
}

// WithContext returns c with its requests bound to ctx (the command's:
// Ctrl-C cancels a request under way), like http.Request.WithContext.
func (c Client) WithContext(ctx context.Context) Client {
	c.ctx = ctx
	return c
}

// context is what bounds c's requests.
func (c Client) context() context.Context {
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

func (c Client) do(method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.context(), method, strings.TrimSuffix(c.API, "/")+path, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode == http.StatusNotFound {
		return resp.StatusCode, nil
	}
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

// subjectTemplate is the repository's OIDC subject customization.
type subjectTemplate struct {
	UseDefault       bool     `json:"use_default"`
	IncludeClaimKeys []string `json:"include_claim_keys,omitempty"`
}

// Finding is one setting that differs from what the trust expects.
type Finding struct {
	Repository, Setting, Got, Want string
	// Fixable: `apply` sets it.
	Fixable bool
}

func (f Finding) String() string {
	fix := "set it in the repository's settings"
	if f.Fixable {
		fix = "`stratum github-oidc apply` sets it"
	}
	return fmt.Sprintf("%s: %s is %s, want %s (%s)", f.Repository, f.Setting, f.Got, f.Want, fix)
}

// Check compares every configured repository's settings with what the
// trust policies of envs expect.
func Check(c Client, envs []config.Environment) ([]Finding, error) {
	var out []Finding
	seen := map[string]bool{}
	for _, env := range envs {
		g := env.CI.GitHub
		if g == nil {
			continue
		}
		repo := g.Repository
		if !seen[repo] {
			seen[repo] = true
			var got subjectTemplate
			code, err := c.do("GET", "/repos/"+repo+"/actions/oidc/customization/sub", nil, &got)
			if err != nil {
				return nil, err
			}
			if code == http.StatusNotFound {
				return nil, fmt.Errorf("%s: repository not found (or the token may not read its Actions settings)", repo)
			}
			if got.UseDefault || !slices.Equal(got.IncludeClaimKeys, config.GitHubSubjectClaims) {
				out = append(out, Finding{repo, "the OIDC subject template", describe(got), describe(subjectTemplate{IncludeClaimKeys: config.GitHubSubjectClaims}), true})
			}
		}
		// The apply environment deploys from the default branch only (and
		// in production after an approval); the pull-request plan
		// environment is the approval.
		wanted := []ghEnvironment{{name: g.Environment(env.Name), reviewers: env.Production, branchOnly: true}}
		if env.PullRequestPlanPolicy() == config.PlansAfterApproval {
			wanted = append(wanted, ghEnvironment{name: g.PlanEnvironment(env.Name), reviewers: true})
		}
		for _, e := range wanted {
			f, err := checkEnvironment(c, repo, g.Branch(), e)
			if err != nil {
				return nil, err
			}
			out = append(out, f...)
		}
	}
	return out, nil
}

func describe(t subjectTemplate) string {
	if t.UseDefault || len(t.IncludeClaimKeys) == 0 {
		return "GitHub's default (repo and context: no branch)"
	}
	return "[" + strings.Join(t.IncludeClaimKeys, ", ") + "]"
}

// ghEnvironment is a GitHub environment the trust relies on: it must
// have required reviewers (reviewers) and deploy from the default branch
// only (branchOnly).
type ghEnvironment struct {
	name                  string
	reviewers, branchOnly bool
}

type protectionRule struct {
	Type string `json:"type"`
}

// checkEnvironment checks one GitHub environment of repo.
func checkEnvironment(c Client, repo, branch string, e ghEnvironment) ([]Finding, error) {
	name, reviewers, branchOnly := e.name, e.reviewers, e.branchOnly
	var env struct {
		ProtectionRules        []protectionRule `json:"protection_rules"`
		DeploymentBranchPolicy *struct {
			ProtectedBranches    bool `json:"protected_branches"`
			CustomBranchPolicies bool `json:"custom_branch_policies"`
		} `json:"deployment_branch_policy"`
	}
	setting := fmt.Sprintf("environment %q", name)
	code, err := c.do("GET", "/repos/"+repo+"/environments/"+url.PathEscape(name), nil, &env)
	if err != nil {
		return nil, err
	}
	if code == http.StatusNotFound {
		return []Finding{{repo, setting, "missing", "an environment (Settings → Environments)", false}}, nil
	}
	var out []Finding
	if reviewers && !slices.ContainsFunc(env.ProtectionRules, func(r protectionRule) bool { return r.Type == "required_reviewers" }) {
		out = append(out, Finding{repo, setting + "'s required reviewers", "none", "reviewers who approve each run", false})
	}
	if !branchOnly {
		return out, nil
	}
	p := env.DeploymentBranchPolicy
	switch {
	case p == nil:
		out = append(out, Finding{repo, setting + "'s deployment branches", "all branches", "the default branch " + branch + " only", false})
	case p.CustomBranchPolicies:
		var policies struct {
			BranchPolicies []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"branch_policies"`
		}
		if _, err := c.do("GET", "/repos/"+repo+"/environments/"+url.PathEscape(name)+"/deployment-branch-policies", nil, &policies); err != nil {
			return nil, err
		}
		var names []string
		for _, bp := range policies.BranchPolicies {
			names = append(names, bp.Name)
		}
		if !slices.Equal(names, []string{branch}) {
			out = append(out, Finding{repo, setting + "'s deployment branches", fmt.Sprint(names), "[" + branch + "] only", false})
		}
	case p.ProtectedBranches:
		// Protected branches: acceptable when only the default branch is
		// protected; GitHub does not say which are, so it is reported.
		out = append(out, Finding{repo, setting + "'s deployment branches", "every protected branch", "the default branch " + branch + " only (a custom branch policy)", false})
	}
	return out, nil
}

// Apply sets the subject template of every configured repository.
func Apply(c Client, envs []config.Environment) ([]string, error) {
	var done []string
	for _, env := range envs {
		g := env.CI.GitHub
		if g == nil || slices.Contains(done, g.Repository) {
			continue
		}
		if _, err := c.do("PUT", "/repos/"+g.Repository+"/actions/oidc/customization/sub", subjectTemplate{IncludeClaimKeys: config.GitHubSubjectClaims}, nil); err != nil {
			return done, err
		}
		done = append(done, g.Repository)
	}
	return done, nil
}
