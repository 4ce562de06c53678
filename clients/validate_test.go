package clients

import (
	"strings"
	"testing"

	"stratum/awsrules"
	"stratum/config"
	"stratum/config/configtest"
)

// sample returns two fresh, valid clients (All is shared package state and
// must not be mutated by tests).
func sample() []Client {
	return []Client{
		{
			Name: "mtn-ghana", DisplayName: "MTN Ghana", CostCentre: "cc-1001",
			Environments: []Environment{{Name: "prod"}, {Name: "staging"}, {Name: "dev"}},
			Buckets: []Bucket{
				{Name: "media", Lifecycle: Lifecycle{Transitions: []Transition{{Days: 30, StorageClass: "STANDARD_IA"}, {Days: 180, StorageClass: "GLACIER_IR"}}}},
				{Name: "reports", Lifecycle: Lifecycle{Transitions: []Transition{{Days: 90, StorageClass: "GLACIER"}}, ExpirationDays: 2555}},
			},
			Applications: []Application{
				{Name: "api", Buckets: map[string]Access{"media": ReadWrite}, Database: true},
				{Name: "reporting", Buckets: map[string]Access{"reports": ReadOnly}},
			},
		},
		{
			Name: "ezra", DisplayName: "Ezra", CostCentre: "cc-1002",
			Environments: []Environment{{Name: "prod"}, {Name: "staging"}},
			Buckets:      []Bucket{{Name: "uploads"}},
			Applications: []Application{{Name: "web", Buckets: map[string]Access{"uploads": ReadWrite}}},
		},
	}
}

const (
	mtn  = 0
	ezra = 1
)

// ruleCase is one validation rule: a change that breaks it (and the one
// problem that must name it) and a nearby change that must be accepted.
type ruleCase struct {
	name      string
	good, bad func(c []Client)
	// owner defaults to client "mtn-ghana"; value and want are substrings
	// of the FieldError's value (%#v) and allowed values.
	owner, field, value, want string
}

const mtnOwner = `client "mtn-ghana"`

func TestValidateRules(t *testing.T) {
	for _, c := range clientCases {
		t.Run(c.name, func(t *testing.T) {
			if c.good != nil {
				all := sample()
				c.good(all)
				if err := Validate(all, config.Environments()); err != nil {
					t.Errorf("good case: Validate() = %v, want nil", err)
				}
			}
			all := sample()
			c.bad(all)
			owner := c.owner
			if owner == "" {
				owner = mtnOwner
			}
			configtest.ExpectOne(t, Validate(all, config.Environments()), owner, c.field, c.value, c.want)
		})
	}
}

func transitions(ts ...Transition) Lifecycle { return Lifecycle{Transitions: ts} }

