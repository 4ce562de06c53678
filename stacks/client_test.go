package stacks

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/irsa"
	"stratum/constructs/namespace"
	"stratum/contract"
	"stratum/testkit/clientstest"
)

// clientStack is one client stack of a synthesized app, with the
// tenancy it was built from.
type clientStack struct {
	name   string
	t      clients.Tenancy
	env    config.Environment
	client clients.Client
	j      tfJSON
}

// clientStacks returns every client stack of s, built from envs and all.
func clientStacks(t *testing.T, s *synthesized, envs []config.Environment, all []clients.Client) []clientStack {
	t.Helper()
	var out []clientStack
	for _, env := range envs {
		for _, tn := range clients.Tenancies(all, env) {
			name := contract.Client.StackName(env.Name, tn.Client.Name)
			out = append(out, clientStack{name: name, t: tn, env: env, client: tn.Client, j: s.stack(t, name)})
		}
	}
	if len(out) == 0 {
		t.Fatal("no client stacks: the checks would pass on nothing")
	}
	return out
}

// eachClientStack runs f, as a subtest, for every client stack of the
// onboarded configuration (the real one and the newcomer, so that every
// environment has a client whatever the real slice holds).
func eachClientStack(t *testing.T, f func(t *testing.T, cs clientStack)) {
	t.Helper()
	s, all := onboarded(t)
	for _, cs := range clientStacks(t, s, config.Environments(), all) {
		t.Run(cs.name, func(t *testing.T) { f(t, cs) })
	}
}

// TestClientStacksPerEnvironment: a client has a stack in exactly the
// environments it lists, after the platform and its own database, and
// depends on no other client's stack (no other database stack).
func TestClientStacksPerEnvironment(t *testing.T) {
	s, all := onboarded(t)
	want := map[string]clients.Tenancy{} // stack -> tenancy
	for _, env := range config.Environments() {
		for _, tn := range clients.Tenancies(all, env) {
			want[contract.Client.StackName(env.Name, tn.Client.Name)] = tn
		}
	}
	if len(want) == 0 {
		t.Fatal("no client stacks to check")
	}
	for _, name := range s.names() {
		if _, ok := want[name]; strings.HasPrefix(name, "client-") && !ok {
			t.Errorf("stack %s synthesized, but its client does not list that environment", name)
		}
	}
	for name, tn := range want {
		if _, ok := s.stacks[name]; !ok {
			t.Errorf("stack %s missing", name)
			continue
		}
		env := tn.Env.Name
		own := contract.Databases.StackName(env, tn.Client.Name)
		for _, producer := range []string{contract.Platform.StackName(env, ""), own, contract.Foundation.StackName(env, "")} {
			if !s.upstream(producer, name) {
				t.Errorf("%s does not depend on %s (deps %v)", name, producer, s.deps[name])
			}
		}
		for _, d := range s.deps[name] {
			if d != own && (strings.HasPrefix(d, "database") || strings.HasPrefix(d, "client-")) {
				t.Errorf("%s depends on %s: a client stack depends on its own database only", name, d)
			}
		}
	}
}

// TestClientIAMIsolation: every IAM policy document of a client's stack
// names only that client's resources: its own resources (named
// stratum-<env>-<client>-…), its own per-client parameters, and shared
// platform values. Proven for every client against every other.
func TestClientIAMIsolation(t *testing.T) {
	_, all := onboarded(t)
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		for _, p := range policyIsolationProblems(cs.j, cs.env.Name, cs.client.Name, clientNames(all)) {
			t.Error(p)
		}
	})
}

// TestClientDatabaseIsolation: the only database rule in a client's stack
// opens the client's own database, from the client's own nodes, and the
// client's nodes carry their own security group. Its database stack adds
// no ingress of its own, so no other path reaches a client database.
func TestClientDatabaseIsolation(t *testing.T) {
	s, all := onboarded(t)
	for _, cs := range clientStacks(t, s, config.Environments(), all) {
		t.Run(cs.name, func(t *testing.T) {
			for _, p := range databaseIsolationProblems(cs.j, cs.env.Name, cs.client.Name) {
				t.Error(p)
			}
		})
	}
	for _, env := range config.Environments() {
		for _, tn := range clients.Tenancies(all, env) {
			name := contract.Databases.StackName(env.Name, tn.Client.Name)
			t.Run(name, func(t *testing.T) {
				for _, p := range ingressRules(s.stack(t, name)) {
					t.Errorf("ingress rule %s: a database admits only its client's nodes, through the client stack", p)
				}
			})
		}
	}
}

