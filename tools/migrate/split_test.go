package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"stratum/tools/migrate"
	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

var (
	refPattern       = regexp.MustCompile(`^\$\{([A-Za-z_][\w-]*)\.([\w-]+)\.([\w-]+)\}$`)
	partitionPattern = regexp.MustCompile(`\$\{data\.aws_partition\.[\w-]+\.partition\}`)
)

// legacyFixture is databases-prod as the last release before the split
// (one database stack per environment) synthesized it: the configuration
// that deployments being migrated were applied with.
const legacyFixture = "testdata/databases-prod.legacy.tf.json"

// legacyStack writes the legacy databases-prod into a synthesis of its
// own under dir and reads it back: with its own S3 backend (the real
// stratum-prod-tfstate/databases-prod/terraform.tfstate), or with a local
// backend at localState when that is set.
func legacyStack(t *testing.T, dir, localState string) *migrate.Stack {
	t.Helper()
	raw, err := os.ReadFile(legacyFixture)
	if err != nil {
		t.Fatal(err)
	}
	var j map[string]any
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if localState != "" {
		j["terraform"].(map[string]any)["backend"] = map[string]any{"local": map[string]any{"path": localState}}
	}
	writeJSON(t, filepath.Join(dir, "stacks", "databases-prod", "cdk.tf.json"), j)
	writeJSON(t, filepath.Join(dir, "manifest.json"), map[string]any{"stacks": map[string]any{"databases-prod": map[string]any{
		"name": "databases-prod", "synthesizedStackPath": "stacks/databases-prod/cdk.tf.json", "workingDirectory": "stacks/databases-prod",
	}}})
	syn, err := migrate.ReadSynthesis(dir)
	if err != nil {
		t.Fatal(err)
	}
	return syn.Stacks["databases-prod"]
}

// deployedState is the state a deployment of cfg has: an object for every
// resource and data source it declares, with its literal attributes,
// references to the stack's own resources resolved, ids and ARNs.
func deployedState(t *testing.T, cfg *migrate.Stack) *tfstate.State {
	t.Helper()
	st := &tfstate.State{TerraformVersion: "1.11.0", Lineage: tfbackend.NewLineage(), Serial: 7}
	attrs := map[string]map[string]any{}
	literal := func(r *migrate.ConfigResource) map[string]any {
		m := map[string]any{"id": fmt.Sprintf("fabricated-%s", r.Name)}
		for k, v := range r.Body {
			if sv, ok := v.(string); ok && strings.Contains(sv, "${") {
				continue
			}
			if k != "//" && k != "depends_on" && k != "lifecycle" && k != "provider" {
				m[k] = v
			}
		}
		if n, ok := m["name"].(string); ok && r.Type != "aws_kms_alias" {
			m["id"] = n
		}
		m["key_id"], m["arn"] = m["id"], "arn:aws:fabricated:"+r.Name
		return m
	}
	add := func(mode string, r *migrate.ConfigResource, m map[string]any) {
		raw, _ := json.Marshal(m)
		st.Resources = append(st.Resources, &tfstate.Resource{Mode: mode, Type: r.Type, Name: r.Name, Provider: cfg.ProviderAddr(r),
			Instances: []*tfstate.Instance{{Attributes: raw, SensitiveAttributes: json.RawMessage("[]")}}})
	}
	for addr, r := range cfg.Resources {
		attrs[addr] = literal(r)
	}
	for _, addr := range sortedAddrs(cfg.Resources) {
		r, m := cfg.Resources[addr], attrs[addr]
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
		add("managed", r, m)
	}
	for _, addr := range sortedAddrs(cfg.Data) {
		add("data", cfg.Data[addr], literal(cfg.Data[addr]))
	}
	return st
}

