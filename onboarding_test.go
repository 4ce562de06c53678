package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/clientstest"
	"stratum/testkit/testenv"
	"stratum/tools/generate"
	"stratum/tools/review"
)

// onboardingDoc is the guide a newcomer follows.
const onboardingDoc = "docs/onboarding.md"

// onboardingCheck is the variable make onboarding-check sets to run
// TestOnboardingEndToEnd.
const onboardingCheck = "STRATUM_ONBOARDING_CHECK"

// docEntry is the entry step 2 of docs/onboarding.md tells a newcomer to
// append, as the document shows it, with its name and cost centre.
type docEntry struct {
	text, name, costCentre string
	// summary is the review summary the document shows for it.
	summary string
}

var (
	goBlock   = regexp.MustCompile("(?s)\\*\\*Append the entry\\*\\*.*?```go\n(.*?)\n *```")
	textBlock = regexp.MustCompile("(?s)<!-- review summary -->\n *```text\n(.*?)```")
	field     = func(name string) *regexp.Regexp { return regexp.MustCompile(`(?m)^\s*` + name + `:\s*"([^"]*)"`) }
)

func readDocEntry(t *testing.T) docEntry {
	t.Helper()
	doc, err := os.ReadFile(onboardingDoc)
	if err != nil {
		t.Fatal(err)
	}
	m := goBlock.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("%s: no Go block after **Append the entry**", onboardingDoc)
	}
	// The block is indented as a list item's: take it back to column 0.
	lines := strings.Split(string(m[1]), "\n")
	indent := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, strings.Repeat(" ", indent))
	}
	e := docEntry{text: strings.Join(lines, "\n")}
	for _, f := range []struct {
		name string
		to   *string
	}{{"Name", &e.name}, {"CostCentre", &e.costCentre}} {
		v := field(f.name).FindStringSubmatch(e.text)
		if v == nil {
			t.Fatalf("%s: the entry has no %s", onboardingDoc, f.name)
		}
		*f.to = v[1]
	}
	if s := textBlock.FindSubmatch(doc); s != nil {
		e.summary = string(s[1])
	}
	return e
}

