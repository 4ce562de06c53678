// Package golden compares test output with golden files, like go/printer
// and cmd/gofmt. A package whose tests compare golden files imports it and
// so accepts -update, which rewrites them (other test packages import it
// blank, so that go test ./... -update is accepted everywhere). `make
// update` runs exactly the tests that rewrite golden files — those that
// read Update or call Check — with -update; the Makefile lists them and
// main's TestGoldenTestsAreListed keeps that list complete.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is set by -update.
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
		t.Fatalf("%s: %v (run `make update` to create it)", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the synthesized stack (-golden +synthesized); review it like a Terraform plan, then run `make update`:\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
}
