package kubecheck

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is the tier's outcome over every environment.
type Report struct {
	Envs    []*EnvResult
	Elapsed time.Duration
}

// Err lists every refused object and every matrix case whose answer is
// not its verdict, or returns nil.
func (r *Report) Err() error {
	var lines []string
	for _, e := range r.Envs {
		for _, f := range e.Applied.Failures {
			lines = append(lines, fmt.Sprintf("environment %s: %s", e.Name, f))
		}
		for _, a := range e.Activations {
			if !a.Active {
				lines = append(lines, fmt.Sprintf("environment %s: policy %s refused none of its known-bad requests within %s", e.Name, a.Policy, PolicyWait))
			}
		}
		for _, c := range e.Cases {
			if !c.OK {
				lines = append(lines, fmt.Sprintf("environment %s: %s (as %s, in namespace %s): %s, want %s", e.Name, c.Case.Name, c.Case.As, c.Case.Namespace, c.Got(), c.Case.Want))
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New("kubernetes tier failed:\n  " + strings.Join(lines, "\n  "))
}

// Summary is the report for people.
func (r *Report) Summary() string {
	var b strings.Builder
	releases := map[string]bool{}
	created, leftOut := map[string]int{}, map[string]int{}
	var failures, cases, admitted, refused, wrong int
	for _, e := range r.Envs {
		releases[e.Release] = true
		for k, n := range e.Applied.Created {
			created[k] += n
		}
		for k, n := range e.Applied.LeftOut {
			leftOut[k] += n
		}
		failures += len(e.Applied.Failures)
		for _, c := range e.Cases {
			cases++
			if c.Case.Want.Admit {
				admitted++
			} else {
				refused++
			}
			if !c.OK {
				wrong++
			}
		}
	}
	total := 0
	for _, n := range created {
		total += n
	}
	fmt.Fprintf(&b, "kubernetes tier: kube-apiserver %s, one per environment, over an in-process etcd\n", strings.Join(slices.Sorted(maps.Keys(releases)), ", "))
	fmt.Fprintf(&b, "  objects created:           %d (%s)\n", total, counts(created, "none"))
	fmt.Fprintf(&b, "  objects refused:           %d\n", failures)
	fmt.Fprintf(&b, "  left out:                  %s\n", counts(leftOut, "none")+leftOutReason(leftOut))
	fmt.Fprintf(&b, "  isolation matrix:          %d cases (%d to be admitted, %d to be refused), %d answered otherwise\n", cases, admitted, refused, wrong)
	for _, e := range r.Envs {
		var tenants, pairs int
		seen := map[string]bool{}
		for _, c := range e.Cases {
			if !seen[c.Case.Namespace] {
				seen[c.Case.Namespace] = true
				tenants++
			}
		}
		pairs = tenants * (tenants - 1)
		var slowest time.Duration
		for _, a := range e.Activations {
			slowest = max(slowest, a.Elapsed)
		}
		fmt.Fprintf(&b, "    %-10s %d clients, %d ordered pairs, %d cases; server ready in %.1fs, policies active after %.1fs; %.1fs in all\n",
			e.Name+":", tenants, pairs, len(e.Cases), e.Start.Seconds(), slowest.Seconds(), e.Elapsed.Seconds())
	}
	fmt.Fprintf(&b, "  time: %.1fs\n", r.Elapsed.Seconds())
	return b.String()
}

func leftOutReason(m map[string]int) string {
	if m["helm_release"] > 0 {
		return " (a chart's objects come from the chart, not from the stack)"
	}
	return ""
}

func counts(m map[string]int, none string) string {
	if len(m) == 0 {
		return none
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
