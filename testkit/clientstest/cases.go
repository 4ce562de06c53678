// Package clientstest holds what the validation tests of clients and the
// stacks' build tests share: sample clients, a table of clients.Validate's
// rules whose good cases are valid configurations, and the fuzzer's seeds.
package clientstest

import (
	"strings"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/configtest"
)

// Sample returns two fresh, valid clients (clients.All is shared package
// state and must not be mutated by tests).
func Sample() []clients.Client {
	return []clients.Client{
		{
			Name: "mtn-ghana", DisplayName: "MTN Ghana", CostCentre: "cc-1001",
			Environments: []clients.Environment{{Name: "prod"}, {Name: "staging"}, {Name: "dev"}},
			Buckets: []clients.Bucket{
				{Name: "media", Lifecycle: clients.Lifecycle{Transitions: []clients.Transition{{Days: 30, StorageClass: "STANDARD_IA"}, {Days: 180, StorageClass: "GLACIER_IR"}}}},
				{Name: "reports", Lifecycle: clients.Lifecycle{Transitions: []clients.Transition{{Days: 90, StorageClass: "GLACIER"}}, ExpirationDays: 2555}},
			},
			Applications: []clients.Application{
				{Name: "api", Buckets: map[string]clients.Access{"media": clients.ReadWrite}, Database: true},
				{Name: "reporting", Buckets: map[string]clients.Access{"reports": clients.ReadOnly}},
			},
		},
		{
			Name: "ezra", DisplayName: "Ezra", CostCentre: "cc-1002",
			Environments: []clients.Environment{{Name: "prod"}, {Name: "staging"}},
			Buckets:      []clients.Bucket{{Name: "uploads"}},
			Applications: []clients.Application{{Name: "web", Buckets: map[string]clients.Access{"uploads": clients.ReadWrite}}},
		},
	}
}

// Indexes of the clients in Sample().
const (
	MTN  = 0
	Ezra = 1
)

func transitions(ts ...clients.Transition) clients.Lifecycle {
	return clients.Lifecycle{Transitions: ts}
}

