package tfcheck

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"stratum/config"
	"stratum/testkit/testenv"
	"stratum/tools/synthesis"
)

// snapshot reads a synthesized stack from the golden files (they are
// byte for byte what synthesis writes; stacks.TestSnapshots checks that).
func snapshot(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "__snapshots__", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// envOf is the environment a synthesized stack was built for, as its
// default tags record it (a stack's name cannot be split into it).
func envOf(t *testing.T, raw []byte) config.Environment {
	t.Helper()
	name, _, _, err := synthesis.Identify(raw)
	if err != nil {
		t.Fatal(err)
	}
	return envNamed(t, name)
}

// envNamed is the real configuration's environment named name.
func envNamed(t *testing.T, name string) config.Environment {
	t.Helper()
	env, err := config.Get(config.Environments(), name)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// firstWith is the first block of a type (by name) that has attribute attr.
func firstWith(t *testing.T, doc map[string]any, typ, attr string) (string, map[string]any) {
	t.Helper()
	blocks := asMap(asMap(doc["resource"])[typ])
	var names []string
	for n, cfg := range blocks {
		if _, ok := asMap(cfg)[attr]; ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		t.Fatalf("no %s with %s in the stack", typ, attr)
	}
	sort.Strings(names)
	return names[0], asMap(blocks[names[0]])
}

// runTier runs the tier on one stack, skipping (outside CI) when the
// toolchain is missing.
func runTier(t *testing.T, name string, doc map[string]any, only ...string) *Report {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return runStacks(t, []Stack{{Name: name, Env: envOf(t, raw), JSON: raw}}, Options{Only: only})
}

// runStacks runs the tier, skipping (outside CI) when the toolchain is
// missing.
func runStacks(t *testing.T, stacks []Stack, o Options) *Report {
	t.Helper()
	testenv.Long(t, "runs the real terraform")
	o.CacheDir = filepath.Join("..", "..", ".gen", "terraform-providers")
	r, err := Run(context.Background(), stacks, o)
	var missing *Missing
	if errors.As(err, &missing) {
		if InCI(os.Getenv) {
			t.Fatalf("%s (CI=true: the tier must run)", missing.Skipped())
		}
		t.Skip(missing.Skipped())
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBrokenAttributeFailsTheTier proves the tier can fail: a broken
// attribute injected into a copy of a synthesized stack makes it fail
// with Terraform's own message, naming the stack and the address.
func TestBrokenAttributeFailsTheTier(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, stack string
		// breakIt changes the stack and returns the addresses it broke.
		breakIt func(t *testing.T, doc map[string]any) []string
		step    string
		// want are parts of Terraform's own messages.
		want []string
	}{
		{
			name:  "invalid CIDR in a security group rule",
			stack: "foundation-dev",
			breakIt: func(t *testing.T, doc map[string]any) []string {
				n, rule := firstWith(t, doc, "aws_vpc_security_group_egress_rule", "cidr_ipv4")
				rule["cidr_ipv4"] = "10.0.0.300/16"
				return []string{"aws_vpc_security_group_egress_rule." + n}
			},
			step: StepValidate,
			want: []string{"10.0.0.300/16", "CIDR"},
		},
		{
			// A separate run: an argument Terraform cannot decode stops
			// validation before the provider checks values.
			name:  "unknown argument",
			stack: "foundation-dev",
			breakIt: func(t *testing.T, doc map[string]any) []string {
				n, vpc := firstWith(t, doc, "aws_vpc", "cidr_block")
				vpc["enable_magic"] = true
				return []string{"aws_vpc." + n}
			},
			step: StepValidate,
			want: []string{"Extraneous JSON object property", `No argument or block type is named "enable_magic"`},
		},
		{
			// Only known once the SSM value is: validate passes, the
			// mocked plan must catch it.
			name:  "SSM value that is not an ARN where an ARN goes",
			stack: "platform-dev",
			breakIt: func(t *testing.T, doc map[string]any) []string {
				n, cluster := firstWith(t, doc, "aws_eks_cluster", "role_arn")
				cluster["role_arn"] = "${data.aws_ssm_parameter.import-foundation-vpc-id.insecure_value}"
				return []string{"aws_eks_cluster." + n}
			},
			step: StepTest,
			want: []string{"role_arn", "invalid ARN", "vpc-0"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			doc := snapshot(t, c.stack)
			addrs := c.breakIt(t, doc)
			r := runTier(t, c.stack, doc, c.step)
			err := r.Err()
			if err == nil {
				t.Fatalf("tier passed a stack with broken %v:\n%s", addrs, r.Summary())
			}
			msg := err.Error()
			for _, w := range append(append([]string{"stack " + c.stack, c.step}, addrs...), c.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("tier error does not contain %q; got:\n%s", w, msg)
				}
			}
			if tot := r.Totals(); tot.Failed[c.step] != 1 {
				t.Errorf("failed stacks in %s = %d, want 1", c.step, tot.Failed[c.step])
			}
		})
	}
}

// A small stack in both renderings, as cdktf writes them: the JSON and
// the HCL of the same VPC and egress rule.
const (
	smallJSON = `{
  "terraform": {"required_providers": {"aws": {"source": "aws", "version": "5.84.0"}}},
  "provider": {"aws": [{"region": "us-east-1", "allowed_account_ids": ["111111111111"], "default_tags": [{"tags": {"Environment": "dev"}}]}]},
  "resource": {
    "aws_vpc": {"main": {"cidr_block": "10.0.0.0/16"}},
    "aws_vpc_security_group_egress_rule": {"out": {"security_group_id": "${aws_vpc.main.default_security_group_id}", "cidr_ipv4": "10.0.0.0/16", "ip_protocol": "-1"}}
  }
}`
	smallHCL = `terraform {
  required_providers {
    aws = {
      source  = "aws"
      version = "5.84.0"
    }
  }
}

provider "aws" {
  region              = "us-east-1"
  allowed_account_ids = ["111111111111"]
  default_tags {
    tags = {
      Environment = "dev"
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc_security_group_egress_rule" "out" {
  security_group_id = aws_vpc.main.default_security_group_id
  cidr_ipv4         = "10.0.0.0/16"
  ip_protocol       = "-1"
}
`
)

// TestSameProviders: the HCL copy stands in for the JSON's provider
// blocks only when they hold the same values.
func TestSameProviders(t *testing.T) {
	cases := []struct {
		name, json, hcl string
		// differ is part of the reason, "" when they are the same.
		differ string
	}{
		{name: "same", json: smallJSON, hcl: smallHCL},
		{name: "another region", json: smallJSON, hcl: strings.Replace(smallHCL, `"us-east-1"`, `"us-west-2"`, 1), differ: "us-west-2"},
		{name: "another tag", json: strings.Replace(smallJSON, `{"Environment": "dev"}`, `{"Environment": "prod"}`, 1), hcl: smallHCL, differ: "prod"},
		{name: "an argument only in the JSON", json: strings.Replace(smallJSON, `"region": "us-east-1"`, `"region": "us-east-1", "regionn": "x"`, 1), hcl: smallHCL, differ: "regionn"},
		{name: "a second configuration", json: strings.Replace(smallJSON, `"aws": [{`, `"aws": [{"alias": "copies", "region": "us-west-2"}, {`, 1), hcl: smallHCL, differ: "copies"},
		{name: "a reference", json: smallJSON, hcl: strings.Replace(smallHCL, `region              = "us-east-1"`, `region = var.region`, 1), differ: "region is not a literal"},
		{name: "unavailable providers are not compared", json: strings.Replace(smallJSON, `"provider": {`, `"provider": {"kubernetes": [{"host": "h"}], `, 1), hcl: smallHCL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(c.json), &doc); err != nil {
				t.Fatal(err)
			}
			err := sameProviders([]byte(c.hcl), doc, func(p string) bool { return p == awsType })
			switch {
			case c.differ == "" && err != nil:
				t.Errorf("differ: %v; want the same", err)
			case c.differ != "" && err == nil:
				t.Errorf("the same; want a difference naming %q", c.differ)
			case c.differ != "" && !strings.Contains(err.Error(), c.differ):
				t.Errorf("difference %q does not name %q", err, c.differ)
			}
		})
	}
}

