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

func TestWindowsOverlap(t *testing.T) {
	cases := []struct {
		name                string
		backup, maintenance string
		want                bool
	}{
		{"apart", "01:00-02:00", "sun:05:00-sun:06:00", false},
		{"same hour on sunday", "05:00-06:00", "sun:05:30-sun:06:30", true},
		{"backup ends as maintenance starts", "04:00-05:00", "sun:05:00-sun:06:00", false},
		{"maintenance ends as backup starts", "06:00-07:00", "sun:05:00-sun:06:00", false},
		{"backup wraps midnight", "23:30-00:30", "mon:00:00-mon:01:00", true},
		{"maintenance wraps the week", "00:00-00:30", "sun:23:00-mon:00:15", true},
		{"maintenance spans days", "12:00-12:30", "sat:18:00-sun:13:00", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := WindowsOverlap(tc.backup, tc.maintenance)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("WindowsOverlap(%q, %q) = %t, want %t", tc.backup, tc.maintenance, got, tc.want)
			}
		})
	}
}

func TestWindowsOverlapErrors(t *testing.T) {
	cases := map[string][2]string{
		"backup without minutes":  {"1-2", "sun:05:00-sun:06:00"},
		"backup 25 o'clock":       {"25:00-26:00", "sun:05:00-sun:06:00"},
		"maintenance unknown day": {"01:00-02:00", "sunday:05:00-sun:06:00"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := WindowsOverlap(tc[0], tc[1]); err == nil {
				t.Errorf("WindowsOverlap(%q, %q): no error", tc[0], tc[1])
			}
		})
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
