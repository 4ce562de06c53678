package tfcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResolver(t *testing.T) {
	env := envNamed(t, "prod")
	raw, err := os.ReadFile(filepath.Join("..", "..", "__snapshots__", "client-mtn-ghana-prod.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver("client-mtn-ghana-prod", env, raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ expr, want string }{
		// A literal the stack configures.
		{"kubernetes_namespace_v1.namespace_67941C3A.metadata[0].name", "mtn-ghana"},
		// An attribute the provider computes, named after the resource.
		{"aws_iam_role.app-api_role_753054FC.arn", "arn:aws:iam::" + env.AccountID + ":role/stratum-prod-mtn-ghana-api"},
		// A contract parameter's value.
		{"data.aws_ssm_parameter.import-foundation-vpc-id.insecure_value", ssmShapes["foundation/vpc/id"].value(fakes{env: env}, "")},
	} {
		if got, err := r.Lookup(c.expr); err != nil || got != c.want {
			t.Errorf("Lookup(%s) = %q, %v; want %q", c.expr, got, err, c.want)
		}
	}
	for _, c := range []struct{ expr, want string }{
		{`base64decode(data.aws_ssm_parameter.import-platform-cluster-ca-data.insecure_value)`, "not a plain reference"},
		{"aws_iam_role.gone.arn", "does not declare"},
		{"kubernetes_namespace_v1.namespace_67941C3A.metadata[0].uid", "neither configured with a literal nor mocked"},
	} {
		if _, err := r.Lookup(c.expr); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Lookup(%s): got %v, want an error containing %q", c.expr, err, c.want)
		}
	}
}
