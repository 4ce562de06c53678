package kubecheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"stratum/config"
)

// tenants are n clients of an environment, the first a prefix of the
// second's name (acme, acme-labs), as Tenants would build them.
func testTenants(n int) []Tenant {
	env := config.Environment{Name: "prod", Region: "us-east-1", Domain: "prod.example.com", AccountID: "123456789012"}
	names := []string{"acme", "acme-labs", "globex", "initech"}[:n]
	var out []Tenant
	for _, c := range names {
		tn := Tenant{
			Client: c, Namespace: c, Domain: c + "." + env.Domain, EnvDomain: env.Domain,
			NodeSelector:  map[string]string{"stratum.io/client": c},
			Tolerations:   []any{map[string]any{"key": "stratum.io/client", "operator": "Equal", "value": c, "effect": "NoSchedule"}},
			LoadBalancers: 2,
		}
		tn.TargetGroupName, tn.TargetGroupARN = targetGroup(env, c, "web")
		out = append(out, tn)
	}
	return out
}

// TestCasesCoverEveryPair: the matrix holds for any number of clients:
// every row runs for every client, every pair row for every ordered pair,
// each request gets its own object name in its namespace, and each client
// has requests to be admitted as well as refused, of every kind.
func TestCasesCoverEveryPair(t *testing.T) {
	for n := 1; n <= 4; n++ {
		t.Run(fmt.Sprintf("%d clients", n), func(t *testing.T) {
			tenants := testTenants(n)
			cases := Cases(tenants, "system:serviceaccount:kube-system:aws-load-balancer-controller")
			perRow := map[string]int{}
			names := map[string]bool{}
			kinds := map[string]map[bool]bool{} // client/kind -> admitted?
			for _, c := range cases {
				perRow[c.Row]++
				obj := c.Request.Object
				key := c.Namespace + "/" + str(asMap(obj["metadata"])["name"])
				if names[key] {
					t.Errorf("%s: object %s used twice", c.Name, key)
				}
				names[key] = true
				if c.Want.Policy != "" && !strings.HasPrefix(c.Want.Policy, "namespace-"+c.Namespace+"-") {
					t.Errorf("%s: refused by %s, a policy of another namespace than %s", c.Name, c.Want.Policy, c.Namespace)
				}
				k := c.Namespace + "/" + str(obj["kind"])
				if kinds[k] == nil {
					kinds[k] = map[bool]bool{}
				}
				kinds[k][c.Want.Admit] = true
			}
			for _, row := range Matrix {
				runs := n
				if row.Pair {
					runs = n * (n - 1)
				}
				per := len(row.Make(tenants[0], tenants[len(tenants)-1]))
				if got := perRow[row.Name]; got != runs*per {
					t.Errorf("row %q: %d cases, want %d", row.Name, got, runs*per)
				}
			}
			for k, verdicts := range kinds {
				if !verdicts[true] || !verdicts[false] {
					t.Errorf("%s: only %v verdicts; the matrix must admit and refuse requests of each kind", k, verdicts)
				}
			}
		})
	}
}

func TestVerdictMatches(t *testing.T) {
	policy := &StatusError{Code: 403, Message: `ingresses.networking.k8s.io "case-1" is forbidden: ValidatingAdmissionPolicy 'namespace-acme-ingress-hostnames' with binding 'namespace-acme-ingress-hostnames' denied request: Ingress hosts in namespace acme must be ...`}
	quota := &StatusError{Code: 403, Message: `services "case-2" is forbidden: exceeded quota: tenant, requested: services.nodeports=1, used: services.nodeports=0, limited: services.nodeports=0`}
	other := errors.New("admission webhook denied it")
	cases := []struct {
		v    Verdict
		err  error
		want bool
	}{
		{admitted(), nil, true},
		{admitted(), policy, false},
		{Verdict{Policy: "namespace-acme-ingress-hostnames"}, policy, true},
		{Verdict{Policy: "namespace-acme-ingress-hostnames"}, nil, false},
		{Verdict{Policy: "namespace-acme-ingress-hostnames"}, other, false},
		{Verdict{Policy: "namespace-acme-service-hostnames"}, policy, false},
		{Verdict{Policy: "namespace-acme"}, policy, false},
		{overQuota("services.nodeports"), quota, true},
		{overQuota("services.loadbalancers"), quota, false},
		{overQuota("services.nodeports"), policy, false},
		{podSecurity("baseline"), &StatusError{Code: 403, Message: `pods "case-3" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`}, true},
		{podSecurity("baseline"), policy, false},
	}
	for _, c := range cases {
		if got := c.v.matches(c.err); got != c.want {
			t.Errorf("%s on %v: %t, want %t", c.v, c.err, got, c.want)
		}
	}
}
