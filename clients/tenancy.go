package clients

import "stratum/config"

// Tenancy is a client in one environment, resolved once: the environment's
// defaults with the client's overrides applied, and the names of the
// client's resources there. The stacks build a client's resources from it
// and nothing else, and Validate checks the same merged values.
type Tenancy struct {
	Client Client
	Env    config.Environment
	// Nodes is the client's node group: its override, or else the
	// environment's ClientNodes.
	Nodes config.NodeGroup
	// Database is the environment's Database with the client's override
	// applied.
	Database config.Database
	// Quota is DefaultQuota, with the environment's
	// Cluster.ClientLoadBalancers, and the client's override applied.
	Quota Quota
	// Domain is the DNS name the client's Ingresses and Services may
	// claim, it and the names under it (Subdomain).
	Domain string
	// MonthlyBudgetUSD is the client's monthly budget in Env: its
	// override, or else the environment's Alerts.Budget.ClientMonthlyUSD.
	MonthlyBudgetUSD int
	// Names are the names of the client's resources in Env.
	Names Names
}

// In resolves the client in env; ok is false when the client does not
// list env.
func (c Client) In(env config.Environment) (t Tenancy, ok bool) {
	settings, ok := c.settingsIn(env.Name)
	if !ok {
		return Tenancy{}, false
	}
	nodes := env.Cluster.ClientNodes
	if settings.Nodes != nil {
		nodes = *settings.Nodes
	}
	budget := env.Alerts.Budget.ClientMonthlyUSD
	override(&budget, settings.MonthlyBudgetUSD)
	return Tenancy{
		Client:   c,
		Env:      env,
		Nodes:    nodes,
		Database: settings.Database.apply(env.Database),
		Quota:    settings.Quota.apply(defaultQuota(env)),
		Domain:   Subdomain(c.Name, env.Domain),
		Names:    c.NamesIn(env.Name),

		MonthlyBudgetUSD: budget,
	}, true
}

// Tenancies resolves every client of all that lists env, in slice order.
func Tenancies(all []Client, env config.Environment) []Tenancy {
	var out []Tenancy
	for _, c := range all {
		if t, ok := c.In(env); ok {
			out = append(out, t)
		}
	}
	return out
}

// settingsIn returns what the client says about the environment named env.
func (c Client) settingsIn(env string) (Environment, bool) {
	for _, e := range c.Environments {
		if e.Name == env {
			return e, true
		}
	}
	return Environment{}, false
}

// apply returns base with the override's non-zero fields; a nil override
// keeps base.
func (o *DatabaseSize) apply(base config.Database) config.Database {
	d := base
	if o != nil {
		override(&d.InstanceClass, o.InstanceClass)
		override(&d.AllocatedStorageGiB, o.AllocatedStorageGiB)
		override(&d.MaxAllocatedStorageGiB, o.MaxAllocatedStorageGiB)
		override(&d.BackupRetentionDays, o.BackupRetentionDays)
	}
	return d
}

// apply returns base with the override's non-zero fields; a nil override
// keeps base.
func (o *Quota) apply(base Quota) Quota {
	q := base
	if o != nil {
		override(&q.Pods, o.Pods)
		override(&q.CPU, o.CPU)
		override(&q.Memory, o.Memory)
		override(&q.StorageGiB, o.StorageGiB)
		override(&q.LoadBalancers, o.LoadBalancers)
	}
	return q
}

// override sets *field to v unless v is the zero value: an override a
// client leaves out keeps the default.
func override[T comparable](field *T, v T) {
	var zero T
	if v != zero {
		*field = v
	}
}

// defaultQuota is DefaultQuota in env.
func defaultQuota(env config.Environment) Quota {
	q := DefaultQuota
	q.LoadBalancers = env.Cluster.ClientLoadBalancers
	return q
}
