package synthesis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stackJSON is a stack's JSON built for env, layer and client (client
// may be "": then only the resources carry it, as a database stack's).
func stackJSON(env, layer, defaultClient, resourceClient string) string {
	tags := `"Environment":"` + env + `","Layer":"` + layer + `"`
	if defaultClient != "" {
		tags += `,"Client":"` + defaultClient + `"`
	}
	res := ""
	if resourceClient != "" {
		res = `,"resource":{"aws_db_instance":{"db":{"tags":{"Client":"` + resourceClient + `"}},"k":{"tags":{"Client":"${var.x}"}}}}`
	}
	return `{"provider":{"aws":[{"default_tags":[{"tags":{` + tags + `}}]}]}` + res + `}`
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRead: stacks come back sorted, with absolute paths, sorted
// dependencies, and the environment, layer and client they were built
// for — from their tags, never from their names (an environment named
// "eu-prod" and a client named "a-b" cannot be split back out of
// "client-a-b-eu-prod").
func TestRead(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"manifest.json": `{"stacks":{
			"client-a-b-eu-prod":{"dependencies":["platform-eu-prod","database-a-b-eu-prod"],"synthesizedStackPath":"stacks/client-a-b-eu-prod/cdk.tf.json","workingDirectory":"stacks/client-a-b-eu-prod"},
			"database-a-b-eu-prod":{"dependencies":[],"synthesizedStackPath":"stacks/database-a-b-eu-prod/cdk.tf.json","workingDirectory":"stacks/database-a-b-eu-prod"},
			"fixture":{"synthesizedStackPath":"stacks/fixture/cdk.tf.json"}
		},"version":"0.20.11"}`,
		"stacks/client-a-b-eu-prod/cdk.tf.json":   stackJSON("eu-prod", "client", "a-b", ""),
		"stacks/database-a-b-eu-prod/cdk.tf.json": stackJSON("eu-prod", "databases", "", "a-b"),
		"stacks/fixture/cdk.tf.json":              `{}`,
	})
	out, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, env, layer, client string
		deps                     string
	}{
		{"client-a-b-eu-prod", "eu-prod", "client", "a-b", "database-a-b-eu-prod platform-eu-prod"},
		{"database-a-b-eu-prod", "eu-prod", "databases", "a-b", ""},
		{"fixture", "", "", "", ""},
	}
	if len(out.Stacks) != len(want) {
		t.Fatalf("got %d stacks, want %d", len(out.Stacks), len(want))
	}
	for i, w := range want {
		s := out.Stacks[i]
		if s.Name != w.name || s.Environment != w.env || s.Layer != w.layer || s.Client != w.client || strings.Join(s.Dependencies, " ") != w.deps {
			t.Errorf("stack %d: got %s env %q layer %q client %q deps %v, want %s env %q layer %q client %q deps %q",
				i, s.Name, s.Environment, s.Layer, s.Client, s.Dependencies, w.name, w.env, w.layer, w.client, w.deps)
		}
		if got := filepath.Join(dir, "stacks", w.name, "cdk.tf.json"); s.Path != got {
			t.Errorf("%s: path %s, want %s", w.name, s.Path, got)
		}
		if got := filepath.Join(dir, "stacks", w.name); s.Dir != got {
			t.Errorf("%s: dir %s, want %s", w.name, s.Dir, got)
		}
	}
	if s, ok := out.Stack("database-a-b-eu-prod"); !ok || s.Layer != "databases" {
		t.Errorf("Stack(database-a-b-eu-prod) = %+v, %v", s, ok)
	}
	if _, ok := out.Stack("nope"); ok {
		t.Error("Stack(nope) found a stack")
	}
}

// TestReadErrors: what cannot be read is refused with the file and the
// stack it concerns.
func TestReadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"no manifest", map[string]string{}, "manifest.json does not exist: synthesize first (make synth)"},
		{"not JSON", map[string]string{"manifest.json": "{"}, "manifest.json: unexpected end of JSON input"},
		{"unknown key", map[string]string{"manifest.json": `{"stacks":{},"version":"1","extra":1}`}, `unknown key "extra"`},
		{"no path", map[string]string{"manifest.json": `{"stacks":{"a":{}}}`}, "stack a has no synthesizedStackPath"},
		{"missing stack file", map[string]string{"manifest.json": `{"stacks":{"a":{"synthesizedStackPath":"stacks/a/cdk.tf.json"}}}`}, "stack a: open"},
		{"stack not JSON", map[string]string{"manifest.json": `{"stacks":{"a":{"synthesizedStackPath":"a.json"}}}`, "a.json": "[1"}, "a.json: stack a:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, c.files)
			_, err := Read(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestIdentify: a stack without its Environment and Layer tags is
// refused; a database stack's client is its resources' one Client tag,
// and none when they name two clients.
func TestIdentify(t *testing.T) {
	if _, _, _, err := Identify([]byte(`{"provider":{"aws":[{}]}}`)); err == nil || !strings.Contains(err.Error(), "no Environment and Layer default tags") {
		t.Errorf("untagged stack: got %v", err)
	}
	two := `{"provider":{"aws":[{"default_tags":[{"tags":{"Environment":"dev","Layer":"databases"}}]}]},
		"resource":{"aws_db_instance":{"a":{"tags":{"Client":"a"}},"b":{"tags":{"Client":"b"}}}}}`
	if env, layer, client, err := Identify([]byte(two)); err != nil || env != "dev" || layer != "databases" || client != "" {
		t.Errorf("two clients' resources: got %q %q %q %v, want dev databases and no client", env, layer, client, err)
	}
}
