package pipelines

import (
	"fmt"

	"stratum/config"
	"stratum/tools/stackgraph"
)

// Azure Pipelines model (the keys Stratum uses). AzureModel is also what
// the validation decodes the generated file into, refusing unknown keys.
type (
	AzurePipeline struct {
		Trigger      *azTrigger   `yaml:"trigger"`
		PR           *azTrigger   `yaml:"pr"`
		Schedules    []azSchedule `yaml:"schedules,omitempty"`
		LockBehavior string       `yaml:"lockBehavior,omitempty"`
		Variables    []azVariable `yaml:"variables,omitempty"`
		Stages       []azStage    `yaml:"stages"`
	}
	azTrigger struct {
		Batch    bool        `yaml:"batch,omitempty"`
		Branches azIncludes  `yaml:"branches"`
		Paths    *azIncludes `yaml:"paths,omitempty"`
	}
	azIncludes struct {
		Include []string `yaml:"include"`
	}
	azSchedule struct {
		Cron        string     `yaml:"cron"`
		DisplayName string     `yaml:"displayName"`
		Branches    azIncludes `yaml:"branches"`
		Always      bool       `yaml:"always"`
	}
	azVariable struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	}
	azStage struct {
		Stage       string   `yaml:"stage"`
		DisplayName string   `yaml:"displayName,omitempty"`
		DependsOn   []string `yaml:"dependsOn"`
		Condition   string   `yaml:"condition,omitempty"`
		Jobs        []azJob  `yaml:"jobs"`
	}
	// azJob is a job or, with Deployment and Environment set, a
	// deployment job.
	azJob struct {
		Job            string            `yaml:"job,omitempty"`
		Deployment     string            `yaml:"deployment,omitempty"`
		DisplayName    string            `yaml:"displayName,omitempty"`
		DependsOn      []string          `yaml:"dependsOn,omitempty"`
		Condition      string            `yaml:"condition,omitempty"`
		Pool           *azPool           `yaml:"pool,omitempty"`
		Environment    string            `yaml:"environment,omitempty"`
		TimeoutMinutes int               `yaml:"timeoutInMinutes,omitempty"`
		Variables      map[string]string `yaml:"variables,omitempty"`
		Strategy       *azStrategy       `yaml:"strategy,omitempty"`
		Steps          []azStep          `yaml:"steps,omitempty"`
	}
	azPool struct {
		Name    string `yaml:"name,omitempty"`
		VMImage string `yaml:"vmImage,omitempty"`
	}
	// azStrategy is a deployment job's runOnce strategy or a job's
	// parallel copies.
	azStrategy struct {
		Parallel int        `yaml:"parallel,omitempty"`
		RunOnce  *azRunOnce `yaml:"runOnce,omitempty"`
	}
	azRunOnce struct {
		Deploy azDeploy `yaml:"deploy"`
	}
	azDeploy struct {
		Steps []azStep `yaml:"steps"`
	}
	azStep struct {
		Checkout    string            `yaml:"checkout,omitempty"`
		Download    string            `yaml:"download,omitempty"`
		Task        string            `yaml:"task,omitempty"`
		Script      string            `yaml:"script,omitempty"`
		Name        string            `yaml:"name,omitempty"`
		DisplayName string            `yaml:"displayName,omitempty"`
		Condition   string            `yaml:"condition,omitempty"`
		FetchDepth  string            `yaml:"fetchDepth,omitempty"`
		Inputs      map[string]string `yaml:"inputs,omitempty"`
		Env         map[string]string `yaml:"env,omitempty"`
	}
)

const (
	azNotScheduled = "ne(variables['Build.Reason'], 'Schedule')"
	azSelected     = "stageDependencies.changed.changed.outputs['select.BATCHES']"
)

// azPool is where a job of env for purpose runs: a Microsoft-hosted agent
// (a new virtual machine per job) for stacks that need only the AWS APIs,
// else the private pool of that environment and purpose, whose agents
// must be ephemeral.
func (in Input) azPool(env, purpose string, r stackgraph.Runner) *azPool {
	if r == stackgraph.Private {
		return &azPool{Name: in.Settings.AzurePrivatePool + "-" + env + "-" + purpose}
	}
	return &azPool{VMImage: in.Settings.AzureHostedImage}
}

