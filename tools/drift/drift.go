// Package drift is `stratum drift`: the report of a scheduled drift
// check. Each stack's drift job (the pipelines' planScript) writes
// drift/<stack>.json — its status (in-sync, drifted, failed) and the
// addresses whose real state differs from the configuration, with the
// actions a plan would take, never their values — and the report names
// every drifted stack and address, every stack whose plan failed, and
// the stacks the check cannot reach (bootstrap-<env>: its state is local
// and no CI role may read it; check it by hand with `npx cdktf diff`).
// It exits 2 when something drifted and 1 when a plan failed or a stack
// has no result, like `terraform plan -detailed-exitcode`.
package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stratum/tools/cli"
	"stratum/tools/stackgraph"
)

// Status of one stack's drift check.
type Status string

const (
	InSync  Status = "in-sync"
	Drifted Status = "drifted"
	Failed  Status = "failed"
	// Missing: the stack's job left no result (it did not run, or
	// failed before planning).
	Missing Status = "missing"
	// Manual: CI cannot check the stack (bootstrap-<env>).
	Manual Status = "not checked by CI"
)

// Change is one address a plan would change.
type Change struct {
	Address string   `json:"address"`
	Actions []string `json:"actions"`
}

// Result is one stack's drift check.
type Result struct {
	Stack   string   `json:"stack"`
	Status  Status   `json:"status"`
	Changes []Change `json:"changes"`
}

// Collect reads the results in dir for every stack of the graph:
// manual stacks are Manual, stacks without a file Missing.
func Collect(dir string, g *stackgraph.Graph) ([]Result, error) {
	var out []Result
	for _, s := range g.Stacks {
		if s.Manual {
			out = append(out, Result{Stack: s.Name, Status: Manual})
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, s.Name+".json"))
		if os.IsNotExist(err) {
			out = append(out, Result{Stack: s.Name, Status: Missing})
			continue
		}
		if err != nil {
			return nil, err
		}
		var r Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, s.Name+".json"), err)
		}
		if r.Stack != s.Name {
			return nil, fmt.Errorf("%s holds the result of %q", filepath.Join(dir, s.Name+".json"), r.Stack)
		}
		switch r.Status {
		case InSync, Drifted, Failed:
		default:
			return nil, fmt.Errorf("%s: status %q: want %s, %s or %s", filepath.Join(dir, s.Name+".json"), r.Status, InSync, Drifted, Failed)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Result) int { return strings.Compare(a.Stack, b.Stack) })
	return out, nil
}

// Code is the exit code of results: 1 a plan failed or a result is
// missing, else 2 something drifted, else 0.
func Code(rs []Result) int {
	code := cli.ExitOK
	for _, r := range rs {
		switch r.Status {
		case Failed, Missing:
			return cli.ExitFailure
		case Drifted:
			code = cli.ExitChanges
		}
	}
	return code
}

// Write prints the report: the drifted stacks with their addresses
// first, then the failures, then a line per other stack.
func Write(w io.Writer, rs []Result, markdown bool) {
	count := map[Status]int{}
	for _, r := range rs {
		count[r.Status]++
	}
	if markdown {
		fmt.Fprintf(w, "### Drift: %d drifted, %d failed, %d missing, %d in sync, %d not checked by CI\n\n", count[Drifted], count[Failed], count[Missing], count[InSync], count[Manual])
		fmt.Fprintln(w, "| stack | status | addresses |\n| --- | --- | --- |")
	} else {
		fmt.Fprintf(w, "drift: %d drifted, %d failed, %d missing, %d in sync, %d not checked by CI\n", count[Drifted], count[Failed], count[Missing], count[InSync], count[Manual])
	}
	order := []Status{Drifted, Failed, Missing, Manual, InSync}
	for _, st := range order {
		for _, r := range rs {
			if r.Status != st {
				continue
			}
			var addrs []string
			for _, c := range r.Changes {
				addrs = append(addrs, fmt.Sprintf("%s (%s)", c.Address, strings.Join(c.Actions, ", ")))
			}
			note := ""
			if st == Manual {
				note = "applied by hand: check with npx cdktf diff " + r.Stack
			}
			if markdown {
				fmt.Fprintf(w, "| `%s` | %s | %s%s |\n", r.Stack, r.Status, strings.Join(addrs, "<br>"), note)
				continue
			}
			fmt.Fprintf(w, "%-40s %s %s\n", r.Stack, r.Status, note)
			for _, a := range addrs {
				fmt.Fprintf(w, "    %s\n", a)
			}
		}
	}
}
