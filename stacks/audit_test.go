package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stratum/cis"
	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
	"stratum/tools/iameval"
)

// auditTargets are the audit layer's resources in env as IAM requests
// name them, by the IAM resource type an action acts on: what no role but
// the audit layer's may weaken.
func auditTargets(env config.Environment) map[string][]string {
	acct, region, n := env.AccountID, env.Region, env.AuditNames()
	arn := func(service, rest string) string {
		return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, acct, rest)
	}
	var buckets, objects []string
	for _, b := range deploy.AuditBuckets(env) {
		buckets = append(buckets, "arn:aws:s3:::"+b)
		objects = append(objects, "arn:aws:s3:::"+b+"/AWSLogs/"+acct+"/CloudTrail/"+region+"/2026/01/01/log.json.gz")
	}
	return map[string][]string{
		"trail":                     {arn("cloudtrail", "trail/"+n.Trail)},
		"bucket":                    buckets,
		"object":                    objects,
		"log-group":                 {arn("logs", "log-group:"+n.LogGroup), arn("logs", "log-group:"+n.LogGroup+":*")},
		"log-stream":                {arn("logs", "log-group:"+n.LogGroup+":log-stream:"+acct+"_CloudTrail_"+region)},
		"alarm":                     {arn("cloudwatch", "alarm:"+env.AuditPrefix()+"-root-usage")},
		"rule-on-default-event-bus": {arn("events", "rule/"+env.AuditPrefix()+"-guardduty-finding")},
		"topic":                     {arn("sns", n.Topic)},
		"role":                      {env.RoleARN(n.TrailLogsRole), env.RoleARN(n.ConfigRole), env.RoleARN(env.AuditPrefix() + "-new")},
		"detector":                  {arn("guardduty", "detector/0123456789abcdef0123456789abcdef")},
		"analyzer":                  {arn("access-analyzer", "analyzer/"+env.AuditPrefix()+"-access")},
		"ConfigRule":                {arn("config", "config-rule/config-rule-abc123")},
		"budget":                    {fmt.Sprintf("arn:aws:budgets::%s:budget/%s-budget", acct, env.AuditPrefix())},
	}
}

// auditServices are the services only the audit layer uses: every write
// to them, on any resource, is the audit layer's.
var auditServices = []string{"cloudtrail", "guardduty", "access-analyzer", "config"}