// azHosted is a Microsoft-hosted agent, for jobs without AWS credentials.
func (in Input) azHosted() *azPool { return &azPool{VMImage: in.Settings.AzureHostedImage} }

// azTools installs Go, Node.js and Terraform with the built-in tasks and
// HashiCorp's release (checksum verified).
func (in Input) azTools(terraformOnly bool) []azStep {
	tf := azStep{DisplayName: "Terraform " + in.Settings.TerraformVersion, Script: fmt.Sprintf(`set -euo pipefail
v=%s
curl -fsSLo /tmp/tf.zip "https://releases.hashicorp.com/terraform/$v/terraform_${v}_linux_amd64.zip"
curl -fsSL "https://releases.hashicorp.com/terraform/$v/terraform_${v}_SHA256SUMS" | grep linux_amd64.zip | sed 's|terraform_.*zip|/tmp/tf.zip|' | sha256sum -c -
mkdir -p "$(Agent.ToolsDirectory)/terraform" && unzip -qo /tmp/tf.zip -d "$(Agent.ToolsDirectory)/terraform"
echo "##vso[task.prependpath]$(Agent.ToolsDirectory)/terraform"`, in.Settings.TerraformVersion)}
	if terraformOnly {
		return []azStep{tf}
	}
	return []azStep{
		{Task: "GoTool@0", Inputs: map[string]string{"version": in.Settings.GoVersion}},
		{Task: "NodeTool@0", Inputs: map[string]string{"versionSpec": in.Settings.NodeVersion + ".x"}},
		tf,
	}
}

// azAWS runs script with the credentials of an AWS service connection
// (AWS Toolkit for Azure DevOps; configure the connection to use OIDC).
// purpose is config.AzurePullRequest, AzurePlan or AzureDeploy: there is
// one connection per environment, layer (its stack word) and purpose.
func (in Input) azAWS(envName, word, purpose, display, script string) azStep {
	conn := config.AzureDevOpsCI{}.ConnectionName(envName, word, purpose)
	return azStep{Task: "AWSShellScript@1", DisplayName: display, Inputs: map[string]string{
		"awsCredentials": conn, "regionName": in.env(envName).Region,
		"scriptType": "inline", "inlineScript": script,
	}}
}

// azLabels finds the labels of the run's pull request (or, on the
// default branch, of the merged one: Azure Repos titles a merge "Merged
// PR <id>: …") for the policies' allow-destroy.
const azLabels = `pr="$(System.PullRequest.PullRequestId)"
case "$pr" in *System.PullRequest*) pr=$(git log -1 --format=%s | sed -n 's/^Merged PR \([0-9][0-9]*\):.*/\1/p') ;; esac
labels=""
if [ -n "$pr" ]; then
  labels=$(curl -fsS -H "Authorization: Bearer $SYSTEM_ACCESSTOKEN" \
    "$(System.CollectionUri)$(System.TeamProject)/_apis/git/repositories/$(Build.Repository.ID)/pullRequests/$pr/labels?api-version=7.1" \
    | jq -r '[.value[]?.name] | join(",")' || true)
fi
echo "##vso[task.setvariable variable=LABELS;isOutput=true]$labels"
`

// Azure returns azure-pipelines.yml.
func Azure(in Input) []byte {
	return marshal(azPipeline(in, MustLayout(in, AzurePlatform)))
}

