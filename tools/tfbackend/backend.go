// Package tfbackend reads and writes Terraform states through the real
// Terraform CLI, so that every backend Terraform supports works: each
// backend gets a scratch working directory holding only its backend block
// and a CLI configuration of its own, is initialised with
// `terraform init -reconfigure` (or with what an earlier init of the same
// backend recorded: Terraform.InitCache), and is read with `terraform state pull`
// and written with `terraform state push` (which takes the backend's lock
// and refuses a different lineage or an older serial).
//
// The CLI is driven through HashiCorp's terraform-exec (tfexec), with the
// guarantees a state writer needs kept explicit: the push always passes
// -lock=true and the configured -lock-timeout (tfexec's default is no
// lock); the environment is this package's own (SetEnv: the user's
// TF_CLI_CONFIG_FILE, TF_DATA_DIR, TF_WORKSPACE and TF_CLI_ARGS* never
// reach Terraform, tfexec blanks TF_LOG*); stdout and stderr are captured
// per command, so a refused push names the lock holder. A cancelled
// context interrupts Terraform (SIGINT, then a kill after a grace period)
// instead of killing it at once, so a push in flight ends as Terraform
// ends it; either way the caller sees an error and the migration journal
// treats the push as possibly written.
//
// Two things the CLI cannot do are done directly against the storage, for
// the local and S3 backends only: reading the S3 object's version id for
// backups, and removing a state that did not exist before (rollback).
package tfbackend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"stratum/tools/durable"
)

// Backend is where one state lives: a Terraform backend block.
type Backend struct {
	// Name names the state in messages and logs (a stack name, or
	// "source").
	Name string
	// Type is the backend type: "s3", "local", "gcs", …
	Type string
	// Config is the backend block's arguments, as in a .tf.json file.
	Config map[string]any
	// BackendConfig are extra `-backend-config` arguments for init
	// (KEY=VALUE or a file), as `terraform init -backend-config` takes.
	// Default: none.
	BackendConfig []string
}

// String names where the state lives, for messages.
func (b Backend) String() string {
	switch b.Type {
	case "s3":
		return fmt.Sprintf("s3://%v/%v", b.Config["bucket"], b.Config["key"])
	case "local":
		return fmt.Sprintf("local:%v", b.Config["path"])
	}
	return b.Type
}

// Terraform runs the Terraform CLI.
type Terraform struct {
	// Binary is the terraform executable. Default: "terraform" on PATH.
	Binary string
	// WorkDir is where scratch directories are created. Default: the
	// system's temporary directory.
	WorkDir string
	// LockTimeout is passed to `state push -lock-timeout`. Default: 0s,
	// which fails at once when someone else holds the lock.
	LockTimeout time.Duration
	// InitCache is a private directory (created 0700) where Open keeps
	// what `terraform init` recorded for each backend, and reuses it for
	// the same binary, backend block and -backend-config arguments instead
	// of running `terraform version` and `terraform init` again (see
	// initcache.go). Its entries hold the effective backend configuration,
	// credentials from -backend-config files included. Default: "", every
	// Open runs init.
	InitCache string
}

// Session is one initialised backend.
type Session struct {
	tf      *Terraform
	Backend Backend
	dir     string
	// cli runs Terraform in dir; mu serialises its commands, whose output
	// it captures.
	cli *tfexec.Terraform
	mu  sync.Mutex
	// Effective is the backend configuration after -backend-config
	// overrides, as Terraform recorded it in .terraform/terraform.tfstate.
	Effective map[string]any
}

// Snapshot is one pulled state.
type Snapshot struct {
	// Exists is false when the backend holds no state yet.
	Exists bool
	// Data is what `terraform state pull` printed.
	Data []byte
	// VersionID is the S3 object's version id when the backend is S3 and
	// the bucket is versioned; "" otherwise.
	VersionID string
}

// LockError is a state lock held by someone else.
type LockError struct {
	State     string
	ID        string
	Path      string
	Operation string
	Who       string
	Version   string
	Created   string
	Info      string
	Output    string
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%s: the state is locked by someone else (lock ID %s, held by %s since %s for %q, path %s); nothing was written to it: wait for that run to finish, or if it died, release the lock with `terraform force-unlock %s` from that stack's directory",
		e.State, orDash(e.ID), orDash(e.Who), orDash(e.Created), orDash(e.Operation), orDash(e.Path), orDash(e.ID))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Open creates the scratch directory for b and runs terraform init there.