// harmlessAuditWrites are write actions of the audit's services and
// resources that neither stop, delete, narrow nor forge the record, so
// the boundary leaves them allowed where a role's own policy allows them.
var harmlessAuditWrites = []string{
	// Creating something new beside the audit: another trail, detector,
	// analyzer or event data store records more, never less; a second
	// detector or recorder in the region is refused by the service.
	"cloudtrail:StartLogging", "cloudtrail:RestoreEventDataStore", "cloudtrail:CreateServiceLinkedChannel",
	"cloudtrail:CreateTrail", "cloudtrail:CreateEventDataStore", "cloudtrail:CreateChannel", "cloudtrail:CreateDashboard",
	"cloudtrail:StartQuery", "cloudtrail:CancelQuery", "cloudtrail:GenerateQuery", "cloudtrail:StartDashboardRefresh",
	"cloudtrail:StartImport", "cloudtrail:StopImport", "cloudtrail:StartEventDataStoreIngestion",
	"guardduty:SendSecurityTelemetry", "guardduty:StartMalwareScan", "guardduty:SendObjectMalwareScan",
	// Administering other accounts' detectors, or un-archiving findings,
	// shows more, never less.
	"guardduty:InviteMembers", "guardduty:DeclineInvitations", "guardduty:StartMonitoringMembers",
	"guardduty:EnableOrganizationAdminAccount", "guardduty:UnarchiveFindings",
	"access-analyzer:CreateAccessPreview", "access-analyzer:CreateServiceLinkedAnalyzer", "access-analyzer:CreateAnalyzer", "access-analyzer:StartPolicyGeneration", "access-analyzer:CancelPolicyGeneration",
	"access-analyzer:StartResourceScan", "access-analyzer:GenerateFindingRecommendation",
	"config:StartConfigRulesEvaluation", "config:StartRemediationExecution", "config:StartResourceEvaluation",
	"config:SelectResourceConfig", "config:SelectAggregateResourceConfig", "config:BatchGetResourceConfig",
	"config:DeliverConfigSnapshot", "config:StartConfigurationRecorder",
	// Creating a bucket or a log stream of another name; restoring an
	// archived object; aborting an upload that is not a log file yet.
	"s3:CreateBucket", "s3:RestoreObject", "s3:CreateBucketMetadataTableConfiguration",
	// The buckets enforce bucket-owner ownership: there is nothing to
	// override.
	"s3:ObjectOwnerOverrideToBucketOwner", "s3:AbortMultipartUpload", "s3:CreateJob", "s3:UpdateJobPriority",
	"s3:UpdateJobStatus", "s3:PutAccessPointPolicyForObjectLambda", "s3:CreateAccessPointForObjectLambda",
	"s3:DeleteAccessPointForObjectLambda", "s3:PutAccessPointConfigurationForObjectLambda",
	"logs:CreateLogGroup", "logs:StartQuery", "logs:StopQuery", "logs:StartLiveTail", "logs:StopLiveTail", "logs:CreateExportTask",
	"logs:CancelExportTask", "logs:CreateLogAnomalyDetector", "logs:Unmask", "logs:CreateDelivery", "logs:StartLiveTail",
	// Publishing to or subscribing an address to the audit topic adds a
	// reader, never removes one; confirming a subscription likewise.
	"sns:Publish", "sns:Subscribe", "sns:ConfirmSubscription", "sns:CreateTopic",
	// Reading alarm history, enabling actions, creating rules and budgets
	// of other names.
	"cloudwatch:EnableAlarmActions", "events:CreateApiDestination", "events:CreateArchive", "events:CreateConnection",
	"events:CreateEndpoint", "events:CreateEventBus", "events:CreatePartnerEventSource", "events:EnableRule",
	"events:StartReplay", "events:RetrieveConnectionCredentials", "events:InvokeApiDestination",
	"budgets:CreateBudgetAction", "budgets:ExecuteBudgetAction",
	// Passing a role is how a service is given one, not a change to it.
	"iam:PassRole", "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
}

// auditTamperings are the requests a role could weaken the audit with in
// env: every write, permissions and tagging action of the audit's own
// services, and those of the shared services that act on one of the audit
// layer's resources (the IAM action catalog, expanded), but the harmless.
func auditTamperings(t *testing.T, cat *iameval.Catalog, env config.Environment) []iameval.Request {
	t.Helper()
	targets := auditTargets(env)
	var out []iameval.Request
	for _, a := range cat.Actions() {
		if a.AccessLevel == "List" || a.AccessLevel == "Read" || slices.Contains(harmlessAuditWrites, a.Name) {
			continue
		}
		service, _, _ := strings.Cut(a.Name, ":")
		if slices.Contains(auditServices, service) {
			out = append(out, iameval.Request{Action: a.Name, Resource: "*"})
			continue
		}
		if !slices.Contains([]string{"s3", "logs", "cloudwatch", "events", "sns", "iam", "budgets"}, service) {
			continue
		}
		for _, typ := range a.ResourceTypes {
			for _, r := range targets[typ] {
				out = append(out, iameval.Request{Action: a.Name, Resource: r})
			}
		}
	}
	// The audit key, which the boundary knows by its alias.
	key := fmt.Sprintf("arn:aws:kms:%s:%s:key/0123abcd-0000-0000-0000-000000000000", env.Region, env.AccountID)
	for _, a := range deploy.AuditKeyTampering {
		for _, name := range cat.Expand(a) {
			out = append(out, iameval.Request{Action: name, Resource: key,
				Context: map[string][]string{"kms:ResourceAliases": {"alias/" + env.AuditNames().KeyAlias}}})
		}
	}
	if len(out) < 250 {
		t.Fatalf("%s: only %d tampering requests: the catalog or the targets are wrong", env.Name, len(out))
	}
	return out
}

// everything is an identity policy allowing every action on every
// resource: the widest inline policy a role Stratum creates could carry.
var everything = iameval.Policy{Name: "everything", Statements: []iameval.Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}}

