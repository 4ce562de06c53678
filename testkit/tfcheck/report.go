package tfcheck

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
)

// Report is the outcome of Run.
type Report struct {
	Toolchain *Toolchain
	Stacks    []StackResult
	Workers   int
	Elapsed   time.Duration
	// Scratch is where the copies were written (gone unless Options.Keep).
	Scratch string
	// Unattributed are failures of a step that name no stack (a
	// command that could not run).
	Unattributed []StepResult
	// StepTimes is how long each step took (they run in parallel).
	StepTimes []StepTime
	// ValidatedInTest is how many stacks' JSON copies were validated
	// within the mocked run, their provider blocks within the HCL
	// validate, instead of by a validate of their own (Run).
	ValidatedInTest int
}

// Totals are the figures the tier reports.
type Totals struct {
	Stacks, Resources, DataSources int
	// LeftOut counts resources and data sources not checked, by provider.
	LeftOut map[string]int
	// Substituted and PreventDestroyLifted are summed over the stacks.
	Substituted, PreventDestroyLifted int
	// Errors counts error diagnostics and failures, by step.
	Errors map[string]int
	// Failed counts stacks with at least one failure, by step.
	Failed map[string]int
	// Warnings are the distinct warnings, each with the stacks raising it.
	Warnings []Warning
	// Steps is how many stacks ran each step.
	Steps map[string]int
}

// Warning is one distinct warning and where it appeared.
type Warning struct {
	Step, Summary, Detail string
	Stacks                []string
}

// Totals adds up the report.
func (r *Report) Totals() Totals {
	t := Totals{LeftOut: map[string]int{}, Errors: map[string]int{}, Failed: map[string]int{}, Steps: map[string]int{}}
	warnings := map[string]*Warning{}
	for _, s := range r.Stacks {
		t.Stacks++
		if s.Err != nil {
			t.Errors["prepare"]++
			t.Failed["prepare"]++
			continue
		}
		t.Resources += s.Prepared.Resources
		t.DataSources += s.Prepared.DataSources
		for k, n := range s.Prepared.LeftOut {
			t.LeftOut[k] += n
		}
		for k, n := range s.Prepared.LeftOutData {
			t.LeftOut[k+" data sources"] += n
		}
		t.Substituted += len(s.Prepared.Substituted)
		t.PreventDestroyLifted += len(s.Prepared.PreventDestroyLifted)
		for _, st := range s.Steps {
			t.Steps[st.Step]++
			n := len(st.Errors)
			if st.Failed != "" {
				n++
			}
			t.Errors[st.Step] += n
			if n > 0 {
				t.Failed[st.Step]++
			}
			for _, w := range st.Warnings {
				key := st.Step + "\x00" + w.Summary + "\x00" + w.Detail
				if warnings[key] == nil {
					warnings[key] = &Warning{Step: st.Step, Summary: w.Summary, Detail: w.Detail}
				}
				ws := warnings[key]
				if len(ws.Stacks) == 0 || ws.Stacks[len(ws.Stacks)-1] != s.Name {
					ws.Stacks = append(ws.Stacks, s.Name)
				}
			}
		}
	}
	for _, st := range r.Unattributed {
		t.Errors[st.Step] += len(st.Errors)
		if st.Failed != "" {
			t.Errors[st.Step]++
		}
		for _, w := range st.Warnings {
			t.Warnings = append(t.Warnings, Warning{Step: st.Step, Summary: w.Summary, Detail: w.Detail})
		}
	}
	for _, w := range warnings {
		t.Warnings = append(t.Warnings, *w)
	}
	sort.Slice(t.Warnings, func(i, j int) bool {
		if t.Warnings[i].Step != t.Warnings[j].Step {
			return stepOrder(t.Warnings[i].Step) < stepOrder(t.Warnings[j].Step)
		}
		return t.Warnings[i].Summary < t.Warnings[j].Summary
	})
	return t
}