func (tf *Terraform) Open(ctx context.Context, b Backend) (*Session, error) {
	if b.Type == "" {
		return nil, fmt.Errorf("%s: no backend type", b.Name)
	}
	dir, err := os.MkdirTemp(tf.WorkDir, "tfbackend-"+safeName(b.Name)+"-")
	if err != nil {
		return nil, err
	}
	s := &Session{tf: tf, Backend: b, dir: dir}
	block := map[string]any{"terraform": map[string]any{"backend": map[string]any{b.Type: b.Config}}}
	raw, err := json.MarshalIndent(block, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: backend block: %w", b.Name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "backend.tf.json"), raw, 0o600); err != nil {
		return nil, err
	}
	// A CLI configuration of our own. Moving state needs no provider, but
	// init installs the providers a non-empty state names; an empty
	// filesystem mirror as the only installation method makes that step
	// fail at once, offline, after the backend is configured (see
	// initOK), instead of downloading providers for every state.
	if err := os.Mkdir(filepath.Join(dir, "no-providers"), 0o700); err != nil {
		return nil, err
	}
	cli := fmt.Sprintf("disable_checkpoint = true\n\nprovider_installation {\n  filesystem_mirror {\n    path    = %q\n    include = [\"*/*/*\"]\n  }\n}\n", filepath.Join(dir, "no-providers"))
	if err := os.WriteFile(filepath.Join(dir, "cli.tfrc"), []byte(cli), 0o600); err != nil {
		return nil, err
	}
	if s.cli, err = tfexec.NewTerraform(dir, tf.binary()); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	if err := s.cli.SetEnv(s.env()); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", b.Name, err)
	}
	key, cacheable := "", false
	if tf.InitCache != "" {
		key, cacheable = tf.initKey(b, raw)
	}
	if !cacheable || !tf.restoreInit(key, b.Type, dir) {
		opts := []tfexec.InitOption{tfexec.Reconfigure(true), tfexec.Backend(true), tfexec.Get(false)}
		for _, c := range b.BackendConfig {
			opts = append(opts, tfexec.BackendConfig(c))
		}
		stdout, stderr, err := s.call(ctx, func(ctx context.Context) error { return s.cli.Init(ctx, opts...) })
		if err != nil && !initOK(dir, stdout, stderr) {
			s.Close()
			return nil, fmt.Errorf("%s: terraform init of backend %s failed: %v\n%s", b.Name, b, exitStatus(err), indent(stderr))
		}
		if cacheable {
			// A cache that cannot be written costs the next Open an init,
			// nothing else.
			tf.saveInit(key, dir)
		}
	}
	var meta struct {
		Backend struct {
			Type   string         `json:"type"`
			Config map[string]any `json:"config"`
		} `json:"backend"`
	}
	if raw, err := os.ReadFile(filepath.Join(dir, ".terraform", "terraform.tfstate")); err == nil && json.Unmarshal(raw, &meta) == nil {
		s.Effective = meta.Backend.Config
	}
	if s.Effective == nil {
		s.Effective = b.Config
	}
	return s, nil
}

// initOK reports whether a failed init failed only at installing
// providers, after configuring the backend: state pull and push need no
// provider.
func initOK(dir string, stdout, stderr []byte) bool {
	if _, err := os.Stat(filepath.Join(dir, ".terraform", "terraform.tfstate")); err != nil {
		return false
	}
	out, errs := stripBoxes(string(stdout)), stripBoxes(string(stderr))
	if !strings.Contains(out, "Successfully configured the backend") {
		return false
	}
	for _, marker := range []string{"Failed to query available provider packages", "Failed to install provider", "Failed to resolve provider packages"} {
		if strings.Contains(errs, marker) {
			return true
		}
	}
	return false
}

// Close removes the scratch directory.
func (s *Session) Close() error { return os.RemoveAll(s.dir) }

