package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/testkit/propstest"
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
		{Name: "largest known class", Mutate: func(p *Props) { p.InstanceClass = "db.r8g.48xlarge" }},
		{Name: "alarms", Mutate: func(p *Props) { p.Alarms = validAlarms() }},
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
		// The alarms are relative to the class's memory and credits.
		{Name: "class Stratum does not know", Mutate: func(p *Props) { p.InstanceClass = "db.m7i-flex.large" }, Want: "InstanceClass"},
		{Name: "alarms without topic", Mutate: func(p *Props) { p.Alarms = validAlarms(); p.Alarms.Topic = nil }, Want: "Alarms.Topic"},
		{Name: "alarms without runbooks", Mutate: func(p *Props) { p.Alarms = validAlarms(); p.Alarms.Runbook = nil }, Want: "Alarms.Runbook"},
		{Name: "alarm threshold", Mutate: func(p *Props) { p.Alarms = validAlarms(); p.Alarms.ConnectionsPercent = 0 }, Want: "Alarms.ConnectionsPercent"},
		{Name: "free storage at autoscaling's trigger", Mutate: func(p *Props) { p.Alarms = validAlarms(); p.Alarms.FreeStoragePercent = 10 }, Want: "Alarms.FreeStoragePercent"},
	})
}

func validAlarms() *Alarms {
	return &Alarms{
		Topic:      jsii.String("arn:aws:sns:us-east-1:111111111111:stratum-dev-alarms"),
		Runbook:    func(kind string) string { return "docs/runbooks/alerts/" + kind + ".md" },
		CPUPercent: 80, FreeStoragePercent: 5, FreeMemoryPercent: 10, ConnectionsPercent: 80, CPUCreditsPercent: 20,
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
	if testing.Short() {
		t.Skip("synthesizes an app of its own (jsii loads the AWS provider: seconds); runs without -short")
	}
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
	full.Alarms = validAlarms()
	New(stack, "full", &full)
	large := validProps()
	large.Identifier, large.InstanceClass = "large", "db.r6g.large"
	large.AllocatedStorageGiB, large.MaxAllocatedStorageGiB = 100, 1000
	large.Alarms = validAlarms()
	New(stack, "large", &large)

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

	t.Run("alarms", func(t *testing.T) {
		if find("aws_cloudwatch_metric_alarm", "defaults") != nil || find("aws_db_event_subscription", "defaults") != nil {
			t.Error("alarms without Alarms")
		}
		alarms := map[string]map[string]any{}
		for _, a := range out.Resource["aws_cloudwatch_metric_alarm"] {
			alarms[a["alarm_name"].(string)] = a
		}
		// A burstable class gets the CPU credits alarm, a db.r6g none.
		for name, want := range map[string]bool{
			"stratum-dev-acme-db-cpu": true, "stratum-dev-acme-db-cpu-credits": true,
			"large-db-cpu": true, "large-db-free-storage": true, "large-db-freeable-memory": true,
			"large-db-connections": true, "large-db-cpu-credits": false,
		} {
			if _, ok := alarms[name]; ok != want {
				t.Errorf("alarm %s exists = %t, want %t (have %d alarms)", name, ok, want, len(alarms))
			}
		}
		thresholds := map[string]float64{
			// 5 % of 100 GiB; 10 % of 16 GiB; 80 % of the estimate for
			// 16 GiB; 20 % of db.t4g.micro's 288 credits.
			"large-db-free-storage": 5 * (1 << 30), "large-db-freeable-memory": 1717986918, // 1.6 GiB, to the byte
			"large-db-connections": 1297, "stratum-dev-acme-db-cpu-credits": 57, "large-db-cpu": 80,
		}
		for name, want := range thresholds {
			if got := alarms[name]["threshold"]; got != want {
				t.Errorf("%s threshold = %v, want %v", name, got, want)
			}
		}
		for name, a := range alarms {
			if fmt.Sprint(a["alarm_actions"]) != "[arn:aws:sns:us-east-1:111111111111:stratum-dev-alarms]" || fmt.Sprint(a["ok_actions"]) != fmt.Sprint(a["alarm_actions"]) {
				t.Errorf("%s: actions %v / %v, want the topic for both", name, a["alarm_actions"], a["ok_actions"])
			}
			kind := name[strings.Index(name, "-db-")+1:]
			if !strings.HasSuffix(fmt.Sprint(a["alarm_description"]), "Runbook: docs/runbooks/alerts/"+kind+".md") {
				t.Errorf("%s: description %q does not end with its runbook", name, a["alarm_description"])
			}
			if !strings.Contains(fmt.Sprint(a["dimensions"]), "DBInstanceIdentifier:${aws_db_instance.") {
				t.Errorf("%s: dimensions %v, want the instance's identifier", name, a["dimensions"])
			}
		}
		sub := find("aws_db_event_subscription", "large")
		if sub == nil || sub["name"] != "large-db-events" || sub["source_type"] != "db-instance" || !strings.Contains(fmt.Sprint(sub["source_ids"]), "aws_db_instance.large_instance") {
			t.Fatalf("event subscription %v", sub)
		}
		for _, c := range []string{"availability", "failover", "failure", "low storage", "maintenance", "notification"} {
			if !strings.Contains(fmt.Sprint(sub["event_categories"]), c) {
				t.Errorf("event categories %v lack %q", sub["event_categories"], c)
			}
		}
		if tags, _ := sub["tags"].(map[string]any); tags["Runbook"] != "docs/runbooks/alerts/db-events.md" {
			t.Errorf("subscription tags %v, want its runbook", sub["tags"])
		}
	})
}
