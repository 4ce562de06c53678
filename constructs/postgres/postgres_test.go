package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

func validProps() Props {
	return Props{
		Identifier:   "stratum-dev-acme",
		DatabaseName: "acme",
		VPCID:        jsii.String("vpc-1"),
		SubnetIDs:    jsii.Strings("subnet-a", "subnet-b"),
	}
}

func TestValidate(t *testing.T) {
	// What the configuration's validation accepts, the construct accepts:
	// both use the rules of package awsrules.
	good := []struct {
		name   string
		mutate func(*Props)
	}{
		{"defaults", func(*Props) {}},
		{"hyphenated instance family", func(p *Props) { p.InstanceClass = "db.m7i-flex.large" }},
		{"bare metal", func(p *Props) { p.InstanceClass = "db.m7g.metal-48xl" }},
		{"exact version", func(p *Props) { p.EngineVersion = "18.1" }},
		{"storage autoscaling off at the largest size", func(p *Props) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 65536, 0 }},
		{"windows that touch", func(p *Props) { p.BackupWindow, p.MaintenanceWindow = "01:00-02:00", "sun:02:00-sun:03:00" }},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			tc.mutate(&p)
			if err := p.withDefaults().validate(); err != nil {
				t.Errorf("validate() = %v, want nil", err)
			}
		})
	}
	bad := []struct {
		name   string
		prop   string
		mutate func(*Props)
	}{
		{"uppercase identifier", "Identifier", func(p *Props) { p.Identifier = "Stratum-dev" }},
		{"double hyphen", "Identifier", func(p *Props) { p.Identifier = "stratum--dev" }},
		{"trailing hyphen", "Identifier", func(p *Props) { p.Identifier = "stratum-dev-" }},
		{"long identifier", "Identifier", func(p *Props) { p.Identifier = "a" + strings.Repeat("b", 50) }},
		{"hyphen in database name", "DatabaseName", func(p *Props) { p.DatabaseName = "mtn-ghana" }},
		{"no VPC", "VPCID", func(p *Props) { p.VPCID = nil }},
		{"no subnets", "SubnetIDs", func(p *Props) { p.SubnetIDs = nil }},
		{"engine name in version", "EngineVersion", func(p *Props) { p.EngineVersion = "postgres17" }},
		{"major out of standard support", "EngineVersion", func(p *Props) { p.EngineVersion = "13" }},
		{"class without db.", "InstanceClass", func(p *Props) { p.InstanceClass = "t4g.micro" }},
		{"tiny storage", "AllocatedStorageGiB", func(p *Props) { p.AllocatedStorageGiB = 10 }},
		{"autoscaling limit below 110%", "MaxAllocatedStorageGiB", func(p *Props) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 100, 109 }},
		{"retention too long", "BackupRetentionDays", func(p *Props) { p.BackupRetentionDays = 36 }},
		{"backup window format", "BackupWindow", func(p *Props) { p.BackupWindow = "1am" }},
		{"short maintenance window", "MaintenanceWindow", func(p *Props) { p.MaintenanceWindow = "sun:05:00-sun:05:10" }},
		{"overlapping windows", "MaintenanceWindow", func(p *Props) { p.BackupWindow, p.MaintenanceWindow = "05:00-06:00", "sun:05:30-sun:06:30" }},
		{"negative slow statement threshold", "SlowStatementMillis", func(p *Props) { p.SlowStatementMillis = -1 }},
		{"monitoring interval", "MonitoringIntervalSeconds", func(p *Props) { p.MonitoringIntervalSeconds = 20 }},
		{"log retention", "LogRetentionDays", func(p *Props) { p.LogRetentionDays = 10 }},
		{"backup plan without role", "Backup", func(p *Props) { p.Backup = &BackupPlan{PlanID: jsii.String("p")} }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			tc.mutate(&p)
			err := p.withDefaults().validate()
			if err == nil || !strings.Contains(err.Error(), tc.prop) {
				t.Errorf("validate() = %v, want an error naming %s", err, tc.prop)
			}
		})
	}
}

func TestNewPanicsOnBadProps(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "DatabaseName") {
			t.Errorf("New with a bad DatabaseName: recovered %v, want a panic naming DatabaseName", r)
		}
	}()
	p := validProps()
	p.DatabaseName = ""
	New(nil, "db", &p)
}