// TestIsolationCheckersFail proves that the isolation checks above find
// what they look for: each case plants one cross-client reference.
func TestIsolationCheckersFail(t *testing.T) {
	s, all := onboarded(t)
	// The newcomer's stack in its first environment, and a client that is
	// certainly another: the checks know it by name.
	me, env := all[len(all)-1].Name, config.Environments()[0].Name
	base := s.stack(t, contract.Client.StackName(env, me))
	other := clientstest.Unknown
	names := append(clientNames(all), other)
	otherSecret := contract.DatabaseSecretARN.Name(contract.At{Env: env, Client: other})
	otherGroup := contract.DatabaseSecurityGroupID.Name(contract.At{Env: env, Client: other})
	cases := []struct {
		name  string
		plant func(j tfJSON)
		check func(j tfJSON) []string
	}{
		{"policy reads another client's secret", func(j tfJSON) {
			j.set("data", "aws_ssm_parameter", "import-databases-other-secret-arn", map[string]any{"name": otherSecret})
			firstStatement(j, "app-api")["resources"] = []any{"${data.aws_ssm_parameter.import-databases-other-secret-arn.insecure_value}"}
		}, func(j tfJSON) []string { return policyIsolationProblems(j, env, me, names) }},
		{"policy names another client's bucket", func(j tfJSON) {
			firstStatement(j, "app-api")["resources"] = []any{"arn:aws:s3:::" + clients.Client{Name: other}.NamesIn(env).Bucket("uploads")}
		}, func(j tfJSON) []string { return policyIsolationProblems(j, env, me, names) }},
		{"policy grants everything", func(j tfJSON) {
			firstStatement(j, "app-api")["resources"] = []any{"*"}
		}, func(j tfJSON) []string { return policyIsolationProblems(j, env, me, names) }},
		{"rule opens another client's database", func(j tfJSON) {
			j.set("data", "aws_ssm_parameter", "import-databases-other-security-group-id", map[string]any{"name": otherGroup})
			for _, r := range j.resources("aws_vpc_security_group_ingress_rule") {
				r["security_group_id"] = "${data.aws_ssm_parameter.import-databases-other-security-group-id.insecure_value}"
			}
		}, func(j tfJSON) []string { return databaseIsolationProblems(j, env, me) }},
		{"rule admits a CIDR", func(j tfJSON) {
			for _, r := range j.resources("aws_vpc_security_group_ingress_rule") {
				delete(r, "referenced_security_group_id")
				r["cidr_ipv4"] = "10.10.0.0/16"
			}
		}, func(j tfJSON) []string { return databaseIsolationProblems(j, env, me) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := deepCopy(base).(map[string]any)
			if got := tc.check(j); len(got) != 0 {
				t.Fatalf("unchanged stack: problems %v, want none", got)
			}
			tc.plant(j)
			if got := tc.check(j); len(got) == 0 {
				t.Error("planted a cross-client reference, the check found nothing")
			}
		})
	}
}

