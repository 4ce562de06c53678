// Package cis is the "Logging" and "Monitoring" sections of the CIS AWS
// Foundations Benchmark as Stratum meets them: every control with its id
// and title, the metric filter pattern CIS recommends for each monitoring
// control (verbatim, as the benchmark's remediation gives it), the alert
// Stratum raises for it, and, where Stratum does not meet a control or
// meets it only in part, why. audit-<env> builds its metric filters and
// alarms from Controls; `make generate` writes the table of
// docs/audit.md from it; the stacks' tests check every control against
// the synthesized stacks.
package cis

import (
	"bytes"
	"fmt"
	"strings"
)

// Benchmark is the version Controls follow. Version 6.0.0 renumbers these
// sections (Logging 4.x, Monitoring 5.x) with the same controls and
// patterns; AWS Security Hub checks 5.0.0.
const Benchmark = "CIS Amazon Web Services Foundations Benchmark v5.0.0"

// Section is a section of the benchmark.
type Section string

const (
	Logging    Section = "Logging"
	Monitoring Section = "Monitoring"
)

// Control is one control of the benchmark and how Stratum meets it.
type Control struct {
	// ID and Title are the benchmark's.
	ID, Title string
	Section   Section
	// Pattern is the CloudWatch Logs metric filter pattern the benchmark
	// recommends, for a monitoring control met by a metric filter and an
	// alarm on the trail's log group; "" otherwise.
	Pattern string
	// Metric names the metric the filter counts into (and the filter).
	Metric string
	// Alert is the alert's runbook (docs/runbooks/alerts/<Alert>.md), and
	// Name the alarm's name after the audit layer's prefix
	// (stratum-<env>-audit-<Name>): it holds every word of Alert.
	Alert, Name string
	// Summary says what the alarm means when it fires (its description,
	// before the runbook link).
	Summary string
	// Meets says what in Stratum meets the control; "" when nothing does.
	Meets string
	// OutOfScope says what of the control Stratum does not meet, and why;
	// "" when it meets it entirely.
	OutOfScope string
}

// The alerts of the monitoring controls, by their runbooks' names.
const (
	AlertUnauthorizedAPICalls = "unauthorized-api-calls"
	AlertConsoleSignin        = "console-signin"
	AlertRootUsage            = "root-usage"
	AlertIAMPolicyChanges     = "iam-policy-changes"
	AlertAuditChanges         = "audit-changes"
	AlertKMSKeyDeletion       = "kms-key-deletion"
	AlertS3PolicyChanges      = "s3-policy-changes"
	AlertNetworkChanges       = "network-changes"
	AlertOrganizationsChanges = "organizations-changes"
)

