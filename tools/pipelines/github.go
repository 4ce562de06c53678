package pipelines

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"stratum/config"
	"stratum/tools/stackgraph"
)

// GitHub Actions workflow model (the keys Stratum uses).
type (
	ghWorkflow struct {
		Name        string            `yaml:"name"`
		On          ghOn              `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Concurrency *ghConcurrency    `yaml:"concurrency,omitempty"`
		Env         map[string]string `yaml:"env,omitempty"`
		Jobs        ordered[ghJob]    `yaml:"jobs"`
	}
	ghOn struct {
		PullRequest      *ghBranches  `yaml:"pull_request,omitempty"`
		Push             *ghBranches  `yaml:"push,omitempty"`
		Schedule         []ghSchedule `yaml:"schedule,omitempty"`
		WorkflowDispatch *struct{}    `yaml:"workflow_dispatch,omitempty"`
	}
	ghBranches struct {
		Branches []string `yaml:"branches"`
	}
	ghSchedule struct {
		Cron string `yaml:"cron"`
	}
	ghConcurrency struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
	}
	ghJob struct {
		Name           string            `yaml:"name,omitempty"`
		Needs          []string          `yaml:"needs,omitempty"`
		If             string            `yaml:"if,omitempty"`
		RunsOn         any               `yaml:"runs-on"`
		Environment    string            `yaml:"environment,omitempty"`
		Concurrency    *ghConcurrency    `yaml:"concurrency,omitempty"`
		Permissions    map[string]string `yaml:"permissions,omitempty"`
		TimeoutMinutes int               `yaml:"timeout-minutes,omitempty"`
		Strategy       *ghStrategy       `yaml:"strategy,omitempty"`
		Outputs        map[string]string `yaml:"outputs,omitempty"`
		Env            map[string]string `yaml:"env,omitempty"`
		Steps          []ghStep          `yaml:"steps"`
	}
	ghStrategy struct {
		FailFast bool           `yaml:"fail-fast"`
		Matrix   map[string]any `yaml:"matrix"`
	}
	ghStep struct {
		Name string            `yaml:"name,omitempty"`
		ID   string            `yaml:"id,omitempty"`
		If   string            `yaml:"if,omitempty"`
		Uses *action           `yaml:"uses,omitempty"`
		With map[string]string `yaml:"with,omitempty"`
		Env  map[string]string `yaml:"env,omitempty"`
		Run  string            `yaml:"run,omitempty"`
	}
)

// The actions the workflows use, each pinned to the commit of a release
// tag (a tag can be moved; a commit cannot), with the tag as a comment
// for the reader and for update tools (Dependabot and Renovate keep both
// current). The commits were read from the actions' own repositories.
var (
	actCheckout       = &action{"actions/checkout", "11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"}
	actSetupGo        = &action{"actions/setup-go", "d35c59abb061a4a6fb18e82ac0862c26744d6ab5", "v5.5.0"}
	actSetupNode      = &action{"actions/setup-node", "49933ea5288caeca8642d1e84afbd3f7d6820020", "v4.4.0"}
	actSetupTerraform = &action{"hashicorp/setup-terraform", "b9cd54a3c349d3f38e8881555d616ced269862dd", "v3.1.2"}
	actAWSCredentials = &action{"aws-actions/configure-aws-credentials", "b47578312673ae6fa5b5096b330d9fbac3d116df", "v4.2.1"}
	actUpload         = &action{"actions/upload-artifact", "ea165f8d65b6e75b540449e92b4886f43607fa02", "v4.6.2"}
	actDownload       = &action{"actions/download-artifact", "d3f86a106a0bac45b974a628896c90dbdf5c8093", "v4.3.0"}
	// The synthesis cache: restore and save separately, so that only the
	// job merging the shards saves it.
	actCacheRestore = &action{"actions/cache/restore", "5a3ec84eff668545956fd18022155c47e93e2684", "v4.2.3"}
	actCacheSave    = &action{"actions/cache/save", "5a3ec84eff668545956fd18022155c47e93e2684", "v4.2.3"}
)

// action is a GitHub Action pinned to a commit: `uses: <repo>@<commit>`
// with its release tag as the line's comment.
type action struct {
	repo, commit, version string
}

// MarshalYAML writes the action as a step's uses: value.
func (a *action) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: a.repo + "@" + a.commit, LineComment: a.version}, nil
}

// GitHub returns the workflows, by file name under .github/workflows.
func GitHub(in Input) map[string][]byte {
	return renderGitHub(in, MustLayout(in, GitHubPlatform))
}

// renderGitHub renders the workflows with the batches of l.
func renderGitHub(in Input, l *Layout) map[string][]byte {
	return map[string][]byte{
		"stratum-pull-request.yml": marshal(ghPullRequest(in, l)),
		"stratum-apply.yml":        marshal(ghApply(in, l)),
		"stratum-drift.yml":        marshal(ghDrift(in, l)),
	}
}

func (in Input) ghRunsOn(env, purpose string, r stackgraph.Runner) any {
	if r == stackgraph.Private {
		return append(slices.Clone(in.Settings.GitHubPrivateRunner), config.RunnerLabel(env, purpose))
	}
	return in.Settings.GitHubHostedRunner
}

func (in Input) ghToolchain(terraform bool) []ghStep {
	steps := []ghStep{
		{Uses: actSetupGo, With: map[string]string{"go-version-file": "go.mod", "cache": "true"}},
		{Uses: actSetupNode, With: map[string]string{"node-version": in.Settings.NodeVersion, "cache": "npm"}},
	}
	if terraform {
		steps = append(steps, in.ghTerraform())
	}
	return steps
}

func (in Input) ghTerraform() ghStep {
	// No wrapper: the scripts read terraform's exit codes themselves.
	return ghStep{Uses: actSetupTerraform, With: map[string]string{"terraform_version": in.Settings.TerraformVersion, "terraform_wrapper": "false"}}
}

// ghLayer is the step naming the layer of the matrix's batch ($BATCH in
// batches.json), whose role ghCredentials assumes; it also gives the job
// one provider cache for all its stacks' terraform init.
var ghLayer = ghStep{Name: "The batch's layer", ID: "layer", Run: `set -euo pipefail
echo "word=$(jq -er --arg b "$BATCH" '.batches[$b].layer' batches.json)" >> "$GITHUB_OUTPUT"
mkdir -p "$RUNNER_TEMP/terraform-plugins" && echo "TF_PLUGIN_CACHE_DIR=$RUNNER_TEMP/terraform-plugins" >> "$GITHUB_ENV"
`}

// ghCredentials assumes the role of the batch's layer (ghLayer) by OIDC.
func (in Input) ghCredentials(envName, mode string) ghStep {
	return in.ghCredentialsOf(envName, "${{ steps.layer.outputs.word }}", mode)
}

// ghCredentialsOf assumes the role of the layer with stack word word.
func (in Input) ghCredentialsOf(envName, word, mode string) ghStep {
	env := in.env(envName)
	account := env.AccountID
	if account == "" {
		account = "${{ vars." + accountVariable(envName) + " }}"
	}
	with := map[string]string{
		"role-to-assume":    roleARN(account, envName, word, mode),
		"aws-region":        env.Region,
		"role-session-name": "stratum-" + mode + "-${{ github.run_id }}",
	}
	if mode == "apply" {
		with["role-duration-seconds"] = "7200"
	}
	return ghStep{Name: "AWS credentials (OIDC, " + mode + " role)", Uses: actAWSCredentials, With: with}
}

var ghOIDC = map[string]string{"id-token": "write", "contents": "read"}

// ghSynth is the job synthesizing the shards: one runner per shard
// (a matrix), each restoring the synthesis cache under the keys
// stratum synth-plan prints and synthesizing only its shard
// (docs/synthesis.md, "Synthesis on several runners"). It never saves
// the cache: the job merging the shards does.
func (in Input) ghSynth() ghJob {
	k := in.shardCount(GitHubMaxMatrixJobs)
	var shards []string
	for i := 1; i <= k; i++ {
		shards = append(shards, fmt.Sprint(i))
	}
	steps := append([]ghStep{{Uses: actCheckout}}, in.ghToolchain(false)...)
	steps = append(steps, in.ghCacheKeys()...)
	return ghJob{
		Name:     fmt.Sprintf("synthesize shard ${{ matrix.shard }} of %d", k),
		RunsOn:   in.Settings.GitHubHostedRunner,
		Strategy: &ghStrategy{Matrix: map[string]any{"shard": shards}},
		Steps: append(steps,
			ghStep{Name: "The synthesis cache", Uses: actCacheRestore, With: ghCacheWith()},
			ghStep{Name: "stratum synth-shard", Run: shardScript("${{ matrix.shard }}", fmt.Sprint(k))},
			ghStep{Uses: actUpload, With: map[string]string{"name": "shard-${{ matrix.shard }}", "path": "shard-${{ matrix.shard }}", "retention-days": "1"}}),
	}
}

// ghCacheKeys builds stratum and writes the synthesis cache's keys
// (stratum synth-plan) as outputs of the step "keys".
func (in Input) ghCacheKeys() []ghStep {
	return []ghStep{
		{Name: "Build stratum", Run: buildScript},
		{Name: "The synthesis cache's keys", ID: "keys", Run: "./stratum synth-plan | tee -a \"$GITHUB_OUTPUT\"\n"},
	}
}

// ghCacheWith restores .cache/synth under the code and plan's key, else
// the latest cache of the same code, else the latest of any.
func ghCacheWith() map[string]string {
	return map[string]string{
		"path":         ".cache/synth",
		"key":          "${{ steps.keys.outputs.cache-key }}",
		"restore-keys": "${{ steps.keys.outputs.cache-restore-code }}\n${{ steps.keys.outputs.cache-restore-any }}",
	}
}

// ghMergeSteps are the first steps of a job after the shards: checkout,
// toolchain, stratum, the cache restored (step "cache"), the shards
// merged into cdktf.out (which stores their stacks in the cache), then
// pre. ghSaveCache saves the cache at the end of the job.
func (in Input) ghMergeSteps(pre []ghStep) []ghStep {
	steps := append([]ghStep{{Uses: actCheckout, With: map[string]string{"fetch-depth": "0"}}}, in.ghToolchain(false)...)
	steps = append(steps, in.ghCacheKeys()...)
	steps = append(steps,
		ghStep{Name: "The synthesis cache", ID: "cache", Uses: actCacheRestore, With: ghCacheWith()},
		ghStep{Name: "The shards", Uses: actDownload, With: map[string]string{"pattern": "shard-*", "path": "shards"}},
		ghStep{Name: "stratum synth-merge", Run: mergeScript("shards/shard-*")})
	return append(steps, pre...)
}

// ghSaveCache saves the synthesis cache the job filled under the key of
// its code and plan, unless a cache was found under that very key
// (caches are immutable). GitHub scopes it to the branch: a pull
// request's cache is its own, and it reads its base branch's.
var ghSaveCache = ghStep{Name: "Save the synthesis cache", If: "${{ steps.cache.outputs.cache-hit != 'true' }}", Uses: actCacheSave, With: map[string]string{
	"path": ".cache/synth", "key": "${{ steps.keys.outputs.cache-key }}",
}}

// ghChanged is the job selecting the stacks: it merges the shards into
// cdktf.out and runs stratum changed once, then cuts the selection into
// batches (stratum batch select); its outputs are each group's batches
// and the manual stacks. pre are the steps finding what to compare with
// (they set BASE_FLAGS).
func (in Input) ghChanged(l *Layout, pre []ghStep) ghJob {
	outputs := map[string]string{"manual": "${{ steps.changed.outputs.manual }}", "pending": "${{ steps.changed.outputs.pending }}"}
	for _, gr := range in.groups() {
		outputs[gr.Key()] = "${{ steps.changed.outputs." + gr.Key() + " }}"
	}
	return ghJob{
		Name:    "Select changed stacks",
		Needs:   []string{"synth"},
		RunsOn:  in.Settings.GitHubHostedRunner,
		Outputs: outputs,
		Steps: append(in.ghMergeSteps(pre),
			ghStep{Name: "stratum changed, in batches", ID: "changed", Run: `set -euo pipefail
` + changedScript("$BASE_FLAGS") + `{ echo '### Selected stacks'; echo '` + "```" + `'; cat changed.txt; echo '` + "```" + `'; } >> "$GITHUB_STEP_SUMMARY"
./stratum batch select -platform github -changed changed.json -layout ` + l.Digest() + ` -format github >> "$GITHUB_OUTPUT"
echo "manual=$(jq -c .manual changed.json)" >> "$GITHUB_OUTPUT"
echo "pending=$(jq -c .pending changed.json)" >> "$GITHUB_OUTPUT"
`},
			ghStep{Uses: actUpload, With: map[string]string{"name": "synthesis", "path": "cdktf.out\nchanged.json\nbatches.json\nstratum", "retention-days": "30"}},
			ghSaveCache,
		),
	}
}

// ghManual reports the selected stacks CI does not run. In a pull
// request it is a notice; in the apply pipeline a changed manual stack
// stops the line: the job fails, naming the command to run by hand, and
// its environment's stacks wait (stratum changed blocked them) until the
// stack is recorded as applied.
func (in Input) ghManual(stop bool) ghJob {
	out, what := "needs.changed.outputs.manual", "warning"
	if stop {
		out, what = "needs.changed.outputs.pending", "error"
	}
	run := `for stack in $(echo "$STACKS" | jq -r '.[]'); do
  env=${stack#bootstrap-}
  cmd="npx cdktf deploy $stack && go run . applied record -env $env -stack $stack"
  echo "::` + what + ` title=${stack} is applied by hand::run: $cmd"
  echo "- \` + "`$stack\\`" + `: its state is local and it holds the CI roles: apply it by hand (docs/backend-strategy.md): \` + "`$cmd\\`" + `" >> "$GITHUB_STEP_SUMMARY"
done
`
	if stop {
		run = `echo "### Stop the line: stacks to apply by hand" >> "$GITHUB_STEP_SUMMARY"
echo "Nothing of their environments is applied until each is applied and recorded:" >> "$GITHUB_STEP_SUMMARY"
` + run + "exit 1\n"
	} else {
		run = `echo "### Stacks CI does not plan or apply" >> "$GITHUB_STEP_SUMMARY"
` + run
	}
	return ghJob{
		Name:   "Stacks applied by hand",
		Needs:  []string{"changed"},
		If:     out + " != '[]'",
		RunsOn: in.Settings.GitHubHostedRunner,
		Env:    map[string]string{"STACKS": "${{ " + out + " }}"},
		Steps:  []ghStep{{Run: run}},
	}
}

// ghPlanJob plans one group's selected stacks with the plan roles of
// their layers, in batches (a matrix of the group's selected batches,
// each planning its stacks one after the other with stratum batch run,
// which runs the policies on each plan and reports each stack in the
// summary). A pull request's plan keeps only the `terraform show` text
// (sensitive values masked), and runs in the GitHub environment
// <env>-plan, whose reviewers approve it, where the environment plans
// pull requests only after an approval. The apply pipeline's keeps the
// saved plans for its apply job, sealed where the environment has a
// state key, for SavedPlanRetentionDays, and publishes the digest of the
// batch's plan digests (DigestsFile) as a job output named after the
// batch: the apply applies those plans and no other.
func (in Input) ghPlanJob(l *Layout, gr stackgraph.Group, needs []string, pullRequest bool) ghJob {
	out := "needs.changed.outputs." + gr.Key()
	env := in.env(gr.Environment)
	purpose, prefix, retention, kind := config.RunnerDeploy, "plan-", in.Settings.SavedPlanRetentionDays, KindPlan
	environment := ""
	labels := "${{ join(github.event.pull_request.labels.*.name, ',') }}"
	if pullRequest {
		purpose, prefix, retention, kind = config.RunnerPullRequest, "pr-plan-", 7, KindPullRequestPlan
		if g := env.CI.GitHub; g != nil && env.PullRequestPlanPolicy() == config.PlansAfterApproval {
			environment = g.PlanEnvironment(env.Name)
		}
	} else {
		labels = "${{ needs.changed.outputs.labels }}"
	}
	steps := []ghStep{
		{Uses: actCheckout},
		{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
		{Run: "chmod +x stratum"},
		in.ghTerraform(),
		ghLayer,
		in.ghCredentials(gr.Environment, "plan"),
		{Name: "terraform plan of each stack of the batch, then the policies on it", Env: map[string]string{"LABELS": labels}, Run: batchRunScript(kind, "$BATCH", "$GITHUB_STEP_SUMMARY")},
	}
	outputs := map[string]string(nil)
	upload := ghStep{Uses: actUpload, With: map[string]string{"name": prefix + "${{ matrix.batch }}", "path": "plans", "retention-days": fmt.Sprint(retention)}}
	if pullRequest {
		upload.If = "${{ always() }}"
	} else {
		// One output per batch: a matrix leg sets only its own, and the
		// runner leaves an empty output out, so the legs' outputs add up.
		outputs = map[string]string{}
		for _, b := range l.Of(gr.Key()) {
			outputs[b.Key] = "${{ steps.digest.outputs." + b.Key + " }}"
		}
		steps = append(steps, ghStep{Name: "The digest of the batch's plan digests", ID: "digest", Run: `echo "$BATCH=$(sha256sum plans/` + DigestsFile + ` | cut -d' ' -f1)" | tee -a "$GITHUB_OUTPUT"` + "\n"})
	}
	return ghJob{
		Name:        fmt.Sprintf("plan %s level %d (%s) ${{ matrix.batch }}", gr.Environment, gr.Level, gr.Runner),
		Needs:       needs,
		If:          "${{ !cancelled() && !failure() && " + out + " != '[]' }}",
		Environment: environment,
		RunsOn:      in.ghRunsOn(gr.Environment, purpose, gr.Runner),
		Permissions: ghOIDC,
		Strategy:    &ghStrategy{Matrix: map[string]any{"batch": "${{ fromJSON(" + out + ") }}"}},
		Outputs:     outputs,
		Env:         map[string]string{"BATCH": "${{ matrix.batch }}", "TF_IN_AUTOMATION": "1"},
		Steps:       append(steps, upload),
	}
}

func ghPlanID(gr stackgraph.Group) string  { return "plan_" + gr.Key() }
func ghApplyID(gr stackgraph.Group) string { return "apply_" + gr.Key() }

// ghNeeds are the jobs the jobs of groups[i] wait for: the changed job
// and the job (id) of each group before it.
func ghNeeds(groups []stackgraph.Group, i int, id func(stackgraph.Group) string) []string {
	needs := []string{"changed"}
	for _, p := range previous(groups, i) {
		needs = append(needs, id(p))
	}
	return needs
}

func ghPullRequest(in Input, l *Layout) ghWorkflow {
	w := ghWorkflow{
		Name:        "stratum pull request",
		On:          ghOn{PullRequest: &ghBranches{Branches: []string{"main"}}},
		Permissions: map[string]string{"contents": "read"},
		Concurrency: &ghConcurrency{Group: "stratum-pr-${{ github.event.pull_request.number }}", CancelInProgress: true},
	}
	w.Jobs.set("test", ghJob{
		Name:   "make test",
		RunsOn: in.Settings.GitHubHostedRunner,
		// The Terraform tier of make test runs here too (CI=true does not
		// skip it); the runner downloads the AWS provider from the registry.
		Steps: append(append([]ghStep{{Uses: actCheckout}}, in.ghToolchain(true)...),
			ghStep{Name: "make test (snapshot diffs are in this log)", Run: "make test"}),
	})
	w.Jobs.set("scan", in.ghScan())
	w.Jobs.set("synth", in.ghSynth())
	// The merge base: the checkout is the pull request merged into its
	// base branch as it was when GitHub merged it, whose first parent the
	// merge base is (the tip of the branch may have moved since).
	changed := in.ghChanged(l, []ghStep{{Name: "The merge base", Run: `set -euo pipefail
git fetch --no-tags origin "$GITHUB_BASE_REF"
echo "BASE_FLAGS=-base $(git merge-base HEAD FETCH_HEAD)" >> "$GITHUB_ENV"
`}})
	changed.Needs = []string{"test", "synth"}
	w.Jobs.set("changed", changed)
	w.Jobs.set("manual", in.ghManual(false))
	// Environments that plan no pull request get no job here.
	groups := slices.DeleteFunc(in.groups(), func(g stackgraph.Group) bool { return !pullRequestPlans(in.env(g.Environment)) })
	for i, gr := range groups {
		// Plans of a level wait for the levels below: a reviewer sees
		// them in dependency order. (They read the values the producers
		// have now; the merge re-plans after each apply.)
		w.Jobs.set(ghPlanID(gr), in.ghPlanJob(l, gr, ghNeeds(groups, i, ghPlanID), true))
	}
	return w
}

// ghScan is trivy's misconfiguration scan of the HCL export, pinned,
// judged by stratum scan against the committed ignore file (docs/cicd-integration.md, "Security scanning").
func (in Input) ghScan() ghJob {
	return ghJob{
		Name:   "trivy misconfiguration scan",
		RunsOn: in.Settings.GitHubHostedRunner,
		Steps: append(append([]ghStep{{Uses: actCheckout}}, in.ghToolchain(false)...),
			ghStep{Name: "trivy " + in.Settings.TrivyVersion, Run: trivyInstall(in.Settings.TrivyVersion, "/usr/local/bin", "sudo ")},
			ghStep{Name: "make hcl", Run: "make hcl"},
			ghStep{Name: "trivy config, judged against " + ScanIgnoreFile, Run: scanScript()}),
	}
}

func ghApply(in Input, l *Layout) ghWorkflow {
	w := ghWorkflow{
		Name:        "stratum apply",
		On:          ghOn{Push: &ghBranches{Branches: []string{"main"}}, WorkflowDispatch: &struct{}{}},
		Permissions: map[string]string{"contents": "read", "actions": "read"},
		// Runs queue instead of overlapping; none is cancelled.
		Concurrency: &ghConcurrency{Group: "stratum-apply", CancelInProgress: false},
	}
	w.Jobs.set("synth", in.ghSynth())
	// The selection is against what was last applied to each stack (the
	// applied records of every environment, read with its foundation
	// plan role), so a failed or skipped apply is selected again.
	var pre []ghStep
	for _, name := range in.Settings.EnvironmentOrder {
		if !slices.ContainsFunc(in.Envs, func(e config.Environment) bool { return e.Name == name }) {
			continue
		}
		pre = append(pre, in.ghCredentialsOf(name, layerWord("foundation-"+name), "plan"),
			ghStep{Name: "The applied records of " + name, Run: recordsScript(name)})
	}
	pre = append(pre, ghStep{Name: "The merged pull request's labels", ID: "labels", Env: map[string]string{"GH_TOKEN": "${{ github.token }}"}, Run: `set -euo pipefail
echo "BASE_FLAGS=-applied applied" >> "$GITHUB_ENV"
labels=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '[.[0].labels[]?.name] | join(",")' || true)
echo "labels=$labels" >> "$GITHUB_OUTPUT"
`})
	changed := in.ghChanged(l, pre)
	changed.Permissions = map[string]string{"id-token": "write", "contents": "read", "pull-requests": "read"}
	changed.Outputs["labels"] = "${{ steps.labels.outputs.labels }}"
	w.Jobs.set("changed", changed)
	w.Jobs.set("manual", in.ghManual(true))
	groups := in.groups()
	for i, gr := range groups {
		w.Jobs.set(ghPlanID(gr), in.ghPlanJob(l, gr, ghNeeds(groups, i, ghApplyID), false))
		out := "needs.changed.outputs." + gr.Key()
		ghEnv := gr.Environment
		if g := in.env(gr.Environment).CI.GitHub; g != nil {
			ghEnv = g.Environment(gr.Environment)
		}
		w.Jobs.set(ghApplyID(gr), ghJob{
			Name:  fmt.Sprintf("apply %s level %d (%s) ${{ matrix.batch }}", gr.Environment, gr.Level, gr.Runner),
			Needs: []string{"changed", ghPlanID(gr)},
			If:    "${{ !cancelled() && !failure() && " + out + " != '[]' }}",
			// The GitHub environment gates the job (required reviewers for
			// prod, who approve the plans the plan job's summary shows); with
			// the ref, its subject is the only one the deploy roles trust.
			Environment: ghEnv,
			// One writer per batch, whatever else runs: a stack is in the
			// same batch in every run of the same stack graph (and runs of
			// this workflow queue, stratum-apply).
			Concurrency:    &ghConcurrency{Group: "stratum-batch-${{ matrix.batch }}", CancelInProgress: false},
			RunsOn:         in.ghRunsOn(gr.Environment, config.RunnerDeploy, gr.Runner),
			Permissions:    ghOIDC,
			TimeoutMinutes: 300,
			Strategy:       &ghStrategy{Matrix: map[string]any{"batch": "${{ fromJSON(" + out + ") }}"}},
			Env: map[string]string{
				"BATCH": "${{ matrix.batch }}", "TF_IN_AUTOMATION": "1", "STRATUM_COMMIT": "${{ github.sha }}",
				"BATCH_SHA256": "${{ needs." + ghPlanID(gr) + ".outputs[matrix.batch] }}",
			},
			Steps: []ghStep{
				{Uses: actCheckout},
				{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
				{Name: "The reviewed plans", Uses: actDownload, With: map[string]string{"name": "plan-${{ matrix.batch }}", "path": "plans"}},
				{Run: "chmod +x stratum"},
				in.ghTerraform(),
				ghLayer,
				in.ghCredentials(gr.Environment, "apply"),
				{Name: "terraform apply of each reviewed plan (their digests checked; a stale plan fails: start a new run), then record it", Run: batchRunScript(KindApply, "$BATCH", "$GITHUB_STEP_SUMMARY")},
			},
		})
	}
	return w
}

func ghDrift(in Input, l *Layout) ghWorkflow {
	w := ghWorkflow{
		Name:        "stratum drift",
		On:          ghOn{Schedule: []ghSchedule{{Cron: in.Settings.DriftSchedule}}, WorkflowDispatch: &struct{}{}},
		Permissions: map[string]string{"contents": "read"},
		Concurrency: &ghConcurrency{Group: "stratum-drift", CancelInProgress: false},
	}
	w.Jobs.set("synth", in.ghSynth())
	w.Jobs.set("merge", ghJob{
		Name:   "Merge the synthesis",
		Needs:  []string{"synth"},
		RunsOn: in.Settings.GitHubHostedRunner,
		Steps: append(in.ghMergeSteps(nil),
			ghStep{Name: "Every stack, in batches", Run: "./stratum batch select -platform github -all -layout " + l.Digest() + "\n"},
			ghStep{Uses: actUpload, With: map[string]string{"name": "synthesis", "path": "cdktf.out\nbatches.json\nstratum", "retention-days": "7"}},
			ghSaveCache),
	})
	w.Jobs.set("support", in.ghSupport())
	var ids []string
	for _, gr := range in.groups() {
		id := "drift_" + gr.Key()
		ids = append(ids, id)
		var keys []string
		for _, b := range l.Of(gr.Key()) {
			keys = append(keys, b.Key)
		}
		w.Jobs.set(id, ghJob{
			Name:        fmt.Sprintf("drift %s level %d (%s) ${{ matrix.batch }}", gr.Environment, gr.Level, gr.Runner),
			Needs:       []string{"merge"},
			RunsOn:      in.ghRunsOn(gr.Environment, config.RunnerDeploy, gr.Runner),
			Permissions: ghOIDC,
			Strategy:    &ghStrategy{Matrix: map[string]any{"batch": keys}},
			Env:         map[string]string{"BATCH": "${{ matrix.batch }}", "TF_IN_AUTOMATION": "1"},
			Steps: []ghStep{
				{Uses: actCheckout},
				{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
				{Run: "chmod +x stratum"},
				in.ghTerraform(),
				ghLayer,
				in.ghCredentials(gr.Environment, "plan"),
				{Name: "terraform plan -detailed-exitcode of each stack of the batch", Run: batchRunScript(KindDrift, "$BATCH", "$GITHUB_STEP_SUMMARY")},
				{If: "${{ always() }}", Uses: actUpload, With: map[string]string{"name": "drift-${{ matrix.batch }}", "path": "drift"}},
			},
		})
	}
	w.Jobs.set("report", ghJob{
		Name:   "Drift report",
		Needs:  append([]string{"merge"}, ids...),
		If:     "${{ always() }}",
		RunsOn: in.Settings.GitHubHostedRunner,
		Steps: []ghStep{
			{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
			{Uses: actDownload, With: map[string]string{"pattern": "drift-*", "path": "drift", "merge-multiple": "true"}},
			{Name: "stratum drift: the drifted stacks and addresses (exit 2 if any drifted, 1 if a plan failed)", Run: `chmod +x stratum
code=0
./stratum drift -dir drift -out cdktf.out -markdown >> "$GITHUB_STEP_SUMMARY" || code=$?
./stratum drift -dir drift -out cdktf.out || true
exit "$code"
`},
		},
	})
	return w
}

// ghSupport fails when a configured Kubernetes or PostgreSQL version
// leaves AWS standard support within the window (`make support`). It
// needs no AWS credentials.
func (in Input) ghSupport() ghJob {
	return ghJob{
		Name:   "Versions in AWS standard support",
		RunsOn: in.Settings.GitHubHostedRunner,
		Steps: append(append([]ghStep{{Uses: actCheckout}}, in.ghToolchain(false)...),
			ghStep{Name: "stratum support", Run: supportScript(in.Settings.SupportWindow, `{ echo "### Versions in AWS standard support"; echo '`+"```"+`'; cat support.txt; echo '`+"```"+`'; } >> "$GITHUB_STEP_SUMMARY"`)}),
	}
}

// ActionlintConfig is .github/actionlint.yaml: the self-hosted runner
// labels the workflows use, so that a plain actionlint run (pre-commit,
// super-linter) accepts them.
func ActionlintConfig(in Input) []byte {
	var b bytes.Buffer
	b.WriteString("# Generated by `stratum generate` (make generate) from config/pipelines.go. Do not edit:\n")
	b.WriteString("# a test fails when this file is stale. actionlint reads it from .github/.\n")
	y, err := yaml.Marshal(map[string]any{"self-hosted-runner": map[string]any{"labels": in.ghPrivateLabels()}})
	if err != nil {
		panic(err)
	}
	b.Write(y)
	return b.Bytes()
}

// ghPrivateLabels are the labels actionlint must accept as self-hosted.
func (in Input) ghPrivateLabels() []string {
	var out []string
	for _, l := range in.Settings.GitHubPrivateRunner {
		if !strings.EqualFold(l, "self-hosted") && !strings.EqualFold(l, "linux") {
			out = append(out, l)
		}
	}
	for _, env := range in.Envs {
		out = append(out, config.RunnerLabel(env.Name, config.RunnerPullRequest), config.RunnerLabel(env.Name, config.RunnerDeploy))
	}
	return out
}
