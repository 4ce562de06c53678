package migrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/tools/tfstate"
)

func mappingFixture(t *testing.T) (*tfstate.State, map[string]*srcInst, *Synthesis, map[string]*Stack) {
	t.Helper()
	raw := []byte(`{"version": 4, "serial": 1, "lineage": "l", "resources": [
	  {"mode": "managed", "type": "aws_instance", "name": "bastion", "provider": "p", "instances": [{"schema_version": 1, "attributes": {"id": "i-1"}}]},
	  {"module": "module.vpc", "mode": "managed", "type": "aws_subnet", "name": "private", "provider": "p", "instances": [
	    {"index_key": 0, "schema_version": 1, "attributes": {"id": "subnet-0"}}, {"index_key": 1, "schema_version": 1, "attributes": {"id": "subnet-1"}}]},
	  {"mode": "managed", "type": "aws_s3_bucket", "name": "b", "provider": "p", "instances": [
	    {"index_key": "x", "attributes": {"id": "x"}}, {"index_key": "y", "attributes": {"id": "y"}}]},
	  {"mode": "data", "type": "aws_region", "name": "current", "provider": "p", "instances": [{"attributes": {"name": "us-east-1"}}]}
	]}`)
	st, err := tfstate.Parse("monolith.tfstate", raw)
	if err != nil {
		t.Fatal(err)
	}
	l := &Ledger{}
	_, by, err := sourceInstances(st, l)
	if err != nil {
		t.Fatal(err)
	}
	found := stackOf("foundation-prod", map[string]map[string]map[string]any{
		"aws_subnet":    {"a": {"cidr_block": "10.0.0.0/24"}, "b": {"cidr_block": "10.0.1.0/24"}},
		"aws_s3_bucket": {"many": {"for_each": "${toset([\"x\",\"y\"])}", "bucket": "${each.key}"}},
	}, nil)
	syn := &Synthesis{Dir: "cdktf.out", Stacks: map[string]*Stack{"foundation-prod": found, "platform-prod": stackOf("platform-prod", nil, nil)}}
	return st, by, syn, map[string]*Stack{"foundation-prod": found}
}

func noHistory(string) (string, bool) { return "", false }

func TestResolveMapping(t *testing.T) {
	st, by, syn, dests := mappingFixture(t)
	mf := &MappingFile{Moves: []MappingEntry{
		{From: "aws_instance.bastion", Action: "retire", Reason: "no home"},
		{From: "module.vpc.aws_subnet.private[0]", To: "foundation-prod:aws_subnet.a"},
		{From: "module.vpc.aws_subnet.private[1]", Action: "keep"},
		{From: "aws_s3_bucket.b", To: "foundation-prod:aws_s3_bucket.many"},
		{From: "data.aws_region.current", Action: "keep"},
	}}
	got, err := resolveMapping("mapping.json", mf, st, "monolith.tfstate", by, syn, dests, "", noHistory)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws_instance.bastion":             "retire",
		"module.vpc.aws_subnet.private[0]": "move foundation-prod:aws_subnet.a",
		"module.vpc.aws_subnet.private[1]": "keep",
		`aws_s3_bucket.b["x"]`:             `move foundation-prod:aws_s3_bucket.many["x"]`,
		`aws_s3_bucket.b["y"]`:             `move foundation-prod:aws_s3_bucket.many["y"]`,
	}
	if len(got) != len(want) {
		t.Errorf("got %d decisions, want %d", len(got), len(want))
	}
	for s, m := range got {
		d := m.action
		if m.action == ActionMove {
			d += " " + m.target.Ref()
		}
		if want[s.Addr.String()] != d {
			t.Errorf("%s: got %q, want %q", s.Addr, d, want[s.Addr.String()])
		}
	}
}