// azKeys builds stratum and restores the synthesis cache under the keys
// stratum synth-plan prints. Cache@2 splits a key into segments at "|"
// and matches a restore key segment by segment (the agent appends a
// wildcard segment to it), not as a string prefix, so the key is given as
// three segments: the format (cache-restore-any without its final
// hyphen), the code (what cache-restore-code adds to it) and the plan
// (what cache-key adds to that); the restore keys are its first two and
// its first segment. Each is quoted: an unquoted segment with a dot is
// read as a file to hash.
//
// Cache@2 saves its path after a successful job unless a cache of the
// exact key exists (caches are immutable), and fails that post-job step
// when the path is missing. Only the merging job (save) saves under the
// synthesis's key, with every shard's stacks; a shard job (save false)
// restores the same way but its key is its own run's and job's, under
// another first segment that no restore key names, and it saves an empty
// directory there.
func (in Input) azKeys(save bool) []azStep {
	key := `"$(CACHE_FORMAT)" | "$(CACHE_CODE)" | "$(CACHE_PLAN)"`
	if !save {
		key = `"$(CACHE_FORMAT)-shard" | "$(Build.BuildId)" | "$(System.JobPositionInPhase)" | "$(System.JobAttempt)"`
	}
	return []azStep{
		{DisplayName: "stratum, and the synthesis cache's keys", Script: "set -euo pipefail\n" + buildScript +
			`plan=$(./stratum synth-plan | tee /dev/stderr)
key=$(sed -n 's/^cache-key=//p' <<<"$plan")
code=$(sed -n 's/^cache-restore-code=//p' <<<"$plan")
any=$(sed -n 's/^cache-restore-any=//p' <<<"$plan")
case "$key" in "$code"?*) ;; *) echo "synth-plan: cache-key $key does not extend cache-restore-code $code" >&2; exit 1 ;; esac
case "$code" in "$any"?*-) ;; *) echo "synth-plan: cache-restore-code $code does not extend cache-restore-any $any" >&2; exit 1 ;; esac
code=${code#"$any"}
echo "##vso[task.setvariable variable=CACHE_FORMAT]${any%-}"
echo "##vso[task.setvariable variable=CACHE_CODE]${code%-}"
echo "##vso[task.setvariable variable=CACHE_PLAN]${key#"$any$code"}"
`},
		{Task: "Cache@2", DisplayName: "the synthesis cache", Inputs: map[string]string{
			"key": key, "restoreKeys": `"$(CACHE_FORMAT)" | "$(CACHE_CODE)"` + "\n" + `"$(CACHE_FORMAT)"`, "path": ".cache/synth",
		}},
	}
}

// azMerge are the steps of a job assembling cdktf.out from the shards
// (stratum synth-merge, which stores them in the cache the job saves).
func (in Input) azMerge() []azStep {
	steps := append(append([]azStep{{Checkout: "self", FetchDepth: "0"}}, in.azTools(false)...), in.azKeys(true)...)
	return append(steps,
		azStep{Task: "DownloadPipelineArtifact@2", DisplayName: "the shards", Inputs: map[string]string{"patterns": "shard-*/**", "path": "$(Pipeline.Workspace)/shards"}},
		azStep{DisplayName: "stratum synth-merge", Script: mergeScript(`"$(Pipeline.Workspace)"/shards/shard-*`)})
}

