// Package backup provides an AWS Backup vault encrypted with a
// customer-managed key, a daily backup plan with a retention lifecycle,
// optionally a copy of every recovery point to a vault in a second region
// with its own key, and the IAM role AWS Backup assumes for the plan's
// selections (trusted by AWS Backup of this account only). Other stacks
// add selections (aws_backup_selection) with the plan id and role.
package backup

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupplan"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvault"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupvaultlockconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// ManagedPolicies are the AWS managed policies of the backup role, by
// construct id: back up and restore the services AWS Backup supports
// (RDS, EBS, DynamoDB, ...) and S3 buckets, which have their own policies.
var ManagedPolicies = map[string]string{
	"backup":     "service-role/AWSBackupServiceRolePolicyForBackup",
	"restores":   "service-role/AWSBackupServiceRolePolicyForRestores",
	"s3-backup":  "AWSBackupServiceRolePolicyForS3Backup",
	"s3-restore": "AWSBackupServiceRolePolicyForS3Restore",
}

// Props configures a Backup.
type Props struct {
	// Name is the vault name and the prefix of the plan and role names,
	// e.g. stratum-prod. Required.
	Name string
	// Key encrypts the vault's recovery points. Required.
	Key *kms.Key
	// Schedule is the daily rule's AWS cron expression, e.g.
	// "cron(0 3 * * ? *)" (UTC; awsrules.CronProblem). Required.
	Schedule string
	// RetentionDays is how long each recovery point is kept. Required, at
	// least 1.
	RetentionDays int
	// DeletionProtection puts prevent_destroy on the vault and a
	// governance-mode vault lock on it, so no recovery point can be
	// deleted, or its retention shortened, before RetentionDays (IAM
	// principals allowed to manage vault locks can still remove the
	// lock). Default: false.
	DeletionProtection bool
	// ComplianceLockDays, with DeletionProtection, puts the vault locks
	// in compliance mode (changeable_for_days): after this many days (at
	// least 3) nobody can remove them or delete a recovery point before
	// its retention ends. Default: 0 (governance mode).
	ComplianceLockDays int
	// Copy, when set, copies every recovery point to a vault in another
	// region, named <Name>-copies. Default: nil (no copies).
	Copy *Copy
}

// Copy is where recovery points are copied.
type Copy struct {
	// Provider is the AWS provider configuration of the copies' region,
	// which creates their vault. Required.
	Provider cdktf.TerraformProvider
	// Key encrypts the copies' vault; a key of that region (created with
	// the same Provider). Required.
	Key *kms.Key
	// RetentionDays is how long each copy is kept. Required, at least 1.
	RetentionDays int
}

// Backup is a vault, a plan and the role for its selections.
type Backup struct {
	Vault backupvault.BackupVault
	Plan  backupplan.BackupPlan
	Role  iamrole.IamRole
	// VaultName, VaultARN, PlanID and RoleARN are what selections need.
	VaultName, VaultARN, PlanID, RoleARN *string
	// CopyVault is the copies' vault in the other region; nil without
	// Copy.
	CopyVault backupvault.BackupVault
}

