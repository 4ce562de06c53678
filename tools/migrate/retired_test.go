package migrate

import (
	"strings"
	"testing"

	"stratum/tools/tfbackend"
)

// s3Stack is a synthesized stack with Stratum's S3 backend in bucket.
func s3Stack(name, bucket string) *Stack {
	return &Stack{Name: name, Backend: tfbackend.Backend{Name: name, Type: "s3", Config: map[string]any{
		"bucket": bucket, "key": name + "/terraform.tfstate", "region": "us-east-1", "encrypt": true,
		"dynamodb_table": "stratum-prod-tflock", "use_lockfile": true,
	}}}
}

func synthesisOf(stacks ...*Stack) *Synthesis {
	syn := &Synthesis{Dir: "/cdktf.out", Stacks: map[string]*Stack{}}
	for _, s := range stacks {
		syn.Stacks[s.Name] = s
	}
	return syn
}

// TestRetiredBackend: the backend of a stack that is no longer synthesized
// is the destinations' with their own name replaced by its name, when they
// all agree; otherwise the error says why.
func TestRetiredBackend(t *testing.T) {
	split := synthesisOf(s3Stack("database-ezra-prod", "stratum-prod-tfstate"), s3Stack("database-mtn-ghana-prod", "stratum-prod-tfstate"),
		s3Stack("foundation-prod", "stratum-prod-tfstate"))
	b, from, err := retiredBackend(split, "databases-prod", "database-*-prod")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), "s3://stratum-prod-tfstate/databases-prod/terraform.tfstate"; got != want {
		t.Errorf("backend %s, want %s", got, want)
	}
	if b.Config["dynamodb_table"] != "stratum-prod-tflock" || b.Config["use_lockfile"] != true || b.Config["encrypt"] != true {
		t.Errorf("backend config %v: the other arguments must be the destinations'", b.Config)
	}
	if strings.Join(from, " ") != "database-ezra-prod database-mtn-ghana-prod" {
		t.Errorf("inferred from %v, want the two database stacks", from)
	}

	local := synthesisOf(&Stack{Name: "database-ezra-prod", Backend: tfbackend.Backend{Type: "local", Config: map[string]any{"path": "/states/database-ezra-prod.tfstate"}}})
	if b, _, err := retiredBackend(local, "databases-prod", ""); err != nil || b.String() != "local:/states/databases-prod.tfstate" {
		t.Errorf("local: got %s, %v; want local:/states/databases-prod.tfstate", b, err)
	}

	cases := []struct {
		name     string
		syn      *Synthesis
		patterns string
		want     string
	}{
		{"destinations disagree", synthesisOf(s3Stack("database-ezra-prod", "stratum-prod-tfstate"), s3Stack("database-ezra-staging", "stratum-staging-tfstate")),
			"database-*", "the destinations disagree on its backend: database-ezra-prod's gives s3://stratum-prod-tfstate/databases-prod/terraform.tfstate, database-ezra-staging's gives s3://stratum-staging-tfstate/databases-prod/terraform.tfstate"},
		{"a backend that does not name its stack", synthesisOf(&Stack{Name: "database-ezra-prod", Backend: tfbackend.Backend{Type: "s3", Config: map[string]any{"bucket": "b", "key": "terraform.tfstate"}}}),
			"", "the backend of destination database-ezra-prod (s3://b/terraform.tfstate) does not name its stack"},
		{"no destination", split, "client-*", "no destination to infer its backend from"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := retiredBackend(tc.syn, "databases-prod", tc.patterns); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestResolveRetiredSource: -source stack:NAME of a stack that is not
// synthesized resolves to the inferred backend and says so; when it
// cannot be inferred, the error names the stack, why, and the way out.
func TestResolveRetiredSource(t *testing.T) {
	syn := synthesisOf(s3Stack("database-ezra-prod", "stratum-prod-tfstate"), s3Stack("database-mtn-ghana-prod", "stratum-prod-tfstate"))
	src, err := resolveSource(&Options{Source: "stack:databases-prod", Stacks: "database-*-prod", BackendConfig: []string{"x.tfbackend"}}, syn)
	if err != nil {
		t.Fatal(err)
	}
	if src.stack != "databases-prod" || src.ref.Kind != "stack" || src.ref.Backend.backend("").String() != "s3://stratum-prod-tfstate/databases-prod/terraform.tfstate" {
		t.Errorf("source %+v, want stack databases-prod in s3://stratum-prod-tfstate/databases-prod/terraform.tfstate", src)
	}
	if len(src.ref.Backend.BackendConfig) != 1 || !strings.Contains(src.ref.Inferred, "database-ezra-prod, database-mtn-ghana-prod") {
		t.Errorf("backend config %v, inferred %q: want -backend-config passed on and the inference explained", src.ref.Backend.BackendConfig, src.ref.Inferred)
	}
	_, err = resolveSource(&Options{Source: "stack:databses-prod", Stacks: "client-*"}, syn)
	for _, want := range []string{`stack "databses-prod" is not synthesized in /cdktf.out`, "no destination to infer its backend from", "-source backend:FILE.json", "stacks: database-ezra-prod, database-mtn-ghana-prod"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}
