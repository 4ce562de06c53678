package clients

import "stratum/config"

// All is every client of the platform. To onboard a client, append one
// entry; see docs/onboarding.md.
var All = []Client{
	{
		Name:        "mtn-ghana",
		DisplayName: "MTN Ghana",
		CostCentre:  "cc-1001",
		Environments: []Environment{
			{
				Name:     "prod",
				Nodes:    &config.NodeGroup{InstanceTypes: []string{"m6i.2xlarge"}, MinSize: 3, DesiredSize: 3, MaxSize: 12, DiskSizeGiB: 100},
				Database: &DatabaseSize{InstanceClass: "db.r6g.xlarge", AllocatedStorageGiB: 200, MaxAllocatedStorageGiB: 2000},
				Quota:    &Quota{Pods: 400, CPU: "96", Memory: "384Gi"},
				// The largest client: twice its node group, a bigger database.
				MonthlyBudgetUSD: 12000,
			},
			{Name: "staging"},
			{Name: "dev"},
		},
		Buckets: []Bucket{
			{Name: "media", Lifecycle: Lifecycle{
				Transitions: []Transition{{Days: 30, StorageClass: "STANDARD_IA"}, {Days: 180, StorageClass: "GLACIER_IR"}},
			}},
			{Name: "reports", Lifecycle: Lifecycle{
				Transitions:    []Transition{{Days: 90, StorageClass: "GLACIER"}},
				ExpirationDays: 2555,
			}},
		},
		Applications: []Application{
			{Name: "api", Port: 8080, Buckets: map[string]Access{"media": ReadWrite}, Database: true},
			{Name: "worker", Buckets: map[string]Access{"media": ReadWrite, "reports": ReadWrite}, Database: true},
			{Name: "reporting", Buckets: map[string]Access{"reports": ReadOnly}},
		},
	},
	{
		Name:        "ezra",
		DisplayName: "Ezra",
		CostCentre:  "cc-1002",
		Environments: []Environment{
			{Name: "prod"},
			{Name: "staging"},
		},
		Buckets: []Bucket{
			{Name: "uploads", Lifecycle: Lifecycle{
				Transitions:                     []Transition{{Days: 30, StorageClass: "INTELLIGENT_TIERING"}},
				NoncurrentVersionExpirationDays: 30,
			}},
		},
		Applications: []Application{
			{Name: "web", Port: 3000, Buckets: map[string]Access{"uploads": ReadWrite}, Database: true},
		},
	},
}
