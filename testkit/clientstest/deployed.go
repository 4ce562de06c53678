package clientstest

import (
	"stratum/clients"
	"stratum/config"
)

// Deployed returns the clients the migration tests' fixtures were made
// from — the monolith of testkit/monolith and tools/migrate/testdata's legacy
// databases-prod — as clients.All held them then. The migration tests
// synthesize these, not clients.All, so that they hold whatever a
// newcomer onboards or offboards. A fresh slice on every call.
func Deployed() []clients.Client {
	return []clients.Client{
		{
			Name:        "mtn-ghana",
			DisplayName: "MTN Ghana",
			CostCentre:  "cc-1001",
			Environments: []clients.Environment{
				{
					Name:     "prod",
					Nodes:    &config.NodeGroup{InstanceTypes: []string{"m6i.2xlarge"}, MinSize: 3, DesiredSize: 3, MaxSize: 12, DiskSizeGiB: 100},
					Database: &clients.DatabaseSize{InstanceClass: "db.r6g.xlarge", AllocatedStorageGiB: 200, MaxAllocatedStorageGiB: 2000},
					Quota:    &clients.Quota{Pods: 400, CPU: "96", Memory: "384Gi"},
					// The largest client: twice its node group, a bigger database.
					MonthlyBudgetUSD: 12000,
				},
				{Name: "staging"},
				{Name: "dev"},
			},
			Buckets: []clients.Bucket{
				{Name: "media", Lifecycle: clients.Lifecycle{
					Transitions: []clients.Transition{{Days: 30, StorageClass: "STANDARD_IA"}, {Days: 180, StorageClass: "GLACIER_IR"}},
				}},
				{Name: "reports", Lifecycle: clients.Lifecycle{
					Transitions:    []clients.Transition{{Days: 90, StorageClass: "GLACIER"}},
					ExpirationDays: 2555,
				}},
			},
			Applications: []clients.Application{
				{Name: "api", Port: 8080, Buckets: map[string]clients.Access{"media": clients.ReadWrite}, Database: true},
				{Name: "worker", Buckets: map[string]clients.Access{"media": clients.ReadWrite, "reports": clients.ReadWrite}, Database: true},
				{Name: "reporting", Buckets: map[string]clients.Access{"reports": clients.ReadOnly}},
			},
		},
		{
			Name:        "ezra",
			DisplayName: "Ezra",
			CostCentre:  "cc-1002",
			Environments: []clients.Environment{
				{Name: "prod"},
				{Name: "staging"},
			},
			Buckets: []clients.Bucket{
				{Name: "uploads", Lifecycle: clients.Lifecycle{
					Transitions:                     []clients.Transition{{Days: 30, StorageClass: "INTELLIGENT_TIERING"}},
					NoncurrentVersionExpirationDays: 30,
				}},
			},
			Applications: []clients.Application{
				{Name: "web", Port: 3000, Buckets: map[string]clients.Access{"uploads": clients.ReadWrite}, Database: true},
			},
		},
	}
}
