package clients_test

import (
	"strings"
	"testing"

	"stratum/awsrules"
	"stratum/clients"
	"stratum/config"
	"stratum/testkit/clientstest"
	"stratum/testkit/configtest"
)

const (
	mtn  = clientstest.MTN
	ezra = clientstest.Ezra
)

const mtnOwner = `client "mtn-ghana"`

func TestValidateRules(t *testing.T) {
	validate := func(all []clients.Client) error { return clients.Validate(all, config.Environments()) }
	configtest.CheckRules(t, clientstest.ClientCases, clientstest.Sample, validate, mtnOwner)
}

func TestAllIsValid(t *testing.T) {
	if err := clients.Validate(clients.All, config.Environments()); err != nil {
		t.Errorf("clients.All does not validate:\n%v", err)
	}
}

// TestValidateReportsEverything: independent problems of different clients
// are all reported by one call, in client order.
func TestValidateReportsEverything(t *testing.T) {
	all := clientstest.Sample()
	all[mtn].Buckets[0].Lifecycle.Transitions[0].Days = 10
	all[mtn].Applications[0].Buckets["media"] = "admin"
	all[ezra].Environments[0].Name = "production"
	configtest.ExpectProblems(t, clients.Validate(all, config.Environments()),
		mtnOwner+": Buckets[media].Lifecycle.Transitions[0].Days: 10",
		mtnOwner+`: Applications[api].Buckets[media]: "admin"`,
		`client "ezra": Environments[0].Name: "production"`,
	)
}

// TestMaxNameLengthFitsDerivedNames: a client name of MaxNameLength in an
// environment name of config.MaxEnvironmentNameLength still gives a valid
// namespace and node group name, so those limits need no check of their
// own.
func TestMaxNameLengthFitsDerivedNames(t *testing.T) {
	longest := strings.Repeat("e", config.MaxEnvironmentNameLength)
	client := strings.Repeat("c", clients.MaxNameLength)
	if name := (clients.Client{Name: client}).NamesIn(longest).NodeGroup; len(name) > awsrules.MaxNodeGroupNameLength {
		t.Errorf("node group %q is longer than %d", name, awsrules.MaxNodeGroupNameLength)
	}
	if !awsrules.IsDNSLabel(client, 63) {
		t.Errorf("namespace %q is not a DNS label of at most 63 characters", client)
	}
}

// FuzzValidate adds a client environment, a bucket and an application to
// a sample client from fuzzed values (clientstest.ClientSeed says how):
// Validate must never panic, and every problem must name its owner, field
// and what is allowed. The seeds include accepted configurations, which
// the stacks must build (stacks.TestValidConfigurationsBuild).
func FuzzValidate(f *testing.F) {
	for _, s := range clientstest.ClientSeeds {
		f.Add(s.Name, s.Env, s.Bucket, s.App, s.Class1, s.Class2, s.Access, s.DatabaseClass, s.NodeType, s.CostCentre,
			s.Days1, s.Days2, s.Expiration, s.Noncurrent, s.Allocated, s.MaxAllocated, s.Retention, s.MinSize, s.DesiredSize, s.MaxSize, s.DiskSize)
	}
	f.Fuzz(func(t *testing.T, name, env, bucket, app, class1, class2, access, dbClass, nodeType, cost string,
		days1, days2, expiration, noncurrent, allocated, maxAllocated, retention, minSize, desired, maxSize, disk int) {
		all := clientstest.ClientSeed{
			Name: name, Env: env, Bucket: bucket, App: app, Class1: class1, Class2: class2, Access: access,
			DatabaseClass: dbClass, NodeType: nodeType, CostCentre: cost,
			Days1: days1, Days2: days2, Expiration: expiration, Noncurrent: noncurrent, Allocated: allocated, MaxAllocated: maxAllocated,
			Retention: retention, MinSize: minSize, DesiredSize: desired, MaxSize: maxSize, DiskSize: disk,
		}.Clients()
		configtest.CheckProblems(t, clients.Validate(all, config.Environments()))
	})
}

// TestClientSeeds: the fuzzer starts from clients Validate accepts as well
// as ones it refuses.
func TestClientSeeds(t *testing.T) {
	configtest.CheckSeeds(t, len(clientstest.ClientSeeds), clientstest.AcceptedClientSeeds, func(i int) error {
		return clients.Validate(clientstest.ClientSeeds[i].Clients(), config.Environments())
	})
}
