package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/accessanalyzeranalyzer"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorder"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configconfigurationrecorderstatus"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/configdeliverychannel"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetector"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/guarddutydetectorfeature"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/cis"
	"stratum/config"
	"stratum/constructs/awscontext"
	"stratum/constructs/bucket"
	"stratum/constructs/kms"
	"stratum/constructs/logalarm"
	"stratum/constructs/policy"
	"stratum/constructs/trail"
	"stratum/contract"
	"stratum/deploy"
)

// The audit layer's alerts that are not CIS controls' (package cis has
// those), by the name of their runbook.
const (
	AlertBackupVaultChanges    = "backup-vault-changes"
	AlertStateBucketChanges    = "state-bucket-changes"
	AlertBreakGlassUse         = "break-glass-use"
	AlertUnexpectedCIIdentity  = "unexpected-ci-identity"
	AlertGuardDutyFinding      = "guardduty-finding"
	AlertAccessAnalyzerFinding = "access-analyzer-finding"
	AlertConfigNoncompliant    = "config-noncompliant"
)

// AuditServices are the services whose charges the audit budget counts,
// as Cost Explorer names them: account-wide services, which the
// environment's budget (costs tagged Environment=<name>) does not count.
var AuditServices = []string{"AWS CloudTrail", "AWS Config", "Amazon GuardDuty"}

// AuditNamespace is the CloudWatch namespace of the audit layer's
// metrics in env: its metric filters count into it.
func AuditNamespace(env config.Environment) string { return "Stratum/Audit/" + env.Name }

// NewAudit builds audit-<env>: the record of who did what in the
// environment's account and the detection of threats in it (docs/audit.md).
//
//   - The CloudTrail trail (constructs/trail): multi-region, every
//     management event, log file validation, its own key, a bucket of its
//     own (access-logged to bootstrap's access log bucket, object-locked in
//     compliance mode in production) and a CloudWatch Logs group; S3 data
//     events of the state and client buckets as config says.
//   - The CIS monitoring controls' metric filters and alarms on that group
//     (package cis), and Stratum's own: backup vault locks and policies,
//     the state bucket's policy and settings, any use of the break-glass
//     role, and any OIDC federation into a deploy or plan role from a
//     subject its trust was not built for.
//   - GuardDuty with its protections, IAM Access Analyzer and AWS Config
//     (recorder, delivery channel, the managed rules that check what
//     Stratum promises), as config turns them on, their findings and
//     non-compliance routed by EventBridge rules.
//   - The audit topic: its alarms and findings reach the environment's
//     subscribers (config.Alerts) through a topic of its own, not
//     foundation's, so that the layer depends on bootstrap only and can be
//     deployed before anything else; and the budget of the audit services.
func NewAudit(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Audit, Env: env})
	a, names := env.Audit, env.AuditNames()
	aws := awscontext.Of(s.TF)
	partition := *aws.Partition()
	// Reading it from bootstrap's contract is what orders this stack after
	// bootstrap-<env>.
	accessLogs := contract.AccessLogBucket.Import(s.Contract, s.At())

	var keyGrants []kms.ServiceGrant
	if a.Config.Enabled {
		// AWS Config encrypts its deliveries with the audit key, for this
		// account only.
		keyGrants = append(keyGrants, kms.ServiceGrant{Sid: "ConfigEncryptsDeliveries", Service: "config.amazonaws.com",
			Actions:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Conditions: []*policy.Condition{{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: &[]*string{aws.AccountID()}}}})
	}
	tr := trail.New(s.TF, "trail", &trail.Props{
		Name:                  names.Trail,
		BucketName:            a.TrailBucket,
		KeyAlias:              names.KeyAlias,
		KeyGrants:             keyGrants,
		Region:                env.Region,
		RetentionDays:         a.TrailRetentionDays,
		ObjectLockDays:        a.ObjectLockDays,
		AccessLogBucket:       accessLogs,
		LogGroupRetentionDays: env.LogRetentionDays,
		DataEvents:            auditDataEvents(env, partition),
		PreventDestroy:        env.DeletionProtection,
	})

	alerts := constructs.NewConstruct(s.TF, jsii.String("alerts"))
	publishers := slices.DeleteFunc(alertPublishers(partition, *aws.Region(), *aws.AccountID(), env.AuditPrefix()),
		func(p alertPublisher) bool { return p.service == "events.rds.amazonaws.com" })
	topic := newTopic(s, alerts, topicSpec{
		name: names.Topic, keyID: "alarms-key", topicID: "alarm-topic",
		what: "Audit alarms and findings of Stratum " + env.Name, publishers: publishers,
	})
	group := tr.LogGroup.Name()
	newCISAlarms(s, alerts, group, topic.ARN)
	newAuditAlarms(s, alerts, group, topic.ARN)
	// Each service under its own construct: its addresses name it.
	if a.GuardDuty.Enabled {
		newGuardDuty(s, constructs.NewConstruct(s.TF, jsii.String("guardduty")), topic.ARN)
	}
	if a.AccessAnalyzer {
		newAccessAnalyzer(s, constructs.NewConstruct(s.TF, jsii.String("access-analyzer")), topic.ARN)
	}
	if a.Config.Enabled {
		newConfigRecorder(s, constructs.NewConstruct(s.TF, jsii.String("config")), tr, accessLogs, topic.ARN)
	}
	// AWS Budgets checks that it may publish to the topic when the budget
	// is created: the topic policy comes first.
	newBudget(alerts, "budget", env.AuditPrefix()+"-"+AlertBudget, a.MonthlyBudgetUSD, costFilter{"Service", AuditServices},
		topic.ARN, env.Alerts.RunbookLink(AlertBudget), topic.policy)

	at := s.At()
	contract.AuditTopicARN.Export(s.Contract, at, topic.ARN)
	contract.TrailARN.Export(s.Contract, at, tr.ARN)
	contract.TrailBucket.Export(s.Contract, at, tr.Bucket.Name)
	contract.TrailLogGroup.Export(s.Contract, at, group)
	contract.AuditKMSKeyARN.Export(s.Contract, at, tr.Key.ARN)
	return s
}

