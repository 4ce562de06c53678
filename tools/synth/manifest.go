package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"stratum/stacks"
	"stratum/tools/synthesis"
)

const manifestFile = synthesis.ManifestFile

// manifestEntry is one stack's part of cdktf's manifest.json.
type manifestEntry struct {
	// Raw is the stack's value in the "stacks" object exactly as cdktf
	// wrote it, indented for that depth, and Version the top-level
	// "version" value.
	Raw     string
	Version string
	// deps are the stacks it depends on, from Raw.
	deps []string
	// dir is the output directory the stack was synthesized into, when it
	// was synthesized this run.
	dir string
}

// readManifest reads the manifest.json of a cdktf output directory and
// returns each stack's entry. It refuses a manifest with keys it does not
// know, since mergeManifest could not reproduce them.
func readManifest(dir string) (map[string]*manifestEntry, error) {
	m, err := synthesis.ReadManifest(dir)
	if err != nil {
		return nil, fmt.Errorf("%w; synthesize with %s=1 and update package synth if cdktf's format changed", err, WorkersEnv)
	}
	out := make(map[string]*manifestEntry, len(m.Entries))
	for name, e := range m.Entries {
		out[name] = &manifestEntry{Raw: e.Raw, Version: m.Version, deps: e.Dependencies, dir: dir}
	}
	return out, nil
}

// parse reads the dependencies of an entry known only by its text (a
// shard's).
func (e *manifestEntry) parse() error {
	var v synthesis.Entry
	if err := json.Unmarshal([]byte(e.Raw), &v); err != nil {
		return err
	}
	e.deps = v.Dependencies
	return nil
}

// mergeManifest writes the manifest.json of units, each with its entry,
// byte for byte as cdktf writes it: json-stable-stringify with two spaces
// of indentation (keys sorted at every level, empty arrays and objects
// spread over two lines, no final newline). Stack entries are copied as
// cdktf wrote them, at the depth it wrote them. It checks that the
// entries agree on the version and that every dependency is a stack of
// the plan: a stand-in whose real stack is missing would otherwise go
// unnoticed.
func mergeManifest(units []stacks.Unit, entries []*manifestEntry) ([]byte, error) {
	names := make([]string, len(units))
	byName := make(map[string]*manifestEntry, len(units))
	for i, u := range units {
		if entries[i] == nil {
			return nil, fmt.Errorf("synth: stack %s has no manifest entry", u.Name)
		}
		names[i] = u.Name
		byName[u.Name] = entries[i]
	}
	version := entries[0].Version
	for i, e := range entries {
		if e.Version != version {
			return nil, fmt.Errorf("synth: stack %s was synthesized by cdktf %s, stack %s by %s", units[i].Name, e.Version, units[0].Name, version)
		}
		for _, d := range e.deps {
			if _, ok := byName[d]; !ok {
				return nil, fmt.Errorf("synth: stack %s depends on %s, which is not a stack of the app", units[i].Name, d)
			}
		}
	}
	// JavaScript sorts keys by UTF-16 code units, Go by bytes; the two
	// agree on stack names, which are ASCII (clients.Validate).
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("{\n  \"stacks\": {")
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.WriteString(jsonString(n))
		b.WriteString(": ")
		b.WriteString(byName[n].Raw)
	}
	b.WriteString("\n  },\n  \"version\": ")
	b.WriteString(version)
	b.WriteString("\n}")
	return b.Bytes(), nil
}

// jsonString is s as JSON.stringify writes it (no HTML escaping).
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
