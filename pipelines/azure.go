package pipelines

import (
	"fmt"
	"stratum/config"
	"strings"

	"stratum/stackgraph"
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
	azStrategy struct {
		RunOnce *azRunOnce `yaml:"runOnce"`
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
	azSelected     = "stageDependencies.changed.changed.outputs['select.STACKS']"
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
// one connection per environment, layer and purpose.
func (in Input) azAWS(envName, stack, purpose, display, script string) azStep {
	conn := config.AzureDevOpsCI{}.ConnectionName(envName, layerWord(stack), purpose)
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
	// Pull requests compare with their merge base; the default branch
	// with what was last applied to each stack (the records of every
	// environment, read through its foundation plan connection).
	steps := append(append([]azStep{{Checkout: "self", FetchDepth: "0"}}, in.azTools(false)...),
		azStep{DisplayName: "make synth", Script: "make synth"})
	for _, name := range in.Settings.EnvironmentOrder {
		if _, err := config.Get(in.Envs, name); err != nil {
			continue
		}
		st := in.azAWS(name, "foundation-"+name, config.AzurePlan, "the applied records of "+name, "go run . applied fetch -env "+name+" -out applied\n")
		st.Condition = "ne(variables['Build.Reason'], 'PullRequest')"
		steps = append(steps, st)
	}
	steps = append(steps,
		azStep{Name: "labels", DisplayName: "the pull request's labels", Env: map[string]string{"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}, Script: azLabels},
		azStep{Name: "select", DisplayName: "stratum changed", Script: `set -euo pipefail
if [ "$(Build.Reason)" = PullRequest ]; then
  git fetch --no-tags origin "$(System.PullRequest.TargetBranch)"
  BASE_FLAGS="-base $(git merge-base HEAD FETCH_HEAD)"
else
  BASE_FLAGS="-applied applied"
fi
` + changedScript("$BASE_FLAGS") + `cp changed.json stratum cdktf.out/
echo "##vso[task.setvariable variable=STACKS;isOutput=true] $(jq -r '[.groups[][]] | join(" ")' changed.json) "
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
		Stage: "changed", DisplayName: "Select changed stacks", DependsOn: []string{"test"}, Condition: "and(succeeded(), " + azNotScheduled + ")",
		Jobs: []azJob{{Job: "changed", Pool: in.azHosted(), Steps: steps}},
	})
	prev := "changed"
	groups := in.groups()
	for i, gr := range groups {
		if i > 0 && groups[i-1].Environment == gr.Environment && groups[i-1].Level == gr.Level {
			continue // one plan and one apply stage per environment and level
		}
		key := fmt.Sprintf("%s_%d", gr.Environment, gr.Level)
		// Plans and applies are separate stages: Azure evaluates an
		// environment's checks (prod's approval) when the stage using it
		// starts, so the approval comes after the plan it approves.
		plan := azStage{
			Stage: key + "_plan", DisplayName: fmt.Sprintf("%s level %d: plan", gr.Environment, gr.Level),
			DependsOn: uniq([]string{"changed", prev}),
			Condition: "and(not(failed()), not(canceled()), " + azNotScheduled + ")",
		}
		apply := azStage{
			Stage: key + "_apply", DisplayName: fmt.Sprintf("%s level %d: apply the reviewed plan", gr.Environment, gr.Level),
			DependsOn: []string{"changed", plan.Stage},
			Condition: "and(not(failed()), not(canceled()), " + azNotScheduled + ", ne(variables['Build.Reason'], 'PullRequest'))",
		}
		for _, g := range groups[i:] {
			if g.Environment != gr.Environment || g.Level != gr.Level {
				break
			}
			for _, s := range g.Stacks {
				if in.env(g.Environment).PullRequestPlanPolicy() != config.PlansNever {
					plan.Jobs = append(plan.Jobs, in.azPlanJob(g, s, true))
				}
				plan.Jobs = append(plan.Jobs, in.azPlanJob(g, s, false))
				apply.Jobs = append(apply.Jobs, in.azApplyJob(g, s, plan.Stage))
			}
		}
		p.Stages = append(p.Stages, plan, apply)
		prev = apply.Stage
	}
	drift := azStage{Stage: "drift", DisplayName: "drift check", DependsOn: []string{}, Condition: "eq(variables['Build.Reason'], 'Schedule')"}
	drift.Jobs = append(drift.Jobs, azJob{Job: "synth", Pool: in.azHosted(), Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
		azStep{Script: "make synth\nCGO_ENABLED=0 go build -trimpath -o cdktf.out/stratum .", DisplayName: "make synth"},
		azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out", "artifact": "drift-synthesis"}})})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	drift.Jobs = append(drift.Jobs, azJob{Job: "support", DisplayName: "Versions in AWS standard support", Pool: in.azHosted(),
		Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
			azStep{DisplayName: "stratum support", Script: supportScript(in.Settings.SupportWindow, "")})})
	var driftJobs []string
	for _, gr := range groups {
		for _, s := range gr.Stacks {
			driftJobs = append(driftJobs, jobID("drift", s))
			drift.Jobs = append(drift.Jobs, azJob{
				Job: jobID("drift", s), DisplayName: "drift " + s, DependsOn: []string{"synth"},
				Pool: in.azPool(gr.Environment, config.RunnerDeploy, gr.Runner), Variables: map[string]string{"STACK": s},
				Steps: append(append([]azStep{{Checkout: "self"},
					{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "drift-synthesis", "path": "cdktf.out"}}},
					in.azTools(true)...),
					in.azAWS(gr.Environment, s, config.AzurePlan, "terraform plan -detailed-exitcode", planScript(driftPlan)),
					azStep{Task: "PublishPipelineArtifact@1", Condition: "always()", Inputs: map[string]string{"targetPath": "drift", "artifact": "drift-" + s}}),
			})
		}
	}
	// The report names the drifted stacks and addresses and fails with
	// stratum drift's code: 2 drift, 1 a plan failed.
	drift.Jobs = append(drift.Jobs, azJob{Job: "report", DisplayName: "Drift report", DependsOn: append([]string{"synth"}, driftJobs...), Condition: "always()", Pool: in.azHosted(),
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
	return marshal(p)
}

// azPlanJob plans one stack and runs the policies on its plan: in pull
// requests through the layer's pull-request connection (pullRequest),
// else through its plan connection, publishing the plan's digest as an
// output variable the apply stage checks.
func (in Input) azPlanJob(gr stackgraph.Group, s string, pullRequest bool) azJob {
	id, reason, purpose, kind := jobID("plan", s), "ne", config.AzurePlan, applyPlan
	if pullRequest {
		id, reason, purpose, kind = jobID("pr_plan", s), "eq", config.AzurePullRequest, prPlan
	}
	env := in.env(gr.Environment)
	runner := config.RunnerDeploy
	// A pull request's plan keeps only the `terraform show` text
	// (sensitive values masked); the default branch's keeps the saved
	// plan for its apply job, sealed where the environment has a state key.
	publish := azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out/stacks/" + s + "/plan.txt", "artifact": "pr-plan-" + s}}
	keep := azStep{Name: "digest", DisplayName: "Keep the saved plan", Script: "set -euo pipefail\ncd \"cdktf.out/stacks/$(STACK)\"\n" +
		"echo \"##vso[task.setvariable variable=TFPLAN_SHA256;isOutput=true]$(cat tfplan.sha256)\"\n" + sealScript(env) +
		"mkdir -p \"$(Agent.TempDirectory)/plan\"\ncp " + strings.Join(append(savedPlanFiles(env), "plan.txt"), " ") + " \"$(Agent.TempDirectory)/plan/\"\n"}
	last := []azStep{keep, {Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "$(Agent.TempDirectory)/plan", "artifact": "plan-" + s}}}
	if pullRequest {
		runner, last = config.RunnerPullRequest, []azStep{publish}
	}
	plan := in.azAWS(gr.Environment, s, purpose, "terraform plan, then the policies on it", planScript(kind))
	plan.Env = map[string]string{"LABELS": "$(LABELS)"}
	return azJob{
		Job: id, DisplayName: "plan " + s,
		Condition: "and(succeeded(), " + reason + "(variables['Build.Reason'], 'PullRequest'), contains(" + azSelected + ", ' " + s + " '))",
		Pool:      in.azPool(gr.Environment, runner, gr.Runner),
		Variables: map[string]string{"STACK": s, "LABELS": "$[ stageDependencies.changed.changed.outputs['labels.LABELS'] ]"},
		Steps: append(append(append([]azStep{{Checkout: "self"},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "synthesis", "path": "cdktf.out"}},
			{DisplayName: "stratum and the selection", Script: "cp cdktf.out/stratum cdktf.out/changed.json . && chmod +x stratum"}},
			in.azTools(true)...),
			plan,
			azStep{DisplayName: "Plan in the summary", Script: `cp "cdktf.out/stacks/$(STACK)/plan.txt" "$(Agent.TempDirectory)/$(STACK).md"
echo "##vso[task.uploadsummary]$(Agent.TempDirectory)/$(STACK).md"`}),
			last...,
		),
	}
}

// azApplyJob applies the reviewed plan of s (planned in stage planStage,
// its digest checked) and records it: a deployment job of the
// environment, whose approvals, branch control and exclusive lock are
// checks on it (docs/cicd-integration.md).
func (in Input) azApplyJob(gr stackgraph.Group, s, planStage string) azJob {
	return azJob{
		Deployment: jobID("apply", s), DisplayName: "apply " + s,
		Condition:      "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), eq(variables['Build.SourceBranch'], 'refs/heads/main'), contains(" + azSelected + ", ' " + s + " '))",
		Environment:    gr.Environment,
		Pool:           in.azPool(gr.Environment, config.RunnerDeploy, gr.Runner),
		TimeoutMinutes: 120,
		Variables: map[string]string{
			"STACK": s, "STRATUM_COMMIT": "$(Build.SourceVersion)",
			"TFPLAN_SHA256": "$[ stageDependencies." + planStage + "." + jobID("plan", s) + ".outputs['digest.TFPLAN_SHA256'] ]",
		},
		Strategy: &azStrategy{RunOnce: &azRunOnce{Deploy: azDeploy{Steps: append(append([]azStep{{Checkout: "self"},
			{Download: "none"},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "synthesis", "path": "cdktf.out"}},
			{DisplayName: "the selection", Script: "cp cdktf.out/changed.json ."},
			{Task: "DownloadPipelineArtifact@2", DisplayName: "The reviewed plan", Inputs: map[string]string{"artifact": "plan-" + s, "path": "cdktf.out/stacks/" + s}}},
			in.azTools(true)...),
			in.azAWS(gr.Environment, s, config.AzureDeploy, "terraform apply of the reviewed plan (its digest checked; a stale plan fails: start a new run), then record it", applyScript(in.env(gr.Environment))))}}},
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
