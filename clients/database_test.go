package clients

import (
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
