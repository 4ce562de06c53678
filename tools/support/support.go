// Package support is `stratum support`: it checks the configured
// Kubernetes and PostgreSQL versions against awsrules' support tables on a
// given day and says which leave AWS standard support within a window.
// Validation accepts any version of the tables and never reads the clock;
// this check is the one that does, run by a scheduled CI job (the
// generated pipelines' support job) rather than by unit tests, so a
// calendar date never turns a build red by itself.
package support

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"stratum/awsrules"
	"stratum/config"
	"stratum/tools/cli"
)

// Status is what a configured version's support looks like on the day.
type Status string

const (
	// OK: standard support lasts beyond the window.
	OK Status = "ok"
	// Ending: standard support ends within the window.
	Ending Status = "ending"
	// Ended: standard support has ended.
	Ended Status = "ended"
	// Unknown: the version is not in the table (validation refuses it).
	Unknown Status = "unknown"
)

// Row is one configured version in one environment.
type Row struct {
	Environment string `json:"environment"`
	// Field is the configuration field, e.g. Cluster.Version.
	Field   string `json:"field"`
	Engine  string `json:"engine"`
	Version string `json:"version"`
	// Ends is the first day outside standard support ("" if Unknown).
	Ends     string `json:"ends,omitempty"`
	DaysLeft int    `json:"days_left"`
	Status   Status `json:"status"`
	// UpgradeTo is the table's newest version when Status is not OK.
	UpgradeTo string `json:"upgrade_to,omitempty"`
}

// Report is the check of every environment on Today.
type Report struct {
	Today      string `json:"today"`
	WindowDays int    `json:"window_days"`
	Rows       []Row  `json:"versions"`
}

// Attention reports whether a version needs an upgrade soon (or now).
func (r Report) Attention() bool {
	for _, row := range r.Rows {
		if row.Status != OK {
			return true
		}
	}
	return false
}

// Check checks each environment's cluster and database versions on today
// with a window of windowDays.
func Check(envs []config.Environment, today time.Time, windowDays int) Report {
	r := Report{Today: today.Format(time.DateOnly), WindowDays: windowDays}
	for _, env := range envs {
		r.Rows = append(r.Rows,
			row(env.Name, "Cluster.Version", env.Cluster.Version, env.Cluster.Version, awsrules.KubernetesSupport, today, windowDays),
			row(env.Name, "Database.EngineVersion", env.Database.EngineVersion, awsrules.PostgresMajor(env.Database.EngineVersion), awsrules.PostgresSupport, today, windowDays))
	}
	return r
}

func row(env, field, configured, version string, table awsrules.SupportTable, today time.Time, window int) Row {
	r := Row{Environment: env, Field: field, Engine: table.Engine, Version: configured, Status: Unknown}
	s, ok := table.Find(version)
	if ok {
		r.Ends, r.DaysLeft = s.Ends, daysLeft(s, today)
		switch {
		case r.DaysLeft <= 0:
			r.Status = Ended
		case r.DaysLeft <= window:
			r.Status = Ending
		default:
			r.Status = OK
		}
	}
	if newest := table.Newest(); r.Status != OK && newest.Version != version {
		r.UpgradeTo = fmt.Sprintf("%s (standard support until %s)", newest.Version, newest.Ends)
	}
	return r
}

// Write prints the report as a table followed by what to do.
func (r Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tFIELD\tENGINE\tVERSION\tSTANDARD SUPPORT ENDS\tDAYS LEFT\tSTATUS")
	for _, row := range r.Rows {
		ends, days := row.Ends, strconv.Itoa(row.DaysLeft)
		if row.Status == Unknown {
			ends, days = "not in the support table", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row.Environment, row.Field, row.Engine, row.Version, ends, days, row.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nas of %s, window %d days (support tables: awsrules, checked %s and %s)\n",
		r.Today, r.WindowDays, awsrules.KubernetesSupport.AsOf, awsrules.PostgresSupport.AsOf)
	if !r.Attention() {
		_, err := fmt.Fprintln(w, "every configured version stays in standard support beyond the window")
		return err
	}
	for _, row := range r.Rows {
		var what string
		switch row.Status {
		case Ending:
			what = fmt.Sprintf("leaves standard support on %s, in %d days", row.Ends, row.DaysLeft)
		case Ended:
			what = fmt.Sprintf("left standard support on %s", row.Ends)
		case Unknown:
			what = "is not in the support table (validation refuses it)"
		default:
			continue
		}
		fmt.Fprintf(w, "ACTION: environment %q: %s %s %s", row.Environment, row.Field, row.Version, what)
		if row.UpgradeTo != "" {
			fmt.Fprintf(w, ": upgrade, e.g. to %s", row.UpgradeTo)
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, "upgrade in config/environments.go; once nothing uses an ended version, drop it from awsrules/support.go")
	return err
}

// Exit codes, as CI branches on them (like terraform plan
// -detailed-exitcode); a usage error (a bad -within or -today) is
// cli.ExitUsage, never one of these.
const (
	ExitOK        = cli.ExitOK
	ExitError     = cli.ExitFailure
	ExitAttention = cli.ExitChanges
)

// ParseWindow parses a window of whole days: "60d", "8w", "1440h" or "60"
// (days).
func ParseWindow(s string) (int, error) {
	units := map[string]int{"d": 1, "w": 7}
	n, unit := s, "d"
	for u := range units {
		if strings.HasSuffix(s, u) {
			n, unit = strings.TrimSuffix(s, u), u
		}
	}
	if strings.HasSuffix(s, "h") {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d%(24*time.Hour) != 0 {
			return 0, fmt.Errorf("%q: want whole days, such as 60d, 8w or 1440h", s)
		}
		return int(d / (24 * time.Hour)), nil
	}
	v, err := strconv.Atoi(n)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q: want whole days, such as 60d, 8w or 1440h", s)
	}
	return v * units[unit], nil
}

// endDate is s.Ends as a time (midnight UTC).
func endDate(s awsrules.Support) time.Time {
	d, err := time.Parse(time.DateOnly, s.Ends)
	if err != nil {
		// The tables are literals checked by awsrules' TestSupportTables.
		panic(fmt.Sprintf("support: support of %s: end %q is not a date: %v", s.Version, s.Ends, err))
	}
	return d
}

// daysLeft is how many days of standard support s has left on today (a
// date; its time of day is ignored): 1 on the last day of support, and 0
// or less once support has ended.
func daysLeft(s awsrules.Support, today time.Time) int {
	t := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	return int(endDate(s).Sub(t).Hours() / 24)
}
