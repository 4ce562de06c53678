package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// MemStore is a Store that behaves like `terraform state pull` and `push`
// without running a process: local backends are their state files (as
// Terraform's local backend), every other backend lives in memory. A push
// takes the backend's lock, refuses another lineage or an older serial
// unless forced, and stores a push that replaces different content with
// its serial plus one, as Terraform does (tfbackend's TestBackends pins
// that behaviour of the real CLI).
type MemStore struct {
	mu     sync.Mutex
	remote map[string][]byte
	locks  map[string]*tfbackend.LockError
	// pushCalls counts Push calls, for Fault.
	pushCalls int
	// Pushes counts the writes (pushes and removals).
	Pushes int
	// Fault, when set, is called before the n-th push (1-based) of b and
	// says how it goes: "" as usual, "before" fails it before anything is
	// written, "after" fails it after the write, as a process that died
	// before reporting it. It may write states itself (someone else
	// writing meanwhile). Default: nil.
	Fault func(n int, b tfbackend.Backend) string
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{remote: map[string][]byte{}, locks: map[string]*tfbackend.LockError{}}
}

// Open implements Store.
func (m *MemStore) Open(_ context.Context, b tfbackend.Backend) (State, error) {
	if b.Type == "" {
		return nil, fmt.Errorf("%s: no backend type", b.Name)
	}
	return &memState{m: m, b: b}, nil
}

// HoldLock makes someone else hold b's lock until release is called.
func (m *MemStore) HoldLock(b tfbackend.Backend, le tfbackend.LockError) (release func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := b.String()
	m.locks[k] = &le
	return func() { m.mu.Lock(); delete(m.locks, k); m.mu.Unlock() }
}

// Put writes data as b's state, as someone outside the migration would.
func (m *MemStore) Put(b tfbackend.Backend, data []byte) error {
	st := &memState{m: m, b: b}
	return st.write(data)
}

// Get is b's state and whether there is one.
func (m *MemStore) Get(b tfbackend.Backend) ([]byte, bool) {
	st := &memState{m: m, b: b}
	d, err := st.read()
	return d, err == nil && d != nil
}

type memState struct {
	m *MemStore
	b tfbackend.Backend
	// ours is set while this handle holds the lock.
	ours bool
}

func (s *memState) String() string  { return s.b.String() }
func (s *memState) CanRemove() bool { return s.b.Type == "local" || s.b.Type == "s3" }
func (s *memState) Close() error    { return nil }

func (s *memState) path() string {
	p, _ := s.b.Config["path"].(string)
	return p
}

func (s *memState) read() ([]byte, error) {
	if s.b.Type == "local" {
		d, err := os.ReadFile(s.path())
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return d, err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	return s.m.remote[s.b.String()], nil
}

func (s *memState) write(data []byte) error {
	if s.b.Type == "local" {
		if err := os.MkdirAll(filepath.Dir(s.path()), 0o755); err != nil {
			return err
		}
		return os.WriteFile(s.path(), data, 0o600)
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.remote[s.b.String()] = bytes.Clone(data)
	return nil
}

func (s *memState) Pull(context.Context) (*tfbackend.Snapshot, error) {
	d, err := s.read()
	if err != nil {
		return nil, err
	}
	return &tfbackend.Snapshot{Exists: d != nil, Data: d}, nil
}

func (s *memState) heldByOther() error {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if le := s.m.locks[s.b.String()]; le != nil && !s.ours {
		c := *le
		c.State = s.b.Name
		return &c
	}
	return nil
}

func (s *memState) Push(ctx context.Context, data []byte, opt tfbackend.PushOptions) error {
	s.m.mu.Lock()
	s.m.pushCalls++
	n, fault := s.m.pushCalls, s.m.Fault
	s.m.mu.Unlock()
	mode := ""
	if fault != nil {
		mode = fault(n, s.b)
	}
	if mode == "before" {
		return fmt.Errorf("%s: injected failure: push %d refused before writing", s.b.Name, n)
	}
	if err := s.push(data, opt); err != nil {
		return err
	}
	if mode == "after" {
		return fmt.Errorf("%s: injected crash after push %d", s.b.Name, n)
	}
	return nil
}

func (s *memState) push(data []byte, opt tfbackend.PushOptions) error {
	if err := s.heldByOther(); err != nil {
		return err
	}
	in, err := tfstate.Parse("push", data)
	if err != nil {
		return err
	}
	cur, err := s.read()
	if err != nil {
		return err
	}
	if cur != nil {
		old, err := tfstate.Parse("current", cur)
		if err != nil {
			return err
		}
		if !opt.Force && old.Lineage != in.Lineage {
			return fmt.Errorf("%s: cannot import state with lineage %q over unrelated state with lineage %q", s.b.Name, in.Lineage, old.Lineage)
		}
		if !opt.Force && old.Serial > in.Serial {
			return fmt.Errorf("%s: cannot import state with serial %d over newer state with serial %d", s.b.Name, in.Serial, old.Serial)
		}
		if stateDiff(old, in) != "" {
			in.Serial++
		}
	}
	raw, err := in.Marshal()
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	s.m.Pushes++
	s.m.mu.Unlock()
	return s.write(raw)
}

func (s *memState) Lock(context.Context, string) (func() error, error) {
	if err := s.heldByOther(); err != nil {
		return nil, err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.locks[s.b.String()] = &tfbackend.LockError{Who: "this migration"}
	s.ours = true
	return func() error {
		s.m.mu.Lock()
		defer s.m.mu.Unlock()
		delete(s.m.locks, s.b.String())
		s.ours = false
		return nil
	}, nil
}

func (s *memState) Remove(context.Context) error {
	if !s.CanRemove() {
		return fmt.Errorf("%s: removing a state of backend %q is not supported", s.b.Name, s.b.Type)
	}
	s.m.mu.Lock()
	s.m.Pushes++
	s.m.mu.Unlock()
	if s.b.Type == "local" {
		if err := os.Remove(s.path()); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	delete(s.m.remote, s.b.String())
	return nil
}
