package stateshare

import (
	"encoding/json"
	"strings"
	"testing"
)

// stack is a minimal cdk.tf.json: the provider's default tags and
// resources by type and name.
func stack(t *testing.T, tags map[string]any, resources map[string]map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"provider": map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": tags}}}}},
		"resource": resources,
		"data":     map[string]any{"aws_region": map[string]any{"r": map[string]any{}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDescribe(t *testing.T) {
	cases := []struct {
		name      string
		raw       []byte
		resources int
		clients   string
	}{
		{"environment stack", stack(t, map[string]any{"Environment": "prod", "Layer": "foundation"}, map[string]map[string]any{
			"aws_vpc":           {"v": map[string]any{"tags": map[string]any{"Name": "x"}}},
			"aws_ssm_parameter": {"p": map[string]any{"name": "/stratum/prod/foundation/vpc/id"}},
		}), 2, ""},
		{"client stack, by its default tag", stack(t, map[string]any{"Environment": "prod", "Client": "ezra"}, map[string]map[string]any{
			"aws_s3_bucket": {"b": map[string]any{}},
		}), 1, "ezra"},
		{"database stack, by resource tags and parameters", stack(t, map[string]any{"Environment": "prod"}, map[string]map[string]any{
			"aws_db_instance":   {"i": map[string]any{"tags": map[string]any{"Client": "ezra"}}},
			"aws_ssm_parameter": {"p": map[string]any{"name": "/stratum/prod/databases/ezra/endpoint"}},
		}), 2, "ezra"},
		{"every client's databases", stack(t, map[string]any{"Environment": "prod"}, map[string]map[string]any{
			"aws_db_instance":   {"a": map[string]any{"tags": map[string]any{"Client": "ezra"}}, "b": map[string]any{"tags": map[string]any{"Client": "${var.c}"}}},
			"aws_ssm_parameter": {"p": map[string]any{"name": "/stratum/prod/clients/mtn-ghana/namespace"}},
		}), 3, "ezra mtn-ghana"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Describe("s", tc.raw)
			if err != nil {
				t.Fatal(err)
			}
			if s.Environment != "prod" || s.Resources != tc.resources || strings.Join(s.Clients, " ") != tc.clients {
				t.Errorf("got %s, %d resources, clients %v; want prod, %d, %q", s.Environment, s.Resources, s.Clients, tc.resources, tc.clients)
			}
		})
	}
	if _, err := Describe("s", stack(t, map[string]any{}, nil)); err == nil || !strings.Contains(err.Error(), "stack s: its AWS provider has no Environment") {
		t.Errorf("no environment: error %v", err)
	}
}

func TestProblems(t *testing.T) {
	stacks := []Stack{
		{Name: "foundation-prod", Environment: "prod", Resources: 10},
		{Name: "database-a-prod", Environment: "prod", Resources: 20, Clients: []string{"a"}},
		{Name: "client-a-prod", Environment: "prod", Resources: 70, Clients: []string{"a"}},
		{Name: "databases-dev", Environment: "dev", Resources: 5, Clients: []string{"a", "b"}},
		{Name: "foundation-dev", Environment: "dev", Resources: 95},
	}
	envs := Environments(stacks)
	if len(envs) != 2 || envs[1].Name != "prod" || envs[1].Resources != 100 || envs[1].Largest.Name != "client-a-prod" || envs[1].Share() != 0.7 {
		t.Fatalf("environments %+v", envs)
	}
	got := Problems(stacks, 0.8)
	want := []string{
		"databases-dev holds the data of 2 clients (a, b), want at most one",
		"dev: foundation-dev holds 95 of the environment's 100 resources (95.0 %), want at most 80 %",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
