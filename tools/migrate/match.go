package migrate

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"stratum/tools/tfstate"
)

// srcInst is one current object of a managed resource in the source state.
type srcInst struct {
	Addr  tfstate.InstanceAddr
	Res   *tfstate.Resource
	Inst  *tfstate.Instance
	Attrs map[string]any
}

// target is where a source instance goes: a resource of a stack, and an
// index key when that resource uses count or for_each.
type target struct {
	Res *ConfigResource
	Key any
}

func (t target) Ref() string { return t.Res.Stack + ":" + t.Res.Addr() + tfstate.KeyString(t.Key) }

// match is why a source instance was matched: the identity compared.
type match struct {
	Identity map[string]string
	Rule     string
}

// matcher matches source instances to destination resources, repeating
// until nothing changes: a resource whose identity refers to another
// (vpc_id = ${aws_vpc.x.id}) can be matched once that one is, and a
// matched resource tells which source object its own references point to
// (the key of an alias's target_key_id).
type matcher struct {
	stacks  map[string]*Stack
	dests   []*ConfigResource
	byType  map[string][]*srcInst
	index   map[string]map[string][]*srcInst
	owner   map[*srcInst]*ConfigResource
	taken   map[*ConfigResource]*srcInst
	why     map[*ConfigResource]match
	ssm     map[string]*ConfigResource
	blocked map[*srcInst]bool
	// candidates left after the last round, for reporting ambiguity.
	pending  map[*ConfigResource][]*srcInst
	inferred map[*ConfigResource][]*srcInst
}

func newMatcher(all map[string]*Stack, dests []*Stack, src []*srcInst) *matcher {
	m := &matcher{stacks: all, byType: map[string][]*srcInst{}, index: map[string]map[string][]*srcInst{},
		owner: map[*srcInst]*ConfigResource{}, taken: map[*ConfigResource]*srcInst{}, why: map[*ConfigResource]match{},
		ssm: map[string]*ConfigResource{}, blocked: map[*srcInst]bool{}, inferred: map[*ConfigResource][]*srcInst{}}
	for _, s := range dests {
		for _, addr := range slices.Sorted(maps.Keys(s.Resources)) {
			m.dests = append(m.dests, s.Resources[addr])
		}
	}
	for _, name := range slices.Sorted(maps.Keys(all)) {
		for _, r := range all[name].Resources {
			if r.Type == "aws_ssm_parameter" {
				if n, ok := r.Body["name"].(string); ok && !strings.Contains(n, "${") {
					m.ssm[n] = r
				}
			}
		}
	}
	for _, s := range src {
		m.byType[s.Res.Type] = append(m.byType[s.Res.Type], s)
	}
	return m
}

// assign records a match made outside the matcher (the mapping file).
func (m *matcher) assign(d *ConfigResource, s *srcInst, why match) {
	m.taken[d] = s
	m.owner[s] = d
	m.why[d] = why
}

// run matches until a round changes nothing.
func (m *matcher) run() {
	for round := 0; round < 64; round++ {
		proposals := map[*ConfigResource][]*srcInst{}
		idents := map[*ConfigResource]match{}
		for _, d := range m.dests {
			if m.taken[d] != nil || d.Each() != "" {
				continue
			}
			cands, why, ok := m.candidates(d)
			if !ok {
				continue
			}
			if inf := m.inferred[d]; len(inf) == 1 && m.owner[inf[0]] == nil {
				switch {
				case len(cands) == 0:
					// The identity differs (an old Name tag, say), but a
					// matched resource refers to exactly this object.
					cands = inf
					why = match{Rule: "referenced by a matched resource", Identity: map[string]string{}}
				case len(cands) > 1 && contains(cands, inf[0]):
					cands = inf
					why.Rule += " (narrowed by a reference from a matched resource)"
				}
			}
			proposals[d] = cands
			idents[d] = why
		}
		for d, inf := range m.inferred {
			if _, ok := proposals[d]; !ok && m.taken[d] == nil && len(inf) == 1 {
				proposals[d] = inf
				idents[d] = match{Rule: "referenced by a matched resource", Identity: map[string]string{}}
			}
		}
		claims := map[*srcInst]int{}
		for _, cands := range proposals {
			for _, s := range cands {
				claims[s]++
			}
		}
		changed := false
		var newly []*ConfigResource
		for _, d := range m.dests {
			cands, ok := proposals[d]
			if !ok || len(cands) != 1 {
				continue
			}
			s := cands[0]
			if m.owner[s] != nil || claims[s] != 1 || m.blocked[s] {
				continue
			}
			m.assign(d, s, idents[d])
			newly = append(newly, d)
			changed = true
		}
		for _, d := range newly {
			m.inferFrom(d)
		}
		m.pending = proposals
		if !changed {
			return
		}
	}
}

