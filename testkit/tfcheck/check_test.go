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
	testenv.Long(t, "runs the real terraform")
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	env := envOf(t, raw)
	r, err := Run(context.Background(), []Stack{{Name: name, Env: env, JSON: raw}}, Options{CacheDir: filepath.Join("..", "..", ".gen", "terraform-providers"), Only: only})
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
