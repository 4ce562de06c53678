package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"stratum/stacks"
)

// Finer cache keys: a stack's key holds the code its builder can reach,
// not all the module's code, so that a change to a construct only one
// layer uses (constructs/vpn: the foundation stacks) leaves the other
// stacks' entries valid.
//
// What a stack's output can depend on, and where each part is in its key:
//
//   - its inputs (stacks.Inputs as JSON) and its name, as before;
//   - everything outside the module's Go code: go.mod, go.sum and
//     package-lock.json (the Go dependencies, the npm packages jsii, cdktf
//     and the generated Kubernetes and Helm bindings come from), the Go
//     toolchain, the build's settings, Node.js and the variables cdktf
//     reads (Environment), the engine's format (cacheFormat);
//   - the module's Go code that runs while the stack is built: its reach.
//
// The reach is computed from the source, declaration by declaration (a
// function, a method, one var, const or type declaration, with its
// file's package clause and imports), as the closure of:
//
//   - roots: the unit's build closure in stacks.Plan (found through the
//     closure's position, which the Go runtime records), the rest of Plan
//     except the other units' build closures, every declaration of the
//     engine (this package), and the init-time code of every package the
//     builders are made of (their var declarations and init functions);
//   - references: a name of the same package, pkg.Name of another package
//     of the module (over-approximated: every identifier spelled like a
//     package-level declaration counts);
//   - a type brings all its methods (an interface call may reach any of
//     them; a value's type is always named somewhere in the code that
//     made the value);
//   - a package-level variable brings every declaration that writes it
//     (assigns it or an element or field of it, takes its address, or
//     passes it to a standard function that changes it).
//
// What the reach cannot see is guarded by tests (sound_test.go): that
// builders read nothing but code and their inputs (no files, environment,
// clock, randomness or embedded files), that no code outside the builder
// packages changes their variables or calls their functions that do, and
// that a stack's output does not depend on the other stacks built in the
// same app (each stack synthesized alone is byte for byte the plain
// synthesis's). TestFinerKeys checks which stacks a change to one package
// invalidates, and TestFinerKeysEndToEnd rebuilds the program after a
// change to constructs/vpn and compares its output with a plain
// synthesis.

// enginePackage is this package's import path: all of it is in every
// stack's reach.
const enginePackage = "stratum/tools/synth"

// decl is one top-level declaration of the module's Go code.
type decl struct {
	pkg  string
	file string
	node ast.Decl
	// text is the declaration's source, header its file's package clause
	// and imports (what its names resolve against).
	text, header string
	// imps maps its file's import names to the module's packages.
	imps map[string]string
	// refs are the package-level names it mentions, as pkg.Name, outside
	// the units' build closures.
	refs []string
	// types and vars are the names of the types and variables it
	// declares; initTime is set for var declarations and init functions.
	types, vars []string
	initTime    bool
}

// declGraph is the module's declarations and their relations.
type declGraph struct {
	decls []*decl
	// byName maps pkg.Name to the declarations declaring it.
	byName map[string][]int
	// methods maps pkg.Type to its method declarations.
	methods map[string][]int
	// writers maps pkg.Var to the declarations that write it (see writes).
	writers map[string][]int
	// vars lists each package's package-level variables.
	vars map[string]map[string]bool
	// files maps a module-relative file to its parsed form and source.
	files map[string]*parsedFile
	// own lists each package's package-level names.
	own map[string]map[string]bool
}

type parsedFile struct {
	pkg  string
	ast  *ast.File
	fset *token.FileSet
	src  []byte
}

// parseMemo, when set, keeps each file's parse by name and content, so
// that a process computing reach many times over the same source parses
// each file once; the graph only reads the trees. The engine's tests set
// it (about thirty computations); a stratum process computes reach once,
// and keeps nothing.
var parseMemo *sync.Map // parseKey → parsedTree

type parseKey struct {
	name string
	sum  [sha256.Size]byte
}

type parsedTree struct {
	ast  *ast.File
	fset *token.FileSet
}

