package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/budgetsbudget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cecostallocationtag"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatcheventtarget"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopic"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/snstopicsubscription"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/alarm"
	"stratum/constructs/awscontext"
	"stratum/constructs/backup"
	"stratum/constructs/kms"
	"stratum/constructs/nodegroup"
	"stratum/constructs/policy"
	"stratum/constructs/postgres"
	"stratum/contract"
	"stratum/deploy"
)

// The environment's alerts that are not database alarms (those are the
// postgres construct's), by the name of their runbook: an alert named
// <something>-<kind> links config.RunbookPath(kind).
const (
	AlertNATPortAllocation   = "nat-port-allocation"
	AlertNATPacketsDropped   = "nat-packets-dropped"
	AlertVPNTunnelDown       = "vpn-tunnel-down"
	AlertNodesBelowMinimum   = "nodes-below-minimum"
	AlertNodesLaunchFailed   = "nodes-launch-failed"
	AlertBackupJobFailed     = "backup-job-failed"
	AlertBackupCopyFailed    = "backup-copy-failed"
	AlertBackupRestoreFailed = "backup-restore-failed"
	AlertBackupTampering     = "backup-tampering"
	AlertBudget              = "budget"
)

// alertPublisher is an AWS service that publishes to the alert topic: the
// topic's policy lets it publish for this environment's resources only,
// and the topic's key lets it encrypt for this topic only. A topic policy
// without the matching key grant drops the service's notifications
// silently.
type alertPublisher struct {
	sid, service string
	// sourceARN matches the resources it publishes for (aws:SourceArn in
	// the topic policy).
	sourceARN string
	// keyPinsAccount is false for EventBridge: the SNS developer guide
	// ("Enable compatibility between event sources from AWS services and
	// encrypted topics") says aws:SourceAccount and aws:SourceArn are not
	// supported in a key policy for EventBridge-to-encrypted topics.
	keyPinsAccount bool
}

