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

// DeployerAccessEntryID names the EKS access entry of the identity that
// deploys Stratum (AssumeRoleARN, or the caller's role) in its Terraform
// address.
const DeployerAccessEntryID = "deployer"

var nonLabel = regexp.MustCompile(`[^a-z0-9-]+`)

// AdminAccessEntryID names the EKS access entry of an admin role
// (Cluster.AdminRoleARNs) in its Terraform address: the role's name as a
// lowercase label, so that adding or removing one admin moves no other's
// entry. Validate refuses roles whose ids would be empty or shared.
func AdminAccessEntryID(roleARN string) string {
	p, _ := awsrules.ParseIAMPrincipalARN(roleARN)
	return strings.Trim(nonLabel.ReplaceAllString(strings.ToLower(p.Name), "-"), "-")
}
