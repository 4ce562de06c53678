package kubecheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stack wraps resources (TYPE -> NAME -> config, as cdktf writes them)
// in a cdk.tf.json.
func stack(t *testing.T, resources string) []byte {
	t.Helper()
	raw := []byte(`{"resource": ` + resources + `}`)
	if !json.Valid(raw) {
		t.Fatalf("invalid test stack: %s", raw)
	}
	return raw
}

// fakeLookup resolves the non-Kubernetes references of the tests, and
// Kubernetes ones from the configured literal, like tfcheck's Resolver.
func fakeLookup(values map[string]string) Lookup {
	return func(expr string) (string, error) {
		if v, ok := values[expr]; ok {
			return v, nil
		}
		return "", fmt.Errorf("no value")
	}
}

func TestTranslate(t *testing.T) {
	cases := []struct {
		name, resources string
		values          map[string]string
		want            map[string]string // address -> API object (JSON)
		deps            map[string][]string
	}{
		{
			name: "namespace, and a namespaced object's default namespace",
			resources: `{
				"kubernetes_namespace_v1": {"ns": {"metadata": {"name": "acme", "labels": {"a": "b"}, "annotations": {}}}},
				"kubernetes_limit_range_v1": {"lr": {"metadata": {"name": "lr"}, "spec": {"limit": [{"type": "Container", "default_request": {"cpu": "100m"}}]}}}
			}`,
			want: map[string]string{
				"kubernetes_namespace_v1.ns":   `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"acme","labels":{"a":"b"}}}`,
				"kubernetes_limit_range_v1.lr": `{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"lr","namespace":"default"},"spec":{"limits":[{"type":"Container","defaultRequest":{"cpu":"100m"}}]}}`,
			},
		},
		{
			name: "quota, references to the namespace and to an AWS role",
			resources: `{
				"kubernetes_namespace_v1": {"ns": {"metadata": {"name": "acme"}}},
				"kubernetes_resource_quota_v1": {"q": {"metadata": {"name": "tenant", "namespace": "${kubernetes_namespace_v1.ns.metadata[0].name}"}, "spec": {"hard": {"pods": "10", "requests.cpu": 4}}}},
				"kubernetes_service_account_v1": {"sa": {
					"metadata": {"name": "api", "namespace": "${kubernetes_namespace_v1.ns.metadata[0].name}", "annotations": {"eks.amazonaws.com/role-arn": "${aws_iam_role.api.arn}"}},
					"depends_on": ["kubernetes_resource_quota_v1.q", "aws_iam_role.api"]
				}}
			}`,
			values: map[string]string{
				"kubernetes_namespace_v1.ns.metadata[0].name": "acme",
				"aws_iam_role.api.arn":                        "arn:aws:iam::123456789012:role/api",
			},
			want: map[string]string{
				"kubernetes_namespace_v1.ns":       `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"acme"}}`,
				"kubernetes_resource_quota_v1.q":   `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"tenant","namespace":"acme"},"spec":{"hard":{"pods":"10","requests.cpu":"4"}}}`,
				"kubernetes_service_account_v1.sa": `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"api","namespace":"acme","annotations":{"eks.amazonaws.com/role-arn":"arn:aws:iam::123456789012:role/api"}},"automountServiceAccountToken":true}`,
			},
			deps: map[string][]string{
				"kubernetes_resource_quota_v1.q":   {"kubernetes_namespace_v1.ns"},
				"kubernetes_service_account_v1.sa": {"kubernetes_namespace_v1.ns", "kubernetes_resource_quota_v1.q"},
			},
		},
		{
			name: "network policy: ports as integers or names, empty rules, selectors",
			resources: `{"kubernetes_network_policy_v1": {"np": {"metadata": {"name": "p", "namespace": "acme"}, "spec": {
				"pod_selector": {},
				"policy_types": ["Ingress", "Egress"],
				"ingress": [{"from": [{"pod_selector": {}}], "ports": [{"port": "8080", "protocol": "TCP"}, {"port": "http"}]}],
				"egress": [{"to": [{"ip_block": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}, {"namespace_selector": {"match_labels": {"k": "v"}}, "pod_selector": {"match_labels": {"app": "dns"}}}]}, {}]
			}}}}`,
			want: map[string]string{
				"kubernetes_network_policy_v1.np": `{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"acme"},"spec":{
					"podSelector":{},"policyTypes":["Ingress","Egress"],
					"ingress":[{"from":[{"podSelector":{}}],"ports":[{"port":8080,"protocol":"TCP"},{"port":"http"}]}],
					"egress":[{"to":[{"ipBlock":{"cidr":"0.0.0.0/0","except":["10.0.0.0/8"]}},{"namespaceSelector":{"matchLabels":{"k":"v"}},"podSelector":{"matchLabels":{"app":"dns"}}}]},{}]}}`,
			},
		},
		{
			name: "service account and storage class defaults",
			resources: `{
				"kubernetes_service_account_v1": {"sa": {"metadata": {"name": "x", "namespace": "kube-system"}, "automount_service_account_token": false}},
				"kubernetes_storage_class_v1": {"sc": {"metadata": {"name": "gp3"}, "storage_provisioner": "ebs.csi.aws.com", "parameters": {"kmsKeyId": "${data.aws_ssm_parameter.key.insecure_value}"}}}
			}`,
			values: map[string]string{"data.aws_ssm_parameter.key.insecure_value": "arn:aws:kms:us-east-1:123456789012:key/k"},
			want: map[string]string{
				"kubernetes_service_account_v1.sa": `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"x","namespace":"kube-system"},"automountServiceAccountToken":false}`,
				"kubernetes_storage_class_v1.sc":   `{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"gp3"},"provisioner":"ebs.csi.aws.com","reclaimPolicy":"Delete","volumeBindingMode":"Immediate","allowVolumeExpansion":true,"parameters":{"kmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/k"}}`,
			},
		},
		{
			name: "manifest sent as written, nulls removed, its depends_on kept",
			resources: `{"kubernetes_manifest": {
				"policy": {"manifest": {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p", "labels": null}, "spec": {"failurePolicy": "Fail", "validations": [{"expression": "true"}, null]}}},
				"binding": {"manifest": {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "p"}, "spec": {"policyName": "p"}}, "depends_on": ["kubernetes_manifest.policy"]}
			}}`,
			want: map[string]string{
				"kubernetes_manifest.policy":  `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicy","metadata":{"name":"p"},"spec":{"failurePolicy":"Fail","validations":[{"expression":"true"}]}}`,
				"kubernetes_manifest.binding": `{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingAdmissionPolicyBinding","metadata":{"name":"p"},"spec":{"policyName":"p"}}`,
			},
			deps: map[string][]string{"kubernetes_manifest.binding": {"kubernetes_manifest.policy"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, err := Translate(stack(t, c.resources), fakeLookup(c.values))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			deps := map[string][]string{}
			for _, o := range tr.Objects {
				got[o.Address] = o.Body
				if len(o.DependsOn) > 0 {
					deps[o.Address] = o.DependsOn
				}
				if want := strings.HasPrefix(o.Address, "kubernetes_manifest."); o.Apply != want || want && o.FieldManager == "" {
					t.Errorf("%s: Apply %t as %q, want %t", o.Address, o.Apply, o.FieldManager, want)
				}
			}
			want := map[string]any{}
			for addr, js := range c.want {
				var v any
				if err := json.Unmarshal([]byte(js), &v); err != nil {
					t.Fatalf("%s: %v", addr, err)
				}
				want[addr] = v
			}
			// Compare as JSON, the way the objects are sent.
			gotJSON, _ := json.Marshal(got)
			var gotBack any
			json.Unmarshal(gotJSON, &gotBack)
			if diff := cmp.Diff(any(want), gotBack); diff != "" {
				t.Errorf("objects (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.deps, deps, cmp.Comparer(func(a, b map[string][]string) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); len(c.deps)+len(deps) > 0 && diff != "" {
				t.Errorf("dependencies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTranslateFieldManager(t *testing.T) {
	tr, err := Translate(stack(t, `{"kubernetes_manifest": {
		"default": {"manifest": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}}},
		"named": {"manifest": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "x"}}, "field_manager": {"name": "platform", "force_conflicts": true}}
	}}`), fakeLookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range tr.Objects {
		got = append(got, fmt.Sprintf("%s %s %t", o.Address, o.FieldManager, o.Force))
	}
	if want := "[kubernetes_manifest.default Terraform false kubernetes_manifest.named platform true]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestTranslateLeavesOutHelm(t *testing.T) {
	tr, err := Translate(stack(t, `{"helm_release": {"a": {"chart": "x"}, "b": {"chart": "y"}}, "aws_s3_bucket": {"b": {"bucket": "x"}}}`), fakeLookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Objects) != 0 || tr.LeftOut["helm_release"] != 2 {
		t.Errorf("objects %v, left out %v; want none and helm_release 2", tr.Objects, tr.LeftOut)
	}
}

func TestTranslateErrors(t *testing.T) {
	cases := []struct{ name, resources, want string }{
		{"a type without translation", `{"kubernetes_deployment_v1": {"d": {"metadata": {"name": "d"}}}}`, "kubernetes_deployment_v1: no translation"},
		{"an unresolvable reference", `{"kubernetes_namespace_v1": {"ns": {"metadata": {"name": "${aws_x.y.name}"}}}}`, "kubernetes_namespace_v1.ns: ${aws_x.y.name}: no value"},
		{"a reference to a missing Kubernetes block", `{"kubernetes_service_account_v1": {"sa": {"metadata": {"name": "a", "namespace": "${kubernetes_namespace_v1.gone.metadata[0].name}"}}}}`, "declares no Kubernetes object kubernetes_namespace_v1.gone"},
		{"a pod limit with a default request", `{"kubernetes_limit_range_v1": {"lr": {"metadata": {"name": "l"}, "spec": {"limit": [{"type": "Pod", "default_request": {"cpu": "1"}}]}}}}`, "cannot be set for Pod limit"},
		{"a manifest without manifest", `{"kubernetes_manifest": {"m": {"field_manager": {}}}}`, "kubernetes_manifest.m: no manifest"},
		{"a network policy without spec", `{"kubernetes_network_policy_v1": {"np": {"metadata": {"name": "p"}}}}`, "kubernetes_network_policy_v1.np: failed to expand NetworkPolicy.Spec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Translate(stack(t, c.resources), fakeLookup(nil))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
	raw := []byte(`{"data": {"kubernetes_namespace_v1": {"x": {"metadata": {"name": "a"}}}}}`)
	if _, err := Translate(raw, fakeLookup(nil)); err == nil || !strings.Contains(err.Error(), "data source kubernetes_namespace_v1") {
		t.Errorf("data source: got %v, want an error naming it", err)
	}
}

func TestOrder(t *testing.T) {
	ns := Object{Address: "kubernetes_namespace_v1.ns", Body: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "acme"}}}
	in := func(addr string, deps ...string) Object {
		return Object{Address: addr, DependsOn: deps, Body: map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "x", "namespace": "acme"}}}
	}
	// b depends on a through c: the order follows the graph, not names.
	objs, problems := order([]Object{in("kubernetes_service_account_v1.a", "kubernetes_service_account_v1.c"), in("kubernetes_service_account_v1.c", ns.Address), ns})
	var got []string
	for _, o := range objs {
		got = append(got, o.Address)
	}
	if want := []string{ns.Address, "kubernetes_service_account_v1.c", "kubernetes_service_account_v1.a"}; fmt.Sprint(got) != fmt.Sprint(want) || len(problems) != 0 {
		t.Errorf("order %v, problems %v; want %v and none", got, problems, want)
	}
	// An object in the stack's namespace that does not wait for it.
	_, problems = order([]Object{ns, in("kubernetes_service_account_v1.racy")})
	if len(problems) != 1 || problems[0].addr != "kubernetes_service_account_v1.racy" || !strings.Contains(problems[0].msg, "Terraform may create it first") {
		t.Errorf("problems %v, want the racy service account", problems)
	}
	_, problems = order([]Object{ns, in("kubernetes_service_account_v1.x", "kubernetes_service_account_v1.y"), in("kubernetes_service_account_v1.y", "kubernetes_service_account_v1.x", ns.Address)})
	if len(problems) != 2 || !strings.Contains(problems[0].msg, "cycle") {
		t.Errorf("problems %v, want the two objects of the cycle", problems)
	}
}
