package tfstate

import (
	"encoding/json"
	"strings"
	"testing"
)

const sample = `{
  "version": 4,
  "terraform_version": "1.11.4",
  "serial": 7,
  "lineage": "3f1c7a52-0000-4000-8000-000000000001",
  "outputs": {},
  "resources": [
    {
      "module": "module.vpc",
      "mode": "managed",
      "type": "aws_subnet",
      "name": "private",
      "each": "list",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [
        {"index_key": 1, "schema_version": 1, "attributes": {"id": "subnet-b", "cidr_block": "10.10.32.0/20"}, "sensitive_attributes": [], "private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ==", "dependencies": ["module.vpc.aws_vpc.this"]},
        {"index_key": 0, "status": "tainted", "schema_version": 1, "attributes": {"id": "subnet-a", "cidr_block": "10.10.16.0/20"}, "sensitive_attributes": [], "identity_schema_version": 0}
      ]
    },
    {
      "mode": "data",
      "type": "aws_region",
      "name": "current",
      "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
      "instances": [{"schema_version": 0, "attributes": {"name": "us-east-1"}, "sensitive_attributes": []}]
    }
  ],
  "check_results": null
}
`

func TestParseAndMarshal(t *testing.T) {
	s, err := Parse("sample.tfstate", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if s.Serial != 7 || s.Lineage != "3f1c7a52-0000-4000-8000-000000000001" {
		t.Errorf("got serial %d lineage %q, want 7 and the sample's lineage", s.Serial, s.Lineage)
	}
	addr, _ := ParseInstanceAddr("module.vpc.aws_subnet.private[0]")
	_, in := s.FindInstance(addr)
	if in == nil {
		t.Fatalf("FindInstance(%s) = nil", addr)
	}
	if in.Status != "tainted" || string(in.Extra["identity_schema_version"]) != "0" {
		t.Errorf("got status %q extra %v, want tainted and identity_schema_version kept", in.Status, in.Extra)
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("marshalled", out)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, out)
	}
	out2, _ := again.Marshal()
	if string(out) != string(out2) {
		t.Errorf("Marshal is not stable:\n%s\nvs\n%s", out, out2)
	}
	// Data before module resources? Terraform sorts root module first.
	if i, j := strings.Index(string(out), `"aws_region"`), strings.Index(string(out), `"aws_subnet"`); i > j {
		t.Errorf("root module resources should come first:\n%s", out)
	}
	// Instances sorted by key; private data and dependencies kept.
	if i, j := strings.Index(string(out), `"subnet-a"`), strings.Index(string(out), `"subnet-b"`); i > j {
		t.Errorf("instances not sorted by key:\n%s", out)
	}
	for _, want := range []string{`"private": "eyJzY2hlbWFfdmVyc2lvbiI6IjEifQ=="`, `"module.vpc.aws_vpc.this"`, `"identity_schema_version": 0`, `"status": "tainted"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("Marshal lost %s:\n%s", want, out)
		}
	}
	if !json.Valid(out) {
		t.Errorf("Marshal wrote invalid JSON")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"not json", "{", "invalid JSON"},
		{"no version", `{"lineage": "x"}`, `no numeric "version"`},
		{"version 3", `{"version": 3, "lineage": "x"}`, "state format version 3; only version 4 (Terraform 0.12 and later) is supported: pull it with a current Terraform"},
		{"version 5", `{"version": 5, "lineage": "x"}`, "state format version 5 is newer than version 4, the only one this tool reads (Terraform 0.12 to 1.x write it): it was written by a newer Terraform or OpenTofu"},
		{"no lineage", `{"version": 4, "serial": 1}`, "no lineage"},
		{"bad mode", `{"version": 4, "lineage": "x", "resources": [{"mode": "x", "type": "a", "name": "b", "provider": "p", "instances": []}]}`, `resources[0]: mode "x"`},
		{"int key with for_each", `{"version": 4, "lineage": "x", "resources": [{"mode": "managed", "type": "a", "name": "b", "each": "map", "provider": "p", "instances": [{"index_key": 0}]}]}`, "a.b[0]: integer index key on a resource that uses for_each"},
		{"mixed keys", `{"version": 4, "lineage": "x", "resources": [{"mode": "managed", "type": "a", "name": "b", "provider": "p", "instances": [{"index_key": 0}, {"index_key": "k"}]}]}`, `a.b["k"]: index keys of different kinds`},
		{"duplicate instance", `{"version": 4, "lineage": "x", "resources": [{"mode": "managed", "type": "a", "name": "b", "each": "map", "provider": "p", "instances": [{"index_key": "k"}, {"index_key": "k"}]}]}`, `a.b["k"]: instance appears twice`},
		{"bad status", `{"version": 4, "lineage": "x", "resources": [{"mode": "managed", "type": "a", "name": "b", "provider": "p", "instances": [{"status": "odd"}]}]}`, `status "odd"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.tfstate", []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "f.tfstate: ") {
				t.Errorf("got %v, want an error naming f.tfstate and containing %q", err, tt.want)
			}
		})
	}
}

func TestParseInstanceAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string
		key  any
		mod  string
		mode string
	}{
		{"aws_vpc.main", "aws_vpc.main", nil, "", "managed"},
		{"module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[0]", 0, "module.vpc", "managed"},
		{`aws_db_instance.client["mtn-ghana"]`, `aws_db_instance.client["mtn-ghana"]`, "mtn-ghana", "", "managed"},
		{`module.a["x.y"].module.b[2].aws_iam_role.r`, `module.a["x.y"].module.b[2].aws_iam_role.r`, nil, `module.a["x.y"].module.b[2]`, "managed"},
		{"data.aws_region.current", "data.aws_region.current", nil, "", "data"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			a, err := ParseInstanceAddr(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if a.String() != tt.want || a.Key != tt.key || a.Resource.Module != tt.mod || a.Resource.Mode != tt.mode {
				t.Errorf("got %s (key %v module %q mode %s), want %s (key %v module %q mode %s)", a, a.Key, a.Resource.Module, a.Resource.Mode, tt.want, tt.key, tt.mod, tt.mode)
			}
		})
	}
	for _, bad := range []string{"", "aws_vpc", "aws_vpc.", "aws_vpc.main[", "aws_vpc.main[-1]", "module.vpc", "aws_vpc.main.extra", "aws vpc.main"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if a, err := ParseInstanceAddr(bad); err == nil {
				t.Errorf("ParseInstanceAddr(%q) = %s, want an error", bad, a)
			}
		})
	}
}
