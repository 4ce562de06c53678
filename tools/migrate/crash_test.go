package migrate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"stratum/testkit/testenv"
	"stratum/testkit/testmain"
	"stratum/tools/migrate"
	"stratum/tools/tfbackend"
)

// The crash tests run `stratum migrate` as a real child process (this
// test binary, re-executed: see helperMain) and kill it with SIGKILL at a
// chosen crash point, as a power cut or an OOM kill would.
const (
	helperEnv   = "STRATUM_MIGRATE_HELPER"
	crashAtEnv  = "STRATUM_MIGRATE_CRASH_AT"
	crashLogEnv = "STRATUM_MIGRATE_CRASH_POINTS"
)

// helperMain runs `stratum migrate` with the arguments of this process
// when the test binary was started as the crash tests' child, and reports
// whether it did (it then never returns). At the N-th crash point
// (STRATUM_MIGRATE_CRASH_AT) the process kills itself with SIGKILL; every
// point passed is appended to STRATUM_MIGRATE_CRASH_POINTS.
func helperMain() bool {
	if os.Getenv(helperEnv) != "1" {
		return false
	}
	at, _ := strconv.Atoi(os.Getenv(crashAtEnv))
	points := os.Getenv(crashLogEnv)
	n := 0
	migrate.SetCrashHook(func(p string) {
		n++
		if points != "" {
			if f, err := os.OpenFile(points, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
				fmt.Fprintln(f, p)
				f.Close()
			}
		}
		if n == at {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	})
	testmain.Exit(migrate.Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	return true
}

// child runs `stratum migrate args…` as a child process that kills itself
// at crash point at (0: never); it returns the child's exit code (-1 when
// killed) and output.
func child(t *testing.T, at int, points string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// A child killed at its crash point cannot close jsii, whose runtime
	// it unpacked into $TMPDIR at start-up (testkit/testmain): its
	// $TMPDIR is the test's, removed with it.
	cmd.Env = append(os.Environ(), helperEnv+"=1", fmt.Sprintf("%s=%d", crashAtEnv, at), crashLogEnv+"="+points, "TMPDIR="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return -1, out.String()
		}
		return ee.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatalf("running the migrate child: %v", err)
	}
	return 0, out.String()
}

// crashWorld is the split of the last release's databases-prod into
// database-<client>-prod (three states) on one backend kind, with every
// backend private to it (its own S3 emulator and lock table), so that
// worlds run in parallel.
type crashWorld struct {
	e    *env
	root string
	dir  string
	// ddb and table are the world's lock table, on S3 with DynamoDB.
	ddb   *testenv.DynamoDB
	table string
	plan  []string
	// before are the states as pulled before the migration.
	before map[string]string
}

// worldCount numbers the crash worlds of a test binary, so that each has
// a lock table of its own.
var worldCount atomic.Int64

func newCrashWorld(t *testing.T, kind string, ddb *testenv.DynamoDB) *crashWorld {
	t.Helper()
	bin := testenv.Terraform(t)
	syn := realSynthesis(t)
	// Not t.TempDir: its path holds the test's name, which holds stack
	// names, and the source's backend is found by replacing stack names.
	root, err := os.MkdirTemp("", "stratum-crash-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	e := &env{t: t, dir: filepath.Join(root, "migration"), terraform: bin, states: map[string]*tfbackend.Backend{}}
	e.tf = &tfbackend.Terraform{Binary: bin, WorkDir: root}
	w := &crashWorld{e: e, root: root, dir: e.dir}
	var backendConfig []string
	localState := ""
	switch kind {
	case "local":
		e.synthesis = filepath.Join(root, "cdktf.out")
		localSynthesis(t, syn, e.synthesis, filepath.Join(root, "states"))
		localState = filepath.Join(root, "states", "databases-prod.tfstate")
		if err := os.MkdirAll(filepath.Dir(localState), 0o755); err != nil {
			t.Fatal(err)
		}
	default:
		e.synthesis = syn
		e.s3 = testenv.StartS3(t, crashBucket)
		cfg := []string{
			"use_path_style = true", "skip_credentials_validation = true", "skip_requesting_account_id = true",
			"skip_metadata_api_check = true", "skip_region_validation = true", "skip_s3_checksum = true",
			fmt.Sprintf("access_key = %q", testenv.AccessKey), fmt.Sprintf("secret_key = %q", testenv.SecretKey),
		}
		if kind == "s3+dynamodb" {
			// A lock table of this world's own: the lock IDs name the
			// bucket and key, which every world shares.
			table := fmt.Sprintf("locks-%s-%d", strings.NewReplacer("/", "-", "+", "-").Replace(t.Name()), worldCount.Add(1))
			createLockTable(t, ddb, table)
			w.ddb, w.table = ddb, table
			cfg = append(cfg, fmt.Sprintf("endpoints = { s3 = %q, dynamodb = %q }", e.s3.Endpoint, ddb.Endpoint), fmt.Sprintf("dynamodb_table = %q", table))
		} else {
			cfg = append(cfg, fmt.Sprintf("endpoints = { s3 = %q }", e.s3.Endpoint), "use_lockfile = true", `dynamodb_table = ""`)
		}
		override := filepath.Join(root, "emulators.s3.tfbackend")
		if err := os.WriteFile(override, []byte(strings.Join(cfg, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		backendConfig = []string{"-backend-config", override}
	}
	legacy := legacyStack(t, filepath.Join(root, "legacy"), localState)
	s, err := migrate.ReadSynthesis(e.synthesis)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"databases-prod", "database-ezra-prod", "database-mtn-ghana-prod"} {
		b := legacy.Backend
		if st := s.Stacks[name]; st != nil {
			b = st.Backend
		}
		if len(backendConfig) > 0 {
			b.BackendConfig = []string{backendConfig[1]}
		}
		e.states[name] = &b
	}
	st := deployedState(t, legacy)
	raw, err := st.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Written by Terraform, as a deployment's state is: it stamps its own
	// version, and so does every later write.
	e.put("databases-prod", raw)
	w.before = w.states(t)
	w.plan = append([]string{"plan", "-dir", w.dir, "-terraform", bin, "-source", "stack:databases-prod", "-stacks", "database-*-prod", "-synthesis", e.synthesis}, backendConfig...)
	return w
}

// initBackends fills the migration directory's cache of initialised
// backends as an apply fills it, so that the applies the crash points
// kill, which all start from the planned world, run no `terraform
// version` and `init` (the points come after apply has opened every
// state; the recoveries found the cache filled anyway). The first apply,
// on an empty cache, runs in TestEndToEnd and TestMoveBetweenStacks.
func (w *crashWorld) initBackends(t *testing.T) {
	t.Helper()
	tf := &tfbackend.Terraform{Binary: w.e.terraform, WorkDir: w.root, InitCache: filepath.Join(w.dir, migrate.InitCacheDir)}
	if err := migrate.OpenPlanned(context.Background(), w.dir, migrate.CLI(tf)); err != nil {
		t.Fatal(err)
	}
}

// states reads every state of the world straight from where it is stored
// (the local backend's files, the S3 emulator's objects): the checker
// trusts neither migrate nor terraform to read them. A missing state is "".
func (w *crashWorld) states(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name := range w.e.states {
		raw, err := w.e.read(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(raw)
	}
	return out
}

func createLockTable(t *testing.T, ddb *testenv.DynamoDB, table string) {
	t.Helper()
	if err := ddb.CreateTable(table); err != nil {
		t.Fatal(err)
	}
}

// verb is `stratum migrate VERB -dir … -terraform …`.
func (w *crashWorld) verb(v string) []string {
	return []string{v, "-dir", w.dir, "-terraform", w.e.terraform}
}

// TestCrashMatrix kills `stratum migrate apply` (a real process, SIGKILL)
// at every crash point — after each journal record reaches the disk and
// after each state push returns, before it is confirmed — on the local
// backend and on emulated S3 with DynamoDB locking and with S3 lock
// files, then recovers with each of "apply again", "plan + apply" and
// "rollback". An independent checker, which reads the states with
// encoding/json and nothing of migrate, then finds every instance of the
// source in exactly one state, byte for byte, or after rollback every
// state byte-identical to its pull before the migration.
//
// Each backend kind builds and plans crashWorlds worlds once (their own
// directories, emulator and lock table) and saves each as planned; a
// crash point borrows a free world, restores it as planned, crashes the
// apply there and recovers: the kinds, and the points of a kind on
// different worlds, run in parallel.
func TestCrashMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash matrix runs terraform hundreds of times; it runs without -short (make test)")
	}
	t.Parallel()
	testenv.Terraform(t)
	ddb := testenv.StartDynamoDB(t)
	for _, kind := range backendKinds {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			type planned struct {
				w  *crashWorld
				sv *saved
			}
			pool := make(chan planned, crashWorlds)
			var list []string
			for i := range crashWorlds {
				w := newCrashWorld(t, kind, ddb)
				if code, out := child(t, 0, "", w.plan...); code != 2 {
					t.Fatalf("plan: exit %d, want 2\n%s", code, out)
				}
				w.initBackends(t)
				sv := w.save(t)
				if i == 0 {
					// A run without a crash lists the crash points.
					points := filepath.Join(t.TempDir(), "points")
					if code, out := child(t, 0, points, w.verb("apply")...); code != 0 {
						t.Fatalf("apply: exit %d\n%s", code, out)
					}
					list = readLines(t, points)
					t.Logf("%d crash points of apply: %s", len(list), strings.Join(list, " | "))
					if len(list) < 10 || !strings.Contains(strings.Join(list, "|"), "after push source") {
						t.Fatalf("crash points %v: want every record and push of an apply", list)
					}
				}
				pool <- planned{w, sv}
			}
			for i, point := range list {
				t.Run(fmt.Sprintf("%02d %s", i+1, point), func(t *testing.T) {
					t.Parallel()
					p := <-pool
					defer func() { pool <- p }()
					w := p.w
					w.restore(t, p.sv)
					if code, out := child(t, i+1, "", w.verb("apply")...); code != -1 {
						t.Fatalf("apply to be killed at %q: exit %d\n%s", point, code, out)
					}
					// The world as the crash left it, for each recovery in
					// turn.
					crashed := w.save(t)
					for _, recovery := range []string{"apply again", "plan + apply", "rollback"} {
						t.Run(recovery, func(t *testing.T) {
							w.restore(t, crashed)
							switch recovery {
							case "apply again":
								w.must(t, 0, w.verb("apply")...)
							case "plan + apply":
								if code, out := child(t, 0, "", w.plan...); code != 0 && code != 2 {
									t.Fatalf("plan after the crash: exit %d\n%s", code, out)
								}
								w.must(t, 0, w.verb("apply")...)
							case "rollback":
								w.must(t, 0, w.verb("rollback")...)
							}
							after := w.states(t)
							if recovery == "rollback" {
								for _, p := range sameBytes(w.before, after) {
									t.Error(p)
								}
								return
							}
							for _, p := range exactlyOnce(w.before["databases-prod"], after, "databases-prod") {
								t.Error(p)
							}
						})
					}
				})
			}
		})
	}
}

// crashWorlds is how many worlds each backend kind of the crash matrix
// builds: its points run on them, this many at a time.
const crashWorlds = 2

// saved is a crash world as a crash left it: its migration directory and
// local states (copied), its S3 objects and its lock table's items.
type saved struct {
	dir     string
	objects map[string][]byte
	items   []map[string]ddbtypes.AttributeValue
}

func (w *crashWorld) s3Client() *s3.Client {
	return s3.New(s3.Options{Region: testenv.Region, BaseEndpoint: aws.String(w.e.s3.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(testenv.AccessKey, testenv.SecretKey, "")})
}

const crashBucket = "stratum-prod-tfstate"

// save copies what a recovery may change.
func (w *crashWorld) save(t *testing.T) *saved {
	t.Helper()
	sv := &saved{dir: saveDirs(t, w.root, worldDirs...), objects: map[string][]byte{}}
	ctx := context.Background()
	if w.e.s3 != nil {
		c := w.s3Client()
		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(crashBucket)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Contents {
			obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(crashBucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(obj.Body)
			obj.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			sv.objects[aws.ToString(o.Key)] = raw
		}
	}
	if w.ddb != nil {
		out, err := w.ddb.Client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(w.table)})
		if err != nil {
			t.Fatal(err)
		}
		sv.items = out.Items
	}
	return sv
}

// worldDirs are what a migration changes in a world's directory: the
// migration's own directory and the local states.
var worldDirs = []string{"migration", "states"}

// saveDirs copies the directories dirs of root (those that exist) into a
// new directory, which it returns.
func saveDirs(t *testing.T, root string, dirs ...string) string {
	t.Helper()
	sv := t.TempDir()
	for _, d := range dirs {
		copyIfPresent(t, filepath.Join(root, d), filepath.Join(sv, d))
	}
	return sv
}

// restoreDirs puts the directories dirs of root back as saveDirs saved
// them in sv.
func restoreDirs(t *testing.T, root, sv string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.RemoveAll(filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
		copyIfPresent(t, filepath.Join(sv, d), filepath.Join(root, d))
	}
}

// copyIfPresent copies the directory src to dst with its modes and
// times (cp -a), when src exists.
func copyIfPresent(t *testing.T, src, dst string) {
	t.Helper()
	if _, err := os.Stat(src); err != nil {
		return
	}
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}

// restore puts the world back as save found it.
func (w *crashWorld) restore(t *testing.T, sv *saved) {
	t.Helper()
	restoreDirs(t, w.root, sv.dir, worldDirs...)
	ctx := context.Background()
	if w.e.s3 != nil {
		c := w.s3Client()
		list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(crashBucket)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range list.Contents {
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(crashBucket), Key: o.Key}); err != nil {
				t.Fatal(err)
			}
		}
		for k, raw := range sv.objects {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(crashBucket), Key: aws.String(k), Body: bytes.NewReader(raw)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if w.ddb != nil {
		out, err := w.ddb.Client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(w.table)})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			if _, err := w.ddb.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(w.table), Key: map[string]ddbtypes.AttributeValue{"LockID": it["LockID"]}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, it := range sv.items {
			if _, err := w.ddb.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(w.table), Item: it}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func (w *crashWorld) must(t *testing.T, want int, args ...string) {
	t.Helper()
	if code, out := child(t, 0, "", args...); code != want {
		t.Fatalf("migrate %s: exit %d, want %d\n%s", args[0], code, want, out)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// sameBytes lists every state that is not byte-identical to before.
func sameBytes(before, after map[string]string) []string {
	var out []string
	for _, name := range sortedKeys(before) {
		if after[name] != before[name] {
			out = append(out, fmt.Sprintf("state %s is not byte-identical to its pull before the migration (%d bytes, want %d)", name, len(after[name]), len(before[name])))
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rawState is a state file as the checker reads it: with encoding/json
// only, so that it shares no code with what it checks.
type rawState struct {
	Resources []struct {
		Module    string `json:"module"`
		Mode      string `json:"mode"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		Instances []struct {
			IndexKey  any             `json:"index_key"`
			Status    string          `json:"status"`
			Attrs     json.RawMessage `json:"attributes"`
			Sensitive json.RawMessage `json:"sensitive_attributes"`
			Private   string          `json:"private"`
			Schema    int             `json:"schema_version"`
		} `json:"instances"`
	} `json:"resources"`
}

// objects are the managed objects of a state, by their content (type,
// attributes, sensitive paths, private data, schema version, status),
// each with the addresses holding it.
func objects(raw string) (map[string][]string, error) {
	out := map[string][]string{}
	if raw == "" {
		return out, nil
	}
	var st rawState
	if err := json.Unmarshal([]byte(raw), &st); err != nil {
		return nil, err
	}
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, in := range r.Instances {
			var a, s bytes.Buffer
			if err := json.Compact(&a, in.Attrs); err != nil {
				return nil, err
			}
			sens := string(in.Sensitive)
			if len(in.Sensitive) > 0 {
				if err := json.Compact(&s, in.Sensitive); err != nil {
					return nil, err
				}
				sens = s.String()
			}
			if sens == "" || sens == "null" {
				sens = "[]"
			}
			k := strings.Join([]string{r.Type, a.String(), sens, in.Private, strconv.Itoa(in.Schema), in.Status}, "\x00")
			out[k] = append(out[k], fmt.Sprintf("%s.%s.%s[%v]", r.Module, r.Type, r.Name, in.IndexKey))
		}
	}
	return out, nil
}

// exactlyOnce checks that every managed object of the source as it was
// (orig) is, byte for byte, in exactly one of the states now, and that
// no state holds a managed object that was not in it.
func exactlyOnce(orig string, now map[string]string, source string) []string {
	want, err := objects(orig)
	if err != nil {
		return []string{"the original source: " + err.Error()}
	}
	count := map[string][]string{}
	var problems []string
	for _, name := range sortedKeys(now) {
		objs, err := objects(now[name])
		if err != nil {
			return []string{name + ": " + err.Error()}
		}
		for k, addrs := range objs {
			if _, ok := want[k]; !ok {
				problems = append(problems, fmt.Sprintf("%s holds %v, which is not an object of the source as it was", name, addrs))
			}
			for _, a := range addrs {
				count[k] = append(count[k], name+":"+a)
			}
		}
	}
	for k, addrs := range want {
		if n := len(count[k]); n != len(addrs) {
			problems = append(problems, fmt.Sprintf("%s:%v is in %d places, want exactly one: %v", source, addrs, n, count[k]))
		}
	}
	sort.Strings(problems)
	return problems
}
