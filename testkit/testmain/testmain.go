// Package testmain is the TestMain of every test package whose binary
// links jsii: it runs the tests, then closes jsii before the binary exits.
//
// A binary that links cdktf's bindings starts a jsii client while its
// packages initialize (the bindings register their types with it), and
// the client unpacks jsii's runtime into a fresh directory under $TMPDIR
// (jsii-runtime.*, 2.3 MB). Only jsii.Close removes it (and stops the
// Node.js child, when one was started), so without it every test binary
// run leaves one behind: a thousand runs of the developer's loop fill a
// small disk. main does the same for stratum's commands.
// TestEveryTestPackageClosesJsii (testmain_check_test.go) keeps every
// such package on it, and the others off it.
package testmain

import (
	"os"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// Run runs m's tests and exits with their code, after closing jsii.
func Run(m *testing.M) {
	Exit(m.Run())
}

// Exit closes jsii and exits with code: for a TestMain that does more
// than Run (a helper process mode, its own cleanup).
func Exit(code int) {
	jsii.Close()
	os.Exit(code)
}
