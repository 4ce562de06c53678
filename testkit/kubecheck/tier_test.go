package kubecheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/testenv"
	"stratum/testkit/tfcheck"
)

// EnvTierReport names a file the Kubernetes tier writes its summary to;
// `make test` sets it and prints the file next to the Terraform tier's.
const EnvTierReport = "STRATUM_KUBE_TIER_REPORT"

// repoRoot is the repository's top directory, from this package.
const repoRoot = "../.."

// TestKubernetesTier creates every Kubernetes object of every stack (the
// golden files, which TestSnapshots holds equal to the synthesis) on a
// kube-apiserver per environment, then runs the isolation matrix there.
// Without the server binary it prints a SKIPPED line, and fails in CI.
func TestKubernetesTier(t *testing.T) {
	if testing.Short() {
		t.Skip("the Kubernetes tier starts a kube-apiserver per environment")
	}
	start := time.Now()
	envs := tierEnvironments(t, config.Environments(), clients.All)
	if envs == nil {
		return
	}
	report := &Report{}
	for _, e := range envs {
		r, err := Check(context.Background(), e)
		if err != nil {
			testenv.WriteReport(t, EnvTierReport, "kubernetes tier: could not run: "+err.Error()+"\n")
			t.Fatal(err)
		}
		report.Envs = append(report.Envs, r)
	}
	report.Elapsed = time.Since(start)
	summary := report.Summary()
	t.Log("\n" + summary)
	if err := report.Err(); err != nil {
		testenv.WriteReport(t, EnvTierReport, summary+err.Error()+"\n")
		t.Fatal(err)
	}
	testenv.WriteReport(t, EnvTierReport, summary)
}

// tierEnvironments reads the golden stacks and prepares every
// environment's check; nil (after a SKIPPED line) when a server binary is
// missing outside CI.
func tierEnvironments(t *testing.T, envs []config.Environment, all []clients.Client) []Environment {
	t.Helper()
	releases, err := EnvironmentReleases(envs)
	if err != nil {
		t.Fatal(err)
	}
	if missing := MissingServers(repoRoot, releases); len(missing) > 0 {
		line := Skipped(missing)
		testenv.WriteReport(t, EnvTierReport, line+"\n")
		if tfcheck.InCI(os.Getenv) {
			t.Fatalf("%s\nCI=true: the Kubernetes tier must run in CI (make kube-apiserver before make test)", line)
		}
		t.Skip(line)
		return nil
	}
	stacks, err := goldenStacks(filepath.Join(repoRoot, "__snapshots__"), envs, all)
	if err != nil {
		t.Fatal(err)
	}
	var out []Environment
	for _, env := range envs {
		byName := map[string][]byte{}
		var list []Stack
		for _, st := range stacks[env.Name] {
			byName[st.Name] = st.JSON
			r, err := tfcheck.NewResolver(st.Name, env, st.JSON)
			if err != nil {
				t.Fatal(err)
			}
			st.Lookup = r.Lookup
			list = append(list, st)
		}
		tenants, err := Tenants(env, clients.Tenancies(all, env), byName, func(c string) string { return contract.Client.StackName(env.Name, c) })
		if err != nil {
			t.Fatal(err)
		}
		user, err := ControllerUser(byName[contract.Services.StackName(env.Name, "")])
		if err != nil {
			t.Fatalf("environment %s: %v", env.Name, err)
		}
		out = append(out, Environment{Name: env.Name, Binary: Binary(repoRoot, releases[env.Name]), Stacks: list, Tenants: tenants, ControllerUser: user})
	}
	return out
}

// deployOrder is the order in which an environment's layers are deployed.
var deployOrder = []contract.Layer{contract.Bootstrap, contract.Foundation, contract.Platform, contract.Services, contract.Databases, contract.Client}

// goldenStacks reads every golden stack and gives each to its environment,
// in deployment order. A golden file no layer names goes to the
// environment its name ends with, after the known layers (so that a new
// layer's objects are checked too); one no environment claims is an
// error.
func goldenStacks(dir string, envs []config.Environment, all []clients.Client) (map[string][]Stack, error) {
	type place struct {
		env  string
		rank int
	}
	places := map[string]place{}
	for _, env := range envs {
		for rank, l := range deployOrder {
			if !l.PerClient() {
				places[l.StackName(env.Name, "")] = place{env.Name, rank}
				continue
			}
			for _, t := range clients.Tenancies(all, env) {
				places[l.StackName(env.Name, t.Client.Name)] = place{env.Name, rank}
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no golden stacks in %s", dir)
	}
	type entry struct {
		place
		st Stack
	}
	var entries []entry
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		p, ok := places[name]
		if !ok {
			for _, env := range envs {
				if strings.HasSuffix(name, "-"+env.Name) && len(env.Name) > len(p.env) {
					p = place{env.Name, len(deployOrder)}
				}
			}
			if p.env == "" {
				return nil, fmt.Errorf("%s: the stack belongs to no environment", f)
			}
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		entries = append(entries, entry{p, Stack{Name: name, JSON: raw}})
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].rank != entries[j].rank {
			return entries[i].rank < entries[j].rank
		}
		return entries[i].st.Name < entries[j].st.Name
	})
	out := map[string][]Stack{}
	for _, e := range entries {
		out[e.env] = append(out[e.env], e.st)
	}
	return out, nil
}

