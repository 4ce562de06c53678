package config

import (
	"fmt"
	"strings"

	"stratum/awsrules"
)

// Alerts is who is told when something in an environment needs a person,
// and when. Every alarm, AWS Backup job event, RDS event and budget of the
// environment notifies one encrypted SNS topic (foundation-<env>'s
// alarm-topic); the subscribers below are subscribed to it.
type Alerts struct {
	// Emails are subscribed to the topic with the email protocol. Each
	// address gets a confirmation mail from AWS and receives nothing until
	// someone follows its link (docs/runbooks/alert-routing.md).
	// Default: none.
	Emails []string
	// HTTPSEndpoints are a paging tool's SNS integration URLs, subscribed
	// with the https protocol. Default: none.
	HTTPSEndpoints []HTTPSEndpoint
	// None routes the environment's alerts to nobody, deliberately: the
	// alarms still change state in CloudWatch, but no one is told. Only
	// where DeletionProtection is off (an environment whose data is
	// protected must tell someone), and only with a NoneReason.
	// Default: false (at least one subscriber is required).
	None bool
	// NoneReason says why None is set, for the next reader of this file.
	NoneReason string
	// RunbookBaseURL is prefixed to the runbook paths alarm descriptions
	// link (RunbookPath), e.g. https://github.com/acme/stratum/blob/main/,
	// so that an alert's reader can open its runbook in one click: an
	// https:// URL ending in "/". Default: "" (descriptions give the
	// runbook's path in this repository).
	RunbookBaseURL string
	// Thresholds are when the alarms fire; zero fields take
	// DefaultThresholds' values.
	Thresholds Thresholds
	// Budget is the environment's and its clients' monthly cost budgets.
	Budget Budget
}

// HTTPSEndpoint is one paging-tool endpoint.
type HTTPSEndpoint struct {
	// URL is the endpoint, https:// only (awsrules.HTTPSEndpointProblem).
	URL string
	// AutoConfirms says the endpoint confirms the subscription itself, as
	// PagerDuty's and Opsgenie's SNS integrations do; Terraform then waits
	// for the confirmation and fails the apply if it does not come, so a
	// wrong URL is caught at once. Default: false (someone confirms the
	// subscription by hand, see docs/runbooks/alert-routing.md).
	AutoConfirms bool
}

// Thresholds are when an environment's alarms fire. Each zero field takes
// DefaultThresholds' value.
type Thresholds struct {
	// DatabaseCPUPercent: a database alarms when its CPUUtilization stays
	// above this for 15 minutes. 1–99.
	DatabaseCPUPercent int
	// DatabaseFreeStoragePercent: a database alarms when its
	// FreeStorageSpace falls below this percentage of its
	// AllocatedStorageGiB. Storage autoscaling grows the volume when free
	// space falls to 10 % of the current allocation, so below 10 % the
	// alarm fires only when autoscaling cannot help: the ceiling
	// (MaxAllocatedStorageGiB) is reached, autoscaling is in its six-hour
	// cooldown while the disk keeps filling, or autoscaling is off. The
	// warning before the ceiling is reached is RDS's own event
	// RDS-EVENT-0225 (allocated storage at 80 % of the ceiling), which the
	// database's event subscription forwards. 1–9.
	DatabaseFreeStoragePercent int
	// DatabaseFreeMemoryPercent: a database alarms when its FreeableMemory
	// stays below this percentage of its class's memory. 1–50.
	DatabaseFreeMemoryPercent int
	// DatabaseConnectionsPercent: a database alarms when its connections
	// exceed this percentage of its class's default max_connections
	// (awsrules.PostgresMaxConnections). 10–99.
	DatabaseConnectionsPercent int
	// DatabaseCPUCreditsPercent: a database of a burstable class (db.t3,
	// db.t4g) alarms when its CPUCreditBalance stays below this percentage
	// of the most its class can bank. 1–90.
	DatabaseCPUCreditsPercent int
	// NATPacketsDroppedPercent: a NAT gateway alarms when it drops more
	// than this percentage of its packets in three of five minutes
	// (AWS's recommended alarm uses 0.01). Above 0, below 100.
	NATPacketsDroppedPercent float64
}

// DefaultThresholds are the thresholds of an environment that sets none.
var DefaultThresholds = Thresholds{
	DatabaseCPUPercent:         80,
	DatabaseFreeStoragePercent: 5,
	DatabaseFreeMemoryPercent:  10,
	DatabaseConnectionsPercent: 80,
	DatabaseCPUCreditsPercent:  20,
	NATPacketsDroppedPercent:   0.01,
}

