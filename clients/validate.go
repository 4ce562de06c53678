package clients

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"stratum/awsrules"
	"stratum/config"
	"stratum/contract"
)

// MaxNameLength bounds client names so that every name derived from one
// (stack, namespace, node group, bucket, IAM role, RDS identifier) stays
// within its AWS limit with room for the bucket or application name.
const MaxNameLength = 20

// Owner names a client in a FieldError.
func Owner(name string) string { return fmt.Sprintf("client %q", name) }

// StorageClasses are the S3 storage classes a lifecycle rule can move
// objects to, in the only order S3 allows transitions (the lifecycle
// "waterfall"): an object only ever moves right.
var StorageClasses = []string{"STANDARD_IA", "INTELLIGENT_TIERING", "ONEZONE_IA", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}

// minTransitionDays is how old an object must be before S3 lets a
// lifecycle rule move it to the class; S3 rejects smaller values.
var minTransitionDays = map[string]int{"STANDARD_IA": 30, "ONEZONE_IA": 30}

// infrequentAccess classes must hold an object 30 days before the next
// transition; S3 rejects a rule whose next transition comes sooner.
var infrequentAccess = []string{"STANDARD_IA", "ONEZONE_IA"}

// Accesses are the bucket accesses an application can be granted.
var Accesses = []Access{ReadOnly, ReadWrite}

// tagValue is what AWS accepts in a tag value.
var tagValue = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$`)

// Validate checks every client against the environments and returns all
// problems at once.
func Validate(all []Client, envs []config.Environment) error {
	var p config.Problems
	byName := map[string]config.Environment{}
	for _, e := range envs {
		byName[e.Name] = e
	}
	seen := map[string]int{}
	for i, c := range all {
		owner := Owner(c.Name)
		nameOK := checkName(&p, i, c.Name)
		if first, twice := seen[c.Name]; nameOK && twice {
			// Both entries have the name: say which ones, counted as a
			// person counts them.
			owner = config.EntryOwner("client", i, c.Name)
			p.Add(owner, "Name", c.Name, fmt.Sprintf("a name no other client uses (the %s is also %q)", config.Ordinal(first+1), c.Name))
		} else if nameOK {
			seen[c.Name] = i
		}
		checkTags(&p, owner, c)
		checkEnvironments(&p, owner, c, byName)
		checkBuckets(&p, owner, c)
		checkApplications(&p, owner, c)
		for j, h := range c.Owners {
			if !config.IsCodeOwner(h) {
				p.Add(owner, fmt.Sprintf("Owners[%d]", j), h, "a code owner: @org/team, @user or an email address")
			}
		}
		if nameOK {
			checkDerivedNames(&p, owner, c, byName)
		}
		validateClientStack(&p, owner, c)
	}
	validateUniqueNames(&p, all)
	validateUniqueCostCentres(&p, all)
	return p.Err()
}

// checkName: the name is the Kubernetes namespace and part of every other
// name, so it must be a DNS label and must not be a namespace Kubernetes
// or EKS owns.
func checkName(p *config.Problems, i int, name string) bool {
	owner := config.EntryOwner("client", i, name)
	switch {
	case !awsrules.IsDNSLabel(name, MaxNameLength):
		p.Add(owner, "Name", name, fmt.Sprintf(
			"a DNS label of at most %d characters: lowercase letters, digits and hyphens, starting with a letter", MaxNameLength))
	case strings.Contains(name, "--"):
		// The name is part of the client's RDS identifiers, which may not
		// contain two consecutive hyphens.
		p.Add(owner, "Name", name, "a name without two consecutive hyphens (RDS identifiers refuse them)")
	case name == "default" || strings.HasPrefix(name, "kube-"):
		p.Add(owner, "Name", name, `a name that is not a namespace Kubernetes owns ("default", "kube-*")`)
	case name == string(contract.Audit) || strings.HasPrefix(name, string(contract.Audit)+"-"):
		// The client's names would start stratum-<env>-audit-, the names
		// of the audit layer's resources, which only its deploy role may
		// change (deploy.AuditProtection).
		p.Add(owner, "Name", name, `a name that is not "audit" and does not start with "audit-": stratum-<env>-audit-* are the audit layer's names`)
	default:
		return true
	}
	return false
}

func checkTags(p *config.Problems, owner string, c Client) {
	if !tagValue.MatchString(c.DisplayName) {
		p.Add(owner, "DisplayName", c.DisplayName, "1–256 characters of letters, digits, spaces and _ . : / = + - @ (it becomes a tag value)")
	}
	if !tagValue.MatchString(c.CostCentre) {
		p.Add(owner, "CostCentre", c.CostCentre, "1–256 characters of letters, digits, spaces and _ . : / = + - @ (it becomes the CostCentre tag)")
	}
}

