// Package synthesis reads a synthesized app: a cdktf output directory
// (cdktf.out) with its manifest.json and one cdk.tf.json per stack. It is
// the one reader of that format; the stack graph, `stratum changed`,
// `stratum migrate`, `stratum policy`, the state-share report and the
// synthesis engine's merge all read through it.
//
// A stack's environment, layer and client come from what the stack was
// built from — the default tags its AWS provider carries, which the
// stack builders set from the plan's inputs — never from its name:
// environment and client names may contain hyphens, so a name cannot be
// split back into them.
package synthesis

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
)

// ManifestFile is the manifest's name in an output directory.
const ManifestFile = "manifest.json"

// Manifest is cdktf's manifest.json.
type Manifest struct {
	// Path is the file it was read from.
	Path string
	// Version is the top-level "version" value exactly as written (JSON).
	Version string
	// Entries are the stacks, by name.
	Entries map[string]Entry
}

// Entry is one stack's entry of the manifest.
type Entry struct {
	// Raw is the entry exactly as cdktf wrote it (the synthesis engine
	// copies it byte for byte when it merges manifests).
	Raw string
	// Dependencies are the stacks this one depends on, as recorded.
	Dependencies []string `json:"dependencies"`
	// SynthesizedStackPath is the stack's cdk.tf.json, relative to the
	// output directory.
	SynthesizedStackPath string `json:"synthesizedStackPath"`
	// WorkingDirectory is where cdktf runs Terraform for the stack,
	// relative to the output directory.
	WorkingDirectory string `json:"workingDirectory"`
}

// ReadManifest reads dir's manifest.json. It refuses top-level keys other
// than "stacks" and "version": cdktf's format would have changed under
// the tools that read it.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: synthesize first (make synth)", path)
	}
	if err != nil {
		return nil, err
	}
	return ParseManifest(path, b)
}

// ParseManifest parses the manifest b read from path (path names it in
// errors).
func ParseManifest(path string, b []byte) (*Manifest, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k := range top {
		if k != "stacks" && k != "version" {
			return nil, fmt.Errorf("%s: unknown key %q (cdktf's manifest format changed)", path, k)
		}
	}
	var stacks map[string]json.RawMessage
	if raw, ok := top["stacks"]; ok {
		if err := json.Unmarshal(raw, &stacks); err != nil {
			return nil, fmt.Errorf("%s: stacks: %w", path, err)
		}
	}
	m := &Manifest{Path: path, Version: string(top["version"]), Entries: make(map[string]Entry, len(stacks))}
	for name, raw := range stacks {
		e := Entry{Raw: string(raw)}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("%s: stack %s: %w", path, name, err)
		}
		e.Raw = string(raw)
		m.Entries[name] = e
	}
	return m, nil
}

// Stack is one synthesized stack.
type Stack struct {
	Name string
	// Environment, Layer and Client are what the stack was built for
	// (see Identify); Client is empty for an environment's stacks.
	Environment string
	Layer       string
	Client      string
	// Dependencies are the stacks it depends on, sorted.
	Dependencies []string
	// Path is its cdk.tf.json and Dir its working directory, both
	// absolute.
	Path string
	Dir  string
	// JSON is its cdk.tf.json as written.
	JSON []byte
	// Summary is what it says of itself besides its Terraform (Summarize).
	Summary Summary
	// Digest is applied.Digest of its Terraform, when it was read through
	// an Index (ReadIndexed); "" otherwise.
	Digest string
}

// Output is a synthesized app.
type Output struct {
	// Dir is the output directory, absolute.
	Dir string
	// Stacks are sorted by name.
	Stacks []Stack
}

// Read reads every stack of the output directory dir.
func Read(dir string) (*Output, error) { return ReadIndexed(dir, nil) }

// ReadIndexed is Read with each stack's Summary and Digest taken from idx
// (computed and remembered there when it lacks them): `stratum changed`
// reads a thousand clients' stacks without parsing them. With a nil idx
// it is Read, and Digest stays "". Stacks are read in parallel.
func ReadIndexed(dir string, idx *Index) (*Output, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(abs)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m.Entries))
	for name, e := range m.Entries {
		if e.SynthesizedStackPath == "" {
			return nil, fmt.Errorf("%s: stack %s has no synthesizedStackPath", m.Path, name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	out := &Output{Dir: abs, Stacks: make([]Stack, len(names))}
	errs := make([]error, len(names))
	parallel(len(names), func(i int) {
		name, e := names[i], m.Entries[names[i]]
		path := filepath.Join(abs, e.SynthesizedStackPath)
		b, err := os.ReadFile(path)
		if err != nil {
			errs[i] = fmt.Errorf("%s: stack %s: %w", m.Path, name, err)
			return
		}
		var s Stack
		if idx == nil {
			s, err = New(name, e.Dependencies, b)
		} else {
			var f Facts
			if f, err = idx.Lookup(b); err == nil {
				s = newStack(name, e.Dependencies, b, f.Summary)
				s.Digest = f.Digest
			} else {
				err = fmt.Errorf("stack %s: %w", name, err)
			}
		}
		if err != nil {
			errs[i] = fmt.Errorf("%s: %w", path, err)
			return
		}
		s.Path, s.Dir = path, filepath.Dir(path)
		if e.WorkingDirectory != "" {
			s.Dir = filepath.Join(abs, e.WorkingDirectory)
		}
		out.Stacks[i] = s
	})
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return out, nil
}

// firstError is the first non-nil error of errs (the stacks' order, so
// the same damage gives the same message).
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// parallel runs f(0) … f(n-1) on as many goroutines as Go runs at once.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// Stack returns the stack named name.
func (o *Output) Stack(name string) (Stack, bool) {
	i := sort.Search(len(o.Stacks), func(i int) bool { return o.Stacks[i].Name >= name })
	if i < len(o.Stacks) && o.Stacks[i].Name == name {
		return o.Stacks[i], true
	}
	return Stack{}, false
}

// New is the stack named name synthesized as raw (its cdk.tf.json) with
// the dependencies recorded for it: a stack read from elsewhere than an
// output directory, such as a golden file. Its Path and Dir are empty.
// It fails only when raw is not JSON: a stack that does not say what it
// was built for (no default tags, as in a hand-written fixture) has an
// empty Environment, Layer and Client, and the readers that need them
// (the stack graph) call Identify and refuse it.
func New(name string, deps []string, raw []byte) (Stack, error) {
	sum, err := Summarize(raw)
	if err != nil {
		return Stack{}, fmt.Errorf("stack %s: %w", name, err)
	}
	return newStack(name, deps, raw, sum), nil
}

// newStack is the stack named name with its summary.
func newStack(name string, deps []string, raw []byte, sum Summary) Stack {
	d := append([]string{}, deps...)
	sort.Strings(d)
	return Stack{Name: name, Environment: sum.Environment, Layer: sum.Layer, Client: sum.Client, Dependencies: d, JSON: raw, Summary: sum}
}

// Identify reads what a stack was built for from its cdk.tf.json: the
// Environment, Layer and Client default tags of its AWS provider, which
// every stack builder sets from its inputs. A database stack has no
// Client default tag (its tags stayed those of the former
// databases-<env>); its client is the one Client tag its resources carry.
// A stack without the Environment and Layer tags is refused.
func Identify(raw []byte) (env, layer, client string, err error) {
	s, err := Summarize(raw)
	if err != nil {
		return "", "", "", err
	}
	if s.Environment == "" {
		return "", "", "", ErrUntagged
	}
	return s.Environment, s.Layer, s.Client, nil
}
