package awsrules_test

import (
	"testing"
	"time"

	"stratum/awsrules"
)

// TestSupportTables: every entry's end is a date, versions are unique and
// oldest first, and their ends follow the same order, so Newest is the
// one to upgrade to.
func TestSupportTables(t *testing.T) {
	for _, table := range []awsrules.SupportTable{awsrules.KubernetesSupport, awsrules.PostgresSupport} {
		t.Run(table.Engine, func(t *testing.T) {
			if _, err := time.Parse(time.DateOnly, table.AsOf); err != nil || table.Source == "" {
				t.Errorf("AsOf %q / Source %q: want a date and the AWS page", table.AsOf, table.Source)
			}
			if len(table.Versions) == 0 {
				t.Fatal("no versions")
			}
			var last time.Time
			seen := map[string]bool{}
			for _, s := range table.Versions {
				end, err := time.Parse(time.DateOnly, s.Ends)
				if err != nil {
					t.Errorf("%s: end %q: %v", s.Version, s.Ends, err)
					continue
				}
				if !end.After(last) {
					t.Errorf("%s: ends %s, not after the older version's %s", s.Version, s.Ends, last.Format(time.DateOnly))
				}
				if seen[s.Version] {
					t.Errorf("%s twice", s.Version)
				}
				seen[s.Version], last = true, end
			}
		})
	}
}

func TestPostgresVersionProblem(t *testing.T) {
	checkProblem(t, "PostgresVersionProblem", awsrules.PostgresVersionProblem,
		[]string{"14", "17", "17.4", "18.1"},
		map[string]string{
			"13":   "majors [14 15 16 17 18]",
			"19":   "majors [14 15 16 17 18]",
			"17.x": "as \"17\" or \"17.x\"",
			"":     "RDS standard support",
		})
}
