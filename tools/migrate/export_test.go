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

// InitCacheDir is the migration directory's cache of initialised backends.
const InitCacheDir = initCacheDir

// OpenPlanned opens and closes, through store, every state the plan in
// dir names, as apply opens them.
func OpenPlanned(ctx context.Context, dir string, store Store) error {
	l, err := readLedger(dir)
	if err != nil {
		return err
	}
	for _, r := range l.stateRefs() {
		st, err := store.Open(ctx, r.Backend.backend(r.Name))
		if err != nil {
			return err
		}
		st.Close()
	}
	return nil
}
