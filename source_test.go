package main

import (
	"os"
	"reflect"
	"slices"
	"testing"

	_ "stratum/testkit/golden" // accepts -update, which `go test ./... -update` passes everywhere
	"stratum/tools/synth"
)

// TestSourceHoldsEveryGoFile: the source embedded in the program (the
// code fingerprint of the synthesis cache) holds every file of the
// module's tree that the fingerprint covers, so no code escapes it.
func TestSourceHoldsEveryGoFile(t *testing.T) {
	embedded, err := synth.SourceFiles(source)
	if err != nil {
		t.Fatal(err)
	}
	disk, err := synth.SourceFiles(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(embedded, disk) {
		t.Errorf("embedded source files differ from the module's: got %v more and %v missing; list every directory holding Go code on the //go:embed line in source.go",
			minus(embedded, disk), minus(disk, embedded))
	}
	fe, err := synth.Fingerprint(source)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := synth.Fingerprint(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	if fe != fd {
		t.Errorf("fingerprint of the embedded source %s, of the source on disk %s: want the same", fe, fd)
	}
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