// TestClientNodeGroup: the client's nodes are its own — labelled and
// tainted with its name — boot with IMDSv2 and encrypted volumes, carry
// the client's security group and join the cluster through an EC2_LINUX
// access entry of their own role.
func TestClientNodeGroup(t *testing.T) {
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, c := cs.j, cs.client
		groups := j.exactly(t, 1, "aws_eks_node_group")
		for _, g := range groups {
			if got := g["labels"].(map[string]any)[ClientNodeKey]; got != c.Name {
				t.Errorf("label %s = %v, want %s", ClientNodeKey, got, c.Name)
			}
			taints, _ := g["taint"].([]any)
			if len(taints) != 1 || !reflect.DeepEqual(taints[0], map[string]any{"key": ClientNodeKey, "value": c.Name, "effect": "NO_SCHEDULE"}) {
				t.Errorf("taints = %v, want one %s=%s:NO_SCHEDULE", taints, ClientNodeKey, c.Name)
			}
			size := cs.t.Nodes
			sc := g["scaling_config"].(map[string]any)
			if sc["min_size"] != float64(size.MinSize) || sc["desired_size"] != float64(size.DesiredSize) || sc["max_size"] != float64(size.MaxSize) {
				t.Errorf("scaling_config = %v, want %+v", sc, size)
			}
			if got := stringList(g["instance_types"]); !reflect.DeepEqual(got, size.InstanceTypes) {
				t.Errorf("instance_types = %v, want %v", got, size.InstanceTypes)
			}
			roleRef := tfRefs(g["node_role_arn"].(string))
			if len(roleRef) != 1 || roleRef[0].typ != "aws_iam_role" {
				t.Fatalf("node_role_arn = %v, want a role of this stack", g["node_role_arn"])
			}
			role := j.target(roleRef[0])
			if role["name"] != c.NamesIn(cs.env.Name).NodeRole {
				t.Errorf("node role name = %v", role["name"])
			}
			entries := 0
			for _, e := range j.resources("aws_eks_access_entry") {
				if isRefTo(e["principal_arn"], false, "aws_iam_role", roleRef[0].name) {
					entries++
					if e["type"] != "EC2_LINUX" {
						t.Errorf("access entry type = %v, want EC2_LINUX", e["type"])
					}
				}
			}
			if entries != 1 {
				t.Errorf("%d access entries for the node role, want 1", entries)
			}
			var attached []string
			for _, a := range j.resources("aws_iam_role_policy_attachment") {
				if tfRefs(a["role"].(string))[0].name == roleRef[0].name {
					attached = append(attached, a["policy_arn"].(string))
				}
			}
			// Worker node and image pull (the least-privilege successor
			// of ECR read-only); the CNI policy stays on vpc-cni's own
			// IRSA role.
			for _, want := range []string{"AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"} {
				if !containsSuffix(attached, ":policy/"+want) {
					t.Errorf("node role policies %v lack %s", attached, want)
				}
			}
			if len(attached) != 2 {
				t.Errorf("node role policies %v, want exactly the worker node and image pull policies", attached)
			}

			ltRef := tfRefs(g["launch_template"].(map[string]any)["id"].(string))
			lt := j.target(ltRef[0])
			md := lt["metadata_options"].(map[string]any)
			if md["http_tokens"] != "required" {
				t.Errorf("http_tokens = %v, want required (IMDSv2)", md["http_tokens"])
			}
			for _, bd := range mustList(t, lt["block_device_mappings"], "block device mappings", 1) {
				if ebs := bd.(map[string]any)["ebs"].(map[string]any); ebs["encrypted"] != "true" {
					t.Errorf("volume %v not encrypted", bd)
				}
			}
			// Instances and volumes do not get the provider's default
			// tags: the launch template carries the cost centre.
			for _, spec := range mustList(t, lt["tag_specifications"], "tag specifications (instance, volume, network interface)", 3) {
				spec := spec.(map[string]any)
				if tags, _ := spec["tags"].(map[string]any); tags["CostCentre"] != c.CostCentre || tags["Client"] != c.Name {
					t.Errorf("%v launched without Client/CostCentre tags: %v", spec["resource_type"], tags)
				}
			}
			own := ownNodeSecurityGroup(j, cs.env.Name, c.Name)
			found := false
			for _, id := range stringList(lt["vpc_security_group_ids"]) {
				if isRefTo(id, false, "aws_security_group", own) {
					found = true
				}
			}
			if !found {
				t.Errorf("launch template security groups %v lack the client's own %s", lt["vpc_security_group_ids"], own)
			}
		}
	})
}

