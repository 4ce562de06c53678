package tfbackend

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stratum/testkit/testenv"
)

// TestInitCache opens backends through a terraform that logs each
// command: a second Open of the same backend with InitCache set runs no
// `terraform version` or `terraform init` and still pulls and pushes the
// same state through Terraform; whatever init read that changed (the
// backend block, a -backend-config file's content, the binary), a torn or
// foreign entry, or a cache directory others may write makes Open run
// init again.
func TestInitCache(t *testing.T) {
	testenv.Long(t, "runs the real terraform")
	real := testenv.Terraform(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "commands")
	bin := filepath.Join(dir, "terraform")
	wrapper := fmt.Sprintf("#!/bin/sh\necho \"$1\" >> %q\nexec %q \"$@\"\n", log, real)
	if err := os.WriteFile(bin, []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	s3 := testenv.StartS3(t, "state")
	override := filepath.Join(dir, "override.s3.tfbackend")
	writeOverride := func(key string) {
		if err := os.WriteFile(override, []byte(fmt.Sprintf("access_key = %q\n", key)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeOverride(testenv.AccessKey)
	local := Backend{Name: "a", Type: "local", Config: map[string]any{"path": filepath.Join(dir, "a.tfstate")}}
	remote := s3Backend(s3, nil, true)
	delete(remote.Config, "access_key")
	remote.BackendConfig = []string{override}
	cache := filepath.Join(dir, "cache")
	tf := &Terraform{Binary: bin, WorkDir: dir, InitCache: cache}
	ctx := context.Background()
	// open opens b, pulls it and, when push is set, pushes a state; it
	// returns the terraform commands that ran, in order.
	open := func(t *testing.T, b Backend, push []byte) string {
		t.Helper()
		os.Remove(log)
		s, err := tf.Open(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Pull(ctx); err != nil {
			t.Fatal(err)
		}
		if push != nil {
			if err := s.Push(ctx, push, PushOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		raw, _ := os.ReadFile(log)
		return strings.Join(strings.Fields(string(raw)), " ")
	}
	for _, b := range []Backend{local, remote} {
		t.Run(b.Type, func(t *testing.T) {
			if got, want := open(t, b, nil), "version init state"; got != want {
				t.Errorf("first Open: ran %q, want %q", got, want)
			}
			if got, want := open(t, b, state(t, "11111111-1111-4111-8111-111111111111", 1, "pushed-through-the-cache")), "state state"; got != want {
				t.Errorf("Open of a cached backend: ran %q, want %q (pull and push, no init)", got, want)
			}
			// What the push stored, read without Terraform.
			var stored []byte
			if b.Type == "local" {
				stored, _ = os.ReadFile(b.Config["path"].(string))
			} else if obj, err := s3.Backend.GetObject("state", b.Config["key"].(string), nil); err == nil {
				stored, _ = io.ReadAll(obj.Contents)
				obj.Contents.Close()
			}
			if !strings.Contains(string(stored), "pushed-through-the-cache") {
				t.Errorf("the push through the cached backend did not reach %s: it holds %q", b, stored)
			}
		})
	}
	changes := []struct {
		name   string
		b      Backend
		change func()
	}{
		{"another state of the same backend", Backend{Name: "b", Type: "local", Config: map[string]any{"path": filepath.Join(dir, "b.tfstate")}}, func() {}},
		{"a -backend-config file changed", remote, func() { writeOverride(strings.Repeat("x", len(testenv.AccessKey))) }},
		{"the binary changed", local, func() {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(bin, later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"a torn entry", local, func() {
			entries, _ := filepath.Glob(filepath.Join(cache, "*.tfstate"))
			for _, e := range entries {
				if err := os.WriteFile(e, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"a cache others may write", local, func() {
			if err := os.Chmod(cache, 0o777); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			c.change()
			if got := open(t, c.b, nil); !strings.HasPrefix(got, "version init") {
				t.Errorf("Open: ran %q, want init to run again", got)
			}
		})
	}
	if fi, err := os.Stat(cache); err != nil || fi.Mode().Perm() != 0o777 {
		t.Fatalf("the cache others may write: %v %v", fi.Mode(), err)
	}
	os.Chmod(cache, 0o700)
	entries, _ := filepath.Glob(filepath.Join(cache, "*"))
	for _, e := range entries {
		if fi, err := os.Stat(e); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("cache entry %s: mode %v, want 0600 (it may hold credentials)", e, fi.Mode())
		}
	}
}
