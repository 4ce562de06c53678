package config_test

import (
	"errors"
	"strings"
	"testing"

	"stratum/awsrules"
	"stratum/config"
	"stratum/testkit/configtest"
)

// Indexes of the environments in config.Environments().
const (
	prod    = configtest.Prod
	staging = configtest.Staging
	dev     = configtest.Dev
)

const prodOwner = `environment "prod"`

func TestValidateRules(t *testing.T) {
	configtest.CheckRules(t, configtest.EnvironmentCases, config.Environments, config.Validate, prodOwner)
}

// TestProductionProtections: every production environment, prod and a
// second one (prod-eu), gets every production protection; the same
// change in a non-production environment is accepted. The protections
// follow Production, not the name.
func TestProductionProtections(t *testing.T) {
	protections := []struct {
		name, field string
		remove      func(e *config.Environment)
	}{
		{"deletion protection", "DeletionProtection", func(e *config.Environment) { e.DeletionProtection = false }},
		{"break-glass role", "Cluster.BreakGlassRoleARN", func(e *config.Environment) { e.Cluster.BreakGlassRoleARN = "" }},
		{"customer-managed state key", "State.CustomerManagedKey", func(e *config.Environment) { e.State.CustomerManagedKey = false }},
		{"NAT gateway per zone", "Network.NAT", func(e *config.Environment) { e.Network.NAT = config.NATSingle }},
		{"Multi-AZ database", "Database.MultiAZ", func(e *config.Environment) { e.Database.MultiAZ = false }},
		{"database prevent_destroy", "Database.PreventDestroy", func(e *config.Environment) { e.Database.PreventDestroy = false }},
		{"final snapshot", "Database.SkipFinalSnapshot", func(e *config.Environment) { e.Database.SkipFinalSnapshot = true }},
		{"backup retention", "Database.BackupRetentionDays", func(e *config.Environment) { e.Database.BackupRetentionDays = 7 }},
		{"backup copies", "Backup.CopyRegion", func(e *config.Environment) { e.Backup.CopyRegion, e.Backup.CopyRetentionDays = "", 0 }},
		{"private cluster API", "Cluster.PublicAccessCIDRs", func(e *config.Environment) { e.Cluster.PublicAccessCIDRs = []string{"203.0.113.0/24"} }},
	}
	withSecond := func() []config.Environment {
		envs := config.Environments()
		return append(envs, configtest.SecondProduction(envs))
	}
	if err := config.Validate(withSecond()); err != nil {
		t.Fatalf("Validate(environments and prod-eu) = %v, want nil", err)
	}
	for _, p := range protections {
		for _, env := range []int{prod, len(withSecond()) - 1} {
			envs := withSecond()
			p.remove(&envs[env])
			owner := config.EnvironmentOwner(envs[env].Name)
			t.Run(envs[env].Name+"/"+p.name, func(t *testing.T) {
				for _, fe := range config.FieldErrors(config.Validate(envs)) {
					if fe.Owner == owner && fe.Field == p.field && strings.Contains(fe.Want, "production") {
						return
					}
				}
				t.Errorf("%s without %s: no problem on %s naming production", owner, p.name, p.field)
			})
		}
		t.Run("staging/"+p.name, func(t *testing.T) {
			envs := withSecond()
			p.remove(&envs[staging])
			for _, fe := range config.FieldErrors(config.Validate(envs)) {
				if strings.Contains(fe.Want, "production") {
					t.Errorf("staging is not production, but: %v", fe)
				}
			}
		})
	}
}

func TestEnvironmentsAreValid(t *testing.T) {
	if err := config.Validate(config.Environments()); err != nil {
		t.Errorf("config.Environments() does not validate:\n%v", err)
	}
}

// TestValidateReportsEverything: independent problems in different
// environments and fields are all reported by one call.
func TestValidateReportsEverything(t *testing.T) {
	envs := config.Environments()
	envs[prod].Region = "us-east"
	envs[dev].LogRetentionDays = 31
	envs[dev].Database.InstanceClass = "t4g.micro"
	configtest.ExpectProblems(t, config.Validate(envs),
		prodOwner+": Region:",
		`environment "dev": LogRetentionDays: 31`,
		`environment "dev": Database.InstanceClass: "t4g.micro"`,
	)
}

func TestFieldErrorsFlattensNestedJoins(t *testing.T) {
	var a, b config.Problems
	a.Add("x", "A", 1, "one")
	b.Add("y", "B", 2, "two")
	b.Add("y", "C", 3, "three")
	got := config.FieldErrors(errors.Join(a.Err(), nil, b.Err()))
	if len(got) != 3 || got[0].Field != "A" || got[2].Field != "C" {
		t.Errorf("FieldErrors() = %v, want A, B, C", got)
	}
	if got := config.FieldErrors(nil); got != nil {
		t.Errorf("FieldErrors(nil) = %v, want nil", got)
	}
}

