package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/constructs/propstest"
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
	validate := func(p Props) error { return p.withDefaults().validate() }
	propstest.Accepts(t, validProps, validate, []propstest.Case[Props]{
		{Name: "defaults", Mutate: func(*Props) {}},
		{Name: "hyphenated instance family", Mutate: func(p *Props) { p.InstanceClass = "db.m7i-flex.large" }},
		{Name: "bare metal", Mutate: func(p *Props) { p.InstanceClass = "db.m7g.metal-48xl" }},
		{Name: "exact version", Mutate: func(p *Props) { p.EngineVersion = "18.1" }},
		{Name: "storage autoscaling off at the largest size", Mutate: func(p *Props) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 65536, 0 }},
		{Name: "windows that touch", Mutate: func(p *Props) { p.BackupWindow, p.MaintenanceWindow = "01:00-02:00", "sun:02:00-sun:03:00" }},
	})
	propstest.Check(t, validProps, validate, []propstest.Case[Props]{
		{Name: "uppercase identifier", Mutate: func(p *Props) { p.Identifier = "Stratum-dev" }, Want: "Identifier"},
		{Name: "double hyphen", Mutate: func(p *Props) { p.Identifier = "stratum--dev" }, Want: "Identifier"},
		{Name: "trailing hyphen", Mutate: func(p *Props) { p.Identifier = "stratum-dev-" }, Want: "Identifier"},
		{Name: "long identifier", Mutate: func(p *Props) { p.Identifier = "a" + strings.Repeat("b", 50) }, Want: "Identifier"},
		{Name: "hyphen in database name", Mutate: func(p *Props) { p.DatabaseName = "mtn-ghana" }, Want: "DatabaseName"},
		{Name: "no VPC", Mutate: func(p *Props) { p.VPCID = nil }, Want: "VPCID"},
		{Name: "no subnets", Mutate: func(p *Props) { p.SubnetIDs = nil }, Want: "SubnetIDs"},
		{Name: "engine name in version", Mutate: func(p *Props) { p.EngineVersion = "postgres17" }, Want: "EngineVersion"},
		{Name: "major out of standard support", Mutate: func(p *Props) { p.EngineVersion = "13" }, Want: "EngineVersion"},
		{Name: "class without db.", Mutate: func(p *Props) { p.InstanceClass = "t4g.micro" }, Want: "InstanceClass"},
		{Name: "tiny storage", Mutate: func(p *Props) { p.AllocatedStorageGiB = 10 }, Want: "AllocatedStorageGiB"},
		{Name: "autoscaling limit below 110%", Mutate: func(p *Props) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 100, 109 }, Want: "MaxAllocatedStorageGiB"},
		{Name: "retention too long", Mutate: func(p *Props) { p.BackupRetentionDays = 36 }, Want: "BackupRetentionDays"},
		{Name: "backup window format", Mutate: func(p *Props) { p.BackupWindow = "1am" }, Want: "BackupWindow"},
		{Name: "short maintenance window", Mutate: func(p *Props) { p.MaintenanceWindow = "sun:05:00-sun:05:10" }, Want: "MaintenanceWindow"},
		{Name: "overlapping windows", Mutate: func(p *Props) { p.BackupWindow, p.MaintenanceWindow = "05:00-06:00", "sun:05:30-sun:06:30" }, Want: "MaintenanceWindow"},
		{Name: "negative slow statement threshold", Mutate: func(p *Props) { p.SlowStatementMillis = -1 }, Want: "SlowStatementMillis"},
		{Name: "monitoring interval", Mutate: func(p *Props) { p.MonitoringIntervalSeconds = 20 }, Want: "MonitoringIntervalSeconds"},
		{Name: "log retention", Mutate: func(p *Props) { p.LogRetentionDays = 10 }, Want: "LogRetentionDays"},
		{Name: "backup plan without role", Mutate: func(p *Props) { p.Backup = &BackupPlan{PlanID: jsii.String("p")} }, Want: "Backup"},
	})
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
