package policy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
	"stratum/tools/synthesis"
)

// Source says what a stack's input was read from.
type Source string

const (
	// Configuration is a synthesized cdk.tf.json: what the stack asks
	// for. make test checks every stack this way.
	Configuration Source = "configuration"
	// Plan is the JSON of a plan (terraform show -json): what applying
	// would do, with the values and the changes. Pull-request pipelines
	// check every plan this way.
	Plan Source = "plan"
)

// Input is one stack as every policy reads it (tools/policy/rego/lib.rego
// describes the shape): the same whether it came from the configuration
// or from a plan, so that each promise is checked the same way in both
// places.
type Input struct {
	Stack       string         `json:"stack"`
	Environment string         `json:"environment"`
	Production  bool           `json:"production"`
	Layer       string         `json:"layer"`
	Client      string         `json:"client"`
	Source      Source         `json:"source"`
	Labels      []string       `json:"labels"`
	CIIssuers   []string       `json:"ci_issuers"`
	DefaultTags map[string]any `json:"default_tags"`
	Resources   []Resource     `json:"resources"`
	byAddress   map[string]int
}

// Resource is one resource or data source of the stack.
type Resource struct {
	Address string `json:"address"`
	Type    string `json:"type"`
	Mode    string `json:"mode"`
	// Values are its arguments (configuration) or the values it will
	// have (plan: after the change, or before it for a destroy).
	Values map[string]any `json:"values"`
	// Unknown are the top-level attributes a plan cannot know yet.
	Unknown map[string]bool `json:"unknown,omitempty"`
	// Tags are the tags it ends up with: the provider's default tags and
	// its own (configuration), or tags_all (plan).
	Tags map[string]any `json:"tags"`
	// Refs are, per top-level attribute, the addresses of the stack it
	// refers to.
	Refs map[string][]string `json:"refs"`
	// Actions are the plan's actions on it (create, update, delete,
	// no-op, read); none for a configuration.
	Actions []string `json:"actions"`
	// Lifecycle is its lifecycle block (configuration only).
	Lifecycle map[string]any `json:"lifecycle,omitempty"`
	// Trust are an IAM role's trust statements, normalized from either a
	// policy document data source or a JSON policy.
	Trust []Statement `json:"trust,omitempty"`
	// TrustUnreadable: an IAM role whose trust policy could not be read.
	TrustUnreadable bool `json:"trust_unreadable,omitempty"`
}

// Statement is an IAM policy statement in the one shape the policies
// read (that of the aws_iam_policy_document data source).
type Statement struct {
	Sid        string      `json:"sid"`
	Effect     string      `json:"effect"`
	Actions    []string    `json:"actions"`
	Principals []Principal `json:"principals"`
	Conditions []Condition `json:"conditions"`
}

// Principal is one principals block.
type Principal struct {
	Type        string   `json:"type"`
	Identifiers []string `json:"identifiers"`
}

// Condition is one condition block.
type Condition struct {
	Test     string   `json:"test"`
	Variable string   `json:"variable"`
	Values   []string `json:"values"`
}

// Stack is what an input needs to know of its stack besides its
// Terraform: its name, and the configuration it belongs to.
type Stack struct {
	Name string
	// Envs are the configured environments; the stack's is found by its
	// name's suffix.
	Envs []config.Environment
	// Labels are the change's labels (a pull request's), which some
	// rules read (allow-destroy). Default: none.
	Labels []string
}

// describe fills the stack-level fields of in.
func (s Stack) describe(in *Input) error {
	env, err := environmentOf(s.Name, s.Envs)
	if err != nil {
		return err
	}
	in.Stack, in.Environment, in.Production = s.Name, env.Name, env.Production
	in.Labels = append([]string{}, s.Labels...)
	in.CIIssuers = ciIssuers(s.Envs)
	word := strings.TrimSuffix(s.Name, "-"+env.Name)
	switch {
	case strings.HasPrefix(s.Name, string(contract.Bootstrap)+"-"):
		in.Layer = string(contract.Bootstrap)
	default:
		d, ok := deploy.ForStack(s.Name)
		if !ok {
			return fmt.Errorf("stack %s: its name names no layer", s.Name)
		}
		in.Layer = string(d.Layer)
		if d.Layer == contract.Databases || d.Layer == contract.Client {
			in.Client = strings.TrimPrefix(word, d.Word()+"-")
		}
	}
	return nil
}

