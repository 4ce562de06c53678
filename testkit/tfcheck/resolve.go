package tfcheck

import (
	"bytes"
	"encoding/json"
	"fmt"

	"stratum/config"
)

// Resolver gives a stack's references the values the tier's mocked plan
// gives them, for tools that need a stack's configuration with its
// references filled in (the Kubernetes tier, testkit/kubecheck): a
// reference to an attribute the stack configures with a literal resolves
// to that literal (a namespace's metadata[0].name), one to a data source
// or to an attribute the provider computes to its mocked value (an SSM
// parameter's insecure_value, a role's arn).
type Resolver struct {
	blocks map[string]map[string]any // by address
	m      *mocker
}

// NewResolver parses a synthesized stack of env and mocks its data
// sources and computed attributes.
func NewResolver(stack string, env config.Environment, raw []byte) (*Resolver, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	m := &mocker{stack: stack, env: env, f: fakes{env: env}, doc: doc}
	if _, _, err := m.overrides(); err != nil {
		return nil, err
	}
	r := &Resolver{blocks: map[string]map[string]any{}, m: m}
	for _, b := range blocksOf(doc) {
		r.blocks[b.addr] = b.cfg
	}
	return r, nil
}

// Lookup is the value of expr, a plain reference (TYPE.NAME.attr… or
// data.TYPE.NAME.attr…, without ${}), as a string.
func (r *Resolver) Lookup(expr string) (string, error) {
	if m := reference.FindStringSubmatch(expr); m == nil || m[0] != expr {
		return "", fmt.Errorf("%q is not a plain reference (a function call or an expression has no mocked value)", expr)
	}
	base := baseAddress(expr)
	if cfg, ok := r.blocks[base]; ok {
		if lit, ok, _ := resolveRef(expr, map[string]removedBlock{base: {cfg: cfg}}); ok {
			if s, isStr := literalString(lit); isStr {
				return s, nil
			}
		}
	} else {
		return "", fmt.Errorf("%s refers to %s, which the stack does not declare", expr, base)
	}
	if s, ok := r.m.lookup(expr); ok {
		return s, nil
	}
	return "", fmt.Errorf("%s is neither configured with a literal nor mocked (testkit/tfcheck mock.go)", expr)
}