// ClientCases are clients.Validate's rules, one case each, on Sample();
// Owner defaults to client "mtn-ghana".
var ClientCases = []configtest.RuleCase[[]clients.Client]{
	// Names.
	{Name: "client name",
		Good:  func(c []clients.Client) { c[Ezra].Name = "a1234567890123456789" },
		Bad:   func(c []clients.Client) { c[Ezra].Name = "Ezra_Ltd" },
		Owner: `client "Ezra_Ltd" (the 2nd in the list)`, Field: "Name", Value: "Ezra_Ltd", Want: "DNS label of at most 20"},
	{Name: "client name length",
		Bad:   func(c []clients.Client) { c[Ezra].Name = "a12345678901234567890" },
		Owner: `client "a12345678901234567890" (the 2nd in the list)`, Field: "Name", Value: "a12345678901234567890", Want: "at most 20"},
	{Name: "client name is not a system namespace",
		Good:  func(c []clients.Client) { c[Ezra].Name = "kubernetes-fans" },
		Bad:   func(c []clients.Client) { c[Ezra].Name = "kube-system" },
		Owner: `client "kube-system" (the 2nd in the list)`, Field: "Name", Value: "kube-system", Want: "Kubernetes owns"},
	{Name: "client name is not the audit layer's",
		Good:  func(c []clients.Client) { c[Ezra].Name = "auditors" },
		Bad:   func(c []clients.Client) { c[Ezra].Name = "audit-co" },
		Owner: `client "audit-co" (the 2nd in the list)`, Field: "Name", Value: "audit-co", Want: `does not start with "audit-"`},
	{Name: "client name without double hyphen",
		Good:  func(c []clients.Client) { c[Ezra].Name = "ezra-group" },
		Bad:   func(c []clients.Client) { c[Ezra].Name = "ezra--group" },
		Owner: `client "ezra--group" (the 2nd in the list)`, Field: "Name", Value: "ezra--group", Want: "two consecutive hyphens"},
	{Name: "client twice",
		Bad:   func(c []clients.Client) { c[Ezra].Name = "mtn-ghana" },
		Owner: `client "mtn-ghana" (the 2nd in the list)`, Field: "Name", Value: "mtn-ghana", Want: `a name no other client uses (the 1st is also "mtn-ghana")`},
	{Name: "display name",
		Good:  func(c []clients.Client) { c[MTN].DisplayName = "MTN Ghana: Accra @ HQ" },
		Bad:   func(c []clients.Client) { c[MTN].DisplayName = "" },
		Field: "DisplayName", Value: `""`, Want: "tag value"},
	{Name: "cost centre of one client",
		Good:  func(c []clients.Client) { c[Ezra].CostCentre = "cc-1002-b" },
		Bad:   func(c []clients.Client) { c[Ezra].CostCentre = "cc-1001" },
		Owner: `client "ezra"`, Field: "CostCentre", Value: "cc-1001", Want: `client "mtn-ghana" uses it`},
	{Name: "budget override",
		Good:  func(c []clients.Client) { c[MTN].Environments[0].MonthlyBudgetUSD = 12000 },
		Bad:   func(c []clients.Client) { c[MTN].Environments[0].MonthlyBudgetUSD = -1 },
		Field: "Environments[prod].MonthlyBudgetUSD", Value: "-1", Want: "0 (the environment's Alerts.Budget.ClientMonthlyUSD, 5000)"},
	{Name: "cost centre",
		Good:  func(c []clients.Client) { c[MTN].CostCentre = "CC/1001" },
		Bad:   func(c []clients.Client) { c[MTN].CostCentre = "cc#1001" },
		Field: "CostCentre", Value: "cc#1001", Want: "CostCentre tag"},

	// Environments.
	{Name: "in at least one environment",
		Bad:   func(c []clients.Client) { c[Ezra].Environments = nil },
		Owner: `client "ezra"`, Field: "Environments", Value: "nil", Want: "at least one"},
	{Name: "known environment",
		Good:  func(c []clients.Client) { c[Ezra].Environments = []clients.Environment{{Name: "dev"}} },
		Bad:   func(c []clients.Client) { c[Ezra].Environments[1].Name = "qa" },
		Owner: `client "ezra"`, Field: "Environments[1].Name", Value: "qa", Want: "[dev prod staging]"},
	{Name: "environment once",
		Bad:   func(c []clients.Client) { c[Ezra].Environments[1].Name = "prod" },
		Owner: `client "ezra"`, Field: "Environments[1].Name", Value: "prod", Want: "each environment once"},
	{Name: "node override sizes",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"r6i.2xlarge"}, MinSize: 2, DesiredSize: 2, MaxSize: 2, DiskSizeGiB: 100}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"r6i.2xlarge"}, MinSize: 2, DesiredSize: 1, MaxSize: 4, DiskSizeGiB: 100}
		},
		Field: "Environments[prod].Nodes.DesiredSize", Value: "1", Want: "between MinSize (2) and MaxSize (4)"},
	{Name: "node override instance type",
		Bad: func(c []clients.Client) {
			c[MTN].Environments[2].Nodes = &config.NodeGroup{InstanceTypes: []string{"large"}, MinSize: 1, DesiredSize: 1, MaxSize: 1, DiskSizeGiB: 20}
		},
		Field: "Environments[dev].Nodes.InstanceTypes[0]", Value: "large", Want: "<family>.<size>"},
	{Name: "database override class",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{InstanceClass: "db.r7g.xlarge"}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{InstanceClass: "db.r7g"}
		},
		Field: "Environments[prod].Database.InstanceClass", Value: "db.r7g", Want: "db.<family>.<size>"},
	{Name: "database override class is one Stratum knows",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{InstanceClass: "db.m8g.48xlarge"}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{InstanceClass: "db.x2iedn.8xlarge"}
		},
		Field: "Environments[prod].Database.InstanceClass", Value: "db.x2iedn.8xlarge", Want: "family Stratum knows"},
	{Name: "database override storage",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{AllocatedStorageGiB: 1900, MaxAllocatedStorageGiB: 2090}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{AllocatedStorageGiB: 1900, MaxAllocatedStorageGiB: 2000}
		},
		Field: "Environments[prod].Database.MaxAllocatedStorageGiB", Value: "2000", Want: "2090–65536"},
	{Name: "database override storage against the environment's",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{MaxAllocatedStorageGiB: 110}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{MaxAllocatedStorageGiB: 50}
		}, // prod allocates 100
		Field: "Environments[prod].Database.MaxAllocatedStorageGiB", Value: "50", Want: "AllocatedStorageGiB (100)"},
	{Name: "database override retention in prod",
		Good: func(c []clients.Client) {
			c[MTN].Environments[1].Database = &clients.DatabaseSize{BackupRetentionDays: 3}
		}, // staging
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Database = &clients.DatabaseSize{BackupRetentionDays: 3}
		},
		Field: "Environments[prod].Database.BackupRetentionDays", Value: "3", Want: "in prod"},

	{Name: "load balancer quota override",
		Good: func(c []clients.Client) {
			c[MTN].Environments[0].Quota = &clients.Quota{LoadBalancers: 10}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Environments[0].Quota = &clients.Quota{LoadBalancers: -1}
		},
		Field: "Environments[prod].Quota.LoadBalancers", Value: "-1", Want: "Cluster.ClientLoadBalancers"},

	// Buckets.
	{Name: "bucket name",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Name = "uploads-2"
			c[Ezra].Applications[0].Buckets = map[string]clients.Access{"uploads-2": clients.ReadWrite}
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Name = "Uploads"
			c[Ezra].Applications[0].Buckets = nil
		},
		Owner: `client "ezra"`, Field: "Buckets[0].Name", Value: "Uploads", Want: "DNS label"},
	{Name: "bucket twice",
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets = append(c[Ezra].Buckets, clients.Bucket{Name: "uploads"})
		},
		Owner: `client "ezra"`, Field: "Buckets[1].Name", Value: "uploads", Want: "no other bucket"},
	{Name: "bucket AWS name length",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Name = "b" + strings.Repeat("x", 35) // stratum-staging-ezra-<36> is 63
			c[Ezra].Applications[0].Buckets = nil
		},
		Bad: func(c []clients.Client) {
			c[MTN].Buckets[0].Name = "b" + strings.Repeat("x", 39) // 63 in prod, 66 in staging
			c[MTN].Applications[0].Buckets = nil
		},
		Field: "Buckets[bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx].Name", Value: "bxxx",
		Want: `"stratum-staging-mtn-ghana-bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" valid in staging`},
	{Name: "bucket AWS name reserved suffix",
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Name = "s3alias"
			c[Ezra].Applications[0].Buckets = nil
		},
		Owner: `client "ezra"`, Field: "Buckets[s3alias].Name", Value: "s3alias", Want: `"-s3alias"`},

	// clients.Lifecycle.
	{Name: "storage class",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 0, StorageClass: "DEEP_ARCHIVE"})
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 90, StorageClass: "GLACIER_DEEP"})
		},
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.Transitions[0].StorageClass", Value: "GLACIER_DEEP", Want: "STANDARD_IA INTELLIGENT_TIERING"},
	{Name: "infrequent access needs 30 days",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 30, StorageClass: "ONEZONE_IA"})
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 7, StorageClass: "STANDARD_IA"})
		},
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.Transitions[0].Days", Value: "7", Want: "at least 30 days before STANDARD_IA"},
	{Name: "glacier days not negative",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 0, StorageClass: "GLACIER_IR"})
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: -1, StorageClass: "GLACIER"})
		},
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.Transitions[0].Days", Value: "-1", Want: "at least 0 days"},
	{Name: "transition order",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 0, StorageClass: "INTELLIGENT_TIERING"}, clients.Transition{Days: 90, StorageClass: "GLACIER"}, clients.Transition{Days: 180, StorageClass: "DEEP_ARCHIVE"})
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 90, StorageClass: "GLACIER"}, clients.Transition{Days: 180, StorageClass: "STANDARD_IA"})
		},
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.Transitions[1].StorageClass", Value: "STANDARD_IA", Want: "a class after GLACIER"},
	{Name: "one zone to glacier instant retrieval",
		Good: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 30, StorageClass: "ONEZONE_IA"}, clients.Transition{Days: 60, StorageClass: "GLACIER"})
		},
		Bad: func(c []clients.Client) {
			c[Ezra].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 30, StorageClass: "ONEZONE_IA"}, clients.Transition{Days: 90, StorageClass: "GLACIER_IR"})
		},
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.Transitions[1].StorageClass", Value: "GLACIER_IR", Want: "cannot move ONEZONE_IA objects to GLACIER_IR"},
	{Name: "30 days in infrequent access",
		Good: func(c []clients.Client) {
			c[MTN].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 30, StorageClass: "STANDARD_IA"}, clients.Transition{Days: 60, StorageClass: "GLACIER"})
		},
		Bad: func(c []clients.Client) {
			c[MTN].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 30, StorageClass: "STANDARD_IA"}, clients.Transition{Days: 59, StorageClass: "GLACIER"})
		},
		Field: "Buckets[media].Lifecycle.Transitions[1].Days", Value: "59", Want: "at least 60"},
	{Name: "transition days increase",
		Good: func(c []clients.Client) {
			c[MTN].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 0, StorageClass: "INTELLIGENT_TIERING"}, clients.Transition{Days: 1, StorageClass: "GLACIER_IR"})
		},
		Bad: func(c []clients.Client) {
			c[MTN].Buckets[0].Lifecycle = transitions(clients.Transition{Days: 90, StorageClass: "INTELLIGENT_TIERING"}, clients.Transition{Days: 90, StorageClass: "GLACIER_IR"})
		},
		Field: "Buckets[media].Lifecycle.Transitions[1].Days", Value: "90", Want: "more than the previous transition's 90 days"},
	{Name: "expiration after the last transition",
		Good:  func(c []clients.Client) { c[MTN].Buckets[1].Lifecycle.ExpirationDays = 91 },
		Bad:   func(c []clients.Client) { c[MTN].Buckets[1].Lifecycle.ExpirationDays = 90 },
		Field: "Buckets[reports].Lifecycle.ExpirationDays", Value: "90", Want: "more than the last transition's 90 days"},
	{Name: "expiration not negative",
		Good:  func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.ExpirationDays = 1 },
		Bad:   func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.ExpirationDays = -30 },
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.ExpirationDays", Value: "-30", Want: "0 (never)"},
	{Name: "noncurrent expiration not negative",
		Good:  func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.NoncurrentVersionExpirationDays = 1 },
		Bad:   func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.NoncurrentVersionExpirationDays = -1 },
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.NoncurrentVersionExpirationDays", Value: "-1", Want: "default of 90"},
	{Name: "abort uploads not negative",
		Good:  func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.AbortIncompleteUploadDays = 1 },
		Bad:   func(c []clients.Client) { c[Ezra].Buckets[0].Lifecycle.AbortIncompleteUploadDays = -7 },
		Owner: `client "ezra"`, Field: "Buckets[uploads].Lifecycle.AbortIncompleteUploadDays", Value: "-7", Want: "default of 7"},

	// Applications.
	{Name: "application name",
		Good:  func(c []clients.Client) { c[MTN].Applications[0].Name = "api-v2" },
		Bad:   func(c []clients.Client) { c[MTN].Applications[0].Name = "API" },
		Field: "Applications[0].Name", Value: "API", Want: "DNS label"},
	{Name: "application is not the default service account",
		Bad:   func(c []clients.Client) { c[MTN].Applications[0].Name = "default" },
		Field: "Applications[0].Name", Value: "default", Want: "every pod gets"},
	{Name: "application twice",
		Bad:   func(c []clients.Client) { c[MTN].Applications[1].Name = "api" },
		Field: "Applications[1].Name", Value: "api", Want: "no other application"},
	{Name: "application IAM role length",
		Good:  func(c []clients.Client) { c[Ezra].Applications[0].Name = "a" + strings.Repeat("x", 42) }, // stratum-staging-ezra-<43> is 64
		Bad:   func(c []clients.Client) { c[MTN].Applications[0].Name = "a" + strings.Repeat("x", 39) },  // 63 in prod, 66 in staging
		Field: "Applications[axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx].Name", Value: "axxx",
		Want: `IAM role "stratum-staging-mtn-ghana-axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" in staging is longer than 64`},
	{Name: "application refers to a known bucket",
		Good: func(c []clients.Client) {
			c[MTN].Applications[1].Buckets = map[string]clients.Access{"reports": clients.ReadOnly, "media": clients.ReadOnly}
		},
		Bad: func(c []clients.Client) {
			c[MTN].Applications[1].Buckets = map[string]clients.Access{"reprots": clients.ReadOnly}
		},
		Field: "Applications[reporting].Buckets", Value: "reprots", Want: "[media reports]"},
	{Name: "access value",
		Bad: func(c []clients.Client) {
			c[MTN].Applications[1].Buckets = map[string]clients.Access{"reports": "write"}
		},
		Field: "Applications[reporting].Buckets[reports]", Value: "write", Want: `["read" "read-write"]`},
}
