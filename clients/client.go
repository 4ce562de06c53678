// Package clients lists Stratum's clients. Onboarding a client means
// appending one entry to All in clients.go; nothing else changes.
package clients

import "stratum/config"

// Client is one customer of the platform with its own node group,
// database, buckets, namespace and applications in every environment it
// lists.
type Client struct {
	// Name is the client's identifier: a DNS label (lowercase letters,
	// digits, hyphens) used in stack, namespace, bucket and IAM names.
	Name string
	// DisplayName is the human-readable name, for tags and docs.
	DisplayName string
	// CostCentre is written to the CostCentre tag of every client resource,
	// and the client's monthly budget counts the costs tagged with it, so
	// no two clients share one.
	CostCentre string
	// Environments are the environments the client exists in, each with
	// optional size overrides.
	Environments []Environment
	// Buckets are the client's S3 buckets, created in every environment.
	Buckets []Bucket
	// Applications are the client's workloads; each gets a Kubernetes
	// service account and an IRSA role with exactly the access it declares.
	Applications []Application
	// Owners are the handles (@org/team, @user, an email) that review
	// changes to this client's stacks (their snapshots in CODEOWNERS),
	// besides the teams of the database and client layers: any one of
	// them may approve. Default: none (the layers' teams alone).
	Owners []string
}

// Environment places a client in one environment and optionally overrides
// that environment's default sizes for this client.
type Environment struct {
	// Name is prod, staging or dev.
	Name string
	// Nodes replaces the environment's ClientNodes (instance types, sizes,
	// disk) for this client. Default: nil (the environment's ClientNodes).
	Nodes *config.NodeGroup
	// Database overrides the database size. Default: nil (the
	// environment's Database sizes).
	Database *DatabaseSize
	// Quota overrides the client's Kubernetes namespace quota.
	// Default: nil (DefaultQuota).
	Quota *Quota
	// MonthlyBudgetUSD overrides the client's monthly cost budget in the
	// environment (its costs by CostCentre tag). Default: 0 (the
	// environment's Alerts.Budget.ClientMonthlyUSD).
	MonthlyBudgetUSD int
}

// Quota caps what the client's namespace may hold, so that one client
// cannot exhaust the cluster's shared capacity (IP addresses, API server,
// volumes). Zero fields keep DefaultQuota's value.
type Quota struct {
	// Pods is the most pods the namespace may run at once.
	Pods int
	// CPU and Memory cap the sum of the pods' requests, as Kubernetes
	// quantities ("16", "64Gi"). Containers without requests get the
	// namespace's default requests, so every pod counts.
	CPU, Memory string
	// StorageGiB caps the sum of persistent volume claims.
	StorageGiB int
	// LoadBalancers caps the Services of type LoadBalancer. Default: the
	// environment's Cluster.ClientLoadBalancers.
	LoadBalancers int
}

// DefaultQuota is the namespace quota of a client that sets none; its
// LoadBalancers are the environment's Cluster.ClientLoadBalancers.
var DefaultQuota = Quota{Pods: 200, CPU: "32", Memory: "128Gi", StorageGiB: 500}

// DatabaseSize overrides an environment's default database sizing. Zero
// fields keep the environment's value.
type DatabaseSize struct {
	InstanceClass          string
	AllocatedStorageGiB    int
	MaxAllocatedStorageGiB int
	BackupRetentionDays    int
}

// Bucket is one S3 bucket of a client. Its AWS name is
// stratum-<env>-<client>-<name>.
type Bucket struct {
	// Name is a short DNS label, unique within the client.
	Name string
	// Lifecycle rules apply to the whole bucket. Default: none beyond the
	// incomplete-upload and noncurrent-version rules every bucket gets.
	Lifecycle Lifecycle
}

// Lifecycle is a bucket's object lifecycle.
type Lifecycle struct {
	// Transitions move current objects to cheaper storage classes after a
	// number of days, in increasing order of days.
	Transitions []Transition
	// ExpirationDays deletes current objects after that many days.
	// Default: 0 (never).
	ExpirationDays int
	// NoncurrentVersionExpirationDays deletes old versions after that many
	// days. Default: 0 (the platform default of 90 days).
	NoncurrentVersionExpirationDays int
	// AbortIncompleteUploadDays removes unfinished multipart uploads.
	// Default: 0 (the platform default of 7 days).
	AbortIncompleteUploadDays int
}

// Transition moves objects to StorageClass after Days.
type Transition struct {
	Days int
	// StorageClass is one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING,
	// GLACIER_IR, GLACIER, DEEP_ARCHIVE.
	StorageClass string
}

// Access is what an application may do with a bucket.
type Access string

const (
	ReadOnly  Access = "read"
	ReadWrite Access = "read-write"
)

// Application is one workload of a client.
type Application struct {
	// Name is a DNS label; it names the Kubernetes service account and the
	// IAM role.
	Name string
	// Buckets maps a bucket name of this client to the access granted.
	Buckets map[string]Access
	// Database gives the application its own user in the client's
	// database (Names.DatabaseUser: app_<name>), which its role may
	// connect as by IAM database authentication (rds-db:connect on that
	// user only; docs/database-access.md says how the user is created).
	// No application reads the master credentials. Default: false.
	Database bool
	// Port is the container port the load balancer sends the
	// application's traffic to. The namespace's network policy admits
	// traffic from the load balancer subnets to this port of the pods
	// labelled app.kubernetes.io/name=<Name>. Default: 0 (reachable only
	// from the client's own namespace).
	Port int
}
