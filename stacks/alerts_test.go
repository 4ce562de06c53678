package stacks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// envAlerts is one environment's stacks as the alert checks see them:
// each stack's JSON, the expression by which it names the alert topic it
// notifies ("" where it names none) and the stack owning that topic.
// Two stacks own one: foundation-<env> (every layer's alerts but the
// audit layer's) and audit-<env> (deployable before foundation, its own).
type envAlerts struct {
	env        config.Environment
	foundation string
	// owners are the stacks owning a topic, each with the parameter it
	// exports the topic's ARN as.
	owners map[string]contract.String
	stacks map[string]tfJSON
	topic  map[string]string
	owner  map[string]string
}

// alertsOf gathers env's stacks of a synthesis of all.
func alertsOf(t *testing.T, s *synthesized, all []clients.Client, env config.Environment) envAlerts {
	t.Helper()
	foundation, audit := contract.Foundation.StackName(env.Name, ""), contract.Audit.StackName(env.Name, "")
	ea := envAlerts{env: env, foundation: foundation, stacks: map[string]tfJSON{}, topic: map[string]string{}, owner: map[string]string{},
		owners: map[string]contract.String{foundation: contract.AlarmTopicARN, audit: contract.AuditTopicARN}}
	param := contract.AlarmTopicARN.Name(contract.At{Env: env.Name})
	for _, name := range StackNames(env, clients.Tenancies(all, env)) {
		j := s.stack(t, name)
		ea.stacks[name] = j
		if exported, owns := ea.owners[name]; owns {
			for _, p := range j.resources("aws_ssm_parameter") {
				if p["name"] == exported.Name(contract.At{Env: env.Name}) {
					ea.topic[name], _ = p["insecure_value"].(string)
					ea.owner[name] = name
				}
			}
			continue
		}
		for addr, d := range j.data("aws_ssm_parameter") {
			if d["name"] == param {
				ea.topic[name] = tfExpr("data.aws_ssm_parameter", addr, "insecure_value")
				ea.owner[name] = foundation
			}
		}
	}
	for owner, exported := range ea.owners {
		if ea.topic[owner] == "" {
			t.Fatalf("%s exports no %s", owner, exported.Name(contract.At{Env: env.Name}))
		}
	}
	return ea
}

func (ea envAlerts) names() []string { return slices.Sorted(maps.Keys(ea.stacks)) }

// alarmProblems: every CloudWatch alarm of every stack notifies the
// environment's topic when it fires and when it recovers.
func alarmProblems(ea envAlerts) []string {
	var out []string
	for _, name := range ea.names() {
		topic := ea.topic[name]
		for addr, a := range ea.stacks[name].resources("aws_cloudwatch_metric_alarm") {
			for _, field := range []string{"alarm_actions", "ok_actions"} {
				if topic == "" || !slices.Contains(stringList(a[field]), topic) {
					out = append(out, fmt.Sprintf("%s: alarm %s (%v): %s %v, want the environment's topic %q", name, addr, a["alarm_name"], field, a[field], topic))
				}
			}
		}
	}
	return out
}

// targetProblems: every EventBridge target, every budget notification and
// every RDS event subscription notifies the environment's topic.
func targetProblems(ea envAlerts) []string {
	var out []string
	for _, name := range ea.names() {
		j, topic := ea.stacks[name], ea.topic[name]
		rules := j.resources("aws_cloudwatch_event_rule")
		targets := j.resources("aws_cloudwatch_event_target")
		for addr := range rules {
			n := 0
			for _, tg := range targets {
				if slices.Contains(refNames(tg["rule"], "aws_cloudwatch_event_rule"), addr) {
					n++
					if tg["arn"] != topic || topic == "" {
						out = append(out, fmt.Sprintf("%s: rule %s targets %v, want the environment's topic %q", name, addr, tg["arn"], topic))
					}
				}
			}
			if n == 0 {
				out = append(out, fmt.Sprintf("%s: rule %s has no target", name, addr))
			}
		}
		for addr, b := range j.resources("aws_budgets_budget") {
			notifications := asList(b["notification"])
			if len(notifications) == 0 {
				out = append(out, fmt.Sprintf("%s: budget %s notifies nobody", name, addr))
			}
			for _, n := range notifications {
				if got := stringList(n.(map[string]any)["subscriber_sns_topic_arns"]); topic == "" || !slices.Equal(got, []string{topic}) {
					out = append(out, fmt.Sprintf("%s: budget %s notifies %v, want the environment's topic %q", name, addr, got, topic))
				}
			}
		}
		for addr, sub := range j.resources("aws_db_event_subscription") {
			if sub["sns_topic"] != topic || topic == "" {
				out = append(out, fmt.Sprintf("%s: RDS event subscription %s notifies %v, want the environment's topic %q", name, addr, sub["sns_topic"], topic))
			}
		}
	}
	return out
}