// alertPublishers are every service that notifies the topic of the
// environment whose resources start with prefix: CloudWatch for the
// alarms, EventBridge for the AWS Backup job rules, RDS for the
// databases' event subscriptions, AWS Budgets for the budgets.
func alertPublishers(partition, region, account, prefix string) []alertPublisher {
	return []alertPublisher{
		{"CloudWatchAlarms", "cloudwatch.amazonaws.com", fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s-*", partition, region, account, prefix), true},
		{"EventBridgeRules", "events.amazonaws.com", fmt.Sprintf("arn:%s:events:%s:%s:rule/%s-*", partition, region, account, prefix), false},
		{"RDSEvents", "events.rds.amazonaws.com", fmt.Sprintf("arn:%s:rds:%s:%s:db:%s-*", partition, region, account, prefix), true},
		// The budgets' SNS guide pins the account's budgets as a whole
		// (budgets are global: their ARNs have no region).
		{"Budgets", "budgets.amazonaws.com", fmt.Sprintf("arn:%s:budgets::%s:*", partition, account), true},
	}
}

// alertTopic is the environment's alert topic and what it needs.
type alertTopic struct {
	topic snstopic.SnsTopic
	// policy is the topic policy: publishers that check they may publish
	// when their resource is created (AWS Budgets) wait for it.
	policy snstopicpolicy.SnsTopicPolicy
	ARN    *string
}

func condition(test, variable string, values ...*string) *policy.Condition {
	return &policy.Condition{Test: jsii.String(test), Variable: jsii.String(variable), Values: &values}
}

// newAlertTopic creates foundation-<env>'s alert topic: encrypted with its
// own key, a policy admitting exactly the services that publish to it,
// and the environment's subscribers (config.Alerts). The key and topic
// keep the construct ids they had before the policy existed.
func newAlertTopic(s *Stack, c constructs.Construct) *alertTopic {
	env, prefix := s.Env, s.Env.Prefix()
	aws := awscontext.Of(c)
	return newTopic(s, c, topicSpec{
		name: prefix + "-alarms", keyID: "alarms-key", topicID: "alarm-topic",
		what:       "Platform alarm notifications of Stratum " + env.Name,
		publishers: alertPublishers(*aws.Partition(), *aws.Region(), *aws.AccountID(), prefix),
	})
}

// topicSpec is what differs between the environment's alert topics
// (foundation's, and the audit layer's).
type topicSpec struct {
	// name is the topic's name, and its key's alias.
	name string
	// keyID and topicID are the construct ids of the key and the topic,
	// under the stack; the rest goes under newTopic's scope.
	keyID, topicID string
	// what describes the key.
	what       string
	publishers []alertPublisher
}

// newTopic creates an alert topic: encrypted with its own key, a policy
// admitting exactly spec.publishers, each for this account's and
// environment's resources only, and the environment's subscribers
// (config.Alerts).
func newTopic(s *Stack, c constructs.Construct, spec topicSpec) *alertTopic {
	env := s.Env
	aws := awscontext.Of(c)
	account, partition, region := *aws.AccountID(), *aws.Partition(), *aws.Region()
	name := spec.name
	// Built from its name: the key policy cannot refer to the topic,
	// which refers to the key.
	topicARN := fmt.Sprintf("arn:%s:sns:%s:%s:%s", partition, region, account, name)
	publishers := spec.publishers

	var grants []kms.ServiceGrant
	for _, p := range publishers {
		// SNS encrypts with the topic's ARN as encryption context: the
		// key serves this topic only.
		conditions := []*policy.Condition{condition("StringEquals", "kms:EncryptionContext:aws:sns:topicArn", jsii.String(topicARN))}
		if p.keyPinsAccount {
			conditions = append(conditions, condition("StringEquals", "aws:SourceAccount", jsii.String(account)))
		}
		grants = append(grants, kms.ServiceGrant{
			Sid: p.sid + "EncryptForTopic", Service: p.service,
			Actions: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Conditions: conditions,
		})
	}
	key := kms.NewKey(s.TF, spec.keyID, &kms.KeyProps{
		Alias:         name,
		Description:   spec.what,
		ServiceGrants: grants,
	})
	topic := snstopic.NewSnsTopic(s.TF, jsii.String(spec.topicID), &snstopic.SnsTopicConfig{
		Name:           jsii.String(name),
		KmsMasterKeyId: key.ARN,
	})
	var statements []*policy.Statement
	for _, p := range publishers {
		st := policy.Allow(p.sid+"Publish", []string{"sns:Publish"}, topic.Arn())
		st.Principals = []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
			Type: jsii.String("Service"), Identifiers: jsii.Strings(p.service),
		}}
		st.Condition = []*policy.Condition{
			condition("StringEquals", "aws:SourceAccount", jsii.String(account)),
			condition("ArnLike", "aws:SourceArn", jsii.String(p.sourceARN)),
		}
		statements = append(statements, st)
	}
	// No statement for the account's own principals: within the account
	// IAM policies decide (the deployer subscribes, operators publish
	// tests), as they would without a topic policy.
	doc := policy.NewDocument(c, "topic-policy-document", statements...)
	pol := snstopicpolicy.NewSnsTopicPolicy(c, jsii.String("topic-policy"), &snstopicpolicy.SnsTopicPolicyConfig{
		Arn:    topic.Arn(),
		Policy: doc.Json(),
	})

	for _, m := range env.Alerts.Emails {
		snstopicsubscription.NewSnsTopicSubscription(c, jsii.String("email-"+subscriptionID(m, m)), &snstopicsubscription.SnsTopicSubscriptionConfig{
			TopicArn: topic.Arn(),
			Protocol: jsii.String("email"),
			Endpoint: jsii.String(m),
		})
	}
	for _, h := range env.Alerts.HTTPSEndpoints {
		u, _ := url.Parse(h.URL) // config.Validate accepted it
		cfg := &snstopicsubscription.SnsTopicSubscriptionConfig{
			TopicArn: topic.Arn(),
			Protocol: jsii.String("https"),
			Endpoint: jsii.String(h.URL),
		}
		if h.AutoConfirms {
			cfg.EndpointAutoConfirms = jsii.Bool(true)
			// Paging services confirm within seconds; minutes cover a
			// slow one without holding an apply for long.
			cfg.ConfirmationTimeoutInMinutes = jsii.Number(5)
		}
		// The host only: the rest of a paging URL is often its key, which
		// has no place in a Terraform address.
		snstopicsubscription.NewSnsTopicSubscription(c, jsii.String("https-"+subscriptionID(u.Hostname(), h.URL)), cfg)
	}
	return &alertTopic{topic: topic, policy: pol, ARN: topic.Arn()}
}