// WithDefaults returns t with every zero field set from
// DefaultThresholds.
func (t Thresholds) WithDefaults() Thresholds {
	d := DefaultThresholds
	orInt := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	orInt(&t.DatabaseCPUPercent, d.DatabaseCPUPercent)
	orInt(&t.DatabaseFreeStoragePercent, d.DatabaseFreeStoragePercent)
	orInt(&t.DatabaseFreeMemoryPercent, d.DatabaseFreeMemoryPercent)
	orInt(&t.DatabaseConnectionsPercent, d.DatabaseConnectionsPercent)
	orInt(&t.DatabaseCPUCreditsPercent, d.DatabaseCPUCreditsPercent)
	if t.NATPacketsDroppedPercent == 0 {
		t.NATPacketsDroppedPercent = d.NATPacketsDroppedPercent
	}
	return t
}

// Budget is an environment's monthly cost budgets. Each notifies the
// alert topic at 80 % and 100 % of the month's forecast cost and at 100 %
// of the actual cost. A budget filtered by a tag counts only costs AWS
// has attributed to that tag, which needs the tag to be an active cost
// allocation tag in the payer account (ActivateCostAllocationTags) and
// counts from its activation on.
type Budget struct {
	// MonthlyUSD is the environment's monthly budget in US dollars, for
	// every cost tagged Environment=<name>. At least 1.
	MonthlyUSD int
	// ClientMonthlyUSD is each client's monthly budget in the environment,
	// for every cost tagged with the client's CostCentre; a client may
	// override it (clients.Environment.MonthlyBudgetUSD). Budgets are per
	// account, so where environments share an account a client's budget
	// counts its costs in all of them. At least 1.
	ClientMonthlyUSD int
	// ActivateCostAllocationTags makes foundation-<env> activate the cost
	// allocation tags the budgets filter on (CostAllocationTags). AWS
	// accepts that only in the organization's management (payer) account,
	// or in a standalone account, and only for tag keys that have already
	// appeared in the billing data (up to 24 hours after resources carry
	// them); elsewhere activate them in the management account (see
	// docs/runbooks/budget.md). Requires AccountID, and at most one
	// environment per account may set it. Default: false.
	ActivateCostAllocationTags bool
}

// CostAllocationTags are the tag keys Stratum's budgets and cost reports
// group by: budgets filter on Environment and CostCentre, and Client and
// Project tell apart what else shares the account.
var CostAllocationTags = []string{"CostCentre", "Client", "Environment", "Project"}

// RunbookPath is where the runbook of the alert named kind (e.g.
// "db-cpu") lives in this repository.
func RunbookPath(kind string) string { return "docs/runbooks/alerts/" + kind + ".md" }

// RunbookLink is what an alert's description links for the alert kind:
// RunbookBaseURL followed by RunbookPath.
func (a Alerts) RunbookLink(kind string) string { return a.RunbookBaseURL + RunbookPath(kind) }

// Subscribers is how many endpoints the environment's alerts reach.
func (a Alerts) Subscribers() int { return len(a.Emails) + len(a.HTTPSEndpoints) }

func checkAlerts(p *Problems, owner string, e Environment) {
	a := e.Alerts
	seen := map[string]string{}
	for i, m := range a.Emails {
		field := fmt.Sprintf("Alerts.Emails[%d]", i)
		if problem := awsrules.EmailProblem(m); problem != "" {
			p.Add(owner, field, m, problem)
			continue
		}
		// Mail systems treat the domain, and in practice the whole
		// address, without regard to case.
		if other, dup := seen[strings.ToLower(m)]; dup {
			p.Add(owner, field, m, fmt.Sprintf("an address not already subscribed (%s has it)", other))
		}
		seen[strings.ToLower(m)] = field
	}
	for i, h := range a.HTTPSEndpoints {
		field := fmt.Sprintf("Alerts.HTTPSEndpoints[%d].URL", i)
		if problem := awsrules.HTTPSEndpointProblem(h.URL); problem != "" {
			p.Add(owner, field, h.URL, problem)
			continue
		}
		if other, dup := seen[h.URL]; dup {
			p.Add(owner, field, h.URL, fmt.Sprintf("an endpoint not already subscribed (%s has it)", other))
		}
		seen[h.URL] = field
	}
	switch {
	case a.None && a.Subscribers() > 0:
		p.Add(owner, "Alerts.None", a.None, "false when Alerts.Emails or Alerts.HTTPSEndpoints are set: an environment tells someone, or explicitly no one")
	case a.None && (e.DeletionProtection || e.Production):
		p.Add(owner, "Alerts.None", a.None, "false where DeletionProtection is on: an environment whose data is protected must tell someone when it is in trouble (set Alerts.Emails or Alerts.HTTPSEndpoints)")
	case a.None && strings.TrimSpace(a.NoneReason) == "":
		p.Add(owner, "Alerts.NoneReason", a.NoneReason, "why nobody is told, with Alerts.None (for example \"disposable sandbox, nobody is on call\")")
	case !a.None && a.Subscribers() == 0:
		p.Add(owner, "Alerts.Emails", a.Emails, "at least one e-mail address, or an Alerts.HTTPSEndpoints entry, or Alerts.None with Alerts.NoneReason: alerts must reach someone unless nobody is meant to be told")
	case !a.None && a.NoneReason != "":
		p.Add(owner, "Alerts.NoneReason", a.NoneReason, "empty unless Alerts.None is set")
	}
	if u := a.RunbookBaseURL; u != "" {
		if problem := awsrules.HTTPSEndpointProblem(u); problem != "" {
			p.Add(owner, "Alerts.RunbookBaseURL", u, problem)
		} else if !strings.HasSuffix(u, "/") || strings.ContainsAny(u, "?#") {
			p.Add(owner, "Alerts.RunbookBaseURL", u, `an https:// URL ending in "/" without a query, to which docs/runbooks/alerts/<alert>.md is appended`)
		}
	}
	checkThresholds(p, owner, a.Thresholds)
	checkBudget(p, owner, e)
}

