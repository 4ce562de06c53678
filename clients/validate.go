package clients

import (
	"fmt"
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
		validateClientStack(&p, owner, c)
	}
	validateUniqueNames(&p, all)
	return p.Err()
}

// StorageClasses are the S3 storage classes a lifecycle transition may
// move objects to.
var StorageClasses = []string{"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

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
