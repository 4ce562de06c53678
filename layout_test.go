package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"

	"stratum/tools/synth"
)

// goFile is one Go file of the module: its slash path from the module
// root and the import paths it names.
type goFile struct {
	path    string
	imports []string
}

// area is the part of the tree a module path (a file's directory or an
// import path without "stratum/") belongs to: "main" for the root
// package (the stratum program, which dispatches to product and tools),
// "tools" and "testkit" for their folders, "product" for the rest.
func area(p string) string {
	top, _, _ := strings.Cut(p, "/")
	switch {
	case p == "." || p == "":
		return "main"
	case top == "tools" || top == "testkit":
		return top
	}
	return "product"
}

// layoutViolations applies the import rules docs/architecture.md states
// ("Code layout") to files and returns one line per broken rule:
//   - constructs never import config (they take props; awsrules is what
//     they share with validation);
//   - the product (every package outside tools/ and testkit/ but the root
//     main package) never imports a tool or a test kit outside its
//     _test.go files, whose imports are not built into the product;
//   - what ships (the main package, the product, the tools) never imports
//     a test kit outside its _test.go files.
func layoutViolations(files []goFile) []string {
	var out []string
	for _, f := range files {
		dir := path.Dir(f.path)
		test := strings.HasSuffix(f.path, "_test.go")
		for _, imp := range f.imports {
			rest, ok := strings.CutPrefix(imp, "stratum/")
			if !ok {
				continue
			}
			to := area(rest)
			switch {
			case (dir == "constructs" || strings.HasPrefix(dir, "constructs/")) && (rest == "config" || strings.HasPrefix(rest, "config/")):
				out = append(out, f.path+" imports "+imp+": constructs never import config (take props, share rules through awsrules)")
			case test:
				// a test may import tools and test kits: it is not built into stratum
			case area(dir) == "product" && to == "tools":
				out = append(out, f.path+" imports "+imp+": the product never imports a tool (move the code it needs into the product, or the importer into tools/)")
			case area(dir) != "testkit" && to == "testkit":
				out = append(out, f.path+" imports "+imp+": only _test.go files and other test kits import a test kit (testkit/ is not built into stratum)")
			}
		}
	}
	return out
}

// moduleGoFiles lists every Go file of the module rooted at root, tests
// included (synth.GoFiles), with its imports.
func moduleGoFiles(t *testing.T, root fs.FS) []goFile {
	t.Helper()
	paths, err := synth.GoFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	out := make([]goFile, 0, len(paths))
	for _, p := range paths {
		src, err := fs.ReadFile(root, p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, p, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		g := goFile{path: p}
		for _, im := range f.Imports {
			ip, err := strconv.Unquote(im.Path.Value)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			g.imports = append(g.imports, ip)
		}
		out = append(out, g)
	}
	return out
}

// TestLayoutImportRules: the module obeys the import rules of
// docs/architecture.md's code layout.
func TestLayoutImportRules(t *testing.T) {
	files := moduleGoFiles(t, os.DirFS("."))
	seen := map[string]bool{}
	for _, f := range files {
		seen[area(path.Dir(f.path))] = true
		if strings.HasPrefix(f.path, "constructs/") {
			seen["constructs"] = true
		}
	}
	for _, a := range []string{"main", "product", "tools", "testkit", "constructs"} {
		if !seen[a] {
			t.Fatalf("no Go file found in %s among %d files: the walk is broken", a, len(files))
		}
	}
	for _, v := range layoutViolations(files) {
		t.Error(v)
	}
}

// TestLayoutViolations: each rule reports the file and import that break
// it, and what the rules allow passes.
func TestLayoutViolations(t *testing.T) {
	cases := []struct {
		name string
		file goFile
		want string // a substring of the one violation; "" for none
	}{
		{"construct imports config", goFile{"constructs/kms/kms.go", []string{"stratum/config"}}, "constructs never import config"},
		{"construct imports a config subpackage", goFile{"constructs/kms/kms.go", []string{"stratum/config/x"}}, "constructs never import config"},
		{"construct test imports config", goFile{"constructs/kms/kms_test.go", []string{"stratum/config"}}, "constructs never import config"},
		{"construct imports a config-named test kit", goFile{"constructs/kms/kms_test.go", []string{"stratum/testkit/configtest"}}, ""},
		{"construct imports awsrules", goFile{"constructs/kms/kms.go", []string{"stratum/awsrules"}}, ""},
		{"stacks imports a tool", goFile{"stacks/build.go", []string{"stratum/tools/synthesis"}}, "stacks/build.go imports stratum/tools/synthesis: the product never imports a tool"},
		{"config imports a test kit", goFile{"config/config.go", []string{"stratum/testkit/configtest"}}, "only _test.go files"},
		{"product test imports a test kit", goFile{"stacks/x_test.go", []string{"stratum/testkit/golden"}}, ""},
		{"product test imports a tool", goFile{"stacks/x_test.go", []string{"stratum/tools/synthesis"}}, ""},
		{"tool imports a test kit", goFile{"tools/synth/synth.go", []string{"stratum/testkit/golden"}}, "only _test.go files"},
		{"main imports a test kit", goFile{"main.go", []string{"stratum/testkit/testenv"}}, "only _test.go files"},
		{"main imports a tool", goFile{"main.go", []string{"stratum/tools/synth"}}, ""},
		{"tool imports the product", goFile{"tools/synth/synth.go", []string{"stratum/stacks"}}, ""},
		{"test kit imports a tool", goFile{"testkit/monolith/monolith.go", []string{"stratum/tools/tfstate"}}, ""},
		{"product imports the product", goFile{"stacks/build.go", []string{"stratum/config", "stratum/constructs/kms"}}, ""},
		{"a module named like a folder", goFile{"stacks/build.go", []string{"example.com/tools/x", "toolsx"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := layoutViolations([]goFile{c.file})
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("got %q, want no violation", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("got %q, want one violation containing %q", got, c.want)
			}
		})
	}
}
