package migrate

import (
	"encoding/json"
	"strings"
	"testing"

	"stratum/tools/tfstate"
)

// stackOf builds an in-memory stack from a cdk.tf.json-like resource map.
func stackOf(name string, resources map[string]map[string]map[string]any, data map[string]map[string]map[string]any) *Stack {
	s := &Stack{Name: name, Resources: map[string]*ConfigResource{}, Data: map[string]*ConfigResource{}, ProviderFQN: map[string]string{}}
	for typ, byName := range resources {
		for n, body := range byName {
			s.Resources[typ+"."+n] = &ConfigResource{Stack: name, Type: typ, Name: n, Body: body}
		}
	}
	for typ, byName := range data {
		for n, body := range byName {
			s.Data[typ+"."+n] = &ConfigResource{Stack: name, Type: typ, Name: n, Body: body}
		}
	}
	return s
}

func inst(t *testing.T, addr string, attrs map[string]any) *srcInst {
	t.Helper()
	a, err := tfstate.ParseInstanceAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(attrs)
	in := &tfstate.Instance{IndexKey: a.Key, Attributes: raw}
	decoded, _ := in.Attrs()
	return &srcInst{Addr: a, Res: &tfstate.Resource{Module: a.Resource.Module, Mode: "managed", Type: a.Resource.Type, Name: a.Resource.Name}, Inst: in, Attrs: decoded}
}