// parseGo parses one file of the source (name, contents b).
func parseGo(name string, b []byte) (*ast.File, *token.FileSet, error) {
	var key parseKey
	if parseMemo != nil {
		key = parseKey{name, sha256.Sum256(b)}
		if t, ok := parseMemo.Load(key); ok {
			return t.(parsedTree).ast, t.(parsedTree).fset, nil
		}
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, b, parser.SkipObjectResolution)
	if err == nil && parseMemo != nil {
		parseMemo.Store(key, parsedTree{f, fset})
	}
	return f, fset, err
}

// newDeclGraph parses the Go files of src that the fingerprint covers.
func newDeclGraph(src fs.FS) (*declGraph, error) {
	names, err := SourceFiles(src)
	if err != nil {
		return nil, err
	}
	g := &declGraph{byName: map[string][]int{}, methods: map[string][]int{}, writers: map[string][]int{}, files: map[string]*parsedFile{},
		own: map[string]map[string]bool{}, vars: map[string]map[string]bool{}}
	pkgNames := g.own
	for _, name := range names {
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		b, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, err
		}
		f, fset, err := parseGo(name, b)
		if err != nil {
			return nil, err
		}
		if f.Name.Name == "main" {
			continue // no package imports a main package
		}
		pkg := "stratum"
		if d := path.Dir(name); d != "." {
			pkg += "/" + d
		}
		g.files[name] = &parsedFile{pkg: pkg, ast: f, fset: fset, src: b}
		if pkgNames[pkg] == nil {
			pkgNames[pkg] = map[string]bool{}
		}
		if g.vars[pkg] == nil {
			g.vars[pkg] = map[string]bool{}
		}
		for _, d := range f.Decls {
			for _, n := range declaredNames(d) {
				pkgNames[pkg][n] = true
			}
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.VAR {
				for _, n := range declaredNames(d) {
					g.vars[pkg][n] = true
				}
			}
		}
	}
	files := make([]string, 0, len(g.files))
	for name := range g.files {
		files = append(files, name)
	}
	sort.Strings(files)
	for _, name := range files {
		pf := g.files[name]
		imps := map[string]string{}
		for _, im := range pf.ast.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			n := path.Base(p)
			switch {
			case im.Name != nil && (im.Name.Name == "." || im.Name.Name == "_"):
				if im.Name.Name == "." && (p == "stratum" || strings.HasPrefix(p, "stratum/")) {
					return nil, fmt.Errorf("%s: a dot import of %s hides which names it uses", name, p)
				}
				continue
			case im.Name != nil:
				n = im.Name.Name
			}
			if p == "stratum" || strings.HasPrefix(p, "stratum/") {
				imps[n] = p
			}
		}
		header := string(pf.src[:pf.fset.Position(headerEnd(pf.ast)).Offset])
		for _, d := range pf.ast.Decls {
			x := &decl{pkg: pf.pkg, file: name, node: d, header: header, imps: imps,
				text: string(pf.src[pf.fset.Position(d.Pos()).Offset:pf.fset.Position(d.End()).Offset])}
			i := len(g.decls)
			g.decls = append(g.decls, x)
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					typ := receiverType(d)
					g.methods[pf.pkg+"."+typ] = append(g.methods[pf.pkg+"."+typ], i)
					g.byName[pf.pkg+"."+typ+"."+d.Name.Name] = append(g.byName[pf.pkg+"."+typ+"."+d.Name.Name], i)
					continue
				}
				x.initTime = d.Name.Name == "init"
				g.byName[pf.pkg+"."+d.Name.Name] = append(g.byName[pf.pkg+"."+d.Name.Name], i)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						x.types = append(x.types, s.Name.Name)
					case *ast.ValueSpec:
						if d.Tok == token.VAR {
							x.initTime = true
							for _, n := range s.Names {
								x.vars = append(x.vars, n.Name)
							}
						}
					}
				}
				for _, n := range declaredNames(d) {
					g.byName[pf.pkg+"."+n] = append(g.byName[pf.pkg+"."+n], i)
				}
			}
		}
	}
	return g, nil
}

