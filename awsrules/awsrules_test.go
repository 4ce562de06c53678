package awsrules_test

import (
	"strings"
	"testing"

	"stratum/awsrules"
)

func TestPublicIPv4Problem(t *testing.T) {
	// Public addresses, and the documentation ranges the sample
	// configuration uses as placeholders, are accepted.
	checkProblem(t, "PublicIPv4Problem", awsrules.PublicIPv4Problem,
		[]string{"8.8.8.8", "41.66.0.10", "100.128.0.1", "192.0.2.1", "198.51.100.20", "203.0.113.10"},
		map[string]string{
			"172.31.255.1":    "private (RFC 1918)",
			"192.168.1.1":     "private (RFC 1918)",
			"127.0.0.1":       "loopback",
			"169.254.169.254": "link-local",
			"100.64.0.1":      "carrier-grade NAT",
			"224.0.0.251":     "multicast",
			"0.0.0.0":         `"this network"`,
			"0.1.2.3":         `"this network"`,
			"255.255.255.255": "broadcast",
			"240.0.0.1":       "reserved",
			"198.18.0.1":      "benchmarking",
			"2001:db8::1":     "a public IPv4 address such as",
			"::ffff:8.8.8.8":  "a public IPv4 address such as",
			"008.008.008.008": "a public IPv4 address such as",
			"vpn.example.com": "a public IPv4 address such as",
			"":                "a public IPv4 address such as",
		})
}

func TestCronProblem(t *testing.T) {
	good := []string{
		"cron(0 3 * * ? *)",
		"cron(30 2 ? * SUN-FRI *)",
		"cron(0 0/6 * * ? *)",
		"cron(0 5 L * ? *)",
		"cron(0 5 15W * ? *)",
		"cron(0 5 ? * 2#1 *)",
		"cron(0 5 1 JAN,JUL ? 2026-2030)",
	}
	checkProblem(t, "CronProblem", awsrules.CronProblem, good, map[string]string{
		"rate(1 day)":              "cron(minutes",
		"cron(0 3 * * ? * *)":      "6 fields, not 7",
		"cron(0 3 * * * *)":        `"?" in exactly one`,
		"cron(0 3 ? * ? *)":        `"?" in exactly one`,
		"cron(*/5 3 * * ? *)":      "minutes",
		"cron(0/30 * * * ? *)":     "a single minute",
		"cron(0 24 * * ? *)":       "24 is outside 0-23",
		"cron(0 3 0 * ? *)":        "0 is outside 1-31",
		"cron(0 3 * 13 ? *)":       "13 is outside 1-12",
		"cron(0 3 ? * MON-FUN *)":  `"FUN" is not a number or name`,
		"cron(0 5L * * ? *)":       "hours",
		"cron(0 3 ? * 2#6 *)":      `after "#"`,
		"cron(0 3 * * ? 1969)":     "1969 is outside 1970-2199",
		"cron(0 3 */0 * ? *)":      `after "/"`,
		"cron(0 3 * * ? *":         "cron(minutes",
		"cron(0 3 1- * ? *)":       `"" is not a number`,
		"cron(0 3 * JAN-DECX ? *)": `"DECX"`,
	})
}

// checkProblem checks a problem function: "" for every good value, and
// for every bad value a problem mentioning what bad maps it to.
func checkProblem(t *testing.T, name string, problem func(string) string, good []string, bad map[string]string) {
	t.Helper()
	for _, s := range good {
		if got := problem(s); got != "" {
			t.Errorf("%s(%q) = %q, want \"\"", name, s, got)
		}
	}
	for s, want := range bad {
		if got := problem(s); got == "" || !strings.Contains(got, want) {
			t.Errorf("%s(%q) = %q, want it to mention %q", name, s, got, want)
		}
	}
}

func TestNamePredicates(t *testing.T) {
	tests := []struct {
		name  string
		check func(string) bool
		good  []string
		bad   []string
	}{
		{"EC2 instance type", awsrules.IsEC2InstanceType,
			[]string{"t3.micro", "m6i.large", "m7i-flex.2xlarge", "c7gn.16xlarge", "x2iedn.metal", "m7g.metal-48xl", "u-6tb1.112xlarge", "inf2.48xlarge"},
			[]string{"", "m6i", "m6i.", ".large", "M6I.large", "m.large", "m6i.huge", "m6i.0xlarge", "db.m6i.large", "m6i.large "}},
		{"RDS instance class", awsrules.IsRDSInstanceClass,
			[]string{"db.t4g.micro", "db.r6g.large", "db.r6gd.16xlarge", "db.x2iedn.metal"},
			[]string{"t4g.micro", "db.t4g", "db..large", "db.serverless", "db.t4g.micro.x"}},
		{"DNS name", awsrules.IsDNSName,
			[]string{"example.com", "dev.stratum.example.com", "1-2.example.io", "xn--bcher-kva.example"},
			[]string{"", "localhost", "example.com.", "Example.com", "-a.example.com", "a-.example.com", "a..example.com", "example.123", strings.Repeat("a", 64) + ".com"}},
		{"region", awsrules.IsRegion,
			[]string{"us-east-1", "eu-central-2", "ap-southeast-5", "us-gov-west-1", "cn-north-1", "il-central-1"},
			[]string{"", "us-east", "us-east-0", "US-EAST-1", "useast1", "us-middle-1"}},
		{"DynamoDB table", awsrules.IsDynamoDBTableName,
			[]string{"abc", "stratum-prod-tflock", "A.b_c-1"},
			[]string{"", "ab", "has space", "slash/table", strings.Repeat("t", 256)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range tt.good {
				if !tt.check(s) {
					t.Errorf("%q rejected, want accepted", s)
				}
			}
			for _, s := range tt.bad {
				if tt.check(s) {
					t.Errorf("%q accepted, want rejected", s)
				}
			}
		})
	}
}

