package stacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/testenv"
)

// foundation is one synthesized foundation stack with its environment.
type foundation struct {
	tfJSON
	env config.Environment
}

func foundations(t *testing.T) []foundation {
	t.Helper()
	s := defaultSynth(t)
	var out []foundation
	for _, env := range config.Environments() {
		out = append(out, foundation{s.stack(t, contract.Foundation.StackName(env.Name, "")), env})
	}
	return out
}

// param returns the value of the parameter p the stack writes.
func (f foundation) param(t *testing.T, name string) any {
	t.Helper()
	for _, r := range f.resources("aws_ssm_parameter") {
		if r["name"] == name {
			return r["insecure_value"]
		}
	}
	t.Fatalf("foundation-%s writes no parameter %s", f.env.Name, name)
	return nil
}

// subnets returns the subnets exported by the list parameter p, found
// through the parameter rather than by resource names.
func (f foundation) subnets(t *testing.T, p contract.StringList) []string {
	t.Helper()
	return refNames(f.param(t, p.Name(contract.At{Env: f.env.Name})), "aws_subnet")
}

// securityGroup returns the security group exported by p.
func (f foundation) securityGroup(t *testing.T, p contract.String) string {
	t.Helper()
	return refName(t, f.param(t, p.Name(contract.At{Env: f.env.Name})), "aws_security_group")
}

// routeTableOf returns the route table the subnet is associated with.
func (f foundation) routeTableOf(t *testing.T, subnet string) string {
	t.Helper()
	var tables []string
	for _, a := range f.resources("aws_route_table_association") {
		if slices.Contains(refNames(a["subnet_id"], "aws_subnet"), subnet) {
			tables = append(tables, refName(t, a["route_table_id"], "aws_route_table"))
		}
	}
	if len(tables) != 1 {
		t.Fatalf("subnet %s is associated with route tables %v, want exactly one", subnet, tables)
	}
	return tables[0]
}

// routes returns the aws_route resources of a route table.
func (f foundation) routes(table string) []map[string]any {
	var out []map[string]any
	for _, r := range f.resources("aws_route") {
		if slices.Contains(refNames(r["route_table_id"], "aws_route_table"), table) {
			out = append(out, r)
		}
	}
	return out
}

func (f foundation) resource(t *testing.T, typ, name string) map[string]any {
	t.Helper()
	r, ok := f.resources(typ)[name]
	if !ok {
		t.Fatalf("foundation-%s has no %s.%s", f.env.Name, typ, name)
	}
	return r
}

func envByName(t *testing.T, name string) config.Environment {
	t.Helper()
	e, err := config.Get(config.Environments(), name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFoundationSubnets: every tier has one subnet per zone with the
// planned CIDR, and the EKS/ALB discovery tags on public and private.
func TestFoundationSubnets(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			plan, err := f.env.Network.SubnetPlan()
			if err != nil {
				t.Fatal(err)
			}
			tiers := []struct {
				param contract.StringList
				want  []string
				tag   string
			}{
				{contract.PublicSubnetIDs, cidrs(plan.Public), "kubernetes.io/role/elb"},
				{contract.PrivateSubnetIDs, cidrs(plan.Private), "kubernetes.io/role/internal-elb"},
				{contract.DatabaseSubnetIDs, cidrs(plan.Database), ""},
			}
			for _, tier := range tiers {
				names := tier.param.Key()
				subnets := f.subnets(t, tier.param)
				var got, zones []string
				for _, n := range subnets {
					s := f.resource(t, "aws_subnet", n)
					got = append(got, s["cidr_block"].(string))
					zones = append(zones, s["availability_zone"].(string))
					tags, _ := s["tags"].(map[string]any)
					if tags["Name"] == nil {
						t.Errorf("%s subnet %s has no Name tag", names, n)
					}
					for _, k := range []string{"kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"} {
						if want := k == tier.tag; (tags[k] == "1") != want {
							t.Errorf("%s subnet %s: tag %s = %v, want it set to 1: %t", names, n, k, tags[k], want)
						}
					}
					if s["map_public_ip_on_launch"] != false {
						t.Errorf("%s subnet %s: map_public_ip_on_launch = %v, want false", names, n, s["map_public_ip_on_launch"])
					}
				}
				if !slices.Equal(got, tier.want) {
					t.Errorf("%s CIDRs = %v, want %v", names, got, tier.want)
				}
				if !slices.Equal(zones, f.env.Network.AvailabilityZones) {
					t.Errorf("%s zones = %v, want %v", names, zones, f.env.Network.AvailabilityZones)
				}
			}
		})
	}
}

