package migrate

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"stratum/tools/synthesis"
	"stratum/tools/tfbackend"
)

// Stack is one synthesized stack: its backend (where its state lives) and
// the resources its configuration declares.
type Stack struct {
	Name string
	// Dir is the stack's working directory (cdktf.out/stacks/<stack>).
	Dir     string
	Backend tfbackend.Backend
	// Resources are the managed resources by address (type.name).
	Resources map[string]*ConfigResource
	// Data are the data sources by type.name (without "data.").
	Data map[string]*ConfigResource
	// ProviderFQN maps a provider's local name (aws) to its source
	// address (registry.terraform.io/hashicorp/aws).
	ProviderFQN map[string]string
}

// ConfigResource is one resource block of a synthesized stack.
type ConfigResource struct {
	Stack string
	Type  string
	Name  string
	Body  map[string]any
	// Path is the construct path cdktf records (foundation-prod/network/vpc).
	Path string
}

// Addr is the resource's address in its stack.
func (r *ConfigResource) Addr() string { return r.Type + "." + r.Name }

// Ref is stack:address, how ledgers and mapping files name a destination.
func (r *ConfigResource) Ref() string { return r.Stack + ":" + r.Addr() }

// Each returns "" when the resource has neither count nor for_each,
// "list" for count and "map" for for_each.
func (r *ConfigResource) Each() string {
	if _, ok := r.Body["count"]; ok {
		return "list"
	}
	if _, ok := r.Body["for_each"]; ok {
		return "map"
	}
	return ""
}

// Synthesis is a synthesized app read from its output directory.
type Synthesis struct {
	Dir    string
	Stacks map[string]*Stack
}

// ReadSynthesis reads manifest.json and every stack's cdk.tf.json under
// dir (cdktf.out).
func ReadSynthesis(dir string) (*Synthesis, error) {
	out, err := synthesis.Read(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the synthesized stacks: %w", err)
	}
	if len(out.Stacks) == 0 {
		return nil, fmt.Errorf("%s: no stacks", filepath.Join(out.Dir, synthesis.ManifestFile))
	}
	syn := &Synthesis{Dir: out.Dir, Stacks: map[string]*Stack{}}
	for _, st := range out.Stacks {
		s, err := readStack(st.Name, st.Path, st.JSON)
		if err != nil {
			return nil, err
		}
		s.Dir = st.Dir
		if s.Backend.Type == "local" {
			// Terraform resolves a relative path against the stack's
			// working directory; the scratch directory is elsewhere.
			if p, ok := s.Backend.Config["path"].(string); ok && !filepath.IsAbs(p) {
				s.Backend.Config["path"] = filepath.Join(s.Dir, p)
			}
		}
		syn.Stacks[st.Name] = s
	}
	return syn, nil
}

func readStack(name, file string, raw []byte) (*Stack, error) {
	var doc struct {
		Terraform struct {
			Backend           map[string]map[string]any `json:"backend"`
			RequiredProviders map[string]struct {
				Source string `json:"source"`
			} `json:"required_providers"`
		} `json:"terraform"`
		Resource map[string]map[string]map[string]any `json:"resource"`
		Data     map[string]map[string]map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("stack %s: %s: %w", name, file, err)
	}
	s := &Stack{Name: name, Dir: filepath.Dir(file), Resources: map[string]*ConfigResource{}, Data: map[string]*ConfigResource{}, ProviderFQN: map[string]string{}}
	if len(doc.Terraform.Backend) != 1 {
		return nil, fmt.Errorf("stack %s: %s: want exactly one backend block, found %d", name, file, len(doc.Terraform.Backend))
	}
	for typ, cfg := range doc.Terraform.Backend {
		s.Backend = tfbackend.Backend{Name: name, Type: typ, Config: cfg}
	}
	for local, p := range doc.Terraform.RequiredProviders {
		s.ProviderFQN[local] = providerFQN(p.Source, local)
	}
	for typ, byName := range doc.Resource {
		for n, body := range byName {
			s.Resources[typ+"."+n] = &ConfigResource{Stack: name, Type: typ, Name: n, Body: body, Path: constructPath(body)}
		}
	}
	for typ, byName := range doc.Data {
		for n, body := range byName {
			s.Data[typ+"."+n] = &ConfigResource{Stack: name, Type: typ, Name: n, Body: body, Path: constructPath(body)}
		}
	}
	return s, nil
}

func constructPath(body map[string]any) string {
	meta, _ := body["//"].(map[string]any)
	m, _ := meta["metadata"].(map[string]any)
	p, _ := m["path"].(string)
	return p
}

// providerFQN expands a required_providers source ("aws",
// "hashicorp/aws", "registry.terraform.io/hashicorp/aws") to its full
// address.
func providerFQN(source, local string) string {
	if source == "" {
		source = local
	}
	switch parts := strings.Split(source, "/"); len(parts) {
	case 1:
		return "registry.terraform.io/hashicorp/" + parts[0]
	case 2:
		return "registry.terraform.io/" + source
	}
	return source
}

// ProviderAddr is the provider configuration address Terraform records in
// state for a resource of this stack: provider["<fqn>"] or
// provider["<fqn>"].<alias> when the resource sets provider = "aws.alias".
func (s *Stack) ProviderAddr(r *ConfigResource) string {
	local, alias := r.Type, ""
	if i := strings.Index(local, "_"); i > 0 {
		local = local[:i]
	}
	if p, ok := r.Body["provider"].(string); ok && p != "" {
		local, alias, _ = strings.Cut(p, ".")
	}
	fqn := s.ProviderFQN[local]
	if fqn == "" {
		fqn = providerFQN("", local)
	}
	addr := fmt.Sprintf("provider[%q]", fqn)
	if alias != "" {
		addr += "." + alias
	}
	return addr
}

// Select returns the stacks whose names match any of the comma-separated
// glob patterns (all when patterns is ""), minus exclude, sorted.
func (syn *Synthesis) Select(patterns, exclude string) ([]*Stack, error) {
	var pats []string
	for _, p := range strings.Split(patterns, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if _, err := path.Match(p, ""); err != nil {
				return nil, fmt.Errorf("-stacks: bad pattern %q: %v", p, err)
			}
			pats = append(pats, p)
		}
	}
	var out []*Stack
	for _, name := range slices.Sorted(maps.Keys(syn.Stacks)) {
		if name == exclude {
			continue
		}
		ok := len(pats) == 0
		for _, p := range pats {
			if m, _ := path.Match(p, name); m {
				ok = true
			}
		}
		if ok {
			out = append(out, syn.Stacks[name])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-stacks %q matches none of the synthesized stacks %s", patterns, strings.Join(slices.Sorted(maps.Keys(syn.Stacks)), ", "))
	}
	return out, nil
}
