package stacks_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"stratum/config"
	"stratum/stacks"
	"stratum/testkit/golden"
	"stratum/tools/architecture"
	"stratum/tools/generate"
)

// TestGeneratedFilesAreCurrent: every committed generated file equals what
// `stratum generate` writes from the real configuration.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := generate.Files("..", stacks.DefaultGraph(t), config.Environments())
	if err != nil {
		t.Fatal(err)
	}
	paths := slices.Sorted(maps.Keys(files))
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			path := filepath.Join("..", p)
			if *golden.Update {
				if err := generate.Write("..", map[string][]byte{p: files[p]}); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s: %v: run `make generate` and commit it", p, err)
			}
			if !bytes.Equal(got, files[p]) {
				t.Errorf("%s is stale: run `make generate` (stratum generate) and commit the result (-committed +generated):\n%s",
					p, cmp.Diff(string(got), string(files[p])))
			}
		})
	}
}

// TestGeneratedPaths: generate.Paths, which needs no synthesis, names
// exactly the files generate.Files writes from the real graph.
func TestGeneratedPaths(t *testing.T) {
	files, err := generate.Files("..", stacks.DefaultGraph(t), config.Environments())
	if err != nil {
		t.Fatal(err)
	}
	paths, err := generate.Paths("..", config.Environments())
	if err != nil {
		t.Fatal(err)
	}
	if want := slices.Sorted(maps.Keys(files)); !slices.Equal(paths, want) {
		t.Errorf("generate.Paths = %v, want %v", paths, want)
	}
}

// TestPipelinesOnboarding: adding a client changes the generated
// pipelines (the YAML files) only where its stacks appear: every value of the pipelines
// without it is still there, and everything added names the new client.
// The one value that changes with any change of the stack graph is the
// digest of the batches (-layout, pipelines.Layout.Digest), which pins
// the batches the pipeline was generated with; it is compared apart.
func TestPipelinesOnboarding(t *testing.T) {
	layout := regexp.MustCompile(`-layout [0-9a-f]{16}`)
	before, err := generate.Files("..", stacks.DefaultGraph(t), config.Environments())
	if err != nil {
		t.Fatal(err)
	}
	onboarded, name := stacks.OnboardedGraph(t)
	after, err := generate.Files("..", onboarded, config.Environments())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after))) {
		t.Fatalf("generated files %v became %v", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
	}
	changed := 0
	for p := range before {
		if ext := filepath.Ext(p); ext != ".yml" && ext != ".yaml" {
			continue // the pipelines; the architecture document is checked by TestArchitectureOnboarding
		}
		if layout.Match(before[p]) && bytes.Equal(layout.Find(before[p]), layout.Find(after[p])) {
			t.Errorf("%s: the digest of the batches did not change with the stack graph", p)
		}
		var b, a any
		if err := yaml.Unmarshal(layout.ReplaceAll(before[p], []byte("-layout LAYOUT")), &b); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(layout.ReplaceAll(after[p], []byte("-layout LAYOUT")), &a); err != nil {
			t.Fatal(err)
		}
		for _, problem := range additionsOnly(p, b, a, name) {
			t.Error(problem)
		}
		if !bytes.Equal(before[p], after[p]) {
			changed++
		}
	}
	if changed == 0 {
		t.Error("no pipeline changed: the new client's stacks are nowhere")
	}
}

// additionsOnly lists how after differs from before other than by
// additions mentioning mark: map keys kept with values that only gain,
// lists keeping their elements in order, new entries containing mark.
func additionsOnly(path string, before, after any, mark string) []string {
	switch b := before.(type) {
	case map[string]any:
		a, ok := after.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: a mapping became %T", path, after)}
		}
		var out []string
		for k, v := range b {
			av, ok := a[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s was removed", path, k))
				continue
			}
			out = append(out, additionsOnly(path+"."+k, v, av, mark)...)
		}
		for k, v := range a {
			if _, ok := b[k]; !ok && !mentions(k, v, mark) {
				out = append(out, fmt.Sprintf("%s.%s was added and does not name %s", path, k, mark))
			}
		}
		return out
	case []any:
		a, ok := after.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: a list became %T", path, after)}
		}
		var out []string
		i := 0
		for j, v := range a {
			if i < len(b) && reflect.DeepEqual(b[i], v) {
				i++
				continue
			}
			// The same element, grown by additions (a stage gaining jobs).
			_, isMap := v.(map[string]any)
			_, isList := v.([]any)
			if i < len(b) && (isMap || isList) && len(additionsOnly(fmt.Sprintf("%s[%d]", path, j), b[i], v, mark)) == 0 {
				i++
				continue
			}
			if !mentions("", v, mark) {
				out = append(out, fmt.Sprintf("%s[%d] = %v was added and does not name %s", path, j, v, mark))
			}
		}
		if i < len(b) {
			out = append(out, fmt.Sprintf("%s: %v is missing or out of order", path, b[i]))
		}
		return out
	}
	if !reflect.DeepEqual(before, after) {
		return []string{fmt.Sprintf("%s changed from %v to %v", path, before, after)}
	}
	return nil
}

