package awsrules

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// RDSClass is what Stratum needs to know of an RDS for PostgreSQL instance
// class to alarm on it: its memory (FreeableMemory and the default
// max_connections are relative to it) and, for burstable classes, how
// many CPU credits it can bank.
type RDSClass struct {
	// Name is the class, e.g. db.r6g.large.
	Name string
	// MemoryGiB is the class's memory as AWS lists it.
	MemoryGiB float64
	// MaxCPUCredits is the largest CPU credit balance a burstable class
	// (db.t3, db.t4g) accrues: 24 hours of the credits it earns per hour.
	// 0 for classes that do not burst.
	MaxCPUCredits int
}

// Burstable reports whether the class runs on CPU credits.
func (c RDSClass) Burstable() bool { return c.MaxCPUCredits > 0 }

// rdsFamily is one family of RDS instance classes: memory per vCPU and
// the sizes RDS for PostgreSQL offers in it.
type rdsFamily struct {
	gibPerVCPU float64
	sizes      []string
}

// vCPUs of each size above medium, the same in every family below.
var sizeVCPUs = map[string]float64{
	"large": 2, "xlarge": 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48,
	"16xlarge": 64, "24xlarge": 96, "32xlarge": 128, "48xlarge": 192,
}

var (
	graviton     = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"}
	graviton4    = append(slices.Clone(graviton), "24xlarge", "48xlarge")
	intel5       = []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"}
	intel6       = append(slices.Clone(intel5), "32xlarge")
	intel7       = append(slices.Clone(intel5), "48xlarge")
	burstSizes   = []string{"micro", "small", "medium", "large", "xlarge", "2xlarge"}
	burstMemory  = map[string]float64{"micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32}
	burstCredits = map[string]int{"micro": 12, "small": 24, "medium": 24, "large": 36, "xlarge": 96, "2xlarge": 192}
)

// rdsFamilies are the current-generation RDS for PostgreSQL families
// (Amazon RDS User Guide, "DB instance class types" and "Supported DB
// engines for DB instance classes", as of 2026-11-25): general purpose
// (m, 4 GiB per vCPU), memory optimized (r, 8 GiB; x2g, 16 GiB). The
// burstable db.t3 and db.t4g are listed in burstMemory. A class missing
// here fails validation (RDSInstanceClassProblem): add it with its
// memory from the AWS list rather than guess.
var rdsFamilies = map[string]rdsFamily{
	"m5": {4, intel5}, "m5d": {4, intel5},
	"m6g": {4, graviton}, "m6gd": {4, graviton},
	"m6i": {4, intel6}, "m6id": {4, intel6},
	"m7g": {4, graviton}, "m7i": {4, intel7},
	"m8g": {4, graviton4},
	"r5":  {8, intel5}, "r5b": {8, intel5}, "r5d": {8, intel5},
	"r6g": {8, graviton}, "r6gd": {8, graviton},
	"r6i": {8, intel6}, "r6id": {8, intel6},
	"r7g": {8, graviton}, "r7i": {8, intel7},
	"r8g": {8, graviton4},
	"x2g": {16, graviton},
}

var burstFamilies = []string{"t3", "t4g"}

// LookupRDSClass returns what Stratum knows of class, and false for a
// class it does not know.
func LookupRDSClass(class string) (RDSClass, bool) {
	rest, ok := strings.CutPrefix(class, "db.")
	if !ok {
		return RDSClass{}, false
	}
	family, size, ok := strings.Cut(rest, ".")
	if !ok {
		return RDSClass{}, false
	}
	if slices.Contains(burstFamilies, family) {
		mem, ok := burstMemory[size]
		if !ok {
			return RDSClass{}, false
		}
		return RDSClass{Name: class, MemoryGiB: mem, MaxCPUCredits: 24 * burstCredits[size]}, true
	}
	f, ok := rdsFamilies[family]
	if !ok || !slices.Contains(f.sizes, size) {
		return RDSClass{}, false
	}
	return RDSClass{Name: class, MemoryGiB: f.gibPerVCPU * sizeVCPUs[size]}, true
}

// RDSClassFamilies lists the families LookupRDSClass knows, for messages.
func RDSClassFamilies() []string {
	out := slices.Clone(burstFamilies)
	for f := range rdsFamilies {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// RDSInstanceClassProblem returns "" if s is an RDS for PostgreSQL class
// whose memory Stratum knows, and otherwise what is allowed. The alarms
// of every database are relative to the class's memory, so an unknown
// class is refused before anything is synthesized.
func RDSInstanceClassProblem(s string) string {
	if !IsRDSInstanceClass(s) {
		return "an RDS instance class db.<family>.<size> such as db.t4g.medium or db.r6g.large"
	}
	if _, ok := LookupRDSClass(s); !ok {
		return fmt.Sprintf("an RDS for PostgreSQL class of a family Stratum knows the memory of, in a size RDS offers: db.<family>.<size> with family one of %v (awsrules/rdsclass.go lists them)",
			RDSClassFamilies())
	}
	return ""
}

// postgresBytesPerConnection is the divisor of RDS for PostgreSQL's
// default max_connections, LEAST({DBInstanceClassMemory/9531392}, 5000).
const postgresBytesPerConnection = 9531392

// PostgresMaxConnections estimates the default max_connections of an RDS
// for PostgreSQL instance of the class: LEAST(DBInstanceClassMemory /
// 9531392, 5000). DBInstanceClassMemory is the class's memory less what
// RDS reserves for the operating system and its own processes, which AWS
// does not publish; the estimate assumes 10 % of the memory and at least
// 256 MiB are reserved, a little more than observed, so that an alarm at
// a fraction of the estimate fires before the real limit rather than
// after it.
func PostgresMaxConnections(c RDSClass) int {
	memory := c.MemoryGiB * (1 << 30)
	reserved := math.Max(memory/10, 256*(1<<20))
	return int(math.Min(math.Floor((memory-reserved)/postgresBytesPerConnection), 5000))
}
