package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"stratum/tools/synthesis"
)

// cacheFormat is part of every key and of every entry's first line; change
// it when the entry format or the meaning of a key changes.
const cacheFormat = "stratum-synth-cache 2"

// Pruning: entries not used for maxAge go, and beyond the size budget
// (budgetFactor times the entries this run used, at least minBudget) the
// least recently used go first. Entries are touched when used, at most
// once per touchEvery.
const (
	maxAge       = 7 * 24 * time.Hour
	minBudget    = 256 << 20
	budgetFactor = 4
	touchEvery   = time.Hour
)

// cache is a directory of content-addressed stack outputs. Each entry is
// one file, <dir>/<key[:2]>/<key>: the cacheFormat line, a JSON header
// line (entryHeader), then the stack's files one after another. An entry
// is written to a temporary file and renamed into place, so a reader sees
// a whole entry or none, and each file's SHA-256 is checked when it is
// read, so a damaged entry is a miss, never wrong output.
type cache struct {
	dir string
	// minBudget is minBudget, or less in tests.
	minBudget int64
	// index remembers the facts of every stack stored (synthesis.Index,
	// in the cache directory's synthesis.IndexDir), so that `stratum
	// changed` reads a synthesis without parsing it; pruned with the
	// entries.
	index *synthesis.Index
}

type entryHeader struct {
	// Key is the entry's key: an entry found under another key (a cache
	// restored or copied by hand, a renamed file) is a miss.
	Key string
	// Manifest and Version are the stack's manifestEntry.
	Manifest string
	Version  string
	Files    []entryFile
}

type entryFile struct {
	// Path is relative to the stack's directory, with slashes.
	Path   string
	Size   int64
	SHA256 string
}

func newCache(dir string) (*cache, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o777); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	return &cache{dir: dir, minBudget: minBudget, index: synthesis.OpenIndex(filepath.Join(dir, synthesis.IndexDir))}, nil
}

func (c *cache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

// has reports whether the cache holds an entry for key (false for no
// cache), without reading it.
func (c *cache) has(key string) bool {
	if c == nil {
		return false
	}
	_, err := os.Stat(c.path(key))
	return err == nil
}

// load writes the files of the entry key into stackDir and returns its
// manifest entry, or reports a miss. A damaged entry is removed.
func (c *cache) load(key, stackDir string) (*manifestEntry, bool) {
	path := c.path(key)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	h, files, err := decodeEntry(b)
	if err == nil && h.Key != key {
		err = errors.New("entry of another key")
	}
	if err != nil {
		os.Remove(path)
		return nil, false
	}
	e := &manifestEntry{Raw: h.Manifest, Version: h.Version}
	if err := e.parse(); err != nil {
		os.Remove(path)
		return nil, false
	}
	for i, f := range h.Files {
		dst := filepath.Join(stackDir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
			return nil, false
		}
		if err := os.WriteFile(dst, files[i], 0o666); err != nil {
			os.RemoveAll(stackDir)
			return nil, false
		}
	}
	if st, err := os.Stat(path); err == nil && time.Since(st.ModTime()) > touchEvery {
		now := time.Now()
		os.Chtimes(path, now, now)
	}
	return e, true
}

// decodeEntry parses an entry and checks every file's size and SHA-256.
func decodeEntry(b []byte) (*entryHeader, [][]byte, error) {
	first, rest, ok := bytes.Cut(b, []byte("\n"))
	if !ok || string(first) != cacheFormat {
		return nil, nil, errors.New("not an entry of this format")
	}
	line, rest, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return nil, nil, errors.New("truncated header")
	}
	var h entryHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, nil, err
	}
	files := make([][]byte, len(h.Files))
	for i, f := range h.Files {
		if f.Size < 0 || int64(len(rest)) < f.Size || !fs.ValidPath(f.Path) {
			return nil, nil, fmt.Errorf("file %q: truncated or invalid", f.Path)
		}
		data := rest[:f.Size]
		rest = rest[f.Size:]
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, nil, fmt.Errorf("file %q: checksum mismatch", f.Path)
		}
		files[i] = data
	}
	if len(rest) != 0 {
		return nil, nil, errors.New("trailing bytes")
	}
	return &h, files, nil
}

// store records the files of stackDir and e under key.
func (c *cache) store(key, stackDir string, e *manifestEntry) error {
	files, data, err := readStack(stackDir)
	if err != nil {
		return fmt.Errorf("storing %s: %w", filepath.Base(stackDir), err)
	}
	h := entryHeader{Key: key, Manifest: e.Raw, Version: e.Version, Files: files}
	header, err := json.Marshal(h)
	if err != nil {
		return err
	}
	tmp, err := createTemp(filepath.Join(c.dir, "tmp"), key[:16]+"-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var buf bytes.Buffer
	buf.WriteString(cacheFormat + "\n")
	buf.Write(header)
	buf.WriteByte('\n')
	for _, b := range data {
		buf.Write(b)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.path(key)), 0o777); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), c.path(key)); err != nil {
		return err
	}
	// The index only saves its readers time (they compute what it lacks),
	// so failing to add to it is no failure to store.
	var m synthesis.Entry
	if json.Unmarshal([]byte(e.Raw), &m) == nil {
		for i, f := range files {
			if f.Path == path.Base(m.SynthesizedStackPath) {
				c.index.Add(data[i])
			}
		}
	}
	return nil
}

// readStack reads the regular files under dir (a stack's directory) and
// lists them with their size and SHA-256, in walk order.
func readStack(dir string) ([]entryFile, [][]byte, error) {
	var out []entryFile
	var data [][]byte
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out = append(out, entryFile{Path: filepath.ToSlash(rel), Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])})
		data = append(data, b)
		return nil
	})
	return out, data, err
}

// prune removes entries not used for maxAge and, beyond the size budget,
// the least recently used ones; the entries of keep (this run's) stay.
// Temporary files older than a day (left by a crash) go too.
func (c *cache) prune(keep []string) error {
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k] = true
	}
	type entry struct {
		path string
		size int64
		used time.Time
	}
	var others []entry
	var keptSize int64
	now := time.Now()
	err := filepath.WalkDir(c.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed by a concurrent run
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if filepath.Base(filepath.Dir(path)) == "tmp" {
			if now.Sub(info.ModTime()) > 24*time.Hour {
				os.Remove(path)
			}
			return nil
		}
		name := d.Name()
		if len(name) != 64 || !strings.HasPrefix(name, filepath.Base(filepath.Dir(path))) {
			return nil // not ours
		}
		if kept[name] {
			keptSize += info.Size()
			return nil
		}
		others = append(others, entry{path, info.Size(), info.ModTime()})
		return nil
	})
	if err != nil {
		return err
	}
	budget := max(c.minBudget, budgetFactor*keptSize) - keptSize
	sort.Slice(others, func(a, b int) bool { return others[a].used.After(others[b].used) })
	full := false
	for _, e := range others {
		if full = full || budget < e.size; full || now.Sub(e.used) > maxAge {
			os.Remove(e.path)
			continue
		}
		budget -= e.size
	}
	return nil
}
