// Package postgres provides one RDS for PostgreSQL instance with everything
// it needs and nothing shared: its own subnet group, parameter group (TLS
// forced, slow statements logged), security group without rules, KMS keys,
// encrypted log groups, enhanced-monitoring role and, optionally, its AWS
// Backup selection. The master password is generated and rotated by RDS in
// Secrets Manager; it never appears in code or Terraform state.
package postgres

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbinstance"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbparametergroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbsubnetgroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

const (
	// Port is the PostgreSQL port every instance listens on.
	Port = 5432
	// MasterUsername is the RDS master user. Applications use their own
	// roles (IAM authentication is on); the master credentials are for
	// administrators and live only in Secrets Manager.
	MasterUsername = "postgres"
	// CACertificate is the RDS certificate authority the server
	// certificate is issued by (RSA 2048, valid until 2061).
	CACertificate = "rds-ca-rsa2048-g1"
	// performanceInsightsRetentionDays is the free tier of Performance
	// Insights.
	performanceInsightsRetentionDays = 7
)

// LogExports are the PostgreSQL logs published to CloudWatch Logs.
var LogExports = []string{"postgresql", "upgrade"}

// BackupPlan is an AWS Backup plan the instance is assigned to.
type BackupPlan struct {
	// PlanID is the backup plan's id. Required.
	PlanID *string
	// RoleARN is the IAM role AWS Backup assumes to back the instance up.
	// Required.
	RoleARN *string
}

// Props configures a Postgres instance.
type Props struct {
	// Identifier is the RDS instance identifier and the name (or prefix)
	// of every resource created here. Required: 1 to 50 lowercase letters,
	// digits and hyphens, starting with a letter, not ending with a hyphen,
	// without two consecutive hyphens.
	Identifier string
	// DatabaseName is the database created with the instance. Required: a
	// letter followed by letters, digits or underscores, at most 63.
	DatabaseName string
	// VPCID is the VPC of the instance's security group. Required.
	VPCID *string
	// SubnetIDs are the database subnets, in at least two availability
	// zones (RDS requires two even for single-AZ instances). Required.
	SubnetIDs *[]*string

	// EngineVersion is a PostgreSQL major version in RDS standard support
	// ("17": RDS picks the current minor and upgrades minors
	// automatically) or an exact version ("17.4"); see
	// awsrules.PostgresVersionProblem. The parameter group family follows
	// the major version. Default: "17".
	EngineVersion string
	// InstanceClass is the RDS instance class (awsrules.IsRDSInstanceClass).
	// Default: "db.t4g.micro".
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 storage, 20–65536.
	// Default: 20.
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB is the storage autoscaling limit; RDS wants
	// it at least 10% above AllocatedStorageGiB. Default: 0 (storage
	// autoscaling off, as in RDS).
	MaxAllocatedStorageGiB int
	// BackupRetentionDays is how long RDS keeps automated backups and
	// point-in-time recovery (1–35). Default: 7.
	BackupRetentionDays int
	// BackupWindow is the daily backup window, "hh:mm-hh:mm" UTC, at least
	// 30 minutes and apart from the maintenance window. Default: "" (RDS
	// picks a 30-minute window outside the maintenance window).
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window,
	// "ddd:hh:mm-ddd:hh:mm" UTC, at least 30 minutes. Default: "" (RDS
	// picks one).
	MaintenanceWindow string
	// MultiAZ keeps a synchronous standby in another zone. Default: false.
	MultiAZ bool

	// AllowDeletion turns deletion protection off. Default: false
	// (deletion protection on: RDS refuses to delete the instance).
	AllowDeletion bool
	// SkipFinalSnapshot deletes the instance without a final snapshot and
	// with its automated backups. Default: false (deleting the instance
	// takes the final snapshot "<Identifier>-final" and keeps automated
	// backups until they expire).
	SkipFinalSnapshot bool
	// PreventDestroy makes Terraform refuse at plan time to destroy or
	// replace the instance and its KMS keys (a destroyed key makes every
	// snapshot unreadable once its deletion window ends).
	// Default: false.
	PreventDestroy bool

	// SlowStatementMillis logs every statement that runs longer
	// (log_min_duration_statement). Default: 0, meaning 1000 ms.
	SlowStatementMillis int
	// MonitoringIntervalSeconds is the enhanced monitoring interval: 1, 5,
	// 10, 15, 30 or 60. Default: 0, meaning 60.
	MonitoringIntervalSeconds int
	// LogRetentionDays is how long the exported PostgreSQL logs are kept;
	// a value CloudWatch Logs accepts (awsrules.CloudWatchRetentionDays).
	// Default: 0, meaning 30.
	LogRetentionDays int
	// Backup assigns the instance to an AWS Backup plan. Default: nil
	// (only RDS automated backups).
	Backup *BackupPlan
	// Tags are added to every resource that takes tags (for example the
	// client and its cost centre); RDS copies them to snapshots.
	// Default: none.
	Tags map[string]string
	// Alarms are the instance's CloudWatch alarms (CPU, free storage,
	// freeable memory, connections, CPU credits of burstable classes) and
	// its RDS event subscription (alarms.go). Default: nil (none).
	Alarms *Alarms
}

