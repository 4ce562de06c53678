package pipelines

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"stratum/changes"
	"stratum/config"
	"stratum/stackgraph"
)

// GitLab CI model (the keys Stratum uses).
type (
	glPipeline struct {
		Workflow  *glWorkflow       `yaml:"workflow,omitempty"`
		Stages    []string          `yaml:"stages"`
		Default   *glDefault        `yaml:"default,omitempty"`
		Variables map[string]string `yaml:"variables,omitempty"`
		jobs      ordered[glJob]
	}
	glWorkflow struct {
		Rules []glRule `yaml:"rules"`
	}
	glDefault struct {
		Image        string   `yaml:"image,omitempty"`
		BeforeScript []string `yaml:"before_script,omitempty"`
	}
	glRule struct {
		If   string `yaml:"if,omitempty"`
		When string `yaml:"when,omitempty"`
	}
	glJob struct {
		Stage         string               `yaml:"stage"`
		Needs         []glNeed             `yaml:"needs,omitempty"`
		Rules         []glRule             `yaml:"rules,omitempty"`
		Tags          []string             `yaml:"tags,omitempty"`
		IDTokens      map[string]glIDToken `yaml:"id_tokens,omitempty"`
		Variables     map[string]string    `yaml:"variables,omitempty"`
		Environment   *glEnvironment       `yaml:"environment,omitempty"`
		ResourceGroup string               `yaml:"resource_group,omitempty"`
		When          string               `yaml:"when,omitempty"`
		AllowFailure  *bool                `yaml:"allow_failure,omitempty"`
		Trigger       *glTrigger           `yaml:"trigger,omitempty"`
		Script        []string             `yaml:"script,omitempty"`
		Artifacts     *glArtifacts         `yaml:"artifacts,omitempty"`
		Timeout       string               `yaml:"timeout,omitempty"`
		Interruptible *bool                `yaml:"interruptible,omitempty"`
	}
	glNeed struct {
		Pipeline  string `yaml:"pipeline,omitempty"`
		Job       string `yaml:"job"`
		Artifacts *bool  `yaml:"artifacts,omitempty"`
	}
	glIDToken struct {
		Aud string `yaml:"aud"`
	}
	glEnvironment struct {
		Name           string `yaml:"name"`
		DeploymentTier string `yaml:"deployment_tier,omitempty"`
	}
	glTrigger struct {
		Include  []glInclude `yaml:"include"`
		Strategy string      `yaml:"strategy,omitempty"`
	}
	glInclude struct {
		Artifact string `yaml:"artifact"`
		Job      string `yaml:"job"`
	}
	glArtifacts struct {
		Paths    []string `yaml:"paths"`
		ExpireIn string   `yaml:"expire_in,omitempty"`
		ExposeAs string   `yaml:"expose_as,omitempty"`
		When     string   `yaml:"when,omitempty"`
	}
)

// MarshalYAML puts the jobs at the top level after the keywords.
func (p glPipeline) MarshalYAML() (any, error) {
	type head struct {
		Workflow  *glWorkflow       `yaml:"workflow,omitempty"`
		Stages    []string          `yaml:"stages"`
		Default   *glDefault        `yaml:"default,omitempty"`
		Variables map[string]string `yaml:"variables,omitempty"`
	}
	var n, jobs yaml.Node
	if err := n.Encode(head{p.Workflow, p.Stages, p.Default, p.Variables}); err != nil {
		return nil, err
	}
	if err := jobs.Encode(p.jobs); err != nil {
		return nil, err
	}
	n.Content = append(n.Content, jobs.Content...)
	return &n, nil
}

var (
	glTrue  = true
	glFalse = false
)

const (
	glMR       = `$CI_PIPELINE_SOURCE == "merge_request_event"`
	glSchedule = `$CI_PIPELINE_SOURCE == "schedule"`
	glMain     = `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE != "schedule"`
)

// glToolchain installs what the jobs need into the Go image: Node.js and
// npm (Debian's), the AWS CLI, jq and openssl (sealed saved plans), and
// Terraform from HashiCorp's releases with its checksum verified.
func (in Input) glToolchain() []string {
	v := in.Settings.TerraformVersion
	return []string{
		"apt-get update -qq && apt-get install -y -qq nodejs npm awscli unzip jq openssl >/dev/null",
		fmt.Sprintf(`curl -fsSLo /tmp/tf.zip https://releases.hashicorp.com/terraform/%[1]s/terraform_%[1]s_linux_amd64.zip && curl -fsSL https://releases.hashicorp.com/terraform/%[1]s/terraform_%[1]s_SHA256SUMS | grep linux_amd64.zip | sed 's|terraform_.*zip|/tmp/tf.zip|' | sha256sum -c - && unzip -qo /tmp/tf.zip -d /usr/local/bin`, v),
	}
}