var nonID = regexp.MustCompile(`[^a-z0-9]+`)

// subscriptionID names a subscription's construct by its endpoint, so
// that adding or removing one subscriber never replaces (and so
// unsubscribes, and asks to confirm again) another: a readable part and
// a hash of the whole endpoint, which two endpoints never share.
func subscriptionID(readable, endpoint string) string {
	readable = strings.Trim(nonID.ReplaceAllString(strings.ToLower(readable), "-"), "-")
	if len(readable) > 40 {
		readable = readable[:40]
	}
	sum := sha256.Sum256([]byte(endpoint))
	return strings.Trim(readable, "-") + "-" + hex.EncodeToString(sum[:4])
}

// eventAlert is an EventBridge rule that notifies an alert topic with a
// message of its own.
type eventAlert struct {
	// id is the rule's construct id (its target's is id-to-topic), name
	// its name in AWS.
	id, name string
	// description says what the rule forwards, and ends with its runbook
	// link ("Runbook: <link>").
	description string
	// pattern is the event pattern, marshalled to JSON.
	pattern any
	// paths and template are the message's input transformer: the
	// template is a JSON string whose <key>s paths fill in.
	paths    map[string]string
	template string
}

// newEventAlert creates the rule and its target, the topic.
func newEventAlert(scope constructs.Construct, a eventAlert, topic *string) {
	pattern, err := json.Marshal(a.pattern)
	if err != nil {
		panic(err)
	}
	rule := cloudwatcheventrule.NewCloudwatchEventRule(scope, jsii.String(a.id), &cloudwatcheventrule.CloudwatchEventRuleConfig{
		Name:         jsii.String(a.name),
		Description:  jsii.String(a.description),
		EventPattern: jsii.String(string(pattern)),
		State:        jsii.String("ENABLED"),
	})
	paths := map[string]*string{}
	for k, v := range a.paths {
		paths[k] = jsii.String(v)
	}
	cloudwatcheventtarget.NewCloudwatchEventTarget(scope, jsii.String(a.id+"-to-topic"), &cloudwatcheventtarget.CloudwatchEventTargetConfig{
		Rule:     rule.Name(),
		TargetId: jsii.String("alert-topic"),
		Arn:      topic,
		InputTransformer: &cloudwatcheventtarget.CloudwatchEventTargetInputTransformer{
			InputPaths:    &paths,
			InputTemplate: jsii.String(a.template),
		},
	})
}

