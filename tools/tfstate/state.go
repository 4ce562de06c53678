// Package tfstate reads, checks and writes Terraform state files of format
// version 4 (Terraform 0.12 and later), the format `terraform state pull`
// prints and `terraform state push` accepts.
//
// The model keeps every field it does not interpret as the raw JSON it was
// read from (attributes, sensitive paths, private data, newer per-instance
// fields such as identity), so moving an object between states never
// re-encodes what Terraform and its providers wrote.
package tfstate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// FormatVersion is the only state format this package reads and writes.
const FormatVersion = 4

// State is one state snapshot.
type State struct {
	TerraformVersion string
	Serial           uint64
	Lineage          string
	// Outputs and CheckResults are kept as read: root outputs and check
	// results belong to the configuration that wrote them.
	Outputs      json.RawMessage
	CheckResults json.RawMessage
	Resources    []*Resource
}

// Resource is one resource (managed or data) with its instances.
type Resource struct {
	// Module is the module instance path, "" for the root module, e.g.
	// module.vpc or module.app["a"].
	Module string
	// Mode is "managed" or "data".
	Mode string
	Type string
	Name string
	// Each is "" (a single instance), "list" (count) or "map" (for_each).
	Each      string
	Provider  string
	Instances []*Instance
	// Extra holds fields of the resource this package does not know, to
	// be written back unchanged.
	Extra map[string]json.RawMessage
}

// Instance is one object of a resource: its current object, or a deposed
// one (Deposed set) left by a create_before_destroy replacement.
type Instance struct {
	// IndexKey is nil, an int (count) or a string (for_each).
	IndexKey any
	// Status is "" or "tainted".
	Status  string
	Deposed string
	// SchemaVersion is the provider schema version the attributes follow.
	SchemaVersion uint64
	// Attributes, SensitiveAttributes and Private are kept byte for byte.
	Attributes          json.RawMessage
	SensitiveAttributes json.RawMessage
	// Private is the provider's private data (base64 in the file), kept as
	// the string it was read as.
	Private             string
	Dependencies        []string
	CreateBeforeDestroy bool
	// Extra holds fields of the instance this package does not know
	// (attributes_flat of old states, identity of newer Terraform), to be
	// written back unchanged.
	Extra map[string]json.RawMessage
}

// Error is a problem with a state file, naming where it is.
type Error struct {
	// File is the file or state the problem is in.
	File string
	// Entry is the resource or instance address, "" for the whole file.
	Entry string
	Msg   string
}

func (e *Error) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.File, e.Entry, e.Msg)
}

type fileV4 struct {
	Version          json.RawMessage   `json:"version"`
	TerraformVersion string            `json:"terraform_version"`
	Serial           uint64            `json:"serial"`
	Lineage          string            `json:"lineage"`
	Outputs          json.RawMessage   `json:"outputs"`
	Resources        []json.RawMessage `json:"resources"`
	CheckResults     json.RawMessage   `json:"check_results"`
}

var resourceFields = map[string]bool{"module": true, "mode": true, "type": true, "name": true, "each": true, "provider": true, "instances": true}
var instanceFields = map[string]bool{"index_key": true, "status": true, "deposed": true, "schema_version": true, "attributes": true, "sensitive_attributes": true, "private": true, "dependencies": true, "create_before_destroy": true}

