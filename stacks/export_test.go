package stacks

import (
	"sync"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/stackgraph"
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
	onboardedOnce   sync.Once
	onboardedApp    *synthesized
	onboardedClient clients.Client
	onboardedGraph  *stackgraph.Graph
)

// onboardedSynth is the real configuration with newcomer(t) appended,
// synthesized once per test binary, and that client. Under -short it is
// the one synthesis of the test binary (defaultSynth is its real stacks).
func onboardedSynth(t testing.TB) (*synthesized, clients.Client) {
	t.Helper()
	if !testing.Short() {
		defaultSynth(t) // one jsii runtime, started by the default app
	}
	onboardedOnce.Do(func() {
		c := newcomer(t)
		onboardedApp = synth(t, config.Environments(), withNewcomer(c))
		onboardedClient = c
		onboardedGraph = graphOf(t, onboardedApp)
	})
	if onboardedApp == nil {
		t.Fatal("synthesis failed earlier")
	}
	return onboardedApp, onboardedClient
}

// OnboardedGraph is the graph with the onboarding tests' client appended,
// and that client's name.
func OnboardedGraph(t testing.TB) (*stackgraph.Graph, string) {
	t.Helper()
	_, c := onboardedSynth(t)
	return onboardedGraph, c.Name
}
