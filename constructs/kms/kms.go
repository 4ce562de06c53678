// Package kms provides a customer-managed KMS key with rotation on and a
// key policy that lets named AWS services use it in this account only, and
// the Key handle constructs pass each other: one created here, or one
// created elsewhere and known by its ARN (FromARN), either of which grants
// its use to an IAM principal (Grant, GrantVia).
package kms

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsregion"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmsalias"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/kmskey"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/policy"
)

// KeyProps configures a Key.
type KeyProps struct {
	// Alias is the key's alias without the "alias/" prefix. Required.
	Alias string
	// Description says what the key encrypts. Required.
	Description string
	// ServicePrincipals may use the key for encryption on behalf of this
	// account (e.g. "logs.us-east-1.amazonaws.com", "sns.amazonaws.com").
	// Default: none; only IAM principals of the account the key policy
	// delegates to through IAM.
	ServicePrincipals []string
	// ViaServices are AWS services (e.g. "ec2") through which every
	// principal of this account may use the key, the way AWS managed keys
	// such as aws/ebs allow it: only when the call comes through
	// <service>.<region>.amazonaws.com and from this account. EC2 Auto
	// Scaling's service-linked role needs this to launch instances whose
	// volumes use the key, and naming that role in the policy would fail
	// in accounts where it does not exist yet. Default: none.
	ViaServices []string
	// ServiceGrants let AWS services use the key with exactly the actions
	// and conditions given, such as the services that publish to an SNS
	// topic the key encrypts. Default: none.
	ServiceGrants []ServiceGrant
	// DeletionWindowDays is how long a deleted key can still be recovered.
	// Default: 30 (the maximum).
	DeletionWindowDays int
	// Region is the key's region as text (e.g. "us-east-1"), which grants
	// through a service (GrantVia) name in their kms:ViaService condition.
	// Default: "" (the key cannot be granted through a service).
	Region string
	// Provider creates the key (and reads its region) with another AWS
	// provider configuration, e.g. one for a second region. It must reach
	// the same account as the stack's default provider: the key policy
	// names the stack's account (awscontext) as the key's administrator
	// and the only caller through ViaServices.
	// Default: nil (the stack's default provider).
	Provider cdktf.TerraformProvider
}

// ServiceGrant is one key policy statement for an AWS service principal.
type ServiceGrant struct {
	// Sid names the statement. Required, unique in the key's policy.
	Sid string
	// Service is the service principal, e.g. "cloudwatch.amazonaws.com".
	// Required.
	Service string
	// Actions are the KMS actions allowed. Required.
	Actions []string
	// Conditions narrow the grant (aws:SourceAccount, an encryption
	// context). Default: none.
	Conditions []*policy.Condition
}

// Key is a customer-managed KMS key: one NewKey created, with its
// resources, or one FromARN knows by its ARN only.
type Key struct {
	// Key and Alias are nil for a key from FromARN.
	Key   kmskey.KmsKey
	Alias kmsalias.KmsAlias
	// ARN is the key's ARN (not the alias's).
	ARN *string
	// region is where the key lives, for GrantVia.
	region string
}

// FromARN is a handle on a key created elsewhere, e.g. in another stack
// and read through the SSM contract: arn is its ARN (a token is fine) and
// region its region as text.
func FromARN(arn *string, region string) *Key {
	return &Key{ARN: arn, region: region}
}

// Grant allows grantee actions on the key (the key policy delegates to
// IAM), under sid and conditions.
func (k *Key) Grant(grantee policy.Grantee, sid string, actions []string, conditions ...*policy.Condition) {
	st := policy.Allow(sid, actions, k.ARN)
	if len(conditions) > 0 {
		st.Condition = conditions
	}
	grantee.AddToPolicy(st)
}

// GrantVia allows grantee actions on the key only in calls service makes
// on its behalf (kms:ViaService), as S3 or Secrets Manager do to encrypt
// and decrypt what they store: grantee cannot use the key directly.
func (k *Key) GrantVia(grantee policy.Grantee, sid, service string, actions ...string) {
	if k.region == "" {
		panic(fmt.Sprintf("kms: GrantVia %s through %s: the key's Region is not known", sid, service))
	}
	k.Grant(grantee, sid, actions, policy.ViaService(service, k.region))
}

// GrantDecryptVia allows grantee to decrypt with the key through service
// only.
func (k *Key) GrantDecryptVia(grantee policy.Grantee, sid, service string) {
	k.GrantVia(grantee, sid, service, "kms:Decrypt")
}