// resolve computes every declaration's references, leaving out those
// inside the nodes of skip (the units' build closures), and which
// declarations write each package-level variable.
func (g *declGraph) resolve(skip map[ast.Node]bool) {
	for i, d := range g.decls {
		d.refs = g.refsOf(d, d.node, skip)
		for _, w := range g.writes(d, false) {
			g.writers[w.name] = append(g.writers[w.name], i)
		}
	}
}

// A write is a package-level variable a declaration may change, and how.
type write struct {
	name string // pkg.Var
	pos  token.Pos
	how  string
}

// mutators are the standard functions that change a slice or map passed
// to them, by the index of that argument.
var mutators = map[string]int{
	"delete": 0, "clear": 0, "copy": 0,
	"sort.Strings": 0, "sort.Ints": 0, "sort.Float64s": 0, "sort.Sort": 0, "sort.Stable": 0, "sort.Slice": 0, "sort.SliceStable": 0,
	"slices.Sort": 0, "slices.SortFunc": 0, "slices.SortStableFunc": 0, "slices.Reverse": 0,
	"maps.Copy": 0, "maps.DeleteFunc": 0,
}

// writes lists the package-level variables of the module d may change
// outside its own declaration: the target of an assignment, of ++ or --,
// of &, of a standard function that changes its argument (mutators), and,
// with calls, the receiver of a method called on it (a mutex's Lock, a
// registry's Add), through fields, elements and pointers.
func (g *declGraph) writes(d *decl, calls bool) []write {
	var out []write
	root := func(e ast.Expr, pos token.Pos, how string) {
		id, first := exprRoot(e)
		if id == nil {
			return
		}
		if p, ok := d.imps[id.Name]; ok {
			if g.vars[p][first] {
				out = append(out, write{p + "." + first, pos, how})
			}
		} else if g.vars[d.pkg][id.Name] {
			out = append(out, write{d.pkg + "." + id.Name, pos, how})
		}
	}
	body := ast.Node(d.node)
	if gd, ok := d.node.(*ast.GenDecl); ok {
		if gd.Tok != token.VAR {
			return nil
		}
		// A variable's own initializer writes only itself; what the
		// functions it calls write is theirs.
		body = &ast.BlockStmt{}
		for _, s := range gd.Specs {
			for _, v := range s.(*ast.ValueSpec).Values {
				ast.Inspect(v, func(n ast.Node) bool {
					if fl, ok := n.(*ast.FuncLit); ok {
						body.(*ast.BlockStmt).List = append(body.(*ast.BlockStmt).List, fl.Body)
						return false
					}
					return true
				})
			}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				root(l, n.Pos(), "assigned")
			}
		case *ast.IncDecStmt:
			root(n.X, n.Pos(), "incremented")
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				root(n.X, n.Pos(), "its address taken")
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				if n.Key != nil {
					root(n.Key, n.Pos(), "assigned by range")
				}
				if n.Value != nil {
					root(n.Value, n.Pos(), "assigned by range")
				}
			}
		case *ast.CallExpr:
			name := ""
			switch f := n.Fun.(type) {
			case *ast.Ident:
				name = f.Name
			case *ast.SelectorExpr:
				if id, ok := f.X.(*ast.Ident); ok {
					name = id.Name + "." + f.Sel.Name
					if _, imported := d.imps[id.Name]; !imported && calls {
						root(f.X, n.Pos(), "a method called on it")
					}
				} else if calls {
					root(f.X, n.Pos(), "a method called on it")
				}
			}
			if i, ok := mutators[name]; ok && i < len(n.Args) {
				root(n.Args[i], n.Pos(), "changed by "+name)
			}
		}
		return true
	})
	return out
}

// headerEnd is where a file's package clause and imports end.
func headerEnd(f *ast.File) token.Pos {
	end := f.Name.End()
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			end = gd.End()
		}
	}
	return end
}

