package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"

	"stratum/clients"
	"stratum/constructs/postgres"
	"stratum/contract"
)

// NewDatabase builds database-<client>-<env>: the PostgreSQL instance of
// one tenancy (a client in an environment) with its own keys, security
// group, backup selection, alarms and RDS event subscription, and its
// connection details exported under /stratum/<env>/databases/<client>/.
// Each client's database has its own state, so no state holds more than
// one client's data, one lock and one failed apply concern one client,
// and changing one client's entry re-synthesizes only its own stacks.
//
// An environment without clients has no database stack.
func NewDatabase(scope constructs.Construct, t clients.Tenancy) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Databases, Env: t.Env, Client: t.Client.Name})
	newDatabase(s, t)
	return s
}

// newDatabase adds the tenancy's database to s and exports its
// connection details.
func newDatabase(s *Stack, t clients.Tenancy) *postgres.Postgres {
	env, c, db, names := t.Env, t.Client, t.Database, t.Names
	// The construct id is the client's name, as it was when one stack
	// held every client's database: the addresses are unchanged, so
	// moving a client's database out of databases-<env> is a pure move
	// between states (docs/migration.md).
	pg := postgres.New(s.TF, c.Name, &postgres.Props{
		Identifier:             names.DatabaseIdentifier,
		DatabaseName:           names.DatabaseName,
		VPCID:                  contract.VPCID.Import(s.Contract, s.At()),
		SubnetIDs:              contract.DatabaseSubnetIDs.Import(s.Contract, s.At()),
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
		Backup: &postgres.BackupPlan{
			PlanID:  contract.BackupPlanID.Import(s.Contract, s.At()),
			RoleARN: contract.BackupRoleARN.Import(s.Contract, s.At()),
		},
		Tags:   map[string]string{"Client": c.Name, "CostCentre": c.CostCentre},
		Alarms: databaseAlarms(env, contract.AlarmTopicARN.Import(s.Contract, s.At())),
	})
	at := s.ClientAt(c.Name)
	contract.DatabaseEndpoint.Export(s.Contract, at, pg.Address)
	contract.DatabasePort.Export(s.Contract, at, pg.Port)
	contract.DatabaseName.Export(s.Contract, at, pg.DatabaseName)
	contract.DatabaseSecretARN.Export(s.Contract, at, pg.SecretARN)
	contract.DatabaseSecretKMSKeyARN.Export(s.Contract, at, pg.SecretKMSKeyARN)
	contract.DatabaseSecurityGroupID.Export(s.Contract, at, pg.SecurityGroupID)
	contract.DatabaseResourceID.Export(s.Contract, at, pg.ResourceID)
	return pg
}