// mentions reports whether key or v names mark, as a stack name does
// or as a job ID spells it (hyphens become underscores: the Azure
// report job's dependsOn lists drift_database_newcomer_2_dev).
func mentions(key string, v any, mark string) bool {
	b, _ := yaml.Marshal(v)
	for _, m := range []string{mark, strings.ReplaceAll(mark, "-", "_")} {
		if strings.Contains(key, m) || strings.Contains(string(b), m) {
			return true
		}
	}
	return false
}

func TestAdditionsOnly(t *testing.T) {
	before := map[string]any{"jobs": map[string]any{"a": []any{"x"}}}
	cases := []struct {
		name  string
		after map[string]any
		ok    bool
	}{
		{"same", map[string]any{"jobs": map[string]any{"a": []any{"x"}}}, true},
		{"new job of acme", map[string]any{"jobs": map[string]any{"a": []any{"x"}, "plan_acme": map[string]any{}}}, true},
		{"list gains acme", map[string]any{"jobs": map[string]any{"a": []any{"x", "client-acme-dev"}}}, true},
		{"list gains acme-2's job ID", map[string]any{"jobs": map[string]any{"a": []any{"x", "drift_client_acme_2_dev"}}}, true},
		{"other job", map[string]any{"jobs": map[string]any{"a": []any{"x"}, "b": 1}}, false},
		{"value changed", map[string]any{"jobs": map[string]any{"a": []any{"y"}}}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mark := "acme"
			if strings.Contains(tc.name, "acme-2") {
				mark = "acme-2" // a fresh name beside an onboarded one
			}
			if got := additionsOnly("", before, tc.after, mark); (len(got) == 0) != tc.ok {
				t.Errorf("additionsOnly = %v, want ok=%t", got, tc.ok)
			}
		})
	}
}

// TestArchitectureOnboarding: the architecture diagrams group a layer's
// stacks, so adding a client changes no diagram and no row of the SSM
// contract: only the stacks-by-level rows of the environments it joins,
// which gain its two stacks (its database and client stack).
func TestArchitectureOnboarding(t *testing.T) {
	before, err := architecture.Section(stacks.DefaultGraph(t))
	if err != nil {
		t.Fatal(err)
	}
	onboarded, name := stacks.OnboardedGraph(t)
	after, err := architecture.Section(onboarded)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, l := range strings.Split(string(after), "\n") {
		kept[l] = true
	}
	for _, l := range strings.Split(string(before), "\n") {
		if kept[l] {
			continue
		}
		env, _, _ := strings.Cut(strings.TrimPrefix(l, "| "), " |")
		grown := ""
		for _, a := range strings.Split(string(after), "\n") {
			if strings.HasPrefix(a, "| "+env+" |") {
				grown = a
			}
		}
		without := grown
		for _, stack := range []string{"database-" + name + "-" + env, "client-" + name + "-" + env} {
			without = strings.Replace(without, ", `"+stack+"`", "", 1)
			without = strings.Replace(without, "`"+stack+"`, ", "", 1)
		}
		if !strings.HasPrefix(l, "| ") || !strings.Contains(grown, "client-"+name+"-"+env) || !strings.Contains(grown, "database-"+name+"-"+env) || without != l {
			t.Errorf("line %q changed (to %q) when a client was added", l, grown)
		}
	}
	if bytes.Equal(before, after) {
		t.Error("the section did not change: the new client's stacks are nowhere")
	}
}
