package clients

import (
	"reflect"
	"testing"

	"stratum/config"
)

// TestIn: a tenancy is the environment's defaults with exactly the
// client's non-zero overrides applied, and nothing where the client is not.
func TestIn(t *testing.T) {
	env := config.Environment{
		Name:   "dev",
		Domain: "dev.example.com",
		Cluster: config.Cluster{ClientNodes: config.NodeGroup{
			InstanceTypes: []string{"t3.large"}, MinSize: 1, DesiredSize: 1, MaxSize: 3, DiskSizeGiB: 50,
		}, ClientLoadBalancers: 2},
		Database: config.Database{InstanceClass: "db.t4g.medium", AllocatedStorageGiB: 50, MaxAllocatedStorageGiB: 200, BackupRetentionDays: 7, MultiAZ: true},
	}
	nodes := config.NodeGroup{InstanceTypes: []string{"m6i.xlarge"}, MinSize: 2, DesiredSize: 2, MaxSize: 4, DiskSizeGiB: 100}
	cases := []struct {
		name     string
		settings Environment
		want     Tenancy
	}{
		{"no override", Environment{Name: "dev"}, Tenancy{
			Nodes: env.Cluster.ClientNodes, Database: env.Database,
			Quota: Quota{Pods: DefaultQuota.Pods, CPU: DefaultQuota.CPU, Memory: DefaultQuota.Memory, StorageGiB: DefaultQuota.StorageGiB, LoadBalancers: 2},
		}},
		{"some fields", Environment{Name: "dev",
			Database: &DatabaseSize{InstanceClass: "db.r6g.large"},
			Quota:    &Quota{Pods: 500},
		}, Tenancy{
			Nodes:    env.Cluster.ClientNodes,
			Database: config.Database{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 50, MaxAllocatedStorageGiB: 200, BackupRetentionDays: 7, MultiAZ: true},
			Quota:    Quota{Pods: 500, CPU: DefaultQuota.CPU, Memory: DefaultQuota.Memory, StorageGiB: DefaultQuota.StorageGiB, LoadBalancers: 2},
		}},
		{"everything", Environment{Name: "dev",
			Nodes:    &nodes,
			Database: &DatabaseSize{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, BackupRetentionDays: 21},
			Quota:    &Quota{Pods: 10, CPU: "4", Memory: "8Gi", StorageGiB: 20, LoadBalancers: 5},
		}, Tenancy{
			Nodes:    nodes,
			Database: config.Database{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, BackupRetentionDays: 21, MultiAZ: true},
			Quota:    Quota{Pods: 10, CPU: "4", Memory: "8Gi", StorageGiB: 20, LoadBalancers: 5},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Client{Name: "acme", Environments: []Environment{{Name: "prod"}, tc.settings}}
			got, ok := c.In(env)
			if !ok {
				t.Fatal("In(dev): not found")
			}
			tc.want.Client, tc.want.Env, tc.want.Names, tc.want.Domain = c, env, c.NamesIn("dev"), "acme.dev.example.com"
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("In(dev) = %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, ok := (Client{Name: "acme", Environments: []Environment{{Name: "prod"}}}).In(env); ok {
		t.Error("In(dev) found a client that lists prod only")
	}
}

// TestTenancies: the clients that list the environment, in slice order.
func TestTenancies(t *testing.T) {
	all := []Client{
		{Name: "a", Environments: []Environment{{Name: "dev"}}},
		{Name: "b", Environments: []Environment{{Name: "prod"}}},
		{Name: "c", Environments: []Environment{{Name: "prod"}, {Name: "dev"}}},
	}
	var got []string
	for _, tn := range Tenancies(all, config.Environment{Name: "dev"}) {
		got = append(got, tn.Client.Name)
	}
	if want := []string{"a", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tenancies(dev) = %v, want %v", got, want)
	}
}
