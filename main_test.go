package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/stacks"
	"stratum/testkit/clientstest"
	"stratum/testkit/runbookcheck"
	"stratum/tools/cli"
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

// TestEveryCommandHasHelp: stratum help <command> prints that command's
// help (its usage line, what it does, its flags and exit codes) and exits
// 0, for every command and every migrate verb; stratum help lists every
// command; a flag the command does not know is a usage error naming the
// flag, with its own exit code. Running the help also proves no usage
// string has a back-quote (cli refuses them: the flag package garbles
// them).
func TestEveryCommandHasHelp(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &errs); code != cli.ExitOK {
		t.Fatalf("stratum help: exit %d: %s", code, errs.String())
	}
	list := out.String()
	helps := [][]string{}
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		if !strings.Contains(list, "\n  "+name+" ") {
			t.Errorf("stratum help does not list %s:\n%s", name, list)
		}
		helps = append(helps, []string{name})
	}
	for _, verb := range []string{"plan", "apply", "verify", "rollback", "retire", "imports"} {
		helps = append(helps, []string{"migrate", verb})
	}
	for _, verb := range []string{"select", "run", "stats"} {
		helps = append(helps, []string{"batch", verb})
	}
	for _, h := range helps {
		name := strings.Join(h, " ")
		t.Run(name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if code := run(context.Background(), append([]string{"help"}, h...), &out, &errs); code != cli.ExitOK || errs.Len() > 0 {
				t.Fatalf("stratum help %s: exit %d, stderr %q", name, code, errs.String())
			}
			for _, want := range []string{"usage: stratum " + name, "exit codes:", "64  usage error"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stratum help %s lacks %q:\n%s", name, want, out.String())
				}
			}
			out.Reset()
			if code := run(context.Background(), append(slices.Clone(h), "-no-such-flag"), &out, &errs); code != cli.ExitUsage || !strings.Contains(errs.String(), "-no-such-flag") {
				t.Errorf("stratum %s -no-such-flag: exit %d, stderr %q; want %d naming the flag", name, code, errs.String(), cli.ExitUsage)
			}
		})
	}
	errs.Reset()
	if code := run(context.Background(), []string{"no-such-command"}, &out, &errs); code != cli.ExitUsage || !strings.Contains(errs.String(), "want one of applied, batch, changed,") {
		t.Errorf("stratum no-such-command: exit %d, stderr %q; want %d and the commands", code, errs.String(), cli.ExitUsage)
	}
}

// TestChangedChecksHeadOutFirst: a -head-out without a synthesis fails at
// once, before the base is synthesized (which takes a minute).
func TestChangedChecksHeadOutFirst(t *testing.T) {
	var out, errs bytes.Buffer
	start := time.Now()
	code := run(context.Background(), []string{"changed", "-base", "HEAD", "-head-out", filepath.Join(t.TempDir(), "nonexistent")}, &out, &errs)
	if code != cli.ExitFailure || !strings.Contains(errs.String(), "holds no synthesis") || !strings.Contains(errs.String(), "make synth") {
		t.Errorf("exit %d, stderr %q; want %d and a hint to run make synth", code, errs.String(), cli.ExitFailure)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s: it synthesized before checking -head-out", took)
	}
}

// TestGoldenTestsAreListed: make update runs exactly GOLDEN_TESTS in
// GOLDEN_DIRS with -update, so every test that rewrites golden files
// (reads golden.Update or calls golden.Check) must be listed there, or
// make update would leave its files stale.
func TestGoldenTestsAreListed(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	variable := func(name string) []string {
		m := regexp.MustCompile(`(?m)^` + name + `\s*:?=\s*(.+)$`).FindSubmatch(mk)
		if m == nil {
			t.Fatalf("the Makefile does not set %s", name)
		}
		return strings.FieldsFunc(string(m[1]), func(r rune) bool { return r == '|' || r == ' ' })
	}
	dirs, tests := variable("GOLDEN_DIRS"), variable("GOLDEN_TESTS")
	found := 0
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "node_modules" || strings.HasPrefix(path, ".")) && path != "." {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Body == nil {
				continue
			}
			writes := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok && x.Name == "golden" && (sel.Sel.Name == "Check" || sel.Sel.Name == "Update") {
						writes = true
					}
				}
				return !writes
			})
			if !writes {
				continue
			}
			found++
			if dir := "./" + filepath.Dir(path); !slices.Contains(dirs, dir) || !slices.Contains(tests, fn.Name.Name) {
				t.Errorf("%s: %s rewrites golden files under -update, but the Makefile's GOLDEN_DIRS %v and GOLDEN_TESTS %v do not list %s %s",
					path, fn.Name.Name, dirs, tests, dir, fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Error("no test rewrites golden files: the check looks in the wrong place")
	}
}
