package migrate

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// identityCheck is the outcome of comparing a hand-mapped object with the
// identity its destination declares.
type identityCheck struct {
	// identity are the attributes compared, with the destination's value.
	identity map[string]string
	// result is IdentityMatched, IdentityUnchecked or IdentityForced.
	result string
	// forced says what -force-identity overrode.
	forced string
}

// checkMappedIdentities compares every mapping-file move with the
// identity attributes its destination declares (the same rule automatic
// matching uses, with references resolved through the matches made): a
// contradiction is an error naming the entry and both values, unless its
// source address is in force. An address in force that names no
// contradicting move is an error too, so that a stale override does not
// linger, unless an earlier plan of the migration moved it (moved).
func checkMappedIdentities(path string, mf *MappingFile, decided map[*srcInst]mapped, m *matcher, force []string, moved func(string) (string, bool)) (map[*srcInst]identityCheck, error) {
	forced := map[string]bool{}
	for _, a := range force {
		forced[a] = true
	}
	used := map[string]bool{}
	out := map[*srcInst]identityCheck{}
	var errs []string
	for _, s := range sortedMapped(decided) {
		d := decided[s]
		if d.action != ActionMove {
			continue
		}
		r, _ := ruleFor(d.target.Res.Type, d.target.Res.Body)
		conds, _ := m.conditions(d.target.Res, r)
		c := identityCheck{identity: map[string]string{}, result: IdentityMatched}
		var contradictions []string
		for _, cd := range conds {
			got, ok := fits(s, cd, r)
			if cd.v.show != "(unset)" {
				c.identity[cd.attr] = cd.v.show
			}
			if !ok {
				if got == "" {
					got = "(empty)"
				}
				contradictions = append(contradictions, fmt.Sprintf("%s: the destination declares %s, the object has %s", cd.attr, cd.v.show, got))
			}
		}
		if len(c.identity) == 0 && len(contradictions) == 0 {
			c.result = IdentityUnchecked
		}
		from := mf.Moves[d.entry].From
		key := s.Addr.String()
		if len(contradictions) > 0 {
			switch {
			case forced[key]:
				used[key] = true
			case forced[from]:
				used[from] = true
			default:
				errs = append(errs, fmt.Sprintf("%s: moves[%d] (from %q): %s contradicts the identity of %s: %s; map it to the resource that declares its identity, or pass -force-identity %s to move it anyway (the next apply of %s then changes or replaces it)",
					path, d.entry, from, key, d.target.Ref(), strings.Join(contradictions, "; "), key, d.target.Res.Stack))
				continue
			}
			c.result, c.forced = IdentityForced, "moved despite its identity (-force-identity): "+strings.Join(contradictions, "; ")
		}
		out[s] = c
	}
	for _, a := range slices.Sorted(maps.Keys(forced)) {
		if _, done := moved(a); !used[a] && !done {
			errs = append(errs, fmt.Sprintf("-force-identity %s: no mapping-file move of that source address contradicts its destination's identity; drop the flag", a))
		}
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

func sortedMapped(decided map[*srcInst]mapped) []*srcInst {
	out := make([]*srcInst, 0, len(decided))
	for s := range decided {
		out = append(out, s)
	}
	sortInsts(out)
	return out
}
