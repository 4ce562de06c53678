// Package bucket provides an S3 bucket that is private and encrypted by
// default: versioning on, SSE-KMS, every public access block set, object
// ownership enforced by the bucket owner, a TLS-only bucket policy and
// lifecycle rules that clean up old versions and incomplete uploads. A
// Bucket grants access to itself, and to its key, with GrantRead and
// GrantReadWrite. A bucket can log its requests (S3 server access logs)
// to another bucket, one made to receive them (Props.ReceivesAccessLogs).
package bucket

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucket"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlifecycleconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketlogging"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketobjectlockconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketownershipcontrols"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketpublicaccessblock"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketserversideencryptionconfiguration"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/s3bucketversioning"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// Transition moves current objects to StorageClass after Days.
type Transition struct {
	Days         int
	StorageClass string
}

// Lifecycle is the bucket's lifecycle rule for all objects.
type Lifecycle struct {
	// Transitions of current objects. Default: none.
	Transitions []Transition
	// ExpirationDays deletes current objects. Default: 0 (never).
	ExpirationDays int
	// NoncurrentVersionExpirationDays deletes old versions.
	// Default: 0, meaning 90 days.
	NoncurrentVersionExpirationDays int
	// AbortIncompleteUploadDays removes unfinished multipart uploads.
	// Default: 0, meaning 7 days.
	AbortIncompleteUploadDays int
}

// Props configures a Bucket.
type Props struct {
	// Name is the globally unique bucket name. Required.
	Name string
	// Key encrypts objects with a customer-managed key; grants of the
	// bucket grant its use through S3, so its Region must be set.
	// Default: nil, SSE-KMS with the AWS managed aws/s3 key.
	Key *kms.Key
	// Lifecycle of the bucket's objects. Default: old versions expire after
	// 90 days and incomplete uploads are aborted after 7.
	Lifecycle Lifecycle
	// PolicyStatements are added to the bucket policy after the TLS-only
	// deny. Default: none.
	PolicyStatements []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement
	// AccessLogs, when set, sends the bucket's S3 server access logs to
	// another bucket. Default: nil (no access logs).
	AccessLogs *AccessLogs
	// ReceivesAccessLogs, when set, makes this the bucket other buckets'
	// server access logs go to: the S3 logging service may write into it
	// for the given sources only, and it is encrypted with SSE-S3 (AES256)
	// instead of SSE-KMS, because S3 cannot deliver server access logs to
	// a bucket whose default encryption is SSE-KMS. Key must then be nil.
	// Default: nil (an SSE-KMS bucket that receives no logs).
	ReceivesAccessLogs *AccessLogSources
	// ObjectLock, when set, turns S3 Object Lock on and locks every object
	// version written to the bucket for its default retention: see
	// ObjectLock. Object Lock cannot be turned off once on. Default: nil
	// (no object lock).
	ObjectLock *ObjectLock
	// PreventDestroy makes Terraform refuse any plan that would destroy
	// or replace the bucket (lifecycle prevent_destroy), for buckets whose
	// objects must outlive a bad change. Default: false.
	PreventDestroy bool
}

// Object Lock retention modes (S3's names).
const (
	// Compliance: nobody, the account's root user included, can delete
	// or overwrite a locked version, shorten its retention or change its
	// mode until its retention ends.
	Compliance = "COMPLIANCE"
	// Governance: principals allowed s3:BypassGovernanceRetention can.
	Governance = "GOVERNANCE"
)

// ObjectLock is a bucket's default Object Lock retention.
type ObjectLock struct {
	// Mode is Compliance or Governance. Required.
	Mode string
	// Days is how long each new object version is locked. Required: at
	// least 1, and at most Lifecycle.ExpirationDays when that is set (a
	// version cannot expire while it is locked).
	Days int
}

// AccessLogs is where a bucket's server access logs go.
type AccessLogs struct {
	// Bucket is the name of the receiving bucket (one with
	// ReceivesAccessLogs, in the same account and region). Required.
	Bucket *string
	// Prefix starts every log object's key. Default: the bucket's name and
	// "/", so that each source has its own folder.
	Prefix string
}