// glAssume exchanges the job's ID token for the credentials of the role
// of stack's layer.
func (in Input) glAssume(envName, stack, mode string) []string {
	env := in.env(envName)
	account := env.AccountID
	if account == "" {
		account = "${" + accountVariable(envName) + "}"
	}
	seconds := 3600
	if mode == "apply" {
		seconds = 7200
	}
	return []string{
		fmt.Sprintf(`export ROLE_ARN="%s" AWS_REGION=%s`, roleARN(account, envName, layerWord(stack), mode), env.Region),
		fmt.Sprintf(`creds=$(aws sts assume-role-with-web-identity --role-arn "$ROLE_ARN" --role-session-name "gitlab-$CI_JOB_ID" --web-identity-token "$STRATUM_ID_TOKEN" --duration-seconds %d --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)`, seconds),
		`export AWS_ACCESS_KEY_ID=$(echo "$creds" | cut -f1) AWS_SECRET_ACCESS_KEY=$(echo "$creds" | cut -f2) AWS_SESSION_TOKEN=$(echo "$creds" | cut -f3)`,
	}
}

func (in Input) glIDTokens(envName string) map[string]glIDToken {
	aud := "https://gitlab.com"
	if g := in.env(envName).CI.GitLab; g != nil {
		aud = g.TokenAudience()
	}
	return map[string]glIDToken{"STRATUM_ID_TOKEN": {Aud: aud}}
}

// glTags are the runner tags of a job of env for purpose: the runners of
// that environment and purpose (config.RunnerLabel), which must be
// ephemeral, and for stacks that talk to the cluster the private tags.
func (in Input) glTags(env, purpose string, r stackgraph.Runner) []string {
	tags := []string{config.RunnerLabel(env, purpose)}
	if r == stackgraph.Private {
		tags = append(slices.Clone(in.Settings.GitLabPrivateTags), tags...)
	}
	return tags
}

func script(s string) []string { return []string{strings.TrimSpace(s)} }

// GitLab returns .gitlab-ci.yml: tests, the selection and a child
// pipeline generated from it on merge requests and the default branch;
// the drift check of every stack on schedules.
func GitLab(in Input) []byte {
	p := glPipeline{
		Workflow: &glWorkflow{Rules: []glRule{{If: glMR}, {If: glSchedule}, {If: `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH`}}},
		Stages:   []string{"test", "changed", "deploy", "drift"},
		Default:  &glDefault{Image: in.Settings.GitLabImage, BeforeScript: in.glToolchain()},
		Variables: map[string]string{
			"TF_IN_AUTOMATION":   "1",
			"CHECKPOINT_DISABLE": "1",
			"GIT_DEPTH":          "0",
		},
	}
	notOnSchedule := []glRule{{If: glSchedule, When: "never"}, {When: "on_success"}}
	p.jobs.set("test", glJob{Stage: "test", Rules: notOnSchedule, Script: []string{"make test"}})
	p.jobs.set("changed", glJob{
		Stage: "changed", Rules: notOnSchedule,
		Script: script(`
if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then base="$CI_MERGE_REQUEST_DIFF_BASE_SHA"; mode=plan; else base="$CI_COMMIT_BEFORE_SHA"; mode=apply; fi
if [ -n "${STRATUM_BASE:-}" ]; then base="$STRATUM_BASE"; fi
if [ -z "$base" ] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then base=$(git rev-parse HEAD~1); fi
make synth
go run . changed -base "$base" -head-out cdktf.out
go run . changed -base "$base" -head-out cdktf.out -json > changed.json
go run . gitlab-child -changed changed.json -dir cdktf.out -mode "$mode" > child.yml`),
		Artifacts: &glArtifacts{Paths: []string{"cdktf.out", "changed.json", "child.yml"}, ExpireIn: "30 days"},
	})
	p.jobs.set("deploy", glJob{
		Stage: "deploy", Rules: notOnSchedule,
		Variables: map[string]string{"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"},
		Trigger:   &glTrigger{Include: []glInclude{{Artifact: "child.yml", Job: "changed"}}, Strategy: "depend"},
	})
	onSchedule := []glRule{{If: glSchedule}}
	p.jobs.set("drift-synth", glJob{
		Stage: "drift", Rules: onSchedule, Script: []string{"make synth"},
		Artifacts: &glArtifacts{Paths: []string{"cdktf.out"}, ExpireIn: "7 days"},
	})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	p.jobs.set("support", glJob{
		Stage: "drift", Rules: onSchedule, Script: script(supportScript(in.Settings.SupportWindow, "")),
		Artifacts: &glArtifacts{Paths: []string{"support.txt"}, ExpireIn: "30 days", When: "always"},
	})
	for _, gr := range in.groups() {
		for _, s := range gr.Stacks {
			p.jobs.set("drift:"+s, glJob{
				Stage: "drift", Rules: onSchedule, Tags: in.glTags(gr.Environment, config.RunnerDeploy, gr.Runner),
				Needs:     []glNeed{{Job: "drift-synth"}},
				IDTokens:  in.glIDTokens(gr.Environment),
				Variables: map[string]string{"STACK": s},
				// Exit code 2 (drift) fails the job: the failed jobs of the
				// pipeline are the drifted stacks.
				Script:    append(in.glAssume(gr.Environment, s, "plan"), planScript(true)),
				Artifacts: &glArtifacts{Paths: []string{"cdktf.out/stacks/" + s + "/plan.txt"}, ExpireIn: "30 days", When: "always"},
			})
		}
	}
	return marshal(p)
}