// Controls are every control of the Logging and Monitoring sections, in
// the benchmark's order.
var Controls = []Control{
	{ID: "3.1", Title: "Ensure CloudTrail is enabled in all regions", Section: Logging,
		Meets: "audit-<env>'s trail: multi-region, global service events, every management event read and write"},
	{ID: "3.2", Title: "Ensure CloudTrail log file validation is enabled", Section: Logging,
		Meets: "the trail's log file validation (signed digest files)"},
	{ID: "3.3", Title: "Ensure AWS Config is enabled in all regions", Section: Logging,
		Meets:      "AWS Config's recorder (every supported resource type, global resources included) in the environment's region where Audit.Config.Enabled (required in production)",
		OutOfScope: "other regions, which no Stratum stack deploys to: enable AWS Config there organization-wide (AWS Control Tower, or a CloudFormation StackSet from the management account); staging and dev leave it off for its cost (docs/audit.md, \"What it costs\")"},
	{ID: "3.4", Title: "Ensure that server access logging is enabled on the CloudTrail S3 bucket", Section: Logging,
		Meets: "the trail bucket logs its requests to State.AccessLogBucket"},
	{ID: "3.5", Title: "Ensure CloudTrail logs are encrypted at rest using KMS CMKs", Section: Logging,
		Meets: "the trail's own customer-managed key (alias stratum-<env>-audit-trail), which only this trail may encrypt with"},
	{ID: "3.6", Title: "Ensure rotation for customer-created symmetric CMKs is enabled", Section: Logging,
		Meets: "every KMS key of every stack rotates (constructs/kms)"},
	{ID: "3.7", Title: "Ensure VPC flow logging is enabled in all VPCs", Section: Logging,
		Meets: "foundation-<env>'s VPC records all traffic to an encrypted log group"},
	{ID: "3.8", Title: "Ensure that Object-level logging for write events is enabled for S3 buckets", Section: Logging,
		Meets:      "the trail's S3 data events on the state bucket and the client buckets (Audit.DataEvents; required in production)",
		OutOfScope: "the trail bucket (recording CloudTrail's own deliveries would record them again, endlessly) and the access log bucket (S3's own log deliveries; its server access logs record it); dev records none, for cost"},
	{ID: "3.9", Title: "Ensure that Object-level logging for read events is enabled for S3 buckets", Section: Logging,
		Meets:      "reads of the state bucket in every environment that records it (required in production), and of the client buckets where Audit.DataEvents.ClientBuckets is \"all\" (production)",
		OutOfScope: "the trail and access log buckets, as for 3.8; staging records the client buckets' writes only and dev nothing, for cost"},

	{ID: "4.1", Title: "Ensure unauthorized API calls are monitored", Section: Monitoring,
		Pattern: `{ ($.errorCode ="*UnauthorizedOperation") || ($.errorCode ="AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }`,
		Metric:  "UnauthorizedAPICalls", Alert: AlertUnauthorizedAPICalls, Name: "unauthorized-api-calls",
		Summary: "An API call of the account was refused (UnauthorizedOperation or AccessDenied): a role or person tried what it may not, by mistake or probing."},
	{ID: "4.2", Title: "Ensure management console sign-in without MFA is monitored", Section: Monitoring,
		// The benchmark's variant for organizations whose people sign in
		// through single sign-on, as Stratum's teams do (IAM Identity
		// Center): only IAM users' successful sign-ins without MFA.
		Pattern: `{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }`,
		Metric:  "ConsoleSigninWithoutMFA", Alert: AlertConsoleSignin, Name: "console-signin-without-mfa",
		Summary: "An IAM user signed in to the AWS console without MFA."},
	{ID: "4.3", Title: "Ensure usage of the 'root' account is monitored", Section: Monitoring,
		Pattern: `{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }`,
		Metric:  "RootUsage", Alert: AlertRootUsage, Name: "root-usage",
		Summary: "The account's root user was used: sign-in or API calls that only a break-glass procedure should make."},
	{ID: "4.4", Title: "Ensure IAM policy changes are monitored", Section: Monitoring,
		Pattern: `{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}`,
		Metric:  "IAMPolicyChanges", Alert: AlertIAMPolicyChanges, Name: "iam-policy-changes",
		Summary: "An IAM policy was created, changed, attached or detached."},
	{ID: "4.5", Title: "Ensure CloudTrail configuration changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }`,
		Metric:  "CloudTrailChanges", Alert: AlertAuditChanges, Name: "cloudtrail-changes",
		Summary: "A CloudTrail trail was created, changed, deleted, started or stopped: the record of who did what may be incomplete."},
	{ID: "4.6", Title: "Ensure AWS Management Console authentication failures are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }`,
		Metric:  "ConsoleSigninFailures", Alert: AlertConsoleSignin, Name: "console-signin-failures",
		Summary: "Sign-in to the AWS console failed (wrong password or MFA)."},
	{ID: "4.7", Title: "Ensure disabling or scheduled deletion of customer created CMKs is monitored", Section: Monitoring,
		Pattern: `{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }`,
		Metric:  "KMSKeyDeletion", Alert: AlertKMSKeyDeletion, Name: "kms-key-deletion",
		Summary: "A KMS key was disabled or scheduled for deletion: what it encrypts will become unreadable."},
	{ID: "4.8", Title: "Ensure S3 bucket policy changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }`,
		Metric:  "S3PolicyChanges", Alert: AlertS3PolicyChanges, Name: "s3-policy-changes",
		Summary: "An S3 bucket's policy, ACL, CORS, lifecycle or replication was changed or deleted."},
	{ID: "4.9", Title: "Ensure AWS Config configuration changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder)) }`,
		Metric:  "ConfigChanges", Alert: AlertAuditChanges, Name: "config-changes",
		Summary: "AWS Config's recorder or delivery channel was changed, stopped or deleted."},
	{ID: "4.10", Title: "Ensure security group changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) || ($.eventName = ModifySecurityGroupRules) }`,
		Metric:  "SecurityGroupChanges", Alert: AlertNetworkChanges, Name: "network-changes-security-groups",
		Summary: "A security group was created, deleted or had its rules changed."},
	{ID: "4.11", Title: "Ensure Network Access Control List (NACL) changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }`,
		Metric:  "NACLChanges", Alert: AlertNetworkChanges, Name: "network-changes-nacls",
		Summary: "A network ACL or one of its entries was created, changed or deleted."},
	{ID: "4.12", Title: "Ensure changes to network gateways are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }`,
		Metric:  "NetworkGatewayChanges", Alert: AlertNetworkChanges, Name: "network-changes-gateways",
		Summary: "An internet or customer gateway was created, attached, detached or deleted."},
	{ID: "4.13", Title: "Ensure route table changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }`,
		Metric:  "RouteTableChanges", Alert: AlertNetworkChanges, Name: "network-changes-route-tables",
		Summary: "A route or route table was created, changed or deleted."},
	{ID: "4.14", Title: "Ensure VPC changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }`,
		Metric:  "VPCChanges", Alert: AlertNetworkChanges, Name: "network-changes-vpcs",
		Summary: "A VPC, a VPC attribute or a peering connection was created, changed or deleted."},
	{ID: "4.15", Title: "Ensure AWS Organizations changes are monitored", Section: Monitoring,
		Pattern: `{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }`,
		Metric:  "OrganizationsChanges", Alert: AlertOrganizationsChanges, Name: "organizations-changes",
		Summary:    "An AWS Organizations call was made from the account: leaving the organization, moving accounts or changing policies can remove the service control policies guarding it.",
		Meets:      "in each environment's account, where the calls that matter are the account's own: LeaveOrganization takes it out of the service control policies guarding the SSM contract",
		OutOfScope: "the organization's management account, where most Organizations calls are made: monitor it there (no Stratum stack deploys to it)"},
	{ID: "4.16", Title: "Ensure AWS Security Hub is enabled", Section: Monitoring,
		OutOfScope: "Security Hub aggregates findings across the organization's accounts and is enabled and configured centrally, from the delegated administrator account (central configuration policies); a member account's own stack enabling it would fight that configuration. GuardDuty, IAM Access Analyzer and AWS Config findings, which Security Hub would aggregate, reach the audit topic directly"},
}