// TestClientBuckets: each declared bucket exists with its name, the
// client's key, versioning, public access block, owner-enforced objects,
// a TLS-only policy and its lifecycle; all are in the backup selection.
func TestClientBuckets(t *testing.T) {
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, c, env := cs.j, cs.client, cs.env.Name
		names := c.NamesIn(env)
		byName := map[string]string{} // S3 name -> address
		for addr, b := range j.resources("aws_s3_bucket") {
			byName[b["bucket"].(string)] = addr
			if b["force_destroy"] != false {
				t.Errorf("%s: force_destroy = %v", addr, b["force_destroy"])
			}
		}
		if len(byName) != len(c.Buckets) {
			t.Errorf("got buckets %v, want %d", byName, len(c.Buckets))
		}
		var keyAddr string
		for _, a := range j.resources("aws_kms_alias") {
			if a["name"] == "alias/"+names.BucketKeyAlias {
				keyAddr = tfRefs(a["target_key_id"].(string))[0].name
			}
		}
		if keyAddr == "" {
			t.Fatal("no key alias alias/" + names.BucketKeyAlias)
		}
		if j.resources("aws_kms_key")[keyAddr]["enable_key_rotation"] != true {
			t.Error("bucket key rotation off")
		}
		for _, b := range c.Buckets {
			addr, ok := byName[names.Bucket(b.Name)]
			if !ok {
				t.Errorf("bucket %s missing", names.Bucket(b.Name))
				continue
			}
			companion := func(typ string) map[string]any {
				for _, r := range j.resources(typ) {
					if isRefTo(r["bucket"], false, "aws_s3_bucket", addr) {
						return r
					}
				}
				t.Errorf("%s: no %s", b.Name, typ)
				return map[string]any{}
			}
			if v, _ := companion("aws_s3_bucket_versioning")["versioning_configuration"].(map[string]any); v["status"] != "Enabled" {
				t.Errorf("%s: versioning %v", b.Name, v)
			}
			enc := companion("aws_s3_bucket_server_side_encryption_configuration")
			if rules, _ := enc["rule"].([]any); len(rules) == 1 {
				def := rules[0].(map[string]any)["apply_server_side_encryption_by_default"].(map[string]any)
				if def["sse_algorithm"] != "aws:kms" || !isRefTo(def["kms_master_key_id"], false, "aws_kms_key", keyAddr) {
					t.Errorf("%s: encryption %v, want aws:kms with the client key", b.Name, def)
				}
			} else {
				t.Errorf("%s: encryption rules %v", b.Name, enc["rule"])
			}
			pab := companion("aws_s3_bucket_public_access_block")
			for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
				if pab[k] != true {
					t.Errorf("%s: %s = %v", b.Name, k, pab[k])
				}
			}
			if o, _ := companion("aws_s3_bucket_ownership_controls")["rule"].(map[string]any); o["object_ownership"] != "BucketOwnerEnforced" {
				t.Errorf("%s: ownership %v", b.Name, o)
			}
			lc := companion("aws_s3_bucket_lifecycle_configuration")
			rules, _ := lc["rule"].([]any)
			if len(rules) != 1 {
				t.Fatalf("%s: lifecycle rules %v", b.Name, lc["rule"])
			}
			rule := rules[0].(map[string]any)
			var transitions []clients.Transition
			ts, _ := rule["transition"].([]any)
			for _, tr := range ts {
				tr := tr.(map[string]any)
				transitions = append(transitions, clients.Transition{Days: int(tr["days"].(float64)), StorageClass: tr["storage_class"].(string)})
			}
			if !reflect.DeepEqual(transitions, b.Lifecycle.Transitions) {
				t.Errorf("%s: transitions %v, want %v", b.Name, transitions, b.Lifecycle.Transitions)
			}
			wantNoncurrent := orDefault(b.Lifecycle.NoncurrentVersionExpirationDays, 90)
			if got := rule["noncurrent_version_expiration"].(map[string]any)["noncurrent_days"]; got != float64(wantNoncurrent) {
				t.Errorf("%s: noncurrent_days %v, want %d", b.Name, got, wantNoncurrent)
			}
			wantAbort := orDefault(b.Lifecycle.AbortIncompleteUploadDays, 7)
			if got := rule["abort_incomplete_multipart_upload"].(map[string]any)["days_after_initiation"]; got != float64(wantAbort) {
				t.Errorf("%s: abort days %v, want %d", b.Name, got, wantAbort)
			}
			if b.Lifecycle.ExpirationDays > 0 {
				if got := rule["expiration"].(map[string]any)["days"]; got != float64(b.Lifecycle.ExpirationDays) {
					t.Errorf("%s: expiration %v, want %d", b.Name, got, b.Lifecycle.ExpirationDays)
				}
			}
			pol := companion("aws_s3_bucket_policy")
			doc := j.target(tfRefs(pol["policy"].(string))[0])
			if !hasTLSOnlyDeny(tfJSON{"data": map[string]any{"aws_iam_policy_document": map[string]any{"d": doc}}}) {
				t.Errorf("%s: bucket policy does not deny insecure transport", b.Name)
			}
		}

		sel := j.resources("aws_backup_selection")
		if len(c.Buckets) > 0 && len(sel) != 1 {
			t.Fatalf("got %d backup selections, want 1", len(sel))
		}
		for _, bs := range sel {
			var got []string
			for _, r := range stringList(bs["resources"]) {
				got = append(got, j.target(tfRefs(r)[0])["bucket"].(string))
			}
			var want []string
			for _, b := range c.Buckets {
				want = append(want, names.Bucket(b.Name))
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("backup selection covers %v, want %v", got, want)
			}
			for field, param := range map[string]contract.String{"plan_id": contract.BackupPlanID, "iam_role_arn": contract.BackupRoleARN} {
				if name := j.ssmName(tfRefs(bs[field].(string))[0]); name != param.Name(contract.At{Env: env}) {
					t.Errorf("backup selection %s reads %q", field, name)
				}
			}
		}
	})
}

