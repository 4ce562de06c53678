package clientstest

import (
	"stratum/clients"
	"stratum/config"
)

// ClientSeed is one input of clients' fuzzer: a client renamed from
// Sample()'s ezra that adds an environment with node and database
// overrides, a bucket with two transitions and an application reading or
// writing it.
type ClientSeed struct {
	Name, Env, Bucket, App string
	// Class1 and Class2 are the storage classes of the transitions after
	// Days1 and Days2; an empty class leaves its transition out.
	Class1, Class2 string
	Access         string
	DatabaseClass  string
	// NodeType, MinSize, DesiredSize, MaxSize and DiskSize are the node
	// override's.
	NodeType, CostCentre                    string
	Days1, Days2, Expiration, Noncurrent    int
	Allocated, MaxAllocated, Retention      int
	MinSize, DesiredSize, MaxSize, DiskSize int
}

// Clients are Sample() with the seed's client in place of ezra.
func (s ClientSeed) Clients() []clients.Client {
	all := Sample()
	c := &all[Ezra]
	c.Name, c.CostCentre = s.Name, s.CostCentre
	c.Environments = append(c.Environments, clients.Environment{
		Name:     s.Env,
		Nodes:    &config.NodeGroup{InstanceTypes: []string{s.NodeType}, MinSize: s.MinSize, DesiredSize: s.DesiredSize, MaxSize: s.MaxSize, DiskSizeGiB: s.DiskSize},
		Database: &clients.DatabaseSize{InstanceClass: s.DatabaseClass, AllocatedStorageGiB: s.Allocated, MaxAllocatedStorageGiB: s.MaxAllocated, BackupRetentionDays: s.Retention},
	})
	var ts []clients.Transition
	for _, t := range []clients.Transition{{Days: s.Days1, StorageClass: s.Class1}, {Days: s.Days2, StorageClass: s.Class2}} {
		if t.StorageClass != "" {
			ts = append(ts, t)
		}
	}
	c.Buckets = append(c.Buckets, clients.Bucket{Name: s.Bucket, Lifecycle: clients.Lifecycle{
		Transitions:                     ts,
		ExpirationDays:                  s.Expiration,
		NoncurrentVersionExpirationDays: s.Noncurrent,
		AbortIncompleteUploadDays:       s.Noncurrent,
	}})
	c.Applications = append(c.Applications, clients.Application{Name: s.App, Buckets: map[string]clients.Access{s.Bucket: clients.Access(s.Access)}})
	return all
}

// AcceptedClientSeeds is how many of ClientSeeds, the first ones,
// clients.Validate accepts.
const AcceptedClientSeeds = 2

// ClientSeeds are the fuzzer's seeds: a typical client, a valid one at the
// edges of what is allowed, and refused ones.
var ClientSeeds = []ClientSeed{
	{
		Name: "acme", Env: "dev", Bucket: "media", App: "api", Class1: "STANDARD_IA", Class2: "GLACIER", Access: "read",
		DatabaseClass: "db.r6g.large", NodeType: "m6i.large", CostCentre: "cc-1",
		Days1: 30, Days2: 90, Expiration: 365, Noncurrent: 0, Allocated: 100, MaxAllocated: 200, Retention: 14,
		MinSize: 1, DesiredSize: 2, MaxSize: 3, DiskSize: 50,
	},
	{
		// The longest client name, the largest storage that still
		// autoscales, the longest retention, the smallest class of the
		// largest memory ratio Stratum knows, bare-metal nodes, an empty node
		// group.
		Name: "b1234567890123456789", Env: "dev", Bucket: "x", App: "a", Class1: "INTELLIGENT_TIERING", Class2: "GLACIER_IR", Access: "read-write",
		DatabaseClass: "db.x2g.large", NodeType: "c7gn.metal", CostCentre: "CC/1001 @ HQ",
		Days1: 0, Days2: 1, Expiration: 0, Noncurrent: 1, Allocated: 59578, MaxAllocated: 65536, Retention: 35,
		MinSize: 0, DesiredSize: 0, MaxSize: 1, DiskSize: 20,
	},
	{},
	{
		Name: "kube-x", Env: "qa", Bucket: "s3alias", App: "default", Class1: "ONEZONE_IA", Class2: "GLACIER_IR", Access: "read-write",
		DatabaseClass: "db.", NodeType: "db.m6i.large", CostCentre: "#",
		Days1: -30, Days2: -1, Expiration: 1, Noncurrent: 1, Allocated: 65537, MaxAllocated: -1, Retention: 36,
		MinSize: -1, DesiredSize: 5, MaxSize: 4, DiskSize: 16385,
	},
}
