package config

import (
	"fmt"
	"regexp"
	"strings"

	"stratum/awsrules"
)

// The names an environment's shared resources get in AWS. Runbooks, IAM
// policies and dashboards refer to them, so each is built here and nowhere
// else; a client's resources extend Prefix (clients.Names), and a stack's
// name comes from its layer (contract.Layer.StackName). A name used by one
// resource only is Prefix (or ClusterName) followed by what the resource
// is, written where that resource is created.

// Project is the value of the Project tag on every resource and the start
// of every name Stratum gives to AWS resources.
const Project = "stratum"

// Prefix is the start of the AWS name of every resource of environment
// env: stratum-<env>.
func Prefix(env string) string { return Project + "-" + env }

// Prefix is the start of the AWS name of every resource of e:
// stratum-<env>.
func (e Environment) Prefix() string { return Prefix(e.Name) }

// AuditPrefix starts the AWS name of every resource of e's audit layer
// (audit-<env>): stratum-<env>-audit. The roles Stratum creates may
// change nothing named so but the audit layer's deploy role
// (deploy.AuditProtection), so no client may be named audit.
func (e Environment) AuditPrefix() string { return e.Prefix() + "-audit" }

// AuditNames are the names of audit-<env>'s resources that policies name
// (deploy.AuditProtection) and runbooks quote.
type AuditNames struct {
	// Trail is the CloudTrail trail; LogGroup its CloudWatch Logs group
	// and TrailLogsRole the role delivering to it, named after it as
	// constructs/trail names them; KeyAlias (without "alias/") the key of
	// its log files and log group, and of AWS Config's deliveries.
	Trail, LogGroup, TrailLogsRole, KeyAlias string
	// ConfigRole is the role AWS Config records with; Topic the audit
	// layer's alert topic.
	ConfigRole, Topic string
}

// AuditNames are e's audit names, each under AuditPrefix.
func (e Environment) AuditNames() AuditNames {
	p := e.AuditPrefix()
	trail := p + "-trail"
	return AuditNames{Trail: trail, LogGroup: "/" + trail, TrailLogsRole: trail + "-logs", KeyAlias: trail, ConfigRole: p + "-config", Topic: p + "-alarms"}
}

// ClusterName is the name of e's EKS cluster, which also starts the names
// of the cluster's roles, keys and node groups.
func (e Environment) ClusterName() string { return e.Prefix() }

// StateKeyAlias is the alias (without "alias/") of the customer-managed
// key encrypting e's Terraform state (State.CustomerManagedKey).
func (e Environment) StateKeyAlias() string { return e.Prefix() + "-tfstate" }

// StateKeyAliasARN is the ARN of StateKeyAlias in e's account, the form
// the S3 backend's kms_key_id takes.
func (e Environment) StateKeyAliasARN() string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:alias/%s", awsrules.Partition(e.Region), e.Region, e.AccountID, e.StateKeyAlias())
}

// RoleARN is the ARN of IAM role name in e's account and partition.
func (e Environment) RoleARN(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", awsrules.Partition(e.Region), e.AccountID, name)
}

// DeployRoleARN is the role that deploys the stacks of one layer (its
// stack word, e.g. foundation or database) of e: AssumeRoleARN when set
// (every provider assumes it, so AWS and the cluster see it), else the
// layer's CI deploy role when CI is configured, else "" (which Validate
// refuses). It does not depend on who runs Terraform.
func (e Environment) DeployRoleARN(word string) string {
	switch {
	case e.AssumeRoleARN != "":
		return e.AssumeRoleARN
	case e.CI.Enabled():
		return e.CIRoleARN(word, "deploy")
	}
	return ""
}

// ContractGuardPolicyName is the IAM policy, created by bootstrap-<env>,
// that denies writing e's SSM contract to every principal but its deploy
// and break-glass roles: <prefix>-ssm-contract-guard.
func (e Environment) ContractGuardPolicyName() string { return e.Prefix() + "-ssm-contract-guard" }

// DeployerAccessEntryID names the EKS access entry of the deploy role
// (AssumeRoleARN) in its Terraform address; each layer deploy role that
// talks to the cluster gets deployer-<word> (DeployerEntryID).
const DeployerAccessEntryID = "deployer"

// DeployerEntryID names the access entry of the deploy role of the layer
// with stack word word: deployer-services, deployer-client.
func DeployerEntryID(word string) string { return DeployerAccessEntryID + "-" + word }

// BreakGlassAccessEntryID names the EKS access entry of the break-glass
// role (Cluster.BreakGlassRoleARN) in its Terraform address.
const BreakGlassAccessEntryID = "break-glass"

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// AdminAccessEntryID names the EKS access entry of an admin role
// (Cluster.AdminRoleARNs) in its Terraform address: the role's name as a
// lowercase label, so that adding or removing one admin moves no other's
// entry. Validate refuses roles whose ids would be empty or shared.
func AdminAccessEntryID(roleARN string) string {
	p, _ := awsrules.ParseIAMPrincipalARN(roleARN)
	return strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(p.Name), "-"), "-")
}
