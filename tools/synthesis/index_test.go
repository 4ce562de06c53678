package synthesis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"stratum/testkit/golden"
)

// factsFixtures are stacks whose facts exercise every field of Facts:
// default and resource Client tags, backends, providers, SSM writes and
// reads (duplicated, empty, not a string), cdktf's "//" metadata at
// several depths, numbers, escapes and HTML characters in strings.
var factsFixtures = []string{
	`{"//":{"metadata":{"version":"0.20.11"}},
	  "provider":{"aws":[{"default_tags":[{"tags":{"Environment":"prod","Layer":"client","Client":"acme"}}]}],"kubernetes":[{"host":"h"}],"helm":[]},
	  "terraform":{"backend":{"s3":{"bucket":"b","key":"client-acme-prod/terraform.tfstate"}}},
	  "data":{"aws_ssm_parameter":{"vpc":{"name":"/stratum/prod/foundation/vpc/id"},"token":{"name":{"x":1}},"cluster":{"name":"/stratum/prod/platform/cluster/name","//":{"path":"a/b"}}}},
	  "resource":{"aws_ssm_parameter":{"a":{"name":"/stratum/prod/clients/acme/x","value":"${aws_s3_bucket.b.arn}"},"b":{"name":"/stratum/prod/clients/acme/x"},"c":{"name":""}},
	    "aws_s3_bucket":{"b":{"bucket":"acme-<data>&\u00e9","//":{"metadata":{"path":"x"}},"lifecycle":[1.5,1e21,100,-0.0000001]}}}}`,
	`{"provider":{"aws":[{"default_tags":[{"tags":{"Environment":"dev","Layer":"databases"}}]}]},
	  "terraform":{"backend":{"s3":{}}},
	  "resource":{"aws_db_instance":{"db":{"tags":{"Client":"a-b"}},"k":{"tags":{"Client":"${var.x}"}},"s":{"tags":"${local.tags}"}}}}`,
	`{"terraform":{"backend":{"local":{"path":"x"}}},"resource":{"aws_s3_bucket":{"state":{"bucket":"s"}}}}`,
	`{}`,
}

// TestIndexFormatPinned: the facts of the fixtures are pinned under
// IndexFormat, so that changing what Summarize or Digest say of the same
// bytes without changing IndexFormat fails here (an index written by the
// old code would be read as if the new code had written it).
func TestIndexFormatPinned(t *testing.T) {
	var got []Facts
	for i, raw := range factsFixtures {
		f, err := ComputeFacts([]byte(raw))
		if err != nil {
			t.Fatalf("fixture %d: %v", i, err)
		}
		got = append(got, f)
	}
	type pinned struct {
		Format string
		Facts  []Facts
	}
	file := filepath.Join("testdata", "facts.golden.json")
	b, err := os.ReadFile(file)
	var want pinned
	if err == nil {
		err = json.Unmarshal(b, &want)
	}
	switch {
	case err == nil && want.Format == IndexFormat && !reflect.DeepEqual(got, want.Facts):
		t.Fatalf("the fixtures' facts changed under the same IndexFormat %q: change IndexFormat (an index of the old facts must not be read), then go test -update\ngot  %+v\nwant %+v", IndexFormat, got, want.Facts)
	case err == nil && want.Format == IndexFormat:
		return
	case !*golden.Update:
		t.Fatalf("%s pins format %q, not IndexFormat %q (or cannot be read: %v): go test -update ./tools/synthesis", file, want.Format, IndexFormat, err)
	}
	out, _ := json.MarshalIndent(pinned{IndexFormat, got}, "", "  ")
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSummarize: what the fixtures say of themselves.
func TestSummarize(t *testing.T) {
	s, err := Summarize([]byte(factsFixtures[0]))
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Environment: "prod", Layer: "client", Client: "acme", Backends: []string{"s3"}, Providers: []string{"aws", "kubernetes"},
		Types: []string{"aws_s3_bucket", "aws_ssm_parameter", "data.aws_ssm_parameter"}, Elements: 7,
		Writes: []string{"/stratum/prod/clients/acme/x"},
		Reads:  map[string]string{"data.aws_ssm_parameter.vpc": "/stratum/prod/foundation/vpc/id", "data.aws_ssm_parameter.cluster": "/stratum/prod/platform/cluster/name"}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize = %+v\nwant %+v", s, want)
	}
	if s, _ := Summarize([]byte(factsFixtures[1])); s.Client != "a-b" || s.Layer != "databases" {
		t.Errorf("database stack: %+v, want client a-b from its resources' tags", s)
	}
	if s, _ := Summarize([]byte(factsFixtures[2])); s.Environment != "" || s.Backends[0] != "local" {
		t.Errorf("untagged stack: %+v, want no environment and a local backend", s)
	}
	if _, err := Summarize([]byte(`{"resource":{"aws_s3_bucket":"x"}}`)); err == nil {
		t.Error("a resource type that is not an object: no error")
	}
}