func contains(l []*srcInst, s *srcInst) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// cond is one identity attribute of a destination and its value as far
// as the configuration and the matches so far resolve it.
type cond struct {
	attr string
	v    cfgValue
}

// conditions returns d's identity conditions (its rule's key attributes)
// that resolve now, and whether all of them did.
func (m *matcher) conditions(d *ConfigResource, r rule) ([]cond, bool) {
	var conds []cond
	complete := true
	for _, k := range r.Key {
		attr, optional := strings.CutSuffix(k, "?")
		raw, present := lookupPath(d.Body, attr)
		if !present {
			if !optional {
				complete = false
				continue
			}
			conds = append(conds, cond{attr, cfgValue{exact: "", show: "(unset)"}})
			continue
		}
		v, ok := m.resolve(d.Stack, raw, 0)
		if !ok {
			complete = false
			continue
		}
		if n := r.Normalize[attr]; n != nil && v.pattern == nil {
			v.exact = n(v.exact)
		}
		conds = append(conds, cond{attr, v})
	}
	return conds, complete
}

// fits reports whether s's attributes satisfy c (normalized as r says),
// and the object's value.
func fits(s *srcInst, c cond, r rule) (string, bool) {
	sv, good := stateString(s.Attrs, c.attr)
	if n := r.Normalize[c.attr]; n != nil {
		sv = n(sv)
	}
	return sv, good && c.v.matches(sv)
}