func TestResolveMappingErrors(t *testing.T) {
	tests := []struct {
		name  string
		entry MappingEntry
		want  string
	}{
		{"no from", MappingEntry{Action: "retire"}, `"from" is required`},
		{"bad address", MappingEntry{From: "aws_instance", Action: "retire"}, `address "aws_instance"`},
		{"no action", MappingEntry{From: "aws_instance.bastion"}, `give "to"`},
		{"bad action", MappingEntry{From: "aws_instance.bastion", Action: "delete"}, `action "delete" is invalid`},
		{"retire with to", MappingEntry{From: "aws_instance.bastion", Action: "retire", To: "foundation-prod:aws_subnet.a"}, `takes no "to"`},
		{"unknown source", MappingEntry{From: "aws_instance.jump", Action: "retire"}, "not in the source state monolith.tfstate (resources of type aws_instance there: aws_instance.bastion)"},
		{"unknown key", MappingEntry{From: "module.vpc.aws_subnet.private[7]", Action: "keep"}, "its instances: module.vpc.aws_subnet.private[0], module.vpc.aws_subnet.private[1]"},
		{"data source retired", MappingEntry{From: "data.aws_region.current", Action: "retire"}, "data sources are never moved or retired"},
		{"to without colon", MappingEntry{From: "aws_instance.bastion", To: "aws_instance.x"}, "want STACK:ADDRESS"},
		{"unknown stack", MappingEntry{From: "module.vpc.aws_subnet.private[0]", To: "foundaton-prod:aws_subnet.a"}, `stack "foundaton-prod" is not synthesized in cdktf.out; stacks: foundation-prod, platform-prod`},
		{"stack not selected", MappingEntry{From: "module.vpc.aws_subnet.private[0]", To: "platform-prod:aws_subnet.a"}, `not among the destination stacks (-stacks): foundation-prod`},
		{"unknown destination", MappingEntry{From: "module.vpc.aws_subnet.private[0]", To: "foundation-prod:aws_subnet.c"}, "foundation-prod declares no resource aws_subnet.c; resources of type aws_subnet there: aws_subnet.a, aws_subnet.b"},
		{"key on a single resource", MappingEntry{From: "module.vpc.aws_subnet.private[0]", To: "foundation-prod:aws_subnet.a[0]"}, "uses neither count nor for_each"},
		{"many into one", MappingEntry{From: "module.vpc.aws_subnet.private", To: "foundation-prod:aws_subnet.a"}, "names 2 instances"},
		{"int key into for_each", MappingEntry{From: "module.vpc.aws_subnet.private", To: "foundation-prod:aws_s3_bucket.many"}, "cannot move to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, by, syn, dests := mappingFixture(t)
			_, err := resolveMapping("mapping.json", &MappingFile{Moves: []MappingEntry{tt.entry}}, st, "monolith.tfstate", by, syn, dests, "", noHistory)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mapping.json: moves[0]") {
				t.Errorf("got %v, want an error naming mapping.json moves[0] and containing %q", err, tt.want)
			}
		})
	}
	// Two entries for one instance, and two for one destination.
	st, by, syn, dests := mappingFixture(t)
	_, err := resolveMapping("mapping.json", &MappingFile{Moves: []MappingEntry{
		{From: "aws_instance.bastion", Action: "retire"}, {From: "aws_instance.bastion", Action: "keep"},
		{From: "module.vpc.aws_subnet.private[0]", To: "foundation-prod:aws_subnet.a"}, {From: "module.vpc.aws_subnet.private[1]", To: "foundation-prod:aws_subnet.a"},
	}}, st, "monolith.tfstate", by, syn, dests, "", noHistory)
	for _, want := range []string{"moves[1] (from \"aws_instance.bastion\"): aws_instance.bastion is already mapped by moves[0]", "moves[3] (from \"module.vpc.aws_subnet.private[1]\"): destination foundation-prod:aws_subnet.a is already the destination of moves[2]"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

func TestReadMapping(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mapping.json")
	os.WriteFile(p, []byte("{\"moves\": [\n  {\"from\": 3}\n]}"), 0o644)
	if _, _, err := readMapping(p); err == nil || !strings.Contains(err.Error(), "mapping.json:2") || !strings.Contains(err.Error(), "must be a string") {
		t.Errorf("wrong type: got %v, want the file, line 2 and the expected type", err)
	}
	good, _ := json.Marshal(MappingFile{Moves: []MappingEntry{{From: "a.b", Action: "keep"}}})
	os.WriteFile(p, good, 0o644)
	if mf, _, err := readMapping(p); err != nil || len(mf.Moves) != 1 {
		t.Errorf("good file: got %v, %v", mf, err)
	}
}