// TestIndex: an index gives what ComputeFacts computes, from the entry it
// stored; an entry that is damaged, of another format or under another
// key is a miss, its facts computed again (and right), the entry
// rewritten.
func TestIndex(t *testing.T) {
	raw := []byte(factsFixtures[0])
	want, err := ComputeFacts(raw)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	x := OpenIndex(dir)
	entry := x.path(indexKey(raw))
	if f, err := x.Lookup(raw); err != nil || !reflect.DeepEqual(f, want) {
		t.Fatalf("miss: %+v, %v; want %+v", f, err, want)
	}
	good, err := os.ReadFile(entry)
	if err != nil {
		t.Fatalf("a miss stored no entry: %v", err)
	}
	if f, ok := x.load(indexKey(raw)); !ok || !reflect.DeepEqual(f, want) {
		t.Fatalf("hit: %+v, %v; want %+v", f, ok, want)
	}
	other := []byte(factsFixtures[1])
	otherFacts, _ := ComputeFacts(other)
	damaged := map[string][]byte{
		"truncated":      good[:len(good)/2],
		"empty":          {},
		"other format":   []byte(strings.Replace(string(good), IndexFormat, "stratum-synthesis-index 0", 1)),
		"flipped digest": []byte(strings.Replace(string(good), want.Digest[10:20], "0123456789", 1)),
		"flipped name":   []byte(strings.Replace(string(good), `"acme"`, `"acmf"`, 1)),
		// A whole, well-formed entry of other bytes copied under this key.
		"another key": encodeFacts(indexKey(other), otherFacts),
	}
	for name, b := range damaged {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(entry, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, ok := x.load(indexKey(raw)); ok {
				t.Fatal("a damaged entry was read")
			}
			if err := os.WriteFile(entry, b, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := x.Lookup(raw)
			if err != nil || !reflect.DeepEqual(f, want) {
				t.Fatalf("after damage: %+v, %v; want %+v", f, err, want)
			}
			if b, _ := os.ReadFile(entry); string(b) != string(good) {
				t.Errorf("the damaged entry was not rewritten:\n%s", b)
			}
		})
	}
	if _, err := x.Lookup([]byte(`{"resource":1}`)); err == nil {
		t.Error("facts of what is no stack: no error")
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// TestReadIndexed: a synthesis read through an index is the one Read
// reads, with each stack's digest; read again, from the index alone.
func TestReadIndexed(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"manifest.json": `{"stacks":{
			"a":{"dependencies":["b"],"synthesizedStackPath":"stacks/a/cdk.tf.json","workingDirectory":"stacks/a"},
			"b":{"synthesizedStackPath":"stacks/b/cdk.tf.json","workingDirectory":"stacks/b"}
		},"version":"0.20.11"}`,
		"stacks/a/cdk.tf.json": factsFixtures[0],
		"stacks/b/cdk.tf.json": factsFixtures[1],
	})
	plain, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	x := OpenIndex(t.TempDir())
	for round := range 2 {
		got, err := ReadIndexed(dir, x)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range got.Stacks {
			d, _ := Digest(s.JSON)
			if s.Digest != d {
				t.Errorf("round %d, %s: digest %q, want %q", round, s.Name, s.Digest, d)
			}
			s.Digest = ""
			if !reflect.DeepEqual(s, plain.Stacks[i]) {
				t.Errorf("round %d: %+v\nwant %+v", round, s, plain.Stacks[i])
			}
		}
	}
}