// newBackupAlerts forwards every AWS Backup job of the environment that
// failed, expired or was aborted to the alert topic: backup jobs of its
// vault, copy jobs out of its vault, and restore jobs (which name no
// vault; where environments share an account and region, each
// environment's topic hears of every restore job that fails).
func newBackupAlerts(s *Stack, c constructs.Construct, topic *alertTopic, bk *backup.Backup) {
	prefix, alerts := s.Env.Prefix(), s.Env.Alerts
	for _, r := range []struct {
		kind, detailType, what string
		detail                 map[string]any
		job                    string
	}{
		{AlertBackupJobFailed, "Backup Job State Change", "AWS Backup job",
			map[string]any{"state": []string{"FAILED", "ABORTED", "EXPIRED"}, "backupVaultName": []*string{bk.VaultName}}, "backupJobId"},
		// Copy jobs end COMPLETED, FAILED or PARTIAL (some resources not
		// copied).
		{AlertBackupCopyFailed, "Copy Job State Change", "AWS Backup copy job",
			map[string]any{"state": []string{"FAILED", "PARTIAL"}, "sourceBackupVaultArn": []*string{bk.VaultARN}}, "copyJobId"},
		// Restore jobs report "status", not "state".
		{AlertBackupRestoreFailed, "Restore Job State Change", "AWS Backup restore job",
			map[string]any{"status": []string{"FAILED", "ABORTED"}}, "restoreJobId"},
	} {
		state := "$.detail.state"
		if _, ok := r.detail["status"]; ok {
			state = "$.detail.status"
		}
		runbook := alerts.RunbookLink(r.kind)
		// The message names the job; its statusMessage (the reason) is
		// read with the command in the runbook, because it may contain
		// quotes a transformed string cannot carry.
		newEventAlert(c, eventAlert{
			id: r.kind, name: prefix + "-" + r.kind,
			description: fmt.Sprintf("%ss of Stratum %s that did not complete. Runbook: %s", r.what, s.Env.Name, runbook),
			pattern:     map[string]any{"source": []string{"aws.backup"}, "detail-type": []string{r.detailType}, "detail": r.detail},
			paths:       map[string]string{"job": "$.detail." + r.job, "state": state, "resource": "$.detail.resourceArn", "time": "$.time"},
			template:    fmt.Sprintf(`"%s <job> of <resource> ended <state> at <time> (Stratum %s). Runbook: %s"`, r.what, s.Env.Name, runbook),
		}, topic.ARN)
	}
}

// newBackupTamperingAlerts alerts on every attempt, allowed or denied,
// to destroy what the backups depend on: scheduling the deletion of,
// disabling or re-policing the backup key or the state key, and removing
// a vault's lock or access policy, deleting a vault or a recovery point
// early. The deploy roles and the boundary deny these calls; the alert
// says someone tried. EventBridge receives CloudTrail's "AWS API Call via
// CloudTrail" events only from an account with a trail that logs
// management events (docs/runbooks/alerts/backup-tampering.md), and a
// rule sees the calls of its own region: the copies' key and vault, in
// Backup.CopyRegion, are not watched here.
func newBackupTamperingAlerts(s *Stack, c constructs.Construct, topic *alertTopic, keyARNs []*string) {
	prefix, env := s.Env.Prefix(), s.Env
	runbook := env.Alerts.RunbookLink(AlertBackupTampering)
	var vaultCalls, keyCalls []string
	for _, a := range deploy.VaultDestruction {
		vaultCalls = append(vaultCalls, strings.TrimPrefix(a, "backup:"))
	}
	vaultCalls = append(vaultCalls, "DeleteBackupVault")
	for _, a := range deploy.KeyDestruction {
		keyCalls = append(keyCalls, strings.TrimPrefix(a, "kms:"))
	}
	for _, r := range []struct {
		id, what string
		pattern  map[string]any
		target   string
	}{
		{"keys", "the backup and state keys", map[string]any{
			"source": []string{"aws.kms"}, "detail-type": []string{"AWS API Call via CloudTrail"},
			"detail": map[string]any{"eventSource": []string{"kms.amazonaws.com"}, "eventName": keyCalls, "resources": map[string]any{"ARN": keyARNs}},
		}, "$.detail.resources[0].ARN"},
		{"vaults", "the backup vaults", map[string]any{
			"source": []string{"aws.backup"}, "detail-type": []string{"AWS API Call via CloudTrail"},
			"detail": map[string]any{"eventSource": []string{"backup.amazonaws.com"}, "eventName": vaultCalls},
		}, "$.detail.requestParameters.backupVaultName"},
	} {
		newEventAlert(c, eventAlert{
			id: AlertBackupTampering + "-" + r.id, name: prefix + "-" + AlertBackupTampering + "-" + r.id,
			description: fmt.Sprintf("Attempts to destroy %s of Stratum %s. Runbook: %s", r.what, env.Name, runbook),
			pattern:     r.pattern,
			paths: map[string]string{"call": "$.detail.eventName", "who": "$.detail.userIdentity.arn",
				"error": "$.detail.errorCode", "target": r.target, "time": "$.time"},
			template: fmt.Sprintf(`"<who> called <call> on <target> at <time> (error: <error>), in Stratum %s: an attempt to destroy %s. Runbook: %s"`, env.Name, r.what, runbook),
		}, topic.ARN)
	}
}