// AccessLogSources are the buckets whose logs a receiving bucket accepts.
type AccessLogSources struct {
	// Account is the account of the source buckets (aws:SourceAccount).
	// Required.
	Account *string
	// BucketARNs are the source buckets' ARNs, wildcards allowed
	// (aws:SourceArn, ArnLike). Required.
	BucketARNs []*string
}

// Bucket is a secure S3 bucket.
type Bucket struct {
	Bucket s3bucket.S3Bucket
	// Name and ARN of the bucket.
	Name, ARN *string
	// Key encrypts the objects; nil for the AWS managed aws/s3 key.
	Key *kms.Key
	// Policy is the bucket policy: what writes to the bucket on the
	// strength of a PolicyStatements grant (a service delivering logs)
	// depends on it.
	Policy s3bucketpolicy.S3BucketPolicy
}

func (p *Props) validate() error {
	if p.Name == "" {
		return fmt.Errorf("Name is required")
	}
	if problem := awsrules.S3BucketNameProblem(p.Name); problem != "" {
		return fmt.Errorf("Name %q is invalid: want %s", p.Name, problem)
	}
	logTarget := p.ReceivesAccessLogs
	if logTarget != nil && (p.Key != nil || logTarget.Account == nil || len(logTarget.BucketARNs) == 0) {
		return fmt.Errorf("ReceivesAccessLogs needs Account and BucketARNs, and no Key: S3 delivers server access logs only to SSE-S3 buckets")
	}
	if p.AccessLogs != nil && p.AccessLogs.Bucket == nil {
		return fmt.Errorf("AccessLogs.Bucket is required")
	}
	if l := p.ObjectLock; l != nil {
		switch exp := p.Lifecycle.ExpirationDays; {
		case l.Mode != Compliance && l.Mode != Governance:
			return fmt.Errorf("ObjectLock.Mode %q is invalid: want %q or %q", l.Mode, Compliance, Governance)
		case l.Days < 1 || (exp > 0 && l.Days > exp):
			return fmt.Errorf("ObjectLock.Days %d is invalid: want 1 to Lifecycle.ExpirationDays (%d), or more without expiration", l.Days, exp)
		case logTarget != nil:
			return fmt.Errorf("ObjectLock is set on a bucket that ReceivesAccessLogs: S3 refuses a server access log target with a default retention")
		}
	}
	return nil
}

