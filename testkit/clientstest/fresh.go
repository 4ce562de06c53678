package clientstest

import (
	"fmt"
	"testing"

	"stratum/clients"
	"stratum/config"
)

// Unknown is a client name no valid configuration can hold: it is longer
// than clients.MaxNameLength. Tests that need a client that certainly does
// not exist (an unknown -client, a stack no configuration synthesizes) use
// it, so that no entry a newcomer appends to clients.All can make it known.
const Unknown = "no-such-client-in-any-configuration"

// freshPrefix starts every name Fresh gives. docs/onboarding.md's example
// name must not start with it (main's TestOnboardingExampleNameIsUnused).
const freshPrefix = "newcomer"

// Fresh returns c renamed to a name, and given a cost centre, that no
// client of all uses, such that all with it appended validates against
// envs: the client a test appends to the real slice (clients.All), which
// may hold any name a newcomer onboarded. The name is the first of
// newcomer, newcomer-2, newcomer-3, … that fits, so a test sees the same
// name on every run of the same slice.
func Fresh(t testing.TB, all []clients.Client, envs []config.Environment, c clients.Client) clients.Client {
	t.Helper()
	c, err := FreshClient(all, envs, c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FreshClient is Fresh for code outside a test.
func FreshClient(all []clients.Client, envs []config.Environment, c clients.Client) (clients.Client, error) {
	var last error
	for i := 1; i <= 100; i++ {
		name, cost := freshPrefix, "cc-newcomer"
		if i > 1 {
			name, cost = fmt.Sprintf("%s-%d", freshPrefix, i), fmt.Sprintf("cc-newcomer-%d", i)
		}
		if used(all, name, cost) {
			continue
		}
		c.Name, c.CostCentre = name, cost
		if last = clients.Validate(append(append([]clients.Client{}, all...), c), envs); last == nil {
			return c, nil
		}
	}
	return clients.Client{}, fmt.Errorf("no fresh client name fits the configuration; the last candidate: %v", last)
}

func used(all []clients.Client, name, cost string) bool {
	for _, c := range all {
		if c.Name == name || c.CostCentre == cost {
			return true
		}
	}
	return false
}

// Newcomer is the client the onboarding tests append, before Fresh
// renames it: in every environment of envs, with a database and a budget
// override in the first, a bucket with a lifecycle, an application with
// database access and one that only reads. Its name and cost centre are
// placeholders for Fresh's.
func Newcomer(envs []config.Environment) clients.Client {
	c := clients.Client{
		Name:        "newcomer",
		DisplayName: "Newcomer",
		CostCentre:  "cc-newcomer",
		Buckets: []clients.Bucket{
			{Name: "data", Lifecycle: clients.Lifecycle{Transitions: []clients.Transition{{Days: 60, StorageClass: "GLACIER_IR"}}}},
		},
		Applications: []clients.Application{
			{Name: "api", Port: 8080, Buckets: map[string]clients.Access{"data": clients.ReadWrite}, Database: true},
			{Name: "etl", Buckets: map[string]clients.Access{"data": clients.ReadOnly}},
		},
	}
	for i, e := range envs {
		ce := clients.Environment{Name: e.Name}
		if i == 0 {
			ce.Database = &clients.DatabaseSize{InstanceClass: "db.r6g.xlarge", AllocatedStorageGiB: 150, MaxAllocatedStorageGiB: 300}
			ce.MonthlyBudgetUSD = 7500
		}
		c.Environments = append(c.Environments, ce)
	}
	return c
}

// FreshNames returns n client names no client of all uses, the names
// Fresh gives in its order (newcomer, newcomer-2, …): for tests that need
// many clients at once, such as the pipelines of 1,000 clients.
func FreshNames(all []clients.Client, n int) []string {
	var out []string
	for i := 1; len(out) < n; i++ {
		name := freshPrefix
		if i > 1 {
			name = fmt.Sprintf("%s-%d", freshPrefix, i)
		}
		if !used(all, name, "") {
			out = append(out, name)
		}
	}
	return out
}
