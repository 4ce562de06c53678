package synthesis

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// IndexFormat is part of every index key and the first line of every
// index entry. Change it whenever Summarize, Digest or Facts change what
// they say of the same bytes: entries of another format are never read
// (TestIndexFormatPinned fails when Facts of its fixtures change under
// the same format).
const IndexFormat = "stratum-synthesis-index 1"

// IndexDir is the index's directory inside a synthesis cache directory
// (synth.CacheEnv): the engine fills it as it stores stacks, and `stratum
// changed` reads it.
const IndexDir = "index"

// Facts are what an Index remembers of a stack's cdk.tf.json.
type Facts struct {
	Summary Summary `json:"summary"`
	// Digest is Digest of the file.
	Digest string `json:"digest"`
}

// Index remembers the Facts of stack files by the SHA-256 of their bytes,
// so that a reader of thousands of unchanged stacks hashes them instead of
// parsing them. An entry is <dir>/<key[:2]>/<key>, key the SHA-256 of
// IndexFormat and the file; it holds IndexFormat, the key, the SHA-256 of
// the facts' JSON and that JSON, one per line, written to a temporary file
// and renamed into place. An entry that is damaged, of another format, or
// found under another key is a miss: the facts are computed from the
// bytes again and the entry rewritten. What an entry says is a function of
// the bytes its key hashes, so a stale entry cannot exist within one
// IndexFormat; nothing but the time saved depends on the index being
// there. The synthesis cache prunes it with its own entries.
type Index struct {
	dir string
}

// OpenIndex is the index in dir, created when first written.
func OpenIndex(dir string) *Index { return &Index{dir: dir} }

// indexKey is the key of the file raw.
func indexKey(raw []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n", IndexFormat, len(raw))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

func (x *Index) path(key string) string { return filepath.Join(x.dir, key[:2], key) }

// Lookup returns the facts of raw, from the index when it holds them,
// else computed and stored. It fails only when raw is not JSON of a
// stack's shape; failing to store is not an error (the next reader
// computes them again).
func (x *Index) Lookup(raw []byte) (Facts, error) {
	key := indexKey(raw)
	if f, ok := x.load(key); ok {
		return f, nil
	}
	f, err := ComputeFacts(raw)
	if err != nil {
		return Facts{}, err
	}
	x.store(key, f)
	return f, nil
}

// Add computes and stores the facts of raw unless the index holds them:
// the synthesis engine calls it for every stack it stores in its cache.
func (x *Index) Add(raw []byte) error {
	key := indexKey(raw)
	if _, err := os.Stat(x.path(key)); err == nil {
		return nil
	}
	f, err := ComputeFacts(raw)
	if err != nil {
		return err
	}
	return x.store(key, f)
}

// ComputeFacts computes the facts of raw (what Lookup remembers).
func ComputeFacts(raw []byte) (Facts, error) {
	s, err := Summarize(raw)
	if err != nil {
		return Facts{}, err
	}
	d, err := Digest(raw)
	if err != nil {
		return Facts{}, err
	}
	return Facts{Summary: s, Digest: d}, nil
}

// touchEvery is how often a used entry's time is renewed, so that the
// cache's pruning (unused for a week) keeps what is read.
const touchEvery = time.Hour

// load reads the entry key; a damaged one is removed.
func (x *Index) load(key string) (Facts, bool) {
	path := x.path(key)
	b, err := os.ReadFile(path)
	if err != nil {
		return Facts{}, false
	}
	f, err := decodeFacts(key, b)
	if err != nil {
		os.Remove(path)
		return Facts{}, false
	}
	if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > touchEvery {
		now := time.Now()
		os.Chtimes(path, now, now)
	}
	return f, true
}

// decodeFacts checks and parses an entry found under key.
func decodeFacts(key string, b []byte) (Facts, error) {
	lines := bytes.SplitN(b, []byte("\n"), 4)
	if len(lines) != 4 || string(lines[0]) != IndexFormat || len(lines[3]) != 0 {
		return Facts{}, fmt.Errorf("not an index entry of this format")
	}
	if string(lines[1]) != key {
		return Facts{}, fmt.Errorf("entry of another key")
	}
	want, body, ok := bytes.Cut(lines[2], []byte(" "))
	if !ok {
		return Facts{}, fmt.Errorf("no checksum")
	}
	if got := sha256.Sum256(body); hex.EncodeToString(got[:]) != string(want) {
		return Facts{}, fmt.Errorf("checksum mismatch")
	}
	var f Facts
	if err := json.Unmarshal(body, &f); err != nil {
		return Facts{}, err
	}
	return f, nil
}

// encodeFacts is the entry of f under key.
func encodeFacts(key string, f Facts) []byte {
	j, err := json.Marshal(f)
	if err != nil {
		panic(err) // strings, slices and maps of strings always marshal
	}
	sum := sha256.Sum256(j)
	return fmt.Appendf(nil, "%s\n%s\n%s %s\n", IndexFormat, key, hex.EncodeToString(sum[:]), j)
}

// store writes the entry of f under key: into <dir>/tmp (where the
// cache's pruning removes what a crash leaves), then renamed into place.
func (x *Index) store(key string, f Facts) error {
	for _, d := range []string{filepath.Join(x.dir, "tmp"), filepath.Dir(x.path(key))} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			return err
		}
	}
	tmp := filepath.Join(x.dir, "tmp", key[:16]+"-"+strconv.FormatUint(rand.Uint64(), 36))
	if err := os.WriteFile(tmp, encodeFacts(key, f), 0o666); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, x.path(key)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
