package pipelines

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"stratum/config"
	"stratum/stackgraph"
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
	return map[string][]byte{
		"stratum-pull-request.yml": marshal(ghPullRequest(in)),
		"stratum-apply.yml":        marshal(ghApply(in)),
		"stratum-drift.yml":        marshal(ghDrift(in)),
	}
}

// ghRunsOn is where a job of env for purpose runs: a GitHub-hosted
// runner (a new virtual machine per job) for stacks that need only the
// AWS APIs, else the private self-hosted runners of that environment and
// purpose (config.RunnerLabel), which must be ephemeral.
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

// ghLayer is the step naming the layer of the matrix's $STACK, whose
// role ghCredentials assumes.
var ghLayer = ghStep{Name: "The stack's layer", ID: "layer", Run: `echo "word=${STACK%%-*}" >> "$GITHUB_OUTPUT"` + "\n"}

// ghCredentials assumes the role of the stack's layer (ghLayer) by OIDC.
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

// ghChanged is the job selecting the stacks: it synthesizes, builds
// stratum once and runs stratum changed once; its outputs are the groups
// and the manual stacks. pre are the steps finding what to compare with
// (they set BASE_FLAGS).
func (in Input) ghChanged(pre []ghStep) ghJob {
	outputs := map[string]string{"manual": "${{ steps.changed.outputs.manual }}", "pending": "${{ steps.changed.outputs.pending }}"}
	for _, gr := range in.groups() {
		outputs[gr.Key()] = "${{ steps.changed.outputs." + gr.Key() + " }}"
	}
	steps := append([]ghStep{{Uses: actCheckout, With: map[string]string{"fetch-depth": "0"}}}, in.ghToolchain(false)...)
	steps = append(steps, ghStep{Name: "Synthesize", Run: "make synth"})
	steps = append(steps, pre...)
	return ghJob{
		Name:    "Select changed stacks",
		RunsOn:  in.Settings.GitHubHostedRunner,
		Outputs: outputs,
		Steps: append(steps,
			ghStep{Name: "stratum changed", ID: "changed", Run: `set -euo pipefail
` + changedScript("$BASE_FLAGS") + `{ echo '### Selected stacks'; echo '` + "```" + `'; cat changed.txt; echo '` + "```" + `'; } >> "$GITHUB_STEP_SUMMARY"
jq -r '.groups | to_entries[] | "\(.key)=\(.value | tojson)"' changed.json >> "$GITHUB_OUTPUT"
echo "manual=$(jq -c .manual changed.json)" >> "$GITHUB_OUTPUT"
echo "pending=$(jq -c .pending changed.json)" >> "$GITHUB_OUTPUT"
`},
			ghStep{Uses: actUpload, With: map[string]string{"name": "synthesis", "path": "cdktf.out\nchanged.json\nstratum", "retention-days": "30"}},
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

// ghPlanJob plans one group's selected stacks (a matrix) with the plan
// roles of their layers and runs the policies on each plan (stratum
// policy, with the change's labels). A pull request's plan keeps only
// the `terraform show` text (sensitive values masked), and runs in the
// GitHub environment <env>-plan, whose reviewers approve it, where the
// environment plans pull requests only after an approval. The apply
// pipeline's keeps the saved plan for its apply job, sealed where the
// environment has a state key, for SavedPlanRetentionDays, and publishes
// each stack's plan digest as a job output named after the stack: the
// apply applies that plan and no other.
func (in Input) ghPlanJob(gr stackgraph.Group, needs []string, pullRequest bool) ghJob {
	out := "needs.changed.outputs." + gr.Key()
	env := in.env(gr.Environment)
	purpose, prefix, files, retention := config.RunnerDeploy, "plan-", []string{"plan.txt"}, in.Settings.SavedPlanRetentionDays
	environment := ""
	labels := "${{ join(github.event.pull_request.labels.*.name, ',') }}"
	kind := applyPlan
	if pullRequest {
		purpose, prefix, retention, kind = config.RunnerPullRequest, "pr-plan-", 7, prPlan
		if g := env.CI.GitHub; g != nil && env.PullRequestPlanPolicy() == config.PlansAfterApproval {
			environment = g.PlanEnvironment(env.Name)
		}
	} else {
		files = append(savedPlanFiles(env), files...)
		labels = "${{ needs.changed.outputs.labels }}"
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, "cdktf.out/stacks/${{ matrix.stack }}/"+f)
	}
	steps := []ghStep{
		{Uses: actCheckout},
		{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
		{Run: "chmod +x stratum"},
		in.ghTerraform(),
		ghLayer,
		in.ghCredentials(gr.Environment, "plan"),
		{Name: "terraform plan, then the policies on it", Env: map[string]string{"LABELS": labels}, Run: planScript(kind)},
	}
	outputs := map[string]string(nil)
	if !pullRequest {
		// One output per stack: a matrix leg sets only its own, and the
		// runner leaves an empty output out, so the legs' outputs add up.
		outputs = map[string]string{}
		for _, st := range gr.Stacks {
			outputs[st] = "${{ steps.digest.outputs['" + st + "'] }}"
		}
		steps = append(steps, ghStep{Name: "The plan's digest", ID: "digest", Run: `echo "$STACK=$(cat "cdktf.out/stacks/$STACK/tfplan.sha256")" >> "$GITHUB_OUTPUT"` + "\n"})
		if seal := sealScript(env); seal != "" {
			steps = append(steps, ghStep{Name: "Seal the saved plan (it holds the state's values)", Run: "set -euo pipefail\ncd \"cdktf.out/stacks/$STACK\"\n" + seal})
		}
	}
	digest := ""
	if !pullRequest {
		digest = `  echo "saved plan sha256: $(cat "cdktf.out/stacks/$STACK/tfplan.sha256")"
`
	}
	return ghJob{
		Name:        fmt.Sprintf("plan %s level %d (%s)", gr.Environment, gr.Level, gr.Runner),
		Needs:       needs,
		If:          "${{ !cancelled() && !failure() && " + out + " != '[]' }}",
		Environment: environment,
		RunsOn:      in.ghRunsOn(gr.Environment, purpose, gr.Runner),
		Permissions: ghOIDC,
		Strategy:    &ghStrategy{Matrix: map[string]any{"stack": "${{ fromJSON(" + out + ") }}"}},
		Outputs:     outputs,
		Env:         map[string]string{"STACK": "${{ matrix.stack }}", "TF_IN_AUTOMATION": "1"},
		Steps: append(steps,
			ghStep{Name: "Summary", If: "${{ always() }}", Run: `{
  echo "### ${STACK}: $( [ "$(cat "cdktf.out/stacks/$STACK/exitcode" 2>/dev/null)" = 2 ] && echo changes || echo no changes)"
` + digest + `  echo '<details><summary>terraform show</summary>'
  echo
  echo '` + "```" + `'
  head -c 60000 "cdktf.out/stacks/$STACK/plan.txt" 2>/dev/null || echo "no plan"
  echo '` + "```" + `'
  echo '</details>'
} >> "$GITHUB_STEP_SUMMARY"
`},
			ghStep{Uses: actUpload, With: map[string]string{
				"name":           prefix + "${{ matrix.stack }}",
				"path":           strings.Join(paths, "\n"),
				"retention-days": fmt.Sprint(retention),
			}},
		),
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

func ghPullRequest(in Input) ghWorkflow {
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
	// The merge base: the checkout is the pull request merged into its
	// base branch as it was when GitHub merged it, whose first parent the
	// merge base is (the tip of the branch may have moved since).
	changed := in.ghChanged([]ghStep{{Name: "The merge base", Run: `set -euo pipefail
git fetch --no-tags origin "$GITHUB_BASE_REF"
echo "BASE_FLAGS=-base $(git merge-base HEAD FETCH_HEAD)" >> "$GITHUB_ENV"
`}})
	changed.Needs = []string{"test"}
	w.Jobs.set("changed", changed)
	w.Jobs.set("manual", in.ghManual(false))
	// Environments that plan no pull request get no job here.
	groups := slices.DeleteFunc(in.groups(), func(g stackgraph.Group) bool { return !pullRequestPlans(in.env(g.Environment)) })
	for i, gr := range groups {
		// Plans of a level wait for the levels below: a reviewer sees
		// them in dependency order. (They read the values the producers
		// have now; the merge re-plans after each apply.)
		w.Jobs.set(ghPlanID(gr), in.ghPlanJob(gr, ghNeeds(groups, i, ghPlanID), true))
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

func ghApply(in Input) ghWorkflow {
	w := ghWorkflow{
		Name:        "stratum apply",
		On:          ghOn{Push: &ghBranches{Branches: []string{"main"}}, WorkflowDispatch: &struct{}{}},
		Permissions: map[string]string{"contents": "read", "actions": "read"},
		// Runs queue instead of overlapping; none is cancelled.
		Concurrency: &ghConcurrency{Group: "stratum-apply", CancelInProgress: false},
	}
	// The selection is against what was last applied to each stack (the
	// applied records of every environment, read with its foundation
	// plan role), so a failed or skipped apply is selected again.
	var pre []ghStep
	for _, name := range in.Settings.EnvironmentOrder {
		if !slices.ContainsFunc(in.Envs, func(e config.Environment) bool { return e.Name == name }) {
			continue
		}
		pre = append(pre, in.ghCredentialsOf(name, layerWord("foundation-"+name), "plan"),
			ghStep{Name: "The applied records of " + name, Run: "go run . applied fetch -env " + name + " -out applied\n"})
	}
	pre = append(pre, ghStep{Name: "The merged pull request's labels", ID: "labels", Env: map[string]string{"GH_TOKEN": "${{ github.token }}"}, Run: `set -euo pipefail
echo "BASE_FLAGS=-applied applied" >> "$GITHUB_ENV"
labels=$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '[.[0].labels[]?.name] | join(",")' || true)
echo "labels=$labels" >> "$GITHUB_OUTPUT"
`})
	changed := in.ghChanged(pre)
	changed.Permissions = map[string]string{"id-token": "write", "contents": "read", "pull-requests": "read"}
	changed.Outputs["labels"] = "${{ steps.labels.outputs.labels }}"
	w.Jobs.set("changed", changed)
	w.Jobs.set("manual", in.ghManual(true))
	groups := in.groups()
	for i, gr := range groups {
		w.Jobs.set(ghPlanID(gr), in.ghPlanJob(gr, ghNeeds(groups, i, ghApplyID), false))
		out := "needs.changed.outputs." + gr.Key()
		ghEnv := gr.Environment
		if g := in.env(gr.Environment).CI.GitHub; g != nil {
			ghEnv = g.Environment(gr.Environment)
		}
		w.Jobs.set(ghApplyID(gr), ghJob{
			Name:  fmt.Sprintf("apply %s level %d (%s)", gr.Environment, gr.Level, gr.Runner),
			Needs: []string{"changed", ghPlanID(gr)},
			If:    "${{ !cancelled() && !failure() && " + out + " != '[]' }}",
			// The GitHub environment gates the job (required reviewers for
			// prod, who approve the plan the plan job's summary shows); with
			// the ref, its subject is the only one the deploy roles trust.
			Environment: ghEnv,
			// One writer per stack, whatever else runs.
			Concurrency:    &ghConcurrency{Group: "stratum-stack-${{ matrix.stack }}", CancelInProgress: false},
			RunsOn:         in.ghRunsOn(gr.Environment, config.RunnerDeploy, gr.Runner),
			Permissions:    ghOIDC,
			TimeoutMinutes: 120,
			Strategy:       &ghStrategy{Matrix: map[string]any{"stack": "${{ fromJSON(" + out + ") }}"}},
			Env: map[string]string{
				"STACK": "${{ matrix.stack }}", "TF_IN_AUTOMATION": "1", "STRATUM_COMMIT": "${{ github.sha }}",
				"TFPLAN_SHA256": "${{ needs." + ghPlanID(gr) + ".outputs[matrix.stack] }}",
			},
			Steps: []ghStep{
				{Uses: actCheckout},
				{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
				{Name: "The reviewed plan", Uses: actDownload, With: map[string]string{"name": "plan-${{ matrix.stack }}", "path": "cdktf.out/stacks/${{ matrix.stack }}"}},
				in.ghTerraform(),
				ghLayer,
				in.ghCredentials(gr.Environment, "apply"),
				{Name: "terraform apply of the reviewed plan (its digest checked; a stale plan fails: start a new run), then record it", Run: applyScript(in.env(gr.Environment))},
			},
		})
	}
	return w
}

func ghDrift(in Input) ghWorkflow {
	w := ghWorkflow{
		Name:        "stratum drift",
		On:          ghOn{Schedule: []ghSchedule{{Cron: in.Settings.DriftSchedule}}, WorkflowDispatch: &struct{}{}},
		Permissions: map[string]string{"contents": "read"},
		Concurrency: &ghConcurrency{Group: "stratum-drift", CancelInProgress: false},
	}
	w.Jobs.set("synth", ghJob{
		Name:   "Synthesize",
		RunsOn: in.Settings.GitHubHostedRunner,
		Steps: append(append([]ghStep{{Uses: actCheckout}}, in.ghToolchain(false)...),
			ghStep{Run: "make synth\nCGO_ENABLED=0 go build -trimpath -o stratum .\n"},
			ghStep{Uses: actUpload, With: map[string]string{"name": "synthesis", "path": "cdktf.out\nstratum", "retention-days": "7"}}),
	})
	w.Jobs.set("support", in.ghSupport())
	var ids []string
	for _, gr := range in.groups() {
		id := "drift_" + gr.Key()
		ids = append(ids, id)
		w.Jobs.set(id, ghJob{
			Name:        fmt.Sprintf("drift %s level %d (%s)", gr.Environment, gr.Level, gr.Runner),
			Needs:       []string{"synth"},
			RunsOn:      in.ghRunsOn(gr.Environment, config.RunnerDeploy, gr.Runner),
			Permissions: ghOIDC,
			Strategy:    &ghStrategy{Matrix: map[string]any{"stack": gr.Stacks}},
			Env:         map[string]string{"STACK": "${{ matrix.stack }}", "TF_IN_AUTOMATION": "1"},
			Steps: []ghStep{
				{Uses: actCheckout},
				{Uses: actDownload, With: map[string]string{"name": "synthesis"}},
				in.ghTerraform(),
				ghLayer,
				in.ghCredentials(gr.Environment, "plan"),
				{Name: "terraform plan -detailed-exitcode", Run: planScript(driftPlan)},
				{If: "${{ always() }}", Uses: actUpload, With: map[string]string{"name": "drift-${{ matrix.stack }}", "path": "drift"}},
			},
		})
	}
	w.Jobs.set("report", ghJob{
		Name:   "Drift report",
		Needs:  append([]string{"synth"}, ids...),
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
