// Package testenv gives tests the outside world they need without AWS: the
// real terraform binary, an in-process S3 emulator (gofakes3) and a
// DynamoDB emulator (dynalite from npm, started with node). A test that
// needs one skips with a clear message when it is missing locally, and
// fails instead when CI=true, so CI never passes by skipping.
package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Region and the dummy credentials the emulators accept.
const (
	Region    = "us-east-1"
	AccessKey = "AKIAEMULATOR000000"
	SecretKey = "emulator-secret"
)

// Unavailable skips the test, or fails it when CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: tests that need it must run, not skip)", msg)
	}
	t.Skipf("%s; skipping (set CI=true to make this a failure)", msg)
}

// Long skips t under -short: it belongs to the long tier (the real
// terraform or tofu, emulators, syntheses beyond the shared one,
// byte-identity proofs, crash matrices), which `make test` and CI run.
// why says what makes it long.
func Long(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("%s; runs without -short (make test)", why)
	}
}

// WriteReport writes a test tier's summary to the file the environment
// variable envVar names, if it names one: `make test` sets it and prints
// the file, since go test shows a passing test's output only with -v.
func WriteReport(t testing.TB, envVar, text string) {
	t.Helper()
	path := os.Getenv(envVar)
	if path == "" {
		return
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Errorf("write %s: %v", path, err)
	}
}

// Terraform returns the terraform binary on PATH.
func Terraform(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("terraform")
	if err != nil {
		Unavailable(t, "terraform is not on PATH")
	}
	return p
}

// S3 is a running S3 emulator.
type S3 struct {
	Endpoint string
	Backend  *s3mem.Backend
}

// StartS3 starts gofakes3 in-process with versioned buckets.
func StartS3(t testing.TB, buckets ...string) *S3 {
	t.Helper()
	be := s3mem.New()
	for _, b := range buckets {
		if err := be.CreateBucket(b); err != nil {
			t.Fatalf("gofakes3: create bucket %s: %v", b, err)
		}
		if err := be.SetVersioningConfiguration(b, gofakes3.VersioningConfiguration{Status: gofakes3.VersioningEnabled}); err != nil {
			t.Fatalf("gofakes3: versioning on %s: %v", b, err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(be, gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	return &S3{Endpoint: srv.URL, Backend: be}
}

// DynamoDB is a running dynalite.
type DynamoDB struct {
	Endpoint string
	Client   *dynamodb.Client
}

// StartDynamoDB starts dynalite on a free loopback port and creates the
// lock tables (hash key LockID, as Terraform's S3 backend wants).
func StartDynamoDB(t testing.TB, tables ...string) *DynamoDB {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Unavailable(t, "node is not on PATH (dynalite needs it)")
	}
	cli := filepath.Join(RepoRoot(t), "node_modules", "dynalite", "cli.js")
	if _, err := os.Stat(cli); err != nil {
		Unavailable(t, "dynalite is not installed at %s (run `make deps`)", cli)
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, cli, "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting dynalite: %v", err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dynalite did not listen on %s within 20s", endpoint)
		}
		time.Sleep(100 * time.Millisecond)
	}
	client := dynamodb.New(dynamodb.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKey, SecretKey, ""),
	})
	d := &DynamoDB{Endpoint: endpoint, Client: client}
	for _, tbl := range tables {
		if err := d.CreateTable(tbl); err != nil {
			t.Fatalf("dynalite: %v", err)
		}
	}
	return d
}

// CreateTable creates a lock table as Terraform's S3 backend wants it
// (hash key LockID), so that tests running side by side each lock in a
// table of their own.
func (d *DynamoDB) CreateTable(table string) error {
	_, err := d.Client.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("LockID"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("LockID"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// RepoRoot is the directory holding the go.mod of module stratum, found
// from the working directory up (go test runs a package's tests in its
// directory). The source file's own path would not do: under -trimpath,
// as make test builds, it is "stratum/testkit/testenv/testenv.go".
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
				first, _ := bufio.NewReader(f).ReadString('\n')
				f.Close()
				if strings.TrimSpace(first) == "module stratum" {
					return dir
				}
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: repository root (go.mod of module stratum) not found")
		}
		dir = parent
	}
}
