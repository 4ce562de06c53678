package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"stratum/tools/tfstate"
)

// MappingFile is the checked-in file for what automatic matching cannot
// decide: explicit moves, retirements and instances kept in the source.
//
//	{
//	  "moves": [
//	    {"from": "module.eks.aws_iam_openid_connect_provider.this",
//	     "to": "platform-prod:aws_iam_openid_connect_provider.cluster_oidc-provider_6677C701"},
//	    {"from": "aws_instance.bastion", "action": "retire", "reason": "replaced by SSM Session Manager"},
//	    {"from": "aws_db_instance.reports", "action": "keep", "reason": "moves in phase 2"}
//	  ]
//	}
type MappingFile struct {
	Moves []MappingEntry `json:"moves"`
}

// MappingEntry is one line of the mapping file.
type MappingEntry struct {
	// From is a source address: an instance, or a whole resource (all its
	// instances).
	From string `json:"from"`
	// To is STACK:ADDRESS, required for a move.
	To string `json:"to,omitempty"`
	// Action is "move" (the default when To is set), "retire" (the
	// object stays in AWS and leaves Terraform's management) or "keep"
	// (it stays in the source state).
	Action string `json:"action,omitempty"`
	// Reason is recorded in the ledger and the log.
	Reason string `json:"reason,omitempty"`
}

// mapped is one resolved mapping-file decision for one source instance.
type mapped struct {
	entry  int
	action string
	target target
	reason string
}

// readMapping parses the mapping file; it checks the syntax only.
func readMapping(path string) (*MappingFile, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("mapping file: %w", err)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	var mf MappingFile
	if err := d.Decode(&mf); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, nil, fmt.Errorf("%s:%d: invalid JSON: %v", path, lineOf(raw, se.Offset), err)
		case errors.As(err, &te):
			return nil, nil, fmt.Errorf("%s:%d: %s must be a %s, got %s", path, lineOf(raw, te.Offset), te.Field, te.Type, te.Value)
		}
		return nil, nil, fmt.Errorf("%s: %v (allowed fields: moves[].from, .to, .action, .reason)", path, err)
	}
	return &mf, raw, nil
}

func lineOf(raw []byte, off int64) int {
	if off > int64(len(raw)) {
		off = int64(len(raw))
	}
	return bytes.Count(raw[:off], []byte("\n")) + 1
}