// TestValidatedWithinTheRun: a stack whose HCL provider blocks are its
// JSON's gets no validate of its own, and a broken attribute still fails
// the tier's validate step, named by stack and address; a stack whose
// JSON provider blocks are not its HCL's is validated on its own, so a
// broken provider block in the JSON alone fails too.
func TestValidatedWithinTheRun(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		json, hcl string
		// inTest is whether the JSON copy is validated within the run.
		inTest bool
		// want are parts of the failure, nil when the stack passes.
		want []string
	}{
		{name: "passes", json: smallJSON, hcl: smallHCL, inTest: true},
		{
			name:   "invalid CIDR in both renderings",
			json:   strings.Replace(smallJSON, `"cidr_ipv4": "10.0.0.0/16"`, `"cidr_ipv4": "10.0.0.300/16"`, 1),
			hcl:    strings.Replace(smallHCL, `cidr_ipv4         = "10.0.0.0/16"`, `cidr_ipv4         = "10.0.0.300/16"`, 1),
			inTest: true,
			want:   []string{StepValidate, "aws_vpc_security_group_egress_rule.out", "10.0.0.300/16"},
		},
		{
			name: "unknown provider argument in the JSON only",
			json: strings.Replace(smallJSON, `"region": "us-east-1"`, `"region": "us-east-1", "regionn": "x"`, 1),
			hcl:  smallHCL,
			want: []string{StepValidate, `No argument or block type is named "regionn"`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stack := Stack{Name: "small-dev", Env: envNamed(t, "dev"), JSON: []byte(c.json), HCL: []byte(c.hcl)}
			scratch := t.TempDir()
			r := runStacks(t, []Stack{stack}, Options{
				Only:    []string{StepValidate, StepTest, StepHCLValidate},
				Scratch: scratch,
				Keep:    true,
			})
			if got := r.ValidatedInTest == 1; got != c.inTest {
				t.Errorf("validated within the run: %t, want %t", got, c.inTest)
			}
			_, err := os.Stat(filepath.Join(scratch, "json", stack.Name))
			if ownCopy := err == nil; ownCopy == c.inTest {
				t.Errorf("JSON copy for a validate of its own written: %t, want %t", ownCopy, !c.inTest)
			}
			tot := r.Totals()
			if tot.Steps[StepValidate] != 1 {
				t.Errorf("validate ran for %d stacks, want 1:\n%s", tot.Steps[StepValidate], r.Summary())
			}
			err = r.Err()
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("tier passed:\n%s", r.Summary())
			}
			for _, w := range append([]string{"stack small-dev"}, c.want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("tier error does not contain %q; got:\n%s", w, err)
				}
			}
			if tot.Failed[StepValidate] != 1 {
				t.Errorf("failed stacks in %s = %d, want 1", StepValidate, tot.Failed[StepValidate])
			}
		})
	}
}
