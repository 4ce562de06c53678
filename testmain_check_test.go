package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"stratum/tools/synth"
)

// testMainProblem says what is wrong with the TestMain among one
// package's test files (path to source), or "" when there is one that
// ends through testkit/testmain: it calls testmain.Run or testmain.Exit,
// and never os.Exit, which would skip jsii.Close.
func testMainProblem(files map[string]string) string {
	fset := token.NewFileSet()
	var found []string
	problem := ""
	for _, p := range slices.Sorted(maps.Keys(files)) {
		f, err := parser.ParseFile(fset, p, files[p], 0)
		if err != nil {
			return err.Error()
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name != "TestMain" || !takesTestingM(fd) {
				continue
			}
			found = append(found, p)
			viaTestmain := false
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if x, ok := sel.X.(*ast.Ident); ok {
						switch {
						case x.Name == "testmain" && (sel.Sel.Name == "Run" || sel.Sel.Name == "Exit"):
							viaTestmain = true
						case x.Name == "os" && sel.Sel.Name == "Exit":
							problem = p + ": TestMain calls os.Exit, which skips jsii.Close: call testmain.Exit"
						}
					}
				}
				return true
			})
			if !viaTestmain && problem == "" {
				problem = p + ": TestMain neither calls testmain.Run nor testmain.Exit"
			}
		}
	}
	switch {
	case len(found) == 0:
		return "no TestMain: add func TestMain(m *testing.M) { testmain.Run(m) }"
	case problem != "":
		return problem
	}
	return ""
}

// takesTestingM: fd's one parameter is a *testing.M.
func takesTestingM(fd *ast.FuncDecl) bool {
	ps := fd.Type.Params.List
	if len(ps) != 1 {
		return false
	}
	star, ok := ps[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "M"
}

// TestEveryTestPackageClosesJsii: every package with tests ends its test
// binary through testkit/testmain, so that no run leaves jsii's unpacked
// runtime behind in $TMPDIR.
func TestEveryTestPackageClosesJsii(t *testing.T) {
	root := os.DirFS(".")
	paths, err := synth.GoFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]map[string]string{}
	for _, p := range paths {
		if !strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := fs.ReadFile(root, p)
		if err != nil {
			t.Fatal(err)
		}
		dir := path.Dir(p)
		if byDir[dir] == nil {
			byDir[dir] = map[string]string{}
		}
		byDir[dir][p] = string(src)
	}
	if len(byDir) < 40 {
		t.Fatalf("only %d test packages found: the walk is broken", len(byDir))
	}
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		if p := testMainProblem(byDir[dir]); p != "" {
			t.Errorf("%s: %s", dir, p)
		}
	}
}

// TestTestMainProblem: the check finds a missing TestMain, one that exits
// on its own, and one that does not end through testmain; a TestMain(t
// *testing.T) is no TestMain.
func TestTestMainProblem(t *testing.T) {
	const head = "package p\nimport (\"os\"; \"testing\"; \"stratum/testkit/testmain\")\nvar _ = os.Args\nvar _ = testmain.Run\n"
	cases := []struct {
		name, src, want string
	}{
		{"through Run", head + "func TestMain(m *testing.M) { testmain.Run(m) }", ""},
		{"through Exit", head + "func TestMain(m *testing.M) { if helper() { testmain.Exit(0) }; testmain.Exit(m.Run()) }\nfunc helper() bool { return false }", ""},
		{"none", head + "func TestX(t *testing.T) {}", "no TestMain"},
		{"a test named TestMain", head + "func TestMain(t *testing.T) {}", "no TestMain"},
		{"os.Exit", head + "func TestMain(m *testing.M) { os.Exit(m.Run()) }", "calls os.Exit"},
		{"os.Exit beside testmain", head + "func TestMain(m *testing.M) { if len(os.Args) > 5 { os.Exit(1) }; testmain.Run(m) }", "calls os.Exit"},
		{"returns", head + "func TestMain(m *testing.M) { m.Run() }", "neither calls"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := testMainProblem(map[string]string{"p/p_test.go": c.src})
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
