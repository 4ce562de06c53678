// Package monolith generates the state of the original architecture's
// "before" layout — one Terraform configuration in
// regions/us-east-1/clusters/production/ whose single state holds the
// shared platform and every client's resources mixed together — for the
// migration tests and the benchmark.
//
// The attributes are those the real resources would have, with the names,
// CIDRs and descriptions Stratum's prod stacks use, so that automatic
// matching finds most of them. The state has count and for_each
// instances, module paths (module.vpc, module.eks, module.client["ezra"]),
// data sources, a tainted instance, sensitive attributes, private data,
// dependencies, one resource Stratum has no home for (aws_instance.bastion,
// which the mapping file retires) and one whose identity cannot be matched
// automatically (the deployer's EKS access entry, which the mapping file
// moves).
package monolith

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"stratum/tools/tfstate"
)

// Client is one client of the monolith.
type Client struct {
	Name         string
	CostCentre   string
	Buckets      []string
	Applications []string
	// Database is set for clients with a database in the monolith.
	Database bool
}

// Clients are the monolith's clients, as in clients/clients.go.
var Clients = []Client{
	{Name: "mtn-ghana", CostCentre: "cc-1001", Buckets: []string{"media", "reports"}, Applications: []string{"api", "reporting", "worker"}, Database: true},
	{Name: "ezra", CostCentre: "cc-1002", Buckets: []string{"uploads"}, Applications: []string{"web"}, Database: true},
}

const (
	account = "111111111111"
	region  = "us-east-1"
	awsProv = `provider["registry.terraform.io/hashicorp/aws"]`
	// Lineage is the generated state's lineage.
	Lineage = "5c3f6d2e-8b1a-4f0e-9c7d-2a4b6e8f0a1c"
	// TerraformVersion is recorded as the version that wrote the state.
	TerraformVersion = "1.11.4"
)

// Options sizes the generated state.
type Options struct {
	// ExtraClients adds generated clients gen0001, gen0002, … with the
	// resources of ezra, for benchmarks. Default: 0.
	ExtraClients int
}

// ExtraBuckets is how many buckets a generated client has.
const ExtraBuckets = 10

// ExtraClient is the i-th generated client (1-based): ezra's workload
// resources with ExtraBuckets buckets (uploads, uploads2, …), no database.
func ExtraClient(i int) Client {
	c := Client{Name: fmt.Sprintf("gen%04d", i), CostCentre: fmt.Sprintf("cc-%d", 5000+i), Buckets: []string{"uploads"}, Applications: []string{"web"}}
	for k := 2; k <= ExtraBuckets; k++ {
		c.Buckets = append(c.Buckets, fmt.Sprintf("uploads%d", k))
	}
	return c
}

type builder struct {
	res map[string]*tfstate.Resource
}

type obj struct {
	attrs     map[string]any
	sensitive []string
	private   string
	deps      []string
	tainted   bool
}

func (b *builder) add(module, typ, name string, key any, o obj) map[string]any {
	addr := tfstate.ResourceAddr{Module: module, Mode: "managed", Type: typ, Name: name}
	r := b.res[addr.String()]
	if r == nil {
		// Like Terraform 1.x, no "each": the keys say it.
		r = &tfstate.Resource{Module: module, Mode: "managed", Type: typ, Name: name, Provider: awsProv}
		b.res[addr.String()] = r
	}
	attrs, _ := json.Marshal(o.attrs)
	sens := []any{}
	for _, s := range o.sensitive {
		sens = append(sens, []map[string]string{{"type": "get_attr", "value": s}})
	}
	sraw, _ := json.Marshal(sens)
	in := &tfstate.Instance{IndexKey: key, SchemaVersion: schemaVersion(typ), Attributes: attrs, SensitiveAttributes: sraw, Private: o.private}
	if o.tainted {
		in.Status = "tainted"
	}
	deps := append([]string(nil), o.deps...)
	sort.Strings(deps)
	in.Dependencies = deps
	r.Instances = append(r.Instances, in)
	return o.attrs
}

func (b *builder) data(typ, name string, attrs map[string]any) {
	raw, _ := json.Marshal(attrs)
	r := &tfstate.Resource{Mode: "data", Type: typ, Name: name, Provider: awsProv,
		Instances: []*tfstate.Instance{{SchemaVersion: 0, Attributes: raw, SensitiveAttributes: json.RawMessage("[]")}}}
	b.res["data."+typ+"."+name] = r
}

func schemaVersion(typ string) uint64 {
	switch typ {
	case "aws_vpc", "aws_subnet", "aws_security_group", "aws_instance", "aws_customer_gateway", "aws_vpn_connection":
		return 1
	case "aws_db_instance":
		return 2
	}
	return 0
}

