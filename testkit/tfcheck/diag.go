package tfcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Diagnostic is one error or warning as Terraform reports it.
type Diagnostic struct {
	Severity string // error or warning
	Summary  string
	Detail   string
	// Address is the resource the diagnostic is about, when Terraform says.
	Address string
	// File and Line locate the configuration (cdk.tf.json in the copy,
	// whose blocks carry the same addresses as the synthesized stack).
	File string
	Line int
	// Run is the `terraform test` run block (plan, apply), "" otherwise.
	Run string
}

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Address != "" {
		b.WriteString(d.Address + ": ")
	}
	b.WriteString(d.Summary)
	if d.Detail != "" {
		b.WriteString(": " + strings.Join(strings.Fields(d.Detail), " "))
	}
	if d.File != "" {
		fmt.Fprintf(&b, " (%s:%d)", d.File, d.Line)
	}
	return b.String()
}

// diagnosticOf is Terraform's machine-readable diagnostic (validate
// -json, test -json) as a Diagnostic of run.
func diagnosticOf(j tfjson.Diagnostic, run string) Diagnostic {
	d := Diagnostic{Severity: string(j.Severity), Summary: j.Summary, Detail: j.Detail, Address: j.Address, Run: run}
	if d.Address == "" && j.Snippet != nil && j.Snippet.Context != nil {
		// JSON configuration reports its block as resource.TYPE.NAME.
		ctx := strings.TrimPrefix(*j.Snippet.Context, "resource.")
		if strings.Count(ctx, ".") >= 1 && !strings.Contains(ctx, " ") {
			d.Address = ctx
		}
	}
	if j.Range != nil {
		d.File, d.Line = j.Range.Filename, j.Range.Start.Line
	}
	return d
}

// validateDiagnostics are the diagnostics of `terraform validate -json`.
func validateDiagnostics(v *tfjson.ValidateOutput) []Diagnostic {
	var ds []Diagnostic
	for _, j := range v.Diagnostics {
		ds = append(ds, diagnosticOf(j, ""))
	}
	return ds
}

// testOutcome is what `terraform test -json` said about a test file.
type testOutcome struct {
	// Runs is each run block's status (pass, fail, error, skip).
	Runs        map[string]string
	Diagnostics []Diagnostic
	// Status is the summary's status, "" when the run never got there.
	Status string
}

// parseTest reads the JSON lines of `terraform test -json`.
func parseTest(out []byte) testOutcome {
	o := testOutcome{Runs: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var line struct {
			Type    string `json:"type"`
			TestRun *struct {
				Run      string `json:"run"`
				Progress string `json:"progress"`
				Status   string `json:"status"`
			} `json:"test_run"`
			Summary *struct {
				Status string `json:"status"`
			} `json:"test_summary"`
			RunName    string             `json:"@testrun"`
			Diagnostic *tfjson.Diagnostic `json:"diagnostic"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch {
		case line.TestRun != nil && line.TestRun.Progress == "complete":
			o.Runs[line.TestRun.Run] = line.TestRun.Status
		case line.Summary != nil:
			o.Status = line.Summary.Status
		case line.Diagnostic != nil:
			run := line.RunName
			if run == "" && line.Type == "test_cleanup" {
				run = "destroy"
			}
			o.Diagnostics = append(o.Diagnostics, diagnosticOf(*line.Diagnostic, run))
		}
	}
	return o
}
