package deploy

import (
	"fmt"

	"stratum/config"
)

// IAMEscalation are the IAM calls no role under the boundary may make:
// identities outside the roles' own world (users, groups, access keys,
// login profiles, identity providers other than EKS's), and new or
// changed managed policies (a role may attach AWS managed policies and
// write inline ones; a customer managed policy could be changed later
// under every role attaching it).
var IAMEscalation = []string{
	"iam:CreateUser", "iam:DeleteUser", "iam:UpdateUser", "iam:CreateAccessKey", "iam:UpdateAccessKey",
	"iam:CreateLoginProfile", "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:PutUserPolicy",
	"iam:PutUserPermissionsBoundary", "iam:DeleteUserPermissionsBoundary", "iam:AddUserToGroup", "iam:CreateGroup",
	"iam:AttachGroupPolicy", "iam:PutGroupPolicy", "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy",
	"iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:CreateSAMLProvider", "iam:UpdateSAMLProvider",
	"iam:CreateServiceSpecificCredential", "iam:UploadSSHPublicKey", "iam:UploadSigningCertificate",
	"iam:CreateVirtualMFADevice", "iam:DeactivateMFADevice", "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile",
	"iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy", "iam:CreateAccountAlias",
}

// BoundaryPolicy is the permissions boundary every IAM role Stratum
// creates carries, the deploy and plan roles included. A boundary caps
// what identity policies can grant; this one admits every service (the
// controllers, AWS Backup, RDS monitoring and the deploy roles need many,
// and an action missing here would fail at run time, in production) and
// takes away what would let a role escape it:
//
//   - creating or changing a role without this boundary, removing a
//     role's boundary, or changing the boundary policy itself;
//   - changing the deploy and plan roles, the contract guard and the CI
//     identity providers;
//   - the IAM identities and policies of IAMEscalation;
//   - destroying the backup and state keys or the backup vaults' locks;
//   - stopping, deleting or reconfiguring the audit: the trail, its
//     bucket, key and log group, GuardDuty, IAM Access Analyzer, AWS
//     Config and the audit layer's alarms, rules, topic and roles, for
//     every role but the audit layer's (AuditProtection).
//
// So a role a deploy role creates, however its inline policy reads, can
// never administer IAM, outlive its boundary, destroy the backups or
// blind the audit.
func BoundaryPolicy(env config.Environment) Document {
	s := Scope{Env: env}
	p, acct := s.partition(), env.AccountID
	boundary := BoundaryARN(env)
	deny := s.denyStatements()
	out := []Statement{
		{Sid: "WithinTheGuardrails", Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}},
		{
			Sid: "OnlyBoundedRoles", Effect: "Deny", Action: []string{"iam:CreateRole", "iam:PutRolePermissionsBoundary"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"StringNotEquals": {"iam:PermissionsBoundary": {boundary}}},
		},
		{
			// Only roles carrying the boundary have their permissions
			// changed (the CI roles included: they carry it too).
			Sid: "OnlyChangeBoundedRoles", Effect: "Deny",
			Action:    []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy"},
			Resource:  []string{fmt.Sprintf("arn:%s:iam::%s:role/*", p, acct)},
			Condition: map[string]map[string][]string{"StringNotEquals": {"iam:PermissionsBoundary": {boundary}}},
		},
		{Sid: "NoIAMEscalation", Effect: "Deny", Action: IAMEscalation, Resource: []string{"*"}},
	}
	for _, st := range deny {
		switch st.Sid {
		case "DenyChangingDeployIdentities", "DenyRemovingBoundaries", "DenyDestroyingProtectedKeys", "DenyMovingProtectedAliases", "DenyUnlockingBackups":
			out = append(out, st)
		}
	}
	out = append(out, AuditProtection(env)...)
	return Document{Version: "2012-10-17", Statement: out}
}
