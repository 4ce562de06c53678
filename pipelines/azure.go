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
		Jobs: []azJob{{Job: "test", Pool: in.azHosted(), Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
			azStep{DisplayName: "make test (snapshot diffs are in this log)", Script: "make test"})}},
	})
	p.Stages = append(p.Stages, azStage{
		Stage: "changed", DisplayName: "Select changed stacks", DependsOn: []string{"test"}, Condition: "and(succeeded(), " + azNotScheduled + ")",
		Jobs: []azJob{{Job: "changed", Pool: in.azHosted(), Steps: append(append([]azStep{{Checkout: "self", FetchDepth: "0"}}, in.azTools(false)...),
			azStep{DisplayName: "make synth", Script: "make synth"},
			azStep{Name: "select", DisplayName: "stratum changed", Env: map[string]string{"SYSTEM_ACCESSTOKEN": "$(System.AccessToken)"}, Script: `set -euo pipefail
if [ "$(Build.Reason)" = PullRequest ]; then
  git fetch --no-tags origin "$(System.PullRequest.TargetBranch)"
  base=$(git merge-base HEAD FETCH_HEAD)
else
  # The last successful run of this pipeline on main: a failed run's
  # changes are selected again.
  base=$(curl -fsS -H "Authorization: Bearer $SYSTEM_ACCESSTOKEN" \
    "$(System.CollectionUri)$(System.TeamProject)/_apis/build/builds?definitions=$(System.DefinitionId)&branchName=refs/heads/main&resultFilter=succeeded&statusFilter=completed&%24top=1&api-version=7.1" \
    | jq -r '.value[0].sourceVersion // empty')
  if [ -z "$base" ] || ! git cat-file -e "$base^{commit}" 2>/dev/null; then base=$(git rev-parse HEAD~1); fi
fi
go run . changed -base "$base" -head-out cdktf.out
go run . changed -base "$base" -head-out cdktf.out -json > changed.json
cp changed.json cdktf.out/
echo "##vso[task.setvariable variable=STACKS;isOutput=true] $(jq -r '[.stacks[] | select(.manual | not) | .name] | join(" ")' changed.json) "
manual=$(jq -r '.manual | join(", ")' changed.json)
if [ -n "$manual" ]; then echo "##vso[task.logissue type=warning]apply by hand (docs/backend-strategy.md): $manual"; fi`},
			azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out", "artifact": "synthesis"}},
		)}},
	})
	prev := "changed"
	groups := in.groups()
	for i, gr := range groups {
		if i > 0 && groups[i-1].Environment == gr.Environment && groups[i-1].Level == gr.Level {
			continue // one stage per environment and level
		}
		stage := azStage{
			Stage: fmt.Sprintf("%s_%d", gr.Environment, gr.Level), DisplayName: fmt.Sprintf("%s level %d", gr.Environment, gr.Level),
			DependsOn: uniq([]string{"changed", prev}),
			Condition: "and(not(failed()), not(canceled()), " + azNotScheduled + ")",
		}
		for _, g := range groups[i:] {
			if g.Environment != gr.Environment || g.Level != gr.Level {
				break
			}
			for _, s := range g.Stacks {
				if in.env(g.Environment).PullRequestPlanPolicy() != config.PlansNever {
					stage.Jobs = append(stage.Jobs, in.azPlanJob(g, s, true))
				}
				stage.Jobs = append(stage.Jobs, in.azPlanJob(g, s, false), in.azApplyJob(g, s))
			}
		}
		p.Stages = append(p.Stages, stage)
		prev = stage.Stage
	}
	drift := azStage{Stage: "drift", DisplayName: "drift check", DependsOn: []string{}, Condition: "eq(variables['Build.Reason'], 'Schedule')"}
	drift.Jobs = append(drift.Jobs, azJob{Job: "synth", Pool: in.azHosted(), Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
		azStep{Script: "make synth", DisplayName: "make synth"},
		azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out", "artifact": "drift-synthesis"}})})
	// Fails when a configured version leaves AWS standard support within
	// the window; needs no AWS credentials.
	drift.Jobs = append(drift.Jobs, azJob{Job: "support", DisplayName: "Versions in AWS standard support", Pool: in.azHosted(),
		Steps: append(append([]azStep{{Checkout: "self"}}, in.azTools(false)...),
			azStep{DisplayName: "stratum support", Script: supportScript(in.Settings.SupportWindow, "")})})
	for _, gr := range groups {
		for _, s := range gr.Stacks {
			// Exit code 2 (drift) fails the job: the failed jobs of the run
			// are the drifted stacks.
			drift.Jobs = append(drift.Jobs, azJob{
				Job: jobID("drift", s), DisplayName: "drift " + s, DependsOn: []string{"synth"},
				Pool: in.azPool(gr.Environment, config.RunnerDeploy, gr.Runner), Variables: map[string]string{"STACK": s},
				Steps: append(append([]azStep{{Checkout: "self"},
					{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "drift-synthesis", "path": "cdktf.out"}}},
					in.azTools(true)...),
					in.azAWS(gr.Environment, s, config.AzurePlan, "terraform plan -detailed-exitcode", planScript(true))),
			})
		}
	}
	p.Stages = append(p.Stages, drift)
	return marshal(p)
}