func TestParameterGroupFamily(t *testing.T) {
	for version, want := range map[string]string{"17": "postgres17", "17.4": "postgres17", "16.8": "postgres16"} {
		if got := ParameterGroupFamily(version); got != want {
			t.Errorf("ParameterGroupFamily(%q) = %q, want %q", version, got, want)
		}
	}
}

// TestDefaults synthesizes the construct with only the required props and
// with the optional ones, and checks what the defaults mean.
func TestDefaults(t *testing.T) {
	app := cdktf.Testing_App(nil)
	stack := cdktf.NewTerraformStack(app, jsii.String("test"))
	New(stack, "defaults", &Props{
		Identifier: "defaults", DatabaseName: "d", VPCID: jsii.String("vpc"), SubnetIDs: jsii.Strings("a", "b"),
	})
	full := validProps()
	full.EngineVersion = "16.8"
	full.BackupWindow, full.MaintenanceWindow = "01:00-02:00", "sun:05:00-sun:06:00"
	full.AllowDeletion, full.SkipFinalSnapshot, full.PreventDestroy = true, true, true
	full.Backup = &BackupPlan{PlanID: jsii.String("plan"), RoleARN: jsii.String("role")}
	full.Tags = map[string]string{"Client": "acme"}
	New(stack, "full", &full)

	var out struct {
		Resource map[string]map[string]map[string]any `json:"resource"`
	}
	if err := json.Unmarshal([]byte(*cdktf.Testing_Synth(stack, jsii.Bool(false))), &out); err != nil {
		t.Fatal(err)
	}
	find := func(typ, prefix string) map[string]any {
		t.Helper()
		for addr, r := range out.Resource[typ] {
			if strings.HasPrefix(addr, prefix+"_") {
				return r
			}
		}
		return nil
	}

	t.Run("defaults", func(t *testing.T) {
		inst := find("aws_db_instance", "defaults")
		want := map[string]any{
			"engine_version": "17", "instance_class": "db.t4g.micro",
			"allocated_storage": float64(20), "max_allocated_storage": float64(0),
			"backup_retention_period": float64(7), "monitoring_interval": float64(60),
			"deletion_protection": true, "skip_final_snapshot": false, "delete_automated_backups": false,
			"final_snapshot_identifier": "defaults-final", "multi_az": false,
		}
		for k, v := range want {
			if inst[k] != v {
				t.Errorf("%s = %v, want %v", k, inst[k], v)
			}
		}
		for _, k := range []string{"backup_window", "maintenance_window", "lifecycle", "tags"} {
			if v, ok := inst[k]; ok {
				t.Errorf("%s = %v, want unset", k, v)
			}
		}
		if find("aws_backup_selection", "defaults") != nil {
			t.Error("backup selection without a plan")
		}
		if g := find("aws_cloudwatch_log_group", "defaults"); g["retention_in_days"] != float64(30) {
			t.Errorf("log retention = %v, want 30", g["retention_in_days"])
		}
		pg := find("aws_db_parameter_group", "defaults")
		if pg["family"] != "postgres17" || !strings.Contains(fmt.Sprint(pg["parameter"]), "log_min_duration_statement value:1000") {
			t.Errorf("parameter group %v", pg)
		}
	})

	t.Run("full", func(t *testing.T) {
		inst := find("aws_db_instance", "full")
		want := map[string]any{
			"engine_version": "16.8", "backup_window": "01:00-02:00", "maintenance_window": "sun:05:00-sun:06:00",
			"deletion_protection": false, "skip_final_snapshot": true, "delete_automated_backups": true,
		}
		for k, v := range want {
			if inst[k] != v {
				t.Errorf("%s = %v, want %v", k, inst[k], v)
			}
		}
		if _, ok := inst["final_snapshot_identifier"]; ok {
			t.Error("final_snapshot_identifier set although skipped")
		}
		if fmt.Sprint(inst["lifecycle"]) != "map[prevent_destroy:true]" {
			t.Errorf("lifecycle = %v", inst["lifecycle"])
		}
		if fmt.Sprint(inst["tags"]) != "map[Client:acme]" {
			t.Errorf("tags = %v", inst["tags"])
		}
		if pg := find("aws_db_parameter_group", "full"); pg["family"] != "postgres16" || pg["name"] != "stratum-dev-acme-postgres16" {
			t.Errorf("parameter group family %v name %v", pg["family"], pg["name"])
		}
		sel := find("aws_backup_selection", "full")
		if sel == nil || sel["plan_id"] != "plan" || sel["iam_role_arn"] != "role" {
			t.Errorf("backup selection %v", sel)
		}
	})
}
