package synth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// moduleCopy is the part of the module the keys are computed from, in
// memory, for editing.
func moduleCopy(t *testing.T) fstest.MapFS {
	t.Helper()
	files, err := SourceFiles(moduleSource)
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for _, f := range append(files, DataFiles...) {
		b, err := fs.ReadFile(moduleSource, f)
		if err != nil {
			t.Fatal(err)
		}
		m[f] = &fstest.MapFile{Data: b}
	}
	return m
}

// editFunc inserts a statement at the start of the body of function (or
// method Type.Method) name in file: a change to that declaration only,
// which moves no line of any other file.
func editFunc(t *testing.T, m fstest.MapFS, file, name string) {
	t.Helper()
	src := m[file].Data
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || declLabel(fd) != name {
			continue
		}
		at := int(fd.Body.Lbrace) // token.Pos of a lone file is its offset + 1
		m[file] = &fstest.MapFile{Data: slices.Concat(src[:at], []byte(" _ = 0;"), src[at:])}
		return
	}
	t.Fatalf("%s: no function %s", file, name)
}

// TestFinerKeys: a change to code invalidates exactly the stacks whose
// builders reach it, and a change to what every stack depends on
// invalidates every stack.
func TestFinerKeys(t *testing.T) {
	t.Parallel()
	envs := config.Environments()
	units, inputs, err := planOf(envs, clients.All)
	if err != nil {
		t.Fatal(err)
	}
	keys := func(t *testing.T, src fs.FS) []string {
		t.Helper()
		code, err := identify(src)
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		k := unitKeys(Options{Source: src, Stderr: &stderr}, code, units, inputs)
		if stderr.Len() > 0 {
			t.Logf("%s", stderr.String())
		}
		return k
	}
	base := keys(t, moduleCopy(t))
	layer := func(prefix ...string) []string {
		var out []string
		for _, u := range units {
			for _, p := range prefix {
				if strings.HasPrefix(u.Name, p) {
					out = append(out, u.Name)
				}
			}
		}
		return out
	}
	all := layer("")
	cases := []struct {
		name string
		edit func(fstest.MapFS)
		want []string
	}{
		{"constructs/vpn, which only foundation stacks use", func(m fstest.MapFS) { editFunc(t, m, "constructs/vpn/vpn.go", "New") }, layer("foundation-")},
		{"constructs/namespace, which only client stacks use", func(m fstest.MapFS) { editFunc(t, m, "constructs/namespace/namespace.go", "New") }, layer("client-")},
		{"constructs/bucket, used by bootstrap, audit and client stacks", func(m fstest.MapFS) { editFunc(t, m, "constructs/bucket/bucket.go", "New") }, layer("bootstrap-", "audit-", "client-")},
		{"constructs/trail, which only audit stacks use", func(m fstest.MapFS) { editFunc(t, m, "constructs/trail/trail.go", "New") }, layer("audit-")},
		{"the client stack's builder", func(m fstest.MapFS) { editFunc(t, m, "stacks/client.go", "NewClient") }, layer("client-")},
		{"the database stack's builder", func(m fstest.MapFS) { editFunc(t, m, "stacks/databases.go", "NewDatabase") }, layer("database-")},
		{"the SSM contract, which every stack uses", func(m fstest.MapFS) { editFunc(t, m, "contract/parameter.go", "String.Import") }, all},
		{"the engine", func(m fstest.MapFS) { editFunc(t, m, "tools/synth/synth.go", "Run") }, all},
		{"the plan (its lines move: the keys fall back to all the code)", func(m fstest.MapFS) { editFunc(t, m, "stacks/plan.go", "Plan") }, all},
		{"go.sum", func(m fstest.MapFS) {
			m["go.sum"] = &fstest.MapFile{Data: append(slices.Clone(m["go.sum"].Data), "x v1 h1:y\n"...)}
		}, all},
		{"package-lock.json", func(m fstest.MapFS) {
			m["package-lock.json"] = &fstest.MapFile{Data: append(slices.Clone(m["package-lock.json"].Data), ' ')}
		}, all},
		{"the clients' data (reaches stacks through their inputs)", func(m fstest.MapFS) {
			m["clients/clients.go"] = &fstest.MapFile{Data: append(slices.Clone(m["clients/clients.go"].Data), "\n// a comment\n"...)}
		}, nil},
		{"code no builder reaches", func(m fstest.MapFS) { editFunc(t, m, "tools/stackgraph/graph.go", "Load") }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := moduleCopy(t)
			tc.edit(m)
			got := keys(t, m)
			var changed []string
			for i, u := range units {
				if got[i] != base[i] {
					changed = append(changed, u.Name)
				}
			}
			if !slices.Equal(changed, tc.want) {
				t.Errorf("invalidated %v, want %v", changed, tc.want)
			}
		})
	}
}