// TestMatrixCatchesWeakenedPolicies runs the matrix of an environment
// with two clients or more against weakened objects and checks that it
// fails exactly where each weakness lets a request through: without the
// actions.* rule of the Ingress policies, without the toleration rule of
// the placement policies, without one client's TargetGroupBinding policy
// binding, and without another client's quota; and that an object the
// server refuses is reported with its stack, address and the server's
// message.
func TestMatrixCatchesWeakenedPolicies(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a kube-apiserver")
	}
	envs := tierEnvironments(t, config.Environments(), clients.All)
	if envs == nil {
		return
	}
	var e Environment
	for _, env := range envs {
		if len(env.Tenants) >= 2 {
			e = env
			break
		}
	}
	if e.Name == "" {
		t.Fatal("no environment has two clients")
	}
	unbound, unlimited := e.Tenants[0].Namespace, e.Tenants[1].Namespace
	var broken string
	without := func(o *Object, fragment string) {
		spec := asMap(o.Body["spec"])
		var kept []any
		for _, v := range asList(spec["validations"]) {
			if !strings.Contains(str(asMap(v)["expression"]), fragment) {
				kept = append(kept, v)
			}
		}
		spec["validations"] = kept
	}
	e.Alter = func(o *Object) bool {
		name := o.Name()
		switch {
		case o.Kind() == "ValidatingAdmissionPolicy" && strings.HasSuffix(name, "-"+policyIngress):
			without(o, actionsPrefix)
		case o.Kind() == "ValidatingAdmissionPolicy" && strings.HasSuffix(name, "-"+policyPlacement):
			without(o, "object.spec.tolerations")
		case o.Kind() == "ValidatingAdmissionPolicyBinding" && name == "namespace-"+unbound+"-"+policyBindings:
			return false
		case o.Kind() == "ResourceQuota" && o.Namespace() == unlimited:
			return false
		case o.Kind() == "NetworkPolicy" && o.Namespace() == unbound && broken == "":
			// And one object the server must refuse, by name.
			broken = o.Address
			rules := asList(asMap(o.Body["spec"])["egress"])
			rules = append(rules, map[string]any{"ports": []any{map[string]any{"port": 70000, "protocol": "TCP"}}})
			asMap(o.Body["spec"])["egress"] = rules
		}
		return true
	}
	r, err := Check(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	stack := contract.Client.StackName(e.Name, e.Tenants[0].Client)
	if f := r.Applied.Failures; len(f) != 1 || f[0].Stack != stack || f[0].Address != broken || !strings.Contains(f[0].Message, "70000") {
		t.Errorf("objects refused: %v; want only %s of %s, with the server's message on its port 70000", f, broken, stack)
	} else {
		t.Logf("refused, as it must be: %s", f[0])
	}
	let := func(c Case) bool {
		annotations := asMap(asMap(c.Request.Object["metadata"])["annotations"])
		switch {
		case c.Want.Admit:
			return false
		case c.Want.Policy == "namespace-"+c.Namespace+"-"+policyIngress:
			for k := range annotations {
				if strings.HasPrefix(k, actionsPrefix) {
					return true
				}
			}
		case c.Want.Policy == "namespace-"+c.Namespace+"-"+policyPlacement:
			return c.Request.Object["spec"].(map[string]any)["tolerations"] == nil && c.Request.Object["spec"].(map[string]any)["nodeSelector"] != nil
		case c.Want.Policy == "namespace-"+unbound+"-"+policyBindings:
			return true
		case c.Want.Quota != "":
			return c.Namespace == unlimited
		}
		return false
	}
	var expected, failed, wrong []string
	for _, c := range r.Cases {
		if let(c.Case) {
			expected = append(expected, c.Case.Name)
		}
		if !c.OK {
			failed = append(failed, c.Case.Name)
			if !let(c.Case) {
				wrong = append(wrong, fmt.Sprintf("%s: %s, want %s", c.Case.Name, c.Got(), c.Case.Want))
			}
		}
	}
	if len(expected) == 0 {
		t.Fatal("no case exercises the weaknesses")
	}
	if strings.Join(failed, "\n") != strings.Join(expected, "\n") {
		t.Errorf("with the weakened objects, the matrix failed on:\n  %s\nwant exactly:\n  %s\nunexpected:\n  %s",
			strings.Join(failed, "\n  "), strings.Join(expected, "\n  "), strings.Join(wrong, "\n  "))
	}
	t.Logf("the weakened objects let %d cases through, each one the matrix reports", len(failed))
}
