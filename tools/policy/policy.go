// Package policy is Stratum's policy as code: Rego policies (tools/policy/rego,
// Rego v1, conftest's conventions: deny and warn sets in package main)
// evaluated in-process by the Open Policy Agent Go library over one stack
// at a time. The same policies check every synthesized stack in make test
// (the golden snapshots) and every plan in the pull-request pipelines
// (`stratum policy -plan`, on `terraform show -json`), so each promise the
// project makes — no public ingress, encryption at rest, production data
// protected, required tags, one client's data per state, IRSA trust
// pinned, no destroy in production without an explicit label — is
// enforced in both places. A failure names the stack, the address and the
// rule.
package policy

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Files are the policies and their tests (*_test.rego).
//
//go:embed rego/*.rego
var Files embed.FS

// Level is deny (the check fails) or warn (it is reported).
type Level string

const (
	Deny Level = "deny"
	Warn Level = "warn"
)

// Finding is one violation of one rule.
type Finding struct {
	Stack   string `json:"stack"`
	Level   Level  `json:"level"`
	Rule    string `json:"rule"`
	Address string `json:"address"`
	Message string `json:"message"`
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: %s: %s [%s] %s", f.Level, f.Stack, f.Address, f.Rule, f.Message)
}

// Modules are the policies (without their tests), parsed as Rego v1.
func Modules() (map[string]*ast.Module, error) { return parse(false) }

// parse parses the embedded policies, with their tests when tests.
func parse(tests bool) (map[string]*ast.Module, error) {
	out := map[string]*ast.Module{}
	err := fs.WalkDir(Files, "rego", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!tests && strings.HasSuffix(path, "_test.rego")) {
			return err
		}
		b, err := Files.ReadFile(path)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts(path, string(b), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		out[path] = m
		return nil
	})
	return out, err
}

// Engine evaluates the policies; prepare it once, evaluate many stacks.
type Engine struct {
	deny, warn rego.PreparedEvalQuery
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
	defaultErr    error
)

// Default is the engine of the embedded policies, prepared once.
func Default() (*Engine, error) {
	defaultOnce.Do(func() {
		mods, err := Modules()
		if err != nil {
			defaultErr = err
			return
		}
		defaultEngine, defaultErr = New(mods)
	})
	return defaultEngine, defaultErr
}

// New prepares an engine of modules (tests use weakened copies).
func New(modules map[string]*ast.Module) (*Engine, error) {
	ctx := context.Background()
	prepare := func(query string) (rego.PreparedEvalQuery, error) {
		opts := []func(*rego.Rego){rego.Query(query), rego.SetRegoVersion(ast.RegoV1)}
		for _, name := range sortedKeys(modules) {
			opts = append(opts, rego.ParsedModule(modules[name]))
		}
		return rego.New(opts...).PrepareForEval(ctx)
	}
	var e Engine
	var err error
	if e.deny, err = prepare("data.main.deny"); err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	if e.warn, err = prepare("data.main.warn"); err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	return &e, nil
}

// Evaluate runs every rule on one stack's input: its denials and
// warnings, sorted.
func (e *Engine) Evaluate(ctx context.Context, in *Input) ([]Finding, error) {
	// The input goes through JSON: the evaluator reads plain values.
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	var out []Finding
	for _, q := range []struct {
		level Level
		query rego.PreparedEvalQuery
	}{{Deny, e.deny}, {Warn, e.warn}} {
		rs, err := q.query.Eval(ctx, rego.EvalInput(doc))
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", in.Stack, err)
		}
		for _, r := range rs {
			for _, x := range r.Expressions {
				set, _ := x.Value.([]any)
				for _, v := range set {
					f, err := finding(in.Stack, q.level, v)
					if err != nil {
						return nil, err
					}
					out = append(out, f)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return strings.Compare(string(a.Level)+a.Address+a.Rule+a.Message, string(b.Level)+b.Address+b.Rule+b.Message)
	})
	return out, nil
}

// finding reads one value of a deny or warn set: conftest's message
// string or Stratum's {rule, address, msg}.
func finding(stack string, level Level, v any) (Finding, error) {
	f := Finding{Stack: stack, Level: level}
	switch t := v.(type) {
	case string:
		f.Rule, f.Message = "unnamed", t
	case map[string]any:
		f.Rule, _ = t["rule"].(string)
		f.Address, _ = t["address"].(string)
		f.Message, _ = t["msg"].(string)
	default:
		return f, fmt.Errorf("stack %s: a %s rule returned %T, want a message or {rule, address, msg}", stack, level, v)
	}
	return f, nil
}

// Denied are the findings that fail a check.
func Denied(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Level == Deny {
			out = append(out, f)
		}
	}
	return out
}