// builderStateWriters are the variables of the packages stacks are built
// from that functions may write, and why that is sound: the reach of a
// stack includes every declaration that writes a variable it reaches.
var builderStateWriters = map[string]string{
	"stratum/contract.declared":                "the contract's registry, filled by the declarations at init",
	"stratum/constructs/awscontext.contexts":   "each stack's context, keyed by its stack",
	"stratum/constructs/awscontext.contextsMu": "guards contexts",
}

// TestBuilderStateIsWrittenOnlyWhereKnown: no code of the module writes
// a variable of the packages stacks are built from after init, except
// builderStateWriters, and methods are called only on variables whose
// methods change nothing (compiled regular expressions, tables whose
// methods have value receivers and write nothing through them). A write
// elsewhere could change a stack's output from code its reach does not
// hold.
func TestBuilderStateIsWrittenOnlyWhereKnown(t *testing.T) {
	g, err := newDeclGraph(moduleSource)
	if err != nil {
		t.Fatal(err)
	}
	builders := g.builderPackages()
	for _, d := range g.decls {
		for _, w := range g.writes(d, true) {
			pkg := w.name[:strings.LastIndex(w.name, ".")]
			if !builders[pkg] {
				continue
			}
			pos := g.files[d.file].fset.Position(w.pos)
			if w.how == "a method called on it" {
				if why := readOnlyVar(g, w.name); why != "" {
					t.Errorf("%s: %s.%s calls a method of %s, whose methods may change it (%s)", pos, d.pkg, declLabel(d.node), w.name, why)
				}
				continue
			}
			if _, ok := builderStateWriters[w.name]; !ok {
				t.Errorf("%s: %s.%s: %s is %s; the stacks' builders must not change package state (see tools/synth/reach.go)", pos, d.pkg, declLabel(d.node), w.name, w.how)
			}
		}
	}
}

// readOnlyVar says why calling methods on the variable name (pkg.Var)
// may change it, or "" if it cannot.
func readOnlyVar(g *declGraph, name string) string {
	if _, ok := builderStateWriters[name]; ok {
		return ""
	}
	for _, i := range g.byName[name] {
		gd, ok := g.decls[i].node.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if !slices.ContainsFunc(vs.Names, func(n *ast.Ident) bool { return g.decls[i].pkg+"."+n.Name == name }) || len(vs.Values) != 1 {
				continue
			}
			d := g.decls[i]
			var typ string
			switch v := vs.Values[0].(type) {
			case *ast.CallExpr:
				if sel, ok := v.Fun.(*ast.SelectorExpr); ok && fmt.Sprint(sel.X) == "regexp" && sel.Sel.Name == "MustCompile" {
					return "" // a *regexp.Regexp is safe for concurrent use: no method changes it
				}
				// A constructor of the module: the type it returns.
				if id, ok := v.Fun.(*ast.Ident); ok {
					typ = resultType(g, d.pkg+"."+id.Name)
				}
			case *ast.CompositeLit:
				switch t := v.Type.(type) {
				case *ast.Ident:
					typ = d.pkg + "." + t.Name
				case *ast.SelectorExpr:
					if p, ok := d.imps[fmt.Sprint(t.X)]; ok {
						typ = p + "." + t.Sel.Name
					}
				}
			}
			if typ == "" {
				return "its value is neither a regular expression nor a value of a type of the module"
			}
			return readOnlyMethods(g, typ)
		}
	}
	return "its declaration was not found"
}

// resultType is the type (pkg.Type) the function fn (pkg.Func) returns,
// if it returns one named type of its package.
func resultType(g *declGraph, fn string) string {
	for _, i := range g.byName[fn] {
		fd, ok := g.decls[i].node.(*ast.FuncDecl)
		if !ok || fd.Type.Results == nil || len(fd.Type.Results.List) != 1 {
			continue
		}
		if id, ok := fd.Type.Results.List[0].Type.(*ast.Ident); ok {
			return g.decls[i].pkg + "." + id.Name
		}
	}
	return ""
}

