package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"stratum/testkit/testenv"
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

// jsiiModules are the import path prefixes of jsii and the bindings: a
// binary that links one starts a jsii client while it initializes.
var jsiiModules = []string{
	"github.com/aws/jsii-runtime-go", "github.com/aws/constructs-go/", "github.com/hashicorp/terraform-cdk-go/",
	"github.com/cdktf/",
}

// testBinariesLinkingJsii says, for each directory of files holding
// _test.go files, whether its test binary links jsii: the package's own
// files, its test files (testkit/testmain aside) or a module package they
// import, directly or not, import one of jsiiModules. (No package outside
// the module imports jsii on its own; were one to, this would miss it.)
func testBinariesLinkingJsii(files []goFile) map[string]bool {
	own := map[string][]string{}  // directory → imports of its non-test files
	test := map[string][]string{} // directory → imports of its test files
	for _, f := range files {
		dir := path.Dir(f.path)
		if strings.HasSuffix(f.path, "_test.go") {
			test[dir] = append(test[dir], f.imports...)
		} else {
			own[dir] = append(own[dir], f.imports...)
		}
	}
	memo := map[string]bool{}
	var links func(dir string, seen map[string]bool) bool
	reaches := func(imports []string, seen map[string]bool) bool {
		for _, imp := range imports {
			if rest, ok := strings.CutPrefix(imp, "stratum/"); ok {
				if rest != "testkit/testmain" && links(rest, seen) {
					return true
				}
				continue
			}
			for _, m := range jsiiModules {
				if strings.HasPrefix(imp, m) {
					return true
				}
			}
		}
		return false
	}
	links = func(dir string, seen map[string]bool) bool {
		if v, ok := memo[dir]; ok {
			return v
		}
		if seen[dir] {
			return false
		}
		seen[dir] = true
		v := reaches(own[dir], seen)
		memo[dir] = v
		return v
	}
	out := map[string]bool{}
	for dir, imports := range test {
		out[dir] = links(dir, map[string]bool{}) || reaches(imports, map[string]bool{})
	}
	return out
}

// TestEveryTestPackageClosesJsii: every test binary that links jsii ends
// through testkit/testmain, so that no run leaves jsii's unpacked runtime
// behind in $TMPDIR; a test binary that does not link jsii does not import
// testmain either (it would link jsii for nothing: a test binary more to
// link with the bindings' runtime, in the developer's loop).
func TestEveryTestPackageClosesJsii(t *testing.T) {
	root := os.DirFS(".")
	files := moduleGoFiles(t, root)
	byDir := map[string]map[string]string{}
	importsTestmain := map[string]bool{}
	for _, f := range files {
		if !strings.HasSuffix(f.path, "_test.go") {
			continue
		}
		src, err := fs.ReadFile(root, f.path)
		if err != nil {
			t.Fatal(err)
		}
		dir := path.Dir(f.path)
		if byDir[dir] == nil {
			byDir[dir] = map[string]string{}
		}
		byDir[dir][f.path] = string(src)
		if slices.Contains(f.imports, "stratum/testkit/testmain") {
			importsTestmain[dir] = true
		}
	}
	linking := testBinariesLinkingJsii(files)
	var with, without int
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		switch {
		case linking[dir]:
			with++
			if p := testMainProblem(byDir[dir]); p != "" {
				t.Errorf("%s: its test binary links jsii: %s", dir, p)
			}
		default:
			without++
			if importsTestmain[dir] {
				t.Errorf("%s: its test binary links no jsii but for testkit/testmain: drop its TestMain", dir)
			}
		}
	}
	// Today 39 test binaries link jsii and 18 do not; a walk that finds
	// far fewer of either is broken.
	if with < 20 || without < 10 {
		t.Fatalf("%d test packages link jsii and %d do not: the walk is broken", with, without)
	}
}

// TestTestBinariesLinkingJsii: linking is found through the test files'
// imports and through module packages, directly or not, and testmain's
// own link to jsii does not count.
func TestTestBinariesLinkingJsii(t *testing.T) {
	files := []goFile{
		{"a/a.go", []string{"stratum/b"}},
		{"a/a_test.go", []string{"testing"}},
		{"b/b.go", []string{"stratum/c"}},
		{"c/c.go", []string{"github.com/hashicorp/terraform-cdk-go/cdktf"}},
		{"d/d.go", []string{"fmt"}},
		{"d/d_test.go", []string{"stratum/testkit/testmain"}},
		{"e/e_test.go", []string{"github.com/aws/jsii-runtime-go"}},
		{"f/f.go", []string{"stratum/g"}},
		{"f/f_test.go", []string{"testing"}},
		{"g/g.go", []string{"stratum/f"}}, // an import cycle ends
		{"h/h_test.go", []string{"stratum/c"}},
	}
	got := testBinariesLinkingJsii(files)
	want := map[string]bool{"a": true, "d": false, "e": true, "f": false, "h": true}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
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

// TestJsiiLinkingAsGoListSaysIt: the import walk of
// testBinariesLinkingJsii agrees with the go command on every test binary
// of the module. (testmain links jsii itself, but only test binaries the
// walk finds linking it import testmain: TestEveryTestPackageClosesJsii.)
func TestJsiiLinkingAsGoListSaysIt(t *testing.T) {
	testenv.Long(t, "asks go list for the dependencies of every test binary")
	walked := testBinariesLinkingJsii(moduleGoFiles(t, os.DirFS(".")))
	// With -test, go list lists each package's test binary as <pkg>.test,
	// and its Deps are everything the binary links.
	out, err := exec.Command("go", "list", "-test", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutSuffix(fields[0], ".test")
		if !ok {
			continue
		}
		dir := "."
		if rest, ok := strings.CutPrefix(pkg, "stratum/"); ok {
			dir = rest
		}
		listed[dir] = slices.ContainsFunc(fields[1:], func(d string) bool { return strings.HasPrefix(d, "github.com/aws/jsii-runtime-go") })
	}
	if len(listed) != len(walked) {
		t.Errorf("go list lists %d test binaries, the walk finds %d test packages", len(listed), len(walked))
	}
	for _, dir := range slices.Sorted(maps.Keys(walked)) {
		if listed[dir] != walked[dir] {
			t.Errorf("%s: the walk says its test binary links jsii: %t; go list: %t", dir, walked[dir], listed[dir])
		}
	}
}