// azBatchSteps are the first steps of a job running a batch: the
// synthesis, stratum and the run's batches, Terraform.
func (in Input) azBatchSteps(artifact string) []azStep {
	return append([]azStep{{Checkout: "self"},
		{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": artifact, "path": "cdktf.out"}},
		{DisplayName: "stratum and the selection", Script: "cp cdktf.out/stratum cdktf.out/batches.json . && (cp cdktf.out/changed.json . 2>/dev/null || true) && chmod +x stratum"}},
		in.azTools(true)...)
}

// azSummary publishes a batch's results as the job's summary.
var azSummary = azStep{DisplayName: "The results in the summary", Condition: "succeededOrFailed()", Script: `test -f "$(Agent.TempDirectory)/summary.md" && echo "##vso[task.uploadsummary]$(Agent.TempDirectory)/summary.md" || true`}

// azPipeline is azure-pipelines.yml with the batches of l.
func azPipeline(in Input, l *Layout) AzurePipeline {
	p := AzurePipeline{
		Trigger:      &azTrigger{Batch: false, Branches: azIncludes{Include: []string{"main"}}},
		PR:           &azTrigger{Branches: azIncludes{Include: []string{"main"}}},
		Schedules:    []azSchedule{{Cron: in.Settings.DriftSchedule, DisplayName: "drift check", Branches: azIncludes{Include: []string{"main"}}, Always: true}},
		LockBehavior: "sequential",
		Variables:    []azVariable{{Name: "TF_IN_AUTOMATION", Value: "1"}, {Name: "CHECKPOINT_DISABLE", Value: "1"}},
	}
	p.Stages = append(p.Stages, azStage{
		Stage: "test", DisplayName: "make test", DependsOn: []string{}, Condition: azNotScheduled,
		Jobs: []azJob{
			{Job: "test", Pool: in.azHosted(), Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
				azStep{DisplayName: "make test (snapshot diffs are in this log)", Script: "make test"})},
			{Job: "scan", DisplayName: "trivy misconfiguration scan", Condition: "eq(variables['Build.Reason'], 'PullRequest')", Pool: in.azHosted(),
				Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
					azStep{DisplayName: "trivy " + in.Settings.TrivyVersion, Script: trivyInstall(in.Settings.TrivyVersion, "$(Agent.ToolsDirectory)", "") + "echo \"##vso[task.prependpath]$(Agent.ToolsDirectory)\"\n"},
					azStep{DisplayName: "make hcl", Script: "make hcl"},
					azStep{DisplayName: "trivy config, judged against " + ScanIgnoreFile, Script: scanScript()})},
		},
	})
	// The synthesis, one shard per agent, for every run: the selection
	// and the drift check both merge it. Only the merging jobs save the
	// cache (azKeys).
	k := in.shardCount(AzureMaxParallel)
	shard := azJob{Job: "shard", DisplayName: fmt.Sprintf("synthesize a shard of %d", k), Pool: in.azHosted(),
		Steps: append(append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...), in.azKeys(false)...),
			azStep{DisplayName: "stratum synth-shard", Script: `set -euo pipefail
i=${SYSTEM_JOBPOSITIONINPHASE:-1}
echo "##vso[task.setvariable variable=SHARD]$i"
` + shardScript("$i", fmt.Sprint(k))},
			azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "shard-$(SHARD)", "artifact": "shard-$(SHARD)"}},
			azStep{DisplayName: "only the merge saves the synthesis cache: this job saves an empty directory under its own key", Script: "rm -rf .cache/synth && mkdir -p .cache/synth"})}
	if k > 1 {
		shard.Strategy = &azStrategy{Parallel: k}
	}
	p.Stages = append(p.Stages, azStage{Stage: "synth", DisplayName: "synthesize", DependsOn: []string{}, Jobs: []azJob{shard}})
	// Pull requests compare with their merge base; the default branch
	// with what was last applied to each stack (the records of every
	// environment, read through its foundation plan connection).
	steps := in.azMerge()
	for _, name := range in.Settings.EnvironmentOrder {
		if _, err := config.Get(in.Envs, name); err != nil {
			continue
		}
		st := in.azAWS(name, layerWord("foundation-"+name), config.AzurePlan, "the applied records of "+name, recordsScript(name))
		st.Condition = "ne(variables['Build.Reason'], 'PullRequest')"
		steps = append(steps, st)
	}
	steps = append(steps,
		azStep{Name: "labels", DisplayName: "the pull request's labels", Env: map[string]string{"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}, Script: azLabels},
		azStep{Name: "select", DisplayName: "stratum changed, in batches", Script: `set -euo pipefail
if [ "$(Build.Reason)" = PullRequest ]; then
  git fetch --no-tags origin "$(System.PullRequest.TargetBranch)"
  BASE_FLAGS="-base $(git merge-base HEAD FETCH_HEAD)"
else
  BASE_FLAGS="-applied applied"
fi
` + changedScript("$BASE_FLAGS") + `batches=$(./stratum batch select -platform azure -changed changed.json -layout ` + l.Digest() + ` -format keys)
echo "##vso[task.setvariable variable=BATCHES;isOutput=true]$batches"
cp changed.json batches.json stratum cdktf.out/
for stack in $(jq -r '.manual[]' changed.json); do
  env=${stack#bootstrap-}
  echo "##vso[task.logissue type=warning]$stack is applied by hand (docs/backend-strategy.md): npx cdktf deploy $stack && go run . applied record -env $env -stack $stack"
done
if [ "$(Build.Reason)" != PullRequest ] && [ "$(jq '.pending | length' changed.json)" != 0 ]; then
  echo "##vso[task.logissue type=error]stop the line: $(jq -r '.pending | join(", ")' changed.json) changed and must be applied by hand and recorded; their environments' stacks wait"
  echo "##vso[task.complete result=SucceededWithIssues;]"
fi`},
		azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out", "artifact": "synthesis"}},
	)
	p.Stages = append(p.Stages, azStage{
		Stage: "changed", DisplayName: "Select changed stacks", DependsOn: []string{"test", "synth"}, Condition: "and(succeeded(), " + azNotScheduled + ")",
		Jobs: []azJob{{Job: "changed", Pool: in.azHosted(), Steps: steps}},
	})
	prev := "changed"
	for i, b := range l.Batches {
		if i > 0 && l.Batches[i-1].Environment == b.Environment && l.Batches[i-1].Level == b.Level {
			continue // one plan and one apply stage per environment and level
		}
		key := fmt.Sprintf("%s_%d", b.Environment, b.Level)
		// Plans and applies are separate stages: Azure evaluates an
		// environment's checks (prod's approval) when the stage using it
		// starts, so the approval comes after the plans it approves.
		plan := azStage{
			Stage: key + "_plan", DisplayName: fmt.Sprintf("%s level %d: plan", b.Environment, b.Level),
			DependsOn: uniq([]string{"changed", prev}),
			Condition: "and(not(failed()), not(canceled()), " + azNotScheduled + ")",
		}
		apply := azStage{
			Stage: key + "_apply", DisplayName: fmt.Sprintf("%s level %d: apply the reviewed plans", b.Environment, b.Level),
			DependsOn: []string{"changed", plan.Stage},
			Condition: "and(not(failed()), not(canceled()), " + azNotScheduled + ", ne(variables['Build.Reason'], 'PullRequest'))",
		}
		for _, bb := range l.Batches[i:] {
			if bb.Environment != b.Environment || bb.Level != b.Level {
				break
			}
			if in.env(bb.Environment).PullRequestPlanPolicy() != config.PlansNever {
				plan.Jobs = append(plan.Jobs, in.azPlanJob(bb, true))
			}
			plan.Jobs = append(plan.Jobs, in.azPlanJob(bb, false))
			apply.Jobs = append(apply.Jobs, in.azApplyJob(bb, plan.Stage))
		}
		p.Stages = append(p.Stages, plan, apply)
		prev = apply.Stage
	}
	drift := azStage{Stage: "drift", DisplayName: "drift check", DependsOn: []string{"synth"}, Condition: "eq(variables['Build.Reason'], 'Schedule')"}
	drift.Jobs = append(drift.Jobs, azJob{Job: "merge", Pool: in.azHosted(), Steps: append(in.azMerge(),
		azStep{DisplayName: "every stack, in batches", Script: "./stratum batch select -platform azure -all -layout " + l.Digest() + "\ncp batches.json stratum cdktf.out/\n"},
		azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out", "artifact": "drift-synthesis"}})})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	drift.Jobs = append(drift.Jobs, azJob{Job: "support", DisplayName: "Versions in AWS standard support", Pool: in.azHosted(),
		Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
			azStep{DisplayName: "stratum support", Script: supportScript(in.Settings.SupportWindow, "")})})
	var driftJobs []string
	for _, b := range l.Batches {
		driftJobs = append(driftJobs, "drift_"+b.Key)
		drift.Jobs = append(drift.Jobs, azJob{
			Job: "drift_" + b.Key, DisplayName: "drift " + b.Key, DependsOn: []string{"merge"},
			Pool: in.azPool(b.Environment, config.RunnerDeploy, b.Runner), Variables: map[string]string{"BATCH": b.Key},
			Steps: append(in.azBatchSteps("drift-synthesis"),
				in.azAWS(b.Environment, b.Layer, config.AzurePlan, "terraform plan -detailed-exitcode of each stack of the batch", batchRunScript(KindDrift, "$BATCH", "$(Agent.TempDirectory)/summary.md")),
				azSummary,
				azStep{Task: "PublishPipelineArtifact@1", Condition: "always()", Inputs: map[string]string{"targetPath": "drift", "artifact": "drift-" + b.Key}}),
		})
	}
	// The report names the drifted stacks and addresses and fails with
	// stratum drift's code: 2 drift, 1 a plan failed.
	drift.Jobs = append(drift.Jobs, azJob{Job: "report", DisplayName: "Drift report", DependsOn: append([]string{"merge"}, driftJobs...), Condition: "always()", Pool: in.azHosted(),
		Steps: []azStep{{Checkout: "none"},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "drift-synthesis", "path": "cdktf.out"}},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"patterns": "drift-*/*.json", "path": "$(Agent.TempDirectory)/drift"}},
			{DisplayName: "stratum drift", Script: `set -euo pipefail
mkdir -p drift && find "$(Agent.TempDirectory)/drift" -name '*.json' -exec cp {} drift/ \;
chmod +x cdktf.out/stratum
code=0
cdktf.out/stratum drift -dir drift -out cdktf.out -markdown > "$(Agent.TempDirectory)/drift.md" || code=$?
echo "##vso[task.uploadsummary]$(Agent.TempDirectory)/drift.md"
cdktf.out/stratum drift -dir drift -out cdktf.out || true
exit "$code"`}}})
	p.Stages = append(p.Stages, drift)
	return p
}

