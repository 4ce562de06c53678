package deploy

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"stratum/stackgraph"
)

// TypesPath is where `make generate` writes the types each layer's
// stacks declare, relative to the repository root.
const TypesPath = "deploy/types.json"

//go:embed types.json
var typesJSON []byte

// Types are the resource and data source types of every layer's stacks,
// by layer word, as the last `make generate` recorded them from a
// synthesis of the real configuration (TestGeneratedFilesAreCurrent
// fails when they are stale).
func Types(word string) []string {
	var all map[string][]string
	if err := json.Unmarshal(typesJSON, &all); err != nil {
		panic(fmt.Sprintf("deploy: %s: %v", TypesPath, err))
	}
	return all[word]
}

// TypesFile is the content of TypesPath for a graph: every type of the
// stacks of each deploy layer, checked against Grants.
func TypesFile(g *stackgraph.Graph) ([]byte, error) {
	all := map[string][]string{}
	for _, d := range Layers {
		all[d.Word()] = []string{}
	}
	var problems []string
	for _, s := range g.Stacks {
		d, ok := ForStack(s.Name)
		if !ok {
			continue // bootstrap: applied by hand
		}
		for _, t := range s.Types {
			if _, ok := GrantOf(t); !ok {
				problems = append(problems, fmt.Sprintf("layer %s (stack %s): resource type %s has no grant in deploy.Grants", d.Word(), s.Name, t))
			}
			if !slices.Contains(all[d.Word()], t) {
				all[d.Word()] = append(all[d.Word()], t)
			}
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("%s", strings.Join(slices.Compact(problems), "\n"))
	}
	for _, ts := range all {
		slices.Sort(ts)
	}
	b, err := json.MarshalIndent(all, "", "  ")
	return append(b, '\n'), err
}