// declaredNames are the package-level names d declares (not methods).
func declaredNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil && d.Name.Name != "init" && d.Name.Name != "_" {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name != "_" {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return out
}

// receiverType is the name of a method's receiver's base type.
func receiverType(d *ast.FuncDecl) string {
	if id, _ := exprRoot(d.Recv.List[0].Type); id != nil {
		return id.Name
	}
	return ""
}

// refsOf lists the package-level names node (part of d) mentions, outside
// the nodes of skip: identifiers spelled like a name of d's package, and
// imp.Name of the module's packages d's file imports.
func (g *declGraph) refsOf(d *decl, node ast.Node, skip map[ast.Node]bool) []string {
	own := g.own[d.pkg]
	seen := map[string]bool{}
	ast.Inspect(node, func(n ast.Node) bool {
		if skip[n] {
			return false
		}
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok {
				if p, ok := d.imps[x.Name]; ok {
					seen[p+"."+n.Sel.Name] = true
				}
			}
		case *ast.Ident:
			if own[n.Name] {
				seen[d.pkg+"."+n.Name] = true
			}
		}
		return true
	})
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// exprRoot returns the identifier an expression is reached from through
// fields, elements, slices, pointers, type arguments and parentheses (x of
// x.f[i].g, T of *T[K]), or nil, and the name of the first field selected from it ("f"; for pkg.V,
// "V").
func exprRoot(e ast.Expr) (*ast.Ident, string) {
	first := ""
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		case *ast.SelectorExpr:
			first = x.Sel.Name
			e = x.X
		case *ast.Ident:
			return x, first
		default:
			return nil, ""
		}
	}
}

// builderPackages are the module's packages stratum/stacks imports,
// directly or not, and stacks itself.
func (g *declGraph) builderPackages() map[string]bool {
	imports := map[string]map[string]bool{}
	for _, pf := range g.files {
		if imports[pf.pkg] == nil {
			imports[pf.pkg] = map[string]bool{}
		}
		for _, im := range pf.ast.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, "stratum/") {
				imports[pf.pkg][p] = true
			}
		}
	}
	out := map[string]bool{}
	var visit func(string)
	visit = func(p string) {
		if out[p] {
			return
		}
		out[p] = true
		for q := range imports[p] {
			visit(q)
		}
	}
	visit("stratum/stacks")
	return out
}

