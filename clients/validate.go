package clients

import (
	"fmt"
	"regexp"
	"sort"

	"stratum/config"
)

// Validate checks every client against the environments and returns all
// problems at once.
func Validate(all []Client, envs []config.Environment) error {
	var p config.Problems
	known := map[string]bool{}
	for _, e := range envs {
		known[e.Name] = true
	}
	seen := map[string]bool{}
	for i, c := range all {
		owner := fmt.Sprintf("client %q", c.Name)
		if !config.IsDNSLabel(c.Name, 20) {
			p.Add(fmt.Sprintf("client #%d", i), "Name", c.Name, "a DNS label of at most 20 characters: lowercase letters, digits and hyphens, starting with a letter")
		}
		if seen[c.Name] {
			p.Add(owner, "Name", c.Name, "a name no other client uses")
		}
		seen[c.Name] = true
		for _, e := range c.Environments {
			if !known[e.Name] {
				p.Add(owner, "Environments", e.Name, fmt.Sprintf("one of %v", config.EnvironmentNames))
			}
		}
		validateResources(&p, owner, c)
	}
	validateUniqueNames(&p, all)
	return p.Err()
}

// validateUniqueNames refuses two clients whose AWS names collide, which
// happens when one client's name extends another's ("ezra" with an
// application "labs-api" and "ezra-labs" with an application "api" would
// both own the role stratum-<env>-ezra-labs-api).
func validateUniqueNames(p *config.Problems, all []Client) {
	owners := map[string]string{}
	for _, c := range all {
		for _, e := range c.Environments {
			names := []string{c.Prefix(e.Name), c.RoleName(e.Name, NodesName), c.Prefix(e.Name) + "-buckets"}
			for _, b := range c.Buckets {
				names = append(names, c.BucketName(e.Name, b.Name))
			}
			for _, a := range c.Applications {
				names = append(names, c.RoleName(e.Name, a.Name))
			}
			for _, n := range names {
				if other, taken := owners[n]; taken && other != c.Name {
					p.Add(fmt.Sprintf("client %q", c.Name), "Name", c.Name,
						fmt.Sprintf("names that do not collide with client %q's: both would own %s", other, n))
				}
				owners[n] = c.Name
			}
		}
	}
}