// azPlanJob plans a batch's selected stacks and runs the policies on
// each plan: in pull requests through the layer's pull-request
// connection (pullRequest), else through its plan connection, publishing
// the digest of the plans' digests as an output variable the apply
// stage checks.
func (in Input) azPlanJob(b Batch, pullRequest bool) azJob {
	id, reason, purpose, kind := "plan_"+b.Key, "ne", config.AzurePlan, KindPlan
	if pullRequest {
		id, reason, purpose, kind = "pr_plan_"+b.Key, "eq", config.AzurePullRequest, KindPullRequestPlan
	}
	runner := config.RunnerDeploy
	// A pull request's plan keeps only the `terraform show` text
	// (sensitive values masked); the default branch's keeps the saved
	// plans for its apply job, sealed where the environment has a state key.
	last := []azStep{
		{Name: "digest", DisplayName: "The digest of the batch's plan digests", Script: "echo \"##vso[task.setvariable variable=BATCH_SHA256;isOutput=true]$(sha256sum plans/" + DigestsFile + " | cut -d' ' -f1)\""},
		{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "plans", "artifact": "plan-" + b.Key}},
	}
	if pullRequest {
		runner = config.RunnerPullRequest
		last = []azStep{{Task: "PublishPipelineArtifact@1", Condition: "succeededOrFailed()", Inputs: map[string]string{"targetPath": "plans", "artifact": "pr-plan-" + b.Key}}}
	}
	plan := in.azAWS(b.Environment, b.Layer, purpose, "terraform plan of each stack of the batch, then the policies on it", batchRunScript(kind, "$BATCH", "$(Agent.TempDirectory)/summary.md"))
	plan.Env = map[string]string{"LABELS": "$(LABELS)"}
	return azJob{
		Job: id, DisplayName: "plan " + b.Key,
		Condition: "and(succeeded(), " + reason + "(variables['Build.Reason'], 'PullRequest'), contains(" + azSelected + ", ' " + b.Key + " '))",
		Pool:      in.azPool(b.Environment, runner, b.Runner),
		Variables: map[string]string{"BATCH": b.Key, "LABELS": "$[ stageDependencies.changed.changed.outputs['labels.LABELS'] ]"},
		Steps:     append(append(in.azBatchSteps("synthesis"), plan, azSummary), last...),
	}
}

