// Package trail provides the record of who did what in an AWS account: a
// CloudTrail trail an auditor can rely on. It is multi-region (global
// service events included), records every management event, read and
// write, validates its log files (signed digests), and encrypts them with
// a KMS key of its own that only this trail may encrypt with. The log
// files go to a bucket of their own — TLS-only, public access blocked,
// versioned, access-logged, optionally under S3 Object Lock — and every
// event to a CloudWatch Logs group, through a role that may write to that
// group only, where metric filters and alarms read them. S3 data events
// are recorded for the buckets given, never for the trail's own bucket.
package trail

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudtrail"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/bucket"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// Props configures a Trail.
type Props struct {
	// Name is the trail's name; its CloudWatch Logs group is /<Name> and
	// its delivery role <Name>-logs. Required: 3–128 characters of
	// letters, digits, '.', '_' and '-'.
	Name string
	// BucketName is the bucket created for the log files. Required.
	BucketName string
	// KeyAlias is the alias (without "alias/") of the KMS key created for
	// the log files and the log group. Required.
	KeyAlias string
	// KeyGrants let other services use the key too (AWS Config encrypting
	// what it delivers, say). Default: none.
	KeyGrants []kms.ServiceGrant
	// Region is the key's region as text, for grants through S3
	// (Key.GrantVia). Required.
	Region string
	// RetentionDays is how long log files are kept before they expire.
	// Required: at least 1.
	RetentionDays int
	// ObjectLockDays, when above 0, locks every log file in compliance
	// mode for this many days (at most RetentionDays): irreversible, see
	// bucket.ObjectLock. Default: 0 (no object lock).
	ObjectLockDays int
	// AccessLogBucket receives the bucket's S3 server access logs (a
	// bucket made to receive them, bucket.Props.ReceivesAccessLogs).
	// Required: who read or deleted a log file is on record there.
	AccessLogBucket *string
	// LogGroupRetentionDays is how long the log group keeps events: a
	// value CloudWatch Logs accepts. Required.
	LogGroupRetentionDays int
	// DataEvents are the S3 object-level calls recorded. Default: none.
	DataEvents []DataEvents
	// PreventDestroy makes Terraform refuse a plan that destroys or
	// replaces the bucket or the key. Default: false.
	PreventDestroy bool
}

// DataEvents records the object-level calls of some S3 buckets.
type DataEvents struct {
	// Name names the event selector. Required.
	Name string
	// Objects are the object ARN prefixes recorded, each
	// arn:<partition>:s3:::<bucket>/ for one bucket or a prefix of bucket
	// names (resources.ARN StartsWith). Required.
	Objects []string
	// Except are object ARN prefixes left out (NotStartsWith). The trail's
	// own bucket is always left out where Objects would include it:
	// recording CloudTrail's own deliveries would record them again,
	// endlessly. Default: none.
	Except []string
	// WritesOnly records writes and deletes only (readOnly false).
	// Default: false (reads and writes).
	WritesOnly bool
}

// Trail is the trail and what it writes to.
type Trail struct {
	Trail cloudtrail.Cloudtrail
	// ARN and Name of the trail.
	ARN, Name *string
	// Bucket holds the log files; Key encrypts them and the log group.
	Bucket *bucket.Bucket
	Key    *kms.Key
	// LogGroup receives the events; LogGroupName is its name.
	LogGroup     cloudwatchloggroup.CloudwatchLogGroup
	LogGroupName string
	// LogGroupARN is the group's ARN, without CloudTrail's ":*" suffix.
	LogGroupARN *string
}

var trailName = func(n string) bool {
	if len(n) < 3 || len(n) > 128 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return false
		}
	}
	return true
}