// auditDataEvents are the S3 object-level calls the trail records, as
// config says: the state bucket's, and every client bucket's
// (<prefix>-<client>-<bucket>, by the environment's prefix, so that a new
// client changes nothing here) but the environment's own buckets, which
// the state bucket's selector or none covers.
func auditDataEvents(env config.Environment, partition string) []trail.DataEvents {
	objects := func(name string) string { return fmt.Sprintf("arn:%s:s3:::%s", partition, name) }
	var out []trail.DataEvents
	if scope := env.Audit.DataEvents.StateBucket.Or(); scope != config.DataEventsNone {
		out = append(out, trail.DataEvents{Name: "State bucket", Objects: []string{objects(env.State.Bucket + "/")},
			WritesOnly: scope == config.DataEventsWrites})
	}
	if scope := env.Audit.DataEvents.ClientBuckets.Or(); scope != config.DataEventsNone {
		clients := objects(env.Prefix() + "-")
		var except []string
		for _, b := range []string{env.State.Bucket, env.State.AccessLogBucket, env.Audit.Config.Bucket} {
			if b != "" && strings.HasPrefix(objects(b+"/"), clients) {
				except = append(except, objects(b+"/"))
			}
		}
		out = append(out, trail.DataEvents{Name: "Client buckets", Objects: []string{clients}, Except: except,
			WritesOnly: scope == config.DataEventsWrites})
	}
	return out
}

// newCISAlarms creates the metric filter and alarm of every CIS monitoring
// control that has a pattern, on the trail's log group.
func newCISAlarms(s *Stack, c constructs.Construct, group, topic *string) {
	env := s.Env
	for _, ctl := range cis.Controls {
		if ctl.Pattern == "" {
			continue
		}
		logalarm.New(c, "cis-"+strings.ReplaceAll(ctl.ID, ".", "-"), &logalarm.Props{
			LogGroupName: group, Patterns: []string{ctl.Pattern},
			Namespace: AuditNamespace(env), Metric: ctl.Metric,
			Name:    env.AuditPrefix() + "-" + ctl.Name,
			Summary: fmt.Sprintf("CIS %s: %s", ctl.ID, ctl.Summary),
			Runbook: env.Alerts.RunbookLink(ctl.Alert), Topic: topic,
		})
	}
}

