package deploy

import (
	"fmt"

	"stratum/config"
	"stratum/contract"
)

// The audit layer keeps the record of who did what: no other layer's
// roles may weaken it. These are what the boundary denies every role
// Stratum creates but the audit layer's own (AuditExempt), whatever its
// policy allows: a compromised deploy role, an application's role with a
// wide inline policy, the nodes' roles. Only the break-glass role, which
// carries no boundary, and the audit layer's deploy role may change them.

// AuditServiceTampering are the calls that stop, delete or blind the
// account's audit services, on any of their resources: no other layer
// uses these services at all.
var AuditServiceTampering = []string{
	// CloudTrail: stopping, deleting or narrowing a trail (and the
	// account's event data stores, channels and federation).
	"cloudtrail:Stop*", "cloudtrail:Delete*", "cloudtrail:Update*", "cloudtrail:Put*", "cloudtrail:*Tags",
	"cloudtrail:*Federation", "cloudtrail:*OrganizationDelegatedAdmin",
	// GuardDuty: deleting or reconfiguring the detector, suppressing
	// findings (filters, trusted IP and entity lists, archiving), sending
	// them elsewhere, leaving or taking over its administration.
	"guardduty:Create*", "guardduty:Delete*", "guardduty:Update*", "guardduty:Disassociate*", "guardduty:Disable*",
	"guardduty:Stop*", "guardduty:Accept*", "guardduty:ArchiveFindings", "guardduty:*TagResource",
	// IAM Access Analyzer: deleting the analyzer, archiving findings.
	"access-analyzer:Delete*", "access-analyzer:Update*", "access-analyzer:CreateArchiveRule", "access-analyzer:ApplyArchiveRule",
	"access-analyzer:*TagResource",
	// AWS Config: stopping or reconfiguring the recorder and its delivery,
	// changing or deleting rules and their results.
	"config:Stop*", "config:Delete*", "config:Put*", "config:AssociateResourceTypes", "config:DisassociateResourceTypes",
	"config:*TagResource",
}

// AuditResourceTampering are the calls that delete, reconfigure or forge
// the audit layer's own resources of shared services: its buckets and
// their objects, its log group and metric filters, its alarms, rules,
// topic, budget and roles (AuditResources names them).
var AuditResourceTampering = []string{
	"s3:DeleteBucket*", "s3:PutBucket*", "s3:Put*Configuration", "s3:PutObject*", "s3:DeleteObject*", "s3:BypassGovernanceRetention",
	"s3:Replicate*", "s3:*Replication", "s3:Update*", "s3:*TagResource",
	"logs:Delete*", "logs:Put*", "logs:CreateLogStream", "logs:*KmsKey", "logs:*Tag*", "logs:IntegrateWith*", "logs:ProcessWithPipeline",
	"cloudwatch:DeleteAlarms", "cloudwatch:DisableAlarmActions", "cloudwatch:Put*", "cloudwatch:SetAlarmState", "cloudwatch:*TagResource",
	"events:DeleteRule", "events:DisableRule", "events:Put*", "events:RemoveTargets", "events:*TagResource",
	"sns:DeleteTopic", "sns:Set*", "sns:*Permission", "sns:Unsubscribe", "sns:Put*", "sns:*TagResource",
	"budgets:ModifyBudget", "budgets:*TagResource",
	"kms:*Alias",
	"iam:CreateRole", "iam:DeleteRole*", "iam:UpdateRole*", "iam:UpdateAssumeRolePolicy", "iam:PutRole*", "iam:*tachRolePolicy", "iam:*TagRole",
}

// AuditKeyTampering are the calls that destroy the audit key or lock its
// users out: the log files and the log group would become unreadable, or
// unwritable.
var AuditKeyTampering = append([]string{"kms:DisableKeyRotation"}, KeyDestruction...)

// AuditResources are the ARNs (patterns) of the audit layer's resources
// in env that AuditResourceTampering applies to: everything named
// stratum-<env>-audit-… (config.Environment.AuditPrefix, which no client
// name may start), the trail's log group and the audit buckets.
func AuditResources(env config.Environment) []string {
	// Any region and account: the names are the environment's, and the
	// boundary must fit IAM's 6,144 characters.
	p := Scope{Env: env}.partition()
	prefix := env.AuditPrefix() + "-"
	group := env.AuditNames().LogGroup
	out := []string{
		fmt.Sprintf("arn:%s:logs:*:*:log-group:%s", p, group),
		fmt.Sprintf("arn:%s:logs:*:*:log-group:%s:*", p, group),
		fmt.Sprintf("arn:%s:cloudwatch:*:*:alarm:%s*", p, prefix),
		fmt.Sprintf("arn:%s:events:*:*:rule/%s*", p, prefix),
		fmt.Sprintf("arn:%s:sns:*:*:%s*", p, prefix),
		fmt.Sprintf("arn:%s:budgets::*:budget/%s*", p, prefix),
		fmt.Sprintf("arn:%s:kms:*:*:alias/%s*", p, prefix),
		fmt.Sprintf("arn:%s:iam::*:role/%s*", p, prefix),
	}
	for _, b := range AuditBuckets(env) {
		out = append(out, fmt.Sprintf("arn:%s:s3:::%s", p, b), fmt.Sprintf("arn:%s:s3:::%s/*", p, b))
	}
	return out
}

// AuditExempt are the roles (ARN patterns) the audit protection does not
// bind: the audit layer's deploy role, which manages the audit, and the
// audit layer's own roles at the root path, stratum-<env>-audit-… (the
// trail's delivery to its log group, AWS Config's recorder), which write
// to what it protects. AuditResources holds the same role pattern: no role
// but these may create or change a role the pattern matches, so no other
// role can become exempt.
func AuditExempt(env config.Environment) []string {
	audit, _ := Find(contract.Audit)
	return []string{audit.RoleARN(env, Apply), env.RoleARN(env.AuditPrefix() + "-*")}
}

// AuditProtection are the boundary's statements keeping the audit safe
// from every role but AuditExempt.
func AuditProtection(env config.Environment) []Statement {
	notExempt := map[string]map[string][]string{"ArnNotLike": {"aws:PrincipalArn": AuditExempt(env)}}
	keys := map[string]map[string][]string{
		"ArnNotLike":             {"aws:PrincipalArn": AuditExempt(env)},
		"ForAnyValue:StringLike": {"kms:ResourceAliases": {"alias/" + env.AuditPrefix() + "-*"}},
	}
	return []Statement{
		{Sid: "DenyStoppingTheAudit", Effect: "Deny", Action: AuditServiceTampering, Resource: []string{"*"}, Condition: notExempt},
		{Sid: "DenyChangingTheAudit", Effect: "Deny", Action: AuditResourceTampering, Resource: AuditResources(env), Condition: notExempt},
		{Sid: "DenyDestroyingTheAuditKey", Effect: "Deny", Action: AuditKeyTampering, Resource: []string{"*"}, Condition: keys},
	}
}