func (p *Props) validate() error {
	switch {
	case !trailName(p.Name):
		return fmt.Errorf("Name %q is invalid: want 3–128 letters, digits, '.', '_' or '-'", p.Name)
	case p.BucketName == "" || p.KeyAlias == "" || p.Region == "":
		return fmt.Errorf("BucketName, KeyAlias and Region are required")
	case p.RetentionDays < 1:
		return fmt.Errorf("RetentionDays %d is invalid: want at least 1", p.RetentionDays)
	case p.ObjectLockDays < 0 || p.ObjectLockDays > p.RetentionDays:
		return fmt.Errorf("ObjectLockDays %d is invalid: want 0 (no lock) to RetentionDays (%d)", p.ObjectLockDays, p.RetentionDays)
	case p.AccessLogBucket == nil:
		return fmt.Errorf("AccessLogBucket is required: who read or deleted a log file must be on record")
	case !awsrules.IsCloudWatchRetention(p.LogGroupRetentionDays):
		return fmt.Errorf("LogGroupRetentionDays %d is invalid: want one of %v", p.LogGroupRetentionDays, awsrules.CloudWatchRetentionDays)
	}
	names := map[string]bool{}
	for i, d := range p.DataEvents {
		if d.Name == "" || names[d.Name] || len(d.Objects) == 0 {
			return fmt.Errorf("DataEvents[%d] %+v is invalid: want a unique Name and Objects", i, d)
		}
		names[d.Name] = true
		for _, o := range append(slices.Clone(d.Objects), d.Except...) {
			if !strings.HasPrefix(o, "arn:") || !strings.Contains(o, ":s3:::") {
				return fmt.Errorf("DataEvents[%d] (%s): %q is not an S3 object ARN prefix (arn:<partition>:s3:::<bucket>/…)", i, d.Name, o)
			}
		}
	}
	return nil
}