// resolveMapping checks every entry against the source state and the
// synthesized stacks and returns the decisions by source instance. An
// entry whose source the state no longer holds because an earlier plan
// of the migration moved it (moved says which) is already carried out
// and skipped. All problems are reported together.
func resolveMapping(path string, mf *MappingFile, src *tfstate.State, srcName string, insts map[string]*srcInst, syn *Synthesis, dests map[string]*Stack, sourceStack string, moved func(string) (string, bool)) (map[*srcInst]mapped, error) {
	out := map[*srcInst]mapped{}
	targets := map[string]int{}
	var errs []string
	fail := func(i int, e MappingEntry, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s: moves[%d] (from %q): %s", path, i, e.From, fmt.Sprintf(format, args...)))
	}
	for i, e := range mf.Moves {
		if e.From == "" {
			fail(i, e, `"from" is required`)
			continue
		}
		addr, err := tfstate.ParseInstanceAddr(e.From)
		if err != nil {
			fail(i, e, "%v", err)
			continue
		}
		action := e.Action
		if action == "" && e.To != "" {
			action = "move"
		}
		switch action {
		case "move":
			if e.To == "" {
				fail(i, e, `action "move" needs "to": "STACK:ADDRESS"`)
				continue
			}
		case "retire", "keep":
			if e.To != "" {
				fail(i, e, "action %q takes no \"to\" (got %q)", action, e.To)
				continue
			}
		case "":
			fail(i, e, `give "to": "STACK:ADDRESS", or "action": "retire" or "keep"`)
			continue
		default:
			fail(i, e, `action %q is invalid: one of "move", "retire", "keep"`, e.Action)
			continue
		}
		res := src.Find(addr.Resource)
		if _, done := moved(e.From); done && (res == nil || insts[addr.String()] == nil && addr.Key != nil) {
			continue
		}
		if res == nil {
			fail(i, e, "not in the source state %s%s", srcName, suggest(src, addr.Resource.Type))
			continue
		}
		if res.Mode == "data" {
			if action != "keep" {
				fail(i, e, "is a data source: data sources are never moved or retired, they stay in the source and each stack reads its own")
			}
			continue
		}
		var picked []*srcInst
		if addr.Key == nil && keyed(res) {
			for _, in := range res.Instances {
				if in.Deposed == "" {
					picked = append(picked, insts[res.InstanceAddr(in).String()])
				}
			}
		} else if s := insts[addr.String()]; s != nil {
			picked = []*srcInst{s}
		}
		if len(picked) == 0 {
			fail(i, e, "no such instance in the source state %s (its instances: %s)", srcName, instanceList(res))
			continue
		}
		var tgts []target
		if action == "move" {
			tgts = resolveTarget(i, e, picked, syn, dests, sourceStack, fail)
			if tgts == nil {
				continue
			}
		}
		for j, s := range picked {
			if prev, dup := out[s]; dup {
				fail(i, e, "%s is already mapped by moves[%d]", s.Addr, prev.entry)
				continue
			}
			m := mapped{entry: i, action: action, reason: e.Reason}
			if tgts != nil {
				m.target = tgts[j]
				ref := m.target.Ref()
				if prev, dup := targets[ref]; dup {
					fail(i, e, "destination %s is already the destination of moves[%d]", ref, prev)
					continue
				}
				targets[ref] = i
			}
			out[s] = m
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

func resolveTarget(i int, e MappingEntry, picked []*srcInst, syn *Synthesis, dests map[string]*Stack, sourceStack string, fail func(int, MappingEntry, string, ...any)) []target {
	stackName, addrText, ok := strings.Cut(e.To, ":")
	if !ok || stackName == "" || addrText == "" {
		fail(i, e, `"to" %q: want STACK:ADDRESS, e.g. foundation-prod:aws_vpc.network_vpc_4E8F0223`, e.To)
		return nil
	}
	st := syn.Stacks[stackName]
	if st == nil {
		fail(i, e, "stack %q is not synthesized in %s; stacks: %s", stackName, syn.Dir, strings.Join(slices.Sorted(maps.Keys(syn.Stacks)), ", "))
		return nil
	}
	if stackName == sourceStack {
		fail(i, e, "stack %q is the source", stackName)
		return nil
	}
	if dests[stackName] == nil {
		fail(i, e, "stack %q is not among the destination stacks (-stacks): %s", stackName, strings.Join(slices.Sorted(maps.Keys(dests)), ", "))
		return nil
	}
	addr, err := tfstate.ParseInstanceAddr(addrText)
	if err != nil {
		fail(i, e, `"to": %v`, err)
		return nil
	}
	if addr.Resource.Module != "" || addr.Resource.Mode != "managed" {
		fail(i, e, `"to" %q: destinations are managed resources of the stack's root module`, addrText)
		return nil
	}
	r := st.Resources[addr.Resource.Type+"."+addr.Resource.Name]
	if r == nil {
		fail(i, e, "%s declares no resource %s%s", stackName, addr.Resource, suggestConfig(st, addr.Resource.Type))
		return nil
	}
	if r.Type != picked[0].Res.Type {
		fail(i, e, "type %s cannot move to %s of type %s: migrate moves objects, it does not change their type", picked[0].Res.Type, r.Ref(), r.Type)
		return nil
	}
	each := r.Each()
	switch {
	case addr.Key != nil && each == "":
		fail(i, e, "%s uses neither count nor for_each, so %s cannot take an index key", r.Ref(), addrText)
		return nil
	case addr.Key != nil && len(picked) > 1:
		fail(i, e, "names %d instances but the destination %s is one instance", len(picked), e.To)
		return nil
	case addr.Key != nil:
		if _, isInt := addr.Key.(int); isInt != (each == "list") {
			fail(i, e, "key %s does not fit %s, which uses %s", tfstate.KeyString(addr.Key), r.Ref(), map[string]string{"list": "count (integer keys)", "map": "for_each (string keys)"}[each])
			return nil
		}
		return []target{{Res: r, Key: addr.Key}}
	case each == "" && len(picked) > 1:
		fail(i, e, "names %d instances (%s) but %s is a single resource: map each instance to its own destination", len(picked), instanceList(picked[0].Res), r.Ref())
		return nil
	case each == "":
		return []target{{Res: r}}
	}
	// A whole counted or for_each resource keeps its keys.
	var out []target
	for _, s := range picked {
		k := s.Addr.Key
		if _, isInt := k.(int); k == nil || isInt != (each == "list") {
			fail(i, e, "%s has key %s, which does not fit %s (%s)", s.Addr, tfstate.KeyString(k), r.Ref(), map[string]string{"list": "count", "map": "for_each"}[each])
			return nil
		}
		out = append(out, target{Res: r, Key: k})
	}
	return out
}

func suggest(s *tfstate.State, typ string) string {
	var same []string
	for _, r := range s.Resources {
		if r.Type == typ {
			same = append(same, r.Addr().String())
		}
	}
	if len(same) == 0 {
		return fmt.Sprintf(" (it holds no resource of type %s)", typ)
	}
	return " (" + sameType(typ, same) + ")"
}

func suggestConfig(st *Stack, typ string) string {
	var same []string
	for _, a := range slices.Sorted(maps.Keys(st.Resources)) {
		if st.Resources[a].Type == typ {
			same = append(same, a)
		}
	}
	if len(same) == 0 {
		return fmt.Sprintf(" (and no resource of type %s)", typ)
	}
	return "; " + sameType(typ, same)
}

// sameType lists the addresses same, of resources of type typ, for a
// message: the first eight, then an ellipsis.
func sameType(typ string, same []string) string {
	if len(same) > 8 {
		same = append(same[:8], "…")
	}
	return fmt.Sprintf("resources of type %s there: %s", typ, strings.Join(same, ", "))
}

func instanceList(r *tfstate.Resource) string {
	var l []string
	for _, in := range r.Instances {
		s := r.InstanceAddr(in).String()
		if in.Deposed != "" {
			s += " (deposed " + in.Deposed + ")"
		}
		l = append(l, s)
	}
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

// keyed reports whether the resource uses count or for_each: Terraform 1.x
// leaves "each" out of the state, so the keys of its instances say it.
func keyed(r *tfstate.Resource) bool {
	if r.Each != "" {
		return true
	}
	for _, in := range r.Instances {
		if in.IndexKey != nil {
			return true
		}
	}
	return false
}