var clientCases = []ruleCase{
	// Names.
	{name: "client name",
		good:  func(c []Client) { c[ezra].Name = "a1234567890123456789" },
		bad:   func(c []Client) { c[ezra].Name = "Ezra_Ltd" },
		owner: "client #1", field: "Name", value: "Ezra_Ltd", want: "DNS label of at most 20"},
	{name: "client name length",
		bad:   func(c []Client) { c[ezra].Name = "a12345678901234567890" },
		owner: "client #1", field: "Name", value: "a12345678901234567890", want: "at most 20"},
	{name: "client name is not a system namespace",
		good:  func(c []Client) { c[ezra].Name = "kubernetes-fans" },
		bad:   func(c []Client) { c[ezra].Name = "kube-system" },
		owner: "client #1", field: "Name", value: "kube-system", want: "Kubernetes owns"},
	{name: "client name without double hyphen",
		good:  func(c []Client) { c[ezra].Name = "ezra-group" },
		bad:   func(c []Client) { c[ezra].Name = "ezra--group" },
		owner: "client #1", field: "Name", value: "ezra--group", want: "two consecutive hyphens"},
	{name: "client twice",
		bad:   func(c []Client) { c[ezra].Name = "mtn-ghana" },
		field: "Name", value: "mtn-ghana", want: "no other client"},
	{name: "display name",
		good:  func(c []Client) { c[mtn].DisplayName = "MTN Ghana: Accra @ HQ" },
		bad:   func(c []Client) { c[mtn].DisplayName = "" },
		field: "DisplayName", value: `""`, want: "tag value"},
	{name: "cost centre",
		good:  func(c []Client) { c[mtn].CostCentre = "CC/1001" },
		bad:   func(c []Client) { c[mtn].CostCentre = "cc#1001" },
		field: "CostCentre", value: "cc#1001", want: "CostCentre tag"},

	// Environments.
	{name: "in at least one environment",
		bad:   func(c []Client) { c[ezra].Environments = nil },
		owner: `client "ezra"`, field: "Environments", value: "nil", want: "at least one"},
	{name: "known environment",
		good:  func(c []Client) { c[ezra].Environments = []Environment{{Name: "dev"}} },
		bad:   func(c []Client) { c[ezra].Environments[1].Name = "qa" },
		owner: `client "ezra"`, field: "Environments[1].Name", value: "qa", want: "[dev prod staging]"},
	{name: "environment once",
		bad:   func(c []Client) { c[ezra].Environments[1].Name = "prod" },
		owner: `client "ezra"`, field: "Environments[1].Name", value: "prod", want: "each environment once"},
	{name: "node override sizes",
		good: func(c []Client) {
			c[mtn].Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"r6i.2xlarge"}, MinSize: 2, DesiredSize: 2, MaxSize: 2, DiskSizeGiB: 100}
		},
		bad: func(c []Client) {
			c[mtn].Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"r6i.2xlarge"}, MinSize: 2, DesiredSize: 1, MaxSize: 4, DiskSizeGiB: 100}
		},
		field: "Environments[prod].Nodes.DesiredSize", value: "1", want: "between MinSize (2) and MaxSize (4)"},
	{name: "node override instance type",
		bad: func(c []Client) {
			c[mtn].Environments[2].Nodes = &config.NodeGroup{InstanceTypes: []string{"large"}, MinSize: 1, DesiredSize: 1, MaxSize: 1, DiskSizeGiB: 20}
		},
		field: "Environments[dev].Nodes.InstanceTypes[0]", value: "large", want: "<family>.<size>"},
	{name: "database override class",
		good:  func(c []Client) { c[mtn].Environments[0].Database = &DatabaseSize{InstanceClass: "db.r7g.xlarge"} },
		bad:   func(c []Client) { c[mtn].Environments[0].Database = &DatabaseSize{InstanceClass: "db.r7g"} },
		field: "Environments[prod].Database.InstanceClass", value: "db.r7g", want: "db.<family>.<size>"},
	{name: "database override storage",
		good: func(c []Client) {
			c[mtn].Environments[0].Database = &DatabaseSize{AllocatedStorageGiB: 1900, MaxAllocatedStorageGiB: 2090}
		},
		bad: func(c []Client) {
			c[mtn].Environments[0].Database = &DatabaseSize{AllocatedStorageGiB: 1900, MaxAllocatedStorageGiB: 2000}
		},
		field: "Environments[prod].Database.MaxAllocatedStorageGiB", value: "2000", want: "2090–65536"},
	{name: "database override storage against the environment's",
		good:  func(c []Client) { c[mtn].Environments[0].Database = &DatabaseSize{MaxAllocatedStorageGiB: 110} },
		bad:   func(c []Client) { c[mtn].Environments[0].Database = &DatabaseSize{MaxAllocatedStorageGiB: 50} }, // prod allocates 100
		field: "Environments[prod].Database.MaxAllocatedStorageGiB", value: "50", want: "AllocatedStorageGiB (100)"},
	{name: "database override retention in prod",
		good:  func(c []Client) { c[mtn].Environments[1].Database = &DatabaseSize{BackupRetentionDays: 3} }, // staging
		bad:   func(c []Client) { c[mtn].Environments[0].Database = &DatabaseSize{BackupRetentionDays: 3} },
		field: "Environments[prod].Database.BackupRetentionDays", value: "3", want: "in prod"},

	// Buckets.
	{name: "bucket name",
		good: func(c []Client) {
			c[ezra].Buckets[0].Name = "uploads-2"
			c[ezra].Applications[0].Buckets = map[string]Access{"uploads-2": ReadWrite}
		},
		bad: func(c []Client) {
			c[ezra].Buckets[0].Name = "Uploads"
			c[ezra].Applications[0].Buckets = nil
		},
		owner: `client "ezra"`, field: "Buckets[0].Name", value: "Uploads", want: "DNS label"},
	{name: "bucket twice",
		bad: func(c []Client) {
			c[ezra].Buckets = append(c[ezra].Buckets, Bucket{Name: "uploads"})
		},
		owner: `client "ezra"`, field: "Buckets[1].Name", value: "uploads", want: "no other bucket"},
	{name: "bucket AWS name length",
		good: func(c []Client) {
			c[ezra].Buckets[0].Name = "b" + strings.Repeat("x", 35) // stratum-staging-ezra-<36> is 63
			c[ezra].Applications[0].Buckets = nil
		},
		bad: func(c []Client) {
			c[mtn].Buckets[0].Name = "b" + strings.Repeat("x", 39) // 63 in prod, 66 in staging
			c[mtn].Applications[0].Buckets = nil
		},
		field: "Buckets[bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx].Name", value: "bxxx",
		want: `"stratum-staging-mtn-ghana-bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" valid in staging`},
	{name: "bucket AWS name reserved suffix",
		bad: func(c []Client) {
			c[ezra].Buckets[0].Name = "s3alias"
			c[ezra].Applications[0].Buckets = nil
		},
		owner: `client "ezra"`, field: "Buckets[s3alias].Name", value: "s3alias", want: `"-s3alias"`},

	// Lifecycle.
	{name: "storage class",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{0, "DEEP_ARCHIVE"}) },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{90, "GLACIER_DEEP"}) },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.Transitions[0].StorageClass", value: "GLACIER_DEEP", want: "STANDARD_IA INTELLIGENT_TIERING"},
	{name: "infrequent access needs 30 days",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{30, "ONEZONE_IA"}) },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{7, "STANDARD_IA"}) },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.Transitions[0].Days", value: "7", want: "at least 30 days before STANDARD_IA"},
	{name: "glacier days not negative",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{0, "GLACIER_IR"}) },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle = transitions(Transition{-1, "GLACIER"}) },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.Transitions[0].Days", value: "-1", want: "at least 0 days"},
	{name: "transition order",
		good: func(c []Client) {
			c[ezra].Buckets[0].Lifecycle = transitions(Transition{0, "INTELLIGENT_TIERING"}, Transition{90, "GLACIER"}, Transition{180, "DEEP_ARCHIVE"})
		},
		bad: func(c []Client) {
			c[ezra].Buckets[0].Lifecycle = transitions(Transition{90, "GLACIER"}, Transition{180, "STANDARD_IA"})
		},
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.Transitions[1].StorageClass", value: "STANDARD_IA", want: "a class after GLACIER"},
	{name: "one zone to glacier instant retrieval",
		good: func(c []Client) {
			c[ezra].Buckets[0].Lifecycle = transitions(Transition{30, "ONEZONE_IA"}, Transition{60, "GLACIER"})
		},
		bad: func(c []Client) {
			c[ezra].Buckets[0].Lifecycle = transitions(Transition{30, "ONEZONE_IA"}, Transition{90, "GLACIER_IR"})
		},
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.Transitions[1].StorageClass", value: "GLACIER_IR", want: "cannot move ONEZONE_IA objects to GLACIER_IR"},
	{name: "30 days in infrequent access",
		good: func(c []Client) {
			c[mtn].Buckets[0].Lifecycle = transitions(Transition{30, "STANDARD_IA"}, Transition{60, "GLACIER"})
		},
		bad: func(c []Client) {
			c[mtn].Buckets[0].Lifecycle = transitions(Transition{30, "STANDARD_IA"}, Transition{59, "GLACIER"})
		},
		field: "Buckets[media].Lifecycle.Transitions[1].Days", value: "59", want: "at least 60"},
	{name: "transition days increase",
		good: func(c []Client) {
			c[mtn].Buckets[0].Lifecycle = transitions(Transition{0, "INTELLIGENT_TIERING"}, Transition{1, "GLACIER_IR"})
		},
		bad: func(c []Client) {
			c[mtn].Buckets[0].Lifecycle = transitions(Transition{90, "INTELLIGENT_TIERING"}, Transition{90, "GLACIER_IR"})
		},
		field: "Buckets[media].Lifecycle.Transitions[1].Days", value: "90", want: "more than the previous transition's 90 days"},
	{name: "expiration after the last transition",
		good:  func(c []Client) { c[mtn].Buckets[1].Lifecycle.ExpirationDays = 91 },
		bad:   func(c []Client) { c[mtn].Buckets[1].Lifecycle.ExpirationDays = 90 },
		field: "Buckets[reports].Lifecycle.ExpirationDays", value: "90", want: "more than the last transition's 90 days"},
	{name: "expiration not negative",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle.ExpirationDays = 1 },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle.ExpirationDays = -30 },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.ExpirationDays", value: "-30", want: "0 (never)"},
	{name: "noncurrent expiration not negative",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle.NoncurrentVersionExpirationDays = 1 },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle.NoncurrentVersionExpirationDays = -1 },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.NoncurrentVersionExpirationDays", value: "-1", want: "default of 90"},
	{name: "abort uploads not negative",
		good:  func(c []Client) { c[ezra].Buckets[0].Lifecycle.AbortIncompleteUploadDays = 1 },
		bad:   func(c []Client) { c[ezra].Buckets[0].Lifecycle.AbortIncompleteUploadDays = -7 },
		owner: `client "ezra"`, field: "Buckets[uploads].Lifecycle.AbortIncompleteUploadDays", value: "-7", want: "default of 7"},

	// Applications.
	{name: "application name",
		good:  func(c []Client) { c[mtn].Applications[0].Name = "api-v2" },
		bad:   func(c []Client) { c[mtn].Applications[0].Name = "API" },
		field: "Applications[0].Name", value: "API", want: "DNS label"},
	{name: "application is not the default service account",
		bad:   func(c []Client) { c[mtn].Applications[0].Name = "default" },
		field: "Applications[0].Name", value: "default", want: "every pod gets"},
	{name: "application twice",
		bad:   func(c []Client) { c[mtn].Applications[1].Name = "api" },
		field: "Applications[1].Name", value: "api", want: "no other application"},
	{name: "application IAM role length",
		good:  func(c []Client) { c[ezra].Applications[0].Name = "a" + strings.Repeat("x", 42) }, // stratum-staging-ezra-<43> is 64
		bad:   func(c []Client) { c[mtn].Applications[0].Name = "a" + strings.Repeat("x", 39) },  // 63 in prod, 66 in staging
		field: "Applications[axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx].Name", value: "axxx",
		want: `IAM role "stratum-staging-mtn-ghana-axxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" in staging is longer than 64`},
	{name: "application refers to a known bucket",
		good: func(c []Client) {
			c[mtn].Applications[1].Buckets = map[string]Access{"reports": ReadOnly, "media": ReadOnly}
		},
		bad:   func(c []Client) { c[mtn].Applications[1].Buckets = map[string]Access{"reprots": ReadOnly} },
		field: "Applications[reporting].Buckets", value: "reprots", want: "[media reports]"},
	{name: "access value",
		bad:   func(c []Client) { c[mtn].Applications[1].Buckets = map[string]Access{"reports": "write"} },
		field: "Applications[reporting].Buckets[reports]", value: "write", want: `["read" "read-write"]`},
}

