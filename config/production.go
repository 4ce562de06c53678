package config

import "fmt"

// ProdName is the name of the environment that must be a production one:
// an environment called prod without Production would be deployed with
// none of the protections below. No protection keys on the name.
const ProdName = "prod"

// ProductionMinBackupRetentionDays is the policy minimum of RDS automated
// backup retention in a production environment: two weeks of
// point-in-time recovery.
const ProductionMinBackupRetentionDays = 14

// checkProduction refuses a production environment that lacks any
// production protection, so that a second production environment (a new
// region, say) cannot silently skip one. The backup retention minimum is
// CheckBackupRetention's, which client overrides share.
func checkProduction(p *Problems, owner string, e Environment) {
	if e.Name == ProdName && !e.Production {
		p.Add(owner, "Production", e.Production, fmt.Sprintf("true: the environment named %q is a production environment", ProdName))
	}
	if !e.Production {
		return
	}
	if !e.DeletionProtection {
		p.Add(owner, "DeletionProtection", e.DeletionProtection, "true in production: production data must not be destroyable by one apply")
	}
	if e.Cluster.BreakGlassRoleARN == "" {
		p.Add(owner, "Cluster.BreakGlassRoleARN", e.Cluster.BreakGlassRoleARN,
			"a break-glass role in production: cluster-admin for when the deploy role or its pipeline is unavailable (docs/cluster-access.md)")
	}
	if !e.State.CustomerManagedKey {
		p.Add(owner, "State.CustomerManagedKey", e.State.CustomerManagedKey, "true in production: production state is encrypted with a key the environment owns")
	}
	if e.Network.NAT != NATPerAZ {
		p.Add(owner, "Network.NAT", string(e.Network.NAT), fmt.Sprintf("%q in production: one zone's failure must not cut the others' egress", NATPerAZ))
	}
	const hardToLose = "true in production: production data must be hard to lose"
	if !e.Database.MultiAZ {
		p.Add(owner, "Database.MultiAZ", e.Database.MultiAZ, hardToLose)
	}
	if !e.Database.PreventDestroy {
		p.Add(owner, "Database.PreventDestroy", e.Database.PreventDestroy, hardToLose)
	}
	if e.Backup.CopyRegion == "" {
		p.Add(owner, "Backup.CopyRegion", e.Backup.CopyRegion,
			"a second region in production: recovery points must survive the loss of the environment's region")
	}
	if len(e.Cluster.PublicAccessCIDRs) > 0 {
		p.Add(owner, "Cluster.PublicAccessCIDRs", e.Cluster.PublicAccessCIDRs,
			"empty in production: a production cluster's API is reachable only privately (from the VPC or over the VPN)")
	}
	if e.Database.SkipFinalSnapshot {
		p.Add(owner, "Database.SkipFinalSnapshot", e.Database.SkipFinalSnapshot, "false in production: production keeps a final snapshot")
	}
}