// TestApplicationAccess: each application has a role named
// stratum-<env>-<client>-<app>, assumable only by its service account in
// the client's namespace, with exactly the access it declares; its
// service account is annotated with that role.
func TestApplicationAccess(t *testing.T) {
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, c, env := cs.j, cs.client, cs.env.Name
		names := c.NamesIn(env)
		for _, app := range c.Applications {
			roleAddr := ""
			for addr, r := range j.resources("aws_iam_role") {
				if r["name"] == names.Role(app.Name) {
					roleAddr = addr
				}
			}
			if roleAddr == "" {
				t.Errorf("%s: no role %s", app.Name, names.Role(app.Name))
				continue
			}
			role := j.resources("aws_iam_role")[roleAddr]
			trust := j.target(tfRefs(role["assume_role_policy"].(string))[0])
			sub := irsa.Subject(names.Namespace, app.Name)
			if !slices.Contains(allStrings(trust), sub) || !slices.Contains(allStrings(trust), "sts.amazonaws.com") {
				t.Errorf("%s: trust %v does not pin sub %s and aud", app.Name, allStrings(trust), sub)
			}

			got := grants(t, j, roleAddr)
			want := map[string]bool{}
			for bucketName, acc := range app.Buckets {
				b := names.Bucket(bucketName)
				want["s3:ListBucket "+b] = true
				want["s3:GetObject "+b+"/*"] = true
				want["kms:Decrypt key:"+names.BucketKeyAlias] = true
				if acc == clients.ReadWrite {
					want["s3:PutObject "+b+"/*"] = true
					want["s3:DeleteObject "+b+"/*"] = true
					want["kms:GenerateDataKey key:"+names.BucketKeyAlias] = true
				}
			}
			if app.Database {
				at := contract.At{Env: env, Client: c.Name}
				want[fmt.Sprintf("rds-db:connect arn:aws:rds-db:%s:%s:dbuser:%s/%s", cs.env.Region, cs.env.AccountID,
					contract.DatabaseResourceID.Name(at), names.DatabaseUser(app.Name))] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: grants\n got %v\nwant %v", app.Name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
			}

			sa := serviceAccount(j, app.Name)
			if sa == nil {
				t.Errorf("%s: no service account", app.Name)
				continue
			}
			ann, _ := sa["metadata"].(map[string]any)["annotations"].(map[string]any)
			if !isRefTo(ann[irsa.RoleARNAnnotation], false, "aws_iam_role", roleAddr) {
				t.Errorf("%s: service account annotation %v, want the role's ARN", app.Name, ann)
			}
		}
		if n, want := len(j.resources("aws_kubernetes_service_account_v1"))+len(j.resources("kubernetes_service_account_v1")), len(c.Applications); n != want {
			t.Errorf("got %d service accounts, want %d (one per application)", n, want)
		}
	})
}

// TestClientNamespace: the namespace is the client's name, denies all
// traffic by default, admits load balancers only to applications with a
// port, and carries the quota.
func TestClientNamespace(t *testing.T) {
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, c := cs.j, cs.client
		nss := j.exactly(t, 1, "kubernetes_namespace_v1")
		for _, ns := range nss {
			md := ns["metadata"].(map[string]any)
			if md["name"] != c.NamesIn(cs.env.Name).Namespace {
				t.Errorf("namespace %v, want %s", md["name"], c.NamesIn(cs.env.Name).Namespace)
			}
			if md["labels"].(map[string]any)["pod-security.kubernetes.io/enforce"] != "baseline" {
				t.Errorf("pod security not enforced: %v", md["labels"])
			}
		}
		policies := map[string]map[string]any{}
		for _, p := range j.resources("kubernetes_network_policy_v1") {
			policies[p["metadata"].(map[string]any)["name"].(string)] = p["spec"].(map[string]any)
		}
		deny := policies["default-deny"]
		if deny == nil || !reflect.DeepEqual(deny["pod_selector"], map[string]any{}) ||
			!reflect.DeepEqual(stringList(deny["policy_types"]), []string{"Ingress", "Egress"}) ||
			deny["ingress"] != nil || deny["egress"] != nil {
			t.Errorf("default-deny = %v, want every pod, both directions, no rule", deny)
		}
		if _, ok := policies["allow-dns"]; !ok {
			t.Error("no DNS egress policy")
		}
		for _, app := range c.Applications {
			p, ok := policies["allow-"+app.Name+"-from-load-balancers"]
			if ok != (app.Port != 0) {
				t.Errorf("%s: ingress policy present=%t, port %d", app.Name, ok, app.Port)
			}
			if ok {
				sel := p["pod_selector"].(map[string]any)["match_labels"].(map[string]any)
				if sel[namespace.AppLabel] != app.Name {
					t.Errorf("%s: ingress selects %v", app.Name, sel)
				}
			}
		}
		// Ingress from outside the namespace comes from the public
		// subnets only, never the private ones where every client's
		// pods live.
		plan, _ := cs.env.Network.SubnetPlan()
		public := cidrs(plan.Public)
		blocks := 0
		for name, p := range policies {
			for _, rule := range asList(p["ingress"]) {
				for _, from := range asList(rule.(map[string]any)["from"]) {
					ip, ok := from.(map[string]any)["ip_block"].(map[string]any)
					if !ok {
						continue
					}
					blocks++
					if !slices.Contains(public, ip["cidr"].(string)) {
						t.Errorf("%s admits %v, not a public subnet", name, ip["cidr"])
					}
				}
			}
		}
		if exposed := slices.ContainsFunc(c.Applications, func(a clients.Application) bool { return a.Port != 0 }); exposed && blocks == 0 {
			t.Error("an application has a port, but no policy admits any address range: the check ran on nothing")
		}
		// Pods of the client run on its nodes only: an admission policy
		// bound to the namespace requires the node selector.
		var policy, binding map[string]any
		for _, m := range j.resources("kubernetes_manifest") {
			mf := m["manifest"].(map[string]any)
			if mf["metadata"].(map[string]any)["name"] != "namespace-"+c.NamesIn(cs.env.Name).Namespace+"-node-selector" {
				continue
			}
			switch mf["kind"] {
			case "ValidatingAdmissionPolicy":
				policy = mf
			case "ValidatingAdmissionPolicyBinding":
				binding = mf
			}
		}
		if policy == nil || binding == nil {
			t.Fatal("no ValidatingAdmissionPolicy and binding")
		}
		spec := policy["spec"].(map[string]any)
		match := spec["matchConstraints"].(map[string]any)["namespaceSelector"].(map[string]any)["matchLabels"].(map[string]any)
		expr := asList(spec["validations"])[0].(map[string]any)["expression"].(string)
		ns := c.NamesIn(cs.env.Name).Namespace
		if match["kubernetes.io/metadata.name"] != ns || spec["failurePolicy"] != "Fail" ||
			!strings.Contains(expr, fmt.Sprintf("object.spec.nodeSelector[%q] == %q", ClientNodeKey, c.Name)) {
			t.Errorf("admission policy %v does not require nodeSelector %s=%s in namespace %s", spec, ClientNodeKey, c.Name, ns)
		}
		bs := binding["spec"].(map[string]any)
		if bs["policyName"] != policy["metadata"].(map[string]any)["name"] || !reflect.DeepEqual(bs["validationActions"], []any{"Deny"}) {
			t.Errorf("binding %v does not deny with the policy", bs)
		}

		quotas := j.exactly(t, 1, "kubernetes_resource_quota_v1")
		q := cs.t.Quota
		for _, rq := range quotas {
			hard := rq["spec"].(map[string]any)["hard"].(map[string]any)
			if hard["pods"] != fmt.Sprint(q.Pods) || hard["requests.cpu"] != q.CPU || hard["requests.memory"] != q.Memory ||
				hard["services.loadbalancers"] != fmt.Sprint(q.LoadBalancers) || hard["services.nodeports"] != "0" {
				t.Errorf("quota %v, want %+v", hard, q)
			}
		}
	})
}