func TestAllIsValid(t *testing.T) {
	if err := Validate(All, config.Environments()); err != nil {
		t.Errorf("clients.All does not validate:\n%v", err)
	}
}

// TestValidateReportsEverything: independent problems of different clients
// are all reported by one call, in client order.
func TestValidateReportsEverything(t *testing.T) {
	all := sample()
	all[mtn].Buckets[0].Lifecycle.Transitions[0].Days = 10
	all[mtn].Applications[0].Buckets["media"] = "admin"
	all[ezra].Environments[0].Name = "production"
	problems := config.FieldErrors(Validate(all, config.Environments()))
	want := []string{
		mtnOwner + ": Buckets[media].Lifecycle.Transitions[0].Days: 10",
		mtnOwner + `: Applications[api].Buckets[media]: "admin"`,
		`client "ezra": Environments[0].Name: "production"`,
	}
	if len(problems) != len(want) {
		t.Fatalf("Validate() = %d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		if got := problems[i].Error(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got, w)
		}
	}
}

// TestMaxNameLengthFitsDerivedNames: a client name of MaxNameLength in an
// environment name of config.MaxEnvironmentNameLength still gives a valid
// namespace and node group name, so those limits need no check of their
// own.
func TestMaxNameLengthFitsDerivedNames(t *testing.T) {
	longest := strings.Repeat("e", config.MaxEnvironmentNameLength)
	client := strings.Repeat("c", MaxNameLength)
	if name := (Client{Name: client}).NamesIn(longest).NodeGroup; len(name) > awsrules.MaxNodeGroupNameLength {
		t.Errorf("node group %q is longer than %d", name, awsrules.MaxNodeGroupNameLength)
	}
	if !awsrules.IsDNSLabel(client, 63) {
		t.Errorf("namespace %q is not a DNS label of at most 63 characters", client)
	}
}