// TestOnlyTheAuditLayerChangesTheAudit: no deploy or plan role but the
// audit layer's, and no role any stack creates under the boundary however
// wide its own policy (an application's, a node group's, a controller's),
// may stop, delete, reconfigure or forge the trail, its bucket, key and
// log group, GuardDuty, IAM Access Analyzer, AWS Config, or the audit
// layer's alarms, rules, topic, budget and roles: every write action of
// the catalog on each, evaluated with the boundary. The audit layer's
// deploy role may (it manages them), and so may the break-glass role,
// which carries no boundary.
func TestOnlyTheAuditLayerChangesTheAudit(t *testing.T) {
	cat := catalog(t)
	s := defaultSynth(t)
	audit, _ := deploy.Find(contract.Audit)
	for _, e := range bootstrapRoles(t) {
		env := e.env
		reqs := auditTamperings(t, cat, env)
		boundary := e.roles[audit.RoleName(env.Name, deploy.Apply)].principal.Boundary
		var others []iameval.Principal
		for name, r := range e.roles {
			if name != audit.RoleName(env.Name, deploy.Apply) {
				others = append(others, r.principal)
			}
		}
		// Every role of every stack of the environment, with the widest
		// policy, under the boundary every one of them carries.
		for _, name := range s.names() {
			if !strings.HasSuffix(name, "-"+env.Name) || strings.HasPrefix(name, string(contract.Audit)+"-") || strings.HasPrefix(name, string(contract.Bootstrap)+"-") {
				continue
			}
			for _, r := range s.stack(t, name).resources("aws_iam_role") {
				others = append(others, iameval.Principal{Name: env.RoleARN(fmt.Sprint(r["name"])), Identity: []iameval.Policy{everything}, Boundary: boundary})
			}
		}
		leaks := map[string]bool{}
		for _, p := range others {
			n := 0
			for _, req := range reqs {
				req.Context = cat.Context(req.Action, withLayerTags(req.Context))
				if p.Allowed(req) {
					leaks[req.Action+" on "+req.Resource] = true
					n++
				}
			}
			if n > 0 {
				t.Errorf("%s may weaken the audit: %d requests", p.Name, n)
			}
		}
		if len(leaks) > 0 {
			t.Errorf("%s: the requests some role may make:\n%s", env.Name, strings.Join(slices.Sorted(maps.Keys(leaks)), "\n"))
		}
		// The check can fail: without the boundary's audit statements, a
		// role with a wide policy may weaken the audit in every way.
		weakened := *boundary
		weakened.Statements = slices.DeleteFunc(slices.Clone(boundary.Statements), func(st iameval.Statement) bool {
			return slices.ContainsFunc(deploy.AuditProtection(env), func(a deploy.Statement) bool { return a.Sid == st.Sid })
		})
		if len(weakened.Statements) != len(boundary.Statements)-len(deploy.AuditProtection(env)) {
			t.Fatalf("%s: the boundary lacks the audit statements %v", env.Name, deploy.AuditProtection(env))
		}
		wide := iameval.Principal{Name: env.RoleARN(env.Prefix() + "-app"), Identity: []iameval.Policy{everything}, Boundary: &weakened}
		let := 0
		for _, req := range reqs {
			req.Context = cat.Context(req.Action, withLayerTags(req.Context))
			if wide.Allowed(req) {
				let++
			}
		}
		if let < len(reqs)*9/10 {
			t.Errorf("%s: without the audit statements the boundary still refuses %d of %d tamperings: the check proves nothing", env.Name, len(reqs)-let, len(reqs))
		}
		// The audit layer's deploy role manages the audit.
		deployer := e.roles[audit.RoleName(env.Name, deploy.Apply)].principal
		for _, req := range []iameval.Request{
			{Action: "cloudtrail:UpdateTrail", Resource: auditTargets(env)["trail"][0]},
			{Action: "cloudtrail:PutEventSelectors", Resource: auditTargets(env)["trail"][0]},
			{Action: "guardduty:UpdateDetector", Resource: auditTargets(env)["detector"][0]},
			{Action: "logs:PutMetricFilter", Resource: auditTargets(env)["log-group"][0]},
			{Action: "cloudwatch:PutMetricAlarm", Resource: auditTargets(env)["alarm"][0]},
			{Action: "s3:PutLifecycleConfiguration", Resource: auditTargets(env)["bucket"][0]},
		} {
			req.Context = cat.Context(req.Action, withLayerTags(nil))
			if !deployer.Allowed(req) {
				t.Errorf("%s: the audit deploy role %s may not %s on %s: it cannot manage the audit", env.Name, deployer.Name, req.Action, req.Resource)
			}
		}
		// The break-glass role: no boundary, an administrator's policy.
		if bg := env.Cluster.BreakGlassRoleARN; bg != "" {
			p := iameval.Principal{Name: bg, Identity: []iameval.Policy{everything}}
			for _, req := range reqs[:10] {
				if !p.Allowed(req) {
					t.Errorf("%s: the break-glass role may not %s on %s", env.Name, req.Action, req.Resource)
				}
			}
		}
	}
}