// New creates the trail, its key, bucket, log group and delivery role.
func New(scope constructs.Construct, id string, props *Props) *Trail {
	if props == nil {
		props = &Props{}
	}
	if err := props.validate(); err != nil {
		panic(fmt.Sprintf("trail.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	aws := awscontext.Of(c)
	account, partition, region := *aws.AccountID(), *aws.Partition(), *aws.Region()
	// Built from the name: the key and bucket policies name the trail,
	// which needs them to exist first.
	arn := fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", partition, region, account, props.Name)
	groupName := "/" + props.Name
	groupARN := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, groupName)
	cond := func(test, variable string, values ...string) *policy.Condition {
		return &policy.Condition{Test: jsii.String(test), Variable: jsii.String(variable), Values: jsii.Strings(values...)}
	}
	thisTrail := cond("StringEquals", "aws:SourceArn", arn)

	key := kms.NewKey(c, "key", &kms.KeyProps{
		Alias:       props.KeyAlias,
		Description: "CloudTrail log files and events of trail " + props.Name,
		Region:      props.Region,
		ServiceGrants: append([]kms.ServiceGrant{
			{
				// CloudTrail encrypts each log file under its trail's ARN
				// (the encryption context); aws:SourceArn keeps the key to
				// this trail (CloudTrail user guide, "Configure AWS KMS key
				// policies for CloudTrail").
				Sid: "CloudTrailEncryptsThisTrail", Service: "cloudtrail.amazonaws.com", Actions: []string{"kms:GenerateDataKey*"},
				Conditions: []*policy.Condition{
					cond("StringLike", "kms:EncryptionContext:aws:cloudtrail:arn", fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*", partition, account)),
					thisTrail,
				},
			},
			// Creating or updating a trail whose bucket uses an S3 Bucket
			// Key needs kms:Decrypt, and CloudTrail checks the key.
			{Sid: "CloudTrailChecksTheKey", Service: "cloudtrail.amazonaws.com", Actions: []string{"kms:DescribeKey", "kms:Decrypt"}, Conditions: []*policy.Condition{thisTrail}},
			{
				// CloudWatch Logs names the log group in the encryption
				// context: the key serves this group only.
				Sid: "LogsEncryptsTheTrailsGroup", Service: awsrules.ServiceEndpoint("logs", props.Region),
				Actions:    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
				Conditions: []*policy.Condition{cond("ArnEquals", "kms:EncryptionContext:aws:logs:arn", groupARN)},
			},
		}, props.KeyGrants...),
	})
	if props.PreventDestroy {
		key.Key.SetLifecycle(&cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)})
	}

	var lock *bucket.ObjectLock
	if props.ObjectLockDays > 0 {
		lock = &bucket.ObjectLock{Mode: bucket.Compliance, Days: props.ObjectLockDays}
	}
	bucketARN := fmt.Sprintf("arn:%s:s3:::%s", partition, props.BucketName)
	service := []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
		Type: jsii.String("Service"), Identifiers: jsii.Strings("cloudtrail.amazonaws.com"),
	}}
	b := bucket.New(c, "bucket", &bucket.Props{
		Name: props.BucketName,
		Key:  key,
		Lifecycle: bucket.Lifecycle{
			ExpirationDays:            props.RetentionDays,
			AbortIncompleteUploadDays: 1,
		},
		PolicyStatements: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement{
			{
				Sid: jsii.String("CloudTrailChecksTheBucket"), Effect: jsii.String("Allow"), Principals: service,
				Actions: jsii.Strings("s3:GetBucketAcl"), Resources: jsii.Strings(bucketARN), Condition: []*policy.Condition{thisTrail},
			},
			{
				// Only this trail, only under AWSLogs/<account>/, and the
				// bucket owns what it writes.
				Sid: jsii.String("CloudTrailDeliversLogFiles"), Effect: jsii.String("Allow"), Principals: service,
				Actions:   jsii.Strings("s3:PutObject"),
				Resources: jsii.Strings(fmt.Sprintf("%s/AWSLogs/%s/*", bucketARN, account)),
				Condition: []*policy.Condition{cond("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"), thisTrail},
			},
		},
		AccessLogs:     &bucket.AccessLogs{Bucket: props.AccessLogBucket},
		ObjectLock:     lock,
		PreventDestroy: props.PreventDestroy,
	})

	group := cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("log-group"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String(groupName),
		RetentionInDays: jsii.Number(float64(props.LogGroupRetentionDays)),
		KmsKeyId:        key.ARN,
	})
	// CloudTrail names each region's stream <account>_CloudTrail_<region>.
	streams := fmt.Sprintf("%s:log-stream:%s_CloudTrail_*", groupARN, account)
	role := iamrole.NewIamRole(c, jsii.String("logs-role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(props.Name + "-logs"),
		Description:      jsii.String("CloudTrail trail " + props.Name + " delivers its events to its log group"),
		AssumeRolePolicy: policy.NewDocument(c, "logs-trust", policy.TrustService("CloudTrailDelivers", "cloudtrail.amazonaws.com")).Json(),
	})
	rolePolicy := iamrolepolicy.NewIamRolePolicy(c, jsii.String("logs-policy"), &iamrolepolicy.IamRolePolicyConfig{
		Name:   jsii.String("deliver-to-log-group"),
		Role:   role.Id(),
		Policy: policy.NewDocument(c, "logs-permissions", policy.Allow("DeliverToTheTrailsGroup", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, jsii.String(streams))).Json(),
	})

	selectors := []*cloudtrail.CloudtrailAdvancedEventSelector{{
		// Every management event, read and write (CIS 3.1).
		Name: jsii.String("Management events"),
		FieldSelector: []*cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{
			{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Management")},
		},
	}}
	own := bucketARN + "/"
	for _, d := range props.DataEvents {
		except := slices.Clone(d.Except)
		for _, o := range d.Objects {
			if strings.HasPrefix(own, o) && !slices.Contains(except, own) {
				except = append(except, own)
			}
		}
		arns := &cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{Field: jsii.String("resources.ARN"), StartsWith: jsii.Strings(d.Objects...)}
		if len(except) > 0 {
			arns.NotStartsWith = jsii.Strings(except...)
		}
		fields := []*cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{
			{Field: jsii.String("eventCategory"), EqualTo: jsii.Strings("Data")},
			{Field: jsii.String("resources.type"), EqualTo: jsii.Strings("AWS::S3::Object")},
			arns,
		}
		if d.WritesOnly {
			fields = append(fields, &cloudtrail.CloudtrailAdvancedEventSelectorFieldSelector{Field: jsii.String("readOnly"), EqualTo: jsii.Strings("false")})
		}
		selectors = append(selectors, &cloudtrail.CloudtrailAdvancedEventSelector{Name: jsii.String(d.Name), FieldSelector: fields})
	}
	t := cloudtrail.NewCloudtrail(c, jsii.String("trail"), &cloudtrail.CloudtrailConfig{
		Name:                       jsii.String(props.Name),
		S3BucketName:               b.Name,
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		EnableLogFileValidation:    jsii.Bool(true),
		EnableLogging:              jsii.Bool(true),
		KmsKeyId:                   key.ARN,
		CloudWatchLogsGroupArn:     jsii.String(*group.Arn() + ":*"),
		CloudWatchLogsRoleArn:      role.Arn(),
		AdvancedEventSelector:      selectors,
		// CloudTrail checks, when it creates the trail, that it may write
		// to the bucket and assume the role.
		DependsOn: &[]cdktf.ITerraformDependable{b.Policy, rolePolicy},
	})
	return &Trail{Trail: t, ARN: t.Arn(), Name: t.Name(), Bucket: b, Key: key, LogGroup: group, LogGroupName: groupName, LogGroupARN: group.Arn()}
}