// TestFoundationNAT: one NAT gateway (and Elastic IP) per zone where the
// policy says so, one otherwise; every private subnet's default route
// goes to a NAT gateway, in its own zone with NATPerAZ.
func TestFoundationNAT(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			want := 1
			if f.env.Network.NAT == config.NATPerAZ {
				want = len(f.env.Network.AvailabilityZones)
			}
			nats := f.resources("aws_nat_gateway")
			if len(nats) != want {
				t.Errorf("got %d NAT gateways, want %d", len(nats), want)
			}
			if n := len(f.resources("aws_eip")); n != want {
				t.Errorf("got %d Elastic IPs, want %d", n, want)
			}
			public := f.subnets(t, contract.PublicSubnetIDs)
			natZone := map[string]string{}
			for name, n := range nats {
				s := refName(t, n["subnet_id"], "aws_subnet")
				if !slices.Contains(public, s) {
					t.Errorf("NAT gateway %s is in subnet %s, not a public one", name, s)
				}
				natZone[name] = f.resource(t, "aws_subnet", s)["availability_zone"].(string)
				refName(t, n["allocation_id"], "aws_eip")
			}
			for _, s := range f.subnets(t, contract.PrivateSubnetIDs) {
				zone := f.resource(t, "aws_subnet", s)["availability_zone"].(string)
				var via []string
				for _, r := range f.routes(f.routeTableOf(t, s)) {
					if r["destination_cidr_block"] == "0.0.0.0/0" {
						via = append(via, refNames(r["nat_gateway_id"], "aws_nat_gateway")...)
						if r["gateway_id"] != nil {
							t.Errorf("private subnet %s routes to the internet through gateway %v", s, r["gateway_id"])
						}
					}
				}
				if len(via) != 1 {
					t.Errorf("private subnet %s: default route through NAT gateways %v, want one", s, via)
					continue
				}
				if f.env.Network.NAT == config.NATPerAZ && natZone[via[0]] != zone {
					t.Errorf("private subnet %s in %s egresses through the NAT gateway in %s", s, zone, natZone[via[0]])
				}
			}
		})
	}
}

// TestFoundationDatabaseSubnetsIsolated: database subnets have their own
// route table with no route to an internet or NAT gateway.
func TestFoundationDatabaseSubnetsIsolated(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			others := map[string]bool{}
			for _, s := range append(f.subnets(t, contract.PublicSubnetIDs), f.subnets(t, contract.PrivateSubnetIDs)...) {
				others[f.routeTableOf(t, s)] = true
			}
			db := f.subnets(t, contract.DatabaseSubnetIDs)
			if len(db) == 0 {
				t.Fatal("no database subnets exported")
			}
			for _, s := range db {
				table := f.routeTableOf(t, s)
				if others[table] {
					t.Errorf("database subnet %s shares route table %s with public or private subnets", s, table)
				}
				if inline := f.resource(t, "aws_route_table", table)["route"]; inline != nil {
					t.Errorf("route table %s has inline routes %v", table, inline)
				}
				for _, r := range f.routes(table) {
					for _, k := range []string{"gateway_id", "nat_gateway_id", "egress_only_gateway_id", "transit_gateway_id"} {
						if r[k] != nil {
							t.Errorf("database subnet %s: route table %s has route %v via %s %v", s, table, r["destination_cidr_block"], k, r[k])
						}
					}
				}
			}
		})
	}
}