// readOnlyMethods says why a method of typ (pkg.Type), or of a type it
// embeds, may change its value, or "" if none can: every method has a
// value receiver and writes nothing through it.
func readOnlyMethods(g *declGraph, typ string) string {
	pkg := typ[:strings.LastIndex(typ, ".")]
	// The fields through which a returned value shares the receiver's
	// memory: slices, maps, pointers.
	shared := map[string]bool{}
	for _, i := range g.byName[typ] {
		if gd, ok := g.decls[i].node.(*ast.GenDecl); ok {
			for _, s := range gd.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && pkg+"."+ts.Name.Name == typ {
					if st, ok := ts.Type.(*ast.StructType); ok {
						for _, f := range st.Fields.List {
							switch t := f.Type.(type) {
							case *ast.MapType, *ast.StarExpr:
							case *ast.ArrayType:
								if t.Len != nil {
									continue
								}
							default:
								continue
							}
							for _, n := range f.Names {
								shared[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	for _, m := range g.methods[typ] {
		fd := g.decls[m].node.(*ast.FuncDecl)
		if _, ptr := fd.Recv.List[0].Type.(*ast.StarExpr); ptr {
			return "method " + fd.Name.Name + " has a pointer receiver"
		}
		if len(fd.Recv.List[0].Names) == 0 {
			continue
		}
		if w := receiverWrites(fd, fd.Recv.List[0].Names[0].Name, shared); w != "" {
			return "method " + fd.Name.Name + " " + w
		}
	}
	for _, i := range g.byName[typ] {
		gd, ok := g.decls[i].node.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			ts, ok := s.(*ast.TypeSpec)
			if !ok || pkg+"."+ts.Name.Name != typ {
				continue
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				for _, f := range st.Fields.List {
					if id, ok := f.Type.(*ast.Ident); ok && len(f.Names) == 0 {
						if why := readOnlyMethods(g, pkg+"."+id.Name); why != "" {
							return why
						}
					}
				}
			}
		}
	}
	return ""
}

// sharing reports whether e, an expression rooted at the receiver recv,
// shares memory with it: the receiver itself when it has shared fields,
// or something reached through one of them.
func sharing(e ast.Expr, recv string, shared map[string]bool) bool {
	if _, first := exprRoot(e); first != "" {
		return shared[first]
	}
	return len(shared) > 0
}

// readers are the standard functions known not to change the slices and
// maps passed to them.
var readers = map[string]bool{
	"len": true, "cap": true, "slices.Index": true, "slices.IndexFunc": true, "slices.Contains": true,
	"slices.ContainsFunc": true, "slices.Clone": true, "slices.Equal": true, "maps.Clone": true, "maps.Keys": true,
	"maps.Values": true, "strings.Join": true,
}

// receiverWrites says how fd writes through its receiver recv, or lets
// its caller do so by returning one of its shared fields, or "".
func receiverWrites(fd *ast.FuncDecl, recv string, shared map[string]bool) string {
	rooted := func(e ast.Expr) bool {
		id, _ := exprRoot(e)
		return id != nil && id.Name == recv
	}
	how := ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if rooted(l) {
					how = "assigns through its receiver"
				}
			}
		case *ast.IncDecStmt:
			if rooted(n.X) {
				how = "increments through its receiver"
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND && rooted(n.X) {
				how = "takes an address inside its receiver"
			}
		case *ast.CallExpr:
			for _, a := range n.Args {
				if rooted(a) && sharing(a, recv, shared) {
					// Passing the receiver's slices or maps on lets the
					// callee change them, unless it is one of readers.
					name := ""
					switch f := n.Fun.(type) {
					case *ast.Ident:
						name = f.Name
					case *ast.SelectorExpr:
						name = fmt.Sprint(f.X) + "." + f.Sel.Name
					}
					if !readers[name] {
						how = "passes its receiver's contents to " + name
					}
				}
			}
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if sel, ok := r.(*ast.SelectorExpr); ok && rooted(sel) && shared[sel.Sel.Name] {
					how = "returns its receiver's " + sel.Sel.Name + ", which callers could change"
				}
			}
		}
		return how == ""
	})
	return how
}

// TestEachStackAlone: every stack synthesized alone, in its own app with
// stand-ins for its producers, is byte for byte what the plain synthesis
// of all of them writes. So no stack's output depends on the code of
// another stack's builder having run in the same process, which the
// finer keys rely on (a stack's key holds only its own builder's reach).
func TestEachStackAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes every stack once more with jsii; runs without -short")
	}
	envs := config.Environments()
	plain := referenceSynth(t)
	units, err := stacks.Plan(envs, clients.All)
	if err != nil {
		t.Fatal(err)
	}
	for i, u := range units {
		dir := filepath.Join(t.TempDir(), u.Name)
		if _, err := synthesizeHere(units, []int{i}, dir); err != nil {
			t.Fatalf("%s alone: %v", u.Name, err)
		}
		want := readTree(t, filepath.Join(plain, "stacks", u.Name))
		got := readTree(t, filepath.Join(dir, "stacks", u.Name))
		for p, f := range want {
			if !bytes.Equal(got[p].data, f.data) {
				t.Errorf("%s synthesized alone: %s differs from the plain synthesis's", u.Name, p)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s synthesized alone: %d files, the plain synthesis %d", u.Name, len(got), len(want))
		}
	}
}

// TestFinerKeysEndToEnd: the real program, rebuilt after a change to
// constructs/vpn that changes the foundation stacks' Terraform, reuses
// every other stack from the cache the unchanged program filled, and
// writes exactly what a plain one-process synthesis of the changed code
// writes.
func TestFinerKeysEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program twice and synthesizes every stack three times; runs without -short")
	}
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		writeFiles(t, work, map[string]string{f: string(b)})
	}
	for _, d := range []string{"node_modules", ".gen"} {
		if err := os.Symlink(filepath.Join(root, d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	// The programs are built in this module's own directory, with the
	// copy's changed files laid over it (go build -overlay), and run in the
	// copy, whose source (the change included) is what the engine
	// fingerprints. Built in the copy, every package of the module and of
	// the generated bindings compiled again, as the Go build cache keys a
	// package by its directory; built here, only the changed package and
	// those importing it are, and the rest comes from the cache.
	overlay := map[string]string{}
	build := func(name string, pkgs ...string) string {
		t.Helper()
		bin := filepath.Join(work, ".bin", name)
		args := []string{"build", "-o", bin}
		if len(overlay) > 0 {
			b, err := json.Marshal(map[string]any{"Replace": overlay})
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "overlay.json")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			args = append(args, "-overlay", file)
		}
		cmd := exec.Command("go", append(args, pkgs...)...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %v: %v\n%s", pkgs, err, b)
		}
		return bin
	}
	cache := filepath.Join(work, ".cache", "synth")
	run := func(bin, outdir string, env ...string) string {
		t.Helper()
		cmd := exec.Command(bin)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), append(env, "CDKTF_OUTDIR="+outdir)...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", bin, err, b)
		}
		return string(b)
	}
	before := build("stratum-before", ".")
	run(before, filepath.Join(work, "out-before"), CacheEnv+"="+cache)

	// The change: the wording of the VPN tunnel alarm's description, which
	// only the foundation stacks hold.
	vpnFile := filepath.Join(work, "constructs", "vpn", "vpn.go")
	b, err := os.ReadFile(vpnFile)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "has been down for 15 minutes", "has been down for fifteen minutes", 1)
	if changed == string(b) {
		t.Fatal("constructs/vpn/vpn.go no longer holds the string this test changes; pick another")
	}
	writeFiles(t, work, map[string]string{"constructs/vpn/vpn.go": changed})
	overlay[filepath.Join(root, "constructs", "vpn", "vpn.go")] = vpnFile
	after := build("stratum-after", ".")
	log := run(after, filepath.Join(work, "out-after"), CacheEnv+"="+cache)
	units, err := stacks.Plan(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	var want int
	for _, u := range units {
		if strings.HasPrefix(u.Name, "foundation-") {
			want++
		}
	}
	if !strings.Contains(log, fmt.Sprintf(": %d synthesized", want)) {
		t.Errorf("after the change to constructs/vpn: %s; want the %d foundation stacks synthesized and every other stack from the cache", strings.TrimSpace(log), want)
	}
	scale := build("scale", "./tools/bench/scale")
	cmd := exec.Command(scale, "-clients", "0", "-plain")
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "CDKTF_OUTDIR="+filepath.Join(work, "out-plain"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("plain synthesis: %v\n%s", err, b)
	}
	sameTree(t, filepath.Join(work, "out-plain"), filepath.Join(work, "out-after"))
	if bytes.Equal(readTree(t, filepath.Join(work, "out-before"))["stacks/foundation-prod/cdk.tf.json"].data,
		readTree(t, filepath.Join(work, "out-after"))["stacks/foundation-prod/cdk.tf.json"].data) {
		t.Error("the change to constructs/vpn did not change foundation-prod; the test proves nothing")
	}
}