// subscriptionProblems: each topic has exactly the configured
// subscribers, and at least one wherever the environment must tell
// someone (production, protected data, or no explicit Alerts.None).
func subscriptionProblems(ea envAlerts) []string {
	var out []string
	for _, owner := range slices.Sorted(maps.Keys(ea.owners)) {
		f, topic := ea.stacks[owner], ea.topic[owner]
		n := 0
		for _, sub := range f.resources("aws_sns_topic_subscription") {
			if sub["topic_arn"] == topic {
				n++
			}
		}
		a := ea.env.Alerts
		mustTell := ea.env.Production || ea.env.DeletionProtection || !a.None
		if mustTell && n == 0 {
			out = append(out, fmt.Sprintf("%s: the alert topic has no subscription: its alerts reach nobody", owner))
		}
		if n != a.Subscribers() {
			out = append(out, fmt.Sprintf("%s: %d subscriptions, want the %d configured (Alerts.Emails and Alerts.HTTPSEndpoints)", owner, n, a.Subscribers()))
		}
	}
	return out
}

// The services that notify the topic, by what each publishes.
var publisherOf = map[string]string{
	"aws_cloudwatch_metric_alarm": "cloudwatch.amazonaws.com",
	"aws_cloudwatch_event_target": "events.amazonaws.com",
	"aws_db_event_subscription":   "events.rds.amazonaws.com",
	"aws_budgets_budget":          "budgets.amazonaws.com",
}