// TestFoundationFlowLogs: all traffic of the VPC is logged to a log group
// encrypted with a customer-managed key, kept env.LogRetentionDays, by a
// role that can write to that group only.
func TestFoundationFlowLogs(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			vpcs := f.exactly(t, 1, "aws_vpc")
			var vpcName string
			for n := range vpcs {
				vpcName = n
			}
			logs := f.exactly(t, 1, "aws_flow_log")
			for _, fl := range logs {
				if fl["traffic_type"] != "ALL" {
					t.Errorf("traffic_type = %v, want ALL", fl["traffic_type"])
				}
				if got := refName(t, fl["vpc_id"], "aws_vpc"); got != vpcName {
					t.Errorf("flow log of %s, want the VPC %s", got, vpcName)
				}
				if fl["log_destination_type"] != "cloud-watch-logs" {
					t.Errorf("log_destination_type = %v", fl["log_destination_type"])
				}
				groupName := refName(t, fl["log_destination"], "aws_cloudwatch_log_group")
				group := f.resource(t, "aws_cloudwatch_log_group", groupName)
				if got := group["retention_in_days"]; got != float64(f.env.LogRetentionDays) {
					t.Errorf("retention_in_days = %v, want %d", got, f.env.LogRetentionDays)
				}
				key := refName(t, group["kms_key_id"], "aws_kms_key")
				if !f.keyAllows(t, key, "logs."+f.env.Region+".amazonaws.com") {
					t.Errorf("key %s does not let CloudWatch Logs use it", key)
				}

				role := refName(t, fl["iam_role_arn"], "aws_iam_role")
				var statements int
				for _, p := range f.resources("aws_iam_role_policy") {
					if !slices.Contains(refNames(p["role"], "aws_iam_role"), role) {
						continue
					}
					doc := f.data("aws_iam_policy_document")[refName(t, p["policy"], "data.aws_iam_policy_document")]
					for _, st := range doc["statement"].([]any) {
						st := st.(map[string]any)
						statements++
						for _, r := range st["resources"].([]any) {
							r := r.(string)
							scoped := slices.Contains(refNames(r, "aws_cloudwatch_log_group"), groupName)
							list := fmt.Sprint(st["actions"]) == "[logs:DescribeLogGroups]" && strings.HasSuffix(r, ":log-group:*")
							if !scoped && !list {
								t.Errorf("flow log role may %v on %s, not only its log group", st["actions"], r)
							}
						}
					}
				}
				if statements == 0 {
					t.Errorf("flow log role %s has no inline policy", role)
				}
				if len(f.resourcesReferencing("aws_iam_role_policy_attachment", "aws_iam_role", role)) != 0 {
					t.Errorf("flow log role %s has managed policies attached", role)
				}
			}
		})
	}
}

// keyAllows reports whether the key's policy lets service use it.
func (f foundation) keyAllows(t *testing.T, key, service string) bool {
	t.Helper()
	k := f.resource(t, "aws_kms_key", key)
	if k["enable_key_rotation"] != true {
		t.Errorf("key %s: rotation off", key)
	}
	doc := f.data("aws_iam_policy_document")[refName(t, k["policy"], "data.aws_iam_policy_document")]
	for _, st := range doc["statement"].([]any) {
		st := st.(map[string]any)
		b, _ := json.Marshal(st["principals"])
		if st["effect"] == "Allow" && strings.Contains(string(b), `"`+service+`"`) && strings.Contains(fmt.Sprint(st["actions"]), "kms:GenerateDataKey") {
			return true
		}
	}
	return false
}