// azApplyJob applies the reviewed plans of batch b (planned in stage
// planStage, their digests checked) and records them: a deployment job
// of the environment, whose approvals, branch control and exclusive lock
// are checks on it (docs/cicd-integration.md).
func (in Input) azApplyJob(b Batch, planStage string) azJob {
	return azJob{
		Deployment: "apply_" + b.Key, DisplayName: "apply " + b.Key,
		Condition:      "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), eq(variables['Build.SourceBranch'], 'refs/heads/main'), contains(" + azSelected + ", ' " + b.Key + " '))",
		Environment:    b.Environment,
		Pool:           in.azPool(b.Environment, config.RunnerDeploy, b.Runner),
		TimeoutMinutes: 300,
		Variables: map[string]string{
			"BATCH": b.Key, "STRATUM_COMMIT": "$(Build.SourceVersion)",
			"BATCH_SHA256": "$[ stageDependencies." + planStage + ".plan_" + b.Key + ".outputs['digest.BATCH_SHA256'] ]",
		},
		Strategy: &azStrategy{RunOnce: &azRunOnce{Deploy: azDeploy{Steps: append(append([]azStep{{Download: "none"}}, in.azBatchSteps("synthesis")...),
			azStep{Task: "DownloadPipelineArtifact@2", DisplayName: "The reviewed plans", Inputs: map[string]string{"artifact": "plan-" + b.Key, "path": "plans"}},
			in.azAWS(b.Environment, b.Layer, config.AzureDeploy, "terraform apply of each reviewed plan (their digests checked; a stale plan fails: start a new run), then record it", batchRunScript(KindApply, "$BATCH", "$(Agent.TempDirectory)/summary.md")),
			azSummary)}}},
	}
}

func uniq(in []string) []string {
	var out []string
	for _, s := range in {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
