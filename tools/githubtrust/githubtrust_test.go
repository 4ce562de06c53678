package githubtrust

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"stratum/config"
	"stratum/tools/cli"
)

// fakeGitHub serves the endpoints the command reads and records the PUTs.
type fakeGitHub struct {
	mu       sync.Mutex
	template string // JSON of the subject template
	envs     map[string]string
	policies map[string]string
	puts     []string
	token    string
}

func (f *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		f.token = r.Header.Get("Authorization")
	}
	path := r.URL.Path
	switch {
	case path == "/repos/example-org/stratum/actions/oidc/customization/sub" && r.Method == "GET":
		io.WriteString(w, f.template)
	case path == "/repos/example-org/stratum/actions/oidc/customization/sub" && r.Method == "PUT":
		b, _ := io.ReadAll(r.Body)
		f.puts = append(f.puts, string(b))
		f.template = string(b)
		w.WriteHeader(http.StatusCreated)
	case strings.HasSuffix(path, "/deployment-branch-policies"):
		name := strings.TrimSuffix(strings.TrimPrefix(path, "/repos/example-org/stratum/environments/"), "/deployment-branch-policies")
		io.WriteString(w, f.policies[name])
	case strings.HasPrefix(path, "/repos/example-org/stratum/environments/"):
		e, ok := f.envs[strings.TrimPrefix(path, "/repos/example-org/stratum/environments/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, e)
	default:
		http.NotFound(w, r)
	}
}

const (
	custom        = `{"use_default": false, "include_claim_keys": ["repo", "context", "ref"]}`
	mainOnly      = `{"protection_rules": [], "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}`
	mainReviewed  = `{"protection_rules": [{"type": "required_reviewers"}], "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}}`
	reviewed      = `{"protection_rules": [{"type": "required_reviewers"}], "deployment_branch_policy": null}`
	branchPolicy  = `{"branch_policies": [{"name": "main", "type": "branch"}]}`
	featureBranch = `{"branch_policies": [{"name": "main", "type": "branch"}, {"name": "release/*", "type": "branch"}]}`
)

func goodRepo() *fakeGitHub {
	return &fakeGitHub{
		template: custom,
		envs:     map[string]string{"prod": mainReviewed, "prod-plan": reviewed, "staging": mainOnly, "dev": mainOnly},
		policies: map[string]string{"prod": branchPolicy, "staging": branchPolicy, "dev": branchPolicy},
	}
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*fakeGitHub)
		args   []string
		code   int
		want   []string // substrings of stdout
	}{
		{"as expected", func(*fakeGitHub) {}, nil, 0, []string{"as the deploy roles' trust expects"}},
		{"default template", func(f *fakeGitHub) { f.template = `{"use_default": true}` }, nil, 2,
			[]string{"OIDC subject template is GitHub's default (repo and context: no branch), want [repo, context, ref]", "`stratum github-oidc apply` sets it"}},
		{"template without the ref", func(f *fakeGitHub) { f.template = `{"use_default": false, "include_claim_keys": ["repo", "context"]}` }, []string{"check"}, 2,
			[]string{"is [repo, context], want [repo, context, ref]"}},
		{"staging deploys from every branch", func(f *fakeGitHub) { f.envs["staging"] = `{"protection_rules": [], "deployment_branch_policy": null}` }, nil, 2,
			[]string{`environment "staging"'s deployment branches is all branches, want the default branch main only`}},
		{"prod deploys from another branch too", func(f *fakeGitHub) { f.policies["prod"] = featureBranch }, nil, 2,
			[]string{`environment "prod"'s deployment branches is [main release/*], want [main] only`}},
		{"prod without reviewers", func(f *fakeGitHub) { f.envs["prod"] = mainOnly }, nil, 2,
			[]string{`environment "prod"'s required reviewers is none`}},
		{"no approval environment for prod's pull-request plans", func(f *fakeGitHub) { delete(f.envs, "prod-plan") }, nil, 2,
			[]string{`environment "prod-plan" is missing`}},
		{"prod-plan without reviewers", func(f *fakeGitHub) { f.envs["prod-plan"] = `{"protection_rules": []}` }, nil, 2,
			[]string{`environment "prod-plan"'s required reviewers is none`}},
		{"bad verb", func(*fakeGitHub) {}, []string{"set"}, cli.ExitUsage, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := goodRepo()
			tc.mutate(f)
			srv := httptest.NewServer(f)
			defer srv.Close()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"-api", srv.URL}, tc.args...), config.Environments(), func(string) string { return "" }, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
}

func TestApply(t *testing.T) {
	f := goodRepo()
	f.template = `{"use_default": true}`
	srv := httptest.NewServer(f)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-api", srv.URL, "apply"}, config.Environments(), func(string) string { return "" }, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "GITHUB_TOKEN") {
		t.Fatalf("apply without a token: exit %d, stderr %q; want 1 naming GITHUB_TOKEN", code, stderr.String())
	}
	stdout.Reset()
	code := run(context.Background(), []string{"-api", srv.URL, "apply"}, config.Environments(), func(k string) string {
		if k == "GITHUB_TOKEN" {
			return "t0ken"
		}
		return ""
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("apply: exit %d; stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	// One repository for the three environments: one PUT.
	if len(f.puts) != 1 {
		t.Fatalf("got %d PUTs %v, want 1", len(f.puts), f.puts)
	}
	var got subjectTemplate
	if err := json.Unmarshal([]byte(f.puts[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.UseDefault || strings.Join(got.IncludeClaimKeys, ",") != "repo,context,ref" {
		t.Errorf("PUT %s, want use_default false and [repo context ref]", f.puts[0])
	}
	if f.token != "Bearer t0ken" {
		t.Errorf("Authorization %q, want the token", f.token)
	}
}

// TestCancelledContext: a check whose context is cancelled (Ctrl-C)
// fails with the cancellation and sends no request.
func TestCancelledContext(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests++ }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-api", srv.URL}, config.Environments(), func(string) string { return "" }, &stdout, &stderr)
	if code != cli.ExitFailure || !strings.Contains(stderr.String()+stdout.String(), "context canceled") || requests != 0 {
		t.Errorf("exit %d after %d request(s), stdout %q, stderr %q; want %d, no request, and the cancellation said", code, requests, stdout.String(), stderr.String(), cli.ExitFailure)
	}
}