// resourcesReferencing returns the resources of type typ referencing
// resource name of type target.
func (f foundation) resourcesReferencing(typ, target, name string) []string {
	var out []string
	for n, r := range f.resources(typ) {
		if slices.Contains(refNames(r, target), name) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// TestFoundationVPN: with VPN enabled, a gateway attached to the VPC, two
// customer gateways with one connection each, routes propagated to every
// private route table and the database one, static routes only when
// configured, and one tunnel alarm per connection; without, none of it.
func TestFoundationVPN(t *testing.T) {
	if !envByName(t, "prod").VPN.Enabled {
		t.Error("prod has no VPN")
	}
	if envByName(t, "dev").VPN.Enabled {
		t.Error("dev has a VPN")
	}
	vpnTypes := []string{"aws_vpn_gateway", "aws_customer_gateway", "aws_vpn_connection", "aws_vpn_connection_route", "aws_vpn_gateway_route_propagation"}
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			c := f.env.VPN
			if !c.Enabled {
				for _, typ := range vpnTypes {
					if n := len(f.resources(typ)); n != 0 {
						t.Errorf("VPN disabled, but %d %s", n, typ)
					}
				}
				for n, a := range f.resources("aws_cloudwatch_metric_alarm") {
					if a["namespace"] == "AWS/VPN" {
						t.Errorf("VPN disabled, but alarm %s", n)
					}
				}
				return
			}
			gateways := f.exactly(t, 1, "aws_vpn_gateway")
			var gw string
			for n, g := range gateways {
				gw = n
				refName(t, g["vpc_id"], "aws_vpc")
				if want := fmt.Sprint(c.AmazonSideASN); g["amazon_side_asn"] != want {
					t.Errorf("amazon_side_asn = %v, want %s", g["amazon_side_asn"], want)
				}
			}

			cgws := f.resources("aws_customer_gateway")
			var ips, wantIPs []string
			for _, g := range c.CustomerGateways {
				wantIPs = append(wantIPs, g.IPAddress)
			}
			for n, g := range cgws {
				if g["type"] != "ipsec.1" {
					t.Errorf("customer gateway %s: type %v", n, g["type"])
				}
				ips = append(ips, g["ip_address"].(string))
			}
			sort.Strings(ips)
			sort.Strings(wantIPs)
			if len(cgws) != 2 || !slices.Equal(ips, wantIPs) {
				t.Errorf("customer gateways at %v, want two at %v", ips, wantIPs)
			}

			conns := f.resources("aws_vpn_connection")
			if len(conns) != 2 {
				t.Errorf("got %d VPN connections, want 2", len(conns))
			}
			used := map[string]bool{}
			for n, conn := range conns {
				used[refName(t, conn["customer_gateway_id"], "aws_customer_gateway")] = true
				if refName(t, conn["vpn_gateway_id"], "aws_vpn_gateway") != gw {
					t.Errorf("connection %s is not on gateway %s", n, gw)
				}
				if conn["static_routes_only"] != c.StaticRoutesOnly {
					t.Errorf("connection %s: static_routes_only = %v, want %t", n, conn["static_routes_only"], c.StaticRoutesOnly)
				}
				routes := f.resourcesReferencing("aws_vpn_connection_route", "aws_vpn_connection", n)
				var cidrs []string
				for _, r := range routes {
					cidrs = append(cidrs, f.resource(t, "aws_vpn_connection_route", r)["destination_cidr_block"].(string))
				}
				var want []string
				if c.StaticRoutesOnly {
					want = c.OnPremisesCIDRs
				}
				sort.Strings(cidrs)
				if !slices.Equal(cidrs, slices.Sorted(slices.Values(want))) {
					t.Errorf("connection %s: static routes %v, want %v", n, cidrs, want)
				}
				alarms := f.resourcesReferencing("aws_cloudwatch_metric_alarm", "aws_vpn_connection", n)
				if len(alarms) != 1 {
					t.Errorf("connection %s has %d alarms, want 1", n, len(alarms))
					continue
				}
				a := f.resource(t, "aws_cloudwatch_metric_alarm", alarms[0])
				if a["namespace"] != "AWS/VPN" || a["metric_name"] != "TunnelState" || a["comparison_operator"] != "LessThanThreshold" || a["threshold"] != float64(1) {
					t.Errorf("alarm %s: %v %v %v %v, want AWS/VPN TunnelState < 1", alarms[0], a["namespace"], a["metric_name"], a["comparison_operator"], a["threshold"])
				}
				if refName(t, a["dimensions"], "aws_vpn_connection") != n {
					t.Errorf("alarm %s: dimensions %v, want VpnId of %s", alarms[0], a["dimensions"], n)
				}
				if len(refNames(a["alarm_actions"], "aws_sns_topic")) != 1 {
					t.Errorf("alarm %s: alarm_actions %v, want the alarm topic", alarms[0], a["alarm_actions"])
				}
				if a["treat_missing_data"] != "breaching" {
					t.Errorf("alarm %s: treat_missing_data = %v, want breaching", alarms[0], a["treat_missing_data"])
				}
			}
			if len(used) != len(conns) {
				t.Errorf("%d connections share %d customer gateways", len(conns), len(used))
			}

			want := map[string]bool{}
			for _, s := range append(f.subnets(t, contract.PrivateSubnetIDs), f.subnets(t, contract.DatabaseSubnetIDs)...) {
				want[f.routeTableOf(t, s)] = true
			}
			got := map[string]bool{}
			for n, p := range f.resources("aws_vpn_gateway_route_propagation") {
				if refName(t, p["vpn_gateway_id"], "aws_vpn_gateway") != gw {
					t.Errorf("propagation %s from another gateway", n)
				}
				got[refName(t, p["route_table_id"], "aws_route_table")] = true
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("routes propagated to %v, want every private and database route table %v", got, want)
			}
		})
	}
}