func sortedAddrs(m map[string]*migrate.ConfigResource) []string {
	out := make([]string, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// runCode runs `stratum migrate VERB -dir dir` and returns its exit
// code, stdout and stderr.
func runCode(dir, terraform string, verb string, args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := migrate.Main(context.Background(), append([]string{verb, "-dir", dir, "-terraform", terraform}, args...), &out, &errs)
	return code, out.String(), errs.String()
}

// pushTo writes st as the state of stack name.
func pushTo(t *testing.T, e *env, name string, st *tfstate.State) {
	t.Helper()
	raw, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	e.put(name, raw)
}

// count is the number of instances of st in mode.
func count(st *tfstate.State, mode string) int {
	n := 0
	for _, r := range st.Resources {
		if r.Mode == mode {
			n += len(r.Instances)
		}
	}
	return n
}

// TestMoveBetweenStacks is the worked example of docs/migration.md: a
// deployment of the last release before the split, whose databases-prod
// state holds both clients' databases and data sources, moves them into
// the synthesis's database-ezra-prod and database-mtn-ghana-prod (of the
// clients the fixture holds, clientstest.Deployed) with no mapping file. databases-prod is no longer synthesized, so the
// tool finds its backend from the destinations'. Every managed instance
// maps automatically to the same address in its own client's stack (a
// pure move: the addresses did not change), nothing is left to create,
// apply and verify succeed, databases-prod keeps only its data sources,
// and rollback puts everything back.
func TestMoveBetweenStacks(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"local", "s3+dynamodb"} {
		t.Run(kind, func(t *testing.T) { t.Parallel(); moveBetweenStacks(t, kind) })
	}
}

func moveBetweenStacks(t *testing.T, kind string) {
	e := newEnv(t, kind)
	root := filepath.Dir(e.dir)
	localState := ""
	var backendConfig []string
	if kind == "local" {
		localState = filepath.Join(root, "states", "databases-prod.tfstate")
	} else {
		backendConfig = []string{"-backend-config", e.flags[len(e.flags)-3]}
	}
	legacy := legacyStack(t, filepath.Join(root, "legacy"), localState)
	b := legacy.Backend
	b.BackendConfig = e.states["database-ezra-prod"].BackendConfig
	e.states["databases-prod"] = &b
	// Where databases-prod's state is, as the tool describes it.
	state := b.String()
	if want := map[string]string{"local": "local:" + localState, "s3+dynamodb": "s3://stratum-prod-tfstate/databases-prod/terraform.tfstate"}[kind]; state != want {
		t.Fatalf("the legacy state is %s, want %s", state, want)
	}
	split := []string{"database-ezra-prod", "database-mtn-ghana-prod"}
	syn, err := migrate.ReadSynthesis(e.synthesis)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := syn.Stacks["databases-prod"]; ok {
		t.Fatal("databases-prod is still synthesized")
	}
	for _, name := range split {
		if _, ok := syn.Stacks[name]; !ok {
			t.Fatalf("%s is not synthesized", name)
		}
	}

	before := deployedState(t, legacy)
	raw, err := before.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	e.put("databases-prod", raw)
	pulled := e.pullAll()

	dir := filepath.Join(root, "split")
	run := func(want int, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		full := append([]string{args[0], "-dir", dir, "-terraform", e.terraform}, args[1:]...)
		if code := migrate.Main(context.Background(), full, &out, &errs); code != want {
			t.Fatalf("migrate %v: exit %d, want %d\n%s\n%s", args, code, want, out.String(), errs.String())
		}
		return out.String()
	}
	if code, _, errs := runCode(dir, e.terraform, "retire"); code != 1 || !strings.Contains(errs, "plan.json") {
		t.Errorf("retire before any plan: exit %d, %s; want a refusal", code, errs)
	}
	plan := append([]string{"plan", "-source", "stack:databases-prod", "-stacks", "database-*-prod", "-synthesis", e.synthesis}, backendConfig...)
	out := run(2, append(plan, "-json")...)
	l := ledger(t, out)
	if len(l.Unmapped) > 0 || len(l.Ambiguous) > 0 || len(l.Conflicts) > 0 {
		t.Fatalf("split plan: unmapped %v ambiguous %v conflicts %v, want none", l.Unmapped, l.Ambiguous, l.Conflicts)
	}
	if got := (tfbackend.Backend{Type: l.Source.Backend.Type, Config: l.Source.Backend.Config}); !reflect.DeepEqual(got.Config, b.Config) || got.Type != b.Type {
		t.Errorf("source backend %s %v, want the legacy stack's own %s %v (inferred from the destinations')", got.Type, got.Config, b.Type, b.Config)
	}
	if len(l.Entries) != count(before, "managed")+count(before, "data") {
		t.Errorf("split plan: %d entries, want one per instance of databases-prod (%d)", len(l.Entries), count(before, "managed")+count(before, "data"))
	}
	moves := 0
	for _, en := range l.Entries {
		if en.Mode == "data" {
			if en.Action != migrate.ActionKeep {
				t.Errorf("%s: got %s, want the data source kept (each stack reads its own)", en.Source, en.Action)
			}
			continue
		}
		moves++
		r := legacy.Resources[en.Source]
		if r == nil {
			t.Errorf("%s: not a resource of the legacy databases-prod", en.Source)
			continue
		}
		client := strings.Split(r.Path, "/")[1]
		if r.Type == "aws_ssm_parameter" {
			client = strings.Split(r.Body["name"].(string), "/")[4] // /stratum/prod/databases/<client>/<key>
		}
		if want := "database-" + client + "-prod"; en.Action != migrate.ActionMove || en.Stack != want || en.Destination != en.Source || en.By != "auto" {
			t.Errorf("%s: got %s to %s:%s by %s, want an automatic move to the same address in %s", en.Source, en.Action, en.Stack, en.Destination, en.By, want)
		}
	}
	if len(l.Create) != 0 {
		t.Errorf("the new stacks would create %v: every resource of theirs must come from databases-prod", l.Create)
	}
	table := run(2, plan...)
	t.Logf("the plan table docs/migration.md shows:\n%s", table)
	for _, want := range []string{
		"(stack databases-prod is no longer synthesized: its backend is the destinations' (database-ezra-prod, database-mtn-ghana-prod) with their name replaced by its own)",
		fmt.Sprintf("== database-ezra-prod: %d to move in, 0 to create", moves/2),
		fmt.Sprintf("== database-mtn-ghana-prod: %d to move in, 0 to create", moves/2),
		fmt.Sprintf("%d to move into 2 stacks (0 already there), 0 to retire, 0 kept, %d data sources; 0 unmapped, 0 ambiguous, 0 conflicts, 0 deposed.", moves, count(before, "data")),
	} {
		if !strings.Contains(table, want) {
			t.Errorf("plan table lacks %q:\n%s", want, table)
		}
	}

	if code, _, errs := runCode(dir, e.terraform, "retire"); code != 1 || !strings.Contains(errs, "nothing was removed: verify") {
		t.Errorf("retire before apply: exit %d, %s; want a refusal: nothing is verified", code, errs)
	}
	out = run(0, "apply")
	for _, name := range split {
		if !strings.Contains(out, "npx cdktf diff "+name) {
			t.Errorf("apply output lacks the check of %s:\n%s", name, out)
		}
	}
	out = run(0, "verify")
	if want := fmt.Sprintf("%d moved into 2 stacks, 0 retired, 0 kept, %d data sources; 0 lost, 0 duplicated, 0 changed, 0 pending", moves, count(before, "data")); !strings.Contains(out, want) {
		t.Errorf("verify: got %q, want %q", out, want)
	}
	after := e.pull("databases-prod")
	if after == nil || count(after, "managed") != 0 || count(after, "data") != count(before, "data") {
		t.Errorf("databases-prod after the split: want its %d data sources and no managed resource", count(before, "data"))
	}
	for _, name := range split {
		st := e.pull(name)
		if st == nil || count(st, "managed") != len(syn.Stacks[name].Resources) {
			t.Errorf("%s: want every resource its configuration declares in its state", name)
		}
	}

	// Retire refuses while databases-prod still holds a managed resource
	// (someone added one after the move), then removes the emptied state.
	reduced, err := after.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	extra, _ := tfstate.Parse("reduced", reduced)
	extra.Serial++
	extra.Resources = append(extra.Resources, &tfstate.Resource{Mode: "managed", Type: "aws_s3_bucket", Name: "stray", Provider: `provider["registry.terraform.io/hashicorp/aws"]`,
		Instances: []*tfstate.Instance{{Attributes: json.RawMessage(`{"id":"stray","bucket":"stray"}`), SensitiveAttributes: json.RawMessage("[]")}}})
	pushTo(t, e, "databases-prod", extra)
	code, _, errs := runCode(dir, e.terraform, "retire")
	if code != 1 || !strings.Contains(errs, "nothing was removed: "+state+" still holds 1 managed resources (aws_s3_bucket.stray)") {
		t.Errorf("retire with a managed resource left: exit %d, %s; want a refusal naming it", code, errs)
	}
	back, _ := tfstate.Parse("reduced", reduced)
	back.Serial = e.pull("databases-prod").Serial + 1
	pushTo(t, e, "databases-prod", back)
	out = run(0, "retire")
	if want := fmt.Sprintf("Retired stack databases-prod: removed its state %s (%d data sources, no managed resource)", state, count(before, "data")); !strings.Contains(out, want) {
		t.Errorf("retire: got %q, want %q", out, want)
	}
	if e.pull("databases-prod") != nil {
		t.Error("databases-prod still has a state after retire")
	}
	out = run(0, "verify")
	if !strings.Contains(out, "0 lost, 0 duplicated, 0 changed, 0 pending") || !strings.Contains(out, "the source's state was retired") {
		t.Errorf("verify after retire: %s", out)
	}
	// A retire that removed the state and stopped before recording it (a
	// crash between the two): verify still passes, and retire records it.
	logPath := filepath.Join(dir, "migration.log.jsonl")
	logRaw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(logRaw), "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, `"step":"retired"`) {
		t.Fatalf("the log's last record is %s, want retire's", last)
	}
	if err := os.WriteFile(logPath, []byte(strings.Join(lines[:len(lines)-1], "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := run(0, "verify"); !strings.Contains(out, "0 lost, 0 duplicated, 0 changed, 0 pending") {
		t.Errorf("verify after an interrupted retire: %s", out)
	}
	if out := run(0, "retire"); !strings.Contains(out, "stopped before recording it; recorded now") {
		t.Errorf("retire after an interrupted retire: %q, want it to record the removal", out)
	}
	if out := run(0, "retire"); !strings.Contains(out, "already retired") {
		t.Errorf("second retire: %q, want it to say so", out)
	}

	run(0, "rollback")
	sameStates(t, "after rollback", e.pullAll(), pulled)
	for _, name := range split {
		if e.pull(name) != nil {
			t.Errorf("%s still has a state after rollback; it had none before", name)
		}
	}
}
