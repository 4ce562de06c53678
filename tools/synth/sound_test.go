package synth

import (
	"encoding"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// The cache reuses a stack's output when the code fingerprint and the
// stack's inputs are unchanged. These tests guard the assumptions that
// make that sound: the data files hold only data, nothing but main
// packages reads them, stack builders read nothing outside the code and
// their inputs, and the inputs' JSON holds every value.

// TestDataFilesHoldOnlyData: DataFiles, left out of the fingerprint,
// declare only values — no types, no methods, no function that does more
// than return a literal — so no code can hide in them.
func TestDataFilesHoldOnlyData(t *testing.T) {
	for _, f := range DataFiles {
		t.Run(f, func(t *testing.T) {
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, filepath.Join("..", "..", f), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range dataProblems(file) {
				t.Errorf("%s: %s; move code out of %s (it is not in the code fingerprint, see synth.DataFiles)", fset.Position(p.pos), p.msg, f)
			}
		})
	}
}

type problem struct {
	pos token.Pos
	msg string
}

// dataProblems lists the declarations of file that are not data.
func dataProblems(file *ast.File) []problem {
	funcs := map[string]bool{}
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
			funcs[fd.Name.Name] = true
		}
	}
	var out []problem
	isData := func(e ast.Expr) bool {
		ok := true
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case nil, *ast.BasicLit, *ast.Ident, *ast.CompositeLit, *ast.KeyValueExpr, *ast.ParenExpr,
				*ast.ArrayType, *ast.MapType, *ast.StarExpr:
			case *ast.SelectorExpr: // a qualified name: pkg.Const, pkg.Type
				if _, isIdent := n.X.(*ast.Ident); !isIdent {
					ok = false
				}
			case *ast.UnaryExpr:
				if n.Op != token.AND && n.Op != token.SUB && n.Op != token.ADD {
					ok = false
				}
			case *ast.BinaryExpr:
			case *ast.CallExpr: // only a data function of this file, without arguments
				id, isIdent := n.Fun.(*ast.Ident)
				if !isIdent || !funcs[id.Name] || len(n.Args) > 0 {
					ok = false
				}
			default:
				ok = false
			}
			return ok
		})
		return ok
	}
	for _, d := range file.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			switch d.Tok {
			case token.IMPORT:
			case token.VAR, token.CONST:
				for _, s := range d.Specs {
					for _, v := range s.(*ast.ValueSpec).Values {
						if !isData(v) {
							out = append(out, problem{v.Pos(), "a value computed by code"})
						}
					}
				}
			default:
				out = append(out, problem{d.Pos(), "a " + d.Tok.String() + " declaration"})
			}
		case *ast.FuncDecl:
			switch {
			case d.Recv != nil:
				out = append(out, problem{d.Pos(), "method " + d.Name.Name})
			case d.Type.Params.NumFields() > 0 || d.Type.TypeParams != nil:
				out = append(out, problem{d.Pos(), "function " + d.Name.Name + " takes arguments"})
			case len(d.Body.List) != 1:
				out = append(out, problem{d.Pos(), "function " + d.Name.Name + " does more than return a value"})
			default:
				ret, ok := d.Body.List[0].(*ast.ReturnStmt)
				if !ok {
					out = append(out, problem{d.Pos(), "function " + d.Name.Name + " does more than return a value"})
					break
				}
				for _, r := range ret.Results {
					if !isData(r) {
						out = append(out, problem{r.Pos(), "function " + d.Name.Name + " returns a value computed by code"})
					}
				}
			}
		}
	}
	return out
}

