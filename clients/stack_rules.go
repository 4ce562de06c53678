package clients

import (
	"fmt"
	"regexp"

	"stratum/config"
)

// Rules that come from what the client stacks build: the namespace quota,
// the load balancer port of an application, the names reserved for the
// client's own resources, and names that must not collide across clients.

// quantity is a Kubernetes resource quantity without exponent forms.
var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// validateClientStack checks the client's quota overrides and what its
// applications declare for the client stack.
func validateClientStack(p *config.Problems, owner string, c Client) {
	for _, e := range c.Environments {
		q := e.Quota
		if q == nil {
			continue
		}
		field := fmt.Sprintf("Environments[%s].Quota", e.Name)
		if q.Pods < 0 {
			p.Add(owner, field+".Pods", q.Pods, "0 (default) or more")
		}
		if q.StorageGiB < 0 {
			p.Add(owner, field+".StorageGiB", q.StorageGiB, "0 (default) or more")
		}
		if q.LoadBalancers < 0 {
			p.Add(owner, field+".LoadBalancers", q.LoadBalancers, "0 (the environment's Cluster.ClientLoadBalancers) or more")
		}
		for _, f := range []struct{ name, value string }{{"CPU", q.CPU}, {"Memory", q.Memory}} {
			if f.value != "" && !quantity.MatchString(f.value) {
				p.Add(owner, field+"."+f.name, f.value, `a Kubernetes quantity such as "16", "500m" or "64Gi"`)
			}
		}
	}
	for _, b := range c.Buckets {
		if b.Name == KeyName {
			p.Add(owner, "Buckets", b.Name, fmt.Sprintf("any name but %q, which names the key of the client's buckets", KeyName))
		}
	}
	for _, a := range c.Applications {
		if a.Name == NodesName {
			p.Add(owner, "Applications", a.Name, fmt.Sprintf("any name but %q, which names the client's node role", NodesName))
		}
		if a.Port < 0 || a.Port > 65535 {
			p.Add(owner, fmt.Sprintf("Applications[%s].Port", a.Name), a.Port, "0 (not exposed) or a port 1-65535")
		}
	}
}

// validateUniqueNames refuses two clients whose AWS names collide, which
// happens when one client's name extends another's ("ezra" with an
// application "labs-api" and "ezra-labs" with an application "api" would
// both own the role stratum-<env>-ezra-labs-api).
func validateUniqueNames(p *config.Problems, all []Client) {
	owners := map[string]string{}
	for _, c := range all {
		for _, e := range c.Environments {
			for _, n := range c.NamesIn(e.Name).aws(c) {
				if other, taken := owners[n]; taken && other != c.Name {
					p.Add(fmt.Sprintf("client %q", c.Name), "Name", c.Name,
						fmt.Sprintf("names that do not collide with client %q's: both would own %s", other, n))
				}
				owners[n] = c.Name
			}
		}
	}
}

// validateUniqueCostCentres refuses two clients with one cost centre: each
// client's budget counts every cost tagged with its CostCentre, so both
// budgets would count both clients.
func validateUniqueCostCentres(p *config.Problems, all []Client) {
	owners := map[string]string{}
	for _, c := range all {
		if other, taken := owners[c.CostCentre]; taken && c.CostCentre != "" {
			p.Add(Owner(c.Name), "CostCentre", c.CostCentre,
				fmt.Sprintf("a cost centre no other client uses (client %q uses it): each client's budget counts the costs tagged with its cost centre", other))
			continue
		}
		owners[c.CostCentre] = c.Name
	}
}
