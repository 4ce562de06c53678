package gitlabsettings

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"stratum/config"
)

// fakeGitLab serves one project's schedules and resource groups and
// records what apply changes.
type fakeGitLab struct {
	schedules []schedule
	groups    map[string]string
	token     string
}

func (g *fakeGitLab) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("PRIVATE-TOKEN") != g.token {
		http.Error(w, "401", http.StatusUnauthorized)
		return
	}
	const prefix = "/api/v4/projects/platform%2Fstratum"
	path := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
	switch {
	case r.Method == "GET" && path == "/pipeline_schedules":
		json.NewEncoder(w).Encode(g.schedules)
	case r.Method == "POST" && path == "/pipeline_schedules":
		r.ParseForm()
		g.schedules = append(g.schedules, schedule{Ref: r.Form.Get("ref"), Cron: r.Form.Get("cron"), CronTimezone: r.Form.Get("cron_timezone"), Active: r.Form.Get("active") == "true"})
		w.WriteHeader(http.StatusCreated)
	case strings.HasPrefix(path, "/resource_groups/"):
		key := strings.TrimPrefix(path, "/resource_groups/")
		mode, ok := g.groups[key]
		if !ok {
			http.Error(w, "404", http.StatusNotFound)
			return
		}
		if r.Method == "PUT" {
			r.ParseForm()
			g.groups[key] = r.Form.Get("process_mode")
			mode = g.groups[key]
		}
		json.NewEncoder(w).Encode(map[string]string{"process_mode": mode})
	default:
		http.Error(w, "unexpected "+r.Method+" "+path, http.StatusTeapot)
	}
}

func TestCheckAndApply(t *testing.T) {
	g := &fakeGitLab{token: "t", groups: map[string]string{"stratum-dev": "unordered"}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	env := config.Environments()[2]
	env.CI = config.CI{GitLab: &config.GitLabCI{URL: "https://gitlab.example.com", ProjectPath: "platform/stratum"}}
	settings := config.PipelineSettings()
	getenv := func(k string) string { return map[string]string{"GITLAB_TOKEN": "t"}[k] }
	var out, errs bytes.Buffer
	// InstanceURL adds https://: reach the test server over plain HTTP.
	hc := &http.Client{Transport: rewrite{srv.URL}}
	if code := run(context.Background(), nil, []config.Environment{env}, settings, getenv, &out, &errs, hc); code != 2 || !strings.Contains(out.String(), "no active pipeline schedule") || !strings.Contains(out.String(), "unordered") {
		t.Fatalf("check before apply: code %d\n%s%s", code, out.String(), errs.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"apply"}, []config.Environment{env}, settings, getenv, &out, &errs, hc); code != 0 {
		t.Fatalf("apply: code %d\n%s%s", code, out.String(), errs.String())
	}
	if len(g.schedules) != 1 || g.schedules[0].Cron != settings.DriftSchedule || g.groups["stratum-dev"] != "oldest_first" {
		t.Errorf("after apply: schedules %+v, groups %v", g.schedules, g.groups)
	}
	if code := run(context.Background(), []string{"delete"}, []config.Environment{env}, settings, getenv, &out, &errs, hc); code != 64 {
		t.Errorf("an unknown verb: code %d, want 64", code)
	}
}

// rewrite sends every request to the test server.
type rewrite struct{ target string }

func (r rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	u.Scheme, u.Host = "http", strings.TrimPrefix(r.target, "http://")
	req = req.Clone(req.Context())
	req.URL = &u
	return http.DefaultTransport.RoundTrip(req)
}
