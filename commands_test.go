package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"stratum/tools/cli"
	"stratum/tools/synth"
)

// exitCodeTable reads the README's table of exit codes ("Commands and
// exit codes"): each code with its meaning.
func exitCodeTable(t *testing.T, readme string) map[int]string {
	t.Helper()
	_, section, ok := strings.Cut(readme, "\n## Commands and exit codes\n")
	if !ok {
		t.Fatal("README.md has no section \"Commands and exit codes\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	table := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \| (.*) \|$`).FindAllStringSubmatch(section, -1) {
		code, _ := strconv.Atoi(m[1])
		table[code] = m[2]
	}
	return table
}

// helpExitCodes runs `stratum help <h...>` and returns the exit codes its
// help lists.
func helpExitCodes(t *testing.T, h []string) []int {
	t.Helper()
	var out, errs bytes.Buffer
	if code := run(context.Background(), append([]string{"help"}, h...), &out, &errs); code != cli.ExitOK {
		t.Fatalf("stratum help %s: exit %d: %s", strings.Join(h, " "), code, errs.String())
	}
	_, codes, ok := strings.Cut(out.String(), "\nexit codes:\n")
	if !ok {
		t.Fatalf("stratum help %s lists no exit codes", strings.Join(h, " "))
	}
	var got []int
	for _, m := range regexp.MustCompile(`(?m)^  (\d+) `).FindAllStringSubmatch(codes, -1) {
		c, _ := strconv.Atoi(m[1])
		got = append(got, c)
	}
	return got
}

// TestExitCodeTable: the README's one table of exit codes is the code's —
// its codes are tools/cli's constants; every code a command's help lists
// is in it; and the commands its "changes present" row names (the first
// word of each quoted command line) are exactly those whose help lists
// that code. TestEveryCommandHasHelp runs each command's usage error and
// checks it exits with the table's usage code.
func TestExitCodeTable(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := exitCodeTable(t, string(readme))
	want := []int{cli.ExitOK, cli.ExitFailure, cli.ExitChanges, cli.ExitUsage}
	if got := slices.Sorted(maps.Keys(table)); !slices.Equal(got, want) {
		t.Fatalf("the README's exit codes are %v, tools/cli's %v", got, want)
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z-]+)[^`]*`").FindAllStringSubmatch(table[cli.ExitChanges], -1) {
		named[m[1]] = true
	}
	helps := [][]string{}
	for _, name := range slices.Sorted(maps.Keys(commands)) {
		helps = append(helps, []string{name})
	}
	for _, verb := range []string{"plan", "apply", "verify", "rollback", "retire", "imports"} {
		helps = append(helps, []string{"migrate", verb})
	}
	for _, verb := range []string{"select", "run", "stats"} {
		helps = append(helps, []string{"batch", verb})
	}
	results := map[string]bool{}
	for _, h := range helps {
		for _, c := range helpExitCodes(t, h) {
			if _, ok := table[c]; !ok {
				t.Errorf("stratum help %s lists exit code %d, which the README's table does not have", strings.Join(h, " "), c)
			}
			if c == cli.ExitChanges {
				results[h[0]] = true
			}
		}
	}
	for name := range results {
		if !named[name] {
			t.Errorf("stratum %s exits %d on a result (its help says so), but the README's row for %d does not name it", name, cli.ExitChanges, cli.ExitChanges)
		}
	}
	for name := range named {
		if !results[name] {
			t.Errorf("the README's row for %d names %s, whose help lists no exit %d", cli.ExitChanges, name, cli.ExitChanges)
		}
	}
	if len(results) < 5 {
		t.Errorf("only %d commands list exit %d: the help is not being read", len(results), cli.ExitChanges)
	}
}

// offline are the commands whose code may ignore the context main
// cancels on SIGINT/SIGTERM, and why: they start no process and ask no
// server, and end by themselves soon (a second signal ends the program).
var offline = map[string]string{
	"tools/stackgraph.Main":     "reads a synthesis",
	"tools/placeholders.Main":   "reads the configuration",
	"tools/drift.Main":          "reads the drift jobs' result files",
	"tools/support.Main":        "compares the configuration with a dated table",
	"tools/scan.Main":           "reads trivy's report and the ignore file",
	"tools/generate.Main":       "builds the app in this process (jsii) and writes files",
	"tools/dbusers.Main":        "prints SQL from the configuration",
	"tools/hclexport.Command":   "builds the app in this process (jsii) and writes files",
	"tools/synth.MergeCommand":  "moves the shards' files into place",
	"tools/synth.PlanCommand":   "hashes the source",
	"tools/pipelines.ChildMain": "prints a pipeline from a report",
}

// TestCommandsHonourTheirContext: every function of the tools with a
// command's signature (a context, the arguments, stdout and stderr; an
// exit code) uses its context, or is listed in offline with the reason it
// need not. A command that drops it (synth-shard did) keeps running its
// processes after Ctrl-C.
func TestCommandsHonourTheirContext(t *testing.T) {
	files, err := synth.GoFiles(os.DirFS("."))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := 0
	for _, p := range files {
		if !strings.HasPrefix(p, "tools/") || strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			label := path.Dir(p) + "." + fd.Name.Name
			ast.Inspect(fd, func(n ast.Node) bool {
				var typ *ast.FuncType
				var body *ast.BlockStmt
				switch x := n.(type) {
				case *ast.FuncDecl:
					typ, body = x.Type, x.Body
				case *ast.FuncLit:
					typ, body = x.Type, x.Body
				default:
					return true
				}
				ctx, ok := commandContext(typ)
				if !ok {
					return true
				}
				seen++
				if _, listed := offline[label]; listed {
					return true
				}
				if ctx == "_" || ctx == "" || !uses(body, ctx) {
					t.Errorf("%s: %s has a command's signature but ignores its context: pass it to what it runs, or list it in offline with why it need not", fset.Position(n.Pos()), label)
				}
				return true
			})
		}
	}
	if seen < len(commands) {
		t.Errorf("found %d functions with a command's signature for %d commands: the check is not reading them", seen, len(commands))
	}
}

// commandContext returns the name of a command function's context
// parameter: typ is func(context.Context, []string, io.Writer, io.Writer)
// int, with any further parameters.
func commandContext(typ *ast.FuncType) (string, bool) {
	var params []string
	var names []string
	for _, f := range typ.Params.List {
		n := max(len(f.Names), 1)
		for i := 0; i < n; i++ {
			params = append(params, types(f.Type))
			if len(f.Names) > 0 {
				names = append(names, f.Names[i].Name)
			} else {
				names = append(names, "")
			}
		}
	}
	if len(params) < 4 || !slices.Equal(params[:4], []string{"context.Context", "[]string", "io.Writer", "io.Writer"}) {
		return "", false
	}
	if typ.Results == nil || len(typ.Results.List) != 1 || types(typ.Results.List[0].Type) != "int" {
		return "", false
	}
	return names[0], true
}

// types spells a parameter's type expression.
func types(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return types(x.X) + "." + x.Sel.Name
	case *ast.ArrayType:
		if x.Len == nil {
			return "[]" + types(x.Elt)
		}
	}
	return "?"
}

// uses reports whether body mentions the identifier name.
func uses(body *ast.BlockStmt, name string) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}