// TestFoundationAlarmTopic: the alarm topic is encrypted with a key
// CloudWatch may use, and it is the exported topic.
func TestFoundationAlarmTopic(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			topic := refName(t, f.param(t, contract.AlarmTopicARN.Name(contract.At{Env: f.env.Name})), "aws_sns_topic")
			key := refName(t, f.resource(t, "aws_sns_topic", topic)["kms_master_key_id"], "aws_kms_key")
			if !f.keyAllows(t, key, "cloudwatch.amazonaws.com") {
				t.Errorf("topic key %s does not let CloudWatch publish", key)
			}
		})
	}
}

// TestNoSecurityGroupOpenToTheWorld: in every stack, no ingress from
// 0.0.0.0/0 or ::/0 (internet-facing load balancers get their groups from
// the AWS Load Balancer Controller, per Ingress), and every group and
// rule has a description.
func TestNoSecurityGroupOpenToTheWorld(t *testing.T) {
	s := defaultSynth(t)
	for _, name := range s.names() {
		j := s.stacks[name]
		for n, g := range j.resources("aws_security_group") {
			if g["ingress"] != nil || g["egress"] != nil {
				t.Errorf("%s: security group %s has inline rules; use aws_vpc_security_group_*_rule", name, n)
			}
			if d, _ := g["description"].(string); d == "" || strings.HasPrefix(d, "Managed by Terraform") {
				t.Errorf("%s: security group %s has no description", name, n)
			}
		}
		for n := range j.resources("aws_security_group_rule") {
			t.Errorf("%s: %s is an aws_security_group_rule; use aws_vpc_security_group_*_rule", name, n)
		}
		for n, r := range j.resources("aws_vpc_security_group_ingress_rule") {
			if d, _ := r["description"].(string); d == "" {
				t.Errorf("%s: ingress rule %s has no description", name, n)
			}
			if r["cidr_ipv4"] == "0.0.0.0/0" || r["cidr_ipv6"] == "::/0" {
				t.Errorf("%s: ingress rule %s opens %v %v-%v to the world", name, n, r["ip_protocol"], r["from_port"], r["to_port"])
			}
		}
	}
}