// StateBucketEvents are the CloudTrail events that change how the state
// is kept: its bucket's policy, ACL, public access block, ownership,
// encryption, versioning, lifecycle, logging and object lock, and its
// deletion (the state bucket's part of deploy's DenyChangingStateBucket,
// by the names CloudTrail gives the calls).
var StateBucketEvents = []string{
	"PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl", "PutBucketPublicAccessBlock", "DeleteBucketPublicAccessBlock",
	"PutBucketOwnershipControls", "DeleteBucketOwnershipControls", "PutBucketEncryption", "DeleteBucketEncryption",
	"PutBucketVersioning", "PutBucketLifecycle", "DeleteBucketLifecycle", "PutBucketLogging", "PutObjectLockConfiguration",
	"DeleteBucket",
}

// anyOf is the metric filter term matching field against each value.
func anyOf(field string, values []string) string {
	var terms []string
	for _, v := range values {
		terms = append(terms, fmt.Sprintf("(%s = %q)", field, v))
	}
	return "(" + strings.Join(terms, " || ") + ")"
}

// newAuditAlarms creates Stratum's own alarms on the trail's log group:
// what the CIS controls do not single out but Stratum's promises rest on.
func newAuditAlarms(s *Stack, c constructs.Construct, group, topic *string) {
	env := s.Env
	alarmOf := func(id, kind, name, summary, metric string, patterns []string) {
		logalarm.New(c, id, &logalarm.Props{
			LogGroupName: group, Patterns: patterns, Namespace: AuditNamespace(env), Metric: metric,
			Name: env.AuditPrefix() + "-" + name, Summary: summary, Runbook: env.Alerts.RunbookLink(kind), Topic: topic,
		})
	}
	var vaultCalls []string
	for _, a := range deploy.VaultDestruction {
		vaultCalls = append(vaultCalls, strings.TrimPrefix(a, "backup:"))
	}
	vaultCalls = append(vaultCalls, "PutBackupVaultLockConfiguration", "DeleteBackupVault")
	alarmOf(AlertBackupVaultChanges, AlertBackupVaultChanges, AlertBackupVaultChanges,
		"A backup vault's lock or access policy was set or removed, a vault deleted, or a recovery point deleted or its retention changed: what the backups' immutability rests on.",
		"BackupVaultChanges",
		[]string{fmt.Sprintf(`{ ($.eventSource = "backup.amazonaws.com") && %s }`, anyOf("$.eventName", vaultCalls))})
	alarmOf(AlertStateBucketChanges, AlertStateBucketChanges, AlertStateBucketChanges,
		fmt.Sprintf("The Terraform state bucket %s had its policy, access, encryption, versioning, lifecycle, logging or object lock changed, or was deleted: every stack's state, and the secrets it holds, is kept there.", env.State.Bucket),
		"StateBucketChanges",
		[]string{fmt.Sprintf(`{ ($.eventSource = "s3.amazonaws.com") && ($.requestParameters.bucketName = %q) && %s }`, env.State.Bucket, anyOf("$.eventName", StateBucketEvents))})
	if bg := env.Cluster.BreakGlassRoleARN; bg != "" {
		// Assuming it (however: AssumeRole, with SAML or a web identity),
		// and every call its sessions make.
		alarmOf(AlertBreakGlassUse, AlertBreakGlassUse, AlertBreakGlassUse,
			fmt.Sprintf("The break-glass role %s was assumed or used: an emergency, or someone holding it without one.", bg),
			"BreakGlassUse",
			[]string{fmt.Sprintf(`{ (($.eventName = "AssumeRole*") && ($.requestParameters.roleArn = %q)) || ($.userIdentity.sessionContext.sessionIssuer.arn = %q) }`, bg, bg)})
	}
	if patterns := unexpectedCIPatterns(env); len(patterns) > 0 {
		alarmOf(AlertUnexpectedCIIdentity, AlertUnexpectedCIIdentity, AlertUnexpectedCIIdentity,
			"A token was presented to a deploy or plan role (AssumeRoleWithWebIdentity) with a subject its trust was not built for, or none: another repository, branch, environment or service connection, allowed or refused.",
			"UnexpectedCIIdentity", patterns)
	}
}

