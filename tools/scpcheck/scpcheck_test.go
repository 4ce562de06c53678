package scpcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
)

// org is a recorded organization: each target's parent and SCPs.
type org struct {
	parents  map[string]string   // child → parent ("" for the root)
	attached map[string][]string // target → policy ids
	content  map[string]string   // policy id → content
}

// aws answers like the AWS CLI's JSON output.
func (o org) aws(args ...string) ([]byte, error) {
	switch {
	case args[1] == "list-parents":
		p, ok := o.parents[args[3]]
		if !ok {
			return nil, fmt.Errorf("aws organizations list-parents: ChildNotFoundException: %s", args[3])
		}
		if p == "" {
			return []byte(`{"Parents": []}`), nil
		}
		typ := "ORGANIZATIONAL_UNIT"
		if strings.HasPrefix(p, "r-") {
			typ = "ROOT"
		}
		return json.Marshal(map[string]any{"Parents": []any{map[string]string{"Id": p, "Type": typ}}})
	case args[1] == "list-policies-for-target":
		var ps []any
		for _, id := range o.attached[args[3]] {
			ps = append(ps, map[string]string{"Id": id, "Name": "name-of-" + id})
		}
		return json.Marshal(map[string]any{"Policies": ps})
	case args[1] == "describe-policy":
		return json.Marshal(map[string]any{"Policy": map[string]any{"Content": o.content[args[3]]}})
	}
	return nil, fmt.Errorf("unexpected aws %v", args)
}

const fullAccess = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`

func generated(t *testing.T, envs []config.Environment) string {
	t.Helper()
	b, err := contract.SCP(envs, deploy.ContractWriters)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheck(t *testing.T) {
	envs := config.Environments()
	prod := envs[0]
	// The SCP of the last release: only the CI apply role may write.
	old := `{"Version": "2012-10-17", "Statement": [{"Sid": "Old", "Effect": "Deny", "Action": ["ssm:PutParameter"],
		"Resource": "` + contract.ParametersARN(prod) + `",
		"Condition": {"ArnNotEquals": {"aws:PrincipalArn": ["arn:aws:iam::111111111111:role/stratum-prod-ci-apply"]}}}]}`
	base := func() org {
		return org{
			parents:  map[string]string{prod.AccountID: "ou-prod", "ou-prod": "r-root", "r-root": ""},
			attached: map[string][]string{"r-root": {"p-full"}},
			content:  map[string]string{"p-full": fullAccess, "p-guard": generated(t, envs), "p-old": old},
		}
	}
	cases := []struct {
		name   string
		mutate func(*org)
		code   int
		want   []string
	}{
		{"attached to the OU", func(o *org) { o.attached["ou-prod"] = []string{"p-guard"} }, 0, []string{"ou-prod: name-of-p-guard", "none"}},
		{"attached to the account", func(o *org) { o.attached[prod.AccountID] = []string{"p-guard"} }, 0, []string{prod.AccountID + ": name-of-p-guard"}},
		{"attached to the root", func(o *org) { o.attached["r-root"] = []string{"p-full", "p-guard"} }, 0, []string{"r-root: name-of-p-guard"}},
		{"not attached", func(*org) {}, 2, []string{"nothing denies", "/stratum/prod/foundation/"}},
		{"the last release's SCP", func(o *org) { o.attached["ou-prod"] = []string{"p-old"} }, 2,
			[]string{"stratum-prod-foundation-deploy is denied writing its own", "name-of-p-old"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := base()
			tc.mutate(&o)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"-env", "prod"}, envs, o.aws, &stdout, &stderr)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
		})
	}
	var stdout, stderr bytes.Buffer
	o := base()
	delete(o.parents, prod.AccountID)
	if code := run(context.Background(), []string{"-env", "prod"}, envs, o.aws, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), `environment "prod"`) {
		t.Errorf("an error of the CLI: exit %d, stderr %q; want 1 naming the environment", code, stderr.String())
	}
}

// TestCLI runs a stand-in `aws` executable: the command passes
// --output json and reads its standard output.
func TestCLI(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "aws")
	body := `#!/bin/sh
case "$2" in
  list-parents) echo '{"Parents": []}' ;;
  list-policies-for-target) echo '{"Policies": []}' ;;
esac
[ "$(eval echo \${$#})" = json ] || { echo "no --output json" >&2; exit 3; }
`
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-aws", script, "-env", "dev"}, config.Environments(), nil, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2 (nothing attached)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
}
