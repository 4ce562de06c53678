package stacks

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"

	"stratum/awsrules"
	"stratum/config"
	"stratum/constructs/awscontext"
	"stratum/constructs/cirole"
)

// ApplyServices are the IAM service prefixes the CI apply role may use:
// the services whose resources the CI-applied stacks declare (a test
// maps every resource type of every synthesized stack to one of them),
// plus those AWS calls on the caller's behalf: Secrets Manager (RDS
// creates the managed master password there) and backup-storage (AWS
// Backup needs it to create a vault).
var ApplyServices = []string{
	"autoscaling", "backup", "backup-storage", "budgets", "ce", "cloudwatch", "ec2", "eks", "events", "iam", "kms", "logs",
	"rds", "route53", "s3", "secretsmanager", "sns", "ssm",
}

// StratumRoles is the ARN pattern of the IAM roles env's stacks create,
// which the CI apply role may manage: every role's name starts with the
// environment's prefix (config.Prefix), stratum-<env>-.
func StratumRoles(env config.Environment) string {
	return env.RoleARN(env.Prefix() + "-*")
}

// ciState is what the CI roles' policies name: the environment's state
// bucket, lock table and, in prod, state key; and the policy guarding the
// SSM contract, which binds the plan role.
type ciState struct {
	bucketARN, tableARN, keyARN *string
	contractGuardARN            *string
}

// ApplySessionSeconds is the apply role's longest session: creating an
// EKS cluster or a Multi-AZ database takes longer than the default hour.
const ApplySessionSeconds = 7200

// newCIRoles adds the environment's CI identity providers and its plan and
// apply roles to the bootstrap stack (see config.CI). They live here, in
// the one stack CI never applies, so that no pipeline can widen its own
// trust or permissions.
func newCIRoles(s *Stack, env config.Environment, st ciState) {
	ci := env.CI
	if !ci.Enabled() {
		return
	}
	aws := awscontext.Of(s.TF)
	partition := *aws.Partition()
	var plan, apply []cirole.Trust
	var providers []*string
	if g := ci.GitHub; g != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-github", &cirole.ProviderProps{
			Issuer: config.GitHubIssuer, Audiences: []string{config.GitHubAudience}, Existing: g.ExistingProvider,
		})
		providers = append(providers, p.ARN)
		plan = append(plan, cirole.Trust{Sid: "GitHubPlan", Provider: p, Audience: config.GitHubAudience, Subjects: g.PlanSubjects()})
		apply = append(apply, cirole.Trust{Sid: "GitHubApply", Provider: p, Audience: config.GitHubAudience, Subjects: g.ApplySubjects(env.Name)})
	}
	if g := ci.GitLab; g != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-gitlab", &cirole.ProviderProps{
			Issuer: g.Issuer(), Audiences: []string{g.TokenAudience()}, Existing: g.ExistingProvider,
		})
		providers = append(providers, p.ARN)
		plan = append(plan, cirole.Trust{Sid: "GitLabPlan", Provider: p, Audience: g.TokenAudience(), SubjectPattern: g.PlanSubjectPattern()})
		apply = append(apply, cirole.Trust{Sid: "GitLabApply", Provider: p, Audience: g.TokenAudience(), Subjects: g.ApplySubjects()})
	}
	if a := ci.AzureDevOps; a != nil {
		p := cirole.NewProvider(s.TF, "ci-provider-azure-devops", &cirole.ProviderProps{
			Issuer: a.Issuer(), Audiences: []string{config.AzureDevOpsAudience}, Existing: a.ExistingProvider,
		})
		providers = append(providers, p.ARN)
		plan = append(plan, cirole.Trust{Sid: "AzureDevOpsPlan", Provider: p, Audience: config.AzureDevOpsAudience, Subjects: a.PlanSubjects(env.Name)})
		apply = append(apply, cirole.Trust{Sid: "AzureDevOpsApply", Provider: p, Audience: config.AzureDevOpsAudience, Subjects: a.ApplySubjects(env.Name)})
	}

	// The apply role may not touch the CI roles or their providers. The
	// roles' ARNs are built from their names: the roles' own ARN
	// attributes would make the apply role's policy depend on itself.
	protect := []*string{
		jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, env.AccountID, config.CIPlanRoleName(env.Name))),
		jsii.String(fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, env.AccountID, config.CIApplyRoleName(env.Name))),
	}
	protect = append(protect, providers...)
	// Nor the contract guard, which would otherwise be one apply away
	// from allowing everyone.
	protect = append(protect, jsii.String(fmt.Sprintf("arn:%s:iam::%s:policy/%s", partition, env.AccountID, env.ContractGuardPolicyName())))

	cirole.New(s.TF, "ci-plan-role", &cirole.Props{
		Name:        config.CIPlanRoleName(env.Name),
		Description: fmt.Sprintf("Stratum CI, %s: read-only plans and drift checks", env.Name),
		Trusts:      plan,
		// ReadOnlyAccess covers refreshing every resource type and reading
		// the state (the bucket and the lock table's digest item); the
		// inline policy adds the state key and denies reading data. The
		// contract guard makes sure it never writes the SSM contract,
		// whatever a pull request's code asks for.
		ManagedPolicyARNs: []string{fmt.Sprintf("arn:%s:iam::aws:policy/ReadOnlyAccess", partition), *st.contractGuardARN},
		Statements:        planStatements(env, st),
	})
	cirole.New(s.TF, "ci-apply-role", &cirole.Props{
		Name:                      config.CIApplyRoleName(env.Name),
		Description:               fmt.Sprintf("Stratum CI, %s: applies reviewed plans", env.Name),
		Trusts:                    apply,
		Statements:                applyStatements(env, st, protect),
		MaxSessionDurationSeconds: ApplySessionSeconds,
	})
}

