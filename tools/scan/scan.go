// Package scan is `stratum scan`: it judges trivy's misconfiguration scan
// of the HCL export (make hcl) against the committed ignore file
// (.trivyignore.yaml, trivy's own YAML ignore format). The check fails on
// every HIGH or CRITICAL finding no entry accepts, on an entry without an
// ID, a path or a reason, and on an entry that matches no finding any
// more (a stale ignore hides the next real finding of that check). trivy
// runs without the ignore file, so that this package sees every finding
// and is the one place that decides.
package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is one failed check of trivy's JSON report.
type Finding struct {
	// ID and AVDID are the check's identifiers (either may be ignored).
	ID, AVDID string
	Severity  string
	Title     string
	// Target is the scanned file (relative to the scanned directory).
	Target string
	// Resource is the Terraform address trivy names, if any.
	Resource string
	Line     int
}

func (f Finding) String() string {
	where := f.Target
	if f.Line > 0 {
		where = fmt.Sprintf("%s:%d", f.Target, f.Line)
	}
	return fmt.Sprintf("%s %s %s %s: %s", f.Severity, f.ID, where, f.Resource, f.Title)
}

// ParseReport reads trivy's JSON report (trivy config --format json) and
// returns its failed misconfiguration checks.
func ParseReport(b []byte) ([]Finding, error) {
	var r struct {
		SchemaVersion int
		Results       []struct {
			Target            string
			Misconfigurations []struct {
				ID, AVDID, Title, Severity, Status string
				CauseMetadata                      struct {
					Resource  string
					StartLine int
				}
			}
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("not trivy's JSON report: %w", err)
	}
	if r.SchemaVersion == 0 {
		return nil, fmt.Errorf("not trivy's JSON report: no SchemaVersion")
	}
	var out []Finding
	for _, res := range r.Results {
		for _, m := range res.Misconfigurations {
			if m.Status != "FAIL" {
				continue
			}
			out = append(out, Finding{ID: m.ID, AVDID: m.AVDID, Severity: m.Severity, Title: m.Title, Target: res.Target,
				Resource: m.CauseMetadata.Resource, Line: m.CauseMetadata.StartLine})
		}
	}
	return out, nil
}

// Entry is one accepted finding of the ignore file.
type Entry struct {
	ID        string   `yaml:"id"`
	Paths     []string `yaml:"paths"`
	Statement string   `yaml:"statement"`
}

// Ignores are the ignore file's entries.
type Ignores struct {
	Misconfigurations []Entry `yaml:"misconfigurations"`
}

// ParseIgnores reads the ignore file, refusing an entry without an ID, a
// path or a reason, or a path that is no valid pattern.
func ParseIgnores(b []byte) (Ignores, error) {
	var ig Ignores
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&ig); err != nil && err != io.EOF {
		return Ignores{}, err
	}
	var problems []string
	for i, e := range ig.Misconfigurations {
		switch {
		case e.ID == "":
			problems = append(problems, fmt.Sprintf("entry %d: no id (the check's ID, e.g. AVD-AWS-0089)", i+1))
		case len(e.Paths) == 0:
			problems = append(problems, fmt.Sprintf("entry %d (%s): no paths: name the files it applies to (e.g. bootstrap-*/cdk.tf), never every file", i+1, e.ID))
		case strings.TrimSpace(e.Statement) == "":
			problems = append(problems, fmt.Sprintf("entry %d (%s): no statement: say why the finding is accepted", i+1, e.ID))
		}
		for _, p := range e.Paths {
			if _, err := path.Match(p, ""); err != nil {
				problems = append(problems, fmt.Sprintf("entry %d (%s): path %q: %v", i+1, e.ID, p, err))
			}
		}
	}
	if len(problems) > 0 {
		return Ignores{}, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return ig, nil
}

// matches reports whether e accepts f.
func (e Entry) matches(f Finding) bool {
	if e.ID != f.ID && e.ID != f.AVDID {
		return false
	}
	for _, p := range e.Paths {
		if ok, _ := path.Match(p, f.Target); ok {
			return true
		}
	}
	return false
}

// Verdict is the judgement of a scan.
type Verdict struct {
	// Failing are the HIGH or CRITICAL findings no entry accepts.
	Failing []Finding
	// Accepted are the findings an entry accepts.
	Accepted []Finding
	// Stale are the entries that match no finding.
	Stale []Entry
}

// Judge applies the ignore file to the findings.
func Judge(fs []Finding, ig Ignores) Verdict {
	var v Verdict
	used := make([]bool, len(ig.Misconfigurations))
	for _, f := range fs {
		accepted := false
		for i, e := range ig.Misconfigurations {
			if e.matches(f) {
				used[i], accepted = true, true
			}
		}
		switch {
		case accepted:
			v.Accepted = append(v.Accepted, f)
		case f.Severity == "HIGH" || f.Severity == "CRITICAL":
			v.Failing = append(v.Failing, f)
		}
	}
	for i, e := range ig.Misconfigurations {
		if !used[i] {
			v.Stale = append(v.Stale, e)
		}
	}
	slices.SortFunc(v.Failing, func(a, b Finding) int { return strings.Compare(a.String(), b.String()) })
	return v
}
