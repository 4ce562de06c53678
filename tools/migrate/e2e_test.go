package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
	"github.com/johannesboyne/gofakes3"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
	"stratum/testkit/clientstest"
	"stratum/testkit/monolith"
	"stratum/testkit/testenv"
	"stratum/testkit/testmain"
	"stratum/tools/migrate"
	"stratum/tools/synthesis"
	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

var (
	synthOnce sync.Once
	synthDir  string
	synthErr  error
)

// realSynthesis is the synthesis of the real environments with the
// clients the fixtures hold (clientstest.Deployed, not clients.All: the
// tests hold whatever a newcomer onboards or offboards), laid out as
// cdktf.out once per test binary. Tests copy it when they change backends.
func realSynthesis(t testing.TB) string {
	t.Helper()
	synthOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stratum-migrate-synth-")
		if err != nil {
			synthErr = err
			return
		}
		synthErr = fixtureSynthesis(filepath.Join(testenv.RepoRoot(t), "__snapshots__"), dir)
		synthDir = dir
	})
	if synthErr != nil {
		t.Fatalf("synthesis of the fixtures' clients: %v", synthErr)
	}
	return synthDir
}

// fixtureSynthesis writes the synthesis of the real environments with
// the fixtures' clients into out. A stack's output depends only on its
// inputs (stacks.Unit.Inputs) and the code, so while every stack of that
// synthesis has the same inputs in the real app's plan — the fixtures'
// clients are in clients.All unchanged, whatever else was onboarded — its
// golden file is its output byte for byte (TestSnapshots), and no jsii
// process starts. Otherwise (a fixture client offboarded or changed) the
// fixtures' clients are synthesized.
func fixtureSynthesis(snapshots, out string) error {
	envs := config.Environments()
	fixture, err := stacks.Plan(envs, clientstest.Deployed())
	if err != nil {
		return fmt.Errorf("the fixtures' clients: %w", err)
	}
	real, err := stacks.Plan(envs, clients.All)
	if err != nil {
		return fmt.Errorf("the real configuration: %w", err)
	}
	inputs := map[string][]byte{}
	for _, u := range real {
		if inputs[u.Name], err = json.Marshal(u.Inputs); err != nil {
			return err
		}
	}
	var names []string
	for _, u := range fixture {
		b, err := json.Marshal(u.Inputs)
		if err != nil {
			return err
		}
		if !bytes.Equal(b, inputs[u.Name]) {
			names = nil
			break
		}
		names = append(names, u.Name)
	}
	if names != nil {
		return monolith.GoldenSynthesis(snapshots, out, names...)
	}
	app := cdktf.NewApp(stacks.AppConfig(out))
	if err := stacks.Build(app, envs, clientstest.Deployed()); err != nil {
		return err
	}
	app.Synth()
	return nil
}

func TestMain(m *testing.M) {
	if helperMain() {
		return // not reached: the helper exits through testmain.Exit
	}
	// The real-terraform tests mostly wait (on fsync, on terraform's
	// processes starting), so more of them run side by side than there
	// are processors, unless -parallel says otherwise.
	explicit := false
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.parallel") || strings.HasPrefix(a, "-parallel") {
			explicit = true
		}
	}
	if !explicit && runtime.GOMAXPROCS(0) < 6 {
		flag.Set("test.parallel", "6")
	}
	// The package starts about two thousand short Go processes (terraform,
	// and this binary as the crash tests' child), each with a heap of a
	// few MB here: with no collection below 256 MiB, their start-up
	// allocations cost no GC cycle, which at the default GOGC is a quarter
	// of a `terraform state pull`'s CPU. Nothing they do changes; a
	// setting of the caller's wins.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		os.Setenv("GOGC", "off")
		os.Setenv("GOMEMLIMIT", "256MiB")
	}
	code := m.Run()
	if synthDir != "" {
		os.RemoveAll(synthDir)
	}
	testmain.Exit(code)
}

// env is one test's world: a synthesis, backends, and where the source is.
type env struct {
	t         *testing.T
	dir       string // migration directory
	synthesis string
	source    string   // -source
	flags     []string // backend flags for plan
	terraform string
	states    map[string]*tfbackend.Backend // every backend involved, by name ("source" too)
	tf        *tfbackend.Terraform
	// store is the in-memory store of a "fake" world: migrate runs no
	// terraform process. Default: nil (the real CLI).
	store *migrate.MemStore
	s3    *testenv.S3
	ddb   *testenv.DynamoDB
}

