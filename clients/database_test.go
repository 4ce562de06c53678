package clients

import (
	"strings"
	"testing"

	"stratum/config"
	_ "stratum/internal/golden" // accepts -update
)

func TestDatabaseConfig(t *testing.T) {
	base := config.Database{InstanceClass: "db.t4g.medium", AllocatedStorageGiB: 50, MaxAllocatedStorageGiB: 200, BackupRetentionDays: 7, MultiAZ: true}
	cases := []struct {
		name     string
		override *DatabaseSize
		want     config.Database
	}{
		{"no override", nil, base},
		{"class only", &DatabaseSize{InstanceClass: "db.r6g.large"},
			config.Database{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 50, MaxAllocatedStorageGiB: 200, BackupRetentionDays: 7, MultiAZ: true}},
		{"everything", &DatabaseSize{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, BackupRetentionDays: 21},
			config.Database{InstanceClass: "db.r6g.large", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, BackupRetentionDays: 21, MultiAZ: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Environment{Name: "dev", Database: tc.override}).DatabaseConfig(base); got != tc.want {
				t.Errorf("DatabaseConfig = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	if err := Validate(All, config.Environments()); err != nil {
		t.Fatalf("Validate(All) = %v", err)
	}
	cases := []struct {
		name   string
		client Client
		want   string
	}{
		{"double hyphen", Client{Name: "a--b"}, `client "a--b": Name:`},
		{"storage above the environment's autoscaling limit",
			Client{Name: "big", Environments: []Environment{{Name: "staging", Database: &DatabaseSize{AllocatedStorageGiB: 300}}}},
			`client "big": Environments["staging"].Database.MaxAllocatedStorageGiB: 200`},
		{"short prod retention",
			Client{Name: "brief", Environments: []Environment{{Name: "prod", Database: &DatabaseSize{BackupRetentionDays: 3}}}},
			`client "brief": Environments["prod"].Database.BackupRetentionDays: 3`},
		{"bad class",
			Client{Name: "odd", Environments: []Environment{{Name: "dev", Database: &DatabaseSize{InstanceClass: "large"}}}},
			`client "odd": Environments["dev"].Database.InstanceClass: "large"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate([]Client{tc.client}, config.Environments())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate(%s) = %v, want a problem starting %q", tc.client.Name, err, tc.want)
			}
		})
	}
}
