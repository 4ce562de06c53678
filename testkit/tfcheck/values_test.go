package tfcheck

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stratum/contract"
)

// TestEveryContractParameterHasAShape fails when a parameter is declared in
// the contract without a mocked value shape here (or a shape outlives its
// parameter): the mocked plan would otherwise read a random string.
func TestEveryContractParameterHasAShape(t *testing.T) {
	declared := contract.Declared()
	for id := range declared {
		if _, ok := ssmShapes[id]; !ok {
			t.Errorf("contract parameter %s has no value shape in ssmShapes", id)
		}
	}
	for id := range ssmShapes {
		if _, ok := declared[id]; !ok {
			t.Errorf("ssmShapes has %s, which the contract does not declare", id)
		}
	}
}

// shapeChecks are what each kind of value must look like.
var shapeChecks = []struct {
	suffix string
	re     *regexp.Regexp
}{
	{"-arn", regexp.MustCompile(`^arn:aws:[a-z0-9-]+:(us-east-1)?:(\d{12})?:\S+$`)},
	{"vpc/id", regexp.MustCompile(`^vpc-0[0-9a-f]{16}$`)},
	{"vpc/cidr", regexp.MustCompile(`^10\.\d+\.0\.0/16$`)},
	{"subnets/", regexp.MustCompile(`^subnet-0[0-9a-f]{16}(,subnet-0[0-9a-f]{16}){1,2}$`)},
	{"security-group", regexp.MustCompile(`^sg-0[0-9a-f]{16}$`)},
	{"cluster/endpoint", regexp.MustCompile(`^https://[0-9A-F]{32}\.gr7\.us-east-1\.eks\.amazonaws\.com$`)},
	{"cluster/oidc-issuer", regexp.MustCompile(`^oidc\.eks\.us-east-1\.amazonaws\.com/id/[0-9A-F]{32}$`)},
	{"dns/zone-id", regexp.MustCompile(`^Z[0-9A-Z]{20}$`)},
	{"port", regexp.MustCompile(`^5432$`)},
}

func TestShapes(t *testing.T) {
	for _, env := range []string{"prod", "dev"} {
		e := envNamed(t, env)
		ids := slices.Sorted(maps.Keys(ssmShapes))
		for _, id := range ids {
			t.Run(env+"/"+id, func(t *testing.T) {
				layer, key, _ := strings.Cut(id, "/")
				name := contract.Prefix + "/" + env + "/" + id
				if layer == "databases" || layer == "client" {
					dir := layer
					if layer == "client" {
						dir = "clients"
					}
					name = contract.Prefix + "/" + env + "/" + dir + "/mtn-ghana/" + key
				}
				v, err := ssmFor(name, e)
				if err != nil {
					t.Fatal(err)
				}
				if v.Value == "" {
					t.Fatalf("%s: empty value", name)
				}
				for _, c := range shapeChecks {
					if strings.HasSuffix(id, c.suffix) || (strings.HasSuffix(c.suffix, "/") && strings.Contains(id, c.suffix)) || (c.suffix == "security-group" && strings.Contains(id, c.suffix) && !strings.HasSuffix(id, "-arn")) {
						if !c.re.MatchString(v.Value) {
							t.Errorf("%s = %q, want it to match %s", name, v.Value, c.re)
						}
					}
				}
				if strings.HasPrefix(id, "foundation/subnets/") {
					if v.Type != "StringList" || len(strings.Split(v.Value, ",")) != len(e.Network.AvailabilityZones) {
						t.Errorf("%s: type %s with %d ids, want StringList with one id per zone (%d)", name, v.Type, len(strings.Split(v.Value, ",")), len(e.Network.AvailabilityZones))
					}
				} else if v.Type != "String" {
					t.Errorf("%s: type %s, want String", name, v.Type)
				}
				switch id {
				case "platform/cluster/ca-data":
					pem, err := base64.StdEncoding.DecodeString(v.Value)
					if err != nil || !strings.HasPrefix(string(pem), "-----BEGIN CERTIFICATE-----") {
						t.Errorf("ca-data is not base64 of a PEM certificate: %v", err)
					}
				case "client/buckets", "client/applications":
					if !json.Valid([]byte(v.Value)) {
						t.Errorf("%s = %q, not JSON", name, v.Value)
					}
				}
				if e.AccountID != "" && strings.HasPrefix(v.Value, "arn:") && !strings.Contains(id, "s3") {
					if parts := strings.Split(v.Value, ":"); parts[4] != e.AccountID {
						t.Errorf("%s = %s: account %s, want the pinned %s", name, v.Value, parts[4], e.AccountID)
					}
				}
			})
		}
	}
}

