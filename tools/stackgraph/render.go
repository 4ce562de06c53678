package stackgraph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// JSON is the graph as indented JSON, the format of `stratum graph`.
func (g *Graph) JSON() []byte {
	b, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		// A Graph holds only strings, ints and bools.
		panic(err)
	}
	return append(b, '\n')
}

// DOT is the graph in Graphviz's language: one cluster per environment,
// edges from a dependency to its dependent (the order of deployment),
// stacks CI cannot run drawn dashed and stacks that need a private runner
// drawn as boxes.
func (g *Graph) DOT() []byte {
	var b bytes.Buffer
	b.WriteString("digraph stratum {\n  rankdir=LR;\n  node [shape=ellipse, fontname=\"Helvetica\"];\n")
	for _, env := range g.Environments() {
		fmt.Fprintf(&b, "  subgraph %q {\n    label=%q;\n", "cluster_"+env, env)
		for _, s := range g.Stacks {
			if s.Environment != env {
				continue
			}
			var attrs []string
			if s.Runner == Private {
				attrs = append(attrs, "shape=box")
			}
			if s.Manual {
				attrs = append(attrs, "style=dashed")
			}
			if len(attrs) > 0 {
				fmt.Fprintf(&b, "    %q [%s];\n", s.Name, strings.Join(attrs, ", "))
			} else {
				fmt.Fprintf(&b, "    %q;\n", s.Name)
			}
		}
		b.WriteString("  }\n")
	}
	for _, s := range g.Stacks {
		for _, d := range s.Dependencies {
			fmt.Fprintf(&b, "  %q -> %q;\n", d, s.Name)
		}
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// Mermaid is the graph as a Mermaid flowchart (renders in GitHub and
// GitLab markdown), with the same conventions as DOT.
func (g *Graph) Mermaid() []byte {
	var b bytes.Buffer
	b.WriteString("flowchart LR\n")
	id := func(name string) string { return strings.ReplaceAll(name, "-", "_") }
	for _, env := range g.Environments() {
		fmt.Fprintf(&b, "  subgraph %s\n", env)
		for _, s := range g.Stacks {
			if s.Environment != env {
				continue
			}
			shape := "([%s])"
			if s.Runner == Private {
				shape = "[%s]"
			}
			fmt.Fprintf(&b, "    %s"+shape+"\n", id(s.Name), s.Name)
		}
		b.WriteString("  end\n")
	}
	for _, s := range g.Stacks {
		for _, d := range s.Dependencies {
			fmt.Fprintf(&b, "  %s --> %s\n", id(d), id(s.Name))
		}
	}
	var manual []string
	for _, s := range g.Stacks {
		if s.Manual {
			manual = append(manual, id(s.Name))
		}
	}
	if len(manual) > 0 {
		b.WriteString("  classDef manual stroke-dasharray: 5 5\n")
		fmt.Fprintf(&b, "  class %s manual\n", strings.Join(manual, ","))
	}
	return b.Bytes()
}

// Formats are the output formats of `stratum graph`.
var Formats = []string{"json", "dot", "mermaid"}

// Render returns the graph in one of Formats.
func (g *Graph) Render(format string) ([]byte, error) {
	switch format {
	case "json":
		return g.JSON(), nil
	case "dot":
		return g.DOT(), nil
	case "mermaid":
		return g.Mermaid(), nil
	}
	return nil, fmt.Errorf("-format %q: want one of %s", format, strings.Join(Formats, ", "))
}
