package pipelines

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"stratum/config"
)

// ghJobs reads a generated workflow's jobs.
func ghJobs(t *testing.T, b []byte) map[string]map[string]any {
	t.Helper()
	var w struct {
		Jobs map[string]map[string]any `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w.Jobs
}

// ghEnvOf is the Stratum environment a job's name names.
func ghEnvOf(job map[string]any) string {
	f := strings.Fields(fmt.Sprint(job["name"]))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// TestRunnersPerEnvironmentAndPurpose: every job that gets AWS
// credentials runs on a GitHub-hosted runner (a new machine per job) or
// on the self-hosted runners of its environment and purpose: pull
// requests never where the default branch applies, no environment where
// another one's runs. The same in GitLab (tags) and Azure DevOps (pools).
func TestRunnersPerEnvironmentAndPurpose(t *testing.T) {
	in := sampleInput(t)
	for file, purpose := range map[string]string{
		"stratum-pull-request.yml": config.RunnerPullRequest, "stratum-apply.yml": config.RunnerDeploy, "stratum-drift.yml": config.RunnerDeploy,
	} {
		for id, job := range ghJobs(t, GitHub(in)[file]) {
			perms, _ := job["permissions"].(map[string]any)
			if perms["id-token"] != "write" {
				continue
			}
			env := ghEnvOf(job)
			switch runs := job["runs-on"].(type) {
			case string:
				if runs != in.Settings.GitHubHostedRunner {
					t.Errorf("%s %s: runs-on %q, want the hosted runner or the private labels", file, id, runs)
				}
			case []any:
				want := config.RunnerLabel(env, purpose)
				var labels []string
				for _, l := range runs {
					labels = append(labels, fmt.Sprint(l))
				}
				if !slices.Contains(labels, want) {
					t.Errorf("%s %s: runs on %v, want the label %s", file, id, labels, want)
				}
				// A job runs on a runner with all its labels: one of another
				// environment or purpose besides would be a runner with both.
				for _, e := range in.Envs {
					for _, p := range []string{config.RunnerPullRequest, config.RunnerDeploy} {
						if l := config.RunnerLabel(e.Name, p); l != want && slices.Contains(labels, l) {
							t.Errorf("%s %s: runs on %v, a runner of %s too", file, id, labels, l)
						}
					}
				}
			default:
				t.Errorf("%s %s: runs-on %v", file, id, job["runs-on"])
			}
		}
	}
	for _, mode := range []string{"plan", "apply"} {
		b, err := mergedChild(in, sampleReport(in), mode)
		if err != nil {
			t.Fatal(err)
		}
		var jobs map[string]any
		if err := yaml.Unmarshal(b, &jobs); err != nil {
			t.Fatal(err)
		}
		for id, j := range jobs {
			job, ok := j.(map[string]any)
			if !ok || job["id_tokens"] == nil {
				continue
			}
			env := strings.Split(fmt.Sprint(job["stage"]), "-")[0]
			want := config.RunnerLabel(env, config.RunnerDeploy)
			if mode == "plan" {
				want = config.RunnerLabel(env, config.RunnerPullRequest)
			}
			if tags := fmt.Sprint(job["tags"]); !strings.Contains(tags, want) {
				t.Errorf("GitLab %s %s: tags %s, want %s", mode, id, tags, want)
			}
		}
	}
	p, err := decodeAzure(Azure(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range p.Stages {
		for _, j := range st.Jobs {
			steps := j.Steps
			if j.Strategy != nil && j.Strategy.RunOnce != nil {
				steps = j.Strategy.RunOnce.Deploy.Steps
			}
			for _, s := range steps {
				conn := s.Inputs["awsCredentials"]
				if conn == "" || j.Pool == nil || j.Pool.Name == "" {
					continue
				}
				// stratum-<env>-<layer>-<connection purpose> runs in the
				// pool of <env> and runner purpose.
				parts := strings.Split(conn, "-")
				env, runner := parts[1], config.RunnerDeploy
				if strings.HasSuffix(conn, "-"+config.AzurePullRequest) {
					runner = config.RunnerPullRequest
				}
				if want := in.Settings.AzurePrivatePool + "-" + env + "-" + runner; j.Pool.Name != want {
					t.Errorf("Azure job %s%s (connection %s): pool %s, want %s", j.Job, j.Deployment, conn, j.Pool.Name, want)
				}
			}
		}
	}
}

// TestSavedPlans: pull requests keep no saved plan; the apply pipeline
// keeps it SavedPlanRetentionDays. Every plan job runs its batch with
// stratum batch run of its kind and keeps only what that writes to
// plans/ (TestBatchKeepsOnlyWhatLeavesTheRunner: sealed plans only where
// the environment has a state key, plan text only for pull requests).
func TestSavedPlans(t *testing.T) {
	in := sampleInput(t)
	gh := GitHub(in)
	for id, job := range ghJobs(t, gh["stratum-pull-request.yml"]) {
		if !strings.HasPrefix(id, "plan_") {
			continue
		}
		b, _ := yaml.Marshal(job)
		if !strings.Contains(string(b), "batch run -kind "+KindPullRequestPlan+" ") || ghUploads(job) != "plans" {
			t.Errorf("pull request job %s: want a pull-request plan keeping plans/ only:\n%s", id, b)
		}
	}
	for id, job := range ghJobs(t, gh["stratum-apply.yml"]) {
		if !strings.HasPrefix(id, "plan_") {
			continue
		}
		b, _ := yaml.Marshal(job)
		s := string(b)
		if !strings.Contains(s, fmt.Sprintf("retention-days: \"%d\"", in.Settings.SavedPlanRetentionDays)) {
			t.Errorf("%s: the saved plan is not kept %d day(s) only:\n%s", id, in.Settings.SavedPlanRetentionDays, s)
		}
		if !strings.Contains(s, "batch run -kind "+KindPlan+" ") || ghUploads(job) != "plans" {
			t.Errorf("%s: want a plan keeping plans/ only:\n%s", id, s)
		}
	}
	for _, mode := range []string{"plan", "apply"} {
		b, err := mergedChild(in, sampleReport(in), mode)
		if err != nil {
			t.Fatal(err)
		}
		var jobs map[string]map[string]any
		_ = yaml.Unmarshal(b, &jobs)
		for id, job := range jobs {
			if !strings.HasPrefix(id, "plan:") {
				continue
			}
			js, _ := yaml.Marshal(job)
			want, expire := "batch run -kind "+KindPullRequestPlan+" ", "7 days"
			if mode == "apply" {
				want, expire = "batch run -kind "+KindPlan+" ", fmt.Sprintf("%d days", in.Settings.SavedPlanRetentionDays)
			}
			if !strings.Contains(string(js), want) || !strings.Contains(string(js), "expire_in: "+expire) {
				t.Errorf("GitLab %s (%s): want %q kept %s:\n%s", id, mode, want, expire, js)
			}
		}
	}
}

// ghUploads are the paths a job's steps upload as artifacts.
func ghUploads(job map[string]any) string {
	var out []string
	steps, _ := job["steps"].([]any)
	for _, st := range steps {
		st, _ := st.(map[string]any)
		if strings.HasPrefix(fmt.Sprint(st["uses"]), actUpload.repo) {
			with, _ := st["with"].(map[string]any)
			out = append(out, fmt.Sprint(with["path"]))
		}
	}
	return strings.Join(out, "\n")
}

// TestPullRequestPlansNeedTheirApproval: where an environment plans pull
// requests only after an approval, GitHub's pull-request plan jobs of it
// run in its <env>-plan environment, and GitLab's merge requests plan it
// not at all.
func TestPullRequestPlansNeedTheirApproval(t *testing.T) {
	in := sampleInput(t)
	for id, job := range ghJobs(t, GitHub(in)["stratum-pull-request.yml"]) {
		if !strings.HasPrefix(id, "plan_") {
			continue
		}
		env := in.env(ghEnvOf(job))
		want := ""
		if env.PullRequestPlanPolicy() == config.PlansAfterApproval {
			want = env.CI.GitHub.PlanEnvironment(env.Name)
		}
		if got, _ := job["environment"].(string); got != want {
			t.Errorf("pull request job %s (%s, %s): environment %q, want %q", id, env.Name, env.PullRequestPlanPolicy(), got, want)
		}
	}
	b, err := mergedChild(in, sampleReport(in), "plan")
	if err != nil {
		t.Fatal(err)
	}
	var jobs map[string]any
	if err := yaml.Unmarshal(b, &jobs); err != nil {
		t.Fatal(err)
	}
	for id := range jobs {
		if strings.HasPrefix(id, "plan:") && strings.HasSuffix(id, "-prod") {
			t.Errorf("GitLab merge requests plan %s, whose environment plans pull requests only after an approval", id)
		}
	}
}
