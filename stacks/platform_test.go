package stacks

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/config"
	"stratum/constructs/eks"
	"stratum/constructs/nodegroup"
	"stratum/contract"
	"stratum/testkit/testenv"
)

func jsonList(v any) []any { l, _ := v.([]any); return l }
func jsonObject(v any) map[string]any {
	if l, ok := v.([]any); ok && len(l) == 1 {
		v = l[0]
	}
	m, _ := v.(map[string]any)
	return m
}

func jsonStrings(v any) []string {
	var out []string
	for _, x := range jsonList(v) {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func platformEnvs(t *testing.T) []config.Environment {
	t.Helper()
	envs := config.Environments()
	if len(envs) == 0 {
		t.Fatal("no environments")
	}
	return envs
}

var subject = regexp.MustCompile(`^system:serviceaccount:[a-z0-9]([a-z0-9-]*[a-z0-9])?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)

// TestWebIdentityTrustIsPinned: every statement of every stack that
// lets a web identity assume a role is limited to one service account and
// the STS audience, with exact matches only.
func TestWebIdentityTrustIsPinned(t *testing.T) {
	s := defaultSynth(t)
	perStack := map[string]int{}
	for _, name := range s.names() {
		for docName, doc := range s.stacks[name].data("aws_iam_policy_document") {
			if strings.HasPrefix(name, "bootstrap-") {
				continue // the deploy and plan roles trust CI platforms: TestOnlyTheDefaultBranchDeploys
			}
			for _, st := range jsonList(doc["statement"]) {
				st := jsonObject(st)
				if !slices.Contains(jsonStrings(st["actions"]), "sts:AssumeRoleWithWebIdentity") {
					continue
				}
				perStack[name]++
				where := name + "/" + docName
				if st["effect"] != "Allow" || len(jsonStrings(st["actions"])) != 1 {
					t.Errorf("%s: effect %v actions %v, want Allow and only sts:AssumeRoleWithWebIdentity", where, st["effect"], st["actions"])
				}
				principals := jsonList(st["principals"])
				if len(principals) != 1 || jsonObject(principals[0])["type"] != "Federated" || len(jsonStrings(jsonObject(principals[0])["identifiers"])) != 1 {
					t.Errorf("%s: principals %v, want one Federated OIDC provider", where, principals)
				}
				var aud, sub []string
				for _, c := range jsonList(st["condition"]) {
					c := jsonObject(c)
					if c["test"] != "StringEquals" {
						t.Errorf("%s: condition test %v on %v, want StringEquals", where, c["test"], c["variable"])
					}
					v := fmt.Sprint(c["variable"])
					switch {
					case strings.HasSuffix(v, ":aud"):
						aud = append(aud, jsonStrings(c["values"])...)
					case strings.HasSuffix(v, ":sub"):
						sub = append(sub, jsonStrings(c["values"])...)
					default:
						t.Errorf("%s: unexpected condition variable %s", where, v)
					}
				}
				if fmt.Sprint(aud) != "[sts.amazonaws.com]" {
					t.Errorf("%s: aud %v, want [sts.amazonaws.com]", where, aud)
				}
				if len(sub) != 1 || !subject.MatchString(sub[0]) {
					t.Errorf("%s: sub %v, want exactly one system:serviceaccount:<namespace>:<name>", where, sub)
				}
			}
		}
	}
	for _, env := range platformEnvs(t) {
		for _, stack := range []string{contract.Platform.StackName(env.Name, ""), contract.Services.StackName(env.Name, "")} {
			if perStack[stack] == 0 {
				t.Errorf("%s: no web-identity trust found; the test would pass vacuously", stack)
			}
		}
	}
}

// trustedSubject is the single service account a role's trust policy admits.
func trustedSubject(t *testing.T, j tfJSON, roleRef any) string {
	t.Helper()
	role, _, _ := j.resolve(t, roleRef)
	doc, _, _ := j.resolve(t, role["assume_role_policy"])
	for _, st := range jsonList(doc["statement"]) {
		for _, c := range jsonList(jsonObject(st)["condition"]) {
			if strings.HasSuffix(fmt.Sprint(jsonObject(c)["variable"]), ":sub") {
				return strings.Join(jsonStrings(jsonObject(c)["values"]), ",")
			}
		}
	}
	t.Fatalf("role %v: no sub condition", roleRef)
	return ""
}

// TestServiceAccountsMatchTheirRoles: each annotated service account is
// the one its role trusts, and each Helm release runs as a service
// account of its own namespace that the stack created.
func TestServiceAccountsMatchTheirRoles(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Services, func(t *testing.T, env config.Environment, j tfJSON) {
		accounts := map[string]bool{}
		for addr, sa := range j.resources("kubernetes_service_account_v1") {
			md := jsonObject(sa["metadata"])
			ns, name := md["namespace"], md["name"]
			accounts[fmt.Sprintf("%s/%s", ns, name)] = true
			roleARN := jsonObject(md["annotations"])["eks.amazonaws.com/role-arn"]
			if roleARN == nil {
				t.Errorf("%s: no eks.amazonaws.com/role-arn annotation", addr)
				continue
			}
			if got, want := trustedSubject(t, j, roleARN), fmt.Sprintf("system:serviceaccount:%s:%s", ns, name); got != want {
				t.Errorf("%s: its role trusts %s, want %s", addr, got, want)
			}
		}
		releases := j.resources("helm_release")
		if len(releases) != 3 {
			t.Errorf("got %d Helm releases, want 3 (load balancer controller, ExternalDNS, Cluster Autoscaler)", len(releases))
		}
		for addr, r := range releases {
			type account struct {
				Create bool
				Name   string
			}
			var values struct {
				ServiceAccount account
				// The Cluster Autoscaler's chart takes it here.
				RBAC struct{ ServiceAccount *account }
			}
			if err := json.Unmarshal([]byte(jsonStrings(r["values"])[0]), &values); err != nil {
				t.Fatalf("%s: values: %v", addr, err)
			}
			if values.RBAC.ServiceAccount != nil {
				values.ServiceAccount = *values.RBAC.ServiceAccount
			}
			sa := fmt.Sprintf("%s/%s", r["namespace"], values.ServiceAccount.Name)
			if values.ServiceAccount.Create || !accounts[sa] {
				t.Errorf("%s: runs as %s (create=%t), want a service account the stack created (%v)", addr, sa, values.ServiceAccount.Create, accounts)
			}
		}
	})
}

// TestAddonRolesAreTheirs: an add-on's IRSA role trusts that add-on's
// service account.
func TestAddonRolesAreTheirs(t *testing.T) {
	s := defaultSynth(t)
	want := map[string]string{
		"vpc-cni":            "system:serviceaccount:kube-system:" + vpcCNIServiceAccount,
		"aws-ebs-csi-driver": "system:serviceaccount:kube-system:" + ebsCSIServiceAccount,
	}
	eachStackOf(t, s, contract.Platform, func(t *testing.T, env config.Environment, j tfJSON) {
		found := map[string]bool{}
		for addr, a := range j.resources("aws_eks_addon") {
			name := fmt.Sprint(a["addon_name"])
			found[name] = true
			roleARN, hasRole := a["service_account_role_arn"]
			if w, ok := want[name]; ok != hasRole {
				t.Errorf("%s: service_account_role_arn set=%t, want %t", addr, hasRole, ok)
			} else if ok {
				if got := trustedSubject(t, j, roleARN); got != w {
					t.Errorf("%s: role trusts %s, want %s", addr, got, w)
				}
			}
		}
		for _, a := range []string{"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver"} {
			if !found[a] {
				t.Errorf("add-on %s missing (have %v)", a, found)
			}
		}
	})
}

// TestLaunchTemplatesAreHardened: in every stack, every launch template
// requires IMDSv2 with a hop limit of 1 and encrypts its volumes with KMS.
func TestLaunchTemplatesAreHardened(t *testing.T) {
	s := defaultSynth(t)
	perStack := map[string]int{}
	for _, name := range s.names() {
		for addr, lt := range s.stacks[name].resources("aws_launch_template") {
			perStack[name]++
			md := jsonObject(lt["metadata_options"])
			if md["http_tokens"] != "required" || md["http_endpoint"] != "enabled" || md["http_put_response_hop_limit"] != float64(1) {
				t.Errorf("%s/%s: metadata_options %v, want IMDSv2 required, endpoint enabled, hop limit 1", name, addr, md)
			}
			bdms := jsonList(lt["block_device_mappings"])
			if len(bdms) == 0 {
				t.Errorf("%s/%s: no block device mapping: the root volume would use the AMI's settings", name, addr)
			}
			for _, b := range bdms {
				ebs := jsonObject(jsonObject(b)["ebs"])
				if ebs["encrypted"] != "true" || ebs["kms_key_id"] == nil || ebs["volume_type"] != "gp3" {
					t.Errorf("%s/%s: volume %v, want encrypted gp3 with a KMS key", name, addr, ebs)
				}
			}
		}
	}
	for _, env := range platformEnvs(t) {
		if perStack[contract.Platform.StackName(env.Name, "")] == 0 {
			t.Errorf("platform-%s: no launch template", env.Name)
		}
	}
}

// TestClusterIsSecured: the control plane's encryption, logs, endpoint
// and authentication.
func TestClusterIsSecured(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Platform, func(t *testing.T, env config.Environment, j tfJSON) {
		clusters := j.exactly(t, 1, "aws_eks_cluster")
		for _, c := range clusters {
			if c["name"] != env.ClusterName() || c["version"] != env.Cluster.Version {
				t.Errorf("name %v version %v, want %s %s", c["name"], c["version"], env.ClusterName(), env.Cluster.Version)
			}
			enc := jsonObject(c["encryption_config"])
			if fmt.Sprint(jsonStrings(enc["resources"])) != "[secrets]" {
				t.Errorf("encrypted resources %v, want [secrets]", enc["resources"])
			}
			key, _, _ := j.resolve(t, jsonObject(enc["provider"])["key_arn"])
			if key["enable_key_rotation"] != true {
				t.Error("secrets key rotation is off")
			}

			types := jsonStrings(c["enabled_cluster_log_types"])
			sort.Strings(types)
			want := append([]string{}, eks.LogTypes...)
			sort.Strings(want)
			if fmt.Sprint(types) != fmt.Sprint(want) || len(want) != 5 {
				t.Errorf("log types %v, want all five %v", types, want)
			}
			groups := j.resources("aws_cloudwatch_log_group")
			var groupAddr string
			for a, g := range groups {
				if g["name"] == "/aws/eks/"+env.ClusterName()+"/cluster" {
					groupAddr = "aws_cloudwatch_log_group." + a
					if g["retention_in_days"] != float64(env.LogRetentionDays) || g["kms_key_id"] == nil {
						t.Errorf("log group retention %v kms %v, want %d days and a KMS key", g["retention_in_days"], g["kms_key_id"], env.LogRetentionDays)
					}
				}
			}
			if groupAddr == "" || !slices.Contains(jsonStrings(c["depends_on"]), groupAddr) {
				t.Errorf("cluster depends_on %v, want the log group /aws/eks/%s/cluster (%q) created first", c["depends_on"], env.ClusterName(), groupAddr)
			}

			vpc := jsonObject(c["vpc_config"])
			if vpc["endpoint_private_access"] != true {
				t.Error("private endpoint off")
			}
			public := len(env.Cluster.PublicAccessCIDRs) > 0
			if vpc["endpoint_public_access"] != public {
				t.Errorf("endpoint_public_access %v, want %t", vpc["endpoint_public_access"], public)
			}
			for _, cidr := range jsonStrings(vpc["public_access_cidrs"]) {
				if strings.HasSuffix(cidr, "/0") {
					t.Errorf("public endpoint open to %s", cidr)
				}
			}
			if !strings.Contains(fmt.Sprint(vpc["subnet_ids"]), "import-foundation-subnets-private") {
				t.Errorf("control plane subnets %v, want the foundation's private subnets", vpc["subnet_ids"])
			}
			access := jsonObject(c["access_config"])
			if access["authentication_mode"] != "API" || access["bootstrap_cluster_creator_admin_permissions"] != false {
				t.Errorf("access_config %v, want API only and no implicit creator admin", access)
			}
		}
	})
}

// TestClusterAdmins: cluster-admin is exactly the configured set — the
// deploy roles of the layers that talk to the cluster (or AssumeRoleARN),
// the break-glass role and the admin roles — each a literal ARN from the
// configuration, never a value read from the caller, so the set does not
// change with who applies platform-<env>. With CI configured the plan
// roles of those layers read without Secrets (AmazonEKSViewPolicy on the
// cluster), the services plan role also kube-system's Secrets (Helm's
// release records), nothing more.
func TestClusterAdmins(t *testing.T) {
	testenv.Long(t, "synthesizes environments with other cluster admins")
	s := defaultSynth(t)
	envs := platformEnvs(t)
	envs[0].Cluster.AdminRoleARNs = []string{"arn:aws:iam::111111111111:role/ops/Platform-Admins"}
	envs[1].CI, envs[1].AssumeRoleARN = config.CI{}, "arn:aws:iam::222222222222:role/stratum-deployer"
	envs[2].CI = config.CI{} // deployed by hand, with a deploy role to assume
	envs[2].AssumeRoleARN = "arn:aws:iam::333333333333:role/stratum-deployer"
	custom := synth(t, envs, nil)
	role := func(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }
	ci := func(account, env, word, purpose string) string {
		return role(account, "stratum-ci/"+config.CIRoleName(env, word, purpose))
	}
	prodAdmins := []string{ci("111111111111", "prod", "services", "deploy"), ci("111111111111", "prod", "client", "deploy"), role("111111111111", "stratum-break-glass")}
	prodViewers := []string{ci("111111111111", "prod", "services", "plan"), ci("111111111111", "prod", "client", "plan")}
	for _, tc := range []struct {
		name           string
		app            *synthesized
		env            config.Environment
		admins, viewer []string
	}{
		{"prod", s, config.Environments()[0], prodAdmins, prodViewers},
		{"prod with an admin role", custom, envs[0], append(slices.Clone(prodAdmins), envs[0].Cluster.AdminRoleARNs[0]), prodViewers},
		// One role deploys every layer: no layer roles, no plan roles.
		{"staging assuming a role", custom, envs[1], []string{envs[1].AssumeRoleARN, role("222222222222", "stratum-break-glass")}, nil},
		{"dev without CI", custom, envs[2], []string{envs[2].AssumeRoleARN, role("333333333333", "stratum-break-glass")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.app.stack(t, contract.Platform.StackName(tc.env.Name, ""))
			for addr := range j.data("aws_iam_session_context") {
				t.Errorf("data.aws_iam_session_context.%s: the platform reads who is calling", addr)
			}
			entries := map[string]string{} // address -> principal
			var got []string
			for addr, e := range j.resources("aws_eks_access_entry") {
				p := fmt.Sprint(e["principal_arn"])
				if strings.Contains(p, "${") {
					t.Errorf("%s: principal %s is computed at apply time, want a configured ARN", addr, p)
				}
				entries["${aws_eks_access_entry."+addr+".principal_arn}"] = p
				got = append(got, p)
				if e["type"] != "STANDARD" {
					t.Errorf("%s: type %v", addr, e["type"])
				}
			}
			want := append(append([]string{}, tc.admins...), tc.viewer...)
			sort.Strings(got)
			sort.Strings(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("access entries for %v, want %v", got, want)
			}
			policies := map[string][]string{} // principal -> "policy scope"
			for _, a := range j.resources("aws_eks_access_policy_association") {
				scope := jsonObject(a["access_scope"])
				where := fmt.Sprint(scope["type"])
				if ns := jsonStrings(scope["namespaces"]); len(ns) > 0 {
					where += ":" + strings.Join(ns, ",")
				}
				p := entries[fmt.Sprint(a["principal_arn"])]
				policy := fmt.Sprint(a["policy_arn"])
				policies[p] = append(policies[p], policy[strings.LastIndex(policy, "/")+1:]+" "+where)
			}
			for _, p := range tc.admins {
				if fmt.Sprint(policies[p]) != "["+eks.ClusterAdminPolicy+" cluster]" {
					t.Errorf("%s: policies %v, want cluster-admin", p, policies[p])
				}
			}
			for _, p := range tc.viewer {
				want := []string{eks.ViewPolicy + " cluster"}
				if strings.Contains(p, "-services-") {
					want = append(want, eks.AdminViewPolicy+" namespace:kube-system")
				}
				sort.Strings(policies[p])
				sort.Strings(want)
				if fmt.Sprint(policies[p]) != fmt.Sprint(want) {
					t.Errorf("%s: policies %v, want %v and nothing more (no Secrets outside Helm's namespace)", p, policies[p], want)
				}
			}
		})
	}
}

// TestLayersUseOnlyTheContract: platform and services read the layers
// below only through SSM parameters, and the manifest orders them.
func TestLayersUseOnlyTheContract(t *testing.T) {
	s := defaultSynth(t)
	for _, name := range s.names() {
		j := s.stacks[name]
		if len(j.data("terraform_remote_state")) > 0 {
			t.Errorf("%s reads another stack's state", name)
		}
		if len(jsonObject(j["output"])) > 0 {
			t.Errorf("%s has outputs %v; values cross stacks through SSM only", name, j["output"])
		}
	}
	for _, env := range platformEnvs(t) {
		for stack, upstream := range map[string][]string{
			contract.Platform.StackName(env.Name, ""): {contract.Foundation.StackName(env.Name, "")},
			contract.Services.StackName(env.Name, ""): {contract.Platform.StackName(env.Name, ""), contract.Foundation.StackName(env.Name, "")},
		} {
			for _, u := range upstream {
				if !slices.Contains(s.deps[stack], u) {
					t.Errorf("%s depends on %v, want %s", stack, s.deps[stack], u)
				}
			}
			for addr, p := range s.stack(t, stack).data("aws_ssm_parameter") {
				n := fmt.Sprint(p["name"])
				at := contract.At{Env: env.Name}
				if !strings.HasPrefix(n, contract.Foundation.ParameterPrefix(at)) && !strings.HasPrefix(n, contract.Platform.ParameterPrefix(at)) {
					t.Errorf("%s: %s reads %s, outside the layers below it", stack, addr, n)
				}
			}
		}
	}
}

// TestNodes: the system node group runs in the private subnets with the
// system taint, its role has no CNI permissions (vpc-cni has its own
// role), and the Deployments meant for it tolerate its taint.
func TestNodes(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Platform, func(t *testing.T, env config.Environment, j tfJSON) {
		groups := j.exactly(t, 1, "aws_eks_node_group")
		var taints []nodegroup.Taint
		for addr, g := range groups {
			if !strings.Contains(fmt.Sprint(g["subnet_ids"]), "import-foundation-subnets-private") {
				t.Errorf("%s: subnets %v, want the private subnets", addr, g["subnet_ids"])
			}
			for _, tn := range jsonList(g["taint"]) {
				tn := jsonObject(tn)
				taints = append(taints, nodegroup.Taint{Key: fmt.Sprint(tn["key"]), Value: fmt.Sprint(tn["value"]), Effect: fmt.Sprint(tn["effect"])})
			}
			sc := jsonObject(g["scaling_config"])
			sys := env.Cluster.SystemNodes
			if sc["min_size"] != float64(sys.MinSize) || sc["desired_size"] != float64(sys.DesiredSize) || sc["max_size"] != float64(sys.MaxSize) {
				t.Errorf("%s: scaling %v, want %+v", addr, sc, sys)
			}
		}
		if fmt.Sprint(taints) != fmt.Sprint([]nodegroup.Taint{systemTaint}) {
			t.Errorf("taints %v, want %v", taints, systemTaint)
		}

		cniRoles := map[string]bool{}
		for _, a := range j.resources("aws_iam_role_policy_attachment") {
			if strings.HasSuffix(fmt.Sprint(a["policy_arn"]), "/AmazonEKS_CNI_Policy") {
				cniRoles[fmt.Sprint(a["role"])] = true
			}
		}
		if len(cniRoles) != 1 {
			t.Errorf("CNI policy attached to %v, want exactly one role", cniRoles)
		}
		for addr, g := range groups {
			role, _, roleName := j.resolve(t, g["node_role_arn"])
			if cniRoles["${aws_iam_role."+roleName+".name}"] {
				t.Errorf("%s: node role %v has the CNI policy", addr, role["name"])
			}
		}
		for _, a := range j.resources("aws_eks_addon") {
			if a["addon_name"] == "vpc-cni" {
				_, _, roleName := j.resolve(t, a["service_account_role_arn"])
				if !cniRoles["${aws_iam_role."+roleName+".name}"] {
					t.Errorf("vpc-cni's role %s lacks the CNI policy", roleName)
				}
			}
		}

		for name, path := range map[string][]string{"coredns": nil, "aws-ebs-csi-driver": {"controller"}} {
			var addon map[string]any
			for _, a := range j.resources("aws_eks_addon") {
				if a["addon_name"] == name {
					addon = a
				}
			}
			var cfg map[string]any
			if err := json.Unmarshal([]byte(fmt.Sprint(addon["configuration_values"])), &cfg); err != nil {
				t.Fatalf("%s configuration_values: %v", name, err)
			}
			for _, p := range path {
				cfg = jsonObject(cfg[p])
			}
			for _, tn := range taints {
				if !tolerates(jsonList(cfg["tolerations"]), tn) {
					t.Errorf("%s tolerations %v do not tolerate %+v: its pods would never schedule", name, cfg["tolerations"], tn)
				}
			}
		}
	})
}

// tolerates reports whether one of tolerations (Kubernetes JSON) matches taint.
func tolerates(tolerations []any, taint nodegroup.Taint) bool {
	effect := map[string]string{nodegroup.NoSchedule: "NoSchedule", nodegroup.NoExecute: "NoExecute", nodegroup.PreferNoSchedule: "PreferNoSchedule"}[taint.Effect]
	for _, tl := range tolerations {
		tl := jsonObject(tl)
		if tl["key"] != taint.Key || (tl["effect"] != nil && tl["effect"] != "" && tl["effect"] != effect) {
			continue
		}
		if tl["operator"] == "Exists" || (tl["operator"] == "Equal" && tl["value"] == taint.Value) {
			return true
		}
	}
	return false
}

// TestDefaultStorageClass: exactly one default StorageClass, gp3 through
// the EBS CSI driver, encrypted with the platform's volume key.
func TestDefaultStorageClass(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range platformEnvs(t) {
		t.Run(env.Name, func(t *testing.T) {
			var defaults int
			for addr, sc := range s.stack(t, contract.Services.StackName(env.Name, "")).resources("kubernetes_storage_class_v1") {
				if jsonObject(jsonObject(sc["metadata"])["annotations"])["storageclass.kubernetes.io/is-default-class"] != "true" {
					continue
				}
				defaults++
				p := jsonObject(sc["parameters"])
				if sc["storage_provisioner"] != "ebs.csi.aws.com" || p["type"] != "gp3" || p["encrypted"] != "true" ||
					!strings.Contains(fmt.Sprint(p["kmsKeyId"]), "import-platform-storage-volume-kms-key-arn") {
					t.Errorf("%s: provisioner %v parameters %v, want encrypted gp3 with the volume key", addr, sc["storage_provisioner"], p)
				}
				if want := reclaimPolicy(env); sc["reclaim_policy"] != want {
					t.Errorf("%s: reclaim_policy %v, want %s", addr, sc["reclaim_policy"], want)
				}
			}
			if defaults != 1 {
				t.Errorf("got %d default StorageClasses, want 1", defaults)
			}
		})
	}
}

var exactVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)

// TestInClusterProviders: Helm releases are pinned to exact chart
// versions from HTTPS repositories, and the providers authenticate with
// short-lived EKS tokens against the cluster named in the contract.
func TestInClusterProviders(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Services, func(t *testing.T, env config.Environment, j tfJSON) {
		for addr, r := range j.mustResources(t, "helm_release") {
			if !exactVersion.MatchString(fmt.Sprint(r["version"])) || !strings.HasPrefix(fmt.Sprint(r["repository"]), "https://") {
				t.Errorf("%s: chart %v from %v, want an exact version from an HTTPS repository", addr, r["version"], r["repository"])
			}
		}
		providers := jsonObject(j["provider"])
		k8s := jsonObject(providers["kubernetes"])
		h := jsonObject(jsonObject(providers["helm"])["kubernetes"])
		for name, p := range map[string]map[string]any{"kubernetes": k8s, "helm": h} {
			exec := jsonObject(p["exec"])
			args := strings.Join(jsonStrings(exec["args"]), " ")
			if exec["command"] != "aws" || !strings.HasPrefix(args, "eks get-token --cluster-name ${data.aws_ssm_parameter.import-platform-cluster-name") ||
				!strings.Contains(args, "--region "+env.Region) {
				t.Errorf("%s provider exec %v %v, want aws eks get-token for the contract's cluster", name, exec["command"], args)
			}
			if !strings.Contains(fmt.Sprint(p["host"]), "import-platform-cluster-endpoint") ||
				!strings.Contains(fmt.Sprint(p["cluster_ca_certificate"]), "import-platform-cluster-ca-data") {
				t.Errorf("%s provider host %v ca %v, want the contract's values", name, p["host"], p["cluster_ca_certificate"])
			}
		}
	})
}

// TestControllerPolicies: ExternalDNS changes records in the
// environment's zone only; the load balancer controller deletes and
// modifies only what carries its cluster tag.
func TestControllerPolicies(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Services, func(t *testing.T, env config.Environment, j tfJSON) {
		var changes int
		for _, st := range statementsOf(t, j, "external-dns") {
			for _, a := range jsonStrings(st["actions"]) {
				if !strings.HasPrefix(a, "route53:") || strings.Contains(a, "*") {
					t.Errorf("ExternalDNS action %s, want named route53 actions", a)
				}
				if strings.HasPrefix(a, "route53:List") {
					continue
				}
				changes++
				res := jsonStrings(st["resources"])
				if len(res) != 1 || !strings.HasSuffix(res[0], ":route53:::hostedzone/${data.aws_ssm_parameter.import-platform-dns-zone-id.insecure_value}") {
					t.Errorf("ExternalDNS may %s on %v, want the environment's zone only", a, res)
				}
			}
		}
		if changes == 0 {
			t.Error("ExternalDNS cannot change any record")
		}

		// What deletes or reconfigures a load balancer, target group or
		// security group must be limited to the controller's own.
		guarded := map[string]int{
			"elasticloadbalancing:DeleteLoadBalancer":           0,
			"elasticloadbalancing:DeleteTargetGroup":            0,
			"elasticloadbalancing:ModifyLoadBalancerAttributes": 0,
			"elasticloadbalancing:ModifyTargetGroup":            0,
			"elasticloadbalancing:SetSecurityGroups":            0,
			"elasticloadbalancing:SetSubnets":                   0,
			"elasticloadbalancing:RemoveTags":                   0,
			"ec2:DeleteSecurityGroup":                           0,
			"ec2:DeleteTags":                                    0,
		}
		for _, st := range statementsOf(t, j, "aws-load-balancer-controller") {
			for _, a := range jsonStrings(st["actions"]) {
				if strings.Contains(a, "*") {
					t.Errorf("load balancer controller action %s is a wildcard", a)
				}
				if _, ok := guarded[a]; !ok {
					continue
				}
				guarded[a]++
				tagged := strings.Contains(fmt.Sprint(st["condition"]), "aws:ResourceTag/elbv2.k8s.aws/cluster")
				// Upstream lets it retag any listener and rule: they
				// belong to load balancers it owns.
				listeners := strings.Contains(fmt.Sprint(st["resources"]), ":listener")
				if !tagged && !(a == "elasticloadbalancing:RemoveTags" && listeners) {
					t.Errorf("load balancer controller may %s on %v without the elbv2.k8s.aws/cluster resource tag condition", a, st["resources"])
				}
			}
		}
		for a, n := range guarded {
			if n == 0 {
				t.Errorf("load balancer controller cannot %s at all", a)
			}
		}
	})
}

// statementsOf returns the permission statements of the IRSA role under
// construct id prefix.
func statementsOf(t *testing.T, j tfJSON, prefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for name, doc := range j.data("aws_iam_policy_document") {
		if strings.HasPrefix(name, prefix+"_irsa_permissions") {
			for _, st := range jsonList(doc["statement"]) {
				out = append(out, jsonObject(st))
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no permissions of %s", prefix)
	}
	return out
}

// TestNetworkPoliciesEnforced: the client namespaces rely on NetworkPolicy,
// which EKS enforces only when the VPC CNI runs its network policy agent.
func TestNetworkPoliciesEnforced(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		found := false
		for _, a := range s.stack(t, contract.Platform.StackName(env.Name, "")).resources("aws_eks_addon") {
			if a["addon_name"] != "vpc-cni" {
				continue
			}
			found = true
			var cfg map[string]any
			v, _ := a["configuration_values"].(string)
			if err := json.Unmarshal([]byte(v), &cfg); err != nil || cfg["enableNetworkPolicy"] != "true" {
				t.Errorf("platform-%s: vpc-cni configuration_values = %q, want enableNetworkPolicy \"true\"", env.Name, v)
			}
		}
		if !found {
			t.Errorf("platform-%s: no vpc-cni add-on", env.Name)
		}
	}
}