func TestDataProblems(t *testing.T) {
	cases := []struct {
		name, src string
		ok        bool
	}{
		{"literals", `package p; import "x"; var All = []T{{Name: "a", N: 1 + 2, P: &x.U{V: x.Const, W: -1}}}`, true},
		{"data functions", `package p; func All() []T { return []T{prod()} }; func prod() T { return T{Name: "prod"} }`, true},
		{"a call to code", `package p; import "fmt"; var All = []T{{Name: fmt.Sprint(1)}}`, false},
		{"a function value", `package p; var All = []T{{F: func() {}}}`, false},
		{"a method", `package p; func (T) Name() string { return "x" }`, false},
		{"a type", `package p; type T struct{}`, false},
		{"a function with logic", `package p; func All() T { x := T{}; return x }`, false},
		{"a function with arguments", `package p; func All(n int) T { return T{N: n} }`, false},
		{"a data function called with arguments", `package p; var All = prod(1); func prod() T { return T{} }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parser.ParseFile(token.NewFileSet(), "x.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := dataProblems(f); (len(got) == 0) != tc.ok {
				t.Errorf("problems %v, want ok=%t", got, tc.ok)
			}
		})
	}
}

// sourceFile is one parsed Go file of the module.
type sourceFile struct {
	path string // slash-separated, from the module root
	dir  string // package directory
	file *ast.File
}

func parseModule(t *testing.T) (*token.FileSet, []sourceFile) {
	t.Helper()
	paths, err := SourceFiles(moduleSource)
	if err != nil {
		t.Fatal(err)
	}
	paths = append(paths, DataFiles...)
	fset := token.NewFileSet()
	var out []sourceFile
	for _, p := range paths {
		if !strings.HasSuffix(p, ".go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join("..", "..", p), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sourceFile{path: p, dir: path.Dir(p), file: f})
	}
	return fset, out
}

func importPath(dir string) string {
	if dir == "." {
		return "stratum"
	}
	return "stratum/" + dir
}

// imports returns the import paths of f, by the name they are used under.
func imports(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := path.Base(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		out[name] = p
	}
	return out
}

// forbiddenImports are the packages through which a stack builder could
// read something that is neither code nor its inputs: the environment,
// files, the clock, randomness, the machine. embed is among them because
// embedded files are not in the fingerprint.
var forbiddenImports = []string{
	"crypto/rand", "embed", "hash/maphash", "io/ioutil", "math/rand", "math/rand/v2", "net", "net/http",
	"os", "os/exec", "os/signal", "os/user", "plugin", "runtime", "syscall", "time", "unsafe",
}

// TestBuildersReadOnlyInputs: the packages stacks are built from (the
// module's packages stratum/stacks imports, directly or not) import
// nothing that reads the outside world; no package but a main package
// reads the data files' declarations (a builder that read clients.All
// would depend on every client while its key holds one); and no package
// outside the builders assigns to their variables (a main package setting
// one from a flag would change output the key does not see), except the
// engine's own stand-in hook, which changes no stack's output.
func TestBuildersReadOnlyInputs(t *testing.T) {
	fset, files := parseModule(t)
	byPkg := map[string][]sourceFile{}
	for _, f := range files {
		byPkg[importPath(f.dir)] = append(byPkg[importPath(f.dir)], f)
	}

	builders := map[string]bool{}
	var visit func(string)
	visit = func(pkg string) {
		if builders[pkg] {
			return
		}
		builders[pkg] = true
		for _, f := range byPkg[pkg] {
			for _, p := range imports(f.file) {
				if strings.HasPrefix(p, "stratum/") {
					visit(p)
				}
			}
		}
	}
	visit("stratum/stacks")
	if !builders["stratum/clients"] || !builders["stratum/contract"] {
		t.Fatalf("builder packages %v: the import walk is broken", slices.Sorted(maps.Keys(builders)))
	}

	// The names the data files declare, by package.
	dataNames := map[string]map[string]bool{}
	for _, f := range files {
		if !slices.Contains(DataFiles, f.path) {
			continue
		}
		names := map[string]bool{}
		for _, d := range f.file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				names[d.Name.Name] = true
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if vs, ok := s.(*ast.ValueSpec); ok {
						for _, n := range vs.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
		dataNames[importPath(f.dir)] = names
	}

	for _, f := range files {
		pkg := importPath(f.dir)
		isMain := f.file.Name.Name == "main"
		imps := imports(f.file)
		// Identifiers that name a field, a key or a member, not a value.
		notRef := map[*ast.Ident]bool{}
		ast.Inspect(f.file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				notRef[n.Sel] = true
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					notRef[id] = true
				}
			case *ast.Field:
				for _, id := range n.Names {
					notRef[id] = true
				}
			case *ast.FuncDecl:
				notRef[n.Name] = true
			}
			return true
		})
		if builders[pkg] {
			for _, p := range imps {
				if slices.Contains(forbiddenImports, p) {
					t.Errorf("%s: package %s, which stacks are built from, imports %q; a stack may depend only on code and its inputs (see synth.DataFiles)", f.path, pkg, p)
				}
			}
		}
		ast.Inspect(f.file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				// Commands (generate, pipelines) may read the data to hand it
				// to the stacks as inputs; the packages stacks are built from
				// may not read it behind their inputs' back.
				x, ok := n.X.(*ast.Ident)
				if !ok || isMain || !builders[pkg] {
					return true
				}
				if names := dataNames[imps[x.Name]]; names[n.Sel.Name] {
					t.Errorf("%s: %s.%s read by package %s, which stacks are built from: pass it to the stacks as input instead", fset.Position(n.Pos()), x.Name, n.Sel.Name, pkg)
				}
			case *ast.Ident:
				// A package-level name of the same package (parsed alone,
				// the file leaves it unresolved).
				if !isMain && n.Obj == nil && !notRef[n] && dataNames[pkg][n.Name] && !slices.Contains(DataFiles, f.path) {
					t.Errorf("%s: %s read outside its data file: pass it to the stacks as input instead", fset.Position(n.Pos()), n.Name)
				}
			case *ast.AssignStmt, *ast.IncDecStmt:
				if builders[pkg] {
					return true
				}
				lhss := []ast.Expr{}
				if a, ok := n.(*ast.AssignStmt); ok {
					lhss = a.Lhs
				} else {
					lhss = append(lhss, n.(*ast.IncDecStmt).X)
				}
				for _, lhs := range lhss {
					sel := packageVar(lhs)
					if sel == nil {
						continue
					}
					x := sel.X.(*ast.Ident)
					if !builders[imps[x.Name]] {
						continue
					}
					t.Errorf("%s: %s assigns %s.%s, a variable of the packages stacks are built from", fset.Position(n.Pos()), pkg, x.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
}

// packageVar returns the pkg.Var an assignment to e writes into (e is
// pkg.Var, or a field, element or pointee of it), or nil.
func packageVar(e ast.Expr) *ast.SelectorExpr {
	for {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			if _, ok := x.X.(*ast.Ident); ok {
				return x
			}
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// TestInputsEncodeEverything: every value a stack builder receives
// reaches the JSON of its inputs — exported fields only, none left out by
// a tag, no functions, channels or interfaces, no custom encoding — and
// the real plan's inputs survive a round trip.
func TestInputsEncodeEverything(t *testing.T) {
	marshaler := reflect.TypeFor[json.Marshaler]()
	textMarshaler := reflect.TypeFor[encoding.TextMarshaler]()
	seen := map[reflect.Type]bool{}
	var check func(path string, typ reflect.Type)
	check = func(path string, typ reflect.Type) {
		if seen[typ] {
			return
		}
		seen[typ] = true
		if typ.Implements(marshaler) || typ.Implements(textMarshaler) || reflect.PointerTo(typ).Implements(marshaler) {
			t.Errorf("%s (%s) has its own JSON encoding, which may drop values", path, typ)
		}
		switch typ.Kind() {
		case reflect.Bool, reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		case reflect.Float32, reflect.Float64:
			// encoding/json writes the shortest form that parses back to
			// the same float, so equal keys mean equal values; NaN and
			// infinities make Marshal fail, which fails the synthesis
			// instead of reusing anything (the round trip below checks
			// the real values).
		case reflect.Pointer, reflect.Slice, reflect.Array:
			check(path+"[]", typ.Elem())
		case reflect.Map:
			if typ.Key().Kind() != reflect.String {
				t.Errorf("%s: map keyed by %s, want string keys", path, typ.Key())
			}
			check(path+"[]", typ.Elem())
		case reflect.Struct:
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					t.Errorf("%s.%s is unexported: JSON leaves it out", path, f.Name)
				}
				if tag := f.Tag.Get("json"); tag == "-" || strings.Contains(tag, ",string") {
					t.Errorf("%s.%s has json tag %q", path, f.Name, tag)
				}
				check(path+"."+f.Name, f.Type)
			}
		default:
			t.Errorf("%s is a %s, which JSON cannot hold", path, typ.Kind())
		}
	}
	check("Inputs", reflect.TypeFor[stacks.Inputs]())

	units, err := stacks.Plan(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range units {
		b, err := json.Marshal(u.Inputs)
		if err != nil {
			t.Fatal(err)
		}
		var back stacks.Inputs
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, u.Inputs) {
			t.Errorf("%s: inputs changed through JSON:\ngot  %+v\nwant %+v", u.Name, back, u.Inputs)
		}
	}
}
