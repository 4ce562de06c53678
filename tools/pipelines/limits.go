package pipelines

// The platforms' documented limits that a pipeline of many stacks can
// reach. The generators batch stacks into jobs (batch.go) so that none is
// reached, and TestNoPlatformLimitAtScale checks the pipelines of 1,000
// generated clients against every one of them.

// GitHub Actions.
const (
	// GitHubMaxMatrixJobs: "A job matrix can generate a maximum of 256 jobs
	// per workflow run." (docs.github.com/en/actions/reference/limits,
	// "Job Matrix"; a matrix of more fails to expand and none of its jobs
	// runs).
	GitHubMaxMatrixJobs = 256
	// GitHubMaxWorkflowBytes: "A workflow file larger than 500 KB will not
	// start runs." (docs.github.com/en/actions/reference/limits, "Workflow
	// file size").
	GitHubMaxWorkflowBytes = 500 * 1000
	// GitHubMaxJobOutputBytes: "Outputs can be a maximum of 1 MB per job.
	// The total of all outputs in a workflow run can be a maximum of 50
	// MB. Size is approximated based on UTF-16 encoding."
	// (docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax,
	// jobs.<job_id>.outputs). The jobs' outputs are batch keys and digests,
	// never stack lists, so they stay far below it.
	GitHubMaxJobOutputBytes = 1 << 20
)

// GitLab CI.
const (
	// GitLabMaxNeeds: "The maximum number of jobs that can be defined in
	// needs defaults to 50." (docs.gitlab.com/administration/cicd/limits,
	// "Set the needs job limit"; GitLab.com keeps the default). A child
	// pipeline's job needs the parent's changed job and every job of the
	// level before its own.
	GitLabMaxNeeds = 50
	// GitLabMaxPipelineJobs: "Maximum jobs in a single pipeline: 500 for
	// Free tier, 1000 for all trial tiers, 1500 for Premium, and 2000 for
	// Ultimate." (docs.gitlab.com/user/gitlab_com, "CI/CD"; self-managed
	// instances have no limit unless an administrator sets one). Each
	// child pipeline counts on its own; the lowest tier's figure applies.
	GitLabMaxPipelineJobs = 500
	// GitLabMaxParallel: parallel takes a number from 1 to 200, and
	// parallel:matrix makes at most 200 jobs (docs.gitlab.com/ci/yaml,
	// "parallel"). The synthesis shards are one parallel job.
	GitLabMaxParallel = 200
	// GitLabMaxDotenvBytes and GitLabMaxDotenvVariables: a dotenv report
	// "Defaults to 5 KB" and "Defaults to 20" variables
	// (docs.gitlab.com/administration/cicd/limits, "Limit dotenv file
	// size", "Limit dotenv variables"). A plan job's report holds one
	// digest.
	GitLabMaxDotenvBytes     = 5 * 1024
	GitLabMaxDotenvVariables = 20
	// GitLabMaxChildPipelineBytes: the artifact holding a generated child
	// pipeline "must not be larger than 5MB"
	// (docs.gitlab.com/ci/pipelines/downstream_pipelines, dynamic child
	// pipelines).
	GitLabMaxChildPipelineBytes = 5 * 1000 * 1000
)

// Azure Pipelines.
const (
	// AzureMaxJobsPerStage: a stage (a matrix in it, as reported) holds at
	// most 256 jobs; Microsoft does not document the figure, it was
	// reported against the stages page (MicrosoftDocs/azure-devops-docs
	// issue 10979, "Job limit in stage"), so the generator treats it as a
	// limit.
	AzureMaxJobsPerStage = 256
	// AzureMaxPipelineBytes: "No more than 20 megabytes of memory consumed
	// while parsing the YAML (in practice, this is typically between 600 KB
	// - 2 MB of on-disk YAML, depending on the specific features used)"
	// (learn.microsoft.com/azure/devops/pipelines/process/templates,
	// "Imposed limits"); the lower end of that range is the limit here.
	AzureMaxPipelineBytes = 600 * 1000
	// AzureMaxParallel bounds strategy: parallel, which runs the
	// synthesis shards: like a stage's jobs, no more than 256 (the jobs
	// it makes are jobs of the stage).
	AzureMaxParallel = AzureMaxJobsPerStage - 2
)
