package gitlabsettings

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"

	"stratum/config"
	"stratum/tools/cli"
	"stratum/tools/pipelines"
)

// Main is `stratum gitlab-settings`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, config.Environments(), config.PipelineSettings(), os.Getenv, stdout, stderr, nil)
}

func run(ctx context.Context, args []string, envs []config.Environment, settings config.Pipelines, getenv func(string) string, stdout, stderr io.Writer, hc *http.Client) int {
	f := cli.New(cli.Command{
		Name:      "gitlab-settings",
		Synopsis:  "[check|apply]",
		Arguments: true,
		About: `check (the default) asks GitLab (GITLAB_TOKEN, api scope) whether each GitLab project of the
configuration has what .gitlab-ci.yml relies on: an active pipeline schedule on the default
branch with the drift check's cron (DriftSchedule, UTC; without it the drift and support checks
never run), and each environment's resource group (stratum-<env>) in process mode oldest_first.
apply creates the schedule and sets the process modes (a maintainer's token), then checks.`,
		Results: []string{"2   a setting is missing or differs (each is listed)"},
	}, stdout, stderr)
	if code, ok := f.Parse(args); !ok {
		return code
	}
	verb, code, ok := f.Verb("check", "apply")
	if !ok {
		return code
	}
	token := getenv("GITLAB_TOKEN")
	if token == "" {
		return f.Fail(fmt.Errorf("GITLAB_TOKEN is not set: a token with the api scope of the project"))
	}
	seen := map[string]bool{}
	var findings []string
	for _, e := range envs {
		g := e.CI.GitLab
		if g == nil || seen[g.InstanceURL()+g.ProjectPath] {
			continue
		}
		seen[g.InstanceURL()+g.ProjectPath] = true
		c := Client{URL: g.InstanceURL(), Project: g.ProjectPath, Token: token, HTTP: hc}.WithContext(ctx)
		w := Want{Branch: g.Branch(), Cron: settings.DriftSchedule}
		for _, o := range envs {
			if o.CI.GitLab != nil && o.CI.GitLab.ProjectPath == g.ProjectPath {
				w.ResourceGroups = append(w.ResourceGroups, pipelines.ResourceGroup(o.Name))
			}
		}
		if verb == "apply" {
			done, err := Apply(c, w)
			for _, d := range done {
				fmt.Fprintln(stdout, d)
			}
			if err != nil {
				return f.Fail(err)
			}
		}
		fs, err := Check(c, w)
		if err != nil {
			return f.Fail(err)
		}
		findings = append(findings, fs...)
	}
	if len(seen) == 0 {
		fmt.Fprintln(stdout, "no environment is deployed from GitLab (CI.GitLab): nothing to check")
		return cli.ExitOK
	}
	if len(findings) == 0 {
		fmt.Fprintln(stdout, "every GitLab project has the drift schedule and its resource groups' process mode")
		return cli.ExitOK
	}
	for _, x := range findings {
		fmt.Fprintln(stdout, x)
	}
	return cli.ExitChanges
}