// New creates the bucket and its companion resources.
func New(scope constructs.Construct, id string, props *Props) *Bucket {
	if props == nil {
		props = &Props{}
	}
	if err := props.validate(); err != nil {
		panic(fmt.Sprintf("bucket.New %q: %v", id, err))
	}
	var keyARN *string
	if props.Key != nil {
		keyARN = props.Key.ARN
	}
	logTarget := props.ReceivesAccessLogs
	c := constructs.NewConstruct(scope, jsii.String(id))
	cfg := &s3bucket.S3BucketConfig{
		Bucket:       jsii.String(props.Name),
		ForceDestroy: jsii.Bool(false),
	}
	if props.PreventDestroy {
		cfg.Lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	b := s3bucket.NewS3Bucket(c, jsii.String("bucket"), cfg)
	versioning := s3bucketversioning.NewS3BucketVersioningA(c, jsii.String("versioning"), &s3bucketversioning.S3BucketVersioningAConfig{
		Bucket: b.Id(),
		VersioningConfiguration: &s3bucketversioning.S3BucketVersioningVersioningConfiguration{
			Status: jsii.String("Enabled"),
		},
	})
	encryption := &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{
		ApplyServerSideEncryptionByDefault: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
			SseAlgorithm:   jsii.String("aws:kms"),
			KmsMasterKeyId: keyARN,
		},
		// S3 Bucket Keys cut KMS requests (and cost) by orders of magnitude.
		BucketKeyEnabled: jsii.Bool(true),
	}
	if logTarget != nil {
		// The only default encryption a server access log target may have.
		encryption = &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{
			ApplyServerSideEncryptionByDefault: &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA{
				SseAlgorithm: jsii.String("AES256"),
			},
		}
	}
	s3bucketserversideencryptionconfiguration.NewS3BucketServerSideEncryptionConfigurationA(c, jsii.String("encryption"), &s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationAConfig{
		Bucket: b.Id(),
		Rule:   []*s3bucketserversideencryptionconfiguration.S3BucketServerSideEncryptionConfigurationRuleA{encryption},
	})
	pab := s3bucketpublicaccessblock.NewS3BucketPublicAccessBlock(c, jsii.String("public-access-block"), &s3bucketpublicaccessblock.S3BucketPublicAccessBlockConfig{
		Bucket:                b.Id(),
		BlockPublicAcls:       jsii.Bool(true),
		BlockPublicPolicy:     jsii.Bool(true),
		IgnorePublicAcls:      jsii.Bool(true),
		RestrictPublicBuckets: jsii.Bool(true),
	})
	s3bucketownershipcontrols.NewS3BucketOwnershipControls(c, jsii.String("ownership"), &s3bucketownershipcontrols.S3BucketOwnershipControlsConfig{
		Bucket: b.Id(),
		Rule: &s3bucketownershipcontrols.S3BucketOwnershipControlsRule{
			ObjectOwnership: jsii.String("BucketOwnerEnforced"),
		},
	})

	statements := append([]*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{{
		Sid:       jsii.String("DenyInsecureTransport"),
		Effect:    jsii.String("Deny"),
		Actions:   jsii.Strings("s3:*"),
		Resources: &[]*string{b.Arn(), jsii.String(*b.Arn() + "/*")},
		Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
			Type: jsii.String("*"), Identifiers: jsii.Strings("*"),
		}},
		Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{{
			Test: jsii.String("Bool"), Variable: jsii.String("aws:SecureTransport"), Values: jsii.Strings("false"),
		}},
	}}, props.PolicyStatements...)
	if logTarget != nil {
		statements = append(statements, &dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
			Sid:       jsii.String("S3ServerAccessLogDelivery"),
			Effect:    jsii.String("Allow"),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: &[]*string{jsii.String(*b.Arn() + "/*")},
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("Service"), Identifiers: jsii.Strings("logging.s3.amazonaws.com"),
			}},
			Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{
				{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: &[]*string{logTarget.Account}},
				{Test: jsii.String("ArnLike"), Variable: jsii.String("aws:SourceArn"), Values: &logTarget.BucketARNs},
			},
		})
	}
	policy := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("policy-document"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: statements,
	})
	bucketPolicy := s3bucketpolicy.NewS3BucketPolicy(c, jsii.String("policy"), &s3bucketpolicy.S3BucketPolicyConfig{
		Bucket: b.Id(),
		Policy: policy.Json(),
		// S3 rejects a policy change while the public access block is
		// being written; order them.
		DependsOn: &[]cdktf.ITerraformDependable{pab},
	})

	lc := props.Lifecycle
	noncurrent := lc.NoncurrentVersionExpirationDays
	if noncurrent == 0 {
		noncurrent = 90
	}
	abort := lc.AbortIncompleteUploadDays
	if abort == 0 {
		abort = 7
	}
	rule := &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRule{
		Id:     jsii.String("default"),
		Status: jsii.String("Enabled"),
		// An empty filter applies the rule to every object.
		Filter: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleFilter{Prefix: jsii.String("")},
		AbortIncompleteMultipartUpload: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload{
			DaysAfterInitiation: jsii.Number(float64(abort)),
		},
		NoncurrentVersionExpiration: &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration{
			NoncurrentDays: jsii.Number(float64(noncurrent)),
		},
	}
	if lc.ExpirationDays > 0 {
		rule.Expiration = &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleExpiration{
			Days: jsii.Number(float64(lc.ExpirationDays)),
		}
	} else {
		// Versioned buckets keep a delete marker per deleted object;
		// remove those that no longer hide any version.
		rule.Expiration = &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleExpiration{
			ExpiredObjectDeleteMarker: jsii.Bool(true),
		}
	}
	if len(lc.Transitions) > 0 {
		var ts []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleTransition
		for _, t := range lc.Transitions {
			ts = append(ts, &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRuleTransition{
				Days:         jsii.Number(float64(t.Days)),
				StorageClass: jsii.String(t.StorageClass),
			})
		}
		rule.Transition = ts
	}
	s3bucketlifecycleconfiguration.NewS3BucketLifecycleConfiguration(c, jsii.String("lifecycle"), &s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationConfig{
		Bucket: b.Id(),
		Rule:   []*s3bucketlifecycleconfiguration.S3BucketLifecycleConfigurationRule{rule},
		// Noncurrent-version rules need versioning to be on first.
		DependsOn: &[]cdktf.ITerraformDependable{versioning},
	})
	if l := props.ObjectLock; l != nil {
		// Turned on here rather than with the bucket's object_lock_enabled,
		// which would replace an existing bucket: S3 turns Object Lock on
		// for a versioned bucket in place.
		s3bucketobjectlockconfiguration.NewS3BucketObjectLockConfigurationA(c, jsii.String("object-lock"), &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationAConfig{
			Bucket:            b.Id(),
			ObjectLockEnabled: jsii.String("Enabled"),
			Rule: &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationRuleA{
				DefaultRetention: &s3bucketobjectlockconfiguration.S3BucketObjectLockConfigurationRuleDefaultRetentionA{
					Mode: jsii.String(l.Mode),
					Days: jsii.Number(float64(l.Days)),
				},
			},
			DependsOn: &[]cdktf.ITerraformDependable{versioning},
		})
	}
	if l := props.AccessLogs; l != nil {
		prefix := l.Prefix
		if prefix == "" {
			prefix = props.Name + "/"
		}
		s3bucketlogging.NewS3BucketLoggingA(c, jsii.String("access-logs"), &s3bucketlogging.S3BucketLoggingAConfig{
			Bucket:       b.Id(),
			TargetBucket: l.Bucket,
			TargetPrefix: jsii.String(prefix),
			// <prefix><account>/<region>/<bucket>/<yyyy>/<mm>/<dd>/…: by
			// day of the request, for Athena partitions and lifecycle.
			TargetObjectKeyFormat: &s3bucketlogging.S3BucketLoggingTargetObjectKeyFormat{
				PartitionedPrefix: &s3bucketlogging.S3BucketLoggingTargetObjectKeyFormatPartitionedPrefix{
					PartitionDateSource: jsii.String("EventTime"),
				},
			},
		})
	}
	return &Bucket{Bucket: b, Name: b.Bucket(), ARN: b.Arn(), Key: props.Key, Policy: bucketPolicy}
}