// budgetNotifications notify the topic at 80 % and 100 % of the month's
// forecast and at 100 % of its actual cost: the forecast warns while
// there is time to act, the actual says the money is spent. AWS needs
// about five weeks of cost data before it forecasts.
func budgetNotifications(topic *string) []*budgetsbudget.BudgetsBudgetNotification {
	var out []*budgetsbudget.BudgetsBudgetNotification
	for _, n := range []struct {
		kind      string
		threshold float64
	}{{"FORECASTED", 80}, {"FORECASTED", 100}, {"ACTUAL", 100}} {
		out = append(out, &budgetsbudget.BudgetsBudgetNotification{
			NotificationType:       jsii.String(n.kind),
			ComparisonOperator:     jsii.String("GREATER_THAN"),
			Threshold:              jsii.Number(n.threshold),
			ThresholdType:          jsii.String("PERCENTAGE"),
			SubscriberSnsTopicArns: &[]*string{topic},
		})
	}
	return out
}

// costFilter selects the costs a budget counts (a budget's cost_filter).
type costFilter struct {
	name   string
	values []string
}

// tagged is the costs tagged tag=value, in Cost Explorer's form of a
// user-defined tag: user:<key>$<value>.
func tagged(tag, value string) costFilter {
	return costFilter{"TagKeyValue", []string{"user:" + tag + "$" + value}}
}

// newBudget creates a monthly cost budget of the costs filter selects.
func newBudget(scope constructs.Construct, id, name string, limitUSD int, filter costFilter, topic *string, runbook string, dependsOn ...cdktf.ITerraformDependable) budgetsbudget.BudgetsBudget {
	cfg := &budgetsbudget.BudgetsBudgetConfig{
		Name:        jsii.String(name),
		BudgetType:  jsii.String("COST"),
		TimeUnit:    jsii.String("MONTHLY"),
		LimitAmount: jsii.String(fmt.Sprint(limitUSD)),
		LimitUnit:   jsii.String("USD"),
		CostFilter: []*budgetsbudget.BudgetsBudgetCostFilter{{
			Name: jsii.String(filter.name), Values: jsii.Strings(filter.values...),
		}},
		Notification: budgetNotifications(topic),
		// Budget notifications carry no description: the tag links the
		// runbook for whoever opens the budget.
		Tags: &map[string]*string{"Runbook": jsii.String(runbook)},
	}
	if len(dependsOn) > 0 {
		cfg.DependsOn = &dependsOn
	}
	return budgetsbudget.NewBudgetsBudget(scope, jsii.String(id), cfg)
}

// newEnvironmentCost creates the environment's budget and, where the
// environment's account is the payer account, activates the cost
// allocation tags the budgets filter on.
func newEnvironmentCost(s *Stack, c constructs.Construct, topic *alertTopic) {
	env := s.Env
	b := env.Alerts.Budget
	// AWS Budgets checks that it may publish to the topic when the budget
	// is created: the topic policy comes first.
	newBudget(c, "budget", env.Prefix()+"-"+AlertBudget, b.MonthlyUSD, tagged("Environment", env.Name), topic.ARN,
		env.Alerts.RunbookLink(AlertBudget), topic.policy)
	if !b.ActivateCostAllocationTags {
		return
	}
	for _, key := range config.CostAllocationTags {
		cecostallocationtag.NewCeCostAllocationTag(c, jsii.String("cost-allocation-tag-"+strings.ToLower(key)), &cecostallocationtag.CeCostAllocationTagConfig{
			TagKey: jsii.String(key),
			Status: jsii.String("Active"),
		})
	}
}