func checkEnvironments(p *config.Problems, owner string, c Client, envs map[string]config.Environment) {
	if len(c.Environments) == 0 {
		p.Add(owner, "Environments", c.Environments, "at least one environment: a client that exists nowhere is a mistake")
	}
	known := slices.Sorted(maps.Keys(envs))
	seen := map[string]bool{}
	for i, ce := range c.Environments {
		field := fmt.Sprintf("Environments[%d]", i)
		env, ok := envs[ce.Name]
		switch {
		case !ok:
			p.Add(owner, field+".Name", ce.Name, fmt.Sprintf("one of the configured environments %v", known))
			continue
		case seen[ce.Name]:
			p.Add(owner, field+".Name", ce.Name, "each environment once")
			continue
		}
		seen[ce.Name] = true
		field = fmt.Sprintf("Environments[%s]", ce.Name)
		if ce.Nodes != nil {
			config.CheckNodeGroup(p, owner, field+".Nodes", *ce.Nodes)
		}
		if ce.Database != nil {
			checkDatabaseSize(p, owner, field+".Database", env, *ce.Database)
		}
		if b := ce.MonthlyBudgetUSD; b < 0 || b > config.MaxBudgetUSD {
			p.Add(owner, field+".MonthlyBudgetUSD", b, fmt.Sprintf("0 (the environment's Alerts.Budget.ClientMonthlyUSD, %d) or 1–%d US dollars a month",
				env.Alerts.Budget.ClientMonthlyUSD, config.MaxBudgetUSD))
		}
	}
}

// checkDatabaseSize checks the override merged with the environment's
// defaults, as the client's database stack will use it; fields left zero are the
// environment's and are checked by config.Validate.
func checkDatabaseSize(p *config.Problems, owner, field string, env config.Environment, d DatabaseSize) {
	if d.InstanceClass != "" {
		config.CheckRDSInstanceClass(p, owner, field+".InstanceClass", d.InstanceClass)
	}
	if d.AllocatedStorageGiB != 0 || d.MaxAllocatedStorageGiB != 0 {
		merged := d.apply(env.Database)
		config.CheckStorage(p, owner, field, merged.AllocatedStorageGiB, merged.MaxAllocatedStorageGiB)
	}
	if d.BackupRetentionDays != 0 {
		config.CheckBackupRetention(p, owner, field+".BackupRetentionDays", env.Production, d.BackupRetentionDays)
	}
}

// checkItemName checks the name of item i of list (Buckets,
// Applications): a DNS label, not refused by refuse (which returns what
// is allowed instead, or ""), used once. It returns the field the item's
// other problems are reported under: by name once the name is valid.
func checkItemName(p *config.Problems, owner, list, what string, i int, name string, seen map[string]bool, refuse func(string) string) string {
	field := fmt.Sprintf("%s[%d]", list, i)
	switch {
	case !awsrules.IsDNSLabel(name, 63):
		p.Add(owner, field+".Name", name, "a DNS label: lowercase letters, digits and hyphens, starting with a letter")
	case refuse(name) != "":
		p.Add(owner, field+".Name", name, refuse(name))
	case seen[name]:
		p.Add(owner, field+".Name", name, fmt.Sprintf("a name no other %s of this client uses", what))
	default:
		field = fmt.Sprintf("%s[%s]", list, name)
	}
	seen[name] = true
	return field
}

func checkBuckets(p *config.Problems, owner string, c Client) {
	seen := map[string]bool{}
	for i, b := range c.Buckets {
		field := checkItemName(p, owner, "Buckets", "bucket", i, b.Name, seen, func(string) string { return "" })
		checkLifecycle(p, owner, field+".Lifecycle", b.Lifecycle)
	}
}