// TestCISControlsAreMet: every control of the CIS benchmark's Logging and
// Monitoring sections is met by what the stacks synthesize, or documented
// as out of scope with its reason, in docs/audit.md's generated table.
func TestCISControlsAreMet(t *testing.T) {
	s := defaultSynth(t)
	doc, err := os.ReadFile(filepath.Join("..", cis.TablePath))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cis.Controls {
		if c.Pattern == "" && c.Meets == "" && c.OutOfScope == "" {
			t.Errorf("CIS %s: neither met nor out of scope", c.ID)
		}
		if !strings.Contains(string(doc), "| "+c.ID+" | "+c.Title+" |") {
			t.Errorf("CIS %s is not in %s's table (make generate)", c.ID, cis.TablePath)
		}
	}
	for _, env := range config.Environments() {
		j := s.stack(t, contract.Audit.StackName(env.Name, ""))
		a := env.Audit
		trails := j.exactly(t, 1, "aws_cloudtrail")
		var tr map[string]any
		for _, v := range trails {
			tr = v
		}
		check := func(id string, ok bool, got any) {
			t.Helper()
			if !ok {
				t.Errorf("audit-%s: CIS %s is not met: %v", env.Name, id, got)
			}
		}
		// 3.1: multi-region, global events, every management event.
		sel := jsonList(tr["advanced_event_selector"])
		mgmt := false
		for _, x := range sel {
			fs := jsonList(x.(map[string]any)["field_selector"])
			if len(fs) == 1 && fs[0].(map[string]any)["field"] == "eventCategory" && slices.Equal(stringList(fs[0].(map[string]any)["equals"]), []string{"Management"}) {
				mgmt = true
			}
		}
		check("3.1", tr["is_multi_region_trail"] == true && tr["include_global_service_events"] == true && tr["enable_logging"] == true && mgmt, tr)
		check("3.2", tr["enable_log_file_validation"] == true, tr["enable_log_file_validation"])
		// 3.3: where config turns it on, every resource type.
		recorders := j.resources("aws_config_configuration_recorder")
		if a.Config.Enabled {
			ok := len(recorders) == 1
			for _, r := range recorders {
				g := one(r["recording_group"])
				ok = ok && g["all_supported"] == true && g["include_global_resource_types"] == true
			}
			check("3.3", ok && len(j.resources("aws_config_configuration_recorder_status")) == 1, recorders)
		} else if len(recorders) != 0 {
			t.Errorf("audit-%s: an AWS Config recorder without Audit.Config.Enabled", env.Name)
		}
		// 3.4: the trail bucket logs its access; 3.5: a key of the stack.
		bucketRef := fmt.Sprint(tr["s3_bucket_name"])
		logged := false
		for _, l := range j.resources("aws_s3_bucket_logging") {
			logged = logged || strings.Replace(fmt.Sprint(l["bucket"]), ".id}", ".bucket}", 1) == bucketRef
		}
		check("3.4", logged, bucketRef)
		check("3.5", strings.HasPrefix(fmt.Sprint(tr["kms_key_id"]), "${aws_kms_key."), tr["kms_key_id"])
		// 3.8 and 3.9: the data events config asks for.
		wantSel := 1
		for _, scope := range []config.DataEventScope{a.DataEvents.StateBucket, a.DataEvents.ClientBuckets} {
			if scope.Or() != config.DataEventsNone {
				wantSel++
			}
		}
		check("3.8/3.9", len(sel) == wantSel, sel)
		if env.Production {
			check("3.8/3.9 production", a.DataEvents.StateBucket == config.DataEventsAll && a.DataEvents.ClientBuckets != config.DataEventsNone, a.DataEvents)
		}
		// 4.x: each control's pattern, verbatim, on the trail's group,
		// counted into a metric whose alarm notifies the audit topic.
		group := tfRefs(fmt.Sprint(tr["cloud_watch_logs_group_arn"]))
		filters := j.resources("aws_cloudwatch_log_metric_filter")
		alarms := j.resources("aws_cloudwatch_metric_alarm")
		for _, c := range cis.Controls {
			if c.Pattern == "" {
				continue
			}
			var metric string
			for _, f := range filters {
				if f["pattern"] != c.Pattern {
					continue
				}
				metric = fmt.Sprint(one(f["metric_transformation"])["name"])
				if got := tfRefs(fmt.Sprint(f["log_group_name"])); len(got) != 1 || len(group) != 1 || got[0].typ != group[0].typ || got[0].name != group[0].name {
					t.Errorf("audit-%s: CIS %s's filter reads %v, not the trail's group %v", env.Name, c.ID, f["log_group_name"], tr["cloud_watch_logs_group_arn"])
				}
			}
			alarmed := false
			for _, al := range alarms {
				if al["metric_name"] == metric && al["namespace"] == AuditNamespace(env) && al["alarm_name"] == env.AuditPrefix()+"-"+c.Name &&
					len(stringList(al["alarm_actions"])) == 1 && al["threshold"] == float64(1) {
					alarmed = true
				}
			}
			check(c.ID, metric != "" && alarmed, c.Metric)
		}
	}
	// 3.6: every key of every stack rotates; 3.7: every VPC logs all its
	// traffic.
	for _, name := range s.names() {
		j := s.stacks[name]
		for addr, k := range j.resources("aws_kms_key") {
			if k["enable_key_rotation"] != true {
				t.Errorf("%s: key %s does not rotate (CIS 3.6)", name, addr)
			}
		}
		if len(j.resources("aws_vpc")) > 0 {
			all := false
			for _, f := range j.resources("aws_flow_log") {
				all = all || f["traffic_type"] == "ALL"
			}
			if !all {
				t.Errorf("%s: no flow log of all traffic (CIS 3.7)", name)
			}
		}
	}
}