// Find returns the control with id.
func Find(id string) (Control, bool) {
	for _, c := range Controls {
		if c.ID == id {
			return c, true
		}
	}
	return Control{}, false
}

// TablePath is the document whose generated section Table fills.
const TablePath = "docs/audit.md"

// Table is the generated section of TablePath: every control, how Stratum
// meets it and what it leaves out of scope, and why.
func Table() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "### The %s, sections \"Logging\" and \"Monitoring\"\n\n", Benchmark)
	b.WriteString("Each monitoring control is a metric filter with the benchmark's pattern on the trail's log group and an alarm, `stratum-<env>-audit-<name>`, " +
		"notifying the audit topic (Sum of the metric at least 1 in 5 minutes) and linking its runbook. `stacks` `TestCISControlsAreMet` checks every row against the synthesized stacks.\n\n")
	b.WriteString("| control | title | how Stratum meets it | out of scope, and why |\n| --- | --- | --- | --- |\n")
	for _, c := range Controls {
		meets := c.Meets
		if c.Pattern != "" {
			alarm := fmt.Sprintf("alarm `stratum-<env>-audit-%s` ([runbook](runbooks/alerts/%s.md)) on metric filter `%s`", c.Name, c.Alert, c.Metric)
			if meets == "" {
				meets = alarm
			} else {
				meets = alarm + ", " + meets
			}
		}
		if meets == "" {
			meets = "—"
		}
		out := c.OutOfScope
		if out == "" {
			out = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.ID, c.Title, cell(meets), cell(out))
	}
	return b.Bytes()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
