package tfcheck

import (
	"encoding/json"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

func TestParseTest(t *testing.T) {
	out := strings.Join([]string{
		`{"@level":"info","type":"test_run","test_run":{"path":"x.tftest.json","run":"plan_and_apply","progress":"starting"}}`,
		`{"@level":"error","@testrun":"plan_and_apply","type":"diagnostic","diagnostic":{"severity":"error","summary":"Invalid ARN","detail":"\"role_arn\" (vpc-1) is an invalid ARN","address":"module.platform-dev.aws_eks_cluster.c","range":{"filename":"platform-dev/cdk.tf.json","start":{"line":7}}}}`,
		`not json`,
		`{"@level":"info","type":"test_run","test_run":{"path":"x.tftest.json","run":"plan_and_apply","progress":"complete","status":"fail"}}`,
		`{"@level":"info","type":"test_summary","test_summary":{"status":"fail"}}`,
	}, "\n")
	o := parseTest([]byte(out))
	if o.Runs["plan_and_apply"] != "fail" || o.Status != "fail" || len(o.Diagnostics) != 1 {
		t.Fatalf("got %+v", o)
	}
	stack, d := splitStack(o.Diagnostics[0])
	if stack != "platform-dev" || d.Address != "aws_eks_cluster.c" || d.Run != "plan_and_apply" || d.Line != 7 {
		t.Errorf("got stack %q, %+v; want platform-dev, aws_eks_cluster.c", stack, d)
	}
	if got, want := d.String(), `aws_eks_cluster.c: Invalid ARN: "role_arn" (vpc-1) is an invalid ARN (platform-dev/cdk.tf.json:7)`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestValidateDiagnostics(t *testing.T) {
	out := `{"valid":false,"error_count":1,"warning_count":1,"diagnostics":[
	  {"severity":"warning","summary":"Quoted references are deprecated","range":{"filename":"services-dev/cdk.tf","start":{"line":3}}},
	  {"severity":"error","summary":"Extraneous JSON object property","detail":"No argument or block type is named \"x\".","snippet":{"context":"resource.aws_vpc.v"},"range":{"filename":"foundation-dev/cdk.tf.json","start":{"line":9}}}]}`
	var v tfjson.ValidateOutput
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	ds := validateDiagnostics(&v)
	if len(ds) != 2 {
		t.Fatalf("got %d diagnostics, want 2", len(ds))
	}
	if stack, d := splitStack(ds[1]); stack != "foundation-dev" || d.Address != "aws_vpc.v" {
		t.Errorf("got stack %q address %q, want foundation-dev aws_vpc.v (from the snippet)", stack, d.Address)
	}
}

// TestReportAttribution checks that failures reach their stack and that
// what names no stack fails the step as a whole.
func TestReportAttribution(t *testing.T) {
	r := &Report{}
	byName := map[string]*StackResult{"a-dev": {Name: "a-dev", Prepared: &Prepared{}}, "b-dev": {Name: "b-dev", Prepared: &Prepared{}}}
	stacks := []Stack{{Name: "a-dev"}, {Name: "b-dev"}}
	r.attribute(StepTest, stacks, byName, []Diagnostic{
		{Severity: "error", Summary: "boom", Address: "module.b-dev.aws_x.y"},
		{Severity: "error", Summary: "boom", Address: "module.b-dev.aws_x.y"}, // repeated per phase
		{Severity: "warning", Summary: "careful", File: "a-dev/cdk.tf.json"},
		{Severity: "error", Summary: "provider crashed"},
	}, nil)
	for _, res := range []string{"a-dev", "b-dev"} {
		r.Stacks = append(r.Stacks, *byName[res])
	}
	tot := r.Totals()
	if tot.Failed[StepTest] != 1 || tot.Errors[StepTest] != 2 || len(tot.Warnings) != 1 {
		t.Errorf("got failed %d errors %d warnings %d; want 1 stack failed, 2 errors (one unattributed), 1 warning", tot.Failed[StepTest], tot.Errors[StepTest], len(tot.Warnings))
	}
	err := r.Err()
	if err == nil || !strings.Contains(err.Error(), "stack b-dev: "+StepTest+": aws_x.y: boom") || !strings.Contains(err.Error(), StepTest+": provider crashed") {
		t.Errorf("got %v", err)
	}
	if strings.Count(err.Error(), "boom") != 1 {
		t.Errorf("a repeated diagnostic is listed twice:\n%v", err)
	}
}
