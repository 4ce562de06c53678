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
		Paths    []string   `yaml:"paths"`
		ExpireIn string     `yaml:"expire_in,omitempty"`
		ExposeAs string     `yaml:"expose_as,omitempty"`
		When     string     `yaml:"when,omitempty"`
		Reports  *glReports `yaml:"reports,omitempty"`
	}
	glReports struct {
		Dotenv string `yaml:"dotenv,omitempty"`
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

// glToolchain installs what the jobs need into the Go image: Node.js
// (NodeRelease from nodejs.org, checksum verified: Debian's is 18, and
// package.json needs >= 20), the AWS CLI, jq and openssl (sealed saved
// plans), and Terraform from HashiCorp's releases with its checksum
// verified.
func (in Input) glToolchain() []string {
	v, n := in.Settings.TerraformVersion, in.Settings.NodeRelease
	return []string{
		"apt-get update -qq && apt-get install -y -qq awscli unzip jq openssl xz-utils >/dev/null",
		fmt.Sprintf(`curl -fsSLo /tmp/node.tar.xz https://nodejs.org/dist/v%[1]s/node-v%[1]s-linux-x64.tar.xz && curl -fsSL https://nodejs.org/dist/v%[1]s/SHASUMS256.txt | grep ' node-v%[1]s-linux-x64.tar.xz$' | sed 's|node-v.*xz$|/tmp/node.tar.xz|' | sha256sum -c - && tar -xJf /tmp/node.tar.xz -C /usr/local --strip-components=1 && node --version`, n),
		fmt.Sprintf(`curl -fsSLo /tmp/tf.zip https://releases.hashicorp.com/terraform/%[1]s/terraform_%[1]s_linux_amd64.zip && curl -fsSL https://releases.hashicorp.com/terraform/%[1]s/terraform_%[1]s_SHA256SUMS | grep linux_amd64.zip | sed 's|terraform_.*zip|/tmp/tf.zip|' | sha256sum -c - && unzip -qo /tmp/tf.zip -d /usr/local/bin`, v),
	}
}

// glAssume exchanges the job's ID token for the credentials of the role
// of stack's layer.
func (in Input) glAssume(envName, stack, mode string) []string {
	return in.glAssumeLayer(envName, layerWord(stack), mode)
}

// glAssumeLayer assumes the role of the layer with stack word word.
func (in Input) glAssumeLayer(envName, word, mode string) []string {
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
		fmt.Sprintf(`export ROLE_ARN="%s" AWS_REGION=%s`, roleARN(account, envName, word, mode), env.Region),
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

// glEnvironments are the configured environments in apply order.
func (in Input) glEnvironments() []string {
	var out []string
	for _, name := range in.Settings.EnvironmentOrder {
		if slices.ContainsFunc(in.Envs, func(e config.Environment) bool { return e.Name == name }) {
			out = append(out, name)
		}
	}
	return out
}

// GitLab returns .gitlab-ci.yml: tests and the security scan, one
// selection per run, and per environment a child pipeline generated from
// it (plans on merge requests; on the default branch plans and applies,
// one environment's child pipeline at a time across pipelines: the
// trigger job holds the environment's resource group); on schedules the
// drift check of every stack and its report.
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
	onMR := []glRule{{If: glMR}}
	onMain := []glRule{{If: glMain}}
	p.jobs.set("test", glJob{Stage: "test", Rules: notOnSchedule, Script: []string{"make test"}})
	p.jobs.set("scan", glJob{Stage: "test", Rules: onMR,
		Script:    []string{strings.TrimSpace(trivyInstall(in.Settings.TrivyVersion, "/usr/local/bin", "")), "make hcl", strings.TrimSpace(scanScript())},
		Artifacts: &glArtifacts{Paths: []string{"trivy.json"}, ExpireIn: "30 days", When: "always"}})
	// Merge requests compare with their merge base; the default branch
	// with what was last applied to each stack (the records of every
	// environment, read with its foundation plan role).
	var records []string
	for _, name := range in.glEnvironments() {
		records = append(records, in.glAssumeLayer(name, layerWord("foundation-"+name), "plan")...)
		records = append(records, "go run . applied fetch -env "+name+" -out applied")
	}
	script := []string{`if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then mode=plan; else mode=apply; fi`, "make synth"}
	script = append(script, `if [ "$mode" = plan ]; then BASE_FLAGS="-base $CI_MERGE_REQUEST_DIFF_BASE_SHA"; else BASE_FLAGS="-applied applied"; fi`)
	for _, line := range records {
		script = append(script, `if [ "$mode" = apply ]; then `+line+`; fi`)
	}
	script = append(script, strings.TrimSpace(changedScript("$BASE_FLAGS")))
	for _, name := range in.glEnvironments() {
		script = append(script, fmt.Sprintf(`./stratum gitlab-child -changed changed.json -dir cdktf.out -mode "$mode" -env %[1]s > child-%[1]s.yml`, name))
	}
	childFiles := []string{"cdktf.out", "changed.json", "stratum"}
	for _, name := range in.glEnvironments() {
		childFiles = append(childFiles, "child-"+name+".yml")
	}
	first := in.glEnvironments()[0]
	p.jobs.set("changed", glJob{
		Stage: "changed", Rules: notOnSchedule,
		IDTokens:  in.glIDTokens(first),
		Script:    script,
		Artifacts: &glArtifacts{Paths: childFiles, ExpireIn: "30 days"},
	})
	prev := ""
	for _, name := range in.glEnvironments() {
		trigger := &glTrigger{Include: []glInclude{{Artifact: "child-" + name + ".yml", Job: "changed"}}, Strategy: "depend"}
		vars := map[string]string{"PARENT_PIPELINE_ID": "$CI_PIPELINE_ID"}
		p.jobs.set("plan:"+name, glJob{Stage: "deploy", Rules: onMR, Needs: []glNeed{{Job: "changed"}}, Variables: vars, Trigger: trigger})
		needs := []glNeed{{Job: "changed"}}
		if prev != "" {
			needs = append(needs, glNeed{Job: "deploy:" + prev})
		}
		// The environment's resource group: a later pipeline's child of
		// this environment waits until this one's is done (set its process
		// mode to oldest_first: stratum gitlab-settings).
		p.jobs.set("deploy:"+name, glJob{Stage: "deploy", Rules: onMain, Needs: needs, Variables: vars, Trigger: trigger, ResourceGroup: ResourceGroup(name)})
		prev = name
	}
	onSchedule := []glRule{{If: glSchedule}}
	p.jobs.set("drift-synth", glJob{
		Stage: "drift", Rules: onSchedule, Script: []string{"make synth", "CGO_ENABLED=0 go build -trimpath -o stratum ."},
		Artifacts: &glArtifacts{Paths: []string{"cdktf.out", "stratum"}, ExpireIn: "7 days"},
	})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	p.jobs.set("support", glJob{
		Stage: "drift", Rules: onSchedule, Script: script1(supportScript(in.Settings.SupportWindow, "")),
		Artifacts: &glArtifacts{Paths: []string{"support.txt"}, ExpireIn: "30 days", When: "always"},
	})
	var drifts []glNeed
	for _, gr := range in.groups() {
		for _, s := range gr.Stacks {
			p.jobs.set("drift:"+s, glJob{
				Stage: "drift", Rules: onSchedule, Tags: in.glTags(gr.Environment, config.RunnerDeploy, gr.Runner),
				Needs:     []glNeed{{Job: "drift-synth"}},
				IDTokens:  in.glIDTokens(gr.Environment),
				Variables: map[string]string{"STACK": s},
				Script:    append(in.glAssume(gr.Environment, s, "plan"), planScript(driftPlan)),
				Artifacts: &glArtifacts{Paths: []string{"drift/" + s + ".json", "cdktf.out/stacks/" + s + "/plan.txt"}, ExpireIn: "30 days", When: "always"},
			})
			drifts = append(drifts, glNeed{Job: "drift:" + s})
		}
	}
	// The report names the drifted stacks and addresses and fails with
	// stratum drift's code: 2 drift, 1 a plan failed.
	p.jobs.set("drift-report", glJob{
		Stage: "drift", Rules: []glRule{{If: glSchedule, When: "always"}}, Needs: append([]glNeed{{Job: "drift-synth"}}, drifts...),
		Script:    []string{"./stratum drift -dir drift -out cdktf.out | tee drift.txt"},
		Artifacts: &glArtifacts{Paths: []string{"drift.txt"}, ExpireIn: "30 days", When: "always", ExposeAs: "drift report"},
	})
	return marshal(p)
}

// ResourceGroup is the GitLab resource group of an environment's child
// pipelines on the default branch.
func ResourceGroup(env string) string { return "stratum-" + env }

func script1(s string) []string { return []string{strings.TrimSpace(s)} }

// GitLabChild is the child pipeline of one run and environment: for each
// selected stack of env a plan job (plan role, its plan checked by the
// policies) and, in apply mode, an apply job behind the environment that
// applies that plan (its digest checked) and records it, level by level.
// A blocked environment (its manual stack changed and is not recorded as
// applied) gets a failing job naming the command to run by hand instead.
func GitLabChild(in Input, r *changes.Report, mode, envName string) ([]byte, error) {
	if mode != "plan" && mode != "apply" {
		return nil, fmt.Errorf("-mode %q: want plan or apply", mode)
	}
	if _, err := config.Get(in.Envs, envName); err != nil {
		return nil, fmt.Errorf("-env: %w", err)
	}
	selected := map[string]bool{}
	for _, s := range r.Stacks {
		if !s.Manual && r.Blocked[s.Name] == "" && s.Environment == envName {
			selected[s.Name] = true
		}
	}
	p := glPipeline{Variables: map[string]string{"TF_IN_AUTOMATION": "1"}, Default: &glDefault{Image: in.Settings.GitLabImage, BeforeScript: in.glToolchain()}}
	parent := glNeed{Pipeline: "$PARENT_PIPELINE_ID", Job: "changed"}
	var before []string // the jobs of the previous selected level
	for _, gr := range in.groups() {
		if gr.Environment != envName {
			continue
		}
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
			// has a state key, for SavedPlanRetentionDays, and its digest
			// as a dotenv report the apply job receives.
			purpose, files, expire, plan := config.RunnerPullRequest, []string{"plan.txt"}, "7 days", planScript(prPlan)
			var dotenv *glReports
			if mode == "apply" {
				purpose, files = config.RunnerDeploy, append(savedPlanFiles(env), files...)
				expire = fmt.Sprintf("%d days", in.Settings.SavedPlanRetentionDays)
				plan = planScript(applyPlan) + `echo "TFPLAN_SHA256=$(cat tfplan.sha256)" > "$root/plan.env"
cat plan.txt
`
				if seal := sealScript(env); seal != "" {
					plan += seal
				}
				dotenv = &glReports{Dotenv: "plan.env"}
			}
			var paths []string
			for _, f := range files {
				paths = append(paths, "cdktf.out/stacks/"+s+"/"+f)
			}
			p.jobs.set("plan:"+s, glJob{
				Stage: stage, Needs: needs, Tags: in.glTags(gr.Environment, purpose, gr.Runner),
				IDTokens:  in.glIDTokens(gr.Environment),
				Variables: map[string]string{"STACK": s, "LABELS": "$CI_MERGE_REQUEST_LABELS"},
				Script:    append(in.glAssume(gr.Environment, s, "plan"), plan),
				Artifacts: &glArtifacts{Paths: paths, ExpireIn: expire, ExposeAs: "plan " + s, Reports: dotenv},
			})
			level = append(level, "plan:"+s)
			if mode == "apply" {
				job := glJob{
					Stage: stage, Needs: []glNeed{parent, {Job: "plan:" + s}}, Tags: in.glTags(gr.Environment, config.RunnerDeploy, gr.Runner),
					IDTokens:    in.glIDTokens(gr.Environment),
					Variables:   map[string]string{"STACK": s, "STRATUM_COMMIT": "$CI_COMMIT_SHA"},
					Environment: &glEnvironment{Name: gr.Environment, DeploymentTier: tier(gr.Environment)},
					// One writer per stack across pipelines.
					ResourceGroup: s,
					Script:        append(in.glAssume(gr.Environment, s, "apply"), applyScript(env)),
					Timeout:       "2h",
					Interruptible: &glFalse,
				}
				if env.Production {
					// Protected environment: only its approvers may run it,
					// after reading the plan job's plan.
					job.When, job.AllowFailure = "manual", &glFalse
				}
				p.jobs.set("apply:"+s, job)
				level = append(level, "apply:"+s)
			}
		}
		before = level
	}
	var pending []string
	for _, s := range r.Stacks {
		if s.Manual && s.Environment == envName {
			pending = append(pending, s.Name)
		}
	}
	if len(p.jobs.keys) == 0 && len(pending) == 0 {
		p.Stages = []string{"report"}
		p.jobs.set("nothing-changed", glJob{Stage: "report", Script: []string{fmt.Sprintf(`echo "no stack of %s to plan or apply"`, envName)}})
	}
	if len(pending) > 0 {
		p.Stages = append([]string{"manual"}, p.Stages...)
		job := glJob{Stage: "manual", AllowFailure: &glTrue}
		var lines []string
		for _, m := range pending {
			lines = append(lines, fmt.Sprintf(`echo "%s is applied by hand (its state is local and it holds the CI roles, docs/backend-strategy.md): %s"`, m, changes.ManualCommand(m, envName)))
		}
		if mode == "apply" {
			// Stop the line: the environment's stacks are blocked until
			// the manual stack is recorded as applied.
			job.AllowFailure = &glFalse
			lines = append(lines, fmt.Sprintf(`echo "nothing of %s is applied until then"`, envName))
		}
		job.Script = append(lines, "exit 1")
		p.jobs.set("applied-by-hand", job)
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
