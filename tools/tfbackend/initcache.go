package tfbackend

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"stratum/tools/durable"
)

// What `terraform init` leaves for `state pull` and `state push` is one
// file, .terraform/terraform.tfstate: the backend's type, its effective
// configuration (the block merged with the -backend-config arguments) and
// the hash of the block. It holds no path of the working directory, so it
// serves any directory holding the same backend block. With InitCache set,
// Open keeps it under a key naming everything init read — the binary, the
// backend block, each -backend-config argument and the content of the
// files they name — and a later Open of the same backend copies it instead
// of running `terraform version` and `terraform init` again: two processes
// of each state's four to six per command. Terraform still checks the
// block against the recorded hash on every command, and anything the key
// does not cover (credentials, the bucket itself) init does not record.

// initKey names what init reads for b, whose backend block is block; ok is
// false when it cannot be named (a binary not found, a -backend-config
// file not readable, a relative local path, which init resolves against
// the scratch directory): Open then runs init.
func (tf *Terraform) initKey(b Backend, block []byte) (key string, ok bool) {
	if b.Type == "local" {
		if p, _ := b.Config["path"].(string); !filepath.IsAbs(p) {
			return "", false
		}
	}
	bin, err := exec.LookPath(tf.binary())
	if err != nil {
		return "", false
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return "", false
	}
	fi, err := os.Stat(bin)
	if err != nil {
		return "", false
	}
	h := sha256.New()
	// The binary by path, size and modification time: an upgrade in place
	// changes the key without reading the whole binary.
	fmt.Fprintf(h, "binary %s %d %d\n", bin, fi.Size(), fi.ModTime().UnixNano())
	fmt.Fprintf(h, "block %d\n", len(block))
	h.Write(block)
	for _, c := range b.BackendConfig {
		fmt.Fprintf(h, "\nbackend-config %q\n", c)
		if strings.Contains(c, "=") {
			continue
		}
		raw, err := os.ReadFile(c)
		if err != nil || !filepath.IsAbs(c) {
			return "", false
		}
		fmt.Fprintf(h, "file %d\n", len(raw))
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// restoreInit puts the cached initialisation of key into dir; it reports
// whether it did. An entry that is not a backend of type typ (a torn or
// foreign file) is ignored, and init runs.
func (tf *Terraform) restoreInit(key, typ, dir string) bool {
	// An entry someone else could have written could point the backend
	// elsewhere: only a private cache of this user's is read.
	if private(tf.InitCache) != nil {
		return false
	}
	raw, err := os.ReadFile(filepath.Join(tf.InitCache, key+".tfstate"))
	if err != nil {
		return false
	}
	var meta struct {
		Backend struct {
			Type   string         `json:"type"`
			Config map[string]any `json:"config"`
			Hash   *uint64        `json:"hash"`
		} `json:"backend"`
	}
	if json.Unmarshal(raw, &meta) != nil || meta.Backend.Type != typ || meta.Backend.Config == nil || meta.Backend.Hash == nil {
		return false
	}
	if err := os.Mkdir(filepath.Join(dir, ".terraform"), 0o700); err != nil {
		return false
	}
	return os.WriteFile(filepath.Join(dir, ".terraform", "terraform.tfstate"), raw, 0o600) == nil
}

// saveInit keeps what init wrote in dir under key. The entry may hold
// credentials given in -backend-config files, so the cache is private
// (0700, files 0600) and lives where the caller chose (migrate: inside
// the migration directory, beside the state backups).
func (tf *Terraform) saveInit(key, dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, ".terraform", "terraform.tfstate"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(tf.InitCache, 0o700); err != nil {
		return err
	}
	if err := private(tf.InitCache); err != nil {
		return err
	}
	return durable.WriteFile(filepath.Join(tf.InitCache, key+".tfstate"), raw, 0o600)
}

// private checks that dir is a directory of this user's that nobody else
// may write or read (0700).
func private(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s is not a private directory of this user's (mode 0700)", dir)
	}
	return nil
}
