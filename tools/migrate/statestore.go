package migrate

import (
	"bytes"
	"context"
	"fmt"

	"stratum/tools/tfbackend"
)

// Store opens the states a migration reads and writes. CLI is the real
// one (the Terraform CLI, every backend Terraform supports); the tests
// also use an in-memory one that behaves like it.
type Store interface {
	// Open prepares one backend's state for reading and writing.
	Open(ctx context.Context, b tfbackend.Backend) (State, error)
}

// State is one opened state.
type State interface {
	// Pull returns the current state; Exists is false when there is none.
	Pull(ctx context.Context) (*tfbackend.Snapshot, error)
	// Push writes data as the state, under the backend's lock (a lock held
	// by someone else is a *tfbackend.LockError and nothing is written).
	// Without Force it refuses another lineage or an older serial, and a
	// push that replaces different content is stored with its serial plus
	// one, as `terraform state push` does.
	Push(ctx context.Context, data []byte, opt tfbackend.PushOptions) error
	// Lock takes the backend's lock as Terraform takes it, until unlock.
	Lock(ctx context.Context, operation string) (unlock func() error, err error)
	// Remove deletes the state; the caller holds the lock (Lock).
	Remove(ctx context.Context) error
	// CanRemove reports whether Lock and Remove support this backend.
	CanRemove() bool
	// Close releases what Open prepared.
	Close() error
	// String says where the state lives, for messages.
	String() string
}

// CLI is the Store of the Terraform CLI: `terraform init`, `state pull`
// and `state push` in a scratch directory per backend (tfbackend).
func CLI(tf *tfbackend.Terraform) Store { return cliStore{tf} }

type cliStore struct{ tf *tfbackend.Terraform }

func (c cliStore) Open(ctx context.Context, b tfbackend.Backend) (State, error) {
	s, err := c.tf.Open(ctx, b)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// peeker is a Store that reads a state more cheaply than Open and Pull
// for some backends (the CLI store: straight from the local file or the S3
// object); ok is false where it cannot. Plan reads the destinations this
// way; apply, verify and rollback read and write only through Open.
type peeker interface {
	Peek(ctx context.Context, b tfbackend.Backend) (snap *tfbackend.Snapshot, ok bool, err error)
}

func (c cliStore) Peek(ctx context.Context, b tfbackend.Backend) (*tfbackend.Snapshot, bool, error) {
	return c.tf.Peek(ctx, b)
}

// read pulls b's state through the store, peeking where it can.
func read(ctx context.Context, store Store, b tfbackend.Backend) (*tfbackend.Snapshot, error) {
	if p, ok := store.(peeker); ok {
		snap, ok, err := p.Peek(ctx, b)
		if ok {
			return snap, err
		}
	}
	st, err := store.Open(ctx, b)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Pull(ctx)
}

// removeState deletes st's state under its lock, provided it still holds
// exactly expect (the bytes of a pull): nobody can write between that
// check and the delete.
func removeState(ctx context.Context, st State, name string, expect []byte) error {
	unlock, err := st.Lock(ctx, "stratum-migrate-remove")
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := st.Pull(ctx)
	if err != nil {
		return err
	}
	if !bytes.Equal(cur.Data, expect) {
		return fmt.Errorf("%s: %s changed since it was checked; not removing it", name, st)
	}
	return st.Remove(ctx)
}