// TestIdentityRules checks each rule on a destination and the source
// objects that should and should not match it.
func TestIdentityRules(t *testing.T) {
	type res = map[string]map[string]map[string]any
	tests := []struct {
		name  string
		dest  res // one stack's resources
		src   []*srcInst
		want  map[string]string // destination type.name → source address ("" = unmatched)
		extra []*Stack
	}{
		{
			name: "vpc by CIDR, subnet by CIDR and resolved vpc_id, Name tag as tiebreak",
			dest: res{
				"aws_vpc":    {"v": {"cidr_block": "10.10.0.0/16", "tags": map[string]any{"Name": "stratum-prod"}}},
				"aws_subnet": {"a": {"cidr_block": "10.10.16.0/20", "vpc_id": "${aws_vpc.v.id}"}},
			},
			src: []*srcInst{
				inst(t, "module.vpc.aws_vpc.this", map[string]any{"id": "vpc-1", "cidr_block": "10.10.0.0/16", "tags": map[string]any{"Name": "stratum-prod"}}),
				inst(t, "aws_vpc.legacy", map[string]any{"id": "vpc-2", "cidr_block": "10.10.0.0/16", "tags": map[string]any{"Name": "legacy"}}),
				inst(t, "module.vpc.aws_subnet.private[0]", map[string]any{"id": "subnet-1", "cidr_block": "10.10.16.0/20", "vpc_id": "vpc-1"}),
				inst(t, "aws_subnet.legacy", map[string]any{"id": "subnet-2", "cidr_block": "10.10.16.0/20", "vpc_id": "vpc-2"}),
			},
			want: map[string]string{"aws_vpc.v": "module.vpc.aws_vpc.this", "aws_subnet.a": "module.vpc.aws_subnet.private[0]"},
		},
		{
			name: "optional attributes: unset in the configuration means empty in the state",
			dest: res{
				"aws_route_table": {"rt": {"vpc_id": "vpc-1", "tags": map[string]any{"Name": "pub"}}},
				"aws_route_table_association": {
					"sub": {"route_table_id": "${aws_route_table.rt.id}", "subnet_id": "subnet-1"},
					"gw":  {"route_table_id": "${aws_route_table.rt.id}", "gateway_id": "igw-1"},
				},
			},
			src: []*srcInst{
				inst(t, "aws_route_table.public", map[string]any{"id": "rtb-1", "vpc_id": "vpc-1", "tags": map[string]any{"Name": "pub"}}),
				inst(t, "aws_route_table_association.s", map[string]any{"id": "rtbassoc-1", "route_table_id": "rtb-1", "subnet_id": "subnet-1", "gateway_id": ""}),
				inst(t, "aws_route_table_association.g", map[string]any{"id": "rtbassoc-2", "route_table_id": "rtb-1", "subnet_id": "", "gateway_id": "igw-1"}),
			},
			want: map[string]string{"aws_route_table.rt": "aws_route_table.public", "aws_route_table_association.sub": "aws_route_table_association.s", "aws_route_table_association.gw": "aws_route_table_association.g"},
		},
		{
			name: "policy attachment: partition data source inside the ARN matches one segment",
			dest: res{
				"aws_iam_role":                   {"r": {"name": "stratum-prod-cluster"}},
				"aws_iam_role_policy_attachment": {"p": {"role": "${aws_iam_role.r.name}", "policy_arn": "arn:${data.aws_partition.p.partition}:iam::aws:policy/AmazonEKSClusterPolicy"}},
			},
			src: []*srcInst{
				inst(t, "aws_iam_role.cluster", map[string]any{"id": "stratum-prod-cluster", "name": "stratum-prod-cluster"}),
				inst(t, "aws_iam_role_policy_attachment.cluster[0]", map[string]any{"role": "stratum-prod-cluster", "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}),
				inst(t, "aws_iam_role_policy_attachment.cluster[1]", map[string]any{"role": "stratum-prod-cluster", "policy_arn": "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController"}),
			},
			want: map[string]string{"aws_iam_role.r": "aws_iam_role.cluster", "aws_iam_role_policy_attachment.p": "aws_iam_role_policy_attachment.cluster[0]"},
		},
		{
			name: "a whole value from a data source stays unresolved",
			dest: res{"aws_eks_access_entry": {"e": {"cluster_name": "c", "principal_arn": "${data.aws_iam_session_context.s.issuer_arn}"}}},
			src:  []*srcInst{inst(t, "aws_eks_access_entry.admin", map[string]any{"cluster_name": "c", "principal_arn": "arn:aws:iam::1:role/x"})},
			want: map[string]string{"aws_eks_access_entry.e": ""},
		},
		{
			name: "KMS key found from its alias's target_key_id; OIDC url through a nested attribute",
			dest: res{
				"aws_kms_key":                     {"k": {"description": "new wording"}},
				"aws_kms_alias":                   {"a": {"name": "alias/x", "target_key_id": "${aws_kms_key.k.key_id}"}},
				"aws_eks_cluster":                 {"c": {"name": "stratum-prod"}},
				"aws_iam_openid_connect_provider": {"o": {"url": "${aws_eks_cluster.c.identity[0].oidc[0].issuer}"}},
			},
			src: []*srcInst{
				inst(t, "aws_kms_key.old", map[string]any{"id": "k-1", "key_id": "k-1", "description": "old wording"}),
				inst(t, "aws_kms_key.other", map[string]any{"id": "k-2", "key_id": "k-2", "description": "other"}),
				inst(t, "aws_kms_alias.x", map[string]any{"name": "alias/x", "target_key_id": "k-1"}),
				inst(t, "module.eks.aws_eks_cluster.this", map[string]any{"name": "stratum-prod", "identity": []any{map[string]any{"oidc": []any{map[string]any{"issuer": "https://oidc.example/id/ABC"}}}}}),
				inst(t, "module.eks.aws_iam_openid_connect_provider.this", map[string]any{"url": "oidc.example/id/ABC"}),
			},
			want: map[string]string{"aws_kms_key.k": "aws_kms_key.old", "aws_kms_alias.a": "aws_kms_alias.x", "aws_eks_cluster.c": "module.eks.aws_eks_cluster.this", "aws_iam_openid_connect_provider.o": "module.eks.aws_iam_openid_connect_provider.this"},
		},
		{
			name: "cluster name through the SSM contract from another stack",
			dest: res{"aws_eks_node_group": {"n": {"cluster_name": "${data.aws_ssm_parameter.cn.insecure_value}", "node_group_name": "stratum-prod-ezra"}}},
			extra: []*Stack{stackOf("platform-prod", res{
				"aws_eks_cluster":   {"c": {"name": "stratum-prod"}},
				"aws_ssm_parameter": {"p": {"name": "/stratum/prod/platform/cluster/name", "insecure_value": "${aws_eks_cluster.c.name}"}},
			}, nil)},
			src: []*srcInst{
				inst(t, "aws_eks_cluster.main", map[string]any{"name": "stratum-prod"}),
				inst(t, `aws_eks_node_group.client["ezra"]`, map[string]any{"cluster_name": "stratum-prod", "node_group_name": "stratum-prod-ezra"}),
			},
			want: map[string]string{"aws_eks_node_group.n": `aws_eks_node_group.client["ezra"]`},
		},
		{
			name: "two destinations fit one source: nothing is matched",
			dest: res{"aws_s3_bucket": {"a": {"bucket": "b"}, "b": {"bucket": "b"}}},
			src:  []*srcInst{inst(t, "aws_s3_bucket.only", map[string]any{"bucket": "b"})},
			want: map[string]string{"aws_s3_bucket.a": "", "aws_s3_bucket.b": ""},
		},
		{
			name: "normalized names: a trailing dot of a zone name",
			dest: res{"aws_route53_zone": {"z": {"name": "prod.example.com."}}},
			src:  []*srcInst{inst(t, "aws_route53_zone.main", map[string]any{"name": "prod.example.com"})},
			want: map[string]string{"aws_route53_zone.z": "aws_route53_zone.main"},
		},
		{
			name: "types without a rule fall back to name",
			dest: res{"aws_glue_catalog_database": {"d": {"name": "analytics"}}},
			src:  []*srcInst{inst(t, "aws_glue_catalog_database.x", map[string]any{"name": "analytics"})},
			want: map[string]string{"aws_glue_catalog_database.d": "aws_glue_catalog_database.x"},
		},
		{
			name: "Auto Scaling group tags through the matched node group's resources; event targets by rule and id",
			dest: res{
				"aws_eks_node_group":          {"ng": {"cluster_name": "c", "node_group_name": "stratum-prod-ezra"}},
				"aws_autoscaling_group_tag":   {"t": {"autoscaling_group_name": "${aws_eks_node_group.ng.resources[0].autoscaling_groups[0].name}", "tag": map[string]any{"key": "k8s.io/cluster-autoscaler/node-template/label/pool", "value": "ezra"}}},
				"aws_cloudwatch_event_rule":   {"r": {"name": "stratum-prod-ezra-nodes-launch-failed"}},
				"aws_cloudwatch_event_target": {"x": {"rule": "${aws_cloudwatch_event_rule.r.name}", "target_id": "alert-topic"}},
			},
			src: []*srcInst{
				inst(t, `module.client["ezra"].aws_eks_node_group.this`, map[string]any{"cluster_name": "c", "node_group_name": "stratum-prod-ezra", "resources": []any{map[string]any{"autoscaling_groups": []any{map[string]any{"name": "eks-ezra-1234"}}}}}),
				inst(t, `module.client["ezra"].aws_autoscaling_group_tag.this[0]`, map[string]any{"autoscaling_group_name": "eks-ezra-1234", "tag": []any{map[string]any{"key": "k8s.io/cluster-autoscaler/node-template/label/pool", "value": "ezra"}}}),
				inst(t, `module.client["ezra"].aws_autoscaling_group_tag.this[1]`, map[string]any{"autoscaling_group_name": "eks-ezra-1234", "tag": []any{map[string]any{"key": "k8s.io/cluster-autoscaler/node-template/taint/dedicated", "value": "ezra"}}}),
				inst(t, `module.client["mtn"].aws_autoscaling_group_tag.this[0]`, map[string]any{"autoscaling_group_name": "eks-mtn-5678", "tag": []any{map[string]any{"key": "k8s.io/cluster-autoscaler/node-template/label/pool", "value": "mtn"}}}),
				inst(t, "aws_cloudwatch_event_rule.launch", map[string]any{"name": "stratum-prod-ezra-nodes-launch-failed"}),
				inst(t, "aws_cloudwatch_event_target.launch", map[string]any{"rule": "stratum-prod-ezra-nodes-launch-failed", "target_id": "alert-topic", "event_bus_name": ""}),
			},
			want: map[string]string{"aws_autoscaling_group_tag.t": `module.client["ezra"].aws_autoscaling_group_tag.this[0]`, "aws_cloudwatch_event_target.x": "aws_cloudwatch_event_target.launch"},
		},
		{
			name: "Kubernetes objects: metadata is a block (a list in state), a manifest a dynamic value",
			dest: res{
				"kubernetes_namespace_v1": {"ns": {"metadata": map[string]any{"name": "ezra"}}},
				"kubernetes_manifest":     {"m": {"manifest": map[string]any{"apiVersion": "v1", "kind": "ValidatingAdmissionPolicyBinding", "metadata": map[string]any{"name": "ezra-hosts"}}}},
			},
			src: []*srcInst{
				inst(t, "kubernetes_namespace_v1.client[0]", map[string]any{"metadata": []any{map[string]any{"name": "ezra"}}}),
				inst(t, "kubernetes_namespace_v1.client[1]", map[string]any{"metadata": []any{map[string]any{"name": "mtn"}}}),
				inst(t, "kubernetes_manifest.binding", map[string]any{"manifest": map[string]any{"type": "object", "value": map[string]any{"apiVersion": "v1", "kind": "ValidatingAdmissionPolicyBinding", "metadata": map[string]any{"name": "ezra-hosts"}}}}),
			},
			want: map[string]string{"kubernetes_namespace_v1.ns": "kubernetes_namespace_v1.client[0]", "kubernetes_manifest.m": "kubernetes_manifest.binding"},
		},
		{
			name: "a count destination is never matched automatically",
			dest: res{"aws_s3_bucket": {"c": {"count": 2, "bucket": "b-${count.index}"}}},
			src:  []*srcInst{inst(t, "aws_s3_bucket.x[0]", map[string]any{"bucket": "b-0"})},
			want: map[string]string{"aws_s3_bucket.c": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := stackOf("dest", tt.dest, nil)
			for _, r := range d.Resources {
				// data sources referenced by name for the SSM case
				if r.Type == "aws_eks_node_group" {
					d.Data["aws_ssm_parameter.cn"] = &ConfigResource{Stack: "dest", Type: "aws_ssm_parameter", Name: "cn", Body: map[string]any{"name": "/stratum/prod/platform/cluster/name"}}
				}
			}
			all := map[string]*Stack{"dest": d}
			dests := []*Stack{d}
			for _, x := range tt.extra {
				all[x.Name] = x
				dests = append(dests, x)
			}
			m := newMatcher(all, dests, tt.src)
			m.run()
			for ref, want := range tt.want {
				r := d.Resources[ref]
				got := ""
				if s := m.taken[r]; s != nil {
					got = s.Addr.String()
				}
				if got != want {
					t.Errorf("%s: got %q (%s), want %q", ref, got, m.why[r].Rule, want)
				}
			}
		})
	}
}

func TestImportID(t *testing.T) {
	tests := []struct {
		typ   string
		attrs map[string]any
		want  string
	}{
		{"aws_vpc", map[string]any{"id": "vpc-1"}, "vpc-1"},
		{"aws_route_table_association", map[string]any{"id": "rtbassoc-1", "subnet_id": "subnet-1", "route_table_id": "rtb-1"}, "subnet-1/rtb-1"},
		{"aws_route_table_association", map[string]any{"id": "rtbassoc-2", "gateway_id": "igw-1", "route_table_id": "rtb-1", "subnet_id": ""}, "igw-1/rtb-1"},
		{"aws_route", map[string]any{"id": "r-rtb-11080289494", "route_table_id": "rtb-1", "destination_cidr_block": "0.0.0.0/0"}, "rtb-1_0.0.0.0/0"},
		{"aws_iam_role_policy_attachment", map[string]any{"id": "x-2024", "role": "r", "policy_arn": "arn:aws:iam::aws:policy/P"}, "r/arn:aws:iam::aws:policy/P"},
		{"aws_backup_selection", map[string]any{"id": "sel-1", "plan_id": "plan-1"}, "plan-1|sel-1"},
		{"aws_db_instance", map[string]any{"id": "db-ABC", "identifier": "stratum-prod-ezra"}, "stratum-prod-ezra"},
		{"aws_security_group_rule", map[string]any{"security_group_id": "sg-1", "type": "ingress", "protocol": "tcp", "from_port": json.Number("443"), "to_port": json.Number("443"), "cidr_blocks": []any{"10.0.0.0/8"}}, "sg-1_ingress_tcp_443_443_10.0.0.0/8"},
		{"helm_release", map[string]any{"id": "external-dns", "name": "external-dns", "namespace": "kube-system"}, "kube-system/external-dns"},
		{"kubernetes_manifest", map[string]any{"manifest": map[string]any{"value": map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "n"}}}}, "apiVersion=v1,kind=ConfigMap,namespace=n,name=c"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.want, func(t *testing.T) {
			got, err := ImportID(tt.typ, tt.attrs)
			if err != nil || got != tt.want {
				t.Errorf("ImportID(%s): got %q, %v; want %q", tt.typ, got, err, tt.want)
			}
		})
	}
	if _, err := ImportID("aws_route_table_association", map[string]any{"route_table_id": "rtb-1"}); err == nil || !strings.Contains(err.Error(), "neither subnet_id nor gateway_id") {
		t.Errorf("association without subnet or gateway: got %v, want an error", err)
	}
}

// TestIdentityRulesTable keeps the table well-formed: every rule has a key
// (or, like kubernetes_manifest, only an import ID) and its attribute
// paths are plain.
func TestIdentityRulesTable(t *testing.T) {
	for typ, r := range identityRules {
		if len(r.Key) == 0 && r.ImportID == nil {
			t.Errorf("%s: a rule needs a key or an import ID", typ)
		}
		for _, k := range append(append([]string{}, r.Key...), r.Tiebreak...) {
			if strings.TrimSuffix(k, "?") == "" || strings.ContainsAny(k, " ${}") {
				t.Errorf("%s: bad attribute path %q", typ, k)
			}
		}
		if len(r.Key) > 0 && strings.HasSuffix(r.Key[0], "?") {
			t.Errorf("%s: the first key attribute must be required (it indexes the source)", typ)
		}
	}
}