// closure returns the declarations reachable from roots, in source order.
func (g *declGraph) closure(roots []int) []int {
	in := make([]bool, len(g.decls))
	var work []int
	add := func(is ...int) {
		for _, i := range is {
			if !in[i] {
				in[i] = true
				work = append(work, i)
			}
		}
	}
	add(roots...)
	for len(work) > 0 {
		d := g.decls[work[len(work)-1]]
		work = work[:len(work)-1]
		for _, r := range d.refs {
			add(g.byName[r]...)
		}
		for _, t := range d.types {
			add(g.methods[d.pkg+"."+t]...)
		}
		for _, v := range d.vars {
			add(g.writers[d.pkg+"."+v]...)
		}
	}
	var out []int
	for i, ok := range in {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// reach is the finer key's code part of every unit.
type reach struct {
	// code[i] is the digest of unit i's reach.
	code []string
	// decls[i] are unit i's reachable declarations, as pkg.Name, for tests
	// and messages.
	decls [][]string
}

// computeReach computes every unit's reach in src. It fails when a
// unit's build closure cannot be found in src (src is not the source the
// program was built from) or src is outside the rules above; the engine
// then falls back to the whole fingerprint.
func computeReach(src fs.FS, units []stacks.Unit) (*reach, error) {
	g, err := newDeclGraph(src)
	if err != nil {
		return nil, err
	}
	builders := g.builderPackages()
	var common []int
	for i, d := range g.decls {
		if d.pkg == enginePackage || (d.initTime && builders[d.pkg]) {
			common = append(common, i)
		}
	}
	// Each unit's build closure, and the declaration holding it.
	type closureOf struct {
		holder int
		lit    *ast.FuncLit
	}
	lits := make([][]closureOf, len(units))
	skip := map[ast.Node]bool{}
	// A plan's thousands of units are built by a handful of closures (one
	// per row of the stack list): each position is looked up in the
	// source once.
	type position struct {
		file string
		line int
	}
	found := map[position][]closureOf{}
	for u, unit := range units {
		file, line, err := buildPosition(unit)
		if err != nil {
			return nil, err
		}
		if l, ok := found[position{file, line}]; ok {
			lits[u] = l
			continue
		}
		rel, pf := g.fileBySuffix(file)
		if pf == nil {
			return nil, fmt.Errorf("the build closure of %s is in %s, which is not in the source", unit.Name, file)
		}
		for i, d := range g.decls {
			if d.file != rel {
				continue
			}
			ast.Inspect(d.node, func(n ast.Node) bool {
				if fl, ok := n.(*ast.FuncLit); ok && pf.fset.Position(fl.Pos()).Line == line {
					lits[u] = append(lits[u], closureOf{i, fl})
					skip[fl] = true
				}
				return true
			})
		}
		if len(lits[u]) == 0 {
			return nil, fmt.Errorf("the build closure of %s (%s:%d) is not in the source", unit.Name, rel, line)
		}
		found[position{file, line}] = lits[u]
	}
	g.resolve(skip)
	for _, l := range lits {
		for _, c := range l {
			if !slices.Contains(common, c.holder) {
				common = append(common, c.holder)
			}
		}
	}
	r := &reach{code: make([]string, len(units)), decls: make([][]string, len(units))}
	memo := map[*ast.FuncLit]int{} // a closure → the first unit built by it
	for u := range units {
		if j, ok := memo[lits[u][0].lit]; ok && len(lits[u]) == 1 {
			r.code[u], r.decls[u] = r.code[j], r.decls[j]
			continue
		}
		memo[lits[u][0].lit] = u
		roots := slices.Clone(common)
		for _, c := range lits[u] {
			for _, ref := range g.refsOf(g.decls[c.holder], c.lit, nil) {
				roots = append(roots, g.byName[ref]...)
			}
		}
		h := sha256.New()
		for _, i := range g.closure(roots) {
			d := g.decls[i]
			fmt.Fprintf(h, "%s\x00%d\x00%s\x00%d\x00%s\x00", d.file, len(d.header), d.header, len(d.text), d.text)
			r.decls[u] = append(r.decls[u], d.pkg+"."+declLabel(d.node))
		}
		r.code[u] = hex.EncodeToString(h.Sum(nil))
	}
	return r, nil
}

// declLabel names a declaration for messages: its names, Type.Method for
// a method.
func declLabel(d ast.Decl) string {
	if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
		return receiverType(fd) + "." + fd.Name.Name
	}
	if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "init" {
		return "init"
	}
	return strings.Join(declaredNames(d), ",")
}

// fileBySuffix finds the source file a compiled file name names: the
// module-relative path is a suffix of it (an absolute path, or
// stratum/<path> under -trimpath).
func (g *declGraph) fileBySuffix(file string) (string, *parsedFile) {
	file = strings.ReplaceAll(file, "\\", "/")
	best := ""
	for rel := range g.files {
		if (file == rel || strings.HasSuffix(file, "/"+rel)) && len(rel) > len(best) {
			best = rel
		}
	}
	if best == "" {
		return "", nil
	}
	return best, g.files[best]
}

// buildPosition is the file and line of a unit's build closure, as the Go
// runtime records them.
func buildPosition(u stacks.Unit) (string, int, error) {
	f := reflect.ValueOf(u).FieldByName("build")
	if !f.IsValid() || f.Kind() != reflect.Func || f.IsNil() {
		return "", 0, errors.New("stacks.Unit has no build function to locate")
	}
	fn := runtime.FuncForPC(f.Pointer())
	if fn == nil {
		return "", 0, fmt.Errorf("no function at the build closure of %s", u.Name)
	}
	file, line := fn.FileLine(fn.Entry())
	return file, line, nil
}
