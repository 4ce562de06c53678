package stacks

import (
	"testing"
)

// TestContract proves the SSM wiring: every parameter a stack reads is
// written by exactly one stack, that stack is upstream of the reader in
// the dependency graph, and the graph has no cycle.
func TestContract(t *testing.T) {
	s := defaultSynth(t)
	writers := map[string][]string{}
	for _, name := range s.names() {
		for _, p := range s.stacks[name].resources("aws_ssm_parameter") {
			n := p["name"].(string)
			writers[n] = append(writers[n], name)
		}
	}
	for n, ws := range writers {
		if len(ws) != 1 {
			t.Errorf("parameter %s is written by %d stacks %v, want 1", n, len(ws), ws)
		}
	}
	for _, name := range s.names() {
		for _, d := range s.stacks[name].data("aws_ssm_parameter") {
			n := d["name"].(string)
			ws := writers[n]
			if len(ws) != 1 {
				t.Errorf("%s reads %s, written by %v, want exactly one stack", name, n, ws)
				continue
			}
			if !s.upstream(ws[0], name) {
				t.Errorf("%s reads %s from %s, which is not upstream of it (deps %v)", name, n, ws[0], s.deps[name])
			}
		}
	}
	if cycle := s.cycle(); cycle != nil {
		t.Errorf("stack dependency cycle: %v", cycle)
	}
}

// upstream reports whether producer is a transitive dependency of consumer.
func (s *synthesized) upstream(producer, consumer string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		for _, d := range s.deps[n] {
			if d == producer {
				return true
			}
			if !seen[d] {
				seen[d] = true
				if walk(d) {
					return true
				}
			}
		}
		return false
	}
	return walk(consumer)
}

// cycle returns one dependency cycle, or nil.
func (s *synthesized) cycle() []string {
	const (
		unvisited = iota
		active
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		path = append(path, n)
		for _, d := range s.deps[n] {
			switch state[d] {
			case active:
				return append(append([]string{}, path...), d)
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil
	}
	for _, n := range s.names() {
		if state[n] == unvisited {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

func TestCycleDetection(t *testing.T) {
	s := &synthesized{
		stacks: map[string]tfJSON{"a": {}, "b": {}, "c": {}},
		deps:   map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}},
	}
	if s.cycle() == nil {
		t.Error("a→b→c→a: no cycle found")
	}
	s.deps["c"] = nil
	if c := s.cycle(); c != nil {
		t.Errorf("a→b→c: found cycle %v", c)
	}
	if !s.upstream("c", "a") || s.upstream("a", "c") {
		t.Error("upstream is wrong for a→b→c")
	}
}