func TestResolveParamErrors(t *testing.T) {
	dev := envNamed(t, "dev")
	cases := []struct{ name, param, want string }{
		{"outside the prefix", "/other/dev/foundation/vpc/id", "not under /stratum"},
		{"undeclared key", "/stratum/dev/foundation/vpc/nope", "matches no parameter declared"},
		{"other environment", "/stratum/prod/foundation/vpc/id", "belongs to environment prod"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ssmFor(c.param, dev)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ssmFor(%s): got %v, want an error containing %q", c.param, err, c.want)
			}
		})
	}
}

func TestPerClientParam(t *testing.T) {
	p, err := resolveParam("/stratum/prod/clients/mtn-ghana/node-group/role-arn", contract.Declared())
	if err != nil {
		t.Fatal(err)
	}
	if p.id != "client/node-group/role-arn" || p.client != "mtn-ghana" || p.env != "prod" {
		t.Errorf("got %+v, want client/node-group/role-arn for mtn-ghana in prod", p)
	}
}

func TestMockedDataSources(t *testing.T) {
	dev := envNamed(t, "dev")
	doc := map[string]any{
		"data": map[string]any{
			"aws_caller_identity":    map[string]any{"me": map[string]any{}},
			"aws_partition":          map[string]any{"p": map[string]any{}},
			"aws_region":             map[string]any{"r": map[string]any{}},
			"aws_availability_zones": map[string]any{"azs": map[string]any{}},
			"aws_ssm_parameter":      map[string]any{"vpc": map[string]any{"name": "/stratum/dev/foundation/vpc/id"}},
			"aws_iam_policy_document": map[string]any{"doc": map[string]any{"statement": []any{
				map[string]any{
					"actions":   []any{"s3:GetObject"},
					"resources": []any{"arn:${data.aws_partition.p.partition}:s3:::b/*"},
					"principals": []any{map[string]any{"type": "AWS", "identifiers": []any{
						"arn:${data.aws_partition.p.partition}:iam::${data.aws_caller_identity.me.account_id}:root"}}},
					"condition": []any{map[string]any{"test": "StringEquals", "variable": "aws:SourceVpc",
						"values": []any{"${data.aws_ssm_parameter.vpc.insecure_value}"}}},
				},
				map[string]any{"effect": "Deny", "actions": []any{"s3:*"}, "resources": []any{"*"},
					"principals": []any{map[string]any{"type": "*", "identifiers": []any{"*"}}}},
			}}},
		},
	}
	m := &mocker{stack: "foundation-dev", env: dev, f: fakes{env: dev}, doc: doc}
	data, err := m.dataOverrides()
	if err != nil {
		t.Fatal(err)
	}
	byTarget := map[string]map[string]any{}
	for _, o := range data {
		byTarget[o.target] = o.values
	}
	account := byTarget["data.aws_caller_identity.me"]["account_id"].(string)
	if !regexp.MustCompile(`^\d{12}$`).MatchString(account) {
		t.Errorf("account_id = %q, want 12 digits", account)
	}
	if got := byTarget["data.aws_availability_zones.azs"]["names"]; len(got.([]any)) != len(dev.Network.AvailabilityZones) {
		t.Errorf("availability zones = %v, want %v", got, dev.Network.AvailabilityZones)
	}
	policy := byTarget["data.aws_iam_policy_document.doc"]["json"].(string)
	var p struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		t.Fatalf("policy is not JSON: %v\n%s", err, policy)
	}
	vpc := byTarget["data.aws_ssm_parameter.vpc"]["insecure_value"].(string)
	for _, want := range []string{`"Version":"2012-10-17"`, `"Resource":"arn:aws:s3:::b/*"`, `"AWS":"arn:aws:iam::` + account + `:root"`, `"aws:SourceVpc":"` + vpc + `"`, `"Principal":"*"`, `"Effect":"Deny"`} {
		if !strings.Contains(policy, want) {
			t.Errorf("policy lacks %s:\n%s", want, policy)
		}
	}
}