// environmentOf is the environment whose name ends the stack's name
// (the longest, since environment names may contain hyphens).
func environmentOf(stack string, envs []config.Environment) (config.Environment, error) {
	best := -1
	for i, e := range envs {
		if strings.HasSuffix(stack, "-"+e.Name) && (best < 0 || len(e.Name) > len(envs[best].Name)) {
			best = i
		}
	}
	if best < 0 {
		var names []string
		for _, e := range envs {
			names = append(names, e.Name)
		}
		return config.Environment{}, fmt.Errorf("stack %s: its name ends in no configured environment (%s)", stack, strings.Join(names, ", "))
	}
	return envs[best], nil
}

// ciIssuers are the OIDC issuers of every configured CI platform.
func ciIssuers(envs []config.Environment) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, e := range envs {
		if e.CI.GitHub != nil {
			add(config.GitHubIssuer)
		}
		if g := e.CI.GitLab; g != nil {
			add(g.Issuer())
		}
		if a := e.CI.AzureDevOps; a != nil {
			add(a.Issuer())
		}
	}
	slices.Sort(out)
	return out
}

// FromConfiguration is the input of a synthesized stack (its
// cdk.tf.json).
func FromConfiguration(s Stack, raw []byte) (*Input, error) {
	var j struct {
		Provider map[string][]map[string]any          `json:"provider"`
		Resource map[string]map[string]map[string]any `json:"resource"`
		Data     map[string]map[string]map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("stack %s: %w", s.Name, err)
	}
	in := &Input{Source: Configuration, DefaultTags: map[string]any{}, Resources: []Resource{}}
	if err := s.describe(in); err != nil {
		return nil, err
	}
	for _, p := range j.Provider["aws"] {
		if _, aliased := p["alias"]; aliased {
			continue // the stack's main provider holds its default tags
		}
		for _, dt := range asList(p["default_tags"]) {
			if tags, ok := dt.(map[string]any)["tags"].(map[string]any); ok {
				for k, v := range tags {
					in.DefaultTags[k] = v
				}
			}
		}
	}
	known := map[string]bool{}
	for mode, blocks := range map[string]map[string]map[string]map[string]any{"managed": j.Resource, "data": j.Data} {
		for typ, byName := range blocks {
			for name := range byName {
				known[address(mode, typ, name)] = true
			}
		}
	}
	for mode, blocks := range map[string]map[string]map[string]map[string]any{"managed": j.Resource, "data": j.Data} {
		for typ, byName := range blocks {
			for name, block := range byName {
				values := synthesis.WithoutMetadata(block).(map[string]any)
				r := Resource{Address: address(mode, typ, name), Type: typ, Mode: mode, Values: values, Refs: map[string][]string{}, Actions: []string{}}
				if lc, ok := values["lifecycle"].(map[string]any); ok {
					r.Lifecycle = lc
				}
				r.Tags = map[string]any{}
				if mode == "managed" && strings.HasPrefix(typ, "aws_") {
					for k, v := range in.DefaultTags {
						r.Tags[k] = v
					}
				}
				if own, ok := values["tags"].(map[string]any); ok {
					for k, v := range own {
						r.Tags[k] = v
					}
				}
				for attr, v := range values {
					if refs := references(v, known); len(refs) > 0 {
						r.Refs[attr] = refs
					}
				}
				in.Resources = append(in.Resources, r)
			}
		}
	}
	in.index()
	for i := range in.Resources {
		r := &in.Resources[i]
		if r.Type != "aws_iam_role" || r.Mode != "managed" {
			continue
		}
		r.Trust, r.TrustUnreadable = in.configurationTrust(r.Values["assume_role_policy"])
	}
	in.sort()
	return in, nil
}

// configurationTrust reads a role's assume_role_policy from a
// configuration: a reference to an aws_iam_policy_document data source
// of the stack, or a JSON policy.
func (in *Input) configurationTrust(v any) ([]Statement, bool) {
	s, ok := v.(string)
	if !ok {
		return nil, true
	}
	if m := documentRef.FindStringSubmatch(s); m != nil {
		i, ok := in.byAddress["data.aws_iam_policy_document."+m[1]]
		if !ok {
			return nil, true
		}
		return fromDocumentBlocks(in.Resources[i].Values["statement"]), false
	}
	st, err := fromPolicyJSON(s)
	return st, err != nil
}

var documentRef = regexp.MustCompile(`^\$\{data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)\.json\}$`)

