package main

import (
	"testing"
	"time"

	_ "stratum/testkit/golden" // accepts -update, which `go test ./... -update` passes everywhere
)

// TestRun: the orphan a command leaves behind is still measured and
// waited for, and the command's exit code is reported.
func TestRun(t *testing.T) {
	// The subshell outlives sh, so it is reparented to this process. It
	// lives 1 s, 200 samples: long enough to be seen, short enough for the
	// developer's loop.
	r, err := run([]string{"sh", "-c", "(sleep 1; exit 0) & exit 3"}, 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExitCode != 3 {
		t.Errorf("exit code %d, want 3", r.ExitCode)
	}
	if r.Processes < 2 || r.PeakProcesses < 2 {
		t.Errorf("saw %d processes, at most %d at once; want the command and its orphan (2 or more)", r.Processes, r.PeakProcesses)
	}
	if r.PeakTreeRSSBytes < r.PeakProcessRSSBytes || r.PeakProcessRSSBytes <= 0 {
		t.Errorf("peak tree %d bytes, peak process %d bytes: want 0 < process <= tree", r.PeakTreeRSSBytes, r.PeakProcessRSSBytes)
	}
	if r.WallSeconds >= 1 {
		t.Errorf("wall %.2f s, want the command's own time, not its orphan's (1 s)", r.WallSeconds)
	}
}