func TestUnknownDataSourceFails(t *testing.T) {
	dev := envNamed(t, "dev")
	doc := map[string]any{"data": map[string]any{"aws_ami": map[string]any{"ubuntu": map[string]any{}}}}
	m := &mocker{stack: "platform-dev", env: dev, f: fakes{env: dev}, doc: doc}
	_, err := m.dataOverrides()
	if err == nil || !strings.Contains(err.Error(), "data.aws_ami.ubuntu") || !strings.Contains(err.Error(), "no mocked shape") {
		t.Errorf("got %v, want an error naming data.aws_ami.ubuntu and the missing shape", err)
	}
}

func TestResourceARNs(t *testing.T) {
	prod := envNamed(t, "prod")
	f := fakes{env: prod}
	cases := []struct {
		typ, name string
		cfg       map[string]any
		want      string
	}{
		{"aws_iam_role", "r", map[string]any{"name": "stratum-prod-nodes"}, "arn:aws:iam::111111111111:role/stratum-prod-nodes"},
		{"aws_s3_bucket", "b", map[string]any{"bucket": "stratum-prod-ezra-uploads"}, "arn:aws:s3:::stratum-prod-ezra-uploads"},
		{"aws_cloudwatch_log_group", "l", map[string]any{"name": "/aws/eks/x"}, "arn:aws:logs:us-east-1:111111111111:log-group:/aws/eks/x"},
		{"aws_sns_topic", "t", map[string]any{"name": "${var.x}"}, "arn:aws:sns:us-east-1:111111111111:t"},
	}
	for _, c := range cases {
		if got := f.resourceARN(c.typ, c.name, c.cfg); got != c.want {
			t.Errorf("resourceARN(%s) = %s, want %s", c.typ, got, c.want)
		}
	}
	if got := f.resourceARN("aws_subnet", "s", nil); !regexp.MustCompile(`^arn:aws:ec2:us-east-1:111111111111:subnet/subnet-0[0-9a-f]{16}$`).MatchString(got) {
		t.Errorf("subnet ARN = %s", got)
	}
}

// TestShapesMatchTheProducers reads every parameter the synthesized stacks
// write and checks the mocked value a consumer gets has the type the
// producer writes (String or StringList).
func TestShapesMatchTheProducers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "__snapshots__", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no snapshots: %v", err)
	}
	checked := 0
	for _, f := range files {
		stack := strings.TrimSuffix(filepath.Base(f), ".json")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		env := envOf(t, raw)
		for name, cfg := range asMap(asMap(snapshot(t, stack)["resource"])["aws_ssm_parameter"]) {
			p := asMap(cfg)
			pname, _ := p["name"].(string)
			if !strings.HasPrefix(pname, contract.Prefix+"/") {
				continue
			}
			v, err := ssmFor(pname, env)
			if err != nil {
				t.Errorf("%s: aws_ssm_parameter.%s: %v", stack, name, err)
				continue
			}
			if v.Type != p["type"] {
				t.Errorf("%s: %s is written as %v, mocked as %s", stack, pname, p["type"], v.Type)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no contract parameter found in the snapshots")
	}
}