// StorageClasses are the S3 storage classes a lifecycle transition may
// move objects to.
var StorageClasses = []string{"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

// quantity is a Kubernetes resource quantity without exponent forms.
var quantity = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// validateResources checks what the client stacks build from c: the
// environments' overrides, the buckets and their lifecycle, and the
// applications, including that every AWS name built from them fits.
func validateResources(p *config.Problems, owner string, c Client) {
	envs := map[string]bool{}
	for _, e := range c.Environments {
		if envs[e.Name] {
			p.Add(owner, "Environments", e.Name, "each environment once")
		}
		envs[e.Name] = true
		field := fmt.Sprintf("Environments[%s]", e.Name)
		if n := e.Nodes; n != nil {
			if len(n.InstanceTypes) == 0 {
				p.Add(owner, field+".Nodes.InstanceTypes", n.InstanceTypes, "at least one EC2 instance type")
			}
			if n.MinSize < 0 || n.MinSize > n.DesiredSize || n.DesiredSize > n.MaxSize || n.MaxSize < 1 {
				p.Add(owner, field+".Nodes", fmt.Sprintf("min %d, desired %d, max %d", n.MinSize, n.DesiredSize, n.MaxSize), "0 <= MinSize <= DesiredSize <= MaxSize, MaxSize >= 1")
			}
			if n.DiskSizeGiB < 20 {
				p.Add(owner, field+".Nodes.DiskSizeGiB", n.DiskSizeGiB, "at least 20 (the EKS AMI needs it)")
			}
		}
		if q := e.Quota; q != nil {
			if q.Pods < 0 {
				p.Add(owner, field+".Quota.Pods", q.Pods, "0 (default) or more")
			}
			if q.StorageGiB < 0 {
				p.Add(owner, field+".Quota.StorageGiB", q.StorageGiB, "0 (default) or more")
			}
			for _, f := range []struct{ name, value string }{{"CPU", q.CPU}, {"Memory", q.Memory}} {
				if f.value != "" && !quantity.MatchString(f.value) {
					p.Add(owner, field+".Quota."+f.name, f.value, `a Kubernetes quantity such as "16", "500m" or "64Gi"`)
				}
			}
		}
	}

	buckets := map[string]bool{}
	for _, b := range c.Buckets {
		field := fmt.Sprintf("Buckets[%s]", b.Name)
		if !config.IsDNSLabel(b.Name, 63) {
			p.Add(owner, "Buckets", b.Name, "a DNS label: lowercase letters, digits and hyphens, starting with a letter")
		}
		if buckets[b.Name] {
			p.Add(owner, "Buckets", b.Name, "a name no other bucket of the client uses")
		}
		buckets[b.Name] = true
		for _, e := range c.Environments {
			if n := c.BucketName(e.Name, b.Name); len(n) > 63 {
				p.Add(owner, field+".Name", b.Name, fmt.Sprintf("a shorter name: the S3 bucket name %s has %d characters, at most 63 are allowed", n, len(n)))
			}
		}
		validateLifecycle(p, owner, field+".Lifecycle", b.Lifecycle)
	}

	apps := map[string]bool{}
	for _, a := range c.Applications {
		field := fmt.Sprintf("Applications[%s]", a.Name)
		switch {
		case !config.IsDNSLabel(a.Name, 63):
			p.Add(owner, "Applications", a.Name, "a DNS label: lowercase letters, digits and hyphens, starting with a letter")
		case a.Name == NodesName:
			p.Add(owner, "Applications", a.Name, fmt.Sprintf("any name but %q, which names the client's node group role", NodesName))
		case apps[a.Name]:
			p.Add(owner, "Applications", a.Name, "a name no other application of the client uses")
		}
		apps[a.Name] = true
		for _, e := range c.Environments {
			if n := c.RoleName(e.Name, a.Name); len(n) > 64 {
				p.Add(owner, field+".Name", a.Name, fmt.Sprintf("a shorter name: the IAM role name %s has %d characters, at most 64 are allowed", n, len(n)))
			}
		}
		names := make([]string, 0, len(a.Buckets))
		for name := range a.Buckets {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !buckets[name] {
				p.Add(owner, field+".Buckets", name, fmt.Sprintf("one of the client's buckets %v", bucketNames(c)))
			}
			if acc := a.Buckets[name]; acc != ReadOnly && acc != ReadWrite {
				p.Add(owner, field+".Buckets["+name+"]", string(acc), fmt.Sprintf("%q or %q", ReadOnly, ReadWrite))
			}
		}
		if a.Port < 0 || a.Port > 65535 {
			p.Add(owner, field+".Port", a.Port, "0 (not exposed) or a port 1-65535")
		}
	}
}

func validateLifecycle(p *config.Problems, owner, field string, lc Lifecycle) {
	last := 0
	for i, t := range lc.Transitions {
		tf := fmt.Sprintf("%s.Transitions[%d]", field, i)
		if !contains(StorageClasses, t.StorageClass) {
			p.Add(owner, tf+".StorageClass", t.StorageClass, fmt.Sprintf("one of %v", StorageClasses))
		}
		if t.Days <= last {
			p.Add(owner, tf+".Days", t.Days, fmt.Sprintf("more than %d (transitions in increasing order of days)", last))
		}
		if (t.StorageClass == "STANDARD_IA" || t.StorageClass == "ONEZONE_IA") && t.Days < 30 {
			p.Add(owner, tf+".Days", t.Days, "at least 30 for "+t.StorageClass+" (an S3 rule)")
		}
		last = t.Days
	}
	if lc.ExpirationDays < 0 || (lc.ExpirationDays > 0 && lc.ExpirationDays <= last) {
		p.Add(owner, field+".ExpirationDays", lc.ExpirationDays, fmt.Sprintf("0 (never) or more than the last transition's %d days", last))
	}
	if lc.NoncurrentVersionExpirationDays < 0 {
		p.Add(owner, field+".NoncurrentVersionExpirationDays", lc.NoncurrentVersionExpirationDays, "0 (default) or more")
	}
	if lc.AbortIncompleteUploadDays < 0 {
		p.Add(owner, field+".AbortIncompleteUploadDays", lc.AbortIncompleteUploadDays, "0 (default) or more")
	}
}

func bucketNames(c Client) []string {
	var out []string
	for _, b := range c.Buckets {
		out = append(out, b.Name)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
