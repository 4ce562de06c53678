package tfcheck

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"stratum/config"
)

// testFile is the name of the generated `terraform test` file in each
// scratch copy.
const testFile = "stratum-mocked.tftest.json"

// mocker builds the overrides of one stack's mocked plan: every data
// source gets the values AWS would return, shaped like the real ones, and
// resources whose computed attributes flow into arguments the provider
// validates (ARNs, URLs, JSON) get realistic values for them.
type mocker struct {
	stack string
	env   config.Environment
	f     fakes
	doc   map[string]any
	// schemas says which attributes only the provider sets.
	schemas *schemas
	// values are the override values by address, to resolve references
	// inside policy documents.
	values map[string]map[string]any
}

// overrides are the stack's override_data and override_resource entries.
func (m *mocker) overrides() (data, res []override, err error) {
	m.values = map[string]map[string]any{}
	res = m.resourceOverrides()
	data, err = m.dataOverrides()
	return data, res, err
}

type override struct {
	target string
	values map[string]any
}

// entry is the override as the test file writes it, its target inside
// the stack's module (prefix module.<stack>.).
func (o override) entry(prefix string) map[string]any {
	return map[string]any{"target": prefix + o.target, "values": o.values}
}

// dataOverrides gives every data source of the stack its values. Policy
// documents come last: they are rendered from their statements with the
// other values filled in.
func (m *mocker) dataOverrides() ([]override, error) {
	if m.values == nil {
		m.values = map[string]map[string]any{}
	}
	type ds struct {
		typ, name string
		cfg       map[string]any
	}
	var all []ds
	for typ, blocks := range asMap(m.doc["data"]) {
		for name, cfg := range asMap(blocks) {
			all = append(all, ds{typ, name, asMap(cfg)})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		pi, pj := all[i].typ == "aws_iam_policy_document", all[j].typ == "aws_iam_policy_document"
		if pi != pj {
			return pj
		}
		return all[i].typ+"."+all[i].name < all[j].typ+"."+all[j].name
	})
	var out []override
	var errs []string
	for _, d := range all {
		addr := "data." + d.typ + "." + d.name
		v, err := m.dataValues(d.typ, d.name, d.cfg)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", addr, err))
			continue
		}
		m.values[addr] = v
		out = append(out, override{target: addr, values: v})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("stack %s: no mocked value for:\n  %s", m.stack, strings.Join(errs, "\n  "))
	}
	return out, nil
}

// dataValues is what AWS would return for one data source. A data source
// type without an entry fails the tier: a random mock value would make the
// plan meaningless.
func (m *mocker) dataValues(typ, name string, cfg map[string]any) (map[string]any, error) {
	f := m.f
	switch typ {
	case "aws_ssm_parameter":
		pname, ok := cfg["name"].(string)
		if !ok || strings.Contains(pname, "${") {
			return nil, fmt.Errorf("name %v is not a literal parameter name", cfg["name"])
		}
		v, err := ssmFor(pname, m.env)
		if err != nil {
			return nil, err
		}
		return map[string]any{
			"arn": f.arn("ssm", "parameter"+pname), "name": pname, "id": pname,
			"type": v.Type, "value": v.Value, "insecure_value": v.Value, "version": 1,
		}, nil
	case "aws_caller_identity":
		return map[string]any{
			"account_id": f.account(), "id": f.account(),
			"arn":     fmt.Sprintf("arn:aws:sts::%s:assumed-role/stratum-deploy/%s", f.account(), m.stack),
			"user_id": "AROA" + strings.ToUpper(f.hex("role-id", 17)) + ":" + m.stack,
		}, nil
	case "aws_partition":
		return map[string]any{"partition": "aws", "id": "aws", "dns_suffix": "amazonaws.com", "reverse_dns_prefix": "com.amazonaws"}, nil
	case "aws_region":
		region := m.env.Region
		if n, ok := cfg["name"].(string); ok && !strings.Contains(n, "${") {
			region = n
		}
		return map[string]any{"name": region, "id": region, "endpoint": "ec2." + region + ".amazonaws.com", "description": region}, nil
	case "aws_availability_zones":
		var zoneIDs []any
		var names []any
		for i, az := range m.env.Network.AvailabilityZones {
			names = append(names, az)
			zoneIDs = append(zoneIDs, fmt.Sprintf("%s-az%d", regionCode(m.env.Region), i+1))
		}
		return map[string]any{"names": names, "zone_ids": zoneIDs, "id": m.env.Region, "group_names": []any{m.env.Region}}, nil
	case "aws_iam_session_context":
		issuer := f.arn("iam", "role/stratum-deploy")
		return map[string]any{
			"issuer_arn": issuer, "issuer_id": "AROA" + strings.ToUpper(f.hex("role-id", 17)),
			"issuer_name": "stratum-deploy", "session_name": m.stack,
		}, nil
	case "aws_kms_key":
		// Looked up by alias (foundation-<env> watches the state key).
		id := f.uuid("kms/" + fmt.Sprint(cfg["key_id"]))
		arn := f.arn("kms", "key/"+id)
		return map[string]any{
			"id": id, "key_id": id, "arn": arn, "enabled": true, "key_state": "Enabled", "key_manager": "CUSTOMER",
			"key_usage": "ENCRYPT_DECRYPT", "customer_master_key_spec": "SYMMETRIC_DEFAULT", "key_spec": "SYMMETRIC_DEFAULT",
			"origin": "AWS_KMS", "multi_region": false, "description": "Terraform state",
		}, nil
	case "aws_eks_addon_version":
		addon, _ := cfg["addon_name"].(string)
		return map[string]any{"version": addonVersion(addon), "id": addon}, nil
	case "aws_iam_policy_document":
		doc, err := m.policy(cfg)
		if err != nil {
			return nil, err
		}
		return map[string]any{"json": doc, "minified_json": doc, "id": f.hex("policy/"+name, 10)}, nil
	}
	return nil, fmt.Errorf("data source type %s has no mocked shape in testkit/tfcheck (mock.go dataValues): add one shaped like what AWS returns", typ)
}