// Err lists every failure with its stack, step and Terraform's own
// message, or returns nil when every stack passed every step.
func (r *Report) Err() error {
	var lines []string
	for _, s := range r.Stacks {
		if s.Err != nil {
			lines = append(lines, fmt.Sprintf("stack %s: %v", s.Name, s.Err))
			continue
		}
		for _, st := range s.Steps {
			for _, d := range st.Errors {
				where := st.Step
				if d.Run != "" {
					where += ", run " + d.Run
				}
				lines = append(lines, fmt.Sprintf("stack %s: %s: %s", s.Name, where, d))
			}
			if st.Failed != "" {
				lines = append(lines, fmt.Sprintf("stack %s: %s: %s", s.Name, st.Step, st.Failed))
			}
		}
	}
	for _, st := range r.Unattributed {
		for _, d := range st.Errors {
			lines = append(lines, fmt.Sprintf("%s: %s", st.Step, d))
		}
		if st.Failed != "" {
			lines = append(lines, fmt.Sprintf("%s: %s", st.Step, st.Failed))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return errors.New("terraform tier failed:\n  " + strings.Join(lines, "\n  "))
}

// Summary is the report for people: the figures, the warnings, the time.
func (r *Report) Summary() string {
	t := r.Totals()
	tc := r.Toolchain
	var b strings.Builder
	fmt.Fprintf(&b, "terraform tier: terraform %s, AWS provider %s from %s", tc.TerraformVersion, tc.ProviderVersion, tc.ProviderFrom)
	if tc.Tofu != "" {
		fmt.Fprintf(&b, ", tofu %s", tc.TofuVersion)
	}
	b.WriteString("\n")
	if len(r.Stacks) > 0 && r.Stacks[0].Prepared != nil {
		p := r.Stacks[0].Prepared
		fmt.Fprintf(&b, "  stacks pin AWS provider %s; the scratch copies require %q\n", p.PinnedVersion, p.ProviderConstraint)
	}
	fmt.Fprintf(&b, "  stacks checked:            %d\n", t.Stacks)
	fmt.Fprintf(&b, "  resources checked:         %d (and %d data sources)\n", t.Resources, t.DataSources)
	leftOut := counts(t.LeftOut, "none")
	if len(t.LeftOut) > 0 {
		leftOut += " (their providers cannot be installed here)"
	}
	fmt.Fprintf(&b, "  resources left out:        %s\n", leftOut)
	if t.Substituted > 0 {
		fmt.Fprintf(&b, "  references to left-out resources replaced by their configured literal: %d\n", t.Substituted)
	}
	fmt.Fprintf(&b, "  prevent_destroy lifted in the scratch copies only (terraform test destroys): %d\n", t.PreventDestroyLifted)
	for _, step := range []string{StepBackend, StepValidate, StepHCLValidate, StepTofuValidate} {
		if n, ran := t.Steps[step]; ran {
			how := ""
			if step == StepValidate && r.ValidatedInTest > 0 {
				how = fmt.Sprintf(" (%d within terraform test, their provider blocks within the HCL validate)", r.ValidatedInTest)
			}
			fmt.Fprintf(&b, "  %-26s %d stacks, errors %d%s\n", step+":", n, t.Errors[step], how)
		} else {
			fmt.Fprintf(&b, "  %-26s not run%s\n", step+":", notRunReason(step))
		}
	}
	if n, ran := t.Steps[StepTest]; ran {
		fmt.Fprintf(&b, "  mocked plan and apply:     %d stacks, failures %d\n", n, t.Failed[StepTest])
	} else {
		fmt.Fprintf(&b, "  mocked plan and apply:     not run\n")
	}
	if t.Errors["prepare"] > 0 {
		fmt.Fprintf(&b, "  stacks that could not be prepared: %d\n", t.Errors["prepare"])
	}
	fmt.Fprintf(&b, "  warnings:                  %d distinct\n", len(t.Warnings))
	for _, w := range t.Warnings {
		detail := strings.Join(strings.Fields(w.Detail), " ")
		if len(detail) > 160 {
			detail = detail[:157] + "..."
		}
		fmt.Fprintf(&b, "    - %s: %s (%d stacks: %s): %s\n", w.Step, w.Summary, len(w.Stacks), abbreviate(w.Stacks, 3), detail)
	}
	var times []string
	for _, st := range r.StepTimes {
		times = append(times, fmt.Sprintf("%s %.1fs", st.Step, st.Elapsed.Seconds()))
	}
	fmt.Fprintf(&b, "  time: %.1fs with %d parallel workers (%s)\n", r.Elapsed.Seconds(), r.Workers, strings.Join(times, ", "))
	return b.String()
}

func notRunReason(step string) string {
	switch step {
	case StepTofuValidate:
		return " (no tofu binary: `make tofu` builds one, or set " + EnvTofu + ")"
	case StepHCLValidate:
		return " (no HCL given)"
	}
	return ""
}

func counts(m map[string]int, none string) string {
	if len(m) == 0 {
		return none
	}
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func abbreviate(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(", … %d more", len(names)-n)
}
