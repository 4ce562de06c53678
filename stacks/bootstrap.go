package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dynamodbtable"

	"stratum/config"
	"stratum/constructs/awscontext"
	"stratum/constructs/bucket"
	"stratum/constructs/kms"
	"stratum/contract"
	"stratum/deploy"
)

// NewBootstrap builds bootstrap-<env>: the environment's state bucket and
// lock table, the bucket receiving the environment's S3 access logs, the
// policy guarding its SSM contract (newContractGuard), the permissions
// boundary of every role (newBoundary), and the CI identity providers and
// each layer's deploy and plan roles (newCIRoles). Its own state is local (see newStack).
func NewBootstrap(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Bootstrap, Env: env})

	var key *kms.Key
	var keyARN *string // the table's key; nil: the AWS owned key
	if env.State.CustomerManagedKey {
		key = kms.NewKey(s.TF, "state-key", &kms.KeyProps{
			Alias:       env.StateKeyAlias(),
			Description: "Terraform state of Stratum " + env.Name,
			Region:      env.Region,
		})
		keyARN = key.ARN
	}
	logs := newAccessLogBucket(s, env)
	bucket.New(s.TF, "state-bucket", &bucket.Props{
		Name: env.State.Bucket,
		Key:  key,
		Lifecycle: bucket.Lifecycle{
			NoncurrentVersionExpirationDays: env.State.NoncurrentVersionDays,
			AbortIncompleteUploadDays:       1,
		},
		AccessLogs: &bucket.AccessLogs{Bucket: logs.Name},
	})

	table := &dynamodbtable.DynamodbTableConfig{
		Name:        jsii.String(env.State.LockTable),
		BillingMode: jsii.String("PAY_PER_REQUEST"),
		HashKey:     jsii.String("LockID"),
		Attribute: []*dynamodbtable.DynamodbTableAttribute{{
			Name: jsii.String("LockID"), Type: jsii.String("S"),
		}},
		PointInTimeRecovery: &dynamodbtable.DynamodbTablePointInTimeRecovery{Enabled: jsii.Bool(true)},
		ServerSideEncryption: &dynamodbtable.DynamodbTableServerSideEncryption{
			Enabled:   jsii.Bool(true),
			KmsKeyArn: keyARN,
		},
		DeletionProtectionEnabled: jsii.Bool(true),
	}
	dynamodbtable.NewDynamodbTable(s.TF, jsii.String("lock-table"), table)
	guard := newContractGuard(s, env)
	boundary := newBoundary(s, env)
	// The layers' roles name the state bucket, lock table and key by ARNs
	// built from the configuration (package deploy).
	newCIRoles(s, env, boundary.Arn(), guard.Arn())
	contract.AccessLogBucket.Export(s.Contract, s.At(), logs.Name)
	return s
}

// newAccessLogBucket creates the bucket receiving the S3 server access
// logs of the environment's buckets: the state bucket (here), every
// client bucket (client-<name>-<env>, which read its name from SSM) and
// the audit layer's buckets (audit-<env>, likewise). It is
// bootstrap's because the state bucket logs to it and bootstrap is the
// first stack applied, before any other exists. Only S3's logging service
// may write to it, and only for this account's state bucket and the
// environment's client and audit buckets; it is SSE-S3 encrypted (the only
// encryption S3 delivers these logs to), versioned, and logs expire after
// LogRetentionDays.
func newAccessLogBucket(s *Stack, env config.Environment) *bucket.Bucket {
	aws := awscontext.Of(s.TF)
	account, partition := aws.AccountID(), aws.Partition()
	arn := func(name string) *string { return jsii.String(fmt.Sprintf("arn:%s:s3:::%s", *partition, name)) }
	return bucket.New(s.TF, "access-log-bucket", &bucket.Props{
		Name: env.State.AccessLogBucket,
		ReceivesAccessLogs: &bucket.AccessLogSources{
			Account: account,
			// Client buckets are named <prefix>-<client>-<bucket>; the audit
			// layer's are named in config.
			BucketARNs: append([]*string{arn(env.State.Bucket), arn(env.Prefix() + "-*")}, auditLogSources(env, arn)...),
		},
		Lifecycle: bucket.Lifecycle{
			ExpirationDays:                  env.LogRetentionDays,
			NoncurrentVersionExpirationDays: 30,
			AbortIncompleteUploadDays:       1,
		},
	})
}

// auditLogSources are the audit layer's buckets that the environment's
// prefix does not already name.
func auditLogSources(env config.Environment, arn func(string) *string) []*string {
	var out []*string
	for _, b := range deploy.AuditBuckets(env) {
		if !strings.HasPrefix(b, env.Prefix()+"-") {
			out = append(out, arn(b))
		}
	}
	return out
}