// localSynthesis copies syn with every backend made local, state files
// under states/. The copy is the same for every world but for the
// directory of its states: each source synthesis is decoded and encoded
// once (localTemplateOf), with a placeholder where the directory goes,
// and each world's copy replaces it.
func localSynthesis(t *testing.T, syn, out, states string) {
	t.Helper()
	tpl := localTemplateOf(syn)
	if tpl.err != nil {
		t.Fatal(tpl.err)
	}
	dir, err := json.Marshal(states) // the directory as the encoder writes it
	if err != nil {
		t.Fatal(err)
	}
	dir = dir[1 : len(dir)-1]
	for rel, b := range tpl.stacks {
		path := filepath.Join(out, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte(statesPlaceholder), dir), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, synthesis.ManifestFile), tpl.manifest, 0o644); err != nil {
		t.Fatal(err)
	}
}

// statesPlaceholder stands for the states directory in a localTemplate.
const statesPlaceholder = "STRATUM-TEST-STATES-DIRECTORY"

// localTemplate is a source synthesis with every backend made local under
// statesPlaceholder: its stacks' files by path, and its manifest.
type localTemplate struct {
	once     sync.Once
	stacks   map[string][]byte
	manifest []byte
	err      error
}

var localTemplates sync.Map // source synthesis directory → *localTemplate

