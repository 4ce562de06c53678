package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Generated are the git-ignored directories a copy of the repository
// links instead of copying: the npm packages and the provider bindings
// generated from them (installing them takes minutes).
var Generated = []string{"node_modules", ".gen"}

// CopyRepo copies the repository that holds dir — its files as they are
// in the working tree, tracked or not yet tracked but not ignored, with
// their modes and modification times — into a new git repository with one
// commit ("base"), links Generated to the original's, and returns the
// copy's root. The original is only read.
func CopyRepo(t testing.TB, dir string) string {
	t.Helper()
	root := strings.TrimSpace(gitOut(t, dir, "rev-parse", "--show-toplevel"))
	dst := t.TempDir()
	files := gitOut(t, root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		src := filepath.Join(root, f)
		info, err := os.Stat(src)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		// Make compares modification times: a copy newer than the
		// original's install stamps would reinstall through the links.
		if err := os.Chtimes(to, info.ModTime(), info.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range Generated {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(dst, d)); err != nil {
			t.Fatal(err)
		}
	}
	gitOut(t, dst, "init", "-q", "-b", "main")
	// .gitignore ignores the directories, not links to them.
	exclude := "/" + strings.Join(Generated, "\n/") + "\n"
	if err := os.WriteFile(filepath.Join(dst, ".git", "info", "exclude"), []byte(exclude), 0o644); err != nil {
		t.Fatal(err)
	}
	gitOut(t, dst, "add", "-A")
	gitOut(t, dst, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "base")
	return dst
}

func gitOut(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("git %v: %v\n%s", args, err, msg)
	}
	return string(out)
}