// TestOnboardingExampleNameIsUnused: the example name of docs/onboarding.md
// is one no test uses and no client holds, so that a newcomer who pastes
// the entry as it is gets green tests (clientstest.Fresh names start with
// another word).
func TestOnboardingExampleNameIsUnused(t *testing.T) {
	e := readDocEntry(t)
	for _, c := range clients.All {
		if c.Name == e.name {
			t.Skipf("%s is onboarded: the example of %s is a real client now", e.name, onboardingDoc)
		}
	}
	if strings.HasPrefix(e.name, "newcomer") {
		t.Errorf("the example name %q starts like the names clientstest.Fresh gives", e.name)
	}
	word := regexp.MustCompile(`\b` + regexp.QuoteMeta(e.name) + `\b`)
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (path == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") && !strings.Contains(path, "testdata") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if path != "onboarding_test.go" && word.Match(b) {
			t.Errorf("%s uses %q, the example name of %s: a newcomer pasting the example would collide with it", path, e.name, onboardingDoc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOnboardingDocument: the parts of docs/onboarding.md the end-to-end
// check reads are there: the entry with its environments, and the
// summary with its added stacks, two per environment.
func TestOnboardingDocument(t *testing.T) {
	e := readDocEntry(t)
	envs := environmentsOf(e.text)
	if len(envs) == 0 {
		t.Fatalf("no environment in the entry:\n%s", e.text)
	}
	added := addedSection(e.summary)
	for _, env := range envs {
		for _, stack := range []string{"+ client-" + e.name + "-" + env + " ", "+ database-" + e.name + "-" + env + " "} {
			if !strings.Contains(added, stack) {
				t.Errorf("the summary of %s does not add %s:\n%s", onboardingDoc, stack, e.summary)
			}
		}
	}
}

// TestOnboardingEndToEnd is docs/onboarding.md followed as written, in a
// copy of this repository: the entry of its step 2 appended to clients.All
// under a name and cost centre no client uses, its one command (make
// update), then the tests of every package that reads the client list or
// the files make update rewrote, which must pass. make update's summary
// must show exactly the new client's stacks as added, with the resources
// the document shows, nothing changed or removed, and only the entry
// itself besides generated files.
//
// It costs a make update and those packages' tests in a fresh directory,
// so it runs with make onboarding-check (CI runs it after make test), not
// with make test.
func TestOnboardingEndToEnd(t *testing.T) {
	if testing.Short() || os.Getenv(onboardingCheck) != "1" {
		t.Skipf("make onboarding-check runs it (%s=1, not -short): it copies the repository and runs make update and the client tests in it", onboardingCheck)
	}
	start := time.Now()
	doc := readDocEntry(t)
	envs := config.Environments()
	c := clientstest.Fresh(t, clients.All, envs, clientstest.Newcomer(envs))
	entry := strings.ReplaceAll(doc.text, fmt.Sprintf("%q", doc.name), fmt.Sprintf("%q", c.Name))
	entry = strings.ReplaceAll(entry, fmt.Sprintf("%q", doc.costCentre), fmt.Sprintf("%q", c.CostCentre))
	envNames := environmentsOf(entry)
	if len(envNames) == 0 {
		t.Fatalf("the entry of %s lists no environment:\n%s", onboardingDoc, entry)
	}

	dir := testenv.CopyRepo(t, ".")
	path := filepath.Join(dir, "clients", "clients.go")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Appended as the last element of All, as an editor leaves it.
	i := bytes.LastIndex(src, []byte("}\n"))
	appended, err := format.Source(append(append(src[:i:i], []byte(entry+"\n")...), src[i:]...))
	if err != nil {
		t.Fatalf("clients.go with the entry of %s does not parse: %v", onboardingDoc, err)
	}
	if err := os.WriteFile(path, appended, 0o644); err != nil {
		t.Fatal(err)
	}

	// The one command after the edit. The stamps of the installed npm
	// packages and bindings (linked from this repository) are old to
	// make: nothing is reinstalled through the links.
	out := runIn(t, dir, nil, "make", "--no-print-directory", "-o", "node_modules/.stratum-installed", "-o", ".gen/pacmak/.stratum-generated", "update")
	t.Logf("make update:\n%s", out)
	tookUpdate := time.Since(start)

	// What the summary said, as JSON.
	var s review.Summary
	if err := json.Unmarshal([]byte(runIn(t, dir, nil, "go", "run", ".", "review", "-json")), &s); err != nil {
		t.Fatal(err)
	}
	var added, want []string
	for _, st := range s.Stacks {
		if st.Status != review.Added {
			t.Errorf("stack %s %s: onboarding changes no stack but adds the new client's", st.Name, st.Status)
			continue
		}
		added = append(added, st.Name)
	}
	for _, e := range envNames {
		want = append(want, "client-"+c.Name+"-"+e, "database-"+c.Name+"-"+e)
	}
	slices.Sort(want)
	if !slices.Equal(added, want) {
		t.Errorf("added stacks %v, want %v", added, want)
	}
	generated, err := generate.Paths(".", envs)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Generated {
		if !slices.Contains(generated, f.Path) {
			t.Errorf("generated file %s is not one generate writes", f.Path)
		}
	}
	if len(s.Other) != 1 || s.Other[0].Path != "clients/clients.go" {
		t.Errorf("other files changed %+v, want clients/clients.go only", s.Other)
	}
	// The document shows what the reviewer will read.
	if doc.summary == "" {
		t.Errorf("%s shows no review summary (a text block after <!-- review summary -->)", onboardingDoc)
	} else {
		got := strings.ReplaceAll(strings.ReplaceAll(out, c.Name, doc.name), c.CostCentre, doc.costCentre)
		if a, b := addedSection(got), addedSection(doc.summary); a != b {
			t.Errorf("%s's summary shows other added stacks than make update prints for its entry: replace its \"Added stacks\" part with\n%s", onboardingDoc, a)
		}
	}

	// The tests, in the copy, of every package the onboarding can change.
	pkgs := clientPackages(t, dir, generated)
	t.Logf("testing %v", pkgs)
	env := []string{onboardingCheck + "="}
	t.Logf("go test -short:\n%s", runIn(t, dir, env, "go", append([]string{"test", "-short", "-count=1"}, pkgs...)...))
	t.Logf("make update took %s, everything %s", tookUpdate.Round(time.Second), time.Since(start).Round(time.Second))
}

// environmentsOf lists the environments an entry's Environments field
// names, in order.
func environmentsOf(entry string) []string {
	_, rest, ok := strings.Cut(entry, "Environments: []Environment{")
	if !ok {
		return nil
	}
	// The field ends where its brace closes.
	depth := 1
	for i, r := range rest {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth == 0 {
			rest = rest[:i]
			break
		}
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\{Name: "([a-z0-9-]+)"`).FindAllStringSubmatch(rest, -1) {
		out = append(out, m[1])
	}
	return out
}

// addedSection is the "Added stacks" part of a summary, with runs of
// spaces as one (a name's length aligns the columns, and the document
// indents the summary).
func addedSection(summary string) string {
	var out []string
	in := false
	for _, l := range strings.Split(summary, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "Added stacks"):
			in = true
		case in && l == "":
			return strings.Join(strings.Fields(strings.Join(out, " ")), " ")
		}
		if in {
			out = append(out, l)
		}
	}
	return strings.Join(strings.Fields(strings.Join(out, " ")), " ")
}

// clientPackages are the packages of dir whose tests an onboarding can
// change: those whose test code names clients.All or a string holding
// __snapshots__ or a generated file's path, and those whose tests link a
// package whose code names clients.All. Comments do not count.
func clientPackages(t *testing.T, dir string, generated []string) []string {
	t.Helper()
	type pkg struct {
		ImportPath, Dir                    string
		GoFiles, TestGoFiles, XTestGoFiles []string
		Deps                               []string
		ForTest                            string
	}
	cmd := exec.Command("go", "list", "-test", "-json", "./...")
	cmd.Dir = dir
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v", dir, err)
	}
	// uses reports whether files name clients.All, or (with files) hold a
	// string literal containing __snapshots__ or a generated path.
	uses := func(p pkg, names []string, files bool) bool {
		found := false
		for _, name := range names {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(p.Dir, name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SelectorExpr:
					if id, ok := x.X.(*ast.Ident); ok && id.Name == "clients" && x.Sel.Name == "All" {
						found = true
					}
				case *ast.BasicLit:
					if files && x.Kind == token.STRING {
						for _, w := range append([]string{review.SnapshotDir}, generated...) {
							if strings.Contains(x.Value, w) {
								found = true
							}
						}
					}
				}
				return !found
			})
			if found {
				return true
			}
		}
		return false
	}
	readsList := map[string]bool{} // packages whose own code names clients.All
	selected := map[string]bool{}
	var variants []pkg
	dec := json.NewDecoder(bytes.NewReader(raw))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(p.ImportPath, ".test"):
			continue // a test's generated main package
		case p.ForTest != "":
			variants = append(variants, p)
			continue
		}
		if uses(p, p.GoFiles, false) {
			readsList[p.ImportPath] = true
		}
		if uses(p, append(slices.Clone(p.TestGoFiles), p.XTestGoFiles...), true) {
			selected[p.ImportPath] = true
		}
	}
	for _, v := range variants {
		for _, d := range v.Deps {
			if readsList[strings.Fields(d)[0]] {
				selected[v.ForTest] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(selected))
}

// runIn runs a command in dir with extra environment variables and
// returns its combined output, failing the test when it fails.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s in %s: %v\n%s", name, strings.Join(args, " "), dir, err, b.String())
	}
	return b.String()
}