// planStatements are the plan role's inline policy. Plans run with
// -lock=false, so the role never writes the lock table: the S3 backend
// still reads the state's digest item from it, which ReadOnlyAccess
// allows. Plans of pull requests run the request's code, so everything
// the role could read that is data rather than configuration is denied.
func planStatements(env config.Environment, st ciState) []*cirole.Statement {
	out := []*cirole.Statement{
		{
			Sid: jsii.String("DenyReadingData"), Effect: jsii.String("Deny"),
			Actions: jsii.Strings(
				"secretsmanager:GetSecretValue",
				"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetLogRecord",
				"sqs:ReceiveMessage", "kinesis:GetRecords",
			),
			Resources: jsii.Strings("*"),
		},
		{
			Sid: jsii.String("DenyReadingObjectsButState"), Effect: jsii.String("Deny"),
			Actions:      jsii.Strings("s3:GetObject", "s3:GetObjectVersion"),
			NotResources: &[]*string{jsii.String(*st.bucketARN + "/*")},
		},
		{
			Sid: jsii.String("DenyReadingItemsButLocks"), Effect: jsii.String("Deny"),
			Actions:      jsii.Strings("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PartiQLSelect"),
			NotResources: &[]*string{st.tableARN},
		},
	}
	if st.keyARN != nil {
		out = append(out, stateKeyUse(env, st, "DecryptState", "kms:Decrypt"))
	}
	return out
}

// applyStatements are the apply role's inline policy: the services the
// stacks use, writing the state and its locks, and nothing that changes
// how the state is kept.
func applyStatements(env config.Environment, st ciState, ciIdentities []*string) []*cirole.Statement {
	var actions []string
	for _, svc := range ApplyServices {
		if svc != "iam" {
			actions = append(actions, svc+":*")
		}
	}
	out := []*cirole.Statement{
		{Sid: jsii.String("ManageStacks"), Effect: jsii.String("Allow"), Actions: jsii.Strings(actions...), Resources: jsii.Strings("*")},
		// IAM only on what the stacks create: roles named
		// stratum-<env>-… (StratumRoles), the cluster's OIDC provider,
		// and the service-linked roles EKS, RDS and Auto Scaling need.
		// No users, access keys, groups or managed policies, and no role
		// of anyone else (people's, the break-glass role, other
		// environments'). See docs/cicd-integration.md for what remains.
		{Sid: jsii.String("ReadIAM"), Effect: jsii.String("Allow"), Actions: jsii.Strings("iam:Get*", "iam:List*"), Resources: jsii.Strings("*")},
		{Sid: jsii.String("ManageStratumRoles"), Effect: jsii.String("Allow"), Actions: jsii.Strings("iam:*"), Resources: jsii.Strings(
			StratumRoles(env),
			fmt.Sprintf("arn:%s:iam::%s:oidc-provider/oidc.eks.%s.*", awsrules.Partition(env.Region), env.AccountID, env.Region),
		)},
		{
			Sid: jsii.String("CreateServiceLinkedRoles"), Effect: jsii.String("Allow"),
			Actions:   jsii.Strings("iam:CreateServiceLinkedRole"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/*", awsrules.Partition(env.Region), env.AccountID)),
		},
		{
			Sid: jsii.String("LockState"), Effect: jsii.String("Allow"),
			Actions:   jsii.Strings("dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
			Resources: &[]*string{st.tableARN},
		},
		{
			Sid: jsii.String("DenyChangingCIIdentities"), Effect: jsii.String("Deny"),
			NotActions: jsii.Strings("iam:Get*", "iam:List*"),
			Resources:  &ciIdentities,
		},
		{
			Sid: jsii.String("DenyChangingStateBucket"), Effect: jsii.String("Deny"),
			Actions: jsii.Strings(
				"s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
				"s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock",
				"s3:PutBucketOwnershipControls", "s3:PutBucketAcl", "s3:PutBucketObjectLockConfiguration",
			),
			Resources: &[]*string{st.bucketARN},
		},
		{
			// State history is what a bad apply is recovered from.
			Sid: jsii.String("DenyDeletingStateVersions"), Effect: jsii.String("Deny"),
			Actions:   jsii.Strings("s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"),
			Resources: &[]*string{jsii.String(*st.bucketARN + "/*")},
		},
		{
			Sid: jsii.String("DenyChangingLockTable"), Effect: jsii.String("Deny"),
			Actions:   jsii.Strings("dynamodb:DeleteTable", "dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups", "dynamodb:PutResourcePolicy", "dynamodb:DeleteResourcePolicy"),
			Resources: &[]*string{st.tableARN},
		},
	}
	if st.keyARN != nil {
		out = append(out,
			stateKeyUse(env, st, "UseStateKey", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
			&cirole.Statement{
				Sid: jsii.String("DenyChangingStateKey"), Effect: jsii.String("Deny"),
				Actions:   jsii.Strings("kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation", "kms:DeleteAlias", "kms:UpdateAlias"),
				Resources: &[]*string{st.keyARN},
			})
	}
	return out
}

// stateKeyUse allows actions on the state key through S3 and DynamoDB
// only, the two services that keep the state.
func stateKeyUse(env config.Environment, st ciState, sid string, actions ...string) *cirole.Statement {
	return &cirole.Statement{
		Sid: jsii.String(sid), Effect: jsii.String("Allow"),
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{st.keyARN},
		Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{{
			Test: jsii.String("StringEquals"), Variable: jsii.String("kms:ViaService"),
			Values: jsii.Strings("s3."+env.Region+".amazonaws.com", "dynamodb."+env.Region+".amazonaws.com"),
		}},
	}
}