// FuzzValidate builds a client from fuzzed values: Validate must never
// panic, and every problem must name its owner, field and what is allowed.
func FuzzValidate(f *testing.F) {
	f.Add("acme", "prod", "media", "api", "STANDARD_IA", "GLACIER", "read", "db.r6g.large", "cc-1", 30, 90, 365, -1, 100, 200, 14, 1, 2, 3)
	f.Add("", "", "", "", "", "", "", "", "", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	f.Add("kube-x", "qa", "s3alias", "default", "ONEZONE_IA", "GLACIER_IR", "read-write", "db.", "#", -30, -1, 1, 1, 65537, -1, 36, -1, 5, 4)
	f.Fuzz(func(t *testing.T, name, env, bucket, app, class1, class2, access, dbClass, cost string,
		days1, days2, expiration, noncurrent, allocated, maxAllocated, retention, minSize, desired, maxSize int) {
		all := sample()
		c := &all[ezra]
		c.Name, c.CostCentre = name, cost
		c.Environments = append(c.Environments, Environment{
			Name:     env,
			Nodes:    &config.NodeGroup{InstanceTypes: []string{dbClass}, MinSize: minSize, DesiredSize: desired, MaxSize: maxSize, DiskSizeGiB: allocated},
			Database: &DatabaseSize{InstanceClass: dbClass, AllocatedStorageGiB: allocated, MaxAllocatedStorageGiB: maxAllocated, BackupRetentionDays: retention},
		})
		c.Buckets = append(c.Buckets, Bucket{Name: bucket, Lifecycle: Lifecycle{
			Transitions:                     []Transition{{days1, class1}, {days2, class2}},
			ExpirationDays:                  expiration,
			NoncurrentVersionExpirationDays: noncurrent,
			AbortIncompleteUploadDays:       noncurrent,
		}})
		c.Applications = append(c.Applications, Application{Name: app, Buckets: map[string]Access{bucket: Access(access), app: ReadOnly}})

		err := Validate(all, config.Environments())
		problems := config.FieldErrors(err)
		if (err == nil) != (len(problems) == 0) {
			t.Fatalf("Validate() = %v but FieldErrors() = %v", err, problems)
		}
		for _, p := range problems {
			if p.Owner == "" || p.Field == "" || p.Want == "" {
				t.Errorf("problem without owner, field or allowed values: %#v", p)
			}
		}
	})
}