// Pull returns the backend's current state.
func (s *Session) Pull(ctx context.Context) (*Snapshot, error) {
	var pulled string
	_, stderr, err := s.call(ctx, func(ctx context.Context) (err error) {
		pulled, err = s.cli.StatePull(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: terraform state pull failed: %v\n%s", s.Backend.Name, exitStatus(err), indent(stderr))
	}
	out := []byte(pulled)
	snap := &Snapshot{Data: out, Exists: !absent(out)}
	if s.Backend.Type == "s3" && snap.Exists {
		v, err := s.s3VersionID(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: reading the state object's version id: %w", s.Backend.Name, err)
		}
		snap.VersionID = v
	}
	return snap, nil
}

// absent reports whether pulled output means "no state": Terraform prints
// nothing for a missing local state, and an empty state without lineage
// for a missing remote one.
func absent(out []byte) bool {
	if len(bytes.TrimSpace(out)) == 0 {
		return true
	}
	var probe struct {
		Lineage   string            `json:"lineage"`
		Resources []json.RawMessage `json:"resources"`
		Outputs   map[string]any    `json:"outputs"`
	}
	if json.Unmarshal(out, &probe) != nil {
		return false
	}
	return probe.Lineage == "" && len(probe.Resources) == 0 && len(probe.Outputs) == 0
}

// PushOptions adjusts Push.
type PushOptions struct {
	// Force passes -force: write even over a different lineage or a
	// higher serial. Only rollback uses it, after its own checks.
	Force bool
}

// Push writes data as the backend's state with `terraform state push`.
func (s *Session) Push(ctx context.Context, data []byte, opt PushOptions) error {
	f := filepath.Join(s.dir, "push.tfstate")
	if err := os.WriteFile(f, data, 0o600); err != nil {
		return err
	}
	defer os.Remove(f)
	// The lock is explicit: tfexec's default for state push is -lock=false.
	opts := []tfexec.StatePushCmdOption{tfexec.Lock(true), tfexec.LockTimeout(s.tf.LockTimeout.String()), tfexec.Force(opt.Force)}
	_, stderr, err := s.call(ctx, func(ctx context.Context) error { return s.cli.StatePush(ctx, f, opts...) })
	if err == nil {
		return nil
	}
	if le := parseLockError(s.Backend.Name, stderr); le != nil {
		return le
	}
	return fmt.Errorf("%s: terraform state push failed: %v\n%s", s.Backend.Name, exitStatus(err), indent(stderr))
}

// String names where the state lives, for messages.
func (s *Session) String() string { return s.Backend.String() }

// CanRemove reports whether Lock and Remove support this backend.
func (s *Session) CanRemove() bool { return s.Backend.Type == "local" || s.Backend.Type == "s3" }

// Lock takes the backend's lock the way Terraform takes it, so that no
// Terraform run writes the state until unlock is called: on S3 the
// DynamoDB lock item and/or the S3 lock file (use_lockfile), on the local
// backend the fcntl lock on the state file. A lock held by someone else
// is a *LockError naming its holder. It supports the local and S3
// backends (CanRemove); `terraform state push` takes the lock itself.
func (s *Session) Lock(ctx context.Context, operation string) (unlock func() error, err error) {
	switch s.Backend.Type {
	case "local":
		return s.lockLocal()
	case "s3":
		return s.lockS3(ctx, operation)
	}
	return nil, fmt.Errorf("%s: locking a state is supported for the local and s3 backends only, not %q", s.Backend.Name, s.Backend.Type)
}

// Remove deletes the backend's state. The caller holds its lock (Lock)
// and has checked, under that lock, that it removes what it means to.
func (s *Session) Remove(ctx context.Context) error {
	switch s.Backend.Type {
	case "local":
		path := s.LocalPath()
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return durable.SyncDir(filepath.Dir(path))
	case "s3":
		return s.removeS3(ctx)
	}
	return fmt.Errorf("%s: removing a state is supported for the local and s3 backends only, not %q: delete it by hand after checking it holds nothing you need", s.Backend.Name, s.Backend.Type)
}

// lockLocal takes the fcntl lock Terraform's local backend takes on the
// state file (the whole file, F_SETLK). A missing file needs no lock.
func (s *Session) lockLocal() (func() error, error) {
	path := s.LocalPath()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return func() error { return nil }, nil
	}
	if err != nil {
		return nil, err
	}
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
		f.Close()
		le := &LockError{State: s.Backend.Name, Path: path, Output: err.Error()}
		// Terraform writes who holds the lock beside the file.
		dir, base := filepath.Split(path)
		if raw, rerr := os.ReadFile(filepath.Join(dir, "."+base+".lock.info")); rerr == nil {
			var li lockInfo
			if json.Unmarshal(raw, &li) == nil {
				le.ID, le.Who, le.Operation, le.Version, le.Info, le.Created = li.ID, li.Who, li.Operation, li.Version, li.Info, li.Created.String()
			}
		}
		return nil, le
	}
	return func() error {
		un := syscall.Flock_t{Type: syscall.F_UNLCK, Whence: io.SeekStart}
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &un)
		f.Close()
		return err
	}, nil
}

