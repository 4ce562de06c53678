package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stratum/migrate"
	"stratum/tfbackend"
	"stratum/tfstate"
)

var (
	refPattern       = regexp.MustCompile(`^\$\{([A-Za-z_][\w-]*)\.([\w-]+)\.([\w-]+)\}$`)
	partitionPattern = regexp.MustCompile(`\$\{data\.aws_partition\.[\w-]+\.partition\}`)
)

// fillFromConfig adds to the stack's state an object for every resource
// its configuration declares and the state lacks, as a deployment of the
// stack would have it: literal attributes, references to the stack's own
// resources resolved, an id. The monolith never had most of
// databases-prod's resources (parameters, keys, log groups, backup
// selections), but a deployed databases-prod has them all, and they must
// all move.
func fillFromConfig(t *testing.T, e *env, stack string) *tfstate.State {
	t.Helper()
	syn, err := migrate.ReadSynthesis(e.synthesis)
	if err != nil {
		t.Fatal(err)
	}
	st := e.pull(stack)
	cfg := syn.Stacks[stack]
	attrs := map[string]map[string]any{}
	var missing []*migrate.ConfigResource
	for addr, r := range cfg.Resources {
		a, _ := tfstate.ParseInstanceAddr(addr)
		if _, in := st.FindInstance(a); in != nil {
			m, _ := in.Attrs()
			attrs[addr] = m
			continue
		}
		m := map[string]any{"id": fmt.Sprintf("fabricated-%s", r.Name)}
		for k, v := range r.Body {
			if sv, ok := v.(string); ok && strings.Contains(sv, "${") {
				continue
			}
			if k != "//" && k != "depends_on" && k != "lifecycle" {
				m[k] = v
			}
		}
		if n, ok := m["name"].(string); ok && r.Type != "aws_kms_alias" {
			m["id"] = n
		}
		m["key_id"], m["arn"] = m["id"], "arn:aws:fabricated:"+r.Name
		attrs[addr] = m
		missing = append(missing, r)
	}
	for _, r := range missing {
		m := attrs[r.Addr()]
		for k, v := range r.Body {
			sv, ok := v.(string)
			if !ok {
				continue
			}
			if g := refPattern.FindStringSubmatch(sv); g != nil && g[1] != "data" {
				if target := attrs[g[1]+"."+g[2]]; target != nil {
					m[k] = target[g[3]]
				}
			} else if partitionPattern.MatchString(sv) && strings.Count(sv, "${") == 1 {
				m[k] = partitionPattern.ReplaceAllString(sv, "aws")
			}
		}
		raw, _ := json.Marshal(m)
		st.Resources = append(st.Resources, &tfstate.Resource{Mode: "managed", Type: r.Type, Name: r.Name, Provider: cfg.ProviderAddr(r),
			Instances: []*tfstate.Instance{{Attributes: raw, SensitiveAttributes: json.RawMessage("[]")}}})
	}
	if len(missing) == 0 {
		t.Fatalf("%s: the monolith had every resource; the test wants some it did not have", stack)
	}
	st.Serial++
	raw, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s := e.open(*e.states[stack])
	defer s.Close()
	if err := s.Push(context.Background(), raw, tfbackend.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	return e.pull(stack)
}

// splitDatabases adds database-<client>-prod stacks to the synthesis in
// dir, each with its client's resources of databases-prod: the layout
// issue 12 introduces, so that the test below is the move existing
// deployments will make.
func splitDatabases(t *testing.T, dir string, states string) []string {
	t.Helper()
	mpath := filepath.Join(dir, "manifest.json")
	raw, _ := os.ReadFile(mpath)
	var manifest map[string]any
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	stacks := manifest["stacks"].(map[string]any)
	doc, err := os.ReadFile(filepath.Join(dir, "stacks", "databases-prod", "cdk.tf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, client := range []string{"ezra", "mtn-ghana"} {
		var j map[string]any
		json.Unmarshal(doc, &j)
		for typ, byName := range j["resource"].(map[string]any) {
			for n := range byName.(map[string]any) {
				if !strings.HasPrefix(n, client+"_") && !strings.HasPrefix(n, "param-databases-"+client+"-") {
					delete(byName.(map[string]any), n)
				}
			}
			if len(byName.(map[string]any)) == 0 {
				delete(j["resource"].(map[string]any), typ)
			}
		}
		name := "database-" + client + "-prod"
		j["terraform"].(map[string]any)["backend"] = map[string]any{"local": map[string]any{"path": filepath.Join(states, name+".tfstate")}}
		writeJSON(t, filepath.Join(dir, "stacks", name, "cdk.tf.json"), j)
		cp := map[string]any{}
		for k, v := range stacks["databases-prod"].(map[string]any) {
			cp[k] = v
		}
		cp["name"], cp["synthesizedStackPath"], cp["workingDirectory"] = name, "stacks/"+name+"/cdk.tf.json", "stacks/"+name
		stacks[name] = cp
		names = append(names, name)
	}
	writeJSON(t, mpath, manifest)
	return names
}

// TestMoveBetweenStacks moves every client's database from an existing
// Stratum stack's state (databases-prod) into one stack per client, with
// no mapping file: the worked example of docs/migration.md.
func TestMoveBetweenStacks(t *testing.T) {
	e := newEnv(t, "local")
	e.mustRun(2, "plan", "-json")
	e.mustRun(0, "apply")
	root := filepath.Dir(e.dir)
	split := splitDatabases(t, e.synthesis, filepath.Join(root, "states"))
	for _, name := range split {
		e.states[name] = &tfbackend.Backend{Name: name, Type: "local", Config: map[string]any{"path": filepath.Join(root, "states", name+".tfstate")}}
	}
	before := fillFromConfig(t, e, "databases-prod")
	dir := filepath.Join(root, "split")
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		full := append([]string{args[0], "-dir", dir, "-terraform", e.terraform}, args[1:]...)
		if code := migrate.Main(full, &out, &errs); code != want {
			t.Fatalf("migrate %v: exit %d, want %d\n%s\n%s", args, code, want, out.String(), errs.String())
		}
		return out.String()
	}
	out := run(2, "plan", "-json", "-source", "stack:databases-prod", "-stacks", "database-*-prod", "-synthesis", e.synthesis)
	l := ledger(t, out)
	if len(l.Unmapped) > 0 || len(l.Ambiguous) > 0 {
		t.Fatalf("split plan: unmapped %v ambiguous %v, want none", l.Unmapped, l.Ambiguous)
	}
	n := 0
	for _, r := range before.Resources {
		n += len(r.Instances)
	}
	if len(l.Entries) != n {
		t.Errorf("split plan: %d entries, want one per instance of databases-prod (%d)", len(l.Entries), n)
	}
	for _, en := range l.Entries {
		client := strings.TrimPrefix(strings.TrimSuffix(en.Stack, "-prod"), "database-")
		name := strings.SplitN(en.Destination, ".", 2)[1]
		if en.Action != migrate.ActionMove || !strings.HasPrefix(name, client+"_") && !strings.HasPrefix(name, "param-databases-"+client+"-") {
			t.Errorf("%s: got %s to %s:%s, want a move into its own client's stack", en.Source, en.Action, en.Stack, en.Destination)
		}
	}
	run(0, "apply")
	out = run(0, "verify")
	if !strings.Contains(out, "0 lost, 0 duplicated") {
		t.Errorf("verify: %s", out)
	}
	if after := e.pull("databases-prod"); after == nil || len(after.Resources) != 0 {
		t.Errorf("databases-prod should be left empty after the split")
	}
}
