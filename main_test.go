package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/clients/clientstest"
	"stratum/config"
	"stratum/contract"
	"stratum/internal/runbookcheck"
	"stratum/stacks"
)

// runbooks is where the operational runbooks live.
const runbooks = "docs/runbooks"

// known is what exists in this repository for the runbooks to quote:
// every stack of the real configuration, the Makefile's targets, the
// commands table, the cdktf verbs the runbooks use.
func known(t *testing.T) runbookcheck.Known {
	t.Helper()
	// The layers are the stack names' first words, so that a new layer
	// (a per-client database stack) is checked as soon as it exists.
	var names, layers []string
	for _, env := range config.Environments() {
		for _, n := range stacks.StackNames(env, clients.Tenancies(clients.All, env)) {
			names = append(names, n)
			if l, _, _ := strings.Cut(n, "-"); !slices.Contains(layers, l) {
				layers = append(layers, l)
			}
		}
	}
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for name := range commands {
		cmds = append(cmds, name)
	}
	slices.Sort(cmds)
	return runbookcheck.Known{
		Stacks: names, Layers: layers, ClientLayer: string(contract.Client),
		NotStacks:   []string{"bootstrap-state"},
		MakeTargets: runbookcheck.MakeTargets(mk),
		Commands:    cmds,
		CdktfVerbs:  []string{"deploy", "destroy", "diff", "list", "output", "synth"},
	}
}

// TestRunbooksQuoteWhatExists: every stack name, make target, command and
// cdktf verb the runbooks quote exists, and every relative link leads to
// a file.
func TestRunbooksQuoteWhatExists(t *testing.T) {
	docs, err := runbookcheck.ReadDocs(".", runbooks)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 20 {
		t.Fatalf("%d runbooks under %s: the check is reading the wrong place", len(docs), runbooks)
	}
	k := known(t)
	for _, p := range runbookcheck.Check(docs, k) {
		t.Error(p)
	}
	for _, p := range runbookcheck.CheckLinks(".", docs) {
		t.Error(p)
	}
	// What the check reads: a runbook with no quote at all would pass
	// whatever it says.
	quotes := 0
	for _, d := range docs {
		quotes += len(runbookcheck.Quotes(d))
	}
	if quotes < 200 {
		t.Errorf("only %d quotes in the runbooks: the check sees too little", quotes)
	}
}

// TestRunbookCheckFails: a runbook that drifted from the code fails the
// check: each kind of mistake planted in a copy of a real runbook.
func TestRunbookCheckFails(t *testing.T) {
	docs, err := runbookcheck.ReadDocs(".", runbooks)
	if err != nil {
		t.Fatal(err)
	}
	real := string(docs[runbooks+"/deploy-a-layer.md"])
	if real == "" {
		t.Fatal("no deploy-a-layer.md")
	}
	k := known(t)
	// A stack the runbook deploys, whatever its example client is.
	deployed := regexp.MustCompile(`npx cdktf deploy ([a-z0-9-]+)\n`).FindStringSubmatch(real)
	if deployed == nil {
		t.Fatal("deploy-a-layer.md deploys no stack by name")
	}
	stack := deployed[1]
	for name, plant := range map[string][2]string{
		"misspelt stack":  {"npx cdktf deploy " + stack, "npx cdktf deploy " + stack + "x"},
		"missing target":  {"make synth", "make synthesize"},
		"missing command": {"go run . changed", "go run . changes"},
		"wrong verb":      {"npx cdktf deploy " + stack, "npx cdktf plan " + stack},
		"unknown client":  {"'client-*-prod'", "'client-" + clientstest.Unknown + "-prod'"},
	} {
		t.Run(name, func(t *testing.T) {
			if !strings.Contains(real, plant[0]) {
				t.Fatalf("deploy-a-layer.md no longer quotes %q", plant[0])
			}
			doc := strings.Replace(real, plant[0], plant[1], 1)
			if got := runbookcheck.Check(map[string][]byte{"planted.md": []byte(doc)}, k); len(got) == 0 {
				t.Errorf("planted %q, the check found nothing", plant[1])
			}
		})
	}
}