// NewKey creates the key, its policy and alias.
func NewKey(scope constructs.Construct, id string, props *KeyProps) *Key {
	if props == nil || props.Alias == "" || props.Description == "" {
		panic(fmt.Sprintf("kms.NewKey %q: Alias and Description are required", id))
	}
	window := props.DeletionWindowDays
	if window == 0 {
		window = 30
	}
	if window < 7 || window > 30 {
		panic(fmt.Sprintf("kms.NewKey %q: DeletionWindowDays %d is invalid: want 7..30", id, window))
	}
	for i, g := range props.ServiceGrants {
		if g.Sid == "" || g.Service == "" || len(g.Actions) == 0 {
			panic(fmt.Sprintf("kms.NewKey %q: ServiceGrants[%d] %+v is invalid: want a Sid, a Service and Actions", id, i, g))
		}
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	aws := awscontext.Of(c)
	root := fmt.Sprintf("arn:%s:iam::%s:root", *aws.Partition(), *aws.AccountID())

	statements := []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{{
		Sid:       jsii.String("AccountAdministersKeyThroughIAM"),
		Effect:    jsii.String("Allow"),
		Actions:   jsii.Strings("kms:*"),
		Resources: jsii.Strings("*"),
		Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
			Type: jsii.String("AWS"), Identifiers: jsii.Strings(root),
		}},
	}}
	for i, svc := range props.ServicePrincipals {
		st := &dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
			Sid:    jsii.String(fmt.Sprintf("ServiceUsesKey%d", i)),
			Effect: jsii.String("Allow"),
			Actions: jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
				"kms:GenerateDataKey*", "kms:DescribeKey"),
			Resources: jsii.Strings("*"),
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("Service"), Identifiers: jsii.Strings(svc),
			}},
		}
		if strings.HasPrefix(svc, "logs.") {
			// CloudWatch Logs names the log group in the encryption
			// context: only this account's log groups may use the key.
			st.Condition = []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{{
				Test: jsii.String("ArnLike"), Variable: jsii.String("kms:EncryptionContext:aws:logs:arn"),
				Values: jsii.Strings(fmt.Sprintf("arn:%s:logs:*:%s:*", *aws.Partition(), *aws.AccountID())),
			}}
		}
		statements = append(statements, st)
	}
	for _, g := range props.ServiceGrants {
		st := &dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
			Sid:       jsii.String(g.Sid),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings(g.Actions...),
			Resources: jsii.Strings("*"),
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("Service"), Identifiers: jsii.Strings(g.Service),
			}},
		}
		if len(g.Conditions) > 0 {
			st.Condition = g.Conditions
		}
		statements = append(statements, st)
	}
	if len(props.ViaServices) > 0 {
		// The account and partition are the same for every provider
		// configuration of the stack; the region is the key's own.
		region := aws.Region()
		if props.Provider != nil {
			region = dataawsregion.NewDataAwsRegion(c, jsii.String("region"), &dataawsregion.DataAwsRegionConfig{Provider: props.Provider}).Name()
		}
		for i, svc := range props.ViaServices {
			if svc == "" || strings.Contains(svc, ".") {
				panic(fmt.Sprintf("kms.NewKey %q: ViaServices[%d] %q is invalid: want a service name such as \"ec2\"", id, i, svc))
			}
			statements = append(statements, &dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
				Sid:    jsii.String(fmt.Sprintf("AccountUsesKeyVia%d", i)),
				Effect: jsii.String("Allow"),
				Actions: jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*",
					"kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
				Resources: jsii.Strings("*"),
				Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
					Type: jsii.String("AWS"), Identifiers: jsii.Strings("*"),
				}},
				Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{
					{
						Test: jsii.String("StringEquals"), Variable: jsii.String("kms:ViaService"),
						Values: jsii.Strings(awsrules.ServiceEndpoint(svc, *region)),
					},
					{
						Test: jsii.String("StringEquals"), Variable: jsii.String("kms:CallerAccount"),
						Values: &[]*string{aws.AccountID()},
					},
				},
			})
		}
	}
	policy := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("policy"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: statements,
		Provider:  props.Provider,
	})
	key := kmskey.NewKmsKey(c, jsii.String("key"), &kmskey.KmsKeyConfig{
		Description:          jsii.String(props.Description),
		EnableKeyRotation:    jsii.Bool(true),
		DeletionWindowInDays: jsii.Number(float64(window)),
		Policy:               policy.Json(),
		Provider:             props.Provider,
	})
	alias := kmsalias.NewKmsAlias(c, jsii.String("alias"), &kmsalias.KmsAliasConfig{
		Name:        jsii.String("alias/" + props.Alias),
		TargetKeyId: key.KeyId(),
		Provider:    props.Provider,
	})
	return &Key{Key: key, Alias: alias, ARN: key.Arn(), region: props.Region}
}