// id is a stable fake AWS id: prefix-<17 hex digits of the seed's hash>.
func id(prefix, seed string) string {
	s := sha256.Sum256([]byte(seed))
	return prefix + "-0" + hex.EncodeToString(s[:])[:16]
}

// hx is n hex digits derived from seed.
func hx(seed string, n int) string {
	var out string
	for i := 0; len(out) < n; i++ {
		s := sha256.Sum256([]byte(fmt.Sprint(seed, i)))
		out += hex.EncodeToString(s[:])
	}
	return out[:n]
}

func uuid(seed string) string {
	s := sha256.Sum256([]byte(seed))
	h := hex.EncodeToString(s[:])
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

func arn(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
}

func iamARN(resource string) string { return fmt.Sprintf("arn:aws:iam::%s:%s", account, resource) }

// tags returns tags and tags_all (the provider's default tags merged in).
func tags(t map[string]string) (map[string]string, map[string]string) {
	all := map[string]string{"Project": "stratum", "Environment": "prod", "ManagedBy": "terraform"}
	for k, v := range t {
		all[k] = v
	}
	return t, all
}

func with(attrs map[string]any, t map[string]string) map[string]any {
	tg, all := tags(t)
	attrs["tags"], attrs["tags_all"] = tg, all
	return attrs
}

var privateSchema1 = base64.StdEncoding.EncodeToString([]byte(`{"schema_version":"1"}`))

func privateTimeouts(create, del string) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"e2bfb730-ecaa-11e6-8f88-34363bc7c4c0":{"create":%s,"delete":%s},"schema_version":"1"}`, create, del)))
}

// Generate builds the monolith's state.
func Generate(opt Options) *tfstate.State {
	b := &builder{res: map[string]*tfstate.Resource{}}
	b.data("aws_caller_identity", "current", map[string]any{"id": account, "account_id": account, "arn": iamARN("user/terraform"), "user_id": "AIDAEXAMPLE"})
	b.data("aws_availability_zones", "available", map[string]any{"id": region, "names": []string{"us-east-1a", "us-east-1b", "us-east-1c"}, "state": "available"})
	b.data("aws_region", "current", map[string]any{"id": region, "name": region, "description": "US East (N. Virginia)"})
	network(b)
	platform(b)
	for _, c := range Clients {
		client(b, c)
	}
	for i := 1; i <= opt.ExtraClients; i++ {
		client(b, ExtraClient(i))
	}
	// A jump host the original layout had and Stratum does not: the
	// mapping file retires it (it stays in AWS until someone decommissions
	// it by hand).
	b.add("", "aws_instance", "bastion", nil, obj{attrs: with(map[string]any{
		"id": id("i", "bastion"), "arn": arn("ec2", "instance/"+id("i", "bastion")), "ami": "ami-0abcdef1234567890",
		"instance_type": "t3.micro", "subnet_id": id("subnet", "public-0"), "associate_public_ip_address": true,
		"metadata_options": []any{map[string]any{"http_tokens": "required", "http_put_response_hop_limit": 1}},
	}, map[string]string{"Name": "prod-bastion"}), private: privateSchema1, deps: []string{"module.vpc.aws_subnet.public"}})

	st := &tfstate.State{TerraformVersion: TerraformVersion, Serial: 42, Lineage: Lineage, Outputs: json.RawMessage(`{"vpc_id":{"value":"` + id("vpc", "main") + `","type":"string"}}`)}
	for _, k := range slices.Sorted(maps.Keys(b.res)) {
		st.Resources = append(st.Resources, b.res[k])
	}
	return st
}

var azs = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

func network(b *builder) {
	vpc := id("vpc", "main")
	b.add("module.vpc", "aws_vpc", "this", nil, obj{attrs: with(map[string]any{
		"id": vpc, "arn": arn("ec2", "vpc/"+vpc), "cidr_block": "10.10.0.0/16", "enable_dns_hostnames": true, "enable_dns_support": true,
		"instance_tenancy": "default", "main_route_table_id": id("rtb", "main"), "default_security_group_id": id("sg", "default"), "owner_id": account,
	}, map[string]string{"Name": "stratum-prod"}), private: privateSchema1})
	vpcDep := []string{"module.vpc.aws_vpc.this"}
	igw := id("igw", "main")
	b.add("module.vpc", "aws_internet_gateway", "this", nil, obj{attrs: with(map[string]any{"id": igw, "arn": arn("ec2", "internet-gateway/"+igw), "vpc_id": vpc, "owner_id": account}, map[string]string{"Name": "stratum-prod"}), deps: vpcDep})
	b.add("module.vpc", "aws_default_security_group", "this", nil, obj{attrs: with(map[string]any{"id": id("sg", "default"), "vpc_id": vpc, "name": "default", "ingress": []any{}, "egress": []any{}}, map[string]string{"Name": "stratum-prod-default-closed"}), deps: vpcDep, private: privateSchema1})
	tiers := []struct {
		name  string
		cidrs []string
		extra map[string]string
	}{
		{"public", []string{"10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"}, map[string]string{"Tier": "public", "kubernetes.io/role/elb": "1"}},
		{"private", []string{"10.10.16.0/20", "10.10.32.0/20", "10.10.48.0/20"}, map[string]string{"Tier": "private", "kubernetes.io/role/internal-elb": "1"}},
		{"database", []string{"10.10.8.0/24", "10.10.9.0/24", "10.10.10.0/24"}, map[string]string{"Tier": "database"}},
	}
	for _, t := range tiers {
		for i, c := range t.cidrs {
			sn := id("subnet", fmt.Sprintf("%s-%d", t.name, i))
			tg := map[string]string{"Name": fmt.Sprintf("stratum-prod-%s-%s", t.name, azs[i])}
			for k, v := range t.extra {
				tg[k] = v
			}
			b.add("module.vpc", "aws_subnet", t.name, i, obj{attrs: with(map[string]any{
				"id": sn, "arn": arn("ec2", "subnet/"+sn), "vpc_id": vpc, "cidr_block": c, "availability_zone": azs[i],
				"map_public_ip_on_launch": false, "owner_id": account,
			}, tg), deps: vpcDep, private: privateSchema1})
		}
	}
	// Route tables: one public, one private per AZ, one for databases.
	rtPublic := id("rtb", "public")
	b.add("module.vpc", "aws_route_table", "public", nil, obj{attrs: with(map[string]any{"id": rtPublic, "arn": arn("ec2", "route-table/"+rtPublic), "vpc_id": vpc, "owner_id": account, "propagating_vgws": []any{}}, map[string]string{"Name": "stratum-prod-public"}), deps: vpcDep})
	rtDB := id("rtb", "database")
	b.add("module.vpc", "aws_route_table", "database", nil, obj{attrs: with(map[string]any{"id": rtDB, "arn": arn("ec2", "route-table/"+rtDB), "vpc_id": vpc, "owner_id": account, "propagating_vgws": []any{}}, map[string]string{"Name": "stratum-prod-database"}), deps: vpcDep})
	b.add("module.vpc", "aws_route", "public_internet", nil, obj{attrs: map[string]any{"id": "r-" + rtPublic + "1080289494", "route_table_id": rtPublic, "destination_cidr_block": "0.0.0.0/0", "gateway_id": igw, "destination_ipv6_cidr_block": "", "destination_prefix_list_id": "", "origin": "CreateRoute", "state": "active"},
		deps: []string{"module.vpc.aws_internet_gateway.this", "module.vpc.aws_route_table.public"}, private: privateTimeouts("300000000000", "300000000000")})
	for i, az := range azs {
		eip := id("eipalloc", "nat-"+az)
		name := "stratum-prod-nat-" + az
		if i == 2 {
			// An old-style Name tag: the elastic IP is still found, through
			// the NAT gateway that references it.
			name = "prod-nat-c"
		}
		b.add("module.vpc", "aws_eip", "nat", i, obj{attrs: with(map[string]any{"id": eip, "allocation_id": eip, "domain": "vpc", "public_ip": fmt.Sprintf("198.18.0.%d", 10+i), "arn": arn("ec2", "elastic-ip/"+eip)}, map[string]string{"Name": name}), deps: []string{"module.vpc.aws_internet_gateway.this"}})
		nat := id("nat", az)
		b.add("module.vpc", "aws_nat_gateway", "this", i, obj{attrs: with(map[string]any{"id": nat, "allocation_id": eip, "subnet_id": id("subnet", fmt.Sprintf("public-%d", i)), "connectivity_type": "public"}, map[string]string{"Name": "stratum-prod-nat-" + az}),
			deps: []string{"module.vpc.aws_eip.nat", "module.vpc.aws_internet_gateway.this", "module.vpc.aws_subnet.public"}})
		rt := id("rtb", "private-"+az)
		b.add("module.vpc", "aws_route_table", "private", i, obj{attrs: with(map[string]any{"id": rt, "arn": arn("ec2", "route-table/"+rt), "vpc_id": vpc, "owner_id": account, "propagating_vgws": []any{}}, map[string]string{"Name": "stratum-prod-private-" + az}), deps: vpcDep})
		b.add("module.vpc", "aws_route", "private_nat", i, obj{attrs: map[string]any{"id": "r-" + rt + "1080289494", "route_table_id": rt, "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": nat, "destination_ipv6_cidr_block": "", "destination_prefix_list_id": "", "origin": "CreateRoute", "state": "active"},
			deps: []string{"module.vpc.aws_nat_gateway.this", "module.vpc.aws_route_table.private"}})
		for _, t := range []struct{ tier, rt string }{{"public", rtPublic}, {"private", rt}, {"database", rtDB}} {
			b.add("module.vpc", "aws_route_table_association", t.tier, i, obj{attrs: map[string]any{"id": id("rtbassoc", t.tier+az), "route_table_id": t.rt, "subnet_id": id("subnet", fmt.Sprintf("%s-%d", t.tier, i)), "gateway_id": ""},
				deps: []string{"module.vpc.aws_route_table." + t.tier, "module.vpc.aws_subnet." + t.tier}})
		}
	}
	// Flow logs, shared security groups, VPN.
	lg := "/stratum-prod/vpc-flow-logs"
	b.add("", "aws_cloudwatch_log_group", "flow_logs", nil, obj{attrs: with(map[string]any{"id": lg, "name": lg, "arn": arn("logs", "log-group:"+lg), "retention_in_days": 365, "kms_key_id": arn("kms", "key/"+uuid("flow-logs-key"))}, nil), deps: []string{"aws_kms_key.flow_logs"}})
	kmsKey(b, "flow_logs", "flow-logs-key", "VPC flow logs of Stratum prod", "alias/stratum-prod-flow-logs")
	role(b, "", "flow_logs", "stratum-prod-vpc-flow-logs", nil)
	b.add("", "aws_flow_log", "vpc", nil, obj{attrs: with(map[string]any{"id": id("fl", "vpc"), "vpc_id": vpc, "traffic_type": "ALL", "log_destination_type": "cloud-watch-logs", "log_destination": arn("logs", "log-group:"+lg), "iam_role_arn": iamARN("role/stratum-prod-vpc-flow-logs")}, map[string]string{"Name": "stratum-prod"}),
		deps: []string{"aws_cloudwatch_log_group.flow_logs", "aws_iam_role.flow_logs", "module.vpc.aws_vpc.this"}})
	for _, sg := range []struct{ key, name, desc string }{
		{"eks_nodes", "stratum-prod-eks-nodes", "EKS worker nodes of stratum-prod: traffic from load balancers and between nodes"},
		{"load_balancers", "stratum-prod-load-balancers", "Internet-facing load balancers of stratum-prod: HTTP and HTTPS in, nodes out"},
		{"databases", "stratum-prod-databases", "Database tier of stratum-prod: no rules, each database has its own group admitting its client only"},
	} {
		sid := id("sg", sg.key)
		b.add("", "aws_security_group", sg.key, nil, obj{attrs: with(map[string]any{"id": sid, "arn": arn("ec2", "security-group/"+sid), "name": sg.name, "description": sg.desc, "vpc_id": vpc, "ingress": []any{}, "egress": []any{}, "revoke_rules_on_delete": false},
			map[string]string{"Name": sg.name}), deps: vpcDep, private: privateTimeouts("600000000000", "900000000000")})
	}
	vgw := id("vgw", "main")
	b.add("", "aws_vpn_gateway", "main", nil, obj{attrs: with(map[string]any{"id": vgw, "arn": arn("ec2", "vpn-gateway/"+vgw), "vpc_id": vpc, "amazon_side_asn": "64512"}, map[string]string{"Name": "stratum-prod"}), deps: vpcDep})
	for _, gw := range []struct{ key, ip, asn string }{{"dc-primary", "203.0.113.10", "65010"}, {"dc-secondary", "198.51.100.20", "65020"}} {
		cgw := id("cgw", gw.key)
		b.add("", "aws_customer_gateway", "dc", gw.key, obj{attrs: with(map[string]any{"id": cgw, "arn": arn("ec2", "customer-gateway/"+cgw), "ip_address": gw.ip, "bgp_asn": gw.asn, "type": "ipsec.1", "device_name": ""}, map[string]string{"Name": "stratum-prod-" + gw.key})})
		vpn := id("vpn", gw.key)
		// The pre-shared keys are sensitive: the state marks them so.
		b.add("", "aws_vpn_connection", "dc", gw.key, obj{attrs: with(map[string]any{"id": vpn, "arn": arn("ec2", "vpn-connection/"+vpn), "customer_gateway_id": cgw, "vpn_gateway_id": vgw, "transit_gateway_id": "",
			"type": "ipsec.1", "static_routes_only": false, "tunnel1_preshared_key": "psk1-" + hx("k"+gw.key, 16), "tunnel2_preshared_key": "psk2-" + hx("k"+gw.key+"2", 16),
			"tunnel1_address": "192.0.2.1", "tunnel2_address": "192.0.2.2"}, map[string]string{"Name": "stratum-prod-" + gw.key}),
			sensitive: []string{"tunnel1_preshared_key", "tunnel2_preshared_key"}, deps: []string{"aws_customer_gateway.dc", "aws_vpn_gateway.main"}, private: privateTimeouts("2400000000000", "2400000000000")})
	}
	for i, az := range azs {
		b.add("", "aws_vpn_gateway_route_propagation", "private", i, obj{attrs: map[string]any{"id": vgw + "_" + id("rtb", "private-"+az), "vpn_gateway_id": vgw, "route_table_id": id("rtb", "private-"+az)}, deps: []string{"aws_vpn_gateway.main", "module.vpc.aws_route_table.private"}})
	}
	b.add("", "aws_vpn_gateway_route_propagation", "database", nil, obj{attrs: map[string]any{"id": vgw + "_" + rtDB, "vpn_gateway_id": vgw, "route_table_id": rtDB}, deps: []string{"aws_vpn_gateway.main", "module.vpc.aws_route_table.database"}})
	// Alarms and backups.
	kmsKey(b, "alarms", "alarms-key", "Platform alarm notifications of Stratum prod", "alias/stratum-prod-alarms")
	b.add("", "aws_sns_topic", "alarms", nil, obj{attrs: with(map[string]any{"id": arn("sns", "stratum-prod-alarms"), "arn": arn("sns", "stratum-prod-alarms"), "name": "stratum-prod-alarms", "kms_master_key_id": "alias/stratum-prod-alarms"}, nil), deps: []string{"aws_kms_key.alarms"}})
	kmsKey(b, "backup", "backup-key", "AWS Backup recovery points of Stratum prod", "alias/stratum-prod-backup")
	b.add("", "aws_backup_vault", "main", nil, obj{attrs: with(map[string]any{"id": "stratum-prod", "name": "stratum-prod", "arn": arn("backup", "backup-vault:stratum-prod"), "kms_key_arn": arn("kms", "key/"+uuid("backup-key")), "force_destroy": false}, nil), deps: []string{"aws_kms_key.backup"}})
	b.add("", "aws_backup_plan", "daily", nil, obj{attrs: with(map[string]any{"id": uuid("plan"), "arn": arn("backup", "backup-plan:"+uuid("plan")), "name": "stratum-prod-daily", "version": "NjM3ZGU3ZWQtYmQ5Yy00ZGQ0"}, nil), deps: []string{"aws_backup_vault.main"}})
	role(b, "", "backup", "stratum-prod-backup", []string{"service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores"})
}

func kmsKey(b *builder, key, seed, desc, alias string) {
	kid := uuid(seed)
	b.add("", "aws_kms_key", key, nil, obj{attrs: with(map[string]any{"id": kid, "key_id": kid, "arn": arn("kms", "key/"+kid), "description": desc, "enable_key_rotation": true, "deletion_window_in_days": 30, "key_usage": "ENCRYPT_DECRYPT", "is_enabled": true}, nil)})
	b.add("", "aws_kms_alias", key, nil, obj{attrs: map[string]any{"id": alias, "name": alias, "arn": arn("kms", alias), "target_key_id": kid, "target_key_arn": arn("kms", "key/"+kid)}, deps: []string{"aws_kms_key." + key}})
}

// role adds an IAM role and its managed policy attachments.
func role(b *builder, module, key, name string, managed []string) {
	b.add(module, "aws_iam_role", key, nil, obj{attrs: with(map[string]any{"id": name, "name": name, "arn": iamARN("role/" + name), "unique_id": "AROA" + strings.ToUpper(hx("r"+name, 16)), "path": "/", "max_session_duration": 3600, "force_detach_policies": false}, nil)})
	for i, p := range managed {
		pa := "arn:aws:iam::aws:policy/" + p
		b.add(module, "aws_iam_role_policy_attachment", key, i, obj{attrs: map[string]any{"id": name + "-" + hx("a"+pa, 18), "role": name, "policy_arn": pa}, deps: []string{addrIn(module, "aws_iam_role."+key)}})
	}
}

func addrIn(module, a string) string {
	if module == "" {
		return a
	}
	return module + "." + a
}

func platform(b *builder) {
	issuer := "https://oidc.eks.us-east-1.amazonaws.com/id/" + strings.ToUpper(hx("o"+"issuer", 32))
	kmsKey(b, "eks_secrets", "eks-secrets-key", "Envelope encryption of Kubernetes secrets in EKS cluster stratum-prod", "alias/stratum-prod-eks-secrets")
	role(b, "module.eks", "cluster", "stratum-prod-cluster", []string{"AmazonEKSClusterPolicy"})
	b.add("", "aws_cloudwatch_log_group", "eks", nil, obj{attrs: with(map[string]any{"id": "/aws/eks/stratum-prod/cluster", "name": "/aws/eks/stratum-prod/cluster", "arn": arn("logs", "log-group:/aws/eks/stratum-prod/cluster"), "retention_in_days": 365}, nil)})
	b.add("module.eks", "aws_eks_cluster", "this", nil, obj{attrs: with(map[string]any{
		"id": "stratum-prod", "name": "stratum-prod", "arn": arn("eks", "cluster/stratum-prod"), "version": "1.31", "role_arn": iamARN("role/stratum-prod-cluster"),
		"endpoint":                  "https://" + strings.ToUpper(hx("e"+"endpoint", 32)) + ".gr7.us-east-1.eks.amazonaws.com",
		"certificate_authority":     []any{map[string]any{"data": base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nMIIC…\n-----END CERTIFICATE-----\n"))}},
		"identity":                  []any{map[string]any{"oidc": []any{map[string]any{"issuer": issuer}}}},
		"vpc_config":                []any{map[string]any{"endpoint_private_access": true, "endpoint_public_access": false, "subnet_ids": []string{id("subnet", "private-0"), id("subnet", "private-1"), id("subnet", "private-2")}, "cluster_security_group_id": id("sg", "eks-cluster")}},
		"enabled_cluster_log_types": []string{"api", "audit", "authenticator", "controllerManager", "scheduler"},
	}, nil), deps: []string{"aws_cloudwatch_log_group.eks", "aws_kms_key.eks_secrets", "module.eks.aws_iam_role.cluster", "module.eks.aws_iam_role_policy_attachment.cluster", "module.vpc.aws_subnet.private"},
		private: privateTimeouts("1800000000000", "900000000000")})
	b.add("module.eks", "aws_iam_openid_connect_provider", "this", nil, obj{attrs: with(map[string]any{
		"id": iamARN("oidc-provider/" + strings.TrimPrefix(issuer, "https://")), "arn": iamARN("oidc-provider/" + strings.TrimPrefix(issuer, "https://")),
		"url": strings.TrimPrefix(issuer, "https://"), "client_id_list": []string{"sts.amazonaws.com"}, "thumbprint_list": []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"},
	}, nil), deps: []string{"module.eks.aws_eks_cluster.this"}})
	role(b, "module.eks", "system_nodes", "stratum-prod-system-nodes", []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"})
	b.add("module.eks", "aws_eks_node_group", "system", nil, obj{attrs: with(map[string]any{
		"id": "stratum-prod:stratum-prod-system", "cluster_name": "stratum-prod", "node_group_name": "stratum-prod-system", "arn": arn("eks", "nodegroup/stratum-prod/stratum-prod-system/"+uuid("ng-system")),
		"node_role_arn": iamARN("role/stratum-prod-system-nodes"), "instance_types": []string{"m6i.large"}, "capacity_type": "ON_DEMAND",
		"scaling_config": []any{map[string]any{"min_size": 3, "desired_size": 3, "max_size": 6}},
	}, nil), deps: []string{"module.eks.aws_eks_cluster.this", "module.eks.aws_iam_role.system_nodes", "module.vpc.aws_subnet.private"}, private: privateTimeouts("3600000000000", "3600000000000")})
	for _, a := range []string{"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"} {
		b.add("", "aws_eks_addon", "this", a, obj{attrs: with(map[string]any{"id": "stratum-prod:" + a, "cluster_name": "stratum-prod", "addon_name": a, "arn": arn("eks", "addon/stratum-prod/"+a+"/"+uuid(a)), "addon_version": "v1.0.0-eksbuild.1"}, nil),
			deps: []string{"module.eks.aws_eks_cluster.this"}})
	}
	// Who deployed the monolith: not Stratum's configured deploy role, so
	// no identity matches it and only the mapping file says where it goes.
	b.add("module.eks", "aws_eks_access_entry", "admin", nil, obj{attrs: with(map[string]any{
		"id": "stratum-prod:" + iamARN("role/stratum-deployer"), "cluster_name": "stratum-prod", "principal_arn": iamARN("role/stratum-deployer"), "type": "STANDARD",
		"access_entry_arn": arn("eks", "access-entry/stratum-prod/role/"+account+"/stratum-deployer/"+uuid("ae")),
	}, nil), deps: []string{"module.eks.aws_eks_cluster.this"}})
	b.add("", "aws_route53_zone", "main", nil, obj{attrs: with(map[string]any{"id": "Z" + strings.ToUpper(hx("z"+"zone", 20)), "name": "prod.stratum.example.com", "arn": "arn:aws:route53:::hostedzone/Z" + strings.ToUpper(hx("z"+"zone", 20)), "force_destroy": false, "comment": "Managed by Terraform"}, nil)})
}

// client adds one client's database (in the shared databases section of
// the monolith) and its workload resources (module.client["<name>"]).
func client(b *builder, c Client) {
	ct := map[string]string{"Client": c.Name, "CostCentre": c.CostCentre}
	if c.Database {
		database(b, c, ct)
	}
	workload(b, c, ct)
}

func database(b *builder, c Client, ct map[string]string) {
	db := "stratum-prod-" + c.Name
	k := c.Name
	b.add("", "aws_db_subnet_group", "client", k, obj{attrs: with(map[string]any{"id": db, "name": db, "arn": arn("rds", "subgrp:"+db), "description": "Database subnets of " + db, "subnet_ids": []string{id("subnet", "database-0"), id("subnet", "database-1"), id("subnet", "database-2")}}, ct), deps: []string{"module.vpc.aws_subnet.database"}})
	b.add("", "aws_db_parameter_group", "client", k, obj{attrs: with(map[string]any{"id": db + "-postgres17", "name": db + "-postgres17", "family": "postgres17", "arn": arn("rds", "pg:"+db+"-postgres17"), "description": "Parameters of " + db}, ct)})
	sg := id("sg", "db-"+c.Name)
	b.add("", "aws_security_group", "db", k, obj{attrs: with(map[string]any{"id": sg, "name": db + "-db", "description": "PostgreSQL instance " + db + "; clients are allowed in by their own stacks", "vpc_id": id("vpc", "main"), "ingress": []any{}, "egress": []any{}}, ct), deps: []string{"module.vpc.aws_vpc.this"}, private: privateTimeouts("600000000000", "900000000000")})
	b.add("", "aws_iam_role", "rds_monitoring", k, obj{attrs: with(map[string]any{"id": db + "-monitoring", "name": db + "-monitoring", "arn": iamARN("role/" + db + "-monitoring"), "path": "/"}, ct)})
	b.add("", "aws_db_instance", "client", k, obj{attrs: with(map[string]any{
		"id": "db-" + strings.ToUpper(hx("d"+c.Name, 26)), "resource_id": "db-" + strings.ToUpper(hx("d"+c.Name, 26)), "identifier": db, "arn": arn("rds", "db:"+db),
		"engine": "postgres", "engine_version": "17.4", "instance_class": "db.r6g.large", "allocated_storage": 100, "max_allocated_storage": 500, "storage_encrypted": true,
		"multi_az": true, "deletion_protection": true, "skip_final_snapshot": false, "final_snapshot_identifier": db + "-final", "username": "postgres", "password": nil,
		"manage_master_user_password": true, "master_user_secret": []any{map[string]any{"secret_arn": arn("secretsmanager", "secret:rds!db-"+uuid(c.Name)), "secret_status": "active", "kms_key_id": arn("kms", "key/"+uuid(c.Name+"-secret"))}},
		"db_subnet_group_name": db, "parameter_group_name": db + "-postgres17", "vpc_security_group_ids": []string{sg}, "backup_retention_period": 30,
		"address": db + ".c9akciq32.us-east-1.rds.amazonaws.com", "port": 5432, "performance_insights_enabled": true,
	}, ct), sensitive: []string{"password"}, deps: []string{"aws_db_parameter_group.client", "aws_db_subnet_group.client", "aws_iam_role.rds_monitoring", "aws_security_group.db"},
		private: base64.StdEncoding.EncodeToString([]byte(`{"e2bfb730-ecaa-11e6-8f88-34363bc7c4c0":{"create":2400000000000,"delete":3600000000000,"update":4800000000000},"schema_version":"2"}`))})
}

func workload(b *builder, c Client, ct map[string]string) {
	mod := fmt.Sprintf("module.client[%q]", c.Name)
	kid := uuid(c.Name + "-buckets")
	b.add(mod, "aws_kms_key", "buckets", nil, obj{attrs: with(map[string]any{"id": kid, "key_id": kid, "arn": arn("kms", "key/"+kid), "description": "S3 buckets of client " + c.Name + " in prod", "enable_key_rotation": true}, ct)})
	b.add(mod, "aws_kms_alias", "buckets", nil, obj{attrs: map[string]any{"id": "alias/stratum-prod-" + c.Name + "-buckets", "name": "alias/stratum-prod-" + c.Name + "-buckets", "target_key_id": kid, "arn": arn("kms", "alias/stratum-prod-"+c.Name+"-buckets")}, deps: []string{mod + ".aws_kms_key.buckets"}})
	for _, bk := range c.Buckets {
		name := fmt.Sprintf("stratum-prod-%s-%s", c.Name, bk)
		bdep := []string{mod + ".aws_s3_bucket.this"}
		b.add(mod, "aws_s3_bucket", "this", bk, obj{attrs: with(map[string]any{"id": name, "bucket": name, "arn": "arn:aws:s3:::" + name, "bucket_domain_name": name + ".s3.amazonaws.com", "force_destroy": false, "region": region}, ct)})
		b.add(mod, "aws_s3_bucket_versioning", "this", bk, obj{attrs: map[string]any{"id": name, "bucket": name, "expected_bucket_owner": "", "versioning_configuration": []any{map[string]any{"status": "Enabled", "mfa_delete": ""}}}, deps: bdep})
		b.add(mod, "aws_s3_bucket_public_access_block", "this", bk, obj{attrs: map[string]any{"id": name, "bucket": name, "block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}, deps: bdep})
		b.add(mod, "aws_s3_bucket_server_side_encryption_configuration", "this", bk, obj{attrs: map[string]any{"id": name, "bucket": name, "rule": []any{map[string]any{"bucket_key_enabled": true, "apply_server_side_encryption_by_default": []any{map[string]any{"sse_algorithm": "aws:kms", "kms_master_key_id": arn("kms", "key/"+kid)}}}}}, deps: append(bdep, mod+".aws_kms_key.buckets")})
		b.add(mod, "aws_s3_bucket_ownership_controls", "this", bk, obj{attrs: map[string]any{"id": name, "bucket": name, "rule": []any{map[string]any{"object_ownership": "BucketOwnerEnforced"}}}, deps: bdep})
	}
	role(b, mod, "nodes", "stratum-prod-"+c.Name+"-nodes", []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"})
	for _, app := range c.Applications {
		n := fmt.Sprintf("stratum-prod-%s-%s", c.Name, app)
		b.add(mod, "aws_iam_role", "app", app, obj{attrs: with(map[string]any{"id": n, "name": n, "arn": iamARN("role/" + n), "path": "/"}, ct)})
	}
	lt := "stratum-prod-" + c.Name
	b.add(mod, "aws_launch_template", "nodes", nil, obj{attrs: with(map[string]any{"id": id("lt", c.Name), "name": lt, "arn": arn("ec2", "launch-template/"+id("lt", c.Name)), "latest_version": 3,
		"metadata_options": []any{map[string]any{"http_tokens": "required", "http_put_response_hop_limit": 1}}}, ct)})
	// The client's node group: mtn-ghana's was tainted by a failed AMI
	// update, so the next apply of its stack replaces it.
	b.add(mod, "aws_eks_node_group", "this", nil, obj{attrs: with(map[string]any{
		"id": "stratum-prod:" + lt, "cluster_name": "stratum-prod", "node_group_name": lt, "arn": arn("eks", "nodegroup/stratum-prod/"+lt+"/"+uuid(lt)),
		"node_role_arn": iamARN("role/stratum-prod-" + c.Name + "-nodes"), "labels": map[string]string{"stratum.io/client": c.Name},
		"taint": []any{map[string]any{"key": "stratum.io/client", "value": c.Name, "effect": "NO_SCHEDULE"}},
	}, ct), tainted: c.Name == "mtn-ghana", deps: []string{mod + ".aws_iam_role.nodes", mod + ".aws_launch_template.nodes", "module.eks.aws_eks_cluster.this"}, private: privateTimeouts("3600000000000", "3600000000000")})
}

// MappingFile is the mapping file of the generated monolith: what
// automatic matching cannot decide.
func MappingFile() []byte {
	return []byte(`{
  "moves": [
    {"from": "aws_instance.bastion", "action": "retire", "reason": "Stratum has no bastion: operators use SSM Session Manager; decommission the instance by hand"},
    {"from": "aws_security_group.load_balancers", "action": "retire", "reason": "Stratum has no shared load balancer group: the AWS Load Balancer Controller creates its own; delete the group by hand once no load balancer uses it"},
    {"from": "aws_security_group.databases", "action": "retire", "reason": "Stratum has no shared database group: each database has its own; delete the group by hand once no database uses it"},
    {"from": "module.eks.aws_eks_access_entry.admin", "to": "platform-prod:aws_eks_access_entry.cluster_admin-deployer-services_9E4C06BA", "reason": "the monolith's admin is not the configured deploy role: the entry moves, and the next apply replaces its principal"}
  ]
}
`)
}

// Marshal is the generated state as a state file.
func Marshal(st *tfstate.State) []byte {
	raw, err := st.Marshal()
	if err != nil {
		panic(err) // the generator only builds valid states
	}
	return raw
}