// Postgres is one PostgreSQL instance and its companion resources.
type Postgres struct {
	Instance      dbinstance.DbInstance
	SecurityGroup securitygroup.SecurityGroup
	// StorageKey encrypts storage, snapshots, Performance Insights and the
	// exported logs.
	StorageKey *kms.Key
	// SecretKey encrypts only the master credentials secret, so that
	// access to the secret can be granted without access to anything else.
	SecretKey      *kms.Key
	MonitoringRole iamrole.IamRole
	// Address is the instance's host name; Port its port (as a string).
	Address, Port *string
	// DatabaseName is the database created with the instance.
	DatabaseName *string
	// SecretARN is the Secrets Manager secret RDS keeps the master
	// credentials in, for administrators only (applications connect with
	// IAM database authentication as their own users, see IAMAuth);
	// SecretKMSKeyARN the key encrypting it.
	SecretARN, SecretKMSKeyARN *string
	// SecurityGroupID is the instance's own security group, which has no
	// rules: whoever may connect is added to it by its own stack.
	SecurityGroupID *string
	// ResourceID is the instance's DbiResourceId, which names its
	// database users in IAM (see IAMAuth).
	ResourceID *string
}

var (
	identifierRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{0,49}$`)
	databaseNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,62}$`)
	// monitoringIntervals are the enhanced monitoring intervals RDS accepts.
	monitoringIntervals = []int{1, 5, 10, 15, 30, 60}
)

// withDefaults returns a copy of p with every zero optional field set.
func (p Props) withDefaults() Props {
	if p.EngineVersion == "" {
		p.EngineVersion = "17"
	}
	if p.InstanceClass == "" {
		p.InstanceClass = "db.t4g.micro"
	}
	if p.AllocatedStorageGiB == 0 {
		p.AllocatedStorageGiB = 20
	}
	if p.BackupRetentionDays == 0 {
		p.BackupRetentionDays = 7
	}
	if p.SlowStatementMillis == 0 {
		p.SlowStatementMillis = 1000
	}
	if p.MonitoringIntervalSeconds == 0 {
		p.MonitoringIntervalSeconds = 60
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = 30
	}
	return p
}