// GitLabChild is the child pipeline of one run: for each selected stack
// a plan job (plan role) and, in apply mode, an apply job behind the
// environment, level by level in the order of config.Pipelines.
func GitLabChild(in Input, r *changes.Report, mode string) ([]byte, error) {
	if mode != "plan" && mode != "apply" {
		return nil, fmt.Errorf("-mode %q: want plan or apply", mode)
	}
	selected := map[string]bool{}
	for _, s := range r.Stacks {
		if !s.Manual {
			selected[s.Name] = true
		}
	}
	p := glPipeline{Variables: map[string]string{"TF_IN_AUTOMATION": "1"}, Default: &glDefault{Image: in.Settings.GitLabImage, BeforeScript: in.glToolchain()}}
	parent := glNeed{Pipeline: "$PARENT_PIPELINE_ID", Job: "changed"}
	var before []string // the jobs of the previous selected level
	for _, gr := range in.groups() {
		var stacks []string
		for _, s := range gr.Stacks {
			if selected[s] {
				stacks = append(stacks, s)
			}
		}
		env := in.env(gr.Environment)
		// GitLab's token cannot prove an approval to AWS: merge requests
		// plan only the environments that plan every pull request.
		if len(stacks) == 0 || (mode == "plan" && env.PullRequestPlanPolicy() != config.PlansAlways) {
			continue
		}
		stage := fmt.Sprintf("%s-%d", gr.Environment, gr.Level)
		if !contains(p.Stages, stage) {
			p.Stages = append(p.Stages, stage)
		}
		var level []string
		for _, s := range stacks {
			needs := []glNeed{parent}
			for _, b := range before {
				needs = append(needs, glNeed{Job: b, Artifacts: &glFalse})
			}
			// A merge request's plan keeps only the `terraform show` text
			// (sensitive values masked); the apply pipeline's keeps the
			// saved plan for its apply job, sealed where the environment
			// has a state key, for SavedPlanRetentionDays.
			purpose, files, expire, plan := config.RunnerPullRequest, []string{"plan.txt"}, "7 days", planScript(false)
			if mode == "apply" {
				purpose, files = config.RunnerDeploy, append(savedPlanFiles(env), files...)
				expire = fmt.Sprintf("%d days", in.Settings.SavedPlanRetentionDays)
				if seal := sealScript(env); seal != "" {
					plan += "cd \"$CI_PROJECT_DIR/cdktf.out/stacks/$STACK\"\n" + seal
				}
			}
			var paths []string
			for _, f := range files {
				paths = append(paths, "cdktf.out/stacks/"+s+"/"+f)
			}
			p.jobs.set("plan:"+s, glJob{
				Stage: stage, Needs: needs, Tags: in.glTags(gr.Environment, purpose, gr.Runner),
				IDTokens:  in.glIDTokens(gr.Environment),
				Variables: map[string]string{"STACK": s},
				Script:    append(in.glAssume(gr.Environment, s, "plan"), plan),
				Artifacts: &glArtifacts{Paths: paths, ExpireIn: expire, ExposeAs: "plan " + s},
			})
			level = append(level, "plan:"+s)
			if mode == "apply" {
				job := glJob{
					Stage: stage, Needs: []glNeed{parent, {Job: "plan:" + s}}, Tags: in.glTags(gr.Environment, config.RunnerDeploy, gr.Runner),
					IDTokens:    in.glIDTokens(gr.Environment),
					Variables:   map[string]string{"STACK": s},
					Environment: &glEnvironment{Name: gr.Environment, DeploymentTier: tier(gr.Environment)},
					// One writer per stack across pipelines.
					ResourceGroup: s,
					Script:        append(in.glAssume(gr.Environment, s, "apply"), applyScript(env)),
					Timeout:       "2h",
					Interruptible: &glFalse,
				}
				if gr.Environment == "prod" {
					// Protected environment: only its approvers may run it.
					job.When, job.AllowFailure = "manual", &glFalse
				}
				p.jobs.set("apply:"+s, job)
				level = append(level, "apply:"+s)
			}
		}
		before = level
	}
	if len(p.jobs.keys) == 0 {
		p.Stages = []string{"report"}
		p.jobs.set("nothing-changed", glJob{Stage: "report", Script: []string{`echo "no stack changed: nothing to plan"`}})
	}
	if len(r.Manual) > 0 {
		p.Stages = append([]string{"manual"}, p.Stages...)
		p.jobs.set("applied-by-hand", glJob{Stage: "manual", AllowFailure: &glTrue,
			Script: []string{fmt.Sprintf(`echo "CI does not plan or apply %s: their state is local and they hold the CI roles; plan and apply them by hand (docs/backend-strategy.md)"; exit 1`, strings.Join(r.Manual, ", "))}})
	}
	return marshal(p), nil
}

func tier(env string) string {
	switch env {
	case "prod":
		return "production"
	case "staging":
		return "staging"
	}
	return "development"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
