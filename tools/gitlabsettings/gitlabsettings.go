// Package gitlabsettings is `stratum gitlab-settings`: it checks (or
// applies) what the generated .gitlab-ci.yml relies on but cannot say
// itself, through GitLab's REST API: a pipeline schedule on the default
// branch with the drift check's cron (config.Pipelines.DriftSchedule,
// UTC), active — GitLab runs the drift and support jobs only from one —
// and the process mode oldest_first of each environment's resource group
// (pipelines.ResourceGroup), so that queued child pipelines of an
// environment run in the order their commits were merged.
package gitlabsettings

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Client talks to one GitLab project.
type Client struct {
	// URL is the instance (https://gitlab.com).
	URL string
	// Project is group/project.
	Project string
	// Token is a token with the api scope (a project access token of a
	// maintainer for apply).
	Token string
	// HTTP sends the requests. Default: a client with a 30 s timeout.
	HTTP *http.Client
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

func (c Client) do(method, path string, form url.Values, out any) (int, error) {
	u := strings.TrimSuffix(c.URL, "/") + "/api/v4/projects/" + url.PathEscape(c.Project) + path
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(c.context(), method, u, body)
	if err != nil {
		return 0, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.Token != "" {
		req.Header.Set("PRIVATE-TOKEN", c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		// Like githubtrust's: a hung API must not hang the command.
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		return resp.StatusCode, nil
	}
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, u, err)
		}
	}
	return resp.StatusCode, nil
}

type schedule struct {
	ID           int    `json:"id"`
	Description  string `json:"description"`
	Ref          string `json:"ref"`
	Cron         string `json:"cron"`
	CronTimezone string `json:"cron_timezone"`
	Active       bool   `json:"active"`
}

// Want is what the pipelines need of a project.
type Want struct {
	Branch, Cron   string
	ResourceGroups []string
}

// Check lists what differs from w.
func Check(c Client, w Want) ([]string, error) {
	var out []string
	var scheds []schedule
	if _, err := c.do("GET", "/pipeline_schedules?per_page=100", nil, &scheds); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(scheds, func(s schedule) bool { return matches(s, w) }) {
		out = append(out, fmt.Sprintf("%s: no active pipeline schedule on %s with cron %q (UTC): the drift and support checks never run (stratum gitlab-settings apply creates it)", c.Project, w.Branch, w.Cron))
	}
	for _, g := range w.ResourceGroups {
		var rg struct {
			ProcessMode string `json:"process_mode"`
		}
		code, err := c.do("GET", "/resource_groups/"+url.PathEscape(g), nil, &rg)
		if err != nil {
			return nil, err
		}
		switch {
		case code == http.StatusNotFound:
			out = append(out, fmt.Sprintf("%s: resource group %s does not exist yet (the first pipeline on %s creates it): run stratum gitlab-settings apply after it", c.Project, g, w.Branch))
		case rg.ProcessMode != "oldest_first":
			out = append(out, fmt.Sprintf("%s: resource group %s has process mode %q: want oldest_first, so that an environment's queued applies run in merge order", c.Project, g, rg.ProcessMode))
		}
	}
	return out, nil
}

func matches(s schedule, w Want) bool {
	ref := strings.TrimPrefix(s.Ref, "refs/heads/")
	return s.Active && ref == w.Branch && s.Cron == w.Cron && (s.CronTimezone == "UTC" || s.CronTimezone == "Etc/UTC")
}

// Apply creates the schedule when it is missing and sets the existing
// resource groups' process mode.
func Apply(c Client, w Want) ([]string, error) {
	var done []string
	var scheds []schedule
	if _, err := c.do("GET", "/pipeline_schedules?per_page=100", nil, &scheds); err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(scheds, func(s schedule) bool { return matches(s, w) }) {
		form := url.Values{"description": {"stratum drift and support checks"}, "ref": {w.Branch}, "cron": {w.Cron}, "cron_timezone": {"UTC"}, "active": {"true"}}
		if _, err := c.do("POST", "/pipeline_schedules", form, nil); err != nil {
			return done, err
		}
		done = append(done, fmt.Sprintf("%s: created the pipeline schedule %q on %s", c.Project, w.Cron, w.Branch))
	}
	for _, g := range w.ResourceGroups {
		code, err := c.do("PUT", "/resource_groups/"+url.PathEscape(g), url.Values{"process_mode": {"oldest_first"}}, nil)
		if err != nil {
			return done, err
		}
		if code != http.StatusNotFound {
			done = append(done, fmt.Sprintf("%s: resource group %s set to oldest_first", c.Project, g))
		}
	}
	return done, nil
}