// TestClientConfiguration: the client's configuration is under
// /stratum/<env>/clients/<client>/.
func TestClientConfiguration(t *testing.T) {
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		prefix := contract.Client.ParameterPrefix(contract.At{Env: cs.env.Name, Client: cs.client.Name})
		got := map[string]any{}
		for _, p := range cs.j.resources("aws_ssm_parameter") {
			name := p["name"].(string)
			if !strings.HasPrefix(name, prefix) {
				t.Errorf("parameter %s outside %s", name, prefix)
			}
			got[strings.TrimPrefix(name, prefix)] = p["insecure_value"]
		}
		if got["namespace"] == nil || got["node-group/name"] == nil || got["applications"] == nil || got["buckets"] == nil {
			t.Errorf("configuration %v lacks namespace, node group, applications or buckets", slices.Sorted(maps.Keys(got)))
		}
		for _, app := range cs.client.Applications {
			if !strings.Contains(got["applications"].(string), fmt.Sprintf("%q:{\"service_account\":%q", app.Name, app.Name)) {
				t.Errorf("applications %v lacks %s", got["applications"], app.Name)
			}
		}
		for _, b := range cs.client.Buckets {
			if !strings.Contains(got["buckets"].(string), fmt.Sprintf("%q:", b.Name)) {
				t.Errorf("buckets %v lacks %s", got["buckets"], b.Name)
			}
		}
	})
}