func checkThresholds(p *Problems, owner string, t Thresholds) {
	for _, c := range []struct {
		field    string
		value    int
		min, max int
		why      string
	}{
		{"DatabaseCPUPercent", t.DatabaseCPUPercent, 1, 99, "percent of CPU"},
		{"DatabaseFreeStoragePercent", t.DatabaseFreeStoragePercent, 1, 9,
			"percent of the allocated storage, below the 10 % at which storage autoscaling grows the volume (the alarm is for when it cannot)"},
		{"DatabaseFreeMemoryPercent", t.DatabaseFreeMemoryPercent, 1, 50, "percent of the class's memory"},
		{"DatabaseConnectionsPercent", t.DatabaseConnectionsPercent, 10, 99, "percent of the class's default max_connections"},
		{"DatabaseCPUCreditsPercent", t.DatabaseCPUCreditsPercent, 1, 90, "percent of the CPU credits the class can bank"},
	} {
		if c.value != 0 && (c.value < c.min || c.value > c.max) {
			p.Add(owner, "Alerts.Thresholds."+c.field, c.value, fmt.Sprintf("0 (default %d) or %d–%d: %s", defaultOf(c.field), c.min, c.max, c.why))
		}
	}
	if v := t.NATPacketsDroppedPercent; v < 0 || v >= 100 {
		p.Add(owner, "Alerts.Thresholds.NATPacketsDroppedPercent", v, fmt.Sprintf("0 (default %g) or a percentage above 0 and below 100", DefaultThresholds.NATPacketsDroppedPercent))
	}
}

func defaultOf(field string) int {
	d := DefaultThresholds
	return map[string]int{
		"DatabaseCPUPercent": d.DatabaseCPUPercent, "DatabaseFreeStoragePercent": d.DatabaseFreeStoragePercent,
		"DatabaseFreeMemoryPercent": d.DatabaseFreeMemoryPercent, "DatabaseConnectionsPercent": d.DatabaseConnectionsPercent,
		"DatabaseCPUCreditsPercent": d.DatabaseCPUCreditsPercent,
	}[field]
}

// MaxBudgetUSD bounds budget limits: a typo of a few digits should not
// make a budget that never alerts.
const MaxBudgetUSD = 10_000_000

func checkBudget(p *Problems, owner string, e Environment) {
	b := e.Alerts.Budget
	if b.MonthlyUSD < 1 || b.MonthlyUSD > MaxBudgetUSD {
		p.Add(owner, "Alerts.Budget.MonthlyUSD", b.MonthlyUSD, fmt.Sprintf("1–%d US dollars a month: every environment has a budget", MaxBudgetUSD))
	}
	if b.ClientMonthlyUSD < 1 || b.ClientMonthlyUSD > MaxBudgetUSD {
		p.Add(owner, "Alerts.Budget.ClientMonthlyUSD", b.ClientMonthlyUSD, fmt.Sprintf("1–%d US dollars a month: the default budget of each client in the environment", MaxBudgetUSD))
	}
}

// checkCostAllocationTags keeps the account-wide cost allocation tags in
// one stack: two environments managing them in one account would undo
// each other's destroy.
func checkCostAllocationTags(p *Problems, envs []Environment) {
	owners := map[string]string{}
	for _, e := range envs {
		if !e.Alerts.Budget.ActivateCostAllocationTags || e.AccountID == "" {
			continue
		}
		if other, ok := owners[e.AccountID]; ok {
			p.Add(EnvironmentOwner(e.Name), "Alerts.Budget.ActivateCostAllocationTags", true,
				fmt.Sprintf("false: environment %q activates the cost allocation tags of account %s already", other, e.AccountID))
			continue
		}
		owners[e.AccountID] = e.Name
	}
}