// unexpectedCIPatterns are the metric filter patterns matching every
// AssumeRoleWithWebIdentity into one of env's deploy and plan roles whose
// token subject is not one the role's trust admits (deploy.WebIdentities,
// from which bootstrap-<env> builds the trust): one pattern per role, so
// that each names exactly its own role's subjects and stays within
// CloudWatch Logs' 1,024 characters.
func unexpectedCIPatterns(env config.Environment) []string {
	var out []string
	for _, d := range deploy.Layers {
		for _, p := range []deploy.Purpose{deploy.Apply, deploy.Plan} {
			ids := deploy.WebIdentities(env, d, p)
			if len(ids) == 0 {
				continue
			}
			var allowed []string
			for _, id := range ids {
				for _, sub := range id.Subjects {
					allowed = append(allowed, fmt.Sprintf("($.userIdentity.userName != %q)", sub))
				}
				if id.SubjectPattern != "" {
					allowed = append(allowed, fmt.Sprintf("($.userIdentity.userName != %q)", id.SubjectPattern))
				}
			}
			out = append(out, fmt.Sprintf(`{ ($.eventName = "AssumeRoleWithWebIdentity") && ($.requestParameters.roleArn = %q) && (($.userIdentity.userName NOT EXISTS) || (%s)) }`,
				d.RoleARN(env, p), strings.Join(allowed, " && ")))
		}
	}
	return out
}

// guardDutyFeatures are the detector's protection plans, each managed
// explicitly, on or off, so that config alone decides what is paid for.
func guardDutyFeatures(g config.GuardDuty) []struct {
	name string
	on   bool
} {
	return []struct {
		name string
		on   bool
	}{
		{"S3_DATA_EVENTS", g.S3DataEvents},
		{"EKS_AUDIT_LOGS", g.EKSAuditLogs},
		{"RUNTIME_MONITORING", g.RuntimeMonitoring},
		{"EBS_MALWARE_PROTECTION", g.MalwareProtection},
		{"RDS_LOGIN_EVENTS", g.RDSLoginEvents},
		// No Lambda function is Stratum's.
		{"LAMBDA_NETWORK_LOGS", false},
	}
}

// newGuardDuty creates the account's detector in the environment's
// region with its protections, and routes its findings of at least the
// configured severity to the topic.
func newGuardDuty(s *Stack, c constructs.Construct, topic *string) {
	env, g := s.Env, s.Env.Audit.GuardDuty
	det := guarddutydetector.NewGuarddutyDetector(c, jsii.String("detector"), &guarddutydetector.GuarddutyDetectorConfig{
		Enable: jsii.Bool(true),
		// New findings are published at once; updates to an existing
		// finding every 15 minutes instead of the default six hours.
		FindingPublishingFrequency: jsii.String("FIFTEEN_MINUTES"),
	})
	status := map[bool]string{true: "ENABLED", false: "DISABLED"}
	for _, f := range guardDutyFeatures(g) {
		cfg := &guarddutydetectorfeature.GuarddutyDetectorFeatureConfig{
			DetectorId: det.Id(), Name: jsii.String(f.name), Status: jsii.String(status[f.on]),
		}
		if f.name == "RUNTIME_MONITORING" && f.on {
			// GuardDuty manages its security agent as an EKS add-on of
			// the environment's cluster (Runtime Monitoring replaces EKS
			// Runtime Monitoring; the two cannot be set together). The
			// nodes are EKS's: no EC2 or Fargate agent of its own.
			cfg.AdditionalConfiguration = []*guarddutydetectorfeature.GuarddutyDetectorFeatureAdditionalConfiguration{
				{Name: jsii.String("EKS_ADDON_MANAGEMENT"), Status: jsii.String("ENABLED")},
				{Name: jsii.String("EC2_AGENT_MANAGEMENT"), Status: jsii.String("DISABLED")},
				{Name: jsii.String("ECS_FARGATE_AGENT_MANAGEMENT"), Status: jsii.String("DISABLED")},
			}
		}
		guarddutydetectorfeature.NewGuarddutyDetectorFeature(c, jsii.String("feature-"+strings.ToLower(strings.ReplaceAll(f.name, "_", "-"))), cfg)
	}
	score, _ := config.SeverityScore(g.Severity())
	runbook := env.Alerts.RunbookLink(AlertGuardDutyFinding)
	newEventAlert(c, eventAlert{
		id: AlertGuardDutyFinding, name: env.AuditPrefix() + "-" + AlertGuardDutyFinding,
		description: fmt.Sprintf("GuardDuty findings of severity %s or higher in Stratum %s's account. Runbook: %s", g.Severity(), env.Name, runbook),
		pattern: map[string]any{
			"source": []string{"aws.guardduty"}, "detail-type": []string{"GuardDuty Finding"},
			"detail": map[string]any{"severity": []map[string]any{{"numeric": []any{">=", score}}}},
		},
		paths: map[string]string{"type": "$.detail.type", "severity": "$.detail.severity", "id": "$.detail.id",
			"region": "$.region", "time": "$.time"},
		template: fmt.Sprintf(`"GuardDuty finding <type> (severity <severity>) in <region> at <time>, finding <id>, in Stratum %s's account. Runbook: %s"`, env.Name, runbook),
	}, topic)
}