// newNATAlarms alarms on each NAT gateway's port allocation errors (the
// gateway ran out of source ports to one destination: connections fail)
// and on the share of packets it drops.
func newNATAlarms(s *Stack, c constructs.Construct, gateways []natgateway.NatGateway, topic *string) {
	env := s.Env
	t := env.Alerts.Thresholds.WithDefaults()
	for i, gw := range gateways {
		// One gateway per zone, in the order of the zones, or one in the
		// first zone (network.Network.NATGateways).
		az := env.Network.AvailabilityZones[i]
		name := fmt.Sprintf("%s-nat-%s", env.Prefix(), az)
		id := map[string]*string{"NatGatewayId": gw.Id()}
		alarm.New(c, az+"-"+AlertNATPortAllocation, &alarm.Props{
			Name: name + "-port-allocation", Runbook: env.Alerts.RunbookLink(AlertNATPortAllocation), Topic: topic,
			Summary: fmt.Sprintf("NAT gateway %s could not allocate source ports in the last 5 minutes: new connections from the private subnets to the internet are failing.", name),
			Metric:  &alarm.Metric{Namespace: "AWS/NATGateway", Name: "ErrorPortAllocation", Statistic: "Sum", Dimensions: id},
			// Any error: each one is a connection that failed.
			Comparison: alarm.Above, Threshold: 0, EvaluationPeriods: 1, TreatMissingData: alarm.MissingIsOK,
		})
		metric := func(m string) alarm.Metric {
			return alarm.Metric{Namespace: "AWS/NATGateway", Name: m, Statistic: "Sum", Dimensions: id}
		}
		alarm.New(c, az+"-"+AlertNATPacketsDropped, &alarm.Props{
			Name: name + "-packets-dropped", Runbook: env.Alerts.RunbookLink(AlertNATPacketsDropped), Topic: topic,
			Summary: fmt.Sprintf("NAT gateway %s dropped more than %g %% of its packets in 3 of the last 5 minutes: traffic to the internet is being lost (check the AWS Health Dashboard).",
				name, t.NATPacketsDroppedPercent),
			Expression: "100 * dropped / (fromSource + fromDestination)", Label: "dropped packets (%)",
			Queries: []alarm.Query{
				{ID: "dropped", Metric: metric("PacketsDropCount")},
				{ID: "fromSource", Metric: metric("PacketsInFromSource")},
				{ID: "fromDestination", Metric: metric("PacketsInFromDestination")},
			},
			Comparison: alarm.Above, Threshold: t.NATPacketsDroppedPercent,
			PeriodSeconds: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3,
			// No traffic, no ratio.
			TreatMissingData: alarm.MissingIsOK,
		})
	}
}

