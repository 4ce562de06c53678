package support

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stratum/awsrules"
	"stratum/config"
	"stratum/tools/cli"
)

// clock fails the test if the command reads it while -today is given.
func clock(t *testing.T) func() time.Time {
	return func() time.Time {
		t.Helper()
		t.Error("the command read the clock although -today was given")
		return time.Time{}
	}
}

// TestCommand runs `stratum support` on the real configuration on chosen
// days: its exit code and what it says.
func TestCommand(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{name: "well within support", args: []string{"-today", "2026-12-01", "-within", "60d"}, code: ExitOK,
			want: []string{
				"prod  Cluster.Version         Kubernetes (EKS)  1.35     2027-03-27             116        ok",
				"dev   Database.EngineVersion  PostgreSQL (RDS)  17       2030-02-28",
				"as of 2026-12-01, window 60 days",
				"every configured version stays in standard support beyond the window",
			},
			not: []string{"ACTION"}},
		{name: "cluster leaves support within the window", args: []string{"-today", "2027-01-26", "-within", "60d"}, code: ExitAttention,
			want: []string{
				"prod  Cluster.Version         Kubernetes (EKS)  1.35     2027-03-27             60         ending",
				`ACTION: environment "prod": Cluster.Version 1.35 leaves standard support on 2027-03-27, in 60 days: upgrade, e.g. to 1.36 (standard support until 2027-08-02)`,
				`ACTION: environment "dev": Cluster.Version 1.35`,
				"drop it from awsrules/support.go",
			},
			not: []string{"Database.EngineVersion 17"}},
		{name: "a day outside the window", args: []string{"-today", "2027-01-25", "-within", "60d"}, code: ExitOK},
		{name: "weeks", args: []string{"-today", "2027-01-26", "-within", "8w"}, code: ExitOK},
		{name: "support ended", args: []string{"-today", "2027-03-27"}, code: ExitAttention,
			want: []string{"ended", `ACTION: environment "staging": Cluster.Version 1.35 left standard support on 2027-03-27`}},
		{name: "bad window", args: []string{"-today", "2026-12-01", "-within", "two months"}, code: cli.ExitUsage,
			want: []string{`-within: "two months": want whole days, such as 60d, 8w or 1440h`}},
		{name: "bad day", args: []string{"-today", "01/12/2026"}, code: cli.ExitUsage, want: []string{"want a date YYYY-MM-DD"}},
		{name: "stray argument", args: []string{"-today", "2026-12-01", "prod"}, code: cli.ExitUsage, want: []string{`unexpected argument "prod"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, config.Environments, clock(t), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			// Compared with runs of spaces as one: the table's columns
			// are as wide as their longest cell.
			out := squeeze(stdout.String() + stderr.String())
			for _, w := range tc.want {
				if !strings.Contains(out, squeeze(w)) {
					t.Errorf("output:\n%s%s\nwant it to contain %q", stdout.String(), stderr.String(), w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, squeeze(n)) {
					t.Errorf("output:\n%s\nwant it without %q", stdout.String(), n)
				}
			}
		})
	}
}

// TestCommandUsesTheClock: without -today the day is the clock's (UTC).
func TestCommandUsesTheClock(t *testing.T) {
	now := func() time.Time { return time.Date(2027, 3, 20, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) }
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-json"}, config.Environments, now, &stdout, &stderr); code != ExitAttention {
		t.Fatalf("exit code %d, want %d: %s", code, ExitAttention, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Today != "2027-03-21" || r.WindowDays != 60 || len(r.Rows) != 2*len(config.Environments()) {
		t.Errorf("today %s, window %d, %d rows; want 2027-03-21 (UTC), 60, two per environment", r.Today, r.WindowDays, len(r.Rows))
	}
	if r.Rows[0].Status != Ending || r.Rows[0].DaysLeft != 6 {
		t.Errorf("first row %+v, want prod's cluster ending in 6 days", r.Rows[0])
	}
}

// TestCommandRefusesAnInvalidConfiguration: an unknown version is a
// validation error (exit 1), not a report.
func TestCommandRefusesAnInvalidConfiguration(t *testing.T) {
	envs := func() []config.Environment {
		e := config.Environments()
		e[0].Cluster.Version = "1.33"
		return e
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-today", "2026-12-01"}, envs, clock(t), &stdout, &stderr); code != ExitError {
		t.Errorf("exit code %d, want %d", code, ExitError)
	}
	if !strings.Contains(stderr.String(), `Cluster.Version: "1.33" is invalid`) {
		t.Errorf("stderr %q, want the validation error", stderr.String())
	}
}

func TestParseWindow(t *testing.T) {
	for in, want := range map[string]int{"60d": 60, "8w": 56, "1440h": 60, "30": 30, "0d": 0} {
		if got, err := ParseWindow(in); err != nil || got != want {
			t.Errorf("ParseWindow(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1d", "1.5d", "36h", "2mo", "d"} {
		if _, err := ParseWindow(in); err == nil {
			t.Errorf("ParseWindow(%q): want an error", in)
		}
	}
}

// squeeze collapses each line's runs of spaces into one.
func squeeze(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.Join(lines, "\n")
}

func TestDaysLeft(t *testing.T) {
	s := awsrules.Support{Version: "1.35", Ends: "2027-03-27"}
	for _, tc := range []struct {
		today string
		want  int
	}{
		{"2027-03-26", 1}, {"2027-03-27", 0}, {"2027-04-06", -10}, {"2027-01-26", 60},
	} {
		today, _ := time.Parse(time.DateOnly, tc.today)
		// The time of day does not matter.
		if got := daysLeft(s, today.Add(23*time.Hour)); got != tc.want {
			t.Errorf("daysLeft(%s) = %d, want %d", tc.today, got, tc.want)
		}
	}
}