// newAccessAnalyzer creates the account's IAM Access Analyzer (external
// access, the account as its zone of trust) and routes its active
// findings: a resource of the account that something outside it can
// reach.
func newAccessAnalyzer(s *Stack, c constructs.Construct, topic *string) {
	env := s.Env
	accessanalyzeranalyzer.NewAccessanalyzerAnalyzer(c, jsii.String("analyzer"), &accessanalyzeranalyzer.AccessanalyzerAnalyzerConfig{
		AnalyzerName: jsii.String(env.AuditPrefix() + "-access"),
		Type:         jsii.String("ACCOUNT"),
	})
	runbook := env.Alerts.RunbookLink(AlertAccessAnalyzerFinding)
	newEventAlert(c, eventAlert{
		id: AlertAccessAnalyzerFinding, name: env.AuditPrefix() + "-" + AlertAccessAnalyzerFinding,
		description: fmt.Sprintf("Active IAM Access Analyzer findings in Stratum %s's account: access from outside it. Runbook: %s", env.Name, runbook),
		pattern: map[string]any{
			"source": []string{"aws.access-analyzer"}, "detail-type": []string{"Access Analyzer Finding"},
			"detail": map[string]any{"status": []string{"ACTIVE"}},
		},
		paths:    map[string]string{"resource": "$.detail.resource", "type": "$.detail.resourceType", "id": "$.detail.id", "time": "$.time"},
		template: fmt.Sprintf(`"IAM Access Analyzer: <type> <resource> is reachable from outside the account (finding <id>, <time>), in Stratum %s. Runbook: %s"`, env.Name, runbook),
	}, topic)
}

// ConfigRule is an AWS Config managed rule the audit layer evaluates:
// each checks something Stratum promises.
type ConfigRule struct {
	// Identifier is the managed rule's (SourceIdentifier); its name in
	// AWS is stratum-<env>-audit-<identifier in lower case, hyphens>.
	Identifier string
	// Promise says what it checks.
	Promise string
	// Applies says whether env promises it. Default: nil (every
	// environment).
	Applies func(config.Environment) bool
}

