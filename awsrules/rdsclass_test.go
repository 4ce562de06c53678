package awsrules_test

import (
	"testing"

	"stratum/awsrules"
)

func TestLookupRDSClass(t *testing.T) {
	cases := []struct {
		class   string
		memory  float64
		credits int
	}{
		{"db.t4g.micro", 1, 288},
		{"db.t3.medium", 4, 576},
		{"db.t4g.2xlarge", 32, 4608},
		{"db.m6g.large", 8, 0},
		{"db.r6g.large", 16, 0},
		{"db.r6g.xlarge", 32, 0},
		{"db.m7g.2xlarge", 32, 0},
		{"db.r7g.16xlarge", 512, 0},
		{"db.m6i.32xlarge", 512, 0},
		{"db.r8g.48xlarge", 1536, 0},
		{"db.x2g.large", 32, 0},
	}
	for _, tc := range cases {
		t.Run(tc.class, func(t *testing.T) {
			c, ok := awsrules.LookupRDSClass(tc.class)
			if !ok {
				t.Fatalf("LookupRDSClass(%q): unknown, want known", tc.class)
			}
			if c.MemoryGiB != tc.memory || c.MaxCPUCredits != tc.credits {
				t.Errorf("LookupRDSClass(%q) = %v GiB, %d credits; want %v GiB, %d credits", tc.class, c.MemoryGiB, c.MaxCPUCredits, tc.memory, tc.credits)
			}
			if c.Burstable() != (tc.credits > 0) {
				t.Errorf("%s: Burstable() = %t, want %t", tc.class, c.Burstable(), tc.credits > 0)
			}
		})
	}
	// Shapes of real classes of other engines, sizes a family lacks and
	// retired families are all unknown.
	for _, class := range []string{"db.m7g.24xlarge", "db.r6g.32xlarge", "db.t2.micro", "db.x2iedn.metal", "db.m7i-flex.large", "db.t4g.nano", "r6g.large", "db.r6g"} {
		if _, ok := awsrules.LookupRDSClass(class); ok {
			t.Errorf("LookupRDSClass(%q): known, want unknown", class)
		}
	}
}

func TestRDSInstanceClassProblem(t *testing.T) {
	checkProblem(t, "RDSInstanceClassProblem", awsrules.RDSInstanceClassProblem,
		[]string{"db.t4g.micro", "db.r6g.large", "db.m7g.2xlarge", "db.r7i.48xlarge"},
		map[string]string{
			"r6g.large":        "db.<family>.<size>",
			"db.r6g":           "db.<family>.<size>",
			"db.x2iedn.metal":  "family Stratum knows",
			"db.r6g.32xlarge":  "in a size RDS offers",
			"db.m7i-flex.huge": "db.<family>.<size>",
		})
}

// TestPostgresMaxConnections: the estimate stays below the nominal
// LEAST(memory/9531392, 5000), so an alarm at a fraction of it fires
// before the real limit, and it reaches the 5000 cap on large classes.
func TestPostgresMaxConnections(t *testing.T) {
	cases := []struct {
		class    string
		min, max int
	}{
		{"db.t4g.micro", 70, 100},   // nominal 112, observed about 80
		{"db.t4g.medium", 380, 420}, // nominal 450, observed about 410
		{"db.r6g.large", 1500, 1700},
		{"db.r6g.4xlarge", 5000, 5000},
	}
	for _, tc := range cases {
		c, _ := awsrules.LookupRDSClass(tc.class)
		got := awsrules.PostgresMaxConnections(c)
		if got < tc.min || got > tc.max {
			t.Errorf("PostgresMaxConnections(%s) = %d, want %d–%d", tc.class, got, tc.min, tc.max)
		}
		if nominal := int(c.MemoryGiB * (1 << 30) / 9531392); got > nominal {
			t.Errorf("PostgresMaxConnections(%s) = %d, above the nominal %d", tc.class, got, nominal)
		}
	}
}