// LocalPath is the local backend's state file, absolute.
func (s *Session) LocalPath() string {
	p, _ := s.Effective["path"].(string)
	if p == "" {
		p = "terraform.tfstate"
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(s.dir, p)
	}
	return p
}

func (tf *Terraform) binary() string {
	if tf.Binary == "" {
		return "terraform"
	}
	return tf.Binary
}

// call runs one Terraform command through s.cli and returns what it
// printed. A command cut short by ctx is reported as interrupted (tfexec
// then returns an error that may wrap nothing).
func (s *Session) call(ctx context.Context, run func(context.Context) error) (stdout, stderr []byte, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out, errOut bytes.Buffer
	s.cli.SetStdout(&out)
	s.cli.SetStderr(&errOut)
	defer func() { s.cli.SetStdout(nil); s.cli.SetStderr(nil) }()
	err = run(ctx)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("interrupted: %w", context.Cause(ctx))
	}
	return out.Bytes(), errOut.Bytes(), err
}

// exitStatus is err without the stderr tfexec appends to it (the callers
// print stderr themselves, framed).
func exitStatus(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee
	}
	return err
}

// env is the whole environment of the session's Terraform: the process
// environment without what would change which state Terraform reads
// (workspace, data directory, extra CLI arguments, the user's CLI
// configuration) or what tfexec sets itself (tfexec.CleanEnv: TF_LOG*,
// TF_INPUT, TF_IN_AUTOMATION, TF_VAR_*, …), plus this session's CLI
// configuration.
func (s *Session) env() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "TF_WORKSPACE", k == "TF_CLI_CONFIG_FILE", k == "TF_DATA_DIR", k == "TF_LOG", k == "TF_LOG_PATH",
			strings.HasPrefix(k, "TF_CLI_ARGS"):
			continue
		}
		env[k] = v
	}
	env = tfexec.CleanEnv(env)
	env["TF_CLI_CONFIG_FILE"] = filepath.Join(s.dir, "cli.tfrc")
	env["CHECKPOINT_DISABLE"] = "1"
	return env
}

// lockLine is one "Field: value" line of the Lock Info block; spaces and
// tabs only, so that an empty value does not run on into the next line.
var lockLine = regexp.MustCompile(`(?m)^[ \t]*(\w+):[ \t]*(.*?)[ \t]*$`)

// parseLockError recognises Terraform's "Error acquiring the state lock"
// and reads its Lock Info block.
func parseLockError(state string, stderr []byte) *LockError {
	text := stripBoxes(string(stderr))
	if !strings.Contains(text, "Error acquiring the state lock") {
		return nil
	}
	le := &LockError{State: state, Output: strings.TrimSpace(text)}
	if i := strings.Index(text, "Lock Info:"); i >= 0 {
		// Each line of the block and the field it fills; other lines
		// are not the lock's.
		fields := map[string]*string{
			"ID": &le.ID, "Path": &le.Path, "Operation": &le.Operation, "Who": &le.Who,
			"Version": &le.Version, "Created": &le.Created, "Info": &le.Info,
		}
		for _, m := range lockLine.FindAllStringSubmatch(text[i:], -1) {
			if f, ok := fields[m[1]]; ok {
				*f = m[2]
			}
		}
	}
	return le
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// stripBoxes removes colours and the │ ╷ ╵ frame Terraform draws around
// diagnostics.
func stripBoxes(s string) string {
	s = ansi.ReplaceAllString(s, "")
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimLeft(line, "│╷╵ ")
		b.WriteString(line)
		b.WriteString("\n")
	}
	return b.String()
}

func indent(b []byte) string {
	lines := strings.Split(strings.TrimSpace(stripBoxes(string(b))), "\n")
	var keep []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			keep = append(keep, "    "+l)
		}
	}
	return strings.Join(keep, "\n")
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