// TestAuditFollowsConfig: GuardDuty's protections, the findings' minimum
// severity, the trail bucket's object lock and retention, IAM Access
// Analyzer and AWS Config are what each environment's Audit says.
func TestAuditFollowsConfig(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		a := env.Audit
		j := s.stack(t, contract.Audit.StackName(env.Name, ""))
		features := map[string]string{}
		for _, f := range j.resources("aws_guardduty_detector_feature") {
			features[fmt.Sprint(f["name"])] = fmt.Sprint(f["status"])
		}
		if !a.GuardDuty.Enabled {
			if n := len(j.resources("aws_guardduty_detector")); n != 0 {
				t.Errorf("audit-%s: %d detectors without Audit.GuardDuty.Enabled", env.Name, n)
			}
		} else {
			status := map[bool]string{true: "ENABLED", false: "DISABLED"}
			for name, on := range map[string]bool{
				"S3_DATA_EVENTS": a.GuardDuty.S3DataEvents, "EKS_AUDIT_LOGS": a.GuardDuty.EKSAuditLogs,
				"RUNTIME_MONITORING": a.GuardDuty.RuntimeMonitoring, "EBS_MALWARE_PROTECTION": a.GuardDuty.MalwareProtection,
				"RDS_LOGIN_EVENTS": a.GuardDuty.RDSLoginEvents,
			} {
				if features[name] != status[on] {
					t.Errorf("audit-%s: GuardDuty %s is %q, want %q", env.Name, name, features[name], status[on])
				}
			}
			score, _ := config.SeverityScore(a.GuardDuty.Severity())
			found := false
			for _, r := range j.resources("aws_cloudwatch_event_rule") {
				var p struct {
					Detail struct {
						Severity []struct{ Numeric []any }
					}
				}
				if r["name"] != env.AuditPrefix()+"-"+AlertGuardDutyFinding || json.Unmarshal([]byte(fmt.Sprint(r["event_pattern"])), &p) != nil {
					continue
				}
				found = len(p.Detail.Severity) == 1 && fmt.Sprint(p.Detail.Severity[0].Numeric) == fmt.Sprint([]any{">=", score})
			}
			if !found {
				t.Errorf("audit-%s: no GuardDuty finding rule from severity %s (score %v)", env.Name, a.GuardDuty.Severity(), score)
			}
		}
		if got := len(j.resources("aws_accessanalyzer_analyzer")); got != map[bool]int{true: 1}[a.AccessAnalyzer] {
			t.Errorf("audit-%s: %d analyzers, Audit.AccessAnalyzer %v", env.Name, got, a.AccessAnalyzer)
		}
		locks := j.resources("aws_s3_bucket_object_lock_configuration")
		if a.ObjectLockDays == 0 {
			if len(locks) != 0 {
				t.Errorf("audit-%s: object lock without Audit.ObjectLockDays", env.Name)
			}
		} else {
			ok := len(locks) == 1
			for _, l := range locks {
				d := one(one(l["rule"])["default_retention"])
				ok = ok && d["mode"] == "COMPLIANCE" && d["days"] == float64(a.ObjectLockDays)
			}
			if !ok {
				t.Errorf("audit-%s: object lock %v, want compliance mode for %d days", env.Name, locks, a.ObjectLockDays)
			}
		}
		if env.Production && (a.ObjectLockDays < config.MinProductionTrailRetentionDays || !a.GuardDuty.Enabled || !a.Config.Enabled || !a.AccessAnalyzer) {
			t.Errorf("audit-%s: a production environment without the production audit: %+v", env.Name, a)
		}
	}
}