// validate checks props after defaults are applied, with the rules the
// configuration is validated with (package awsrules), so that a
// configuration that validates builds.
func (p Props) validate() error {
	for _, c := range []struct {
		prop    string
		value   any
		problem string
	}{
		{"EngineVersion", p.EngineVersion, awsrules.PostgresVersionProblem(p.EngineVersion)},
		{"InstanceClass", p.InstanceClass, awsrules.RDSInstanceClassProblem(p.InstanceClass)},
		{"AllocatedStorageGiB", p.AllocatedStorageGiB, awsrules.RDSAllocatedStorageProblem(p.AllocatedStorageGiB)},
		{"MaxAllocatedStorageGiB", p.MaxAllocatedStorageGiB, awsrules.RDSMaxAllocatedStorageProblem(p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB)},
		{"BackupRetentionDays", p.BackupRetentionDays, awsrules.RDSBackupRetentionProblem(p.BackupRetentionDays)},
		{"BackupWindow", p.BackupWindow, windowProblem(p.BackupWindow, awsrules.BackupWindowProblem)},
		{"MaintenanceWindow", p.MaintenanceWindow, windowProblem(p.MaintenanceWindow, awsrules.MaintenanceWindowProblem)},
		{"MaintenanceWindow", p.MaintenanceWindow, awsrules.WindowsOverlapProblem(p.BackupWindow, p.MaintenanceWindow)},
	} {
		if c.problem != "" {
			return fmt.Errorf("%s %#v is invalid: want %s", c.prop, c.value, c.problem)
		}
	}
	switch {
	case !identifierRE.MatchString(p.Identifier) || strings.HasSuffix(p.Identifier, "-") || strings.Contains(p.Identifier, "--"):
		return fmt.Errorf("Identifier %q: want 1 to 50 lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen, without \"--\"", p.Identifier)
	case !databaseNameRE.MatchString(p.DatabaseName):
		return fmt.Errorf("DatabaseName %q: want a letter followed by at most 62 letters, digits or underscores", p.DatabaseName)
	case p.VPCID == nil:
		return fmt.Errorf("VPCID is required")
	case p.SubnetIDs == nil:
		return fmt.Errorf("SubnetIDs is required")
	case p.SlowStatementMillis < 0:
		return fmt.Errorf("SlowStatementMillis %d: want a positive number of milliseconds", p.SlowStatementMillis)
	case !slices.Contains(monitoringIntervals, p.MonitoringIntervalSeconds):
		return fmt.Errorf("MonitoringIntervalSeconds %d: want one of %v", p.MonitoringIntervalSeconds, monitoringIntervals)
	case !awsrules.IsCloudWatchRetention(p.LogRetentionDays):
		return fmt.Errorf("LogRetentionDays %d: want one of %v", p.LogRetentionDays, awsrules.CloudWatchRetentionDays)
	case p.Backup != nil && (p.Backup.PlanID == nil || p.Backup.RoleARN == nil):
		return fmt.Errorf("Backup: PlanID and RoleARN are required")
	case p.Alarms != nil:
		return p.Alarms.validate()
	}
	return nil
}

// windowProblem is problem(w) for a window that is set; "" lets RDS pick.
func windowProblem(w string, problem func(string) string) string {
	if w == "" {
		return ""
	}
	return problem(w)
}

// ParameterGroupFamily is the parameter group family of an engine version:
// "postgres17" for "17" and "17.4".
func ParameterGroupFamily(engineVersion string) string {
	major, _, _ := strings.Cut(engineVersion, ".")
	return "postgres" + major
}