// ConfigRules are the rules, in the order they are created.
var ConfigRules = []ConfigRule{
	{Identifier: "CLOUDTRAIL_SECURITY_TRAIL_ENABLED", Promise: "a multi-region trail with validation, KMS and every management event"},
	{Identifier: "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", Promise: "the trail delivers to CloudWatch Logs, which the alarms read"},
	{Identifier: "GUARDDUTY_ENABLED_CENTRALIZED", Promise: "GuardDuty is on", Applies: func(e config.Environment) bool { return e.Audit.GuardDuty.Enabled }},
	{Identifier: "CMK_BACKING_KEY_ROTATION_ENABLED", Promise: "every customer-managed key rotates"},
	{Identifier: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", Promise: "every bucket blocks public access"},
	{Identifier: "S3_BUCKET_SSL_REQUESTS_ONLY", Promise: "every bucket is TLS-only"},
	{Identifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", Promise: "every bucket is encrypted"},
	{Identifier: "S3_BUCKET_VERSIONING_ENABLED", Promise: "every bucket is versioned"},
	{Identifier: "RDS_STORAGE_ENCRYPTED", Promise: "every database is encrypted"},
	{Identifier: "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", Promise: "no database is public"},
	{Identifier: "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", Promise: "databases have deletion protection", Applies: func(e config.Environment) bool { return e.DeletionProtection }},
	{Identifier: "RDS_MULTI_AZ_SUPPORT", Promise: "databases are Multi-AZ", Applies: func(e config.Environment) bool { return e.Database.MultiAZ }},
	{Identifier: "EKS_ENDPOINT_NO_PUBLIC_ACCESS", Promise: "the cluster's API is private", Applies: func(e config.Environment) bool { return len(e.Cluster.PublicAccessCIDRs) == 0 }},
	{Identifier: "EKS_SECRETS_ENCRYPTED", Promise: "the cluster encrypts Kubernetes Secrets with KMS"},
	{Identifier: "ENCRYPTED_VOLUMES", Promise: "every attached EBS volume is encrypted"},
	{Identifier: "VPC_FLOW_LOGS_ENABLED", Promise: "every VPC records its traffic"},
	{Identifier: "VPC_DEFAULT_SECURITY_GROUP_CLOSED", Promise: "default security groups allow nothing"},
	{Identifier: "SNS_ENCRYPTED_KMS", Promise: "every topic is encrypted"},
	{Identifier: "CLOUDWATCH_ALARM_ACTION_CHECK", Promise: "every alarm notifies someone"},
}

// id is the rule's identifier in lower case with hyphens: its construct
// id, and its name after the audit prefix.
func (r ConfigRule) id() string { return strings.ToLower(strings.ReplaceAll(r.Identifier, "_", "-")) }

// name is the rule's name in env.
func (r ConfigRule) name(env config.Environment) string { return env.AuditPrefix() + "-" + r.id() }

// newConfigRecorder creates AWS Config in the environment's region: the
// recorder of every supported resource type (global ones such as IAM
// included), its role, the bucket it delivers to (encrypted with the
// audit key; AWS Config does not deliver to the trail's object-locked
// bucket), the delivery channel, the recorder's status, and the managed
// rules, in the order AWS requires (recorder, channel, then starting the
// recorder); non-compliance with a rule notifies the topic.
func newConfigRecorder(s *Stack, c constructs.Construct, tr *trail.Trail, accessLogs, topic *string) {
	env, a, names := s.Env, s.Env.Audit, s.Env.AuditNames()
	aws := awscontext.Of(c)
	account, partition := *aws.AccountID(), *aws.Partition()
	cond := func(test, variable, value string) *policy.Condition {
		return &policy.Condition{Test: jsii.String(test), Variable: jsii.String(variable), Values: jsii.Strings(value)}
	}
	bucketARN := fmt.Sprintf("arn:%s:s3:::%s", partition, a.Config.Bucket)
	deliveries := fmt.Sprintf("%s/AWSLogs/%s/Config/*", bucketARN, account)
	service := []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
		Type: jsii.String("Service"), Identifiers: jsii.Strings("config.amazonaws.com"),
	}}
	thisAccount := cond("StringEquals", "aws:SourceAccount", account)
	b := bucket.New(c, "bucket", &bucket.Props{
		Name: a.Config.Bucket,
		Key:  tr.Key,
		Lifecycle: bucket.Lifecycle{
			ExpirationDays:            a.TrailRetentionDays,
			AbortIncompleteUploadDays: 1,
		},
		// AWS Config's documented bucket policy, for this account only: it
		// checks the bucket with its service principal before delivering.
		PolicyStatements: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
			{Sid: jsii.String("ConfigChecksTheBucket"), Effect: jsii.String("Allow"), Principals: service,
				Actions: jsii.Strings("s3:GetBucketAcl", "s3:ListBucket"), Resources: jsii.Strings(bucketARN), Condition: []*policy.Condition{thisAccount}},
			{Sid: jsii.String("ConfigDelivers"), Effect: jsii.String("Allow"), Principals: service,
				Actions: jsii.Strings("s3:PutObject"), Resources: jsii.Strings(deliveries),
				Condition: []*policy.Condition{cond("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"), thisAccount}},
		},
		AccessLogs:     &bucket.AccessLogs{Bucket: accessLogs},
		PreventDestroy: env.DeletionProtection,
	})

	role := iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:        jsii.String(names.ConfigRole),
		Description: jsii.String("AWS Config records the configuration of Stratum " + env.Name + "'s account and delivers it to " + a.Config.Bucket),
		// Confused-deputy protection: AWS Config of this account only.
		AssumeRolePolicy: policy.NewDocument(c, "trust", policy.TrustService("ConfigOfThisAccount", "config.amazonaws.com", thisAccount)).Json(),
	})
	iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("read"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: jsii.String(fmt.Sprintf("arn:%s:iam::aws:policy/service-role/AWS_ConfigRole", partition)),
	})
	var deliver policy.Statements
	deliver.Add(policy.Allow("CheckTheBucket", []string{"s3:GetBucketAcl"}, jsii.String(bucketARN)))
	deliver.Add(&policy.Statement{Sid: jsii.String("Deliver"), Effect: jsii.String("Allow"), Actions: jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(deliveries), Condition: []*policy.Condition{cond("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control")}})
	tr.Key.GrantVia(&deliver, "EncryptDeliveries", "s3", "kms:GenerateDataKey", "kms:Decrypt")
	rolePolicy := iamrolepolicy.NewIamRolePolicy(c, jsii.String("deliver"), &iamrolepolicy.IamRolePolicyConfig{
		Name:   jsii.String("deliver-to-config-bucket"),
		Role:   role.Id(),
		Policy: policy.NewDocument(c, "permissions", deliver.List()...).Json(),
	})

	recorder := configconfigurationrecorder.NewConfigConfigurationRecorder(c, jsii.String("recorder"), &configconfigurationrecorder.ConfigConfigurationRecorderConfig{
		Name:    jsii.String(env.AuditPrefix()),
		RoleArn: role.Arn(),
		RecordingGroup: &configconfigurationrecorder.ConfigConfigurationRecorderRecordingGroup{
			AllSupported:               jsii.Bool(true),
			IncludeGlobalResourceTypes: jsii.Bool(true),
		},
		RecordingMode: &configconfigurationrecorder.ConfigConfigurationRecorderRecordingMode{RecordingFrequency: jsii.String("CONTINUOUS")},
	})
	channel := configdeliverychannel.NewConfigDeliveryChannel(c, jsii.String("delivery-channel"), &configdeliverychannel.ConfigDeliveryChannelConfig{
		Name:         jsii.String(env.AuditPrefix()),
		S3BucketName: b.Name,
		S3KmsKeyArn:  tr.Key.ARN,
		SnapshotDeliveryProperties: &configdeliverychannel.ConfigDeliveryChannelSnapshotDeliveryProperties{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
		// A delivery channel needs its recorder; AWS Config checks it may
		// write to the bucket when the channel is created.
		DependsOn: &[]cdktf.ITerraformDependable{recorder, b.Policy, rolePolicy},
	})
	configconfigurationrecorderstatus.NewConfigConfigurationRecorderStatus(c, jsii.String("recorder-status"), &configconfigurationrecorderstatus.ConfigConfigurationRecorderStatusConfig{
		Name:      recorder.Name(),
		IsEnabled: jsii.Bool(true),
		// Recording starts once it can deliver.
		DependsOn: &[]cdktf.ITerraformDependable{channel},
	})
	var ruleNames []string
	for _, r := range ConfigRules {
		if r.Applies != nil && !r.Applies(env) {
			continue
		}
		configconfigrule.NewConfigConfigRule(c, jsii.String("rule-"+r.id()), &configconfigrule.ConfigConfigRuleConfig{
			Name:        jsii.String(r.name(env)),
			Description: jsii.String("Stratum promises " + r.Promise + " (AWS managed rule " + r.Identifier + ")."),
			Source:      &configconfigrule.ConfigConfigRuleSource{Owner: jsii.String("AWS"), SourceIdentifier: jsii.String(r.Identifier)},
			DependsOn:   &[]cdktf.ITerraformDependable{recorder},
		})
		ruleNames = append(ruleNames, r.name(env))
	}
	runbook := env.Alerts.RunbookLink(AlertConfigNoncompliant)
	newEventAlert(c, eventAlert{
		id: AlertConfigNoncompliant, name: env.AuditPrefix() + "-" + AlertConfigNoncompliant,
		description: fmt.Sprintf("Resources of Stratum %s's account that a Stratum AWS Config rule finds non-compliant. Runbook: %s", env.Name, runbook),
		pattern: map[string]any{
			"source": []string{"aws.config"}, "detail-type": []string{"Config Rules Compliance Change"},
			"detail": map[string]any{
				"messageType": []string{"ComplianceChangeNotification"}, "configRuleName": ruleNames,
				"newEvaluationResult": map[string]any{"complianceType": []string{"NON_COMPLIANT"}},
			},
		},
		paths:    map[string]string{"rule": "$.detail.configRuleName", "type": "$.detail.resourceType", "resource": "$.detail.resourceId", "time": "$.time"},
		template: fmt.Sprintf(`"AWS Config rule <rule> finds <type> <resource> non-compliant (<time>), in Stratum %s. Runbook: %s"`, env.Name, runbook),
	}, topic)
}