// TestFoundationSecurityGroups: the foundation's one shared group is the
// nodes': it admits the nodes themselves and nothing else. No rule admits
// a group nothing uses (the shared load balancer and database groups are
// gone: the load balancer controller admits its own backend group to the
// targets on the cluster security group, and each database has its own
// group), and no exported parameter names a group of its own.
func TestFoundationSecurityGroups(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			nodes := f.securityGroup(t, contract.EKSNodesSecurityGroup)
			groups := f.exactly(t, 1, "aws_security_group")
			if _, ok := groups[nodes]; !ok {
				t.Fatalf("security groups %v, want only the nodes' %s", slices.Sorted(maps.Keys(groups)), nodes)
			}
			for n, r := range f.exactly(t, 1, "aws_vpc_security_group_ingress_rule") {
				if refName(t, r["security_group_id"], "aws_security_group") != nodes ||
					!slices.Equal(refNames(r["referenced_security_group_id"], "aws_security_group"), []string{nodes}) {
					t.Errorf("ingress rule %s admits %v to %v, want the nodes to the nodes only", n, r["referenced_security_group_id"], r["security_group_id"])
				}
			}
			for n, r := range f.exactly(t, 1, "aws_vpc_security_group_egress_rule") {
				if refName(t, r["security_group_id"], "aws_security_group") != nodes {
					t.Errorf("egress rule %s is on %v, want the nodes' group", n, r["security_group_id"])
				}
			}
			for name := range f.resources("aws_ssm_parameter") {
				if strings.Contains(name, "security-groups") && !strings.Contains(name, "eks-nodes") {
					t.Errorf("parameter %s exports a security group besides the nodes'", name)
				}
			}
		})
	}
}

// TestFoundationDefaultSecurityGroupClosed: the VPC's default security
// group is managed without any rule.
func TestFoundationDefaultSecurityGroupClosed(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			groups := f.exactly(t, 1, "aws_default_security_group")
			for n, g := range groups {
				refName(t, g["vpc_id"], "aws_vpc")
				for _, k := range []string{"ingress", "egress"} {
					if rules, ok := g[k]; ok && fmt.Sprint(rules) != "[]" {
						t.Errorf("default security group %s: %s = %v, want no rules", n, k, rules)
					}
				}
			}
		})
	}
}

