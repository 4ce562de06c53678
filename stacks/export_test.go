package stacks

import (
	"sync"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/stackgraph"
)

// Exported for the external tests of generated files (generated_test.go),
// which import packages that import this one.

// GraphOf is the stack graph of a synthesis, built from the manifest's
// dependencies and the stacks' JSON exactly as stackgraph.Load does.
func graphOf(t testing.TB, s *synthesized) *stackgraph.Graph {
	t.Helper()
	var in []stackgraph.Input
	for name, raw := range s.raw {
		in = append(in, stackgraph.Input{Name: name, Dependencies: s.deps[name], JSON: raw})
	}
	g, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// DefaultGraph is the graph of the real configuration (one synthesis per
// test binary, shared with the snapshot tests).
func DefaultGraph(t testing.TB) *stackgraph.Graph { return graphOf(t, defaultSynth(t)) }

var (
	onboardedOnce sync.Once
	onboarded     *stackgraph.Graph
)

// OnboardedGraph is the graph with the onboarding test's client appended.
func OnboardedGraph(t testing.TB) *stackgraph.Graph {
	t.Helper()
	defaultSynth(t)
	onboardedOnce.Do(func() {
		all := append(append([]clients.Client{}, clients.All...), acme)
		onboarded = graphOf(t, synth(t, config.Environments(), all))
	})
	if onboarded == nil {
		t.Fatal("synthesis failed earlier")
	}
	return onboarded
}
