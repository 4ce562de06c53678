package changes

import (
	"maps"
	"slices"
	"strings"

	"stratum/tools/synthesis"
)

// ParseStack parses a synthesized stack (cdk.tf.json, or its snapshot)
// without cdktf's "//" metadata: what Terraform reads.
func ParseStack(raw []byte) (map[string]any, error) {
	return synthesis.Terraform(raw)
}

// StackDiff is how a stack's Terraform differs between two revisions,
// address by address, named as terraform plan names them.
type StackDiff struct {
	// Added, Removed and Changed are resource and data source addresses
	// (type.name, data.type.name), sorted. A removed address destroys its
	// resource; an address that is removed while a similar one is added
	// replaces it.
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
	// Blocks are the other top-level blocks whose content changed
	// (provider, terraform — the backend —, locals, …): such a change can
	// touch every resource of the stack.
	Blocks []string `json:"blocks"`
}

// Empty says whether the two revisions are the same Terraform.
func (d StackDiff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Blocks) == 0
}

// DiffStacks compares two stacks parsed by ParseStack.
func DiffStacks(base, head map[string]any) StackDiff {
	d := StackDiff{Added: []string{}, Removed: []string{}, Changed: []string{}, Blocks: []string{}}
	hb, bb := addresses(head), addresses(base)
	for _, addr := range slices.Sorted(maps.Keys(hb)) {
		switch old, ok := bb[addr]; {
		case !ok:
			d.Added = append(d.Added, addr)
		case canonical(old) != canonical(hb[addr]):
			d.Changed = append(d.Changed, addr)
		}
	}
	for _, addr := range slices.Sorted(maps.Keys(bb)) {
		if _, ok := hb[addr]; !ok {
			d.Removed = append(d.Removed, addr)
		}
	}
	keys := map[string]bool{}
	for k := range head {
		keys[k] = true
	}
	for k := range base {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if k != "resource" && k != "data" && canonical(head[k]) != canonical(base[k]) {
			d.Blocks = append(d.Blocks, k)
		}
	}
	return d
}

// ResourceCounts counts a stack's resources by type, and its data sources.
func ResourceCounts(j map[string]any) (byType map[string]int, data int) {
	byType = map[string]int{}
	for addr := range addresses(j) {
		if strings.HasPrefix(addr, "data.") {
			data++
			continue
		}
		typ, _, _ := strings.Cut(addr, ".")
		byType[typ]++
	}
	return byType, data
}