// candidates returns the unmatched source instances d's identity fits;
// ok is false while d's identity cannot be resolved yet.
func (m *matcher) candidates(d *ConfigResource) ([]*srcInst, match, bool) {
	r, specific := ruleFor(d.Type, d.Body)
	if len(r.Key) == 0 {
		return nil, match{}, false
	}
	why := match{Identity: map[string]string{}, Rule: "rule " + d.Type}
	if !specific {
		why.Rule = "generic rule"
	}
	conds, complete := m.conditions(d, r)
	if !complete {
		return nil, why, false
	}
	for _, c := range conds {
		if c.v.show != "(unset)" {
			why.Identity[c.attr] = c.v.show
		}
	}
	pool := m.byType[d.Type]
	if c := conds[0]; c.v.pattern == nil {
		pool = m.lookupIndex(d.Type, c.attr, c.v.exact, r.Normalize[c.attr])
	}
	var out []*srcInst
	for _, s := range pool {
		if m.owner[s] != nil || m.blocked[s] {
			continue
		}
		ok := true
		for _, c := range conds {
			if _, good := fits(s, c, r); !good {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	if len(out) > 1 {
		for _, tb := range r.Tiebreak {
			raw, present := lookupPath(d.Body, tb)
			if !present {
				continue
			}
			v, ok := m.resolve(d.Stack, raw, 0)
			if !ok {
				continue
			}
			var narrowed []*srcInst
			for _, s := range out {
				if sv, good := stateString(s.Attrs, tb); good && v.matches(sv) {
					narrowed = append(narrowed, s)
				}
			}
			if len(narrowed) > 0 && len(narrowed) < len(out) {
				out = narrowed
				why.Identity[tb] = v.show
			}
			if len(out) == 1 {
				break
			}
		}
	}
	return out, why, true
}

func (m *matcher) lookupIndex(typ, attr, value string, norm func(string) string) []*srcInst {
	key := typ + "\x00" + attr
	idx, ok := m.index[key]
	if !ok {
		idx = map[string][]*srcInst{}
		for _, s := range m.byType[typ] {
			v, good := stateString(s.Attrs, attr)
			if !good {
				continue
			}
			if norm != nil {
				v = norm(v)
			}
			idx[v] = append(idx[v], s)
		}
		m.index[key] = idx
	}
	return idx[value]
}

// inferFrom uses a new match d ↔ s: for each top-level attribute of d that
// is a single reference ${T.N.a} to an unmatched resource of d's stack,
// the source object of type T whose a equals s's value of that attribute
// is the one T.N stands for.
func (m *matcher) inferFrom(d *ConfigResource) {
	s := m.taken[d]
	stack := m.stacks[d.Stack]
	for _, attr := range slices.Sorted(maps.Keys(d.Body)) {
		str, ok := d.Body[attr].(string)
		if !ok {
			continue
		}
		t, ok := parseTemplate(str)
		if !ok || len(t.parts) != 1 || !t.parts[0].isEx || !simpleRef.MatchString(t.parts[0].expr) {
			continue
		}
		steps := splitPath(t.parts[0].expr)
		if len(steps) != 3 || steps[0] == "data" {
			continue
		}
		ref := stack.Resources[steps[0]+"."+steps[1]]
		if ref == nil || m.taken[ref] != nil {
			continue
		}
		want, good := stateString(s.Attrs, attr)
		if !good || want == "" {
			continue
		}
		var cands []*srcInst
		for _, c := range m.lookupIndex(ref.Type, steps[2], want, nil) {
			if m.owner[c] == nil {
				cands = append(cands, c)
			}
		}
		if len(cands) == 1 {
			m.inferred[ref] = cands
		}
	}
}

// resolve turns a configuration value into a comparable value, following
// references to matched resources of the same stack and SSM parameters
// written by another stack. ok is false when it cannot be resolved (yet).
func (m *matcher) resolve(stack string, raw any, depth int) (cfgValue, bool) {
	if depth > 6 {
		return cfgValue{}, false
	}
	str, isStr := raw.(string)
	if !isStr {
		s, ok := scalar(raw)
		if !ok {
			return cfgValue{}, false
		}
		return cfgValue{exact: s, show: s}, true
	}
	if !strings.Contains(str, "${") {
		return cfgValue{exact: str, show: str}, true
	}
	t, ok := parseTemplate(str)
	if !ok {
		return cfgValue{}, false
	}
	var exact, re strings.Builder
	wild := false
	for _, p := range t.parts {
		if !p.isEx {
			exact.WriteString(p.lit)
			re.WriteString(regexp.QuoteMeta(p.lit))
			continue
		}
		v, ok := m.resolveRef(stack, p.expr, depth)
		if ok {
			exact.WriteString(v)
			re.WriteString(regexp.QuoteMeta(v))
			continue
		}
		// Data sources that only read the environment (partition,
		// region, account) may stand inside a longer literal, as in
		// arn:${data.aws_partition.p.partition}:iam::aws:policy/X; they
		// match one ARN segment. A whole value that is one such reference
		// stays unresolved.
		if len(t.parts) == 1 || !environmentRef(p.expr) {
			return cfgValue{}, false
		}
		wild = true
		re.WriteString(`[^:/]+`)
	}
	if wild {
		return cfgValue{pattern: regexp.MustCompile("^" + re.String() + "$"), show: str}, true
	}
	return cfgValue{exact: exact.String(), show: exact.String()}, true
}

var environmentData = regexp.MustCompile(`^data\.(aws_partition|aws_region|aws_caller_identity)\.[\w-]+\.(partition|name|region|account_id|dns_suffix)$`)

func environmentRef(expr string) bool { return environmentData.MatchString(expr) }

// resolveRef resolves one reference expression.
func (m *matcher) resolveRef(stack, expr string, depth int) (string, bool) {
	if !simpleRef.MatchString(expr) {
		return "", false
	}
	steps := splitPath(expr)
	st := m.stacks[stack]
	if st == nil {
		return "", false
	}
	if steps[0] == "data" {
		if len(steps) != 4 || steps[1] != "aws_ssm_parameter" || (steps[3] != "value" && steps[3] != "insecure_value") {
			return "", false
		}
		ds := st.Data[steps[1]+"."+steps[2]]
		if ds == nil {
			return "", false
		}
		name, ok := ds.Body["name"].(string)
		if !ok {
			return "", false
		}
		w := m.ssm[name]
		if w == nil {
			return "", false
		}
		val, ok := w.Body["insecure_value"]
		if !ok {
			val = w.Body["value"]
		}
		v, ok := m.resolve(w.Stack, val, depth+1)
		if !ok || v.pattern != nil {
			return "", false
		}
		return v.exact, true
	}
	if len(steps) < 3 {
		return "", false
	}
	r := st.Resources[steps[0]+"."+steps[1]]
	if r == nil {
		return "", false
	}
	s := m.taken[r]
	if s == nil {
		return "", false
	}
	v, ok := stateString(s.Attrs, strings.Join(steps[2:], "."))
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// describe renders an identity for tables: attr=value, sorted.
func (mt match) describe() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(mt.Identity)) {
		parts = append(parts, fmt.Sprintf("%s=%s", k, mt.Identity[k]))
	}
	return strings.Join(parts, " ")
}

func sortInsts(l []*srcInst) {
	sort.Slice(l, func(i, j int) bool { return l[i].Addr.String() < l[j].Addr.String() })
}
