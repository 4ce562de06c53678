package pipelines

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/stackgraph"
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
		Parallel      int                  `yaml:"parallel,omitempty"`
		Cache         []glCacheSpec        `yaml:"cache,omitempty"`
		Script        []string             `yaml:"script,omitempty"`
		Artifacts     *glArtifacts         `yaml:"artifacts,omitempty"`
		Timeout       string               `yaml:"timeout,omitempty"`
		Interruptible *bool                `yaml:"interruptible,omitempty"`
	}
	glCacheSpec struct {
		Key          string   `yaml:"key"`
		FallbackKeys []string `yaml:"fallback_keys,omitempty"`
		Paths        []string `yaml:"paths"`
		Policy       string   `yaml:"policy,omitempty"`
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

// glAssumeLayer exchanges the job's ID token for the credentials of the
// role of the layer with stack word word.
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

// GitLab returns .gitlab-ci.yml: tests and the security scan; the
// synthesis in shards (one runner each) merged once per run; one
// selection per run, and per environment a child pipeline generated from
// it (plans on merge requests; on the default branch plans and applies,
// one environment's child pipeline at a time across pipelines: the
// trigger job holds the environment's resource group); on schedules the
// drift check of every stack, in batches, and its report.
func GitLab(in Input) []byte {
	return marshal(glParent(in, MustLayout(in, GitLabPlatform)))
}

// glCache is the synthesis cache (.cache/synth) of the jobs: GitLab
// caches are mutable and named, so the key is the branch's and the
// fallback the default branch's latest (GitLab 16.0 or later); the
// entries inside are each keyed by the code and inputs of their stack
// (docs/synthesis.md), so restoring any older cache is safe and a change
// misses only the stacks it reaches. Keep "Use separate caches for
// protected branches" on: the protected branches that apply then never
// read a cache an unprotected branch saved. policy is pull (the shards)
// or pull-push (the job merging them).
func glCache(policy string) []glCacheSpec {
	return []glCacheSpec{{
		Key:          "stratum-synth-$CI_COMMIT_REF_SLUG",
		FallbackKeys: []string{"stratum-synth-$CI_DEFAULT_BRANCH"},
		Paths:        []string{".cache/synth/"},
		Policy:       policy,
	}}
}

// glParent is .gitlab-ci.yml with the batches of l (the drift jobs).
func glParent(in Input, l *Layout) glPipeline {
	p := glPipeline{
		Workflow: &glWorkflow{Rules: []glRule{{If: glMR}, {If: glSchedule}, {If: `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH`}}},
		Stages:   []string{"test", "synth", "changed", "deploy", "drift", "drift-report"},
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
	// The synthesis, one shard per runner (every pipeline: the selection
	// and the drift check both merge it). Without needs, the jobs of a
	// later stage wait for all of them and receive their artifacts.
	k := in.shardCount(GitLabMaxParallel)
	synth := glJob{
		Stage: "synth", Cache: glCache("pull"),
		Script:    append(script(buildScript), strings.TrimSpace(shardScript("${CI_NODE_INDEX:-1}", fmt.Sprint(k)))),
		Artifacts: &glArtifacts{Paths: []string{"shard-*/"}, ExpireIn: "1 day"},
	}
	if k > 1 {
		synth.Parallel = k
	}
	p.jobs.set("synth", synth)
	// Merge requests compare with their merge base; the default branch
	// with what was last applied to each stack (the records of every
	// environment, read with its foundation plan role).
	var records []string
	for _, name := range in.glEnvironments() {
		records = append(records, in.glAssumeLayer(name, layerWord("foundation-"+name), "plan")...)
		records = append(records, strings.TrimSpace(recordsScript(name)))
	}
	sc := []string{`if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then mode=plan; else mode=apply; fi`}
	sc = append(sc, script(buildScript)...)
	sc = append(sc, strings.TrimSpace(mergeScript("shard-*")))
	sc = append(sc, `if [ "$mode" = plan ]; then BASE_FLAGS="-base $CI_MERGE_REQUEST_DIFF_BASE_SHA"; else BASE_FLAGS="-applied applied"; fi`)
	for _, line := range records {
		sc = append(sc, `if [ "$mode" = apply ]; then `+line+`; fi`)
	}
	sc = append(sc, strings.TrimSpace(changedScript("$BASE_FLAGS")),
		"./stratum batch select -platform gitlab -changed changed.json -layout "+l.Digest())
	for _, name := range in.glEnvironments() {
		sc = append(sc, fmt.Sprintf(`./stratum gitlab-child -changed changed.json -dir cdktf.out -mode "$mode" -env %[1]s > child-%[1]s.yml`, name))
	}
	childFiles := []string{"cdktf.out", "changed.json", "batches.json", "stratum"}
	for _, name := range in.glEnvironments() {
		childFiles = append(childFiles, "child-"+name+".yml")
	}
	first := in.glEnvironments()[0]
	p.jobs.set("changed", glJob{
		Stage: "changed", Rules: notOnSchedule,
		IDTokens:  in.glIDTokens(first),
		Cache:     glCache("pull-push"),
		Script:    sc,
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
		Stage: "drift", Rules: onSchedule, Cache: glCache("pull-push"),
		Script:    append(script(buildScript), strings.TrimSpace(mergeScript("shard-*")), "./stratum batch select -platform gitlab -all -layout "+l.Digest()),
		Artifacts: &glArtifacts{Paths: []string{"cdktf.out", "batches.json", "stratum"}, ExpireIn: "7 days"},
	})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	p.jobs.set("support", glJob{
		Stage: "drift", Rules: onSchedule, Script: script1(supportScript(in.Settings.SupportWindow, "")),
		Artifacts: &glArtifacts{Paths: []string{"support.txt"}, ExpireIn: "30 days", When: "always"},
	})
	for _, b := range l.Batches {
		p.jobs.set("drift:"+b.Key, glJob{
			Stage: "drift", Rules: onSchedule, Tags: in.glTags(b.Environment, config.RunnerDeploy, b.Runner),
			Needs:     []glNeed{{Job: "drift-synth"}},
			IDTokens:  in.glIDTokens(b.Environment),
			Variables: map[string]string{"BATCH": b.Key},
			Script:    append(in.glAssumeLayer(b.Environment, b.Layer, "plan"), strings.TrimSpace(batchRunScript(KindDrift, "$BATCH", ""))),
			Artifacts: &glArtifacts{Paths: []string{"drift/"}, ExpireIn: "30 days", When: "always"},
		})
	}
	// The report names the drifted stacks and addresses and fails with
	// stratum drift's code: 2 drift, 1 a plan failed. It has no needs (a
	// job may need at most GitLabMaxNeeds others): its stage comes after
	// every drift job's, and it receives their artifacts.
	p.jobs.set("drift-report", glJob{
		Stage: "drift-report", Rules: []glRule{{If: glSchedule, When: "always"}},
		Script:    []string{"./stratum drift -dir drift -out cdktf.out | tee drift.txt"},
		Artifacts: &glArtifacts{Paths: []string{"drift.txt"}, ExpireIn: "30 days", When: "always", ExposeAs: "drift report"},
	})
	return p
}

// jobCount is the number of jobs the pipeline creates (a parallel job
// creates as many).
func (p glPipeline) jobCount() int {
	n := 0
	for _, k := range p.jobs.keys {
		n += max(1, p.jobs.values[k].Parallel)
	}
	return n
}

// ResourceGroup is the GitLab resource group of an environment's child
// pipelines on the default branch.
func ResourceGroup(env string) string { return "stratum-" + env }

func script1(s string) []string { return []string{strings.TrimSpace(s)} }

// GitLabChild is the child pipeline of one run and environment: for each
// batch of env with a selected stack a plan job (plan role, each plan
// checked by the policies) and, in apply mode, an apply job behind the
// environment that applies those plans (their digests checked) and
// records them, level by level. A blocked environment (its manual stack
// changed and is not recorded as applied) gets a failing job naming the
// command to run by hand instead.
func GitLabChild(in Input, r *changes.Report, mode, envName string) ([]byte, error) {
	if mode != "plan" && mode != "apply" {
		return nil, fmt.Errorf("-mode %q: want plan or apply", mode)
	}
	if _, err := config.Get(in.Envs, envName); err != nil {
		return nil, fmt.Errorf("-env: %w", err)
	}
	l, err := LayoutFor(in, GitLabPlatform)
	if err != nil {
		return nil, err
	}
	sel := Select(l, r)
	p := glPipeline{Variables: map[string]string{"TF_IN_AUTOMATION": "1"}, Default: &glDefault{Image: in.Settings.GitLabImage, BeforeScript: in.glToolchain()}}
	parent := glNeed{Pipeline: "$PARENT_PIPELINE_ID", Job: "changed"}
	var before []string // the jobs of the previous selected level
	level, levelKey := []string(nil), ""
	for _, b := range l.Batches {
		if b.Environment != envName {
			continue
		}
		if _, ok := sel.Batches[b.Key]; !ok {
			continue
		}
		env := in.env(b.Environment)
		// GitLab's token cannot prove an approval to AWS: merge requests
		// plan only the environments that plan every pull request.
		if mode == "plan" && env.PullRequestPlanPolicy() != config.PlansAlways {
			continue
		}
		stage := fmt.Sprintf("%s-%d", b.Environment, b.Level)
		if stage != levelKey {
			if level != nil {
				before = level
			}
			level, levelKey = nil, stage
		}
		if !contains(p.Stages, stage) {
			p.Stages = append(p.Stages, stage)
		}
		needs := []glNeed{parent}
		for _, j := range before {
			needs = append(needs, glNeed{Job: j, Artifacts: &glFalse})
		}
		// A merge request's plan keeps only the `terraform show` text
		// (sensitive values masked); the apply pipeline's keeps the saved
		// plans for its apply job, sealed where the environment has a
		// state key, for SavedPlanRetentionDays, and the digest of their
		// digests as a dotenv report the apply job receives.
		purpose, expire, kind := config.RunnerPullRequest, "7 days", KindPullRequestPlan
		var dotenv *glReports
		plan := strings.TrimSpace(batchRunScript(kind, "$BATCH", ""))
		if mode == "apply" {
			purpose, kind = config.RunnerDeploy, KindPlan
			expire = fmt.Sprintf("%d days", in.Settings.SavedPlanRetentionDays)
			plan = strings.TrimSpace(batchRunScript(kind, "$BATCH", "")) + "\n" + `echo "BATCH_SHA256=$(sha256sum plans/` + DigestsFile + ` | cut -d' ' -f1)" > plan.env`
			dotenv = &glReports{Dotenv: "plan.env"}
		}
		p.jobs.set("plan:"+b.Key, glJob{
			Stage: stage, Needs: needs, Tags: in.glTags(b.Environment, purpose, b.Runner),
			IDTokens:  in.glIDTokens(b.Environment),
			Variables: map[string]string{"BATCH": b.Key, "LABELS": "$CI_MERGE_REQUEST_LABELS"},
			Script:    append(in.glAssumeLayer(b.Environment, b.Layer, "plan"), plan),
			Artifacts: &glArtifacts{Paths: []string{"plans/"}, ExpireIn: expire, ExposeAs: "plans " + b.Key, When: "always", Reports: dotenv},
		})
		if mode == "plan" {
			level = append(level, "plan:"+b.Key)
			continue
		}
		job := glJob{
			Stage: stage, Needs: []glNeed{parent, {Job: "plan:" + b.Key}}, Tags: in.glTags(b.Environment, config.RunnerDeploy, b.Runner),
			IDTokens:    in.glIDTokens(b.Environment),
			Variables:   map[string]string{"BATCH": b.Key, "STRATUM_COMMIT": "$CI_COMMIT_SHA"},
			Environment: &glEnvironment{Name: b.Environment, DeploymentTier: tier(b.Environment)},
			// One writer per batch across pipelines: a stack is in the same
			// batch in every run of the same stack graph.
			ResourceGroup: "stratum-batch-" + b.Key,
			Script:        append(in.glAssumeLayer(b.Environment, b.Layer, "apply"), strings.TrimSpace(batchRunScript(KindApply, "$BATCH", ""))),
			Timeout:       "5h",
			Interruptible: &glFalse,
		}
		if env.Production {
			// Protected environment: only its approvers may run it,
			// after reading the plan job's plans.
			job.When, job.AllowFailure = "manual", &glFalse
		}
		p.jobs.set("apply:"+b.Key, job)
		// The next level waits for this one's applies (each needs its
		// plan): one need per batch.
		level = append(level, "apply:"+b.Key)
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