// TestFoundationBackup: the vault is encrypted with a customer-managed
// key, the plan's daily rule keeps recovery points env.Backup.RetentionDays
// on env.Backup.Schedule, and the exported role is AWS Backup's.
func TestFoundationBackup(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			at := contract.At{Env: f.env.Name}
			// The vault of the environment's region; TestBackupCopies
			// checks the copies' vault of the second region.
			copies := 0
			if f.env.Backup.CopyRegion != "" {
				copies = 1
			}
			vaults := f.exactly(t, 1+copies, "aws_backup_vault")
			var vault string
			for n, v := range vaults {
				if v["provider"] != nil {
					continue
				}
				vault = n
				refName(t, v["kms_key_arn"], "aws_kms_key")
				if v["force_destroy"] == true {
					t.Error("vault has force_destroy")
				}
				lc, _ := v["lifecycle"].(map[string]any)
				if got := lc["prevent_destroy"] == true; got != f.env.DeletionProtection {
					t.Errorf("vault prevent_destroy = %t, want %t (DeletionProtection)", got, f.env.DeletionProtection)
				}
			}
			if got := refName(t, f.param(t, contract.BackupVaultName.Name(at)), "aws_backup_vault"); got != vault {
				t.Errorf("exported vault %s, want %s", got, vault)
			}
			locks := f.resourcesReferencing("aws_backup_vault_lock_configuration", "aws_backup_vault", vault)
			if (len(locks) == 1) != f.env.DeletionProtection {
				t.Errorf("vault locks %v, want one iff DeletionProtection (%t)", locks, f.env.DeletionProtection)
			}

			plan := refName(t, f.param(t, contract.BackupPlanID.Name(at)), "aws_backup_plan")
			rules := f.resource(t, "aws_backup_plan", plan)["rule"].([]any)
			if len(rules) == 0 {
				t.Fatal("backup plan has no rule")
			}
			for _, r := range rules {
				r := r.(map[string]any)
				if refName(t, r["target_vault_name"], "aws_backup_vault") != vault {
					t.Errorf("rule %v targets another vault", r["rule_name"])
				}
				if r["schedule"] != f.env.Backup.Schedule {
					t.Errorf("rule %v: schedule %v, want %s", r["rule_name"], r["schedule"], f.env.Backup.Schedule)
				}
				lc, _ := r["lifecycle"].(map[string]any)
				if got := lc["delete_after"]; got != float64(f.env.Backup.RetentionDays) {
					t.Errorf("rule %v: delete_after %v, want %d", r["rule_name"], got, f.env.Backup.RetentionDays)
				}
			}

			role := refName(t, f.param(t, contract.BackupRoleARN.Name(at)), "aws_iam_role")
			trust := f.data("aws_iam_policy_document")[refName(t, f.resource(t, "aws_iam_role", role)["assume_role_policy"], "data.aws_iam_policy_document")]
			if b, _ := json.Marshal(trust); !strings.Contains(string(b), `"backup.amazonaws.com"`) {
				t.Errorf("backup role trust %s does not name backup.amazonaws.com", b)
			}
			var attached []string
			for _, a := range f.resourcesReferencing("aws_iam_role_policy_attachment", "aws_iam_role", role) {
				arn := f.resource(t, "aws_iam_role_policy_attachment", a)["policy_arn"].(string)
				attached = append(attached, arn[strings.LastIndex(arn, "/")+1:])
			}
			sort.Strings(attached)
			want := []string{"AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores", "AWSBackupServiceRolePolicyForS3Backup", "AWSBackupServiceRolePolicyForS3Restore"}
			if !slices.Equal(attached, want) {
				t.Errorf("backup role policies %v, want %v", attached, want)
			}
		})
	}
}

// TestFoundationExports: the foundation stack writes every parameter the
// contract declares for its layer, each from a resource.
func TestFoundationExports(t *testing.T) {
	var keys []string
	for id, layer := range contract.Declared() {
		if layer == contract.Foundation {
			keys = append(keys, strings.TrimPrefix(id, string(contract.Foundation)+"/"))
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Fatal("no foundation parameters declared")
	}
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			written := map[string]any{}
			for _, p := range f.resources("aws_ssm_parameter") {
				written[p["name"].(string)] = p["insecure_value"]
			}
			for _, k := range keys {
				name := contract.Foundation.ParameterPrefix(contract.At{Env: f.env.Name}) + k
				v, ok := written[name]
				if !ok {
					t.Errorf("%s is not written", name)
					continue
				}
				if len(tfRefs(fmt.Sprint(v))) == 0 {
					t.Errorf("%s = %v, want a value from a resource", name, v)
				}
			}
		})
	}
}

// TestEnvironmentChangeIsolated: changing one value of dev changes dev's
// stacks and no byte of any other environment's.
func TestEnvironmentChangeIsolated(t *testing.T) {
	testenv.Long(t, "synthesizes the app again with dev changed")
	base := defaultSynth(t)
	envs := config.Environments()
	changed := false
	for i := range envs {
		if envs[i].Name == "dev" {
			if envs[i].LogRetentionDays == 60 {
				t.Fatal("dev already keeps logs 60 days; pick another value")
			}
			envs[i].LogRetentionDays = 60
			changed = true
		}
	}
	if !changed {
		t.Fatal("no dev environment")
	}
	mod := synth(t, envs, clients.All)
	if !slices.Equal(mod.names(), base.names()) {
		t.Fatalf("stacks %v, want %v", mod.names(), base.names())
	}
	var differ []string
	for _, name := range base.names() {
		if !bytes.Equal(base.raw[name], mod.raw[name]) {
			differ = append(differ, name)
			if !strings.HasSuffix(name, "-dev") {
				t.Errorf("%s changed when only dev's LogRetentionDays did", name)
			}
		}
	}
	if !slices.Contains(differ, "foundation-dev") {
		t.Errorf("foundation-dev did not change with dev's LogRetentionDays (changed: %v)", differ)
	}
}