// azPlanJob plans one stack: in pull requests through the layer's
// pull-request connection (pullRequest), else through its plan connection.
func (in Input) azPlanJob(gr stackgraph.Group, s string, pullRequest bool) azJob {
	id, reason, purpose := jobID("plan", s), "ne", config.AzurePlan
	if pullRequest {
		id, reason, purpose = jobID("pr_plan", s), "eq", config.AzurePullRequest
	}
	env := in.env(gr.Environment)
	runner := config.RunnerDeploy
	// A pull request's plan keeps only the `terraform show` text
	// (sensitive values masked); the default branch's keeps the saved
	// plan for its apply job, sealed where the environment has a state key.
	publish := azStep{Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "cdktf.out/stacks/" + s + "/plan.txt", "artifact": "pr-plan-" + s}}
	keep := azStep{DisplayName: "Keep the saved plan", Script: "set -euo pipefail\ncd \"cdktf.out/stacks/$(STACK)\"\n" + sealScript(env) +
		"mkdir -p \"$(Agent.TempDirectory)/plan\"\ncp " + strings.Join(append(savedPlanFiles(env), "plan.txt"), " ") + " \"$(Agent.TempDirectory)/plan/\"\n"}
	last := []azStep{keep, {Task: "PublishPipelineArtifact@1", Inputs: map[string]string{"targetPath": "$(Agent.TempDirectory)/plan", "artifact": "plan-" + s}}}
	if pullRequest {
		runner, last = config.RunnerPullRequest, []azStep{publish}
	}
	return azJob{
		Job: id, DisplayName: "plan " + s,
		Condition: "and(succeeded(), " + reason + "(variables['Build.Reason'], 'PullRequest'), contains(" + azSelected + ", ' " + s + " '))",
		Pool:      in.azPool(gr.Environment, runner, gr.Runner), Variables: map[string]string{"STACK": s},
		Steps: append(append(append([]azStep{{Checkout: "self"},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "synthesis", "path": "cdktf.out"}}},
			in.azTools(true)...),
			in.azAWS(gr.Environment, s, purpose, "terraform plan", planScript(false)),
			azStep{DisplayName: "Plan in the summary", Script: `cp "cdktf.out/stacks/$(STACK)/plan.txt" "$(Agent.TempDirectory)/$(STACK).md"
echo "##vso[task.uploadsummary]$(Agent.TempDirectory)/$(STACK).md"`}),
			last...,
		),
	}
}

func (in Input) azApplyJob(gr stackgraph.Group, s string) azJob {
	return azJob{
		Deployment: jobID("apply", s), DisplayName: "apply " + s,
		DependsOn: []string{jobID("plan", s)},
		// Approvals, branch control and an exclusive lock are checks on
		// the environment (docs/cicd-integration.md).
		Condition:      "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'), eq(variables['Build.SourceBranch'], 'refs/heads/main'))",
		Environment:    gr.Environment,
		Pool:           in.azPool(gr.Environment, config.RunnerDeploy, gr.Runner),
		TimeoutMinutes: 120,
		Variables:      map[string]string{"STACK": s},
		Strategy: &azStrategy{RunOnce: &azRunOnce{Deploy: azDeploy{Steps: append(append([]azStep{{Checkout: "self"},
			{Download: "none"},
			{Task: "DownloadPipelineArtifact@2", Inputs: map[string]string{"artifact": "synthesis", "path": "cdktf.out"}},
			{Task: "DownloadPipelineArtifact@2", DisplayName: "The reviewed plan", Inputs: map[string]string{"artifact": "plan-" + s, "path": "cdktf.out/stacks/" + s}}},
			in.azTools(true)...),
			in.azAWS(gr.Environment, s, config.AzureDeploy, "terraform apply (fails if the state moved since the plan)", applyScript(in.env(gr.Environment))))}}},
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
