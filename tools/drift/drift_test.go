package drift

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/tools/stackgraph"
)

func graph(t *testing.T) *stackgraph.Graph {
	t.Helper()
	stack := func(layer, backend string) []byte {
		b, _ := json.Marshal(map[string]any{
			"provider":  map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": map[string]any{"Environment": "dev", "Layer": layer}}}}}},
			"terraform": map[string]any{"backend": map[string]any{backend: map[string]any{}}},
		})
		return b
	}
	g, err := stackgraph.New([]stackgraph.Input{
		{Name: "bootstrap-dev", JSON: stack("bootstrap", "local")},
		{Name: "foundation-dev", JSON: stack("foundation", "s3")},
		{Name: "platform-dev", Dependencies: []string{"foundation-dev"}, JSON: stack("platform", "s3")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestReport(t *testing.T) {
	drifted := `{"stack":"foundation-dev","status":"drifted","changes":[{"address":"aws_security_group.nodes","actions":["update"]}]}`
	cases := []struct {
		name  string
		files map[string]string
		code  int
		want  []string
	}{
		{"in sync", map[string]string{"foundation-dev": `{"stack":"foundation-dev","status":"in-sync","changes":[]}`, "platform-dev": `{"stack":"platform-dev","status":"in-sync","changes":[]}`}, 0,
			[]string{"0 drifted", "bootstrap-dev", "not checked by CI", "npx cdktf diff bootstrap-dev"}},
		{"drifted", map[string]string{"foundation-dev": drifted, "platform-dev": `{"stack":"platform-dev","status":"in-sync","changes":[]}`}, 2,
			[]string{"1 drifted", "foundation-dev", "aws_security_group.nodes (update)"}},
		{"a plan failed", map[string]string{"foundation-dev": drifted, "platform-dev": `{"stack":"platform-dev","status":"failed","changes":[]}`}, 1,
			[]string{"1 failed", "platform-dev"}},
		{"a result is missing", map[string]string{"foundation-dev": drifted}, 1, []string{"1 missing", "platform-dev"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for s, b := range c.files {
				if err := os.WriteFile(filepath.Join(dir, s+".json"), []byte(b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rs, err := Collect(dir, graph(t))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			Write(&out, rs, false)
			if got := Code(rs); got != c.code {
				t.Errorf("code %d, want %d\n%s", got, c.code, out.String())
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("report lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "foundation-dev.json"), []byte(`{"stack":"foundation-dev","status":"weird"}`), 0o644)
	if _, err := Collect(dir, graph(t)); err == nil {
		t.Error("an unknown status was accepted")
	}
}