// TestVPNTunnelsPinned: both tunnels of both connections pin every IKE and
// IPsec option to the environment's effective configuration (AWS's
// defaults would accept IKEv1, SHA1 and DH group 2), and send their logs
// to a KMS-encrypted log group kept as long as the environment's logs.
func TestVPNTunnelsPinned(t *testing.T) {
	for _, f := range foundations(t) {
		if !f.env.VPN.Enabled {
			if n := len(f.resources("aws_vpn_connection")); n != 0 {
				t.Errorf("foundation-%s: %d VPN connections without a VPN", f.env.Name, n)
			}
			continue
		}
		t.Run(f.env.Name, func(t *testing.T) {
			want := f.env.VPN.Tunnels.Effective()
			if want.IKEVersions[0] != "ikev2" || want.Phase1.DHGroupNumbers[0] != 19 {
				t.Fatalf("effective tunnels %+v: the defaults changed", want)
			}
			ints := func(ns []int) string { return fmt.Sprint(ns) }
			for name, conn := range f.exactly(t, 2, "aws_vpn_connection") {
				for _, tunnel := range []string{"tunnel1", "tunnel2"} {
					for attr, w := range map[string]string{
						"ike_versions":                 fmt.Sprint(want.IKEVersions),
						"phase1_encryption_algorithms": fmt.Sprint(want.Phase1.EncryptionAlgorithms),
						"phase1_integrity_algorithms":  fmt.Sprint(want.Phase1.IntegrityAlgorithms),
						"phase1_dh_group_numbers":      ints(want.Phase1.DHGroupNumbers),
						"phase1_lifetime_seconds":      fmt.Sprint(want.Phase1.LifetimeSeconds),
						"phase2_encryption_algorithms": fmt.Sprint(want.Phase2.EncryptionAlgorithms),
						"phase2_integrity_algorithms":  fmt.Sprint(want.Phase2.IntegrityAlgorithms),
						"phase2_dh_group_numbers":      ints(want.Phase2.DHGroupNumbers),
						"phase2_lifetime_seconds":      fmt.Sprint(want.Phase2.LifetimeSeconds),
					} {
						v, ok := conn[tunnel+"_"+attr]
						got := fmt.Sprint(v)
						if l, isList := v.([]any); isList {
							got = fmt.Sprint(l)
						}
						if !ok || got != w {
							t.Errorf("%s: %s_%s = %v, want %s", name, tunnel, attr, v, w)
						}
					}
					logs := jsonObject(jsonObject(conn[tunnel+"_log_options"])["cloudwatch_log_options"])
					if logs["log_enabled"] != true || logs["log_output_format"] != "json" {
						t.Errorf("%s: %s_log_options = %v, want logs enabled (json)", name, tunnel, logs)
						continue
					}
					group := f.resources("aws_cloudwatch_log_group")[refName(t, logs["log_group_arn"], "aws_cloudwatch_log_group")]
					key := refName(t, group["kms_key_id"], "aws_kms_key")
					if group["retention_in_days"] != float64(f.env.LogRetentionDays) {
						t.Errorf("%s: tunnel log group kept %v days, want %d", name, group["retention_in_days"], f.env.LogRetentionDays)
					}
					if !strings.Contains(key, "vpn-logs-key") {
						t.Errorf("%s: tunnel logs encrypted with %s, want the VPN logs' own key", name, key)
					}
				}
			}
		})
	}
}
