package config

// Pipelines configures the CI/CD pipelines `stratum generate` writes (see
// docs/cicd-integration.md). Edit the values here and run `make generate`.
type Pipelines struct {
	// GitHubHostedRunner runs the jobs that need only the AWS APIs.
	GitHubHostedRunner string
	// GitHubPrivateRunner are the labels of the self-hosted runners inside
	// the VPC (or behind the VPN) that run the stacks which talk to the
	// cluster's private API (services-*, client-*); each job adds the
	// label of its environment and purpose (RunnerLabel), so a pull
	// request never runs where an apply or another environment does.
	GitHubPrivateRunner []string
	// GitLabPrivateTags are the tags of those runners in GitLab; every
	// job that gets AWS credentials also carries RunnerLabel as a tag.
	GitLabPrivateTags []string
	// GitLabImage is the container image of the GitLab jobs; the jobs
	// install Node.js, Terraform and the AWS CLI into it.
	GitLabImage string
	// AzureHostedImage is the Microsoft-hosted agent image.
	AzureHostedImage string
	// AzurePrivatePool is the start of the names of the self-hosted agent
	// pools inside the VPC: one pool per environment and purpose,
	// <AzurePrivatePool>-<env>-<purpose>.
	AzurePrivatePool string
	// TerraformVersion, GoVersion and NodeVersion are the tool versions the
	// jobs install.
	TerraformVersion, GoVersion, NodeVersion string
	// NodeRelease is the exact Node.js release (of NodeVersion's line)
	// GitLab jobs install from nodejs.org, checksum verified: the Go
	// image's Debian ships Node 18, and package.json needs >= 20.
	NodeRelease string
	// TrivyVersion is the trivy release whose misconfiguration scan of
	// the HCL export gates every pull request (its built-in checks, no
	// update at run time), and which `make scan` builds.
	TrivyVersion string
	// DriftSchedule is the cron schedule (UTC) of the drift check and of
	// the support check (`make support`), which run together.
	DriftSchedule string
	// SupportWindow is how early the scheduled support check fails before
	// a configured Kubernetes or PostgreSQL version leaves AWS standard
	// support, as `stratum support -within` takes it (60d, 8w).
	SupportWindow string
	// EnvironmentOrder is the order in which a merge applies the
	// environments: each waits for the previous one.
	EnvironmentOrder []string
	// SavedPlanRetentionDays is how long a saved plan (tfplan) of the
	// apply pipeline is kept: long enough for the approval of its apply,
	// no longer. A saved plan holds the state's values, so pull requests
	// keep none (only `terraform show`, which masks sensitive values), and
	// a production plan leaves its runner only encrypted with the state
	// key (docs/cicd-integration.md, "Saved plans").
	SavedPlanRetentionDays int
	// BatchElements is how much one plan, apply or drift job takes on:
	// the stacks of a level are batched into jobs of about this many
	// resource and data source blocks (each job plans or applies its
	// stacks one after the other), and into fewer, larger jobs where a
	// platform's limits require it (package pipelines, limits.go).
	// Default: 2,000, about 40 client stacks or one environment's
	// foundation, platform and services stacks: a job of a few tens of
	// minutes, and a few tens of jobs for a thousand clients.
	BatchElements int
}

// Runner purposes: pull-request plans run the code of an unreviewed
// change; default-branch plans, drift checks and applies run reviewed
// code with the deploy roles. Each environment's runners serve one.
const (
	RunnerPullRequest = "pull-request"
	RunnerDeploy      = "deploy"
)

// RunnerLabel is the label (GitHub), tag (GitLab) or pool suffix (Azure
// DevOps) of the runners of env for purpose: stratum-<env>-<purpose>.
func RunnerLabel(env, purpose string) string { return Prefix(env) + "-" + purpose }

// PipelineSettings returns the pipelines' configuration.
func PipelineSettings() Pipelines {
	return Pipelines{
		GitHubHostedRunner:  "ubuntu-24.04",
		GitHubPrivateRunner: []string{"self-hosted", "linux", "stratum-private"},
		GitLabPrivateTags:   []string{"stratum-private"},
		GitLabImage:         "golang:1.26-bookworm",
		AzureHostedImage:    "ubuntu-24.04",
		AzurePrivatePool:    "stratum-private",
		TerraformVersion:    "1.11.4",
		GoVersion:           "1.26",
		NodeVersion:         "20",
		NodeRelease:         "20.20.2",
		TrivyVersion:        "v0.74.0",
		DriftSchedule:       "17 5 * * *",
		SupportWindow:       "60d",
		EnvironmentOrder:    []string{"dev", "staging", "prod"},
		// The apply of a prod plan waits for its approval; a plan older
		// than that is stale anyway (Terraform refuses it once the state
		// has moved).
		SavedPlanRetentionDays: 1,
		BatchElements:          2000,
	}
}