func TestS3BucketNameProblem(t *testing.T) {
	checkProblem(t, "S3BucketNameProblem", awsrules.S3BucketNameProblem, []string{"abc", "stratum-prod-tfstate", "a.b-c", strings.Repeat("a", 63)}, map[string]string{
		"ab":                         "3–63",
		strings.Repeat("a", 64):      "this one has 64",
		"Upper":                      "a-z",
		"-start":                     "starting and ending",
		"end.":                       "starting and ending",
		"a..b":                       "adjacent periods",
		"192.168.1.1":                "IP address",
		"xn--abc":                    `"xn--"`,
		"sthree-x":                   `"sthree-"`,
		"amzn-s3-demo-bucket":        `"amzn-s3-demo-"`,
		"stratum-prod-acme-s3alias":  `"-s3alias"`,
		"bucket--ol-s3":              `"--ol-s3"`,
		"bucket.mrap":                `".mrap"`,
		"bucket--x-s3":               `"--x-s3"`,
		"bucket--table-s3":           `"--table-s3"`,
		"under_score":                "a-z",
		"stratum-prod-tfstate/state": "a-z",
	})
}

// TestWindowsOverlap: overlap is symmetric, windows that only touch do
// not overlap, and windows wrap past midnight and the end of the week.
func TestWindowsOverlap(t *testing.T) {
	cases := []struct {
		name                string
		backup, maintenance string
		want                bool
	}{
		{"apart", "01:00-02:00", "sun:05:00-sun:06:00", false},
		{"same hour on sunday", "05:00-06:00", "sun:05:30-sun:06:30", true},
		{"backup ends as maintenance starts", "04:00-05:00", "sun:05:00-sun:06:00", false},
		{"maintenance ends as backup starts", "06:00-07:00", "sun:05:00-sun:06:00", false},
		{"maintenance starts a minute before the backup ends", "03:00-04:00", "thu:03:59-thu:04:30", true},
		{"maintenance ends a minute after the backup starts", "03:00-04:00", "sun:02:30-sun:03:01", true},
		{"backup wraps midnight", "23:30-00:30", "mon:00:00-mon:01:00", true},
		{"maintenance fills the backup's gap exactly", "23:30-00:30", "tue:00:30-tue:23:30", false},
		{"maintenance wraps the week", "00:00-00:30", "sun:23:00-mon:00:15", true},
		{"maintenance wraps the week, backup later", "02:00-02:30", "sun:23:00-mon:01:00", false},
		{"maintenance spans days", "12:00-12:30", "sat:18:00-sun:13:00", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := awsrules.WindowsOverlap(tc.backup, tc.maintenance)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("WindowsOverlap(%q, %q) = %t, want %t", tc.backup, tc.maintenance, got, tc.want)
			}
			b, _ := awsrules.ParseBackupWindow(tc.backup)
			m, _ := awsrules.ParseMaintenanceWindow(tc.maintenance)
			if got := m.Overlaps(b); got != tc.want {
				t.Errorf("%q overlaps %q = %t, want %t (overlap is symmetric)", tc.maintenance, tc.backup, got, tc.want)
			}
		})
	}
}

func TestWindowsOverlapErrors(t *testing.T) {
	cases := map[string][2]string{
		"backup without minutes":  {"1-2", "sun:05:00-sun:06:00"},
		"backup 25 o'clock":       {"25:00-26:00", "sun:05:00-sun:06:00"},
		"maintenance unknown day": {"01:00-02:00", "sunday:05:00-sun:06:00"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := awsrules.WindowsOverlap(tc[0], tc[1]); err == nil {
				t.Errorf("WindowsOverlap(%q, %q): no error", tc[0], tc[1])
			}
		})
	}
}

func TestRDSStorage(t *testing.T) {
	cases := []struct {
		allocated, max int
		want           string // "" when accepted
	}{
		{20, 0, ""},
		{20, 22, ""},
		{20, 21, "22–65536 GiB"},
		{100, 110, ""},
		{59578, 65536, ""},
		{65536, 0, ""},
		{65536, 65536, "leaves no room"},
		{100, 70000, "110–65536 GiB"},
	}
	for _, tc := range cases {
		got := awsrules.RDSMaxAllocatedStorageProblem(tc.allocated, tc.max)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("RDSMaxAllocatedStorageProblem(%d, %d) = %q, want %q", tc.allocated, tc.max, got, tc.want)
		}
	}
	for gib, ok := range map[int]bool{19: false, 20: true, 65536: true, 65537: false} {
		if got := awsrules.RDSAllocatedStorageProblem(gib) == ""; got != ok {
			t.Errorf("RDSAllocatedStorageProblem(%d) accepted = %t, want %t", gib, got, ok)
		}
	}
}
