package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/postgres"
	"stratum/contract"
)

// NewDatabases builds databases-<env>: one PostgreSQL instance per
// tenancy (a client in env), each with its own keys, security group,
// backup selection, alarms and RDS event subscription, and its connection
// details exported per client.
//
// The stack exists even when no client is in env, so every environment
// deploys the same list of stacks; it then reads the foundation's
// parameters and creates nothing.
func NewDatabases(scope constructs.Construct, env config.Environment, tenancies []clients.Tenancy) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Databases, Env: env})
	vpc := contract.VPCID.Import(s.TF, s.At())
	subnets := contract.DatabaseSubnetIDs.Import(s.TF, s.At())
	topic := contract.AlarmTopicARN.Import(s.TF, s.At())
	plan := &postgres.BackupPlan{
		PlanID:  contract.BackupPlanID.Import(s.TF, s.At()),
		RoleARN: contract.BackupRoleARN.Import(s.TF, s.At()),
	}
	for _, t := range tenancies {
		c, db, names := t.Client, t.Database, t.Names
		// The construct id is the client's name: every address of a
		// client's resources is its own, so adding or removing a client
		// never moves another's.
		pg := postgres.New(s.TF, c.Name, &postgres.Props{
			Identifier:             names.DatabaseIdentifier,
			DatabaseName:           names.DatabaseName,
			VPCID:                  vpc,
			SubnetIDs:              subnets,
			EngineVersion:          db.EngineVersion,
			InstanceClass:          db.InstanceClass,
			AllocatedStorageGiB:    db.AllocatedStorageGiB,
			MaxAllocatedStorageGiB: db.MaxAllocatedStorageGiB,
			BackupRetentionDays:    db.BackupRetentionDays,
			BackupWindow:           db.BackupWindow,
			MaintenanceWindow:      db.MaintenanceWindow,
			MultiAZ:                db.MultiAZ,
			AllowDeletion:          !env.DeletionProtection,
			SkipFinalSnapshot:      db.SkipFinalSnapshot,
			PreventDestroy:         db.PreventDestroy,
			LogRetentionDays:       env.LogRetentionDays,
			Backup:                 plan,
			Tags:                   map[string]string{"Client": c.Name, "CostCentre": c.CostCentre},
			Alarms:                 databaseAlarms(env, topic),
		})
		at := s.ClientAt(c.Name)
		contract.DatabaseEndpoint.Export(s.TF, at, pg.Address)
		contract.DatabasePort.Export(s.TF, at, pg.Port)
		contract.DatabaseName.Export(s.TF, at, pg.DatabaseName)
		contract.DatabaseSecretARN.Export(s.TF, at, pg.SecretARN)
		contract.DatabaseSecretKMSKeyARN.Export(s.TF, at, pg.SecretKMSKeyARN)
		contract.DatabaseSecurityGroupID.Export(s.TF, at, pg.SecurityGroupID)
		contract.DatabaseResourceID.Export(s.TF, at, pg.ResourceID)
	}
	return s
}