// New creates the instance and its companion resources.
func New(scope constructs.Construct, id string, props *Props) *Postgres {
	if props == nil {
		panic(fmt.Sprintf("postgres.New %q: props are required", id))
	}
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("postgres.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	tags := tagMap(p.Tags)
	var lifecycle *cdktf.TerraformResourceLifecycle
	if p.PreventDestroy {
		lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}

	aws := awscontext.Of(c)

	// One key per instance, so a client's data can be made unreadable
	// (or its use audited) without touching another client's.
	storageKey := kms.NewKey(c, "storage-key", &kms.KeyProps{
		Alias:       p.Identifier + "-storage",
		Description: fmt.Sprintf("Storage, snapshots, Performance Insights and logs of RDS instance %s", p.Identifier),
		// The exported PostgreSQL logs may contain statement text.
		ServicePrincipals: []string{awsrules.ServiceEndpoint("logs", *aws.Region())},
	})
	// The master secret has its own key, so that reading the master
	// credentials (administrators only) can be granted, and audited,
	// apart from everything else.
	secretKey := kms.NewKey(c, "secret-key", &kms.KeyProps{
		Alias:       p.Identifier + "-secret",
		Description: fmt.Sprintf("Master credentials secret of RDS instance %s", p.Identifier),
	})
	for _, k := range []*kms.Key{storageKey, secretKey} {
		if tags != nil {
			k.Key.SetTags(tags)
		}
		if lifecycle != nil {
			k.Key.SetLifecycle(lifecycle)
		}
	}

	subnets := dbsubnetgroup.NewDbSubnetGroup(c, jsii.String("subnet-group"), &dbsubnetgroup.DbSubnetGroupConfig{
		Name:        jsii.String(p.Identifier),
		Description: jsii.String(fmt.Sprintf("Database subnets of %s", p.Identifier)),
		SubnetIds:   p.SubnetIDs,
		Tags:        tags,
	})

	family := ParameterGroupFamily(p.EngineVersion)
	parameters := dbparametergroup.NewDbParameterGroup(c, jsii.String("parameter-group"), &dbparametergroup.DbParameterGroupConfig{
		// The family is in the name so that a major upgrade creates the
		// new group before the old one is destroyed.
		Name:        jsii.String(p.Identifier + "-" + family),
		Family:      jsii.String(family),
		Description: jsii.String(fmt.Sprintf("Parameters of %s", p.Identifier)),
		Parameter: []*dbparametergroup.DbParameterGroupParameter{
			// Refuse every connection that is not TLS.
			{Name: jsii.String("rds.force_ssl"), Value: jsii.String("1")},
			{Name: jsii.String("log_min_duration_statement"), Value: jsii.String(strconv.Itoa(p.SlowStatementMillis))},
		},
		Tags:      tags,
		Lifecycle: &cdktf.TerraformResourceLifecycle{CreateBeforeDestroy: jsii.Bool(true)},
	})

	// No ingress and no egress: nothing reaches the instance until the
	// stack of whoever may connect adds its own rule to this group.
	sg := securitygroup.NewSecurityGroup(c, jsii.String("security-group"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(p.Identifier + "-db"),
		Description: jsii.String(fmt.Sprintf("PostgreSQL instance %s; clients are allowed in by their own stacks", p.Identifier)),
		VpcId:       p.VPCID,
		Tags:        tags,
	})

	instanceARN := fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", *aws.Partition(), *aws.Region(), *aws.AccountID(), p.Identifier)
	// Confused-deputy protection: only this instance, in this account,
	// may have RDS assume the role.
	trust := policy.NewDocument(c, "monitoring-trust", policy.TrustService("EnhancedMonitoringOfThisInstance", "monitoring.rds.amazonaws.com",
		&policy.Condition{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: jsii.Strings(*aws.AccountID())},
		&policy.Condition{Test: jsii.String("ArnLike"), Variable: jsii.String("aws:SourceArn"), Values: jsii.Strings(instanceARN)},
	))
	role := iamrole.NewIamRole(c, jsii.String("monitoring-role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Identifier + "-monitoring"),
		Description:      jsii.String(fmt.Sprintf("Enhanced monitoring of RDS instance %s", p.Identifier)),
		AssumeRolePolicy: trust.Json(),
		Tags:             tags,
	})
	monitoringPolicy := iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String("monitoring-policy"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      role.Name(),
		PolicyArn: jsii.String(awsrules.ManagedPolicyARN(*aws.Partition(), "service-role/AmazonRDSEnhancedMonitoringRole")),
	})

	// RDS would create these groups itself, unencrypted and kept forever.
	dependsOn := []cdktf.ITerraformDependable{monitoringPolicy}
	for _, log := range LogExports {
		dependsOn = append(dependsOn, cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("log-"+log), &cloudwatchloggroup.CloudwatchLogGroupConfig{
			Name:            jsii.String(fmt.Sprintf("/aws/rds/instance/%s/%s", p.Identifier, log)),
			RetentionInDays: jsii.Number(float64(p.LogRetentionDays)),
			KmsKeyId:        storageKey.ARN,
			Tags:            tags,
		}))
	}

	cfg := &dbinstance.DbInstanceConfig{
		Identifier:              jsii.String(p.Identifier),
		Engine:                  jsii.String("postgres"),
		EngineVersion:           jsii.String(p.EngineVersion),
		AutoMinorVersionUpgrade: jsii.Bool(true),
		InstanceClass:           jsii.String(p.InstanceClass),
		DbName:                  jsii.String(p.DatabaseName),
		Port:                    jsii.Number(Port),
		Username:                jsii.String(MasterUsername),
		// RDS generates the password and keeps it, rotated, in Secrets
		// Manager; Terraform never sees it.
		ManageMasterUserPassword:         jsii.Bool(true),
		MasterUserSecretKmsKeyId:         secretKey.ARN,
		IamDatabaseAuthenticationEnabled: jsii.Bool(true),
		CaCertIdentifier:                 jsii.String(CACertificate),

		DbSubnetGroupName:   subnets.Name(),
		VpcSecurityGroupIds: &[]*string{sg.Id()},
		PubliclyAccessible:  jsii.Bool(false),
		MultiAz:             jsii.Bool(p.MultiAZ),
		ParameterGroupName:  parameters.Name(),

		StorageType:         jsii.String("gp3"),
		AllocatedStorage:    jsii.Number(float64(p.AllocatedStorageGiB)),
		MaxAllocatedStorage: jsii.Number(float64(p.MaxAllocatedStorageGiB)),
		StorageEncrypted:    jsii.Bool(true),
		KmsKeyId:            storageKey.ARN,

		BackupRetentionPeriod:  jsii.Number(float64(p.BackupRetentionDays)),
		CopyTagsToSnapshot:     jsii.Bool(true),
		DeletionProtection:     jsii.Bool(!p.AllowDeletion),
		SkipFinalSnapshot:      jsii.Bool(p.SkipFinalSnapshot),
		DeleteAutomatedBackups: jsii.Bool(p.SkipFinalSnapshot),

		PerformanceInsightsEnabled:         jsii.Bool(true),
		PerformanceInsightsKmsKeyId:        storageKey.ARN,
		PerformanceInsightsRetentionPeriod: jsii.Number(performanceInsightsRetentionDays),
		MonitoringInterval:                 jsii.Number(float64(p.MonitoringIntervalSeconds)),
		MonitoringRoleArn:                  role.Arn(),
		EnabledCloudwatchLogsExports:       jsii.Strings(LogExports...),

		Tags:      tags,
		Lifecycle: lifecycle,
		DependsOn: &dependsOn,
	}
	if p.BackupWindow != "" {
		cfg.BackupWindow = jsii.String(p.BackupWindow)
	}
	if p.MaintenanceWindow != "" {
		cfg.MaintenanceWindow = jsii.String(p.MaintenanceWindow)
	}
	if !p.SkipFinalSnapshot {
		// Derived from the identifier, not a timestamp, so the plan is
		// stable; a second destroy under the same identifier fails
		// rather than overwrite the first final snapshot.
		cfg.FinalSnapshotIdentifier = jsii.String(p.Identifier + "-final")
	}
	instance := dbinstance.NewDbInstance(c, jsii.String("instance"), cfg)

	if p.Alarms != nil {
		newAlarms(c, p, instance, tags)
	}

	if p.Backup != nil {
		backupselection.NewBackupSelection(c, jsii.String("backup-selection"), &backupselection.BackupSelectionConfig{
			Name:       jsii.String(p.Identifier),
			PlanId:     p.Backup.PlanID,
			IamRoleArn: p.Backup.RoleARN,
			Resources:  &[]*string{instance.Arn()},
		})
	}

	return &Postgres{
		Instance:        instance,
		SecurityGroup:   sg,
		StorageKey:      storageKey,
		SecretKey:       secretKey,
		MonitoringRole:  role,
		Address:         instance.Address(),
		Port:            cdktf.Token_AsString(instance.Port(), nil),
		DatabaseName:    instance.DbName(),
		SecretARN:       instance.MasterUserSecret().Get(jsii.Number(0)).SecretArn(),
		SecretKMSKeyARN: secretKey.ARN,
		SecurityGroupID: sg.Id(),
		ResourceID:      instance.ResourceId(),
	}
}

func tagMap(tags map[string]string) *map[string]*string {
	if len(tags) == 0 {
		return nil
	}
	out := make(map[string]*string, len(tags))
	for k, v := range tags {
		out[k] = jsii.String(v)
	}
	return &out
}