func localTemplateOf(syn string) *localTemplate {
	v, _ := localTemplates.LoadOrStore(syn, &localTemplate{})
	tpl := v.(*localTemplate)
	tpl.once.Do(func() {
		m, err := synthesis.ReadManifest(syn)
		if err != nil {
			tpl.err = err
			return
		}
		tpl.stacks = map[string][]byte{}
		for name, st := range m.Entries {
			doc, err := os.ReadFile(filepath.Join(syn, st.SynthesizedStackPath))
			if err != nil {
				tpl.err = err
				return
			}
			var j map[string]any
			if err := json.Unmarshal(doc, &j); err != nil {
				tpl.err = fmt.Errorf("%s: %w", name, err)
				return
			}
			j["terraform"].(map[string]any)["backend"] = map[string]any{"local": map[string]any{"path": filepath.Join(statesPlaceholder, name+".tfstate")}}
			if tpl.stacks[st.SynthesizedStackPath], err = json.MarshalIndent(j, "", "  "); err != nil {
				tpl.err = err
				return
			}
		}
		tpl.manifest, tpl.err = os.ReadFile(m.Path)
	})
	return tpl
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// backendKinds are the backends every end-to-end flow runs on.
var backendKinds = []string{"local", "s3+dynamodb", "s3+lockfile"}

// newEnv prepares a world with the generated monolith as the source:
// kind is one of backendKinds, or "fake" (local state files read and
// written by the in-memory store, no terraform process).
func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	bin := "terraform"
	if kind != "fake" {
		if testing.Short() {
			t.Skip("runs the real terraform against its backends; it runs without -short (make test)")
		}
		bin = testenv.Terraform(t)
	}
	syn := realSynthesis(t)
	root := t.TempDir()
	e := &env{t: t, dir: filepath.Join(root, "migration"), terraform: bin, states: map[string]*tfbackend.Backend{}}
	e.tf = &tfbackend.Terraform{Binary: bin, WorkDir: root}
	mapping := filepath.Join(root, "mapping.json")
	if err := os.WriteFile(mapping, monolith.MappingFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The mapping file moves the monolith's admin access entry to the
	// deploy role's, whose principal differs: a deliberate override.
	e.flags = []string{"-mapping", mapping, "-stacks", "*-prod", "-force-identity", "module.eks.aws_eks_access_entry.admin"}
	monolithState := monolith.Marshal(monolith.Generate(monolith.Options{}))
	switch kind {
	case "local", "fake":
		if kind == "fake" {
			e.store = migrate.NewMemStore()
		}
		e.synthesis = filepath.Join(root, "cdktf.out")
		localSynthesis(t, syn, e.synthesis, filepath.Join(root, "states"))
		src := filepath.Join(root, "regions/us-east-1/clusters/production/terraform.tfstate")
		os.MkdirAll(filepath.Dir(src), 0o755)
		e.source = src
		e.states["source"] = &tfbackend.Backend{Name: "source", Type: "local", Config: map[string]any{"path": src}}
		if kind == "fake" {
			if err := os.WriteFile(src, monolithState, 0o600); err != nil {
				t.Fatal(err)
			}
		} else {
			// Written by Terraform, as a deployment's state is: the checks
			// compare the bytes stored before and after, all of them
			// Terraform's.
			e.put("source", monolithState)
		}
	default:
		e.synthesis = syn
		e.s3 = testenv.StartS3(t, "stratum-prod-tfstate", "acme-terraform-state")
		cfg := []string{
			"use_path_style = true", "skip_credentials_validation = true", "skip_requesting_account_id = true",
			"skip_metadata_api_check = true", "skip_region_validation = true", "skip_s3_checksum = true",
			fmt.Sprintf("access_key = %q", testenv.AccessKey), fmt.Sprintf("secret_key = %q", testenv.SecretKey),
		}
		if kind == "s3+dynamodb" {
			e.ddb = testenv.StartDynamoDB(t, "stratum-prod-tflock", "acme-terraform-locks")
			cfg = append(cfg, fmt.Sprintf("endpoints = { s3 = %q, dynamodb = %q }", e.s3.Endpoint, e.ddb.Endpoint))
		} else {
			// S3-native locking only: the synthesized dynamodb_table is
			// switched off by an empty override.
			cfg = append(cfg, fmt.Sprintf("endpoints = { s3 = %q }", e.s3.Endpoint), "use_lockfile = true", `dynamodb_table = ""`)
		}
		override := filepath.Join(root, "emulators.s3.tfbackend")
		if err := os.WriteFile(override, []byte(strings.Join(cfg, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		srcCfg := map[string]any{"bucket": "acme-terraform-state", "key": "regions/us-east-1/clusters/production/terraform.tfstate", "region": "us-east-1", "encrypt": true}
		if kind == "s3+dynamodb" {
			srcCfg["dynamodb_table"] = "acme-terraform-locks"
		}
		srcFile := filepath.Join(root, "monolith-backend.tf.json")
		writeJSON(t, srcFile, map[string]any{"terraform": map[string]any{"backend": map[string]any{"s3": srcCfg}}})
		e.source = "backend:" + srcFile
		e.flags = append(e.flags, "-backend-config", override, "-source-backend-config", override)
		e.states["source"] = &tfbackend.Backend{Name: "source", Type: "s3", Config: srcCfg, BackendConfig: []string{override}}
		// The monolith's state, pushed with Terraform like any other.
		e.put("source", monolithState)
	}
	s, err := migrate.ReadSynthesis(e.synthesis)
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range s.Stacks {
		if strings.HasSuffix(name, "-prod") && !strings.HasPrefix(name, "bootstrap") {
			b := st.Backend
			if kind != "local" {
				b.BackendConfig = []string{e.flags[len(e.flags)-3]}
			}
			e.states[name] = &b
		}
	}
	return e
}

// get pulls state name: its bytes, or nil when there is none.
func (e *env) get(name string) []byte {
	e.t.Helper()
	d, err := e.read(name)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// read returns state name as it is stored (nil when there is none): the
// local backend's file, the S3 emulator's object, the in-memory store's
// bytes. The checks read what is stored, trusting neither migrate nor
// terraform to read it, and start no process.
func (e *env) read(name string) ([]byte, error) {
	b := *e.states[name]
	if e.store != nil {
		d, _ := e.store.Get(b)
		return d, nil
	}
	switch b.Type {
	case "local":
		d, err := os.ReadFile(b.Config["path"].(string))
		if os.IsNotExist(err) || len(d) == 0 {
			return nil, nil
		}
		return d, err
	case "s3":
		obj, err := e.s3.Backend.GetObject(b.Config["bucket"].(string), b.Config["key"].(string), nil)
		if gofakes3.HasErrorCode(err, gofakes3.ErrNoSuchKey) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer obj.Contents.Close()
		return io.ReadAll(obj.Contents)
	}
	return nil, fmt.Errorf("%s: no reader for backend type %q", name, b.Type)
}

// put writes raw as state name, as someone outside the migration would.
func (e *env) put(name string, raw []byte) {
	e.t.Helper()
	b := *e.states[name]
	if e.store != nil {
		if err := e.store.Put(b, raw); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	s, err := e.tf.Open(context.Background(), b)
	if err != nil {
		e.t.Fatal(err)
	}
	defer s.Close()
	if err := s.Push(context.Background(), raw, tfbackend.PushOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// pullAll reads every state involved as stored (read): name → bytes ("" for
// none).
func (e *env) pullAll() map[string]string {
	e.t.Helper()
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for name := range e.states {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := e.read(name)
			mu.Lock()
			defer mu.Unlock()
			out[name] = string(d)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		e.t.Fatal(errs[0])
	}
	return out
}

func (e *env) pull(name string) *tfstate.State {
	e.t.Helper()
	raw := e.get(name)
	if raw == nil {
		return nil
	}
	st, err := tfstate.Parse(name, raw)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// run runs `stratum migrate` and returns its exit code, stdout and stderr.
func (e *env) run(args ...string) (int, string, string) {
	e.t.Helper()
	var out, errb bytes.Buffer
	verb := args[0]
	full := append([]string{verb, "-dir", e.dir, "-terraform", e.terraform}, args[1:]...)
	if verb == "plan" {
		full = append(full, "-source", e.source, "-synthesis", e.synthesis)
		full = append(full, e.flags...)
	}
	var code int
	if e.store != nil {
		code = migrate.RunWith(context.Background(), full, &out, &errb, e.store)
	} else {
		code = migrate.Main(context.Background(), full, &out, &errb)
	}
	return code, out.String(), errb.String()
}

func (e *env) mustRun(want int, args ...string) string {
	e.t.Helper()
	code, out, errs := e.run(args...)
	if code != want {
		e.t.Fatalf("stratum migrate %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, want, out, errs)
	}
	return out
}

func ledger(t *testing.T, out string) *migrate.Ledger {
	t.Helper()
	var l migrate.Ledger
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("plan -json: %v\n%s", err, out)
	}
	return &l
}

func entry(t *testing.T, l *migrate.Ledger, source string) migrate.Entry {
	t.Helper()
	for _, e := range l.Entries {
		if e.Source == source {
			return e
		}
	}
	t.Fatalf("no ledger entry for %s", source)
	return migrate.Entry{}
}

func sameStates(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: state %s differs from before:\ngot  %.300q\nwant %.300q", what, name, got[name], w)
		}
	}
}

// TestEndToEnd runs plan → apply → verify → imports → rollback against
// the real terraform binary on each backend, and checks that rollback
// leaves every state byte-identical, as stored, to what it was before apply.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	for _, kind := range backendKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			out := e.mustRun(2, "plan", "-json")
			l := ledger(t, out)
			if len(l.Unmapped) > 0 || len(l.Ambiguous) > 0 || len(l.Conflicts) > 0 || len(l.Deposed) > 0 {
				t.Fatalf("plan: got unmapped %v ambiguous %v conflicts %v deposed %v, want none", l.Unmapped, l.Ambiguous, l.Conflicts, l.Deposed)
			}
			checkPlan(t, l)
			// The table is readable too and names the tainted instance.
			if _, table, _ := e.run("plan"); !strings.Contains(table, "TAINTED") || !strings.Contains(table, "== foundation-prod") {
				t.Errorf("plan table lacks the stack sections or the tainted warning:\n%s", table)
			}
			before := e.pullAll()
			out = e.mustRun(0, "apply")
			for _, s := range []string{"npx cdktf diff foundation-prod", "npx cdktf diff database-ezra-prod", "Backed up every state"} {
				if !strings.Contains(out, s) {
					t.Errorf("apply output lacks %q:\n%s", s, out)
				}
			}
			checkBackupAndLog(t, e, kind, l)
			out = e.mustRun(0, "verify")
			moves := 0
			for _, en := range l.Entries {
				if en.Action == migrate.ActionMove {
					moves++
				}
			}
			want := fmt.Sprintf("verified %d of %d instances", len(l.Entries), len(l.Entries))
			if !strings.Contains(out, want) || !strings.Contains(out, fmt.Sprintf("%d moved into", moves)) || !strings.Contains(out, "0 lost, 0 duplicated, 0 changed, 0 pending") {
				t.Errorf("verify: got %q, want %q with %d moved and nothing lost", out, want, moves)
			}
			checkMovedObjects(t, e, l)
			// A second apply of the same plan writes nothing.
			if out := e.mustRun(0, "apply"); !strings.Contains(out, "already applied") {
				t.Errorf("second apply: got %q, want it to say the plan was already applied", out)
			}
			checkImports(t, e)
			e.mustRun(0, "rollback")
			sameStates(t, "after rollback", e.pullAll(), before)
		})
	}
}

// checkPlan checks the decisions that show each kind of matching.
func checkPlan(t *testing.T, l *migrate.Ledger) {
	t.Helper()
	tests := []struct {
		source, stack, dest, by string
	}{
		// count instance in a module, matched by CIDR and the resolved VPC id
		{"module.vpc.aws_subnet.private[0]", "foundation-prod", "aws_subnet.network_private-us-east-1a_E1039AEF", "auto"},
		// identity entirely through references to matched resources
		{"module.vpc.aws_route_table_association.database[2]", "foundation-prod", "aws_route_table_association.network_database-us-east-1c-association_8B2FE40B", "auto"},
		// a Name tag that differs: found through the NAT gateway's allocation_id
		{"module.vpc.aws_eip.nat[2]", "foundation-prod", "aws_eip.network_nat-eip-us-east-1c_3083E533", "auto"},
		// for_each instance, sensitive attributes
		{`aws_vpn_connection.dc["dc-secondary"]`, "foundation-prod", "aws_vpn_connection.vpn_connection-dc-secondary_6CFE7E7B", "auto"},
		// the OIDC provider's url resolves through the cluster's attributes
		{"module.eks.aws_iam_openid_connect_provider.this", "platform-prod", "aws_iam_openid_connect_provider.cluster_oidc-provider_6677C701", "auto"},
		// a policy ARN with ${data.aws_partition…} inside
		{"module.eks.aws_iam_role_policy_attachment.cluster[0]", "platform-prod", "aws_iam_role_policy_attachment.cluster_role-cluster-policy_270D31A2", "auto"},
		// the client's node group: cluster_name comes through SSM from platform-prod
		{`module.client["mtn-ghana"].aws_eks_node_group.this`, "client-mtn-ghana-prod", "aws_eks_node_group.node-group_BB5274FD", "auto"},
		{`aws_db_instance.client["ezra"]`, "database-ezra-prod", "aws_db_instance.ezra_instance_ACE0776C", "auto"},
		// a key found from its alias
		{`module.client["ezra"].aws_kms_key.buckets`, "client-ezra-prod", "aws_kms_key.bucket-key_8902892C", "auto"},
		{"module.eks.aws_eks_access_entry.admin", "platform-prod", "aws_eks_access_entry.cluster_admin-deployer-services_9E4C06BA", "mapping"},
	}
	for _, tt := range tests {
		got := entry(t, l, tt.source)
		if got.Action != migrate.ActionMove || got.Stack != tt.stack || got.Destination != tt.dest || got.By != tt.by {
			t.Errorf("%s: got %s %s:%s by %s (%s %v), want move %s:%s by %s", tt.source, got.Action, got.Stack, got.Destination, got.By, got.Rule, got.Identity, tt.stack, tt.dest, tt.by)
		}
	}
	if e := entry(t, l, "aws_instance.bastion"); e.Action != migrate.ActionRetire || e.By != "mapping" {
		t.Errorf("bastion: got %s by %s, want retire by mapping", e.Action, e.By)
	}
	if e := entry(t, l, "data.aws_caller_identity.current"); e.Action != migrate.ActionKeep || e.Mode != "data" {
		t.Errorf("data source: got %s (%s), want keep", e.Action, e.Mode)
	}
	if e := entry(t, l, `module.client["mtn-ghana"].aws_eks_node_group.this`); !e.Tainted {
		t.Errorf("mtn-ghana's node group: not marked tainted")
	}
	if e := entry(t, l, `module.vpc.aws_route_table_association.public[0]`); !strings.Contains(e.ImportID, "/rtb-") || !strings.HasPrefix(e.ImportID, "subnet-") {
		t.Errorf("route table association import ID: got %q, want SUBNET/ROUTETABLE", e.ImportID)
	}
	creates := map[string]bool{}
	for _, c := range l.Create {
		creates[c.Stack+":"+c.Address] = true
	}
	if !creates["foundation-prod:aws_ssm_parameter.param-foundation-vpc-id"] {
		t.Errorf("the SSM contract parameters should be listed as created by the new stacks; got %d creates", len(l.Create))
	}
}

// checkMovedObjects looks inside the destination states: tainted status,
// sensitive paths, private data and rewritten dependencies survive.
func checkMovedObjects(t *testing.T, e *env, l *migrate.Ledger) {
	t.Helper()
	found := e.pull("foundation-prod")
	addr, _ := tfstate.ParseInstanceAddr("aws_vpn_connection.vpn_connection-dc-primary_C69B262C")
	_, in := found.FindInstance(addr)
	if in == nil {
		t.Fatalf("foundation-prod has no %s", addr)
	}
	if !strings.Contains(string(in.SensitiveAttributes), "tunnel1_preshared_key") || in.Private == "" {
		t.Errorf("%s: sensitive paths %s, private %q: want the preshared keys marked and private data kept", addr, in.SensitiveAttributes, in.Private)
	}
	want := []string{"aws_customer_gateway.vpn_customer-gateway-dc-primary_B06B80F6", "aws_customer_gateway.vpn_customer-gateway-dc-secondary_861B4548", "aws_vpn_gateway.vpn_gateway_D4417959"}
	if strings.Join(in.Dependencies, " ") != strings.Join(want, " ") {
		t.Errorf("%s: dependencies %v, want %v (rewritten to the new addresses)", addr, in.Dependencies, want)
	}
	cl := e.pull("client-mtn-ghana-prod")
	ng, _ := tfstate.ParseInstanceAddr("aws_eks_node_group.node-group_BB5274FD")
	if _, in := cl.FindInstance(ng); in == nil || in.Status != "tainted" {
		t.Errorf("client-mtn-ghana-prod: node group missing or not tainted")
	}
	// Dependencies on resources in other stacks are dropped.
	if _, in := cl.FindInstance(ng); in != nil {
		for _, d := range in.Dependencies {
			if strings.Contains(d, "eks_cluster") {
				t.Errorf("node group keeps a dependency on another stack's resource: %v", in.Dependencies)
			}
		}
	}
	src := e.pull("source")
	for _, r := range src.Resources {
		if r.Mode == "managed" {
			t.Errorf("the reduced source still holds managed resource %s", r.Addr())
		}
	}
	if len(src.Resources) != 3 {
		t.Errorf("the reduced source holds %d resources, want the 3 data sources", len(src.Resources))
	}
}

func checkImports(t *testing.T, e *env) {
	t.Helper()
	out := filepath.Join(e.dir, "imports")
	e.mustRun(0, "imports", "-out", out)
	raw, err := os.ReadFile(filepath.Join(out, "foundation-prod", "imports.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"to = aws_vpc.network_vpc_4E8F0223", "to = aws_route_table_association.network_public-us-east-1a-association_87FEE757\n  id = \"subnet-", `id = "rtb-`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("imports.tf lacks %q", want)
		}
	}
	rm, err := os.ReadFile(filepath.Join(out, "source", "removed.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rm), "from = module.vpc.aws_subnet.private\n\n  lifecycle {\n    destroy = false") || !strings.Contains(string(rm), "from = aws_instance.bastion") {
		t.Errorf("removed.tf lacks the removed blocks:\n%.600s", rm)
	}
}

// checkBackupAndLog reads the backup manifest and the log: every state is
// backed up with its checksum (and its S3 version id on S3), destinations
// that had no state are recorded as such, and each destination got exactly
// one push, the source last.
func checkBackupAndLog(t *testing.T, e *env, kind string, l *migrate.Ledger) {
	t.Helper()
	manifests, _ := filepath.Glob(filepath.Join(e.dir, "backups", "*", "manifest.json"))
	if len(manifests) != 1 {
		t.Fatalf("backup manifests: %v, want one", manifests)
	}
	raw, _ := os.ReadFile(manifests[0])
	var m migrate.BackupManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.States) != len(l.Destinations)+1 {
		t.Errorf("backup holds %d states, want the source and %d destinations", len(m.States), len(l.Destinations))
	}
	for _, st := range m.States {
		switch {
		case st.Name == "source" && (!st.Exists || len(st.SHA256) != 64 || st.Size == 0):
			t.Errorf("source backup: %+v, want it with its checksum and size", st)
		case st.Name == "source" && kind != "local" && st.VersionID == "":
			t.Errorf("source backup on S3 has no object version id")
		case st.Name != "source" && st.Exists:
			t.Errorf("destination %s is recorded as existing before the migration", st.Name)
		}
	}
	raw, _ = os.ReadFile(filepath.Join(e.dir, "migration.log.jsonl"))
	var pushed []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var r migrate.LogRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r.Step == "pushed" || r.Step == "source-pushed" {
			pushed = append(pushed, r.State)
		}
	}
	if len(pushed) != len(l.Destinations)+1 || pushed[len(pushed)-1] != "source" {
		t.Errorf("pushes in the log: %v, want one per destination and the source last", pushed)
	}
}
