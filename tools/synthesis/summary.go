package synthesis

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"

	"stratum/applied"
)

// Summary is what the tools read of a stack's cdk.tf.json besides its
// Terraform itself: what it was built for, its backend and providers,
// its resource types and count, and the SSM contract it writes and reads.
// It is a function of the file's bytes alone (Summarize), so it can be
// remembered by their hash (Index).
type Summary struct {
	// Environment, Layer and Client are what the stack was built for
	// (see Identify); all empty for a stack without the Environment and
	// Layer default tags.
	Environment string `json:"environment"`
	Layer       string `json:"layer"`
	Client      string `json:"client"`
	// Backends are the kinds of its terraform.backend blocks, sorted.
	Backends []string `json:"backends"`
	// Providers are the providers it configures (at least one block),
	// sorted.
	Providers []string `json:"providers"`
	// Types are its resource types and data source types (prefixed
	// "data."), sorted; Elements counts its resource and data source
	// blocks.
	Types    []string `json:"types"`
	Elements int      `json:"elements"`
	// Writes are the names of the SSM parameters it writes
	// (aws_ssm_parameter blocks whose name is a non-empty string),
	// sorted, each once.
	Writes []string `json:"writes"`
	// Reads are the SSM parameters it reads: each data "aws_ssm_parameter"
	// address (data.aws_ssm_parameter.NAME) whose name is a string, with
	// that name.
	Reads map[string]string `json:"reads"`
}

// ssmParameter is the resource and data source type of an SSM parameter.
const ssmParameter = "aws_ssm_parameter"

// block is what Summarize reads of a resource or data source block. Name
// is any: other types use "name" for something else entirely; Tags is any
// since a resource may set them from a token (a string).
type block struct {
	Name any `json:"name"`
	Tags any `json:"tags"`
}

// Summarize reads a stack's Summary from its cdk.tf.json in one pass. It
// fails only when raw is not JSON of a stack's shape.
func Summarize(raw []byte) (Summary, error) {
	var j struct {
		Provider  map[string][]json.RawMessage `json:"provider"`
		Terraform struct {
			Backend map[string]json.RawMessage `json:"backend"`
		} `json:"terraform"`
		Resource map[string]map[string]block `json:"resource"`
		Data     map[string]map[string]block `json:"data"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return Summary{}, err
	}
	s := Summary{Backends: []string{}, Providers: []string{}, Types: []string{}, Writes: []string{}, Reads: map[string]string{}}
	for kind := range j.Terraform.Backend {
		s.Backends = append(s.Backends, kind)
	}
	for p, blocks := range j.Provider {
		if len(blocks) > 0 {
			s.Providers = append(s.Providers, p)
		}
	}
	for t, blocks := range j.Resource {
		s.Types = append(s.Types, t)
		s.Elements += len(blocks)
	}
	for t, blocks := range j.Data {
		s.Types = append(s.Types, "data."+t)
		s.Elements += len(blocks)
	}
	for _, b := range j.Resource[ssmParameter] {
		if n, _ := b.Name.(string); n != "" {
			s.Writes = append(s.Writes, n)
		}
	}
	for addr, b := range j.Data[ssmParameter] {
		if n, ok := b.Name.(string); ok {
			s.Reads["data."+ssmParameter+"."+addr] = n
		}
	}
	sort.Strings(s.Backends)
	sort.Strings(s.Providers)
	sort.Strings(s.Types)
	sort.Strings(s.Writes)
	s.Writes = slices.Compact(s.Writes)

	tags := map[string]string{}
	if aws := j.Provider["aws"]; len(aws) > 0 {
		var first struct {
			DefaultTags []block `json:"default_tags"`
		}
		if err := json.Unmarshal(aws[0], &first); err != nil {
			return Summary{}, err
		}
		for _, dt := range first.DefaultTags {
			m, _ := dt.Tags.(map[string]any)
			for k, v := range m {
				if str, ok := v.(string); ok {
					tags[k] = str
				}
			}
		}
	}
	if tags["Environment"] != "" && tags["Layer"] != "" {
		s.Environment, s.Layer, s.Client = tags["Environment"], tags["Layer"], tags["Client"]
		if s.Client == "" {
			s.Client = onlyClientTag(j.Resource)
		}
	}
	return s, nil
}

// ErrUntagged is Identify's refusal of a stack that does not say what it
// was built for.
var ErrUntagged = errors.New("its AWS provider has no Environment and Layer default tags")

// onlyClientTag is the Client tag of the resources when they carry
// exactly one value of it (tokens do not count), "" otherwise.
func onlyClientTag(resources map[string]map[string]block) string {
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

// Terraform parses a stack's cdk.tf.json (or its snapshot) without
// cdktf's "//" metadata (construct paths, cdktf version): what Terraform
// reads.
func Terraform(raw []byte) (map[string]any, error) {
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return WithoutMetadata(v).(map[string]any), nil
}

// WithoutMetadata is v (a value parsed from a stack's JSON) without cdktf's
// "//" keys, at every depth: what Terraform reads.
func WithoutMetadata(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if k == "//" {
				continue
			}
			out[k] = WithoutMetadata(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = WithoutMetadata(x)
		}
		return out
	}
	return v
}

// Canonical is v (a value Terraform parsed) as JSON with sorted keys
// (encoding/json sorts map keys): two values are the same Terraform
// exactly when their canonical forms are equal.
func Canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // values parsed from JSON always marshal
	}
	return string(b)
}

// Digest is applied.Digest of a stack's Terraform: its cdk.tf.json
// parsed without metadata, in canonical form.
func Digest(raw []byte) (string, error) {
	j, err := Terraform(raw)
	if err != nil {
		return "", err
	}
	return applied.Digest(Canonical(j)), nil
}