// policyIsolationProblems lists every value of an IAM policy document in
// the stack of client that may name something not the client's.
func policyIsolationProblems(j tfJSON, env, client string, all []string) []string {
	var out []string
	keyPolicies := map[string]bool{}
	for _, k := range j.resources("aws_kms_key") {
		if p, ok := k["policy"].(string); ok {
			for _, r := range tfRefs(p) {
				keyPolicies[r.name] = true
			}
		}
	}
	addrs := make([]string, 0)
	for addr := range j.data("aws_iam_policy_document") {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	for _, addr := range addrs {
		doc := j.data("aws_iam_policy_document")[addr]
		for i, st := range asList(doc["statement"]) {
			st := st.(map[string]any)
			where := fmt.Sprintf("%s statement %d", addr, i)
			for _, res := range append(stringList(st["resources"]), stringList(st["not_resources"])...) {
				if res == "*" && !keyPolicies[addr] {
					out = append(out, where+": resource * outside a key policy")
				}
			}
			for _, p := range asList(st["principals"]) {
				for _, id := range stringList(p.(map[string]any)["identifiers"]) {
					if id == "*" && st["effect"] != "Deny" {
						out = append(out, where+": allows principal *")
					}
				}
			}
			for _, v := range allStrings(st) {
				out = append(out, valueProblems(j, env, client, all, where, v)...)
			}
		}
	}
	return out
}

// valueProblems checks one string of a client's stack: its literal part
// names no other client, and each reference leads to the client's own
// resource, the client's own parameter or a shared (non-client) value.
func valueProblems(j tfJSON, env, client string, all []string, where, v string) []string {
	var out []string
	if other := foreignIdentifier(tfLiteral(v), env, client, all); other != "" {
		out = append(out, fmt.Sprintf("%s: %q names client %s", where, v, other))
	}
	for _, r := range tfRefs(v) {
		if owner := ownerOf(j, r, env, client, all); owner != client && owner != "shared" {
			out = append(out, fmt.Sprintf("%s: %s belongs to %q, not %s", where, r.expression, owner, client))
		}
	}
	return out
}

// foreignIdentifier returns the other client that s names, or "". Names
// of the client itself are removed first, so a client whose name extends
// another's is not mistaken for it.
func foreignIdentifier(s, env, client string, all []string) string {
	own := []string{
		clients.Client{Name: client}.NamesIn(env).Prefix,
		fmt.Sprintf("/%s/", client),
		fmt.Sprintf("serviceaccount:%s:", client),
	}
	for _, o := range own {
		s = strings.ReplaceAll(s, o, "")
	}
	for _, other := range all {
		if other == client {
			continue
		}
		for _, id := range []string{
			clients.Client{Name: other}.NamesIn(env).Prefix,
			fmt.Sprintf("/%s/", other),
			fmt.Sprintf("serviceaccount:%s:", other),
		} {
			if strings.Contains(s, id) {
				return other
			}
		}
	}
	return ""
}

// ownerOf says whose the reference target is: a client name, "shared" for
// platform values and account data, or "unknown".
func ownerOf(j tfJSON, r tfRef, env, client string, all []string) string {
	t := j.target(r)
	if t == nil {
		return "unknown"
	}
	if r.data {
		switch r.typ {
		case "aws_ssm_parameter":
			layer, rest := paramParts(j.ssmName(r))
			if layer == "databases" || layer == "clients" {
				return strings.SplitN(rest, "/", 2)[0]
			}
			if layer == "" {
				return "unknown"
			}
			return "shared"
		case "aws_caller_identity", "aws_partition", "aws_region":
			return "shared"
		}
		return "unknown"
	}
	prefix := config.Prefix(env) + "-"
	name := ""
	switch r.typ {
	case "aws_kms_key":
		for _, a := range j.resources("aws_kms_alias") {
			if isRefTo(a["target_key_id"], false, "aws_kms_key", r.name) || strings.Contains(fmt.Sprint(a["target_key_id"]), "aws_kms_key."+r.name+".") {
				name = strings.TrimPrefix(a["name"].(string), "alias/")
			}
		}
	case "aws_s3_bucket":
		name, _ = t["bucket"].(string)
	default:
		name, _ = t["name"].(string)
	}
	if name == "" {
		return "unknown"
	}
	// The longest client name that prefixes the resource's name owns it.
	owner := "unknown"
	for _, c := range all {
		if strings.HasPrefix(name, prefix+c+"-") && (owner == "unknown" || len(c) > len(owner)) {
			owner = c
		}
	}
	return owner
}

// databaseIsolationProblems lists the security group rules of a client's
// stack that could let anything but the client's own nodes reach a
// database, or that open another client's database.
func databaseIsolationProblems(j tfJSON, env, client string) []string {
	var out []string
	own := ownNodeSecurityGroup(j, env, client)
	if own == "" {
		out = append(out, "no security group "+clients.Client{Name: client}.NamesIn(env).NodeSecurityGroup)
	}
	ownDB := contract.DatabaseSecurityGroupID.Name(contract.At{Env: env, Client: client})
	opened := 0
	for addr, r := range j.resources("aws_vpc_security_group_ingress_rule") {
		rs := tfRefs(fmt.Sprint(r["security_group_id"]))
		if len(rs) != 1 {
			out = append(out, fmt.Sprintf("%s: security group %v is not a reference", addr, r["security_group_id"]))
			continue
		}
		name := j.ssmName(rs[0])
		if layer, _ := paramParts(name); layer != "databases" {
			continue
		}
		if name != ownDB {
			out = append(out, fmt.Sprintf("%s: opens %s, not the client's database %s", addr, name, ownDB))
		}
		for _, k := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} {
			if r[k] != nil {
				out = append(out, fmt.Sprintf("%s: admits %s %v", addr, k, r[k]))
			}
		}
		if !isRefTo(r["referenced_security_group_id"], false, "aws_security_group", own) {
			out = append(out, fmt.Sprintf("%s: admits %v, not the client's nodes", addr, r["referenced_security_group_id"]))
		}
		opened++
	}
	for addr, r := range j.resources("aws_security_group_rule") {
		out = append(out, fmt.Sprintf("%s: legacy aws_security_group_rule %v; client stacks use aws_vpc_security_group_ingress_rule", addr, r["type"]))
	}
	if opened != 1 {
		out = append(out, fmt.Sprintf("%d rules open the client's database, want exactly 1", opened))
	}
	return out
}