// GrantRead lets grantee list the bucket and read its objects, and
// decrypt them with the bucket's key through S3 only.
func (b *Bucket) GrantRead(grantee policy.Grantee) { b.grant(grantee, false) }

// GrantReadWrite lets grantee also write and delete objects, and encrypt
// them with the bucket's key through S3 only.
func (b *Bucket) GrantReadWrite(grantee policy.Grantee) { b.grant(grantee, true) }

// grant adds the statements, one per kind of access: a grantee given
// several buckets gets one statement of each kind, naming them all.
func (b *Bucket) grant(grantee policy.Grantee, write bool) {
	objects := jsii.String(*b.ARN + "/*")
	grantee.AddToPolicy(policy.Allow("ListBuckets", []string{"s3:ListBucket"}, b.ARN))
	grantee.AddToPolicy(policy.Allow("ReadObjects", []string{"s3:GetObject"}, objects))
	keyActions := []string{"kms:Decrypt"}
	if write {
		grantee.AddToPolicy(policy.Allow("WriteObjects", []string{"s3:PutObject", "s3:DeleteObject"}, objects))
		keyActions = append(keyActions, "kms:GenerateDataKey")
	}
	if b.Key != nil {
		b.Key.GrantVia(grantee, "UseBucketKey", "s3", keyActions...)
	}
}
