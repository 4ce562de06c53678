package cis

import (
	"fmt"
	"strings"
	"testing"
)

// TestControls: the Logging (3.1–3.9) and Monitoring (4.1–4.16) sections
// are complete and in order; every control is met or says why not; every
// monitoring control met by an alarm has its metric, alert and name, the
// name holding every word of its alert (so the runbook is obvious);
// metrics and names are unique.
func TestControls(t *testing.T) {
	var want []string
	for i := 1; i <= 9; i++ {
		want = append(want, fmt.Sprintf("3.%d", i))
	}
	for i := 1; i <= 16; i++ {
		want = append(want, fmt.Sprintf("4.%d", i))
	}
	if len(Controls) != len(want) {
		t.Fatalf("%d controls, want %d", len(Controls), len(want))
	}
	metrics, names := map[string]bool{}, map[string]bool{}
	for i, c := range Controls {
		if c.ID != want[i] {
			t.Errorf("control %d is %s, want %s", i, c.ID, want[i])
		}
		if section := map[bool]Section{true: Logging, false: Monitoring}[strings.HasPrefix(c.ID, "3.")]; c.Section != section || c.Title == "" {
			t.Errorf("%s: section %q title %q, want section %q and a title", c.ID, c.Section, c.Title, section)
		}
		if c.Pattern == "" && c.Meets == "" && c.OutOfScope == "" {
			t.Errorf("%s: neither met nor out of scope", c.ID)
		}
		if c.Pattern == "" {
			continue
		}
		if c.Metric == "" || c.Alert == "" || c.Name == "" || c.Summary == "" || metrics[c.Metric] || names[c.Name] {
			t.Errorf("%s: metric %q alert %q name %q summary %q: want each set, metric and name unique", c.ID, c.Metric, c.Alert, c.Name, c.Summary)
		}
		metrics[c.Metric], names[c.Name] = true, true
		for _, w := range strings.Split(c.Alert, "-") {
			if w != "audit" && !strings.Contains("-"+c.Name+"-", "-"+w+"-") {
				t.Errorf("%s: alarm name %q lacks %q of its alert %s", c.ID, c.Name, w, c.Alert)
			}
		}
	}
}

// TestTable: every control is a row of the generated table, with how it
// is met or why it is out of scope.
func TestTable(t *testing.T) {
	table := string(Table())
	for _, c := range Controls {
		if !strings.Contains(table, "| "+c.ID+" | "+c.Title+" |") {
			t.Errorf("control %s is not a row of the table", c.ID)
		}
	}
	if strings.Count(table, "\n| ") != len(Controls)+2 {
		t.Errorf("the table has %d rows, want a header, its rule and %d controls", strings.Count(table, "\n| "), len(Controls))
	}
}
