package tfcheck

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"stratum/config"
	"stratum/contract"
)

// fakes makes the values a mocked plan uses instead of what AWS would
// return: shaped like the real thing (ids with their prefixes, ARNs of the
// right service, partition, region and account) and stable, derived from
// a seed, so the same stack always gets the same values.
type fakes struct {
	env config.Environment
}

// account is the environment's pinned account, or a stable stand-in for
// an environment that pins none.
func (f fakes) account() string {
	if f.env.AccountID != "" {
		return f.env.AccountID
	}
	var b strings.Builder
	for _, c := range f.hex("account/"+f.env.Name, 24) {
		b.WriteByte('0' + byte(c)%10)
	}
	return "2" + b.String()[:11]
}

// hex is n stable lowercase hex digits derived from seed.
func (f fakes) hex(seed string, n int) string {
	sum := sha256.Sum256([]byte(f.env.Name + "\x00" + seed))
	h := hex.EncodeToString(sum[:])
	for len(h) < n {
		h += h
	}
	return h[:n]
}

// id is an EC2-style id: prefix-<17 hex digits>.
func (f fakes) id(prefix, seed string) string { return prefix + "-0" + f.hex(seed, 16) }

// uuid is a stable UUID-shaped string.
func (f fakes) uuid(seed string) string {
	h := f.hex(seed, 32)
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// arn builds an ARN in the environment's partition, region and account.
// Global services (IAM, Route53) have no region; S3 has neither region
// nor account.
func (f fakes) arn(service, resource string) string {
	region, account := f.env.Region, f.account()
	switch service {
	case "iam", "route53", "cloudfront":
		region = ""
	case "s3":
		region, account = "", ""
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
}

// oidcID is the cluster's OIDC issuer id, shared by the issuer and the
// provider ARN.
func (f fakes) oidcID() string { return strings.ToUpper(f.hex("oidc", 32)) }

func (f fakes) oidcIssuer() string {
	return fmt.Sprintf("oidc.eks.%s.amazonaws.com/id/%s", f.env.Region, f.oidcID())
}

func (f fakes) oidcProviderARN() string { return f.arn("iam", "oidc-provider/"+f.oidcIssuer()) }

// keyARN is the ARN of a KMS key, whose id is a UUID.
func (f fakes) keyARN(seed string) string { return f.arn("kms", "key/"+f.uuid(seed)) }

// namedARNs are the resource types whose ARN ends in their name:
// arn:aws:<service>:<region>:<account>:<prefix><name>.
var namedARNs = map[string]struct{ service, prefix string }{
	"aws_iam_role":                {"iam", "role/"},
	"aws_iam_policy":              {"iam", "policy/"},
	"aws_iam_instance_profile":    {"iam", "instance-profile/"},
	"aws_kms_alias":               {"kms", ""},
	"aws_s3_bucket":               {"s3", ""},
	"aws_cloudwatch_log_group":    {"logs", "log-group:"},
	"aws_cloudwatch_metric_alarm": {"cloudwatch", "alarm:"},
	"aws_sns_topic":               {"sns", ""},
	"aws_backup_vault":            {"backup", "backup-vault:"},
	"aws_eks_cluster":             {"eks", "cluster/"},
	"aws_db_instance":             {"rds", "db:"},
	"aws_db_subnet_group":         {"rds", "subgrp:"},
	"aws_db_parameter_group":      {"rds", "pg:"},
	"aws_ssm_parameter":           {"ssm", "parameter"},
	"aws_dynamodb_table":          {"dynamodb", "table/"},
}

// namedARN is the ARN of the resource of type typ (one of namedARNs)
// named n.
func (f fakes) namedARN(typ, n string) string {
	a, ok := namedARNs[typ]
	if !ok {
		panic(fmt.Sprintf("tfcheck: %s is not among namedARNs", typ))
	}
	return f.arn(a.service, a.prefix+n)
}

// ssmValue is one SSM parameter as a consumer reads it.
type ssmValue struct {
	Type  string // String or StringList
	Value string
}

// ssmShape makes a contract parameter's value in an environment, for a
// client when the parameter is per client.
type ssmShape struct {
	list  bool
	value func(f fakes, client string) string
}

func str(fn func(f fakes, client string) string) ssmShape { return ssmShape{value: fn} }

// ids is a StringList of one id per availability zone, as the foundation
// writes its subnets.
func ids(prefix, seed string) ssmShape {
	return ssmShape{list: true, value: func(f fakes, _ string) string {
		var out []string
		for _, az := range f.env.Network.AvailabilityZones {
			out = append(out, f.id(prefix, seed+"/"+az))
		}
		return strings.Join(out, ",")
	}}
}

func name(f fakes, parts ...string) string {
	return strings.Join(append([]string{config.Project, f.env.Name}, parts...), "-")
}

// ssmShapes gives every contract parameter (layer/key, as
// contract.Declared names them) a realistic value. A parameter declared in
// the contract without an entry here makes the tier fail and names it.
var ssmShapes = map[string]ssmShape{
	"bootstrap/logs/access-log-bucket": str(func(f fakes, _ string) string { return f.env.State.AccessLogBucket }),
	"audit/trail/arn":                  str(func(f fakes, _ string) string { return f.arn("cloudtrail", "trail/"+f.env.AuditNames().Trail) }),
	"audit/trail/bucket":               str(func(f fakes, _ string) string { return f.env.Audit.TrailBucket }),
	"audit/trail/log-group":            str(func(f fakes, _ string) string { return f.env.AuditNames().LogGroup }),
	"audit/kms-key-arn":                str(func(f fakes, _ string) string { return f.keyARN("audit-key") }),
	"audit/alarms/topic-arn": str(func(f fakes, _ string) string {
		return f.namedARN("aws_sns_topic", f.env.AuditNames().Topic)
	}),

	"foundation/vpc/id":                    str(func(f fakes, _ string) string { return f.id("vpc", "vpc") }),
	"foundation/vpc/cidr":                  str(func(f fakes, _ string) string { return f.env.Network.CIDR }),
	"foundation/subnets/public":            ids("subnet", "public"),
	"foundation/subnets/private":           ids("subnet", "private"),
	"foundation/subnets/database":          ids("subnet", "database"),
	"foundation/security-groups/eks-nodes": str(func(f fakes, _ string) string { return f.id("sg", "eks-nodes") }),
	"foundation/backup/vault-name":         str(func(f fakes, _ string) string { return name(f, "backup") }),
	"foundation/backup/vault-arn": str(func(f fakes, _ string) string {
		return f.namedARN("aws_backup_vault", name(f, "backup"))
	}),
	"foundation/backup/plan-id":  str(func(f fakes, _ string) string { return f.uuid("backup-plan") }),
	"foundation/backup/role-arn": str(func(f fakes, _ string) string { return f.namedARN("aws_iam_role", name(f, "backup")) }),
	"foundation/alarms/topic-arn": str(func(f fakes, _ string) string {
		return f.namedARN("aws_sns_topic", name(f, "alarms"))
	}),

	"platform/cluster/name": str(func(f fakes, _ string) string { return name(f) }),
	"platform/cluster/endpoint": str(func(f fakes, _ string) string {
		return fmt.Sprintf("https://%s.gr7.%s.eks.amazonaws.com", strings.ToUpper(f.hex("endpoint", 32)), f.env.Region)
	}),
	"platform/cluster/ca-data": str(func(f fakes, _ string) string {
		pem := "-----BEGIN CERTIFICATE-----\n" + base64.StdEncoding.EncodeToString([]byte(f.hex("ca", 64))) + "\n-----END CERTIFICATE-----\n"
		return base64.StdEncoding.EncodeToString([]byte(pem))
	}),
	"platform/cluster/version":                str(func(f fakes, _ string) string { return f.env.Cluster.Version }),
	"platform/cluster/oidc-provider-arn":      str(func(f fakes, _ string) string { return f.oidcProviderARN() }),
	"platform/cluster/oidc-issuer":            str(func(f fakes, _ string) string { return f.oidcIssuer() }),
	"platform/cluster/security-group-id":      str(func(f fakes, _ string) string { return f.id("sg", "cluster") }),
	"platform/cluster/node-security-group-id": str(func(f fakes, _ string) string { return f.id("sg", "nodes") }),
	"platform/dns/zone-id":                    str(func(f fakes, _ string) string { return "Z" + strings.ToUpper(f.hex("zone", 20)) }),
	"platform/dns/zone-name":                  str(func(f fakes, _ string) string { return f.env.Domain }),
	"platform/storage/volume-kms-key-arn":     str(func(f fakes, _ string) string { return f.keyARN("volume-key") }),

	"databases/endpoint": str(func(f fakes, c string) string {
		return fmt.Sprintf("%s.c%s.%s.rds.amazonaws.com", name(f, c), f.hex("rds", 11), f.env.Region)
	}),
	"databases/port": str(func(fakes, string) string { return "5432" }),
	"databases/name": str(func(_ fakes, c string) string { return strings.ReplaceAll(c, "-", "_") }),
	"databases/secret-arn": str(func(f fakes, c string) string {
		return f.arn("secretsmanager", "secret:rds!db-"+f.uuid("secret/"+c)+"-"+f.hex("suffix/"+c, 6))
	}),
	"databases/secret-kms-key-arn": str(func(f fakes, c string) string { return f.keyARN("db-key/" + c) }),
	"databases/security-group-id":  str(func(f fakes, c string) string { return f.id("sg", "db/"+c) }),
	// A DbiResourceId: db- and 26 upper-case letters and digits.
	"databases/resource-id": str(func(f fakes, c string) string { return "db-" + strings.ToUpper(f.hex("dbi/"+c, 26)) }),

	"client/namespace":                    str(func(_ fakes, c string) string { return c }),
	"client/dns/domain":                   str(func(f fakes, c string) string { return c + "." + f.env.Domain }),
	"client/node-group/name":              str(func(f fakes, c string) string { return name(f, c) }),
	"client/node-group/role-arn":          str(func(f fakes, c string) string { return f.namedARN("aws_iam_role", name(f, c, "nodes")) }),
	"client/node-group/security-group-id": str(func(f fakes, c string) string { return f.id("sg", "client-nodes/"+c) }),
	"client/node-group/selector":          str(func(_ fakes, c string) string { return "stratum.io/client=" + c }),
	"client/buckets/kms-key-arn":          str(func(f fakes, c string) string { return f.keyARN("bucket-key/" + c) }),
	"client/buckets": str(func(f fakes, c string) string {
		b, _ := json.Marshal(map[string]string{"data": name(f, c, "data")})
		return string(b)
	}),
	"client/applications": str(func(f fakes, c string) string {
		b, _ := json.Marshal(map[string]map[string]string{"app": {
			"service_account": "app", "role_arn": f.namedARN("aws_iam_role", name(f, c, "app")),
		}})
		return string(b)
	}),
}

// contractParam is a parameter name resolved against the contract.
type contractParam struct {
	id     string // layer/key
	env    string
	client string
}

// resolveParam finds the contract declaration an SSM parameter name
// belongs to: /stratum/<env>/<layer>/<key>, or
// /stratum/<env>/<layer>/<client>/<key> for per-client values (the client
// layer's directory is "clients").
func resolveParam(name string, declared map[string]contract.Layer) (contractParam, error) {
	rest, ok := strings.CutPrefix(name, contract.Prefix+"/")
	env, rest, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		return contractParam{}, fmt.Errorf("SSM parameter %q is not under %s/<env>/", name, contract.Prefix)
	}
	ids := slices.Sorted(maps.Keys(declared))
	for _, id := range ids {
		if rest == id {
			return contractParam{id: id, env: env}, nil
		}
	}
	for _, id := range ids {
		layer, key, _ := strings.Cut(id, "/")
		dir := layer
		if contract.Layer(layer) == contract.Client {
			dir = "clients"
		}
		inner, ok := strings.CutPrefix(rest, dir+"/")
		if !ok {
			continue
		}
		client, ok := strings.CutSuffix(inner, "/"+key)
		if ok && client != "" && !strings.Contains(client, "/") {
			return contractParam{id: id, env: env, client: client}, nil
		}
	}
	return contractParam{}, fmt.Errorf("SSM parameter %q matches no parameter declared in contract", name)
}

// ssmFor is the mocked value of the SSM parameter name in env.
func ssmFor(name string, env config.Environment) (ssmValue, error) {
	p, err := resolveParam(name, contract.Declared())
	if err != nil {
		return ssmValue{}, err
	}
	shape, ok := ssmShapes[p.id]
	if !ok {
		return ssmValue{}, fmt.Errorf("contract parameter %s (%s) has no value shape in testkit/tfcheck ssmShapes: add one shaped like the real value", p.id, name)
	}
	if p.env != env.Name {
		return ssmValue{}, fmt.Errorf("SSM parameter %q belongs to environment %s, read in a stack of %s", name, p.env, env.Name)
	}
	v := ssmValue{Type: "String", Value: shape.value(fakes{env: env}, p.client)}
	if shape.list {
		v.Type = "StringList"
	}
	return v, nil
}

// ec2Types are the resource types whose ARNs are EC2's
// (arn:aws:ec2:<region>:<account>:<kind>/<id>).
var ec2Types = map[string]string{
	"aws_vpc": "vpc", "aws_subnet": "subnet", "aws_route_table": "route-table",
	"aws_internet_gateway": "internet-gateway", "aws_nat_gateway": "natgateway", "aws_eip": "elastic-ip",
	"aws_security_group": "security-group", "aws_default_security_group": "security-group",
	"aws_vpc_security_group_ingress_rule": "security-group-rule", "aws_vpc_security_group_egress_rule": "security-group-rule",
	"aws_flow_log": "vpc-flow-log", "aws_launch_template": "launch-template", "aws_customer_gateway": "customer-gateway",
	"aws_vpn_gateway": "vpn-gateway", "aws_vpn_connection": "vpn-connection", "aws_network_acl": "network-acl",
}

// ec2IDPrefix is the id prefix of each EC2 resource kind.
var ec2IDPrefix = map[string]string{
	"vpc": "vpc", "subnet": "subnet", "route-table": "rtb", "internet-gateway": "igw", "natgateway": "nat",
	"elastic-ip": "eipalloc", "security-group": "sg", "security-group-rule": "sgr", "vpc-flow-log": "fl",
	"launch-template": "lt", "customer-gateway": "cgw", "vpn-gateway": "vgw", "vpn-connection": "vpn", "network-acl": "acl",
}

// resourceARN is the ARN AWS would give a resource, named after its
// configured name where it has a literal one.
func (f fakes) resourceARN(typ, addrName string, cfg map[string]any) string {
	n := addrName
	for _, k := range []string{"name", "bucket", "identifier", "alarm_name", "cluster_name", "node_group_name", "addon_name"} {
		if v, ok := cfg[k].(string); ok && !strings.Contains(v, "${") {
			n = v
			break
		}
	}
	if _, ok := namedARNs[typ]; ok {
		return f.namedARN(typ, n)
	}
	switch typ {
	case "aws_iam_openid_connect_provider":
		return f.oidcProviderARN()
	case "aws_kms_key":
		return f.keyARN("kms/" + addrName)
	case "aws_backup_plan":
		return f.arn("backup", "backup-plan:"+f.uuid("plan/"+addrName))
	case "aws_eks_node_group":
		return f.arn("eks", "nodegroup/"+name(f)+"/"+n+"/"+f.uuid("ng/"+addrName))
	case "aws_eks_addon":
		return f.arn("eks", "addon/"+name(f)+"/"+n+"/"+f.uuid("addon/"+addrName))
	case "aws_eks_access_entry":
		return f.arn("eks", "access-entry/"+name(f)+"/role/"+f.account()+"/"+addrName+"/"+f.uuid("ae/"+addrName))
	case "aws_route53_zone":
		return f.arn("route53", "hostedzone/Z"+strings.ToUpper(f.hex("zone/"+addrName, 20)))
	case "aws_secretsmanager_secret":
		return f.arn("secretsmanager", "secret:"+n+"-"+f.hex("secret/"+addrName, 6))
	}
	if kind, ok := ec2Types[typ]; ok {
		return f.arn("ec2", kind+"/"+f.id(ec2IDPrefix[kind], typ+"/"+addrName))
	}
	// Other services follow arn:aws:<service>:<region>:<account>:<kind>/<name>.
	parts := strings.SplitN(strings.TrimPrefix(typ, "aws_"), "_", 2)
	kind := typ
	if len(parts) == 2 {
		kind = strings.ReplaceAll(parts[1], "_", "-")
	}
	return f.arn(parts[0], kind+"/"+n)
}