// usedPublishers are the services some stack of the environment has
// notify owner's topic.
func usedPublishers(ea envAlerts, owner string) []string {
	used := map[string]bool{}
	for name, j := range ea.stacks {
		if ea.owner[name] != owner {
			continue
		}
		for typ, service := range publisherOf {
			if len(j.resources(typ)) > 0 {
				used[service] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(used))
}

// policyStatements returns the statements of the policy document that v (a
// policy attribute) references.
func policyStatements(j tfJSON, v any) []map[string]any {
	var out []map[string]any
	for _, name := range refNames(v, "data.aws_iam_policy_document") {
		for _, st := range asList(j.data("aws_iam_policy_document")[name]["statement"]) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

// servicePrincipals returns the service principals of st.
func servicePrincipals(st map[string]any) []string {
	var out []string
	for _, p := range asList(st["principals"]) {
		pm := p.(map[string]any)
		if pm["type"] == "Service" {
			out = append(out, stringList(pm["identifiers"])...)
		}
	}
	return out
}

// conditionVariables returns st's condition variables with their tests,
// e.g. "StringEquals aws:SourceAccount".
func conditionVariables(st map[string]any) []string {
	var out []string
	for _, c := range asList(st["condition"]) {
		cm := c.(map[string]any)
		out = append(out, fmt.Sprintf("%v %v", cm["test"], cm["variable"]))
	}
	sort.Strings(out)
	return out
}

// publisherProblems: each topic's policy and its key's policy admit
// exactly the services the stacks notifying it have publish to it, the
// topic's for this account's and environment's resources only, the
// key's for this topic only (and this account, but for EventBridge,
// whose key requests carry no source).
func publisherProblems(ea envAlerts) []string {
	var out []string
	for _, owner := range slices.Sorted(maps.Keys(ea.owners)) {
		out = append(out, topicPublisherProblems(ea, owner)...)
	}
	return out
}

// topicPublisherProblems are publisherProblems of owner's topic.
func topicPublisherProblems(ea envAlerts, owner string) []string {
	f, topicExpr := ea.stacks[owner], ea.topic[owner]
	rs := tfRefs(topicExpr)
	if len(rs) != 1 || rs[0].typ != "aws_sns_topic" {
		return []string{fmt.Sprintf("%s exports %q as the topic, not an aws_sns_topic", owner, topicExpr)}
	}
	topic := f.resources("aws_sns_topic")[rs[0].name]
	used := usedPublishers(ea, owner)
	// The audit topic admits only the audit layer's alarms and rules.
	namePrefix := ea.env.Prefix()
	if owner == contract.Audit.StackName(ea.env.Name, "") {
		namePrefix = ea.env.AuditPrefix()
	}
	var out []string

	var policies []map[string]any
	for _, p := range f.resources("aws_sns_topic_policy") {
		if p["arn"] == topicExpr {
			policies = append(policies, p)
		}
	}
	if len(policies) != 1 {
		return append(out, fmt.Sprintf("%s: %d policies on the alert topic, want 1", owner, len(policies)))
	}
	var admitted []string
	for _, st := range policyStatements(f, policies[0]["policy"]) {
		services := servicePrincipals(st)
		if st["effect"] != "Allow" || len(services) == 0 {
			out = append(out, fmt.Sprintf("%s: topic policy statement %v is not a service's Allow", owner, st["sid"]))
			continue
		}
		admitted = append(admitted, services...)
		if got := stringList(st["actions"]); !slices.Equal(got, []string{"sns:Publish"}) {
			out = append(out, fmt.Sprintf("%s: topic policy lets %v do %v, want sns:Publish only", owner, services, got))
		}
		if got := conditionVariables(st); !slices.Equal(got, []string{"ArnLike aws:SourceArn", "StringEquals aws:SourceAccount"}) {
			out = append(out, fmt.Sprintf("%s: topic policy admits %v under %v, want aws:SourceAccount and aws:SourceArn pinned", owner, services, got))
		}
		for _, c := range asList(st["condition"]) {
			cm := c.(map[string]any)
			if cm["variable"] == "aws:SourceArn" && services[0] != "budgets.amazonaws.com" {
				for _, v := range stringList(cm["values"]) {
					if !strings.HasSuffix(tfLiteral(v), namePrefix+"-*") {
						out = append(out, fmt.Sprintf("%s: topic policy admits %v for %s, want only resources named %s-*", owner, services, v, namePrefix))
					}
				}
			}
		}
	}
	sort.Strings(admitted)
	if !slices.Equal(admitted, used) {
		out = append(out, fmt.Sprintf("%s: the topic policy admits %v, the stacks publish with %v", owner, admitted, used))
	}

	key, _ := f.resources("aws_kms_key")[firstOr(refNames(topic["kms_master_key_id"], "aws_kms_key"), "")]
	if key == nil {
		return append(out, fmt.Sprintf("%s: the alert topic is not encrypted with a key of the stack", owner))
	}
	var keyed []string
	for _, st := range policyStatements(f, key["policy"]) {
		services := servicePrincipals(st)
		if len(services) == 0 {
			continue // the account's own administration
		}
		keyed = append(keyed, services...)
		want := []string{"StringEquals aws:SourceAccount", "StringEquals kms:EncryptionContext:aws:sns:topicArn"}
		if services[0] == "events.amazonaws.com" {
			want = want[1:]
		}
		if got := conditionVariables(st); !slices.Equal(got, want) {
			out = append(out, fmt.Sprintf("%s: the topic's key admits %v under %v, want %v", owner, services, got, want))
		}
		if got := stringList(st["actions"]); !slices.Equal(got, []string{"kms:GenerateDataKey*", "kms:Decrypt"}) {
			out = append(out, fmt.Sprintf("%s: the topic's key lets %v do %v, want kms:GenerateDataKey* and kms:Decrypt", owner, services, got))
		}
	}
	sort.Strings(keyed)
	if !slices.Equal(keyed, used) {
		out = append(out, fmt.Sprintf("%s: the topic's key admits %v, the stacks publish with %v (a publisher the topic admits but the key does not is dropped silently)", owner, keyed, used))
	}
	return out
}

func firstOr(l []string, def string) string {
	if len(l) == 0 {
		return def
	}
	return l[0]
}

// alertCheckers are the checks every environment passes.
var alertCheckers = map[string]func(envAlerts) []string{
	"alarms notify the topic":              alarmProblems,
	"rules, budgets and RDS notify it":     targetProblems,
	"the topic reaches people":             subscriptionProblems,
	"the topic admits exactly its sources": publisherProblems,
}

// TestAlertsReachTheTopic: in every environment, every alarm, EventBridge
// rule, budget and RDS event subscription notifies the environment's
// topic; the topic has the configured subscribers (at least one in prod
// and staging); its policy and its key admit exactly the services that
// publish to it.
func TestAlertsReachTheTopic(t *testing.T) {
	s, all := onboarded(t)
	for _, env := range config.Environments() {
		ea := alertsOf(t, s, all, env)
		for _, name := range slices.Sorted(maps.Keys(alertCheckers)) {
			t.Run(env.Name+"/"+name, func(t *testing.T) {
				for _, p := range alertCheckers[name](ea) {
					t.Error(p)
				}
			})
		}
	}
	// The environments the acceptance names, checked by name too: prod and
	// staging each tell someone.
	for _, name := range []string{"prod", "staging"} {
		if envByName(t, name).Alerts.Subscribers() == 0 {
			t.Errorf("environment %s has no alert subscriber", name)
		}
	}
}

// TestAlertCheckersFail: each checker finds what it checks for when it is
// planted in a copy of prod's stacks.
func TestAlertCheckersFail(t *testing.T) {
	s, all := onboarded(t)
	env := envByName(t, "prod")
	// The newcomer's stacks: a client in prod whatever the real slice holds.
	newcomer := all[len(all)-1].Name
	database, client := contract.Databases.StackName(env.Name, newcomer), contract.Client.StackName(env.Name, newcomer)
	planted := []struct {
		name    string
		checker func(envAlerts) []string
		plant   func(t *testing.T, ea envAlerts)
	}{
		{"alarm without action", alarmProblems, func(t *testing.T, ea envAlerts) {
			j := ea.stacks[database]
			addr := slices.Sorted(maps.Keys(j.resources("aws_cloudwatch_metric_alarm")))[0]
			j.resources("aws_cloudwatch_metric_alarm")[addr]["alarm_actions"] = []any{}
		}},
		{"alarm to another topic", alarmProblems, func(t *testing.T, ea envAlerts) {
			j := ea.stacks["platform-prod"]
			for _, a := range j.resources("aws_cloudwatch_metric_alarm") {
				a["ok_actions"] = []any{"arn:aws:sns:us-east-1:111111111111:elsewhere"}
			}
		}},
		{"budget to an e-mail only", targetProblems, func(t *testing.T, ea envAlerts) {
			for _, b := range ea.stacks[client].resources("aws_budgets_budget") {
				b["notification"] = []any{map[string]any{"subscriber_email_addresses": []any{"x@example.com"}}}
			}
		}},
		{"rule without target", targetProblems, func(t *testing.T, ea envAlerts) {
			j := ea.stacks["foundation-prod"]
			for addr := range j.resources("aws_cloudwatch_event_target") {
				delete(j["resource"].(map[string]any)["aws_cloudwatch_event_target"].(map[string]any), addr)
			}
		}},
		{"RDS events elsewhere", targetProblems, func(t *testing.T, ea envAlerts) {
			for _, sub := range ea.stacks[database].resources("aws_db_event_subscription") {
				sub["sns_topic"] = "arn:aws:sns:us-east-1:111111111111:elsewhere"
			}
		}},
		{"no subscriber", subscriptionProblems, func(t *testing.T, ea envAlerts) {
			delete(ea.stacks["foundation-prod"]["resource"].(map[string]any), "aws_sns_topic_subscription")
		}},
		{"publisher the key does not admit", publisherProblems, func(t *testing.T, ea envAlerts) {
			f := ea.stacks["foundation-prod"]
			topic := f.resources("aws_sns_topic")[tfRefs(ea.topic["foundation-prod"])[0].name]
			key := f.resources("aws_kms_key")[refName(t, topic["kms_master_key_id"], "aws_kms_key")]
			doc := f.data("aws_iam_policy_document")[refName(t, key["policy"], "data.aws_iam_policy_document")]
			var kept []any
			for _, st := range asList(doc["statement"]) {
				if !slices.Contains(servicePrincipals(st.(map[string]any)), "events.rds.amazonaws.com") {
					kept = append(kept, st)
				}
			}
			doc["statement"] = kept
		}},
		{"topic admits an unpinned publisher", publisherProblems, func(t *testing.T, ea envAlerts) {
			for _, doc := range ea.stacks["foundation-prod"].data("aws_iam_policy_document") {
				for _, st := range asList(doc["statement"]) {
					if slices.Contains(stringList(st.(map[string]any)["actions"]), "sns:Publish") {
						delete(st.(map[string]any), "condition")
					}
				}
			}
		}},
	}
	for _, p := range planted {
		t.Run(p.name, func(t *testing.T) {
			ea := alertsOf(t, s, all, env)
			if got := p.checker(ea); len(got) != 0 {
				t.Fatalf("before planting: %v", got)
			}
			for name, j := range ea.stacks {
				ea.stacks[name] = deepCopy(j).(map[string]any)
			}
			p.plant(t, ea)
			if got := p.checker(ea); len(got) == 0 {
				t.Errorf("planted %s, the checker found nothing", p.name)
			}
		})
	}
}

// TestNodeGroupsAlarmBelowMinimum: the system node group and every
// client's group alarm when fewer nodes than their minimum run, counted
// from the EC2 status checks of the group's own Auto Scaling group (a
// group whose minimum is 0 gets no alarm), and forward that group's
// failed launches.
func TestNodeGroupsAlarmBelowMinimum(t *testing.T) {
	s, all := onboarded(t)
	for _, env := range config.Environments() {
		check := func(t *testing.T, j tfJSON, name string, minSize int) {
			t.Helper()
			rule := ""
			for _, r := range j.resources("aws_cloudwatch_event_rule") {
				if r["name"] == name+"-"+AlertNodesLaunchFailed {
					rule = fmt.Sprint(r["event_pattern"])
				}
			}
			if !strings.Contains(rule, `"EC2 Instance Launch Unsuccessful"`) || !strings.Contains(rule, `"AutoScalingGroupName":["${aws_eks_node_group.`) {
				t.Errorf("%s: launch failure rule %q, want the Auto Scaling group's EC2 Instance Launch Unsuccessful events", name, rule)
			}
			var found map[string]any
			for _, a := range j.resources("aws_cloudwatch_metric_alarm") {
				if a["alarm_name"] == name+"-"+AlertNodesBelowMinimum {
					found = a
				}
			}
			if minSize == 0 {
				if found != nil {
					t.Errorf("%s: minimum 0, but an alarm", name)
				}
				return
			}
			if found == nil {
				t.Fatalf("no alarm %s-%s", name, AlertNodesBelowMinimum)
			}
			if found["threshold"] != float64(minSize)-0.5 || found["comparison_operator"] != "LessThanThreshold" || found["treat_missing_data"] != "breaching" {
				t.Errorf("%s: %v %v, missing data %v; want below %d nodes, missing data breaching", name, found["comparison_operator"], found["threshold"], found["treat_missing_data"], minSize)
			}
			dims := fmt.Sprint(found["metric_query"])
			if !strings.Contains(dims, "StatusCheckFailed") || !strings.Contains(dims, "AutoScalingGroupName:${aws_eks_node_group.") || !strings.Contains(dims, ".resources[0].autoscaling_groups[0].name}") {
				t.Errorf("%s: metrics %s, want the StatusCheckFailed samples of the node group's Auto Scaling group", name, dims)
			}
		}
		t.Run(env.Name+"/system", func(t *testing.T) {
			check(t, s.stack(t, contract.Platform.StackName(env.Name, "")), env.ClusterName()+"-system", env.Cluster.SystemNodes.MinSize)
		})
		for _, tn := range clients.Tenancies(all, env) {
			t.Run(env.Name+"/"+tn.Client.Name, func(t *testing.T) {
				check(t, s.stack(t, contract.Client.StackName(env.Name, tn.Client.Name)), tn.Names.NodeGroup, tn.Nodes.MinSize)
			})
		}
	}
}

// TestBudgets: each environment has a monthly budget of what is tagged
// with its name, each client one of what is tagged with its cost centre
// (its override or the environment's default), each notifying at 80 % and
// 100 % of the forecast and 100 % of the actual cost; the cost allocation
// tags are activated where configured.
func TestBudgets(t *testing.T) {
	s, all := onboarded(t)
	notifications := func(t *testing.T, b map[string]any) {
		t.Helper()
		var got []string
		for _, n := range asList(b["notification"]) {
			nm := n.(map[string]any)
			got = append(got, fmt.Sprintf("%v %v %v%s", nm["notification_type"], nm["comparison_operator"], nm["threshold"], map[any]string{"PERCENTAGE": "%"}[nm["threshold_type"]]))
		}
		if want := []string{"FORECASTED GREATER_THAN 80%", "FORECASTED GREATER_THAN 100%", "ACTUAL GREATER_THAN 100%"}; !slices.Equal(got, want) {
			t.Errorf("budget %v notifies %v, want %v", b["name"], got, want)
		}
	}
	only := func(t *testing.T, j tfJSON) map[string]any {
		t.Helper()
		budgets := j.exactly(t, 1, "aws_budgets_budget")
		return budgets[slices.Sorted(maps.Keys(budgets))[0]]
	}
	for _, env := range config.Environments() {
		t.Run(env.Name, func(t *testing.T) {
			f := s.stack(t, contract.Foundation.StackName(env.Name, ""))
			b := only(t, f)
			if b["limit_amount"] != fmt.Sprint(env.Alerts.Budget.MonthlyUSD) || b["time_unit"] != "MONTHLY" || b["budget_type"] != "COST" {
				t.Errorf("environment budget %v %v %v, want a monthly cost budget of %d", b["limit_amount"], b["time_unit"], b["budget_type"], env.Alerts.Budget.MonthlyUSD)
			}
			if got := fmt.Sprint(b["cost_filter"]); got != "[map[name:TagKeyValue values:[user:Environment$"+env.Name+"]]]" {
				t.Errorf("environment budget filter %s", got)
			}
			notifications(t, b)
			var tags []string
			for _, tag := range f.resources("aws_ce_cost_allocation_tag") {
				tags = append(tags, fmt.Sprintf("%v=%v", tag["tag_key"], tag["status"]))
			}
			sort.Strings(tags)
			var want []string
			if env.Alerts.Budget.ActivateCostAllocationTags {
				for _, k := range config.CostAllocationTags {
					want = append(want, k+"=Active")
				}
				sort.Strings(want)
			}
			if !slices.Equal(tags, want) {
				t.Errorf("cost allocation tags %v, want %v", tags, want)
			}
			for _, tn := range clients.Tenancies(all, env) {
				cb := only(t, s.stack(t, contract.Client.StackName(env.Name, tn.Client.Name)))
				if cb["limit_amount"] != fmt.Sprint(tn.MonthlyBudgetUSD) || cb["name"] != tn.Names.Prefix+"-budget" {
					t.Errorf("%s: budget %v of %v, want %s-budget of %d", tn.Client.Name, cb["name"], cb["limit_amount"], tn.Names.Prefix, tn.MonthlyBudgetUSD)
				}
				if got := fmt.Sprint(cb["cost_filter"]); got != "[map[name:TagKeyValue values:[user:CostCentre$"+tn.Client.CostCentre+"]]]" {
					t.Errorf("%s: budget filter %s, want its cost centre", tn.Client.Name, got)
				}
				notifications(t, cb)
			}
		})
	}
	// A client's override is used where it is set, the environment's
	// default elsewhere (the newcomer overrides it in its first one).
	overrides := 0
	for _, env := range config.Environments() {
		for _, tn := range clients.Tenancies(all, env) {
			want := env.Alerts.Budget.ClientMonthlyUSD
			for _, ce := range tn.Client.Environments {
				if ce.Name == env.Name && ce.MonthlyBudgetUSD != 0 {
					want = ce.MonthlyBudgetUSD
					overrides++
				}
			}
			if tn.MonthlyBudgetUSD != want {
				t.Errorf("%s in %s: budget %d, want %d", tn.Client.Name, env.Name, tn.MonthlyBudgetUSD, want)
			}
		}
	}
	if overrides == 0 {
		t.Error("no client overrides its budget: the override is not checked")
	}
}

// TestBackupJobAlerts: foundation forwards the AWS Backup jobs of its own
// vault that failed, expired or were aborted, copy jobs out of it that
// failed, and restore jobs that failed.
func TestBackupJobAlerts(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			rules := map[string]string{}
			for _, r := range f.resources("aws_cloudwatch_event_rule") {
				rules[fmt.Sprint(r["name"])] = fmt.Sprint(r["event_pattern"])
			}
			vault := refName(t, f.param(t, contract.BackupVaultName.Name(contract.At{Env: f.env.Name})), "aws_backup_vault")
			for kind, want := range map[string][]string{
				AlertBackupJobFailed:     {`"Backup Job State Change"`, `"state":["FAILED","ABORTED","EXPIRED"]`, `"backupVaultName":["${aws_backup_vault.` + vault + `.name}"]`},
				AlertBackupCopyFailed:    {`"Copy Job State Change"`, `"state":["FAILED","PARTIAL"]`, `"sourceBackupVaultArn":["${aws_backup_vault.` + vault + `.arn}"]`},
				AlertBackupRestoreFailed: {`"Restore Job State Change"`, `"status":["FAILED","ABORTED"]`},
			} {
				pattern, ok := rules[f.env.Prefix()+"-"+kind]
				if !ok {
					t.Errorf("no rule %s-%s; have %v", f.env.Prefix(), kind, slices.Sorted(maps.Keys(rules)))
					continue
				}
				for _, w := range append(want, `"source":["aws.backup"]`) {
					if !strings.Contains(pattern, w) {
						t.Errorf("rule %s: pattern %s lacks %s", kind, pattern, w)
					}
				}
			}
		})
	}
}
