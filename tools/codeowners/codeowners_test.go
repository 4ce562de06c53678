package codeowners

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/stackgraph"
)

func graph(t *testing.T) *stackgraph.Graph {
	t.Helper()
	stack := func(env, layer, client string) []byte {
		tags := map[string]any{"Environment": env, "Layer": layer}
		if client != "" {
			tags["Client"] = client
		}
		b, _ := json.Marshal(map[string]any{
			"provider":  map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": tags}}}}},
			"terraform": map[string]any{"backend": map[string]any{"s3": map[string]any{}}},
		})
		return b
	}
	g, err := stackgraph.New([]stackgraph.Input{
		{Name: "foundation-prod", JSON: stack("prod", "foundation", "")},
		{Name: "foundation-dev", JSON: stack("dev", "foundation", "")},
		{Name: "client-acme-prod", JSON: stack("prod", "client", "acme")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func envs() []config.Environment {
	prod, dev := config.Environment{Name: "prod"}, config.Environment{Name: "dev"}
	prod.CI.Teams = []config.Team{{Name: "platform", Layers: []string{"foundation"}}, {Name: "delivery", Layers: []string{"client"}}}
	dev.CI.Teams = []config.Team{{Name: "sandbox", Layers: []string{"foundation"}}}
	return []config.Environment{prod, dev}
}

// TestFile: each stack's snapshot is owned by its layer's team in its
// environment and by its client's owners; the layers' files by their
// teams anywhere; delivery trust by the default owners.
func TestFile(t *testing.T) {
	owners := config.CodeOwners{Default: []string{"@acme/leads"}, Teams: map[string][]string{
		"platform": {"@acme/platform"}, "delivery": {"@acme/delivery"}, "sandbox": {"@acme/sandbox"},
	}}
	b, err := File(graph(t), envs(), owners, []clients.Client{{Name: "acme", Owners: []string{"@acme/acme-team"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"* @acme/leads\n",
		"/__snapshots__/foundation-prod.json @acme/platform\n",
		"/__snapshots__/foundation-dev.json @acme/sandbox\n",
		"/__snapshots__/client-acme-prod.json @acme/delivery @acme/acme-team\n",
		"/stacks/foundation.go @acme/platform @acme/sandbox\n",
		"/deploy/ @acme/leads\n",
		"/CODEOWNERS @acme/leads\n",
		// A layer without a team falls to the default owners.
		"/stacks/services.go @acme/leads\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("CODEOWNERS lacks %q:\n%s", want, b)
		}
	}
}

func TestFileErrors(t *testing.T) {
	for name, owners := range map[string]config.CodeOwners{
		"a team no environment has": {Teams: map[string][]string{"plattform": {"@acme/platform"}}},
		"a handle without @":        {Default: []string{"acme/leads"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := File(graph(t), envs(), owners, nil); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestIsCodeOwner(t *testing.T) {
	for h, ok := range map[string]bool{"@acme": true, "@acme/platform": true, "@group/sub/team": true, "ops@example.com": true, "acme": false, "@": false, "@acme/": false} {
		if config.IsCodeOwner(h) != ok {
			t.Errorf("IsCodeOwner(%q) = %v, want %v", h, !ok, ok)
		}
	}
}

// TestOwnedPathsExist: every path CODEOWNERS gives an owner by name
// exists in the repository; a path that moved would otherwise leave its
// files to the catch-all owners without a word.
func TestOwnedPathsExist(t *testing.T) {
	paths := slices.Clone(delivery)
	for _, files := range layerFiles {
		paths = append(paths, files...)
	}
	paths = append(paths, "/clients/", "/__snapshots__/")
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join("..", "..", filepath.FromSlash(p))); err != nil {
			t.Errorf("CODEOWNERS names %s, which does not exist: %v", p, err)
		}
	}
}
