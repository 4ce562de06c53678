package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mainProbeEnv makes this test binary run main with a probe command that
// waits for its context to be cancelled (TestSignalsCancelTheCommand).
const mainProbeEnv = "STRATUM_TEST_MAIN_PROBE"

func init() {
	if os.Getenv(mainProbeEnv) != "1" {
		return
	}
	commands["probe"] = command{summary: "test probe", run: func(ctx context.Context, _ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, "waiting")
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout, "cancelled:", context.Cause(ctx))
			return 1
		case <-time.After(time.Minute):
			fmt.Fprintln(stdout, "not cancelled")
			return 0
		}
	}}
	os.Args = []string{"stratum", "probe"}
	main()
}

// TestSignalsCancelTheCommand: main cancels the context every command
// gets on SIGINT (Ctrl-C) and on SIGTERM (a CI runner stopping a job), so
// that commands stop what they run instead of being killed mid-write.
func TestSignalsCancelTheCommand(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(exe)
			cmd.Env = append(os.Environ(), mainProbeEnv+"=1")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line := make([]byte, len("waiting\n"))
			if _, err := io.ReadFull(out, line); err != nil || string(line) != "waiting\n" {
				cmd.Process.Kill()
				t.Fatalf("probe did not start: %q %v", line, err)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			rest, _ := io.ReadAll(out)
			err = cmd.Wait()
			var exit *exec.ExitError
			want := "cancelled: " + sig.String() + " signal received"
			if !bytes.Contains(rest, []byte(want)) || !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Errorf("after %s: exit %v, output %q; want exit 1 and %q", sig, err, strings.TrimSpace(string(rest)), want)
			}
		})
	}
}