// TestAuditIsDeployedAfterBootstrapOnly: audit-<env> reads bootstrap's
// contract only, so the stack graph (what `stratum changed` selects from
// and the pipelines are generated from) orders it right after
// bootstrap-<env>, on a hosted runner, with no stack after it: it can be
// applied before foundation, and a change to it selects it alone. Every
// generated pipeline plans, applies and drift-checks it.
func TestAuditIsDeployedAfterBootstrapOnly(t *testing.T) {
	s := defaultSynth(t)
	g := graphOf(t, s)
	groups := map[string][]string{}
	for _, gr := range g.Groups(g.Environments()) {
		groups[gr.Key()] = gr.Stacks
	}
	for _, env := range config.Environments() {
		name, bootstrap := contract.Audit.StackName(env.Name, ""), contract.Bootstrap.StackName(env.Name, "")
		st, ok := g.Stack(name)
		if !ok {
			t.Fatalf("%s is not in the stack graph", name)
		}
		if !slices.Equal(st.Dependencies, []string{bootstrap}) || len(st.Dependents) != 0 || st.Manual || st.Runner != "hosted" {
			t.Errorf("%s: dependencies %v, dependents %v, manual %v, runner %s; want %s only, none, false, hosted",
				name, st.Dependencies, st.Dependents, st.Manual, st.Runner, bootstrap)
		}
		b, _ := g.Stack(bootstrap)
		if st.Level != b.Level+1 {
			t.Errorf("%s: level %d, want bootstrap's (%d) + 1", name, st.Level, b.Level)
		}
		if down := g.Downstream([]string{name}); len(down) != 0 {
			t.Errorf("a change to %s selects %v too", name, down)
		}
		if key := fmt.Sprintf("%s_%d_hosted", env.Name, st.Level); !slices.Contains(groups[key], name) {
			t.Errorf("%s is not in pipeline group %s: %v", name, key, groups[key])
		}
	}
}

// one is a nested block of a synthesized resource: cdktf writes a block
// that occurs at most once as an object, others as a list.
func one(v any) map[string]any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		v = l[0]
	}
	m, _ := v.(map[string]any)
	return m
}
