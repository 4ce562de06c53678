package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
)

// DataFiles are the module's files that hold only data: the environments
// and the clients. They are left out of the code fingerprint because
// their content reaches a stack only through its inputs (stacks.Inputs),
// which are part of its key: editing a client then misses the cache for
// that client's stacks only. TestDataFilesHoldOnlyData fails if either
// file declares anything but data, and TestBuildersReadOnlyInputs if any
// package but a main package reads them.
var DataFiles = []string{"clients/clients.go", "config/environments.go"}

// moduleFiles are the files besides Go sources that decide what the
// program does: the Go dependencies, and the npm packages the Kubernetes
// and Helm bindings are generated from.
var moduleFiles = []string{"go.mod", "go.sum", "package-lock.json"}

// GoFiles lists the module's Go files in src (a tree rooted at the
// module), tests included, in walk order: not testdata, not other modules
// (such as the generated bindings), not hidden or underscore directories,
// not node_modules.
func GoFiles(src fs.FS) ([]string, error) {
	var out []string
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p == "." {
				return nil
			}
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "node_modules" || name == "testdata" {
				return fs.SkipDir
			}
			if _, err := fs.Stat(src, path.Join(p, "go.mod")); err == nil {
				return fs.SkipDir // another module, such as the generated bindings
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// SourceFiles lists the files of src (a tree rooted at the module) that
// make up the code fingerprint, sorted: moduleFiles and every Go file
// that is compiled into a program (GoFiles less tests), less DataFiles.
// It fails if a DataFiles or moduleFiles entry is missing, as then src is
// not the tree the fingerprint's rules were written for.
func SourceFiles(src fs.FS) ([]string, error) {
	files, err := GoFiles(src)
	if err != nil {
		return nil, fmt.Errorf("fingerprinting the source: %w", err)
	}
	found := map[string]bool{}
	for _, p := range files {
		if !strings.HasSuffix(p, "_test.go") {
			found[p] = true
		}
	}
	for _, f := range DataFiles {
		if !found[f] {
			return nil, fmt.Errorf("fingerprinting the source: data file %s not found (update synth.DataFiles)", f)
		}
		delete(found, f)
	}
	for _, f := range moduleFiles {
		if _, err := fs.Stat(src, f); err != nil {
			return nil, fmt.Errorf("fingerprinting the source: %w", err)
		}
		found[f] = true
	}
	out := make([]string, 0, len(found))
	for p := range found {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}

// Fingerprint is the SHA-256 of SourceFiles' names and contents.
func Fingerprint(src fs.FS) (string, error) {
	files, err := SourceFiles(src)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, f := range files {
		b, err := fs.ReadFile(src, f)
		if err != nil {
			return "", fmt.Errorf("fingerprinting the source: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// codeID identifies what besides a stack's inputs decides its output: the
// code (Fingerprint) and what it runs on (Environment).
type codeID struct {
	Fingerprint string
	Environment string
	// Modules is the digest of moduleFiles, the part of the fingerprint
	// every stack's finer key holds (see reach.go).
	Modules string
}

// identify fingerprints the source tree src and describes this process's
// environment.
func identify(src fs.FS) (codeID, error) {
	fp, err := Fingerprint(src)
	if err != nil {
		return codeID{}, err
	}
	h := sha256.New()
	for _, f := range moduleFiles {
		b, err := fs.ReadFile(src, f)
		if err != nil {
			return codeID{}, fmt.Errorf("fingerprinting the source: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		h.Write(b)
	}
	return codeID{Fingerprint: fp, Environment: Environment(), Modules: hex.EncodeToString(h.Sum(nil))}, nil
}

// key is the part of every stack's cache key that the code and the
// environment decide.
func (c codeID) key() string { return c.Fingerprint + "\n" + c.Environment }

// Environment describes what besides the source decides a synthesis's
// output: the Go toolchain and platform, the build's dependencies and
// settings (version control stamps excepted: a commit that changes only
// data must not miss the cache), the Node.js that runs jsii, and the
// environment variables cdktf reads (CDKTF_*, SYNTH_HCL_OUTPUT,
// TERRAFORM_BINARY_NAME), CDKTF_OUTDIR excepted, as no output depends on
// where it is written.
func Environment() string {
	var b strings.Builder
	fmt.Fprintf(&b, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "main %s\n", bi.Path)
		for _, d := range bi.Deps {
			for d.Replace != nil {
				fmt.Fprintf(&b, "dep %s %s => ", d.Path, d.Version)
				d = d.Replace
			}
			fmt.Fprintf(&b, "dep %s %s %s\n", d.Path, d.Version, d.Sum)
		}
		for _, s := range bi.Settings {
			if !strings.HasPrefix(s.Key, "vcs") {
				fmt.Fprintf(&b, "build %s=%s\n", s.Key, s.Value)
			}
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "CDKTF_OUTDIR":
		case strings.HasPrefix(k, "CDKTF_"), k == "SYNTH_HCL_OUTPUT", k == "TERRAFORM_BINARY_NAME",
			k == "JSII_NODE", k == "JSII_RUNTIME":
			env = append(env, kv)
		}
	}
	sort.Strings(env)
	for _, kv := range env {
		fmt.Fprintf(&b, "env %s\n", kv)
	}
	fmt.Fprintf(&b, "node %s\n", nodeVersion())
	return b.String()
}

// nodeVersions remembers nodeVersion by the command it ran: a process
// asks for it once per run, and a test many times.
var nodeVersions sync.Map

// nodeVersion is the version of the Node.js jsii starts (JSII_NODE, else
// node on PATH).
func nodeVersion() string {
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	if v, ok := nodeVersions.Load(node + "\x00" + os.Getenv("PATH")); ok {
		return v.(string)
	}
	v := runNode(node)
	nodeVersions.Store(node+"\x00"+os.Getenv("PATH"), v)
	return v
}

func runNode(node string) string {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) {
			return "unavailable"
		}
		return "failed: " + err.Error()
	}
	return strings.TrimSpace(string(out))
}
