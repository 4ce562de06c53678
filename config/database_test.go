package config

import (
	"strings"
	"testing"

	_ "stratum/internal/golden" // accepts -update
)

func TestEnvironmentsAreValid(t *testing.T) {
	if err := Validate(Environments()); err != nil {
		t.Fatalf("Validate(Environments()) = %v", err)
	}
}

// TestValidateDatabase: each bad value is reported with the environment,
// the field and the value.
func TestValidateDatabase(t *testing.T) {
	cases := []struct {
		name   string
		env    string
		field  string
		mutate func(*Environment)
	}{
		{"engine name in version", "dev", "Database.EngineVersion", func(e *Environment) { e.Database.EngineVersion = "postgres17" }},
		{"old major", "dev", "Database.EngineVersion", func(e *Environment) { e.Database.EngineVersion = "11" }},
		{"class", "dev", "Database.InstanceClass", func(e *Environment) { e.Database.InstanceClass = "t4g.micro" }},
		{"storage", "dev", "Database.AllocatedStorageGiB", func(e *Environment) { e.Database.AllocatedStorageGiB = 5 }},
		{"autoscaling limit", "staging", "Database.MaxAllocatedStorageGiB", func(e *Environment) { e.Database.MaxAllocatedStorageGiB = 54 }},
		{"short prod retention", "prod", "Database.BackupRetentionDays", func(e *Environment) { e.Database.BackupRetentionDays = 7 }},
		{"window format", "dev", "Database.BackupWindow", func(e *Environment) { e.Database.BackupWindow = "1am" }},
		{"overlap", "staging", "Database.MaintenanceWindow", func(e *Environment) { e.Database.BackupWindow = "05:30-06:30" }},
		{"maintenance format", "dev", "Database.MaintenanceWindow", func(e *Environment) { e.Database.MaintenanceWindow = "sun 05:00" }},
		{"prod single-AZ", "prod", "Database.MultiAZ", func(e *Environment) { e.Database.MultiAZ = false }},
		{"prod destroyable", "prod", "Database.PreventDestroy", func(e *Environment) { e.Database.PreventDestroy = false }},
		{"prod without final snapshot", "prod", "Database.SkipFinalSnapshot", func(e *Environment) { e.Database.SkipFinalSnapshot = true }},
		{"prod without deletion protection", "prod", "DeletionProtection", func(e *Environment) { e.DeletionProtection = false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			envs := Environments()
			for i := range envs {
				if envs[i].Name == tc.env {
					tc.mutate(&envs[i])
				}
			}
			err := Validate(envs)
			if err == nil {
				t.Fatal("Validate: no error")
			}
			want := `environment "` + tc.env + `": ` + tc.field + ":"
			if !strings.Contains(err.Error(), want) {
				t.Errorf("Validate() = %v, want a problem starting %q", err, want)
			}
		})
	}
}