// Parse reads and checks a state file. name names it in errors (a path or
// a stack). Empty input is an error: callers that treat "no state yet" as
// a normal case check for it first.
func Parse(name string, data []byte) (*State, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Msg: "empty file: not a Terraform state"}
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("not a Terraform state (invalid JSON: %v)", err)}
	}
	var version int
	if raw, ok := probe["version"]; !ok || json.Unmarshal(raw, &version) != nil {
		return nil, &Error{File: name, Msg: `no numeric "version" field: not a Terraform state`}
	}
	switch {
	case version < FormatVersion:
		return nil, &Error{File: name, Msg: fmt.Sprintf("state format version %d; only version %d (Terraform 0.12 and later) is supported: pull it with a current Terraform (`terraform state pull`) to upgrade it", version, FormatVersion)}
	case version > FormatVersion:
		return nil, &Error{File: name, Msg: fmt.Sprintf("state format version %d is newer than version %d, the only one this tool reads (Terraform 0.12 to 1.x write it): it was written by a newer Terraform or OpenTofu, which an older one cannot downgrade; nothing was read or written", version, FormatVersion)}
	}
	var f fileV4
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, &Error{File: name, Msg: fmt.Sprintf("malformed state: %v", err)}
	}
	if f.Lineage == "" {
		return nil, &Error{File: name, Msg: "state has no lineage"}
	}
	s := &State{TerraformVersion: f.TerraformVersion, Serial: f.Serial, Lineage: f.Lineage, Outputs: f.Outputs, CheckResults: f.CheckResults}
	seen := map[string]bool{}
	for i, raw := range f.Resources {
		r, err := parseResource(raw)
		if err != nil {
			return nil, &Error{File: name, Entry: fmt.Sprintf("resources[%d]", i), Msg: err.Error()}
		}
		addr := r.Addr().String()
		if seen[addr] {
			return nil, &Error{File: name, Entry: addr, Msg: "resource appears twice"}
		}
		seen[addr] = true
		keys := map[string]bool{}
		kind := ""
		for _, in := range r.Instances {
			ia := r.InstanceAddr(in)
			if err := checkKey(r.Each, in.IndexKey); err != nil {
				return nil, &Error{File: name, Entry: ia.String(), Msg: err.Error()}
			}
			// Terraform 1.x no longer writes "each"; the keys of one
			// resource must still be of one kind.
			kk := fmt.Sprintf("%T", in.IndexKey)
			if kind != "" && kk != kind && in.Deposed == "" {
				return nil, &Error{File: name, Entry: ia.String(), Msg: "index keys of different kinds in one resource"}
			}
			kind = kk
			k := ia.String() + "/" + in.Deposed
			if keys[k] {
				return nil, &Error{File: name, Entry: ia.String(), Msg: "instance appears twice"}
			}
			keys[k] = true
			if in.Status != "" && in.Status != "tainted" {
				return nil, &Error{File: name, Entry: ia.String(), Msg: fmt.Sprintf("status %q: want \"tainted\" or none", in.Status)}
			}
			if len(in.Attributes) > 0 && !json.Valid(in.Attributes) {
				return nil, &Error{File: name, Entry: ia.String(), Msg: "attributes are not valid JSON"}
			}
		}
		s.Resources = append(s.Resources, r)
	}
	return s, nil
}

