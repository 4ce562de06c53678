// Command shares reports how a synthesis spreads each environment over
// its states (package stateshare): per environment its stacks and
// resources and the largest stack's share, and every stack holding more
// than one client's data. It exits 1 when a stack holds several clients'
// data or a largest share exceeds -max. scripts/bench-scale runs it on
// its 100-client synthesis.
//
//	shares [-max 0.15] DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"stratum/tools/stateshare"
)

func main() {
	maxShare := flag.Float64("max", 0.15, "the largest share of its environment's resources one stack may hold")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: shares [-max 0.15] DIR (a synthesized cdktf.out)")
		os.Exit(2)
	}
	stacks, err := stateshare.Read(flag.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "shares: %v\n", err)
		os.Exit(1)
	}
	most := 0
	for _, s := range stacks {
		most = max(most, len(s.Clients))
	}
	fmt.Printf("%-12s %7s %10s  %-32s %9s %7s\n", "environment", "stacks", "resources", "largest stack", "resources", "share")
	for _, e := range stateshare.Environments(stacks) {
		fmt.Printf("%-12s %7d %10d  %-32s %9d %6.1f%%\n", e.Name, e.Stacks, e.Resources, e.Largest.Name, e.Largest.Resources, 100*e.Share())
	}
	fmt.Printf("most clients' data in one stack: %d\n", most)
	if p := stateshare.Problems(stacks, *maxShare); len(p) > 0 {
		fmt.Printf("FAILED (issue 12: no stack holds more than one client's data, nor more than %.0f %% of an environment's resources):\n  %s\n", 100**maxShare, strings.Join(p, "\n  "))
		os.Exit(1)
	}
	fmt.Printf("ok: no stack holds more than one client's data, nor more than %.0f %% of its environment's resources\n", 100**maxShare)
}