// fromDocumentBlocks normalizes the statement blocks of an
// aws_iam_policy_document (configuration or state: the same shape).
func fromDocumentBlocks(v any) []Statement {
	var out []Statement
	for _, x := range asList(v) {
		b, ok := x.(map[string]any)
		if !ok {
			continue
		}
		st := Statement{Sid: str(b["sid"]), Effect: str(b["effect"]), Actions: strs(b["actions"]), Principals: []Principal{}, Conditions: []Condition{}}
		if st.Effect == "" {
			st.Effect = "Allow"
		}
		for _, p := range asList(b["principals"]) {
			if p, ok := p.(map[string]any); ok {
				st.Principals = append(st.Principals, Principal{Type: str(p["type"]), Identifiers: strs(p["identifiers"])})
			}
		}
		for _, c := range asList(b["condition"]) {
			if c, ok := c.(map[string]any); ok {
				st.Conditions = append(st.Conditions, Condition{Test: str(c["test"]), Variable: str(c["variable"]), Values: strs(c["values"])})
			}
		}
		if st.Actions == nil {
			st.Actions = []string{}
		}
		out = append(out, st)
	}
	return out
}

// fromPolicyJSON normalizes an IAM policy in IAM's JSON grammar.
func fromPolicyJSON(s string) ([]Statement, error) {
	var doc struct {
		Statement any
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, err
	}
	list, ok := doc.Statement.([]any)
	if !ok {
		list = []any{doc.Statement}
	}
	var out []Statement
	for _, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a statement is %T", x)
		}
		st := Statement{Sid: str(m["Sid"]), Effect: str(m["Effect"]), Actions: strs(m["Action"]), Principals: []Principal{}, Conditions: []Condition{}}
		if st.Actions == nil {
			st.Actions = []string{}
		}
		if p, ok := m["Principal"].(map[string]any); ok {
			for _, typ := range sortedKeys(p) {
				st.Principals = append(st.Principals, Principal{Type: typ, Identifiers: strs(p[typ])})
			}
		} else if m["Principal"] == "*" {
			st.Principals = append(st.Principals, Principal{Type: "*", Identifiers: []string{"*"}})
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			for _, test := range sortedKeys(c) {
				vars, _ := c[test].(map[string]any)
				for _, variable := range sortedKeys(vars) {
					st.Conditions = append(st.Conditions, Condition{Test: test, Variable: variable, Values: strs(vars[variable])})
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// FromPlan is the input of a stack's plan, as `terraform show -json`
// prints it.
func FromPlan(s Stack, raw []byte) (*Input, error) {
	// terraform-json's Plan checks the format version it reads.
	var p tfjson.Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("stack %s: the plan is not terraform show -json output of a saved plan: %w", s.Name, err)
	}
	in := &Input{Source: Plan, DefaultTags: map[string]any{}, Resources: []Resource{}}
	if err := s.describe(in); err != nil {
		return nil, err
	}
	refs := map[string]map[string][]string{}
	if p.Config != nil && p.Config.RootModule != nil {
		for _, r := range p.Config.RootModule.Resources {
			refs[r.Address] = map[string][]string{}
			for attr, expr := range r.Expressions {
				if list := expressionRefs(expr, nil); len(list) > 0 {
					refs[r.Address][attr] = list
				}
			}
		}
	}
	seen := map[string]bool{}
	for _, rc := range p.ResourceChanges {
		if rc.Change == nil {
			return nil, fmt.Errorf("stack %s: the plan's change of %s is missing", s.Name, rc.Address)
		}
		values, _ := rc.Change.After.(map[string]any)
		if values == nil {
			values, _ = rc.Change.Before.(map[string]any) // a destroy: what is destroyed
		}
		if values == nil {
			values = map[string]any{}
		}
		actions := make([]string, len(rc.Change.Actions))
		for i, a := range rc.Change.Actions {
			actions[i] = string(a)
		}
		r := Resource{Address: rc.Address, Type: rc.Type, Mode: string(rc.Mode), Values: values, Refs: refs[rc.Address], Actions: actions}
		if r.Mode == "" {
			r.Mode = "managed"
		}
		if u, ok := rc.Change.AfterUnknown.(map[string]any); ok {
			for k, v := range u {
				if v == true {
					if r.Unknown == nil {
						r.Unknown = map[string]bool{}
					}
					r.Unknown[k] = true
				}
			}
		}
		r.Tags = planTags(values)
		seen[r.Address] = true
		in.Resources = append(in.Resources, r)
	}
	// Data sources read while planning are in the prior state.
	if p.PriorState != nil && p.PriorState.Values != nil && p.PriorState.Values.RootModule != nil {
		for _, r := range p.PriorState.Values.RootModule.Resources {
			if r.Mode != tfjson.DataResourceMode || seen[r.Address] {
				continue
			}
			in.Resources = append(in.Resources, Resource{Address: r.Address, Type: r.Type, Mode: "data", Values: r.AttributeValues, Refs: refs[r.Address], Actions: []string{}, Tags: map[string]any{}})
		}
	}
	for i := range in.Resources {
		if in.Resources[i].Refs == nil {
			in.Resources[i].Refs = map[string][]string{}
		}
	}
	in.index()
	for i := range in.Resources {
		r := &in.Resources[i]
		if r.Type != "aws_iam_role" || r.Mode != "managed" {
			continue
		}
		if s, ok := r.Values["assume_role_policy"].(string); ok && s != "" {
			st, err := fromPolicyJSON(s)
			r.Trust, r.TrustUnreadable = st, err != nil
			continue
		}
		// Unknown until apply: read the document it is built from.
		r.TrustUnreadable = true
		for _, ref := range r.Refs["assume_role_policy"] {
			if j, ok := in.byAddress[ref]; ok && in.Resources[j].Type == "aws_iam_policy_document" {
				r.Trust, r.TrustUnreadable = fromDocumentBlocks(in.Resources[j].Values["statement"]), false
			}
		}
	}
	in.sort()
	return in, nil
}

// planTags are a planned resource's tags: tags_all where the provider
// knows it, else its own tags.
func planTags(values map[string]any) map[string]any {
	for _, k := range []string{"tags_all", "tags"} {
		if t, ok := values[k].(map[string]any); ok {
			return t
		}
	}
	return map[string]any{}
}

// expressionRefs adds to out the resource addresses an expression of a
// plan's configuration refers to (its references, at any depth: nested
// blocks hold expressions too), without attribute paths, and returns them
// sorted.
func expressionRefs(e *tfjson.Expression, out []string) []string {
	if e == nil || e.ExpressionData == nil {
		return out
	}
	for _, r := range e.References {
		if a := resourceAddress(r); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, block := range e.NestedBlocks {
		for _, x := range block {
			out = expressionRefs(x, out)
		}
	}
	slices.Sort(out)
	return out
}

// resourceAddress cuts a reference (aws_s3_bucket.b.id,
// data.aws_iam_policy_document.d.json) to the address of what it
// refers to, or "" for one that names no resource (var.x, local.y).
func resourceAddress(ref string) string {
	parts := strings.Split(ref, ".")
	switch {
	case parts[0] == "data" && len(parts) >= 3:
		return strings.Join(parts[:3], ".")
	case len(parts) >= 2 && strings.Contains(parts[0], "_") && !slices.Contains([]string{"var", "local", "module", "each", "count", "path", "terraform", "self"}, parts[0]):
		return strings.Join(parts[:2], ".")
	}
	return ""
}

// tokenRef finds resource addresses inside cdktf's ${…} expressions.
var tokenRef = regexp.MustCompile(`(?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+`)

// references are the known addresses a configuration value mentions
// inside ${…}.
func references(v any, known map[string]bool) []string {
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case string:
			for _, expr := range tokenExpr.FindAllString(t, -1) {
				for _, m := range tokenRef.FindAllString(expr, -1) {
					if known[m] && !slices.Contains(out, m) {
						out = append(out, m)
					}
				}
			}
		case map[string]any:
			for _, y := range t {
				walk(y)
			}
		case []any:
			for _, y := range t {
				walk(y)
			}
		}
	}
	walk(v)
	slices.Sort(out)
	return out
}

var tokenExpr = regexp.MustCompile(`\$\{[^}]*\}`)

func address(mode, typ, name string) string {
	if mode == "data" {
		return "data." + typ + "." + name
	}
	return typ + "." + name
}

func (in *Input) index() {
	in.byAddress = map[string]int{}
	for i, r := range in.Resources {
		in.byAddress[r.Address] = i
	}
}

func (in *Input) sort() {
	slices.SortFunc(in.Resources, func(a, b Resource) int { return strings.Compare(a.Address, b.Address) })
	in.index()
}

func asList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case nil:
		return nil
	}
	return []any{v}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// strs is a string or a list of strings as a list.
func strs(v any) []string {
	var out []string
	for _, x := range asList(v) {
		switch t := x.(type) {
		case string:
			out = append(out, t)
		case bool, float64:
			out = append(out, fmt.Sprint(t))
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