// ownNodeSecurityGroup is the address of the client's node security
// group.
func ownNodeSecurityGroup(j tfJSON, env, client string) string {
	for addr, sg := range j.resources("aws_security_group") {
		if sg["name"] == (clients.Client{Name: client}).NamesIn(env).NodeSecurityGroup {
			return addr
		}
	}
	return ""
}

// ingressRules lists every ingress rule a stack defines, in any form.
func ingressRules(j tfJSON) []string {
	var out []string
	for addr := range j.resources("aws_vpc_security_group_ingress_rule") {
		out = append(out, addr)
	}
	for addr, r := range j.resources("aws_security_group_rule") {
		if r["type"] == "ingress" {
			out = append(out, addr)
		}
	}
	for addr, sg := range j.resources("aws_security_group") {
		if len(asList(sg["ingress"])) > 0 {
			out = append(out, addr+" (inline)")
		}
	}
	sort.Strings(out)
	return out
}

// grants returns "action resource" for every Allow of the role's inline
// policies, resources given by name: S3 names, key:<alias> for keys, the
// parameter name for imported values.
func grants(t *testing.T, j tfJSON, roleAddr string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, p := range j.resources("aws_iam_role_policy") {
		if rs := tfRefs(p["role"].(string)); len(rs) != 1 || rs[0].name != roleAddr {
			continue
		}
		doc := j.target(tfRefs(p["policy"].(string))[0])
		for _, st := range asList(doc["statement"]) {
			st := st.(map[string]any)
			if st["effect"] != "Allow" {
				continue
			}
			for _, res := range stringList(st["resources"]) {
				name := res
				if rs := tfRefs(res); len(rs) == 1 {
					target := j.target(rs[0])
					switch {
					case rs[0].typ == "aws_s3_bucket":
						name = target["bucket"].(string) + tfLiteral(res)
					case rs[0].typ == "aws_kms_key":
						for _, a := range j.resources("aws_kms_alias") {
							if isRefTo(a["target_key_id"], false, "aws_kms_key", rs[0].name) || strings.Contains(fmt.Sprint(a["target_key_id"]), "aws_kms_key."+rs[0].name+".") {
								name = "key:" + strings.TrimPrefix(a["name"].(string), "alias/")
							}
						}
					case rs[0].data && rs[0].typ == "aws_ssm_parameter":
						name = strings.Replace(res, rs[0].expression, j.ssmName(rs[0]), 1)
					}
				}
				for _, a := range stringList(st["actions"]) {
					out[a+" "+name] = true
				}
			}
		}
	}
	return out
}

func serviceAccount(j tfJSON, name string) map[string]any {
	for _, sa := range j.resources("kubernetes_service_account_v1") {
		if sa["metadata"].(map[string]any)["name"] == name {
			return sa
		}
	}
	return nil
}

// firstStatement returns the first statement of the app's permissions.
func firstStatement(j tfJSON, app string) map[string]any {
	for addr, doc := range j.data("aws_iam_policy_document") {
		if strings.HasPrefix(addr, app+"_permissions") {
			return asList(doc["statement"])[0].(map[string]any)
		}
	}
	panic("no permissions document for " + app)
}

func clientNames(all []clients.Client) []string {
	var out []string
	for _, c := range all {
		out = append(out, c.Name)
	}
	return out
}

// set adds or replaces kind.typ.name (kind is "resource" or "data").
func (j tfJSON) set(kind, typ, name string, v map[string]any) {
	byType, _ := j[kind].(map[string]any)
	all, _ := byType[typ].(map[string]any)
	all[name] = v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// mustList is v as a list of at least min elements (what), failing the
// test otherwise: a loop over its elements must not check nothing.
func mustList(t *testing.T, v any, what string, min int) []any {
	t.Helper()
	l := asList(v)
	if len(l) < min {
		t.Fatalf("%d %s, want at least %d", len(l), what, min)
	}
	return l
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case tfJSON:
		return deepCopy(map[string]any(v))
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func containsSuffix(list []string, suffix string) bool {
	for _, v := range list {
		if strings.HasSuffix(v, suffix) {
			return true
		}
	}
	return false
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