// New creates the vault, plan and role.
func New(scope constructs.Construct, id string, p *Props) *Backup {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("backup.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	b := &Backup{}
	b.Vault = newVault(c, "vault", p.Name, p.Key, p.RetentionDays, p.DeletionProtection, p.ComplianceLockDays, nil)

	rule := &backupplan.BackupPlanRule{
		RuleName:        jsii.String("daily"),
		TargetVaultName: b.Vault.Name(),
		Schedule:        jsii.String(p.Schedule),
		Lifecycle: &backupplan.BackupPlanRuleLifecycle{
			DeleteAfter: jsii.Number(float64(p.RetentionDays)),
		},
	}
	if cp := p.Copy; cp != nil {
		// Its own name, although vault names are regional: a name says
		// which vault a recovery point (or an identity-matching tool such
		// as stratum migrate) is about.
		b.CopyVault = newVault(c, "copy-vault", p.Name+"-copies", cp.Key, cp.RetentionDays, p.DeletionProtection, p.ComplianceLockDays, cp.Provider)
		rule.CopyAction = []*backupplan.BackupPlanRuleCopyAction{{
			DestinationVaultArn: b.CopyVault.Arn(),
			Lifecycle: &backupplan.BackupPlanRuleCopyActionLifecycle{
				DeleteAfter: jsii.Number(float64(cp.RetentionDays)),
			},
		}}
	}
	b.Plan = backupplan.NewBackupPlan(c, jsii.String("plan"), &backupplan.BackupPlanConfig{
		Name: jsii.String(p.Name + "-daily"),
		Rule: []*backupplan.BackupPlanRule{rule},
	})

	aws := awscontext.Of(c)
	partition := aws.Partition()
	// Only AWS Backup acting for this account may assume the role
	// (confused deputy). AWS Backup does not document the aws:SourceArn
	// it passes when assuming a selection's role, and a wrong one would
	// stop every backup silently, so the trust pins the account only.
	trust := policy.NewDocument(c, "trust", policy.TrustService("AWSBackup", "backup.amazonaws.com", &policy.Condition{
		Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: &[]*string{aws.AccountID()},
	}))
	b.Role = iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name + "-backup"),
		Description:      jsii.String("AWS Backup backs up and restores the resources selected for plan " + p.Name + "-daily"),
		AssumeRolePolicy: trust.Json(),
	})
	keys := slices.Sorted(maps.Keys(ManagedPolicies))
	for _, k := range keys {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("role-"+k), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      b.Role.Name(),
			PolicyArn: jsii.String(awsrules.ManagedPolicyARN(*partition, ManagedPolicies[k])),
		})
	}
	b.VaultName, b.VaultARN, b.PlanID, b.RoleARN = b.Vault.Name(), b.Vault.Arn(), b.Plan.Id(), b.Role.Arn()
	return b
}

// newVault creates the vault id named name, encrypted with key, through
// provider (nil: the scope's default). With protection it gets
// prevent_destroy and a vault lock (id+"-lock") that keeps every recovery
// point for retentionDays, in compliance mode after complianceDays when
// that is above 0.
func newVault(c constructs.Construct, id, name string, key *kms.Key, retentionDays int, protection bool, complianceDays int, provider cdktf.TerraformProvider) backupvault.BackupVault {
	cfg := &backupvault.BackupVaultConfig{
		Name:      jsii.String(name),
		KmsKeyArn: key.ARN,
		// Terraform must never empty the vault to delete it.
		ForceDestroy: jsii.Bool(false),
		Provider:     provider,
	}
	if protection {
		cfg.Lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	vault := backupvault.NewBackupVault(c, jsii.String(id), cfg)
	if protection {
		// Without changeable_for_days the lock is in governance mode and
		// can still be changed by authorized principals; with it, it is
		// in compliance mode and immutable once those days have passed.
		lock := &backupvaultlockconfiguration.BackupVaultLockConfigurationConfig{
			BackupVaultName:  vault.Name(),
			MinRetentionDays: jsii.Number(float64(retentionDays)),
			Provider:         provider,
		}
		if complianceDays > 0 {
			lock.ChangeableForDays = jsii.Number(float64(complianceDays))
		}
		backupvaultlockconfiguration.NewBackupVaultLockConfiguration(c, jsii.String(id+"-lock"), lock)
	}
	return vault
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case p.Name == "":
		return fmt.Errorf("Name is required")
	case p.Key == nil:
		return fmt.Errorf("Key is required: recovery points are encrypted with a customer-managed key")
	case awsrules.CronProblem(p.Schedule) != "":
		return fmt.Errorf("Schedule %q is invalid: want %s", p.Schedule, awsrules.CronProblem(p.Schedule))
	case p.RetentionDays < 1:
		return fmt.Errorf("RetentionDays %d is invalid: want at least 1", p.RetentionDays)
	case p.ComplianceLockDays != 0 && (p.ComplianceLockDays < 3 || !p.DeletionProtection):
		return fmt.Errorf("ComplianceLockDays %d is invalid: want 0, or at least 3 (AWS Backup's cooling-off period) with DeletionProtection", p.ComplianceLockDays)
	case p.Copy != nil && (p.Copy.Provider == nil || p.Copy.Key == nil):
		return fmt.Errorf("Copy: Provider and Key are required: the copies' vault is in another region, with a key of its own")
	case p.Copy != nil && p.Copy.RetentionDays < 1:
		return fmt.Errorf("Copy.RetentionDays %d is invalid: want at least 1", p.Copy.RetentionDays)
	}
	return nil
}