// FuzzValidate changes prod with fuzzed values (configtest.EnvironmentSeed
// says how): Validate must never panic, and every problem must name its
// owner, field and what is allowed. The seeds include accepted
// configurations, which the stacks must build
// (stacks.TestValidConfigurationsBuild).
func FuzzValidate(f *testing.F) {
	for _, s := range configtest.EnvironmentSeeds {
		f.Add(s.Name, s.Region, s.CIDR, s.Zone, s.GatewayIP, s.OnPremisesCIDR, s.PublicAccessCIDR, s.BackupWindow, s.MaintenanceWindow,
			s.EngineVersion, s.InstanceClass, s.NodeType, s.KubernetesVersion, s.Schedule, s.Bucket, s.Domain, s.Role,
			s.ASN, s.AmazonASN, s.Retention, s.MinSize, s.DesiredSize, s.MaxSize, s.DatabaseRetention, s.Allocated, s.MaxAllocated, s.DiskSize)
	}
	f.Fuzz(func(t *testing.T, name, region, cidr, zone, ip, onPrem, public, backup, maintenance, pg, class, nodeType, k8s, schedule, bucket, domain, role string,
		asn, amazonASN, retention, minSize, desired, maxSize, dbRetention, allocated, maxAllocated, disk int) {
		envs := configtest.EnvironmentSeed{
			Name: name, Region: region, CIDR: cidr, Zone: zone, GatewayIP: ip, OnPremisesCIDR: onPrem, PublicAccessCIDR: public,
			BackupWindow: backup, MaintenanceWindow: maintenance, EngineVersion: pg, InstanceClass: class, NodeType: nodeType,
			KubernetesVersion: k8s, Schedule: schedule, Bucket: bucket, Domain: domain, Role: role,
			ASN: asn, AmazonASN: amazonASN, Retention: retention, MinSize: minSize, DesiredSize: desired, MaxSize: maxSize,
			DatabaseRetention: dbRetention, Allocated: allocated, MaxAllocated: maxAllocated, DiskSize: disk,
		}.Environments()
		configtest.CheckProblems(t, config.Validate(envs))
	})
}

// TestEnvironmentSeeds: the fuzzer starts from configurations Validate
// accepts as well as ones it refuses, so that what it finds accepted can
// be built.
func TestEnvironmentSeeds(t *testing.T) {
	configtest.CheckSeeds(t, len(configtest.EnvironmentSeeds), configtest.AcceptedEnvironmentSeeds, func(i int) error {
		return config.Validate(configtest.EnvironmentSeeds[i].Environments())
	})
}

// TestVersionsFollowTheSupportTables: validation accepts exactly the
// versions of awsrules' support tables, whatever the day: a version the
// table drops is refused, one it adds is accepted, and no clock is read.
func TestVersionsFollowTheSupportTables(t *testing.T) {
	k8s, pg := awsrules.KubernetesSupport, awsrules.PostgresSupport
	t.Cleanup(func() { awsrules.KubernetesSupport, awsrules.PostgresSupport = k8s, pg })

	envs := config.Environments()
	if err := config.Validate(envs); err != nil {
		t.Fatalf("Validate = %v, want nil", err)
	}
	// The tables without the configured versions, and with versions the
	// real tables do not have.
	awsrules.KubernetesSupport.Versions = []awsrules.Support{{Version: "1.99", Ends: "2099-01-01"}}
	awsrules.PostgresSupport.Versions = []awsrules.Support{{Version: "99", Ends: "2099-01-01"}}
	var fields []string
	for _, fe := range config.FieldErrors(config.Validate(envs)) {
		if fe.Owner == prodOwner {
			fields = append(fields, fe.Field+": "+fe.Want)
		}
	}
	got := strings.Join(fields, "\n")
	for _, want := range []string{"Cluster.Version: a Kubernetes minor version in EKS standard support (as of 2026-11-25): one of [1.99]",
		"Database.EngineVersion: a PostgreSQL major version in RDS standard support (as of 2026-11-25), as \"17\" or \"17.x\": majors [99]"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems of prod:\n%s\nwant %q", got, want)
		}
	}
	envs[prod].Cluster.Version, envs[prod].Database.EngineVersion = "1.99", "99.1"
	for _, fe := range config.FieldErrors(config.Validate(envs)) {
		if fe.Owner == prodOwner {
			t.Errorf("with the tables' versions: %v", fe)
		}
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 101: "101st", 111: "111th"} {
		if got := config.Ordinal(n); got != want {
			t.Errorf("Ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}
