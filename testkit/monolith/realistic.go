package monolith

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"stratum/tools/tfstate"
)

// Realistic is a monolith built from the real stacks of one environment:
// every resource of every stack but bootstrap (read from the golden
// files, which are the synthesized cdk.tf.json) as one hand-written
// configuration of the original layout holds it in one state — a module
// per layer and one per client (module.network, module.eks,
// module.addons, module.database["<client>"], module.client["<client>"]),
// resources named by their type and, where a module has several of a
// type, count or for_each instances (every other type counted, the rest
// keyed by their construct's name) — with the attributes a provider
// records: the configuration's literal values, each reference filled in
// with the value of the object it names (SSM contract reads followed to
// the parameter another stack writes), tags_all with the provider's
// default tags, and ids and ARNs.
type Realistic struct {
	State *tfstate.State
	// Truth is, per source instance address, the stack:address it was
	// generated from: what a correct migration maps it to.
	Truth map[string]string
}

// realRes is one configuration resource of the environment.
type realRes struct {
	stack, typ, name string
	body             map[string]any
	// module and key are its place in the monolith; name "this" or the
	// type's short name.
	module, rname string
	key           any
	attrs         map[string]any
	done          bool
}

// GenerateRealistic builds the realistic monolith of environment env from
// the golden files in snapshots.
func GenerateRealistic(snapshots, env string) (*Realistic, error) {
	files, err := filepath.Glob(filepath.Join(snapshots, "*-"+env+".json"))
	if err != nil {
		return nil, err
	}
	g := &realGen{env: env, byAddr: map[string]*realRes{}, ssm: map[string]*realRes{}, data: map[string]map[string]any{}}
	for _, f := range files {
		stack := strings.TrimSuffix(filepath.Base(f), ".json")
		if strings.HasPrefix(stack, "bootstrap-") {
			continue // its own local state, applied by hand: never in the monolith
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Resource map[string]map[string]map[string]any `json:"resource"`
			Data     map[string]map[string]map[string]any `json:"data"`
			Provider map[string][]map[string]any          `json:"provider"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		g.defaultTags(stack, doc.Provider)
		for typ, byName := range doc.Data {
			for n, body := range byName {
				g.data[stack+":data."+typ+"."+n] = body
			}
		}
		for typ, byName := range doc.Resource {
			for n, body := range byName {
				r := &realRes{stack: stack, typ: typ, name: n, body: body}
				g.byAddr[stack+":"+typ+"."+n] = r
				g.all = append(g.all, r)
				if typ == "aws_ssm_parameter" {
					if name, ok := body["name"].(string); ok {
						g.ssm[name] = r
					}
				}
			}
		}
	}
	if len(g.all) == 0 {
		return nil, fmt.Errorf("%s: no stacks of environment %q", snapshots, env)
	}
	slices.SortFunc(g.all, func(a, b *realRes) int {
		return strings.Compare(a.stack+":"+a.typ+"."+a.name, b.stack+":"+b.typ+"."+b.name)
	})
	g.place()
	for _, r := range g.all {
		g.object(r)
	}
	return g.state(), nil
}

type realGen struct {
	env    string
	all    []*realRes
	byAddr map[string]*realRes
	ssm    map[string]*realRes
	data   map[string]map[string]any
	tags   map[string]map[string]any
}

func (g *realGen) defaultTags(stack string, providers map[string][]map[string]any) {
	if g.tags == nil {
		g.tags = map[string]map[string]any{}
	}
	for _, p := range providers["aws"] {
		if _, alias := p["alias"]; alias {
			continue
		}
		if dts, ok := p["default_tags"].([]any); ok && len(dts) > 0 {
			if m, ok := dts[0].(map[string]any); ok {
				t, _ := m["tags"].(map[string]any)
				g.tags[stack] = t
			}
		}
	}
}

// moduleOf is where a stack's resources sit in the monolith.
func moduleOf(stack, env string) string {
	base := strings.TrimSuffix(stack, "-"+env)
	switch {
	case base == "foundation":
		return "module.network"
	case base == "platform":
		return "module.eks"
	case base == "services":
		return "module.addons"
	case strings.HasPrefix(base, "database-"):
		return fmt.Sprintf("module.database[%q]", strings.TrimPrefix(base, "database-"))
	case strings.HasPrefix(base, "client-"):
		return fmt.Sprintf("module.client[%q]", strings.TrimPrefix(base, "client-"))
	}
	return "module." + base
}

// place gives every resource its monolith address: "this" when its
// module has one of its type, else count (every other type, by its order)
// or for_each keyed by its construct's name.
func (g *realGen) place() {
	groups := map[string][]*realRes{}
	for _, r := range g.all {
		r.module = moduleOf(r.stack, g.env)
		groups[r.module+" "+r.typ] = append(groups[r.module+" "+r.typ], r)
	}
	for i, k := range slices.Sorted(maps.Keys(groups)) {
		rs := groups[k]
		for j, r := range rs {
			r.rname = "this"
			switch {
			case len(rs) == 1:
			case i%2 == 0:
				r.key = j
			default:
				r.key = constructKey(r)
			}
		}
	}
}

// constructKey is the last element of a resource's construct path, made
// unique by its name's hash suffix when needed.
func constructKey(r *realRes) string {
	meta, _ := r.body["//"].(map[string]any)
	m, _ := meta["metadata"].(map[string]any)
	p, _ := m["path"].(string)
	parts := strings.Split(p, "/")
	return strings.Join(parts[1:], "/")
}

func shortHash(s string, n int) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:n]
}

var singleRef = regexp.MustCompile(`^([A-Za-z_][\w-]*)\.([\w-]+)((?:\.[\w-]+|\[\d+\])+)$`)

// object builds r's attributes: literal values as they are, references
// resolved, ids and ARNs generated.
func (g *realGen) object(r *realRes) map[string]any {
	if r.attrs != nil {
		return r.attrs
	}
	seed := r.stack + ":" + r.typ + "." + r.name
	r.attrs = map[string]any{}
	a := r.attrs
	a["id"] = generated(r.typ, "id", seed)
	for k, v := range r.body {
		switch k {
		case "//", "lifecycle", "depends_on", "provider", "count", "for_each", "provisioner", "connection":
			continue
		}
		val := g.value(r.stack, v, 0)
		if m, ok := val.(map[string]any); ok {
			switch {
			case r.typ == "kubernetes_manifest" && k == "manifest":
				// A dynamic value: state keeps it with its type.
				val = map[string]any{"value": m, "type": "object"}
			case blockLike(k):
				// A nested block: a list in state, an object in cdktf's JSON.
				val = []any{m}
			}
		}
		a[k] = val
	}
	if n, ok := a["name"].(string); ok && n != "" && !strings.HasPrefix(r.typ, "kubernetes_") {
		a["id"] = n
	}
	if b, ok := a["bucket"].(string); ok && strings.HasPrefix(r.typ, "aws_s3_bucket") {
		a["id"] = b
	}
	if _, ok := a["arn"]; !ok {
		a["arn"] = generated(r.typ, "arn", seed)
	}
	if t := g.tags[r.stack]; t != nil && strings.HasPrefix(r.typ, "aws_") {
		all := map[string]any{}
		maps.Copy(all, t)
		if own, ok := a["tags"].(map[string]any); ok {
			maps.Copy(all, own)
		}
		a["tags_all"] = all
	}
	r.done = true
	return a
}

// blockLike reports whether an object-valued attribute k is a nested
// block (a list in state) rather than a map attribute.
func blockLike(k string) bool {
	switch k {
	case "tags", "tags_all", "labels", "annotations", "input_paths", "parameters", "values", "data", "set":
		return false
	}
	return true
}

// generated is a stable, realistic-looking value for attribute attr of a
// resource of typ that the configuration does not set.
func generated(typ, attr, seed string) any {
	h := shortHash(typ+attr+seed, 17)
	switch {
	case attr == "arn" || strings.HasSuffix(attr, "_arn"):
		svc := strings.SplitN(strings.TrimPrefix(typ, "aws_"), "_", 2)[0]
		return fmt.Sprintf("arn:aws:%s:us-east-1:111111111111:%s/%s", svc, strings.TrimPrefix(typ, "aws_"), h)
	case attr == "id":
		return strings.ReplaceAll(strings.TrimPrefix(typ, "aws_"), "_", "") + "-0" + h
	}
	return attr + "-" + h
}

// value resolves a configuration value into what the state holds.
func (g *realGen) value(stack string, v any, depth int) any {
	switch x := v.(type) {
	case string:
		if !strings.Contains(x, "${") {
			return x
		}
		if depth > 8 {
			return "unresolved-" + shortHash(x, 8)
		}
		return g.template(stack, x, depth)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = g.value(stack, e, depth)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = g.value(stack, e, depth)
		}
		return out
	}
	return v
}

var exprRe = regexp.MustCompile(`\$\{([^{}]*)\}`)

// template fills every ${…} of s: a single reference keeps the type of
// what it names; inside a longer string each reference becomes its text.
func (g *realGen) template(stack, s string, depth int) any {
	if m := exprRe.FindStringSubmatch(s); m != nil && m[0] == s {
		if v, ok := g.ref(stack, strings.TrimSpace(m[1]), depth); ok {
			return v
		}
		return "computed-" + shortHash(s, 12)
	}
	return exprRe.ReplaceAllStringFunc(s, func(e string) string {
		v, ok := g.ref(stack, strings.TrimSpace(e[2:len(e)-1]), depth)
		if !ok {
			return "computed-" + shortHash(e, 12)
		}
		if str, ok := v.(string); ok {
			return str
		}
		raw, _ := json.Marshal(v)
		return string(raw)
	})
}

// ref resolves one reference expression of stack.
func (g *realGen) ref(stack, expr string, depth int) (any, bool) {
	switch {
	case strings.HasPrefix(expr, "data.aws_partition."):
		return "aws", true
	case strings.HasPrefix(expr, "data.aws_region."):
		return "us-east-1", true
	case strings.HasPrefix(expr, "data.aws_caller_identity."):
		return "111111111111", true
	}
	m := singleRef.FindStringSubmatch(expr)
	if m == nil {
		return nil, false
	}
	path := strings.TrimPrefix(strings.NewReplacer("[", ".", "]", "").Replace(m[3]), ".")
	if m[1] == "data" {
		typ, rest, _ := strings.Cut(strings.TrimPrefix(expr, "data."), ".")
		name, attr, _ := strings.Cut(rest, ".")
		body := g.data[stack+":data."+typ+"."+name]
		if typ == "aws_ssm_parameter" && body != nil {
			if pname, ok := body["name"].(string); ok && (attr == "value" || attr == "insecure_value") {
				if w := g.ssm[pname]; w != nil {
					wa := g.object(w)
					if v, ok := wa["insecure_value"]; ok {
						return v, true
					}
					return wa["value"], true
				}
			}
		}
		return nil, false
	}
	r := g.byAddr[stack+":"+m[1]+"."+m[2]]
	if r == nil {
		return nil, false
	}
	if !r.done && r.attrs != nil {
		// A reference cycle (a resource naming itself through another):
		// give up on this value rather than recurse.
		return nil, false
	}
	a := g.object(r)
	return lookupOrGenerate(a, strings.Split(path, "."), r.typ, r.stack+r.name), true
}

// lookupOrGenerate reads path in a, creating a generated value (and the
// lists and objects on the way) where it is missing, so that every
// reference to it reads the same value.
func lookupOrGenerate(a map[string]any, path []string, typ, seed string) any {
	var cur any = a
	for i, step := range path {
		last := i == len(path)-1
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[step]
			if !ok {
				if last {
					v = generated(typ, step, seed+strings.Join(path, "."))
				} else if _, err := strconv.Atoi(path[i+1]); err == nil {
					v = []any{map[string]any{}}
				} else {
					v = map[string]any{}
				}
				x[step] = v
			}
			cur = v
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n >= len(x) {
				return generated(typ, step, seed)
			}
			cur = x[n]
		default:
			return generated(typ, step, seed)
		}
	}
	return cur
}

func (g *realGen) state() *Realistic {
	b := &builder{res: map[string]*tfstate.Resource{}}
	out := &Realistic{Truth: map[string]string{}}
	for _, r := range g.all {
		addr := tfstate.InstanceAddr{Resource: tfstate.ResourceAddr{Module: r.module, Mode: "managed", Type: r.typ, Name: r.rname}, Key: r.key}
		prov := awsProv
		if !strings.HasPrefix(r.typ, "aws_") {
			prov = fmt.Sprintf(`provider["registry.terraform.io/hashicorp/%s"]`, strings.SplitN(r.typ, "_", 2)[0])
		}
		b.add(r.module, r.typ, r.rname, r.key, obj{attrs: r.attrs})
		b.res[addr.Resource.String()].Provider = prov
		out.Truth[addr.String()] = r.stack + ":" + r.typ + "." + r.name
	}
	st := &tfstate.State{TerraformVersion: TerraformVersion, Serial: 7, Lineage: "9a7e1c3b-2f4d-4e6a-8b0c-1d2e3f4a5b6c"}
	for _, k := range slices.Sorted(maps.Keys(b.res)) {
		st.Resources = append(st.Resources, b.res[k])
	}
	out.State = st
	return out
}

// Score is how well an automatic mapping did against the truth.
type Score struct {
	// Instances is the number of managed instances; Auto how many were
	// mapped automatically to their true destination, Wrong how many to
	// another one; the rest were left unmapped or ambiguous.
	Instances, Auto, Wrong int
	// WrongMoves and Missed name them (source → destination).
	WrongMoves, Missed []string
}

// Percent is the share of instances mapped automatically and rightly.
func (s Score) Percent() float64 {
	if s.Instances == 0 {
		return 0
	}
	return 100 * float64(s.Auto) / float64(s.Instances)
}

func (s Score) String() string {
	return fmt.Sprintf("%d of %d instances mapped automatically (%.1f %%), %d wrong, %d left to the mapping file", s.Auto, s.Instances, s.Percent(), s.Wrong, s.Instances-s.Auto-s.Wrong)
}

// ScoreAgainst compares auto (source address → stack:address of every
// automatic move) with the truth.
func (r *Realistic) ScoreAgainst(auto map[string]string) Score {
	s := Score{Instances: len(r.Truth)}
	for _, src := range slices.Sorted(maps.Keys(r.Truth)) {
		want := r.Truth[src]
		got, ok := auto[src]
		switch {
		case !ok:
			s.Missed = append(s.Missed, src+" (→ "+want+")")
		case got == want:
			s.Auto++
		default:
			s.Wrong++
			s.WrongMoves = append(s.WrongMoves, fmt.Sprintf("%s → %s, want %s", src, got, want))
		}
	}
	return s
}