// checkLifecycle applies the rules S3 enforces on a lifecycle
// configuration, so PutBucketLifecycleConfiguration cannot fail at apply.
func checkLifecycle(p *config.Problems, owner, field string, lc Lifecycle) {
	last, lastDays := -1, 0 // index in StorageClasses and days of the previous valid transition
	for i, t := range lc.Transitions {
		f := fmt.Sprintf("%s.Transitions[%d]", field, i)
		class := slices.Index(StorageClasses, t.StorageClass)
		if class < 0 {
			p.Add(owner, f+".StorageClass", t.StorageClass, fmt.Sprintf("one of %v", StorageClasses))
			continue
		}
		if least := minTransitionDays[t.StorageClass]; t.Days < least {
			p.Add(owner, f+".Days", t.Days, fmt.Sprintf("at least %d days before %s", least, t.StorageClass))
		}
		if last >= 0 {
			prev := StorageClasses[last]
			switch {
			case class <= last:
				p.Add(owner, f+".StorageClass", t.StorageClass, fmt.Sprintf(
					"a class after %s in S3's transition order %v", prev, StorageClasses))
			case prev == "ONEZONE_IA" && t.StorageClass == "GLACIER_IR":
				p.Add(owner, f+".StorageClass", t.StorageClass, "GLACIER or DEEP_ARCHIVE: S3 cannot move ONEZONE_IA objects to GLACIER_IR")
			case slices.Contains(infrequentAccess, prev) && t.Days < lastDays+30:
				p.Add(owner, f+".Days", t.Days, fmt.Sprintf(
					"at least %d: objects must stay 30 days in %s (from day %d) before the next transition", lastDays+30, prev, lastDays))
			case t.Days <= lastDays:
				p.Add(owner, f+".Days", t.Days, fmt.Sprintf("more than the previous transition's %d days", lastDays))
			}
		}
		last, lastDays = class, t.Days
	}
	if lc.ExpirationDays < 0 {
		p.Add(owner, field+".ExpirationDays", lc.ExpirationDays, "0 (never) or a number of days")
	} else if lc.ExpirationDays > 0 && last >= 0 && lc.ExpirationDays <= lastDays {
		p.Add(owner, field+".ExpirationDays", lc.ExpirationDays, fmt.Sprintf(
			"more than the last transition's %d days (S3 rejects expiring objects before their last transition)", lastDays))
	}
	if lc.NoncurrentVersionExpirationDays < 0 {
		p.Add(owner, field+".NoncurrentVersionExpirationDays", lc.NoncurrentVersionExpirationDays, "0 (the platform default of 90) or a number of days")
	}
	if lc.AbortIncompleteUploadDays < 0 {
		p.Add(owner, field+".AbortIncompleteUploadDays", lc.AbortIncompleteUploadDays, "0 (the platform default of 7) or a number of days")
	}
}

func checkApplications(p *config.Problems, owner string, c Client) {
	buckets := map[string]bool{}
	for _, b := range c.Buckets {
		buckets[b.Name] = true
	}
	bucketNames := slices.Sorted(maps.Keys(buckets))
	seen := map[string]bool{}
	// Every pod of the namespace runs as "default" unless told otherwise:
	// IRSA on it would give all of them the role.
	notDefault := func(name string) string {
		if name == "default" {
			return `a name other than "default", the service account every pod gets implicitly`
		}
		return ""
	}
	for i, a := range c.Applications {
		field := checkItemName(p, owner, "Applications", "application", i, a.Name, seen, notDefault)
		for _, name := range slices.Sorted(maps.Keys(a.Buckets)) {
			if !buckets[name] {
				p.Add(owner, field+".Buckets", name, fmt.Sprintf("one of the client's buckets %v", bucketNames))
			}
			if access := a.Buckets[name]; !slices.Contains(Accesses, access) {
				p.Add(owner, fmt.Sprintf("%s.Buckets[%s]", field, name), string(access), fmt.Sprintf("one of %q", Accesses))
			}
		}
	}
}

// checkDerivedNames checks the AWS names built from the client's names in
// each environment it exists in. Each problem is reported once, for the
// first environment that breaks it.
func checkDerivedNames(p *config.Problems, owner string, c Client, envs map[string]config.Environment) {
	var in []string
	for _, ce := range c.Environments {
		if _, ok := envs[ce.Name]; ok {
			in = append(in, ce.Name)
		}
	}
	for _, env := range in {
		if name := c.NamesIn(env).NodeGroup; len(name) > awsrules.MaxNodeGroupNameLength {
			p.Add(owner, "Name", c.Name, fmt.Sprintf("a shorter name: node group %q is longer than %d characters", name, awsrules.MaxNodeGroupNameLength))
			break
		}
	}
	for _, b := range c.Buckets {
		if !awsrules.IsDNSLabel(b.Name, 63) {
			continue
		}
		for _, env := range in {
			name := c.NamesIn(env).Bucket(b.Name)
			if problem := awsrules.S3BucketNameProblem(name); problem != "" {
				p.Add(owner, fmt.Sprintf("Buckets[%s].Name", b.Name), b.Name,
					fmt.Sprintf("a name that keeps bucket %q valid in %s: %s", name, env, problem))
				break
			}
		}
	}
	for _, a := range c.Applications {
		if !awsrules.IsDNSLabel(a.Name, 63) {
			continue
		}
		for _, env := range in {
			if name := c.NamesIn(env).Role(a.Name); len(name) > awsrules.MaxIAMRoleNameLength {
				p.Add(owner, fmt.Sprintf("Applications[%s].Name", a.Name), a.Name,
					fmt.Sprintf("a shorter name: IAM role %q in %s is longer than %d characters", name, env, awsrules.MaxIAMRoleNameLength))
				break
			}
		}
	}
}