// addonVersion is a plausible EKS add-on version (the real one depends on
// the cluster version and the day).
func addonVersion(addon string) string {
	known := map[string]string{
		"vpc-cni":                "v1.19.5-eksbuild.1",
		"coredns":                "v1.11.4-eksbuild.14",
		"kube-proxy":             "v1.32.3-eksbuild.7",
		"aws-ebs-csi-driver":     "v1.44.0-eksbuild.1",
		"eks-pod-identity-agent": "v1.3.7-eksbuild.2",
	}
	if v, ok := known[addon]; ok {
		return v
	}
	return "v1.0.0-eksbuild.1"
}

// regionCode is the zone id prefix of a region: us-east-1 -> use1.
func regionCode(region string) string {
	parts := strings.Split(region, "-")
	if len(parts) != 3 {
		return region
	}
	return parts[0] + parts[1][:1] + parts[2]
}

// resourceOverrides gives resources realistic values for the attributes
// only the provider sets where the mock's random strings would reach an
// argument the provider validates: every computed ARN, and the EKS
// cluster's endpoint, certificate and OIDC issuer.
func (m *mocker) resourceOverrides() []override {
	var out []override
	if m.values == nil {
		m.values = map[string]map[string]any{}
	}
	for typ, blocks := range asMap(m.doc["resource"]) {
		for name, cfg := range asMap(blocks) {
			cfg := asMap(cfg)
			v := map[string]any{}
			if m.schemas.isComputed(typ, "arn") {
				v["arn"] = m.f.resourceARN(typ, name, cfg)
			}
			if kind, ok := ec2Types[typ]; ok {
				v["id"] = m.f.id(ec2IDPrefix[kind], typ+"/"+name)
			}
			switch typ {
			case "aws_db_instance":
				// RDS manages the master password: the secret's ARN is
				// exported to SSM.
				v["master_user_secret"] = []any{map[string]any{
					"secret_arn":    m.f.arn("secretsmanager", "secret:rds!db-"+m.f.uuid("secret/"+name)+"-"+m.f.hex("suffix/"+name, 6)),
					"kms_key_id":    m.f.arn("kms", "key/"+m.f.uuid("db-key/"+name)),
					"secret_status": "active",
				}}
			case "aws_kms_key":
				v["key_id"] = m.f.uuid("kms/" + name)
				v["arn"] = m.f.arn("kms", "key/"+v["key_id"].(string))
			case "aws_eks_node_group":
				// EKS names the node group's Auto Scaling group: the
				// autoscaler's node-template tags are put on it, and the
				// node count alarm watches it.
				ng, _ := cfg["node_group_name"].(string)
				v["resources"] = []any{map[string]any{
					"autoscaling_groups":              []any{map[string]any{"name": "eks-" + ng + "-" + m.f.uuid("asg/"+name)}},
					"remote_access_security_group_id": "",
				}}
			case "aws_eks_cluster":
				v["endpoint"] = ssmShapes["platform/cluster/endpoint"].value(m.f, "")
				v["certificate_authority"] = []any{map[string]any{"data": ssmShapes["platform/cluster/ca-data"].value(m.f, "")}}
				v["identity"] = []any{map[string]any{"oidc": []any{map[string]any{"issuer": "https://" + m.f.oidcIssuer()}}}}
			}
			if len(v) == 0 {
				continue
			}
			addr := typ + "." + name
			m.values[addr] = v
			out = append(out, override{target: addr, values: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].target < out[j].target })
	return out
}

// policy renders an aws_iam_policy_document's statements as the IAM JSON
// the data source would produce, with references to other data sources and
// resources replaced by their mocked values.
func (m *mocker) policy(cfg map[string]any) (string, error) {
	type statement struct {
		Sid          string         `json:"Sid,omitempty"`
		Effect       string         `json:"Effect"`
		Action       any            `json:"Action,omitempty"`
		NotAction    any            `json:"NotAction,omitempty"`
		Resource     any            `json:"Resource,omitempty"`
		NotResource  any            `json:"NotResource,omitempty"`
		Principal    any            `json:"Principal,omitempty"`
		NotPrincipal any            `json:"NotPrincipal,omitempty"`
		Condition    map[string]any `json:"Condition,omitempty"`
	}
	var stmts []statement
	list := func(v any) any {
		l, _ := v.([]any)
		var out []string
		for _, e := range l {
			s, _ := e.(string)
			out = append(out, m.resolve(s))
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	}
	principals := func(v any) any {
		out := map[string]any{}
		for _, p := range asList(v) {
			pm := asMap(p)
			typ, _ := pm["type"].(string)
			out[typ] = list(pm["identifiers"])
		}
		switch {
		case len(out) == 0:
			return nil
		case len(out) == 1 && out["*"] == "*":
			// IAM writes "anyone" as a bare "*".
			return "*"
		}
		return out
	}
	for _, s := range asList(cfg["statement"]) {
		sm := asMap(s)
		st := statement{Effect: "Allow"}
		if e, ok := sm["effect"].(string); ok {
			st.Effect = e
		}
		st.Sid, _ = sm["sid"].(string)
		st.Action, st.NotAction = list(sm["actions"]), list(sm["not_actions"])
		st.Resource, st.NotResource = list(sm["resources"]), list(sm["not_resources"])
		st.Principal, st.NotPrincipal = principals(sm["principals"]), principals(sm["not_principals"])
		for _, c := range asList(sm["condition"]) {
			cm := asMap(c)
			test, _ := cm["test"].(string)
			variable, _ := cm["variable"].(string)
			if st.Condition == nil {
				st.Condition = map[string]any{}
			}
			byVar, _ := st.Condition[test].(map[string]any)
			if byVar == nil {
				byVar = map[string]any{}
				st.Condition[test] = byVar
			}
			byVar[m.resolve(variable)] = list(cm["values"])
		}
		stmts = append(stmts, st)
	}
	b, err := json.Marshal(struct {
		Version   string
		Statement []statement
	}{"2012-10-17", stmts})
	return string(b), err
}

// resolve replaces the references in a configuration string by the mocked
// values they would have.
func (m *mocker) resolve(s string) string {
	return interpolation.ReplaceAllStringFunc(s, func(in string) string {
		expr := strings.TrimSpace(in[2 : len(in)-1])
		if v, ok := m.lookup(expr); ok {
			return v
		}
		// A function call or an attribute the mock leaves unknown: a
		// placeholder that keeps the document valid JSON.
		return "*"
	})
}

// lookup resolves a plain reference to a mocked value.
func (m *mocker) lookup(expr string) (string, bool) {
	if reference.FindString(expr) != expr {
		return "", false
	}
	addr := baseAddress(expr)
	attr := strings.TrimPrefix(expr, addr+".")
	if v, ok := m.values[addr][attr]; ok {
		s, isStr := literalString(v)
		return s, isStr
	}
	return "", false
}

func asList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case map[string]any:
		return []any{t}
	}
	return nil
}
