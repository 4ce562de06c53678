package migrate

import (
	"context"
	"io"
)

// SetCrashHook makes the process call f at every crash point (see
// crashHook); the crash tests kill the process there.
func SetCrashHook(f func(point string)) { crashHook = f }

// RunWith is Main with a context and a Store of the test's choosing.
func RunWith(ctx context.Context, args []string, stdout, stderr io.Writer, store Store) int {
	return run(ctx, args, stdout, stderr, store)
}
