package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dynamodbtable"

	"stratum/config"
	"stratum/constructs/bucket"
	"stratum/constructs/kms"
	"stratum/contract"
)

// NewBootstrap builds bootstrap-<env>: the environment's state bucket and
// lock table, the policy guarding its SSM contract (newContractGuard), and
// the CI identity providers and roles (newCIRoles). Its own state is local
// (see newStack).
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
	stateBucket := bucket.New(s.TF, "state-bucket", &bucket.Props{
		Name: env.State.Bucket,
		Key:  key,
		Lifecycle: bucket.Lifecycle{
			NoncurrentVersionExpirationDays: env.State.NoncurrentVersionDays,
			AbortIncompleteUploadDays:       1,
		},
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
	lock := dynamodbtable.NewDynamodbTable(s.TF, jsii.String("lock-table"), table)
	guard := newContractGuard(s, env)
	newCIRoles(s, env, ciState{bucketARN: stateBucket.ARN, tableARN: lock.Arn(), keyARN: keyARN, contractGuardARN: guard.Arn()})
	return s
}
