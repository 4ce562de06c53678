package config

// Pipelines configures the CI/CD pipelines `stratum generate` writes (see
// docs/cicd-integration.md). Edit the values here and run `make generate`.
type Pipelines struct {
	// GitHubHostedRunner runs the jobs that need only the AWS APIs.
	GitHubHostedRunner string
	// GitHubPrivateRunner are the labels of the self-hosted runners inside
	// the VPC (or behind the VPN) that run the stacks which talk to the
	// cluster's private API (services-*, client-*).
	GitHubPrivateRunner []string
	// GitLabPrivateTags are the tags of those runners in GitLab.
	GitLabPrivateTags []string
	// GitLabImage is the container image of the GitLab jobs; the jobs
	// install Node.js, Terraform and the AWS CLI into it.
	GitLabImage string
	// AzureHostedImage is the Microsoft-hosted agent image.
	AzureHostedImage string
	// AzurePrivatePool is the self-hosted agent pool inside the VPC.
	AzurePrivatePool string
	// TerraformVersion, GoVersion and NodeVersion are the tool versions the
	// jobs install.
	TerraformVersion, GoVersion, NodeVersion string
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
}

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
		DriftSchedule:       "17 5 * * *",
		SupportWindow:       "60d",
		EnvironmentOrder:    []string{"dev", "staging", "prod"},
	}
}