// newNodeGroupAlerts alarms when a node group runs fewer nodes than
// its minimum for 15 minutes. An EKS managed node group's Auto Scaling
// group publishes no group metrics (GroupInServiceInstances) unless
// metrics collection is enabled on it, which Terraform cannot do for a
// group EKS owns, and Container Insights' node counts need the CloudWatch
// observability add-on and are per cluster. What every group has without
// either: EC2 publishes each running instance's StatusCheckFailed every
// minute, free, also aggregated by AutoScalingGroupName, so the samples
// of five minutes divided by five are the group's running nodes. It
// counts EC2 instances, not Kubernetes readiness. A group whose minimum
// is 0 gets no alarm.
//
// A group at or above its minimum that cannot grow (the autoscaler asked
// for a node, EC2 had no capacity) is not below its minimum: Auto
// Scaling's "EC2 Instance Launch Unsuccessful" event of the group's own
// Auto Scaling group is forwarded too, by an EventBridge rule.
func newNodeGroupAlerts(s *Stack, scope constructs.Construct, idPrefix string, ng *nodegroup.NodeGroup, name string, minSize int, topic *string) {
	env := s.Env
	asg := ng.NodeGroup.Resources().Get(jsii.Number(0)).AutoscalingGroups().Get(jsii.Number(0)).Name()
	runbook := env.Alerts.RunbookLink(AlertNodesLaunchFailed)
	newEventAlert(scope, eventAlert{
		id: idPrefix + AlertNodesLaunchFailed, name: name + "-" + AlertNodesLaunchFailed,
		description: fmt.Sprintf("Nodes of EKS node group %s that EC2 Auto Scaling could not launch. Runbook: %s", name, runbook),
		pattern: map[string]any{
			"source": []string{"aws.autoscaling"}, "detail-type": []string{"EC2 Instance Launch Unsuccessful"},
			"detail": map[string]any{"AutoScalingGroupName": []*string{asg}},
		},
		paths: map[string]string{"group": "$.detail.AutoScalingGroupName", "time": "$.time"},
		template: fmt.Sprintf(`"EC2 Auto Scaling could not launch a node of EKS node group %s (Auto Scaling group <group>) at <time> (Stratum %s). Runbook: %s"`,
			name, env.Name, runbook),
	}, topic)
	if minSize < 1 {
		return
	}
	alarm.New(scope, idPrefix+AlertNodesBelowMinimum, &alarm.Props{
		Name: name + "-" + AlertNodesBelowMinimum, Runbook: s.Env.Alerts.RunbookLink(AlertNodesBelowMinimum), Topic: topic,
		Summary: fmt.Sprintf("EKS node group %s has run fewer than its minimum of %d nodes for 15 minutes: EKS cannot launch or keep its instances (capacity, subnet addresses, launch template, IAM), and pods may be pending.",
			name, minSize),
		Expression: "samples / 5", Label: "running nodes",
		Queries: []alarm.Query{{ID: "samples", Metric: alarm.Metric{
			Namespace: "AWS/EC2", Name: "StatusCheckFailed", Statistic: "SampleCount",
			Dimensions: map[string]*string{"AutoScalingGroupName": asg},
		}}},
		// Half a node below the minimum: a sample landing in the next
		// period does not make a node disappear.
		Comparison: alarm.Below, Threshold: float64(minSize) - 0.5,
		// No instance reports, no data: that is the worst case.
		TreatMissingData: alarm.MissingIsBreaching,
	})
}

// databaseAlarms are the alarms of a client's database in env, notifying
// topic (the postgres construct creates them).
func databaseAlarms(env config.Environment, topic *string) *postgres.Alarms {
	t := env.Alerts.Thresholds.WithDefaults()
	return &postgres.Alarms{
		Topic:              topic,
		Runbook:            env.Alerts.RunbookLink,
		CPUPercent:         t.DatabaseCPUPercent,
		FreeStoragePercent: t.DatabaseFreeStoragePercent,
		FreeMemoryPercent:  t.DatabaseFreeMemoryPercent,
		ConnectionsPercent: t.DatabaseConnectionsPercent,
		CPUCreditsPercent:  t.DatabaseCPUCreditsPercent,
	}
}

// newClientAlerts gives a client stack its node group alarm and the
// client's monthly budget, by its CostCentre tag. Budgets are per
// account: where environments share one, the client's budget in each
// counts its costs in all of them.
func newClientAlerts(s *Stack, t clients.Tenancy, group *nodegroup.NodeGroup) {
	topic := contract.AlarmTopicARN.Import(s.Contract, s.At())
	newNodeGroupAlerts(s, s.TF, "", group, t.Names.NodeGroup, t.Nodes.MinSize, topic)
	newBudget(s.TF, AlertBudget, t.Names.Prefix+"-"+AlertBudget, t.MonthlyBudgetUSD, tagged("CostCentre", t.Client.CostCentre), topic,
		t.Env.Alerts.RunbookLink(AlertBudget))
}
