package kubecheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStartFailsClearly: a missing binary, or one that exits at once,
// fails Start with a message saying so (and what the process printed),
// and leaves no directory behind.
func TestStartFailsClearly(t *testing.T) {
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "stratum-kubecheck-*"))
	dir := t.TempDir()
	exits := filepath.Join(dir, "kube-apiserver")
	if err := os.WriteFile(exits, []byte("#!/bin/sh\necho 'Error: unknown flag: --nonsense' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, binary, want string }{
		{"missing", filepath.Join(dir, "absent"), "kube-apiserver binary"},
		{"exits", exits, "unknown flag: --nonsense"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Start(context.Background(), c.binary)
			if err == nil {
				s.Close()
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "stratum-kubecheck-*"))
	if len(after) > len(before) {
		t.Errorf("left behind: %v (had %v)", after, before)
	}
}

func TestMissingServers(t *testing.T) {
	dir := t.TempDir()
	have := Binary(dir, "v1.35.4")
	if err := os.MkdirAll(filepath.Dir(have), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(have, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	got := MissingServers(dir, map[string]string{"prod": "v1.35.4", "dev": "v1.36.1"})
	if len(got) != 1 || !strings.Contains(got[0], "v1.36.1 (environment dev)") || !strings.Contains(got[0], ".gen/kube-apiserver/v1.36.1/kube-apiserver") {
		t.Errorf("missing %v, want dev's v1.36.1 named with its path", got)
	}
	if line := Skipped(got); !strings.HasPrefix(line, "SKIPPED: kubernetes tier: ") || !strings.Contains(line, "make kube-apiserver") || strings.Contains(line, "\n") {
		t.Errorf("Skipped = %q, want one SKIPPED line naming make kube-apiserver", line)
	}
}
