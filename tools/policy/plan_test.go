package policy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"

	"stratum/config"
	"stratum/testkit/testenv"
)

// planCases are what the policies must find in testdata/plan (a client
// stack's plan in production: an open ingress rule, a role trusting a
// wildcard service account, a database it destroys; its bucket is
// protected and encrypted) and with which labels.
var planCases = []struct {
	name   string
	labels []string
	want   []string // rule address, denied
}{
	{"no label", nil, []string{
		"no-public-ingress aws_vpc_security_group_ingress_rule.open",
		"irsa-trust-pinned aws_iam_role.app",
		"no-destroy-in-production aws_db_instance.legacy",
	}},
	{"the stack's allow-destroy label", []string{"allow-destroy:database-ezra-prod"}, []string{
		"no-public-ingress aws_vpc_security_group_ingress_rule.open",
		"irsa-trust-pinned aws_iam_role.app",
	}},
}

// checkPlan evaluates a plan's JSON as database-ezra-prod's and compares
// the denials with each case.
func checkPlan(t *testing.T, raw []byte) {
	t.Helper()
	e, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range planCases {
		t.Run(c.name, func(t *testing.T) {
			in, err := FromPlan(Stack{Name: "database-ezra-prod", Envs: config.Environments(), Labels: c.labels}, raw)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := e.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Denied(fs) {
				if !strings.Contains(f.String(), "database-ezra-prod: "+f.Address) {
					t.Errorf("finding %q does not name the stack and the address", f)
				}
				if k := f.Rule + " " + f.Address; !slices.Contains(got, k) {
					got = append(got, k)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.want))
			if !slices.Equal(got, want) {
				t.Errorf("denied %v, want %v\n%v", got, want, fs)
			}
		})
	}
}

// TestRecordedPlan runs the policies on testdata/plan.json, the JSON
// `terraform show -json` printed for testdata/plan (TestRealPlan makes it
// again with the real binary).
func TestRecordedPlan(t *testing.T) {
	raw, err := os.ReadFile("testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, raw)
}

// TestRealPlan plans testdata/plan with the real terraform and the AWS
// provider of the machine's mirror (no credentials: nothing is
// refreshed, no data source calls AWS) and runs the policies on what
// terraform show -json prints: the input reader follows Terraform's own
// format, not a copy of it.
func TestRealPlan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs terraform")
	}
	tf := testenv.Terraform(t)
	mirror := os.Getenv("STRATUM_TF_PROVIDER_MIRROR")
	if mirror == "" {
		mirror = "/opt/tf-plugins"
	}
	if _, err := os.Stat(filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws")); err != nil {
		testenv.Unavailable(t, "no AWS provider in the mirror %s", mirror)
	}
	dir := t.TempDir()
	for src, dst := range map[string]string{"testdata/plan/main.tf": "main.tf", "testdata/plan/prior-state.json": "terraform.tfstate"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rc := filepath.Join(dir, "cli.tfrc")
	if err := os.WriteFile(rc, []byte(`provider_installation {
  filesystem_mirror {
    path    = "`+mirror+`"
    include = ["registry.terraform.io/hashicorp/*"]
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	// Terraform through tfexec, as the pipelines run it: init, a saved
	// plan, and show -json of it, whose exact bytes the policies read.
	cli, err := tfexec.NewTerraform(dir, tf)
	if err != nil {
		t.Fatal(err)
	}
	env := tfexec.CleanEnv(map[string]string{"PATH": os.Getenv("PATH"), "HOME": dir, "TF_CLI_CONFIG_FILE": rc, "CHECKPOINT_DISABLE": "1"})
	if err := cli.SetEnv(env); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := cli.Init(ctx); err != nil {
		t.Fatalf("terraform init: %v", err)
	}
	if _, err := cli.Plan(ctx, tfexec.Refresh(false), tfexec.Out("tfplan")); err != nil {
		t.Fatalf("terraform plan: %v", err)
	}
	var shown bytes.Buffer
	cli.SetStdout(&shown)
	if _, err := cli.ShowPlanFile(ctx, "tfplan"); err != nil {
		t.Fatalf("terraform show -json tfplan: %v", err)
	}
	checkPlan(t, shown.Bytes())
}

// TestFromPlanRefuses: what is not `terraform show -json` output of a
// saved plan in a format this reads is refused, naming the stack.
func TestFromPlanRefuses(t *testing.T) {
	cases := []struct{ name, plan, want string }{
		{"not JSON", `{`, "the plan is not terraform show -json output of a saved plan"},
		{"no format version", `{"resource_changes":[]}`, "format version is missing"},
		{"a future format", `{"format_version":"2.0"}`, "unsupported plan format version"},
		{"a change without its change", `{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket"}]}`, "the plan's change of aws_s3_bucket.b is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := FromPlan(Stack{Name: "database-ezra-prod", Envs: config.Environments()}, []byte(c.plan))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "database-ezra-prod") {
				t.Errorf("got %v, want an error naming the stack and containing %q", err, c.want)
			}
		})
	}
}
