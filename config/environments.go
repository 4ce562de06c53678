package config

// Environments returns prod, staging and dev. Edit the values here; the
// code in stacks/ reads nothing else.
func Environments() []Environment {
	return []Environment{prod(), staging(), dev()}
}

func prod() Environment {
	return Environment{
		Name:       "prod",
		Production: true,
		Region:     "us-east-1",
		// Replace with the production account: the provider refuses to run
		// against any other, and the state key's alias ARN names it.
		AccountID: "111111111111",
		Network: Network{
			CIDR:              "10.10.0.0/16",
			AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			NAT:               NATPerAZ,
		},
		VPN: VPN{
			Enabled:       true,
			AmazonSideASN: 64512,
			CustomerGateways: []CustomerGateway{
				{Name: "dc-primary", IPAddress: "203.0.113.10", BGPASN: 65010},
				{Name: "dc-secondary", IPAddress: "198.51.100.20", BGPASN: 65020},
			},
			OnPremisesCIDRs: []string{"172.16.0.0/16"},
		},
		LogRetentionDays: 365,
		// Copies of every recovery point in a second region.
		// The vault locks become immutable ComplianceLockDays after they
		// are applied in compliance mode (docs/data-protection.md): until
		// then they can be changed or removed.
		Backup:             Backup{RetentionDays: 35, Schedule: "cron(0 3 * * ? *)", CopyRegion: "us-west-2", CopyRetentionDays: 35, ComplianceLockDays: 7},
		DeletionProtection: true,
		State: State{
			Bucket:                "stratum-prod-tfstate",
			LockTable:             "stratum-prod-tflock",
			AccessLogBucket:       "stratum-prod-s3-access-logs",
			NoncurrentVersionDays: 365,
			CustomerManagedKey:    true,
		},
		Cluster: Cluster{
			Version: "1.35",
			// Placeholder: the emergency admin role, MFA-only, held by the
			// on-call platform leads (docs/cluster-access.md). Required in
			// production.
			BreakGlassRoleARN: "arn:aws:iam::111111111111:role/stratum-break-glass",
			SystemNodes: NodeGroup{
				InstanceTypes: []string{"m6i.large"},
				MinSize:       3, DesiredSize: 3, MaxSize: 6,
				DiskSizeGiB: 50,
			},
			ClientNodes: NodeGroup{
				InstanceTypes: []string{"m6i.xlarge"},
				MinSize:       2, DesiredSize: 3, MaxSize: 10,
				DiskSizeGiB: 50,
			},
			ClientLoadBalancers: 4,
		},
		Database: Database{
			EngineVersion:          "17",
			InstanceClass:          "db.r6g.large",
			AllocatedStorageGiB:    100,
			MaxAllocatedStorageGiB: 1000,
			BackupRetentionDays:    14,
			// RDS's own daily backup finishes before the AWS Backup job
			// (Backup.Schedule, 03:00 UTC) starts, so the two do not
			// compete for the instance. Every environment uses the same
			// windows.
			BackupWindow:      "01:00-02:00",
			MaintenanceWindow: "sun:05:00-sun:06:00",
			MultiAZ:           true,
			PreventDestroy:    true,
		},
		Domain: "prod.stratum.example.com",
		// How this repository's pipelines reach the environment
		// (docs/cicd-integration.md): replace the repository with yours;
		// with GitLab or Azure DevOps, set those fields instead (or as well).
		CI: CI{
			GitHub: &GitHubCI{Repository: repository, DefaultBranch: repositoryBranch},
			// Placeholders: the roles IAM Identity Center creates for your
			// permission sets in this account (one per team), or the roles
			// your identity provider's groups map to.
			Teams: []Team{
				{Name: "platform", RoleARNs: []string{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumPlatform_0123456789abcdef"}, Layers: []string{"foundation", "platform", "services"}},
				{Name: "data", RoleARNs: []string{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumData_0123456789abcdef"}, Layers: []string{"database"}},
				{Name: "client-delivery", RoleARNs: []string{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumClients_0123456789abcdef"}, Layers: []string{"client"}},
				{Name: "security", RoleARNs: []string{"arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumSecurity_0123456789abcdef"}, Layers: []string{"audit"}},
			},
		},
		Alerts: Alerts{
			// Replace with your on-call rota's address and your paging
			// service's SNS integration URL (PagerDuty and Opsgenie
			// confirm the subscription themselves).
			Emails: []string{"platform-oncall@example.com"},
			HTTPSEndpoints: []HTTPSEndpoint{
				{URL: "https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue", AutoConfirms: true},
			},
			RunbookBaseURL: runbookBaseURL,
			Budget: Budget{
				MonthlyUSD:       25000,
				ClientMonthlyUSD: 5000,
				// Prod's account is the payer account of this example;
				// see Budget.ActivateCostAllocationTags otherwise.
				ActivateCostAllocationTags: true,
			},
		},
		// Who did what, and threat detection (docs/audit.md): the
		// production minimums — a year of logs locked in compliance mode
		// (irreversible), every read of the state recorded, GuardDuty,
		// IAM Access Analyzer and AWS Config on.
		Audit: Audit{
			TrailBucket:        "stratum-prod-audit-trail",
			TrailRetentionDays: 400,
			ObjectLockDays:     365,
			DataEvents:         DataEvents{StateBucket: DataEventsAll, ClientBuckets: DataEventsAll},
			GuardDuty: GuardDuty{
				Enabled: true, S3DataEvents: true, EKSAuditLogs: true, RuntimeMonitoring: true,
				MalwareProtection: true, RDSLoginEvents: true, MinimumSeverity: "MEDIUM",
			},
			AccessAnalyzer:   true,
			Config:           AWSConfig{Enabled: true, Bucket: "stratum-prod-audit-config"},
			MonthlyBudgetUSD: 1500,
		},
	}
}

func staging() Environment {
	return Environment{
		Name:   "staging",
		Region: "us-east-1",
		// Placeholder: replace with the staging account. Every environment
		// pins its own account, so a profile of another one fails at once.
		AccountID: "222222222222",
		Network: Network{
			CIDR:              "10.20.0.0/16",
			AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
			NAT:               NATSingle,
		},
		VPN: VPN{
			Enabled:       true,
			AmazonSideASN: 64513,
			CustomerGateways: []CustomerGateway{
				{Name: "dc-primary", IPAddress: "203.0.113.11", BGPASN: 65010},
				{Name: "dc-secondary", IPAddress: "198.51.100.21", BGPASN: 65020},
			},
			StaticRoutesOnly: true,
			OnPremisesCIDRs:  []string{"172.16.0.0/16"},
		},
		LogRetentionDays:   90,
		Backup:             Backup{RetentionDays: 14, Schedule: "cron(0 3 * * ? *)"},
		DeletionProtection: true,
		State: State{
			Bucket:                "stratum-staging-tfstate",
			LockTable:             "stratum-staging-tflock",
			AccessLogBucket:       "stratum-staging-s3-access-logs",
			NoncurrentVersionDays: 90,
		},
		Cluster: Cluster{
			Version:           "1.35",
			BreakGlassRoleARN: "arn:aws:iam::222222222222:role/stratum-break-glass",
			SystemNodes: NodeGroup{
				InstanceTypes: []string{"m6i.large"},
				MinSize:       2, DesiredSize: 2, MaxSize: 4,
				DiskSizeGiB: 50,
			},
			ClientNodes: NodeGroup{
				InstanceTypes: []string{"m6i.large"},
				MinSize:       1, DesiredSize: 2, MaxSize: 4,
				DiskSizeGiB: 50,
			},
			ClientLoadBalancers: 2,
		},
		Database: Database{
			EngineVersion:          "17",
			InstanceClass:          "db.t4g.medium",
			AllocatedStorageGiB:    50,
			MaxAllocatedStorageGiB: 200,
			BackupRetentionDays:    7,
			BackupWindow:           "01:00-02:00",
			MaintenanceWindow:      "sun:05:00-sun:06:00",
		},
		Domain: "staging.stratum.example.com",
		// How this repository's pipelines reach the environment
		// (docs/cicd-integration.md): replace the repository with yours;
		// with GitLab or Azure DevOps, set those fields instead (or as well).
		CI: CI{
			GitHub: &GitHubCI{Repository: repository, DefaultBranch: repositoryBranch},
			// Placeholders: the roles IAM Identity Center creates for your
			// permission sets in this account (one per team), or the roles
			// your identity provider's groups map to.
			Teams: []Team{
				{Name: "platform", RoleARNs: []string{"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumPlatform_0123456789abcdef"}, Layers: []string{"foundation", "platform", "services"}},
				{Name: "data", RoleARNs: []string{"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumData_0123456789abcdef"}, Layers: []string{"database"}},
				{Name: "client-delivery", RoleARNs: []string{"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumClients_0123456789abcdef"}, Layers: []string{"client"}},
				{Name: "security", RoleARNs: []string{"arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumSecurity_0123456789abcdef"}, Layers: []string{"audit"}},
			},
		},
		Alerts: Alerts{
			Emails:         []string{"platform-alerts@example.com"},
			RunbookBaseURL: runbookBaseURL,
			Budget:         Budget{MonthlyUSD: 5000, ClientMonthlyUSD: 1000},
		},
		// Production's detection without its costliest parts: no object
		// lock, no Config, no runtime or malware protection, writes to
		// client buckets only.
		Audit: Audit{
			TrailBucket:        "stratum-staging-audit-trail",
			TrailRetentionDays: 365,
			DataEvents:         DataEvents{StateBucket: DataEventsAll, ClientBuckets: DataEventsWrites},
			GuardDuty: GuardDuty{
				Enabled: true, S3DataEvents: true, EKSAuditLogs: true, RDSLoginEvents: true, MinimumSeverity: "HIGH",
			},
			AccessAnalyzer:   true,
			MonthlyBudgetUSD: 300,
		},
	}
}

func dev() Environment {
	return Environment{
		Name:   "dev",
		Region: "us-east-1",
		// Placeholder: replace with the dev account.
		AccountID: "333333333333",
		Network: Network{
			CIDR:              "10.30.0.0/16",
			AvailabilityZones: []string{"us-east-1a", "us-east-1b"},
			NAT:               NATSingle,
		},
		LogRetentionDays:   30,
		Backup:             Backup{RetentionDays: 7, Schedule: "cron(0 3 * * ? *)"},
		DeletionProtection: false,
		State: State{
			Bucket:                "stratum-dev-tfstate",
			LockTable:             "stratum-dev-tflock",
			AccessLogBucket:       "stratum-dev-s3-access-logs",
			NoncurrentVersionDays: 30,
		},
		Cluster: Cluster{
			Version:           "1.35",
			BreakGlassRoleARN: "arn:aws:iam::333333333333:role/stratum-break-glass",
			// Dev has no VPN: its API is reachable from these public ranges
			// only (docs/dev-access.md), so that services-dev and the
			// client-*-dev stacks can be applied from outside the VPC.
			// REPLACE this placeholder (192.0.2.0/24 is a documentation
			// range, RFC 5737) with the egress ranges of your office, your
			// VPN or your CI runners.
			PublicAccessCIDRs: []string{"192.0.2.0/24"},
			SystemNodes: NodeGroup{
				InstanceTypes: []string{"t3.large"},
				MinSize:       1, DesiredSize: 2, MaxSize: 3,
				DiskSizeGiB: 30,
			},
			ClientNodes: NodeGroup{
				InstanceTypes: []string{"t3.large"},
				MinSize:       1, DesiredSize: 1, MaxSize: 3,
				DiskSizeGiB: 50,
			},
			ClientLoadBalancers: 1,
		},
		Database: Database{
			EngineVersion:          "17",
			InstanceClass:          "db.t4g.micro",
			AllocatedStorageGiB:    20,
			MaxAllocatedStorageGiB: 50,
			BackupRetentionDays:    1,
			BackupWindow:           "01:00-02:00",
			MaintenanceWindow:      "sun:05:00-sun:06:00",
			// Dev data is disposable: destroying dev leaves nothing behind.
			SkipFinalSnapshot: true,
		},
		Domain: "dev.stratum.example.com",
		// How this repository's pipelines reach the environment
		// (docs/cicd-integration.md): replace the repository with yours;
		// with GitLab or Azure DevOps, set those fields instead (or as well).
		CI: CI{
			GitHub: &GitHubCI{Repository: repository, DefaultBranch: repositoryBranch},
			// Placeholders: the roles IAM Identity Center creates for your
			// permission sets in this account (one per team), or the roles
			// your identity provider's groups map to.
			Teams: []Team{
				{Name: "platform", RoleARNs: []string{"arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumPlatform_0123456789abcdef"}, Layers: []string{"foundation", "platform", "services"}},
				{Name: "data", RoleARNs: []string{"arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumData_0123456789abcdef"}, Layers: []string{"database"}},
				{Name: "client-delivery", RoleARNs: []string{"arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumClients_0123456789abcdef"}, Layers: []string{"client"}},
				{Name: "security", RoleARNs: []string{"arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_StratumSecurity_0123456789abcdef"}, Layers: []string{"audit"}},
			},
		},
		Alerts: Alerts{
			None:           true,
			NoneReason:     "dev is disposable and nobody is on call for it; its alarms still show in the CloudWatch console",
			RunbookBaseURL: runbookBaseURL,
			// Dev runs small instances near their limits by design.
			Thresholds: Thresholds{DatabaseCPUPercent: 90, DatabaseCPUCreditsPercent: 10},
			Budget:     Budget{MonthlyUSD: 1500, ClientMonthlyUSD: 300},
		},
		// Lean: the trail (management events only: the first copy is
		// free), the CIS alarms, GuardDuty's base detection and IAM Access
		// Analyzer (free); no data events, no paid protection, no Config.
		Audit: Audit{
			TrailBucket:        "stratum-dev-audit-trail",
			TrailRetentionDays: 90,
			GuardDuty:          GuardDuty{Enabled: true, MinimumSeverity: "HIGH"},
			AccessAnalyzer:     true,
			MonthlyBudgetUSD:   50,
		},
	}
}

// The repository this configuration lives in. Like the account ids,
// domains, addresses and paging endpoint above, these are examples:
// replace them with your own before deploying (`make placeholders` lists
// every example value still set).
const (
	// repository is this repository on GitHub, owner/name: the CI roles
	// trust its workflows (each environment's CI) and alarm descriptions link the runbooks
	// in it (runbookBaseURL).
	repository = "example-org/stratum"
	// repositoryBranch is its default branch: the one whose workflows may
	// apply, and whose runbooks the alarm descriptions link.
	repositoryBranch = "main"
)

// runbookBaseURL is where alarm descriptions link the runbooks: the
// repository's default branch on GitHub. On another forge, set it to the
// URL that a repository path appended to opens the file at.
const runbookBaseURL = "https://github.com/" + repository + "/blob/" + repositoryBranch + "/"
