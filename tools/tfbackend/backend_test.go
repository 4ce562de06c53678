package tfbackend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"stratum/testkit/testenv"
	"stratum/tools/tfstate"
)

func state(t *testing.T, lineage string, serial uint64, name string) []byte {
	t.Helper()
	s := &tfstate.State{TerraformVersion: "1.11.4", Serial: serial, Lineage: lineage, Resources: []*tfstate.Resource{{
		Mode: "managed", Type: "aws_sns_topic", Name: name, Provider: `provider["registry.terraform.io/hashicorp/aws"]`,
		Instances: []*tfstate.Instance{{Attributes: json.RawMessage(`{"id":"arn:aws:sns:us-east-1:111111111111:` + name + `","name":"` + name + `"}`), SensitiveAttributes: json.RawMessage(`[]`)}},
	}}}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func s3Backend(s3 *testenv.S3, ddb *testenv.DynamoDB, lockfile bool) Backend {
	endpoints := map[string]any{"s3": s3.Endpoint}
	cfg := map[string]any{
		"bucket": "state", "key": "stack-a/terraform.tfstate", "region": testenv.Region, "encrypt": true,
		"use_path_style": true, "skip_credentials_validation": true, "skip_requesting_account_id": true,
		"skip_metadata_api_check": true, "skip_region_validation": true, "skip_s3_checksum": true,
		"access_key": testenv.AccessKey, "secret_key": testenv.SecretKey,
	}
	if ddb != nil {
		endpoints["dynamodb"] = ddb.Endpoint
		cfg["dynamodb_table"] = "locks"
	}
	if lockfile {
		cfg["use_lockfile"] = true
	}
	cfg["endpoints"] = endpoints
	return Backend{Name: "stack-a", Type: "s3", Config: cfg}
}

// TestBackends pushes, pulls and removes a state through the real CLI on
// the local backend and on emulated S3 with each kind of lock, and checks
// what Terraform does to serials, which the migration's checks rely on.
func TestBackends(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real terraform against emulators; it runs without -short (make test)")
	}
	bin := testenv.Terraform(t)
	s3 := testenv.StartS3(t, "state")
	ddb := testenv.StartDynamoDB(t, "locks")
	ctx := context.Background()
	cases := []struct {
		name    string
		backend func(t *testing.T) Backend
	}{
		{"local", func(t *testing.T) Backend {
			return Backend{Name: "stack-a", Type: "local", Config: map[string]any{"path": filepath.Join(t.TempDir(), "a.tfstate")}}
		}},
		{"s3+dynamodb", func(*testing.T) Backend { return s3Backend(s3, ddb, false) }},
		{"s3+lockfile", func(*testing.T) Backend { return s3Backend(s3, nil, true) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := &Terraform{Binary: bin, WorkDir: t.TempDir()}
			sess, err := tf.Open(ctx, tc.backend(t))
			if err != nil {
				t.Fatal(err)
			}
			defer sess.Close()
			snap, err := sess.Pull(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Exists {
				t.Fatalf("new backend: got a state %q, want none", snap.Data)
			}
			if err := sess.Push(ctx, state(t, "11111111-1111-4111-8111-111111111111", 3, "a"), PushOptions{}); err != nil {
				t.Fatal(err)
			}
			snap, err = sess.Pull(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tfstate.Parse("pulled", snap.Data)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("after first push: lineage %s serial %d version %q", got.Lineage, got.Serial, snap.VersionID)
			if tc.name != "local" && snap.VersionID == "" {
				t.Errorf("S3 pull: got no version id, want the object's version")
			}
			// A second push with the same lineage and a higher serial.
			next := state(t, got.Lineage, got.Serial+1, "b")
			if err := sess.Push(ctx, next, PushOptions{}); err != nil {
				t.Fatal(err)
			}
			snap2, _ := sess.Pull(ctx)
			got2, _ := tfstate.Parse("pulled", snap2.Data)
			// Terraform adds one to the pushed serial when it replaces a
			// different state (statemgr.Filesystem.WriteState,
			// remote.State.PersistState).
			wantSerial := got.Serial + 2
			if got2.Serial != wantSerial || got2.Lineage != got.Lineage {
				t.Errorf("after second push: got serial %d lineage %s, want %d %s", got2.Serial, got2.Lineage, wantSerial, got.Lineage)
			}
			// Terraform refuses an older serial and another lineage.
			if err := sess.Push(ctx, state(t, got.Lineage, got.Serial, "c"), PushOptions{}); err == nil || !strings.Contains(err.Error(), "cannot import state with serial") {
				t.Errorf("older serial: got %v, want Terraform's refusal", err)
			}
			if err := sess.Push(ctx, state(t, "22222222-2222-4222-8222-222222222222", 99, "c"), PushOptions{}); err == nil || !strings.Contains(err.Error(), "cannot import state with lineage") {
				t.Errorf("other lineage: got %v, want Terraform's refusal", err)
			}
			// Peek reads the same state without Terraform.
			peek, ok, err := tf.Peek(ctx, sess.Backend)
			if err != nil || !ok || !peek.Exists {
				t.Fatalf("Peek: ok %v, err %v; want the state", ok, err)
			}
			var a, b bytes.Buffer
			json.Compact(&a, peek.Data)
			json.Compact(&b, snap2.Data)
			if a.String() != b.String() {
				t.Errorf("Peek read\n%s\nthe pull gave\n%s", peek.Data, snap2.Data)
			}
			// While Lock holds the backend's lock, Terraform (another
			// process) cannot write the state.
			unlock, err := sess.Lock(ctx, "test")
			if err != nil {
				t.Fatal(err)
			}
			var le *LockError
			if err := sess.Push(ctx, state(t, got.Lineage, got2.Serial+1, "d"), PushOptions{}); !errors.As(err, &le) {
				t.Errorf("push while Lock holds the lock: got %v, want a LockError", err)
			}
			if err := sess.Remove(ctx); err != nil {
				t.Fatal(err)
			}
			if err := unlock(); err != nil {
				t.Fatal(err)
			}
			snap3, err := sess.Pull(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if snap3.Exists {
				t.Errorf("after Remove: got a state, want none:\n%s", snap3.Data)
			}
		})
	}
}

// TestLockHeld proves a push against a held lock fails with the holder's
// lock info and writes nothing.
func TestLockHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real terraform against emulators; it runs without -short (make test)")
	}
	bin := testenv.Terraform(t)
	s3 := testenv.StartS3(t, "state")
	ddb := testenv.StartDynamoDB(t, "locks")
	ctx := context.Background()
	tf := &Terraform{Binary: bin, WorkDir: t.TempDir()}
	sess, err := tf.Open(ctx, s3Backend(s3, ddb, false))
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	info := `{"ID":"0e8b4b8c-5d44-4b8f-9d4e-7a1f0c1d2e3f","Operation":"OperationTypeApply","Info":"","Who":"alice@ci-runner-7","Version":"1.11.4","Created":"2026-11-30T10:00:00Z","Path":"state/stack-a/terraform.tfstate"}`
	_, err = ddb.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("locks"), Item: map[string]ddbtypes.AttributeValue{
		"LockID": &ddbtypes.AttributeValueMemberS{Value: "state/stack-a/terraform.tfstate"},
		"Info":   &ddbtypes.AttributeValueMemberS{Value: info},
	}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = sess.Push(ctx, state(t, "11111111-1111-4111-8111-111111111111", 1, "a"), PushOptions{})
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LockError", err)
	}
	if le.ID != "0e8b4b8c-5d44-4b8f-9d4e-7a1f0c1d2e3f" || le.Who != "alice@ci-runner-7" || !strings.Contains(le.Error(), "2026-11-30") {
		t.Errorf("got %+v, want the holder's ID, who and when", le)
	}
	// Every field is read from its own line: an empty one (Info, here)
	// stays empty instead of taking the text after the block.
	if le.Info != "" || le.Operation != "OperationTypeApply" || le.Version != "1.11.4" || le.Path != "state/stack-a/terraform.tfstate" {
		t.Errorf("lock info %+v, want Info empty, Operation OperationTypeApply, Version 1.11.4, Path state/stack-a/terraform.tfstate", le)
	}
	t.Logf("refusal after %s: %v\n%s", time.Since(start), le, le.Output)
	snap, _ := sess.Pull(ctx)
	if snap.Exists {
		t.Errorf("a state was written despite the lock")
	}
	if _, err := sess.Lock(ctx, "test"); !errors.As(err, &le) || le.Who != "alice@ci-runner-7" {
		t.Errorf("Lock while someone holds the lock: got %v, want a LockError naming alice", err)
	}

	// The push waits for the lock as long as LockTimeout says, then gives
	// up with the holder named.
	tf.LockTimeout = 1500 * time.Millisecond
	start = time.Now()
	err = sess.Push(ctx, state(t, "11111111-1111-4111-8111-111111111111", 1, "a"), PushOptions{})
	if waited := time.Since(start); !errors.As(err, &le) || waited < tf.LockTimeout {
		t.Errorf("push with a lock timeout of %s: got %v after %s, want a LockError after waiting the timeout", tf.LockTimeout, err, waited)
	}
	tf.LockTimeout = 0

	// What the user's environment says to Terraform reaches no command:
	// arguments that would skip the lock or force the push, another
	// workspace, data directory or CLI configuration, logging on stderr.
	hostile := t.TempDir()
	if err := os.WriteFile(filepath.Join(hostile, "cli.tfrc"), []byte("this is not HCL {"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"TF_CLI_ARGS": "-no-such-flag", "TF_CLI_ARGS_state_push": "-lock=false -force", "TF_CLI_ARGS_init": "-backend=false",
		"TF_WORKSPACE": "elsewhere", "TF_DATA_DIR": filepath.Join(hostile, "data"), "TF_CLI_CONFIG_FILE": filepath.Join(hostile, "cli.tfrc"),
		"TF_LOG": "TRACE", "TF_LOG_PATH": filepath.Join(hostile, "log"), "TF_VAR_x": "y",
	} {
		t.Setenv(k, v)
	}
	hostileSess, err := tf.Open(ctx, s3Backend(s3, ddb, false))
	if err != nil {
		t.Fatalf("open with the user's TF_* environment set: %v", err)
	}
	defer hostileSess.Close()
	if err := hostileSess.Push(ctx, state(t, "11111111-1111-4111-8111-111111111111", 1, "a"), PushOptions{}); !errors.As(err, &le) || le.Who != "alice@ci-runner-7" {
		t.Errorf("push with TF_CLI_ARGS_state_push=-lock=false in the environment: got %v, want the LockError naming alice", err)
	}
	if snap, err := hostileSess.Pull(ctx); err != nil || snap.Exists {
		t.Errorf("pull with the user's TF_* environment set: got %v (a state: %v), want no state and no error", err, snap != nil && snap.Exists)
	}
	if _, err := os.Stat(filepath.Join(hostile, "log")); err == nil {
		t.Errorf("TF_LOG_PATH reached Terraform: %s was written", filepath.Join(hostile, "log"))
	}
}
