package migrate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"stratum/tools/durable"
	"stratum/tools/tfstate"
)

// ImportsReport lists the files WriteImports wrote.
type ImportsReport struct {
	Files    []string `json:"files"`
	Imports  int      `json:"imports"`
	Removed  int      `json:"removed"`
	Warnings []string `json:"warnings"`
}

// WriteImports writes, for teams that prefer Terraform's own route over
// moving state, one imports.tf per destination stack (import blocks with
// the right ID per type) and a removed.tf for the source (removed blocks
// with destroy = false, so that the source forgets the objects without
// destroying them). Nothing is written when an entry has no import ID.
func WriteImports(dir, out string) (*ImportsReport, error) {
	l, err := readLedger(dir)
	if err != nil {
		return nil, err
	}
	if why := l.Blocked(); len(why) > 0 {
		return nil, fmt.Errorf("the plan is incomplete (%s): fix the mapping file and plan again", strings.Join(why, ", "))
	}
	rep := &ImportsReport{}
	byStack := map[string][]Entry{}
	leaving := map[string]int{}
	staying := map[string]bool{}
	var missing []string
	for _, e := range l.Entries {
		a, _ := tfstate.ParseInstanceAddr(e.Source)
		res := a.Resource.String()
		switch e.Action {
		case ActionMove:
			if e.ImportID == "" {
				missing = append(missing, fmt.Sprintf("%s (%s): no import ID could be built from its attributes", e.Source, e.Type))
			}
			byStack[e.Stack] = append(byStack[e.Stack], e)
			leaving[res]++
		case ActionRetire:
			leaving[res]++
		default:
			if e.Mode == "managed" {
				staying[res] = true
			}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("nothing was written:\n  %s", strings.Join(missing, "\n  "))
	}
	files := map[string]string{}
	for _, stack := range slices.Sorted(maps.Keys(byStack)) {
		es := byStack[stack]
		sort.Slice(es, func(i, j int) bool { return es[i].Destination < es[j].Destination })
		var b strings.Builder
		fmt.Fprintf(&b, "# Import blocks for stack %s, from plan %s of %s.\n", stack, l.ID, l.Created)
		fmt.Fprintf(&b, "# Copy this file into cdktf.out/stacks/%s/ and run `terraform plan` there: it must\n", stack)
		b.WriteString("# show only imports for these resources, no change and no replacement.\n")
		for _, e := range es {
			fmt.Fprintf(&b, "\n# from %s\nimport {\n  to = %s\n  id = %s\n}\n", e.Source, e.Destination, hclString(e.ImportID))
			rep.Imports++
		}
		files[filepath.Join(out, stack, "imports.tf")] = b.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Removed blocks for the source, from plan %s of %s.\n", l.ID, l.Created)
	b.WriteString("# Add this file to the source configuration and run `terraform apply` there after the\n")
	b.WriteString("# imports: Terraform forgets these resources without destroying them (Terraform >= 1.7).\n")
	for _, res := range slices.Sorted(maps.Keys(leaving)) {
		if staying[res] {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: some instances stay in the source, so no removed block is written for it; remove the others with `terraform state rm`", res))
			continue
		}
		fmt.Fprintf(&b, "\nremoved {\n  from = %s\n\n  lifecycle {\n    destroy = false\n  }\n}\n", res)
		rep.Removed++
	}
	files[filepath.Join(out, "source", "removed.tf")] = b.String()
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := durable.WriteFile(p, []byte(files[p]), 0o644); err != nil {
			return nil, err
		}
		rep.Files = append(rep.Files, p)
	}
	return rep, nil
}

// hclString quotes s as an HCL string literal: JSON-style escapes, and
// template sequences escaped so ${ and %{ stay literal.
func hclString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case (c == '$' || c == '%') && i+1 < len(s) && s[i+1] == '{':
			b.WriteByte(c)
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