func parseResource(raw json.RawMessage) (*Resource, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("not an object: %v", err)
	}
	var r struct {
		Module    string            `json:"module"`
		Mode      string            `json:"mode"`
		Type      string            `json:"type"`
		Name      string            `json:"name"`
		Each      string            `json:"each"`
		Provider  string            `json:"provider"`
		Instances []json.RawMessage `json:"instances"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Mode != "managed" && r.Mode != "data" {
		return nil, fmt.Errorf("mode %q: want \"managed\" or \"data\"", r.Mode)
	}
	if r.Type == "" || r.Name == "" {
		return nil, fmt.Errorf("resource without type or name")
	}
	if r.Each != "" && r.Each != "list" && r.Each != "map" {
		return nil, fmt.Errorf("each %q: want \"list\", \"map\" or none", r.Each)
	}
	if r.Provider == "" {
		return nil, fmt.Errorf("%s.%s has no provider", r.Type, r.Name)
	}
	res := &Resource{Module: r.Module, Mode: r.Mode, Type: r.Type, Name: r.Name, Each: r.Each, Provider: r.Provider, Extra: extra(fields, resourceFields)}
	for j, iraw := range r.Instances {
		in, err := parseInstance(iraw)
		if err != nil {
			return nil, fmt.Errorf("%s instance %d: %v", res.Addr(), j, err)
		}
		res.Instances = append(res.Instances, in)
	}
	return res, nil
}

func parseInstance(raw json.RawMessage) (*Instance, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("not an object: %v", err)
	}
	in := &Instance{Extra: extra(fields, instanceFields)}
	if k, ok := fields["index_key"]; ok {
		d := json.NewDecoder(bytes.NewReader(k))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("index_key: %v", err)
		}
		switch v := v.(type) {
		case json.Number:
			n, err := v.Int64()
			if err != nil || n < 0 {
				return nil, fmt.Errorf("index_key %s: want a non-negative integer or a string", v)
			}
			in.IndexKey = int(n)
		case string:
			in.IndexKey = v
		case nil:
		default:
			return nil, fmt.Errorf("index_key %s: want a non-negative integer or a string", k)
		}
	}
	var known struct {
		Status              string          `json:"status"`
		Deposed             string          `json:"deposed"`
		SchemaVersion       uint64          `json:"schema_version"`
		Attributes          json.RawMessage `json:"attributes"`
		SensitiveAttributes json.RawMessage `json:"sensitive_attributes"`
		Private             string          `json:"private"`
		Dependencies        []string        `json:"dependencies"`
		CreateBeforeDestroy bool            `json:"create_before_destroy"`
	}
	if err := json.Unmarshal(raw, &known); err != nil {
		return nil, err
	}
	in.Status, in.Deposed, in.SchemaVersion = known.Status, known.Deposed, known.SchemaVersion
	in.Attributes, in.SensitiveAttributes, in.Private = known.Attributes, known.SensitiveAttributes, known.Private
	in.Dependencies, in.CreateBeforeDestroy = known.Dependencies, known.CreateBeforeDestroy
	return in, nil
}

func extra(fields map[string]json.RawMessage, known map[string]bool) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, v := range fields {
		if known[k] {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[k] = v
	}
	return out
}

// checkKey checks a key against the resource's "each", when the file
// records one (older Terraform did; current Terraform leaves it out).
func checkKey(each string, key any) error {
	if each == "" {
		return nil
	}
	switch key.(type) {
	case nil:
		return fmt.Errorf("resource uses %s but the instance has no index key", eachWord(each))
	case int:
		if each != "list" {
			return fmt.Errorf("integer index key on a resource that uses for_each")
		}
	case string:
		if each != "map" {
			return fmt.Errorf("string index key on a resource that uses count")
		}
	}
	return nil
}

func eachWord(each string) string {
	if each == "list" {
		return "count"
	}
	return "for_each"
}

// Addr is the resource's address.
func (r *Resource) Addr() ResourceAddr {
	return ResourceAddr{Module: r.Module, Mode: r.Mode, Type: r.Type, Name: r.Name}
}

// InstanceAddr is the address of one of the resource's instances.
func (r *Resource) InstanceAddr(in *Instance) InstanceAddr {
	return InstanceAddr{Resource: r.Addr(), Key: in.IndexKey}
}

// Find returns the resource at addr, or nil.
func (s *State) Find(addr ResourceAddr) *Resource {
	for _, r := range s.Resources {
		if r.Addr() == addr {
			return r
		}
	}
	return nil
}

// FindInstance returns the current (not deposed) object at addr, or nil.
func (s *State) FindInstance(addr InstanceAddr) (*Resource, *Instance) {
	r := s.Find(addr.Resource)
	if r == nil {
		return nil, nil
	}
	for _, in := range r.Instances {
		if in.Deposed == "" && keyEqual(in.IndexKey, addr.Key) {
			return r, in
		}
	}
	return r, nil
}

// Empty reports whether the state has no resources.
func (s *State) Empty() bool { return len(s.Resources) == 0 }

// Attrs decodes the instance's attributes (numbers kept as json.Number).
func (in *Instance) Attrs() (map[string]any, error) {
	if len(in.Attributes) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(in.Attributes))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// Clone returns a deep copy of the instance.
func (in *Instance) Clone() *Instance {
	c := *in
	c.Attributes = append(json.RawMessage(nil), in.Attributes...)
	c.SensitiveAttributes = append(json.RawMessage(nil), in.SensitiveAttributes...)
	c.Dependencies = append([]string(nil), in.Dependencies...)
	if in.Extra != nil {
		c.Extra = map[string]json.RawMessage{}
		for k, v := range in.Extra {
			c.Extra[k] = append(json.RawMessage(nil), v...)
		}
	}
	return &c
}

// Marshal writes the state in Terraform's layout (fields in Terraform's
// order, two-space indentation, resources sorted by module, mode, type and
// name, instances by key), ending with a newline.
func (s *State) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	field(&b, 1, "version", mustJSON(FormatVersion), true)
	field(&b, 1, "terraform_version", mustJSON(s.TerraformVersion), true)
	field(&b, 1, "serial", mustJSON(s.Serial), true)
	field(&b, 1, "lineage", mustJSON(s.Lineage), true)
	outputs := s.Outputs
	if len(outputs) == 0 || string(outputs) == "null" {
		outputs = json.RawMessage("{}")
	}
	field(&b, 1, "outputs", outputs, true)
	resources := append([]*Resource(nil), s.Resources...)
	sort.SliceStable(resources, func(i, j int) bool { return resourceLess(resources[i], resources[j]) })
	var rs []json.RawMessage
	for _, r := range resources {
		raw, err := r.marshal()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Addr(), err)
		}
		rs = append(rs, raw)
	}
	if rs == nil {
		rs = []json.RawMessage{}
	}
	field(&b, 1, "resources", mustJSON(rs), true)
	checks := s.CheckResults
	if len(checks) == 0 {
		checks = json.RawMessage("null")
	}
	field(&b, 1, "check_results", checks, false)
	b.WriteString("}\n")
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func field(b *bytes.Buffer, _ int, name string, v json.RawMessage, comma bool) {
	b.WriteString(mustJSONString(name))
	b.WriteString(":")
	b.Write(v)
	if comma {
		b.WriteString(",")
	}
}

func (r *Resource) marshal() (json.RawMessage, error) {
	var b bytes.Buffer
	b.WriteString("{")
	if r.Module != "" {
		field(&b, 0, "module", mustJSON(r.Module), true)
	}
	field(&b, 0, "mode", mustJSON(r.Mode), true)
	field(&b, 0, "type", mustJSON(r.Type), true)
	field(&b, 0, "name", mustJSON(r.Name), true)
	if r.Each != "" {
		field(&b, 0, "each", mustJSON(r.Each), true)
	}
	field(&b, 0, "provider", mustJSON(r.Provider), true)
	writeExtra(&b, r.Extra)
	insts := append([]*Instance(nil), r.Instances...)
	sort.SliceStable(insts, func(i, j int) bool {
		if c := keyCompare(insts[i].IndexKey, insts[j].IndexKey); c != 0 {
			return c < 0
		}
		return insts[i].Deposed < insts[j].Deposed
	})
	var is []json.RawMessage
	for _, in := range insts {
		is = append(is, in.marshal())
	}
	if is == nil {
		is = []json.RawMessage{}
	}
	field(&b, 0, "instances", mustJSON(is), false)
	b.WriteString("}")
	return b.Bytes(), nil
}

func (in *Instance) marshal() json.RawMessage {
	var b bytes.Buffer
	b.WriteString("{")
	if in.IndexKey != nil {
		field(&b, 0, "index_key", mustJSON(in.IndexKey), true)
	}
	if in.Status != "" {
		field(&b, 0, "status", mustJSON(in.Status), true)
	}
	if in.Deposed != "" {
		field(&b, 0, "deposed", mustJSON(in.Deposed), true)
	}
	field(&b, 0, "schema_version", mustJSON(in.SchemaVersion), true)
	if len(in.Attributes) > 0 {
		field(&b, 0, "attributes", in.Attributes, true)
	}
	if len(in.SensitiveAttributes) > 0 {
		field(&b, 0, "sensitive_attributes", in.SensitiveAttributes, true)
	}
	writeExtra(&b, in.Extra)
	if in.Private != "" {
		field(&b, 0, "private", mustJSON(in.Private), true)
	}
	if len(in.Dependencies) > 0 {
		field(&b, 0, "dependencies", mustJSON(in.Dependencies), true)
	}
	if in.CreateBeforeDestroy {
		field(&b, 0, "create_before_destroy", mustJSON(true), true)
	}
	// Drop the trailing comma of the last field.
	out := bytes.TrimSuffix(b.Bytes(), []byte(","))
	return append(out, '}')
}

func writeExtra(b *bytes.Buffer, extra map[string]json.RawMessage) {
	keys := slices.Sorted(maps.Keys(extra))
	for _, k := range keys {
		field(b, 0, k, extra[k], true)
	}
}

func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic(fmt.Sprintf("tfstate: encoding %T: %v", v, err)) // only our own plain values get here
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func mustJSONString(s string) string { return string(mustJSON(s)) }

func resourceLess(a, b *Resource) bool {
	if a.Module != b.Module {
		return a.Module < b.Module
	}
	if a.Mode != b.Mode {
		return a.Mode < b.Mode
	}
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.Name < b.Name
}

// Checksum is the hex SHA-256 of data.
func Checksum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// CompactJSON returns raw without insignificant whitespace, for comparing
// raw values that Terraform may have re-indented.
func CompactJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return strings.TrimSpace(string(raw))
	}
	return b.String()
}
