// Package golden compares test output with golden files, like go/printer
// and cmd/gofmt: `go test ./... -update` rewrites them. Every test package
// of this module imports it so that the -update flag is accepted
// everywhere `go test ./...` passes it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is set by `go test -update`.
var Update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Check compares got with the golden file at path, or rewrites it with
// -update. On a mismatch it prints a line diff naming the file.
func Check(t *testing.T, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v (run `go test ./... -update` to create it)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the synthesized stack (-golden +synthesized); review it like a Terraform plan, then run `go test ./... -update`:\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
}
