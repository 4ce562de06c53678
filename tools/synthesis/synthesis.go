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
	"sort"
	"strings"
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
}

// Output is a synthesized app.
type Output struct {
	// Dir is the output directory, absolute.
	Dir string
	// Stacks are sorted by name.
	Stacks []Stack
}

// Read reads every stack of the output directory dir.
func Read(dir string) (*Output, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	m, err := ReadManifest(abs)
	if err != nil {
		return nil, err
	}
	out := &Output{Dir: abs}
	for name, e := range m.Entries {
		if e.SynthesizedStackPath == "" {
			return nil, fmt.Errorf("%s: stack %s has no synthesizedStackPath", m.Path, name)
		}
		path := filepath.Join(abs, e.SynthesizedStackPath)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: stack %s: %w", m.Path, name, err)
		}
		s, err := New(name, e.Dependencies, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		s.Path, s.Dir = path, filepath.Dir(path)
		if e.WorkingDirectory != "" {
			s.Dir = filepath.Join(abs, e.WorkingDirectory)
		}
		out.Stacks = append(out.Stacks, s)
	}
	sort.Slice(out.Stacks, func(i, j int) bool { return out.Stacks[i].Name < out.Stacks[j].Name })
	return out, nil
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
	env, layer, client, err := Identify(raw)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		return Stack{}, fmt.Errorf("stack %s: %w", name, err)
	}
	d := append([]string{}, deps...)
	sort.Strings(d)
	return Stack{Name: name, Environment: env, Layer: layer, Client: client, Dependencies: d, JSON: raw}, nil
}

// Identify reads what a stack was built for from its cdk.tf.json: the
// Environment, Layer and Client default tags of its AWS provider, which
// every stack builder sets from its inputs. A database stack has no
// Client default tag (its tags stayed those of the former
// databases-<env>); its client is the one Client tag its resources carry.
// A stack without the Environment and Layer tags is refused.
func Identify(raw []byte) (env, layer, client string, err error) {
	var j struct {
		Provider struct {
			AWS []struct {
				DefaultTags []tagged `json:"default_tags"`
			} `json:"aws"`
		} `json:"provider"`
		Resource map[string]map[string]tagged `json:"resource"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return "", "", "", err
	}
	tags := map[string]string{}
	if len(j.Provider.AWS) > 0 {
		for _, dt := range j.Provider.AWS[0].DefaultTags {
			m, _ := dt.Tags.(map[string]any)
			for k, v := range m {
				if s, ok := v.(string); ok {
					tags[k] = s
				}
			}
		}
	}
	env, layer, client = tags["Environment"], tags["Layer"], tags["Client"]
	if env == "" || layer == "" {
		return "", "", "", errors.New("its AWS provider has no Environment and Layer default tags")
	}
	if client == "" {
		client = onlyClientTag(j.Resource)
	}
	return env, layer, client, nil
}

// tagged is a resource's tags: any, since a resource may set them from a
// token (a string).
type tagged struct {
	Tags any `json:"tags"`
}

// onlyClientTag is the Client tag of the resources when they carry
// exactly one value of it (tokens do not count), "" otherwise.
func onlyClientTag(resources map[string]map[string]tagged) string {
	found := ""
	for _, byName := range resources {
		for _, r := range byName {
			tags, _ := r.Tags.(map[string]any)
			c, _ := tags["Client"].(string)
			switch {
			case c == "" || strings.Contains(c, "${"):
			case found == "":
				found = c
			case c != found:
				return ""
			}
		}
	}
	return found
}
