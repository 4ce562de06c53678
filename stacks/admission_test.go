package stacks

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/ext"

	"stratum/config"
	"stratum/constructs/lbcontroller"
	"stratum/constructs/namespace"
	"stratum/contract"
)

// admission is a ValidatingAdmissionPolicy of a stack with its binding.
type admission struct {
	spec, binding map[string]any
	// programs are the validations compiled, by environment and
	// expression: a test evaluates each policy on many requests.
	programs map[programKey]cel.Program
}

type programKey struct {
	env  *cel.Env
	expr string
}

// admissionPolicies are the stack's ValidatingAdmissionPolicies by name,
// with their bindings.
func admissionPolicies(j tfJSON) map[string]*admission {
	out := map[string]*admission{}
	for _, m := range j.resources("kubernetes_manifest") {
		mf := jsonObject(m["manifest"])
		name := fmt.Sprint(jsonObject(mf["metadata"])["name"])
		if out[name] == nil {
			out[name] = &admission{}
		}
		switch mf["kind"] {
		case "ValidatingAdmissionPolicy":
			out[name].spec = jsonObject(mf["spec"])
		case "ValidatingAdmissionPolicyBinding":
			out[name].binding = jsonObject(mf["spec"])
		}
	}
	return out
}

// celEnv is the part of the API server's CEL environment the policies
// use: the object, the old object and the request as dynamic values, and
// the Kubernetes strings library (split, trim, lowerAscii).
func celEnv(t *testing.T) *cel.Env {
	t.Helper()
	env, err := cel.NewEnv(
		cel.Variable("object", cel.DynType), cel.Variable("oldObject", cel.DynType), cel.Variable("request", cel.DynType),
		ext.Strings(ext.StringsVersion(2)),
	)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// admits evaluates every validation of the policy on the request: true
// when all pass. An expression that does not compile or fails to
// evaluate fails the test (the API server would refuse the request, or
// the policy).
func (a *admission) admits(t *testing.T, env *cel.Env, vars map[string]any) bool {
	t.Helper()
	ok := true
	for _, v := range jsonList(a.spec["validations"]) {
		expr := fmt.Sprint(jsonObject(v)["expression"])
		prg, compiled := a.programs[programKey{env, expr}]
		if !compiled {
			ast, issues := env.Compile(expr)
			if issues.Err() != nil {
				t.Fatalf("%s: %v", expr, issues.Err())
			}
			var err error
			if prg, err = env.Program(ast); err != nil {
				t.Fatalf("%s: %v", expr, err)
			}
			if a.programs == nil {
				a.programs = map[programKey]cel.Program{}
			}
			a.programs[programKey{env, expr}] = prg
		}
		out, _, err := prg.Eval(vars)
		if err != nil {
			t.Fatalf("%s on %v: %v", expr, vars, err)
		}
		if out.Value() != true {
			ok = false
		}
	}
	return ok
}

// TestClientHostnamesAndLoadBalancers: each client namespace's admission
// policies, evaluated as the API server would, let the client's Ingresses
// and Services claim its own subdomain (<client>.<env domain>) and the
// names under it and nothing else, join only its own IngressGroups, and
// choose no security group; only the load balancer controller makes its
// TargetGroupBindings. Each policy matches the client's namespace only
// and is bound to deny. The quota caps Services of type LoadBalancer, and
// the client's configuration publishes its subdomain.
func TestClientHostnamesAndLoadBalancers(t *testing.T) {
	env := celEnv(t)
	// The user the policies let make TargetGroupBindings is the one the
	// controller runs as.
	eachStackOf(t, defaultSynth(t), contract.Services, func(t *testing.T, _ config.Environment, j tfJSON) {
		var found bool
		for _, sa := range j.resources("kubernetes_service_account_v1") {
			md := jsonObject(sa["metadata"])
			found = found || fmt.Sprintf("system:serviceaccount:%s:%s", md["namespace"], md["name"]) == lbcontroller.DefaultUser
		}
		if !found {
			t.Errorf("no service account %s: the load balancer controller runs as another user", lbcontroller.DefaultUser)
		}
	})
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, ns, own := cs.j, cs.t.Names.Namespace, cs.t.Domain
		if want := cs.client.Name + "." + cs.env.Domain; own != want {
			t.Fatalf("subdomain %s, want %s", own, want)
		}
		other := "other." + cs.env.Domain // another client's, or the platform's
		policies := admissionPolicies(j)
		rules := map[string]string{
			"ingress-hostnames":     "[map[apiGroups:[networking.k8s.io] apiVersions:[v1] operations:[CREATE UPDATE] resources:[ingresses]]]",
			"service-hostnames":     "[map[apiGroups:[] apiVersions:[v1] operations:[CREATE UPDATE] resources:[services]]]",
			"target-group-bindings": "[map[apiGroups:[elbv2.k8s.aws] apiVersions:[*] operations:[CREATE UPDATE] resources:[targetgroupbindings]]]",
			"node-selector":         "[map[apiGroups:[] apiVersions:[v1] operations:[CREATE] resources:[pods]]]",
		}
		get := func(suffix string) *admission {
			name := "namespace-" + ns + "-" + suffix
			a := policies[name]
			if a == nil || a.spec == nil || a.binding == nil {
				t.Fatalf("no ValidatingAdmissionPolicy %s with its binding; have %v", name, slices.Sorted(maps.Keys(policies)))
			}
			match := jsonObject(a.spec["matchConstraints"])
			if sel := jsonObject(match["namespaceSelector"])["matchLabels"]; !reflect.DeepEqual(sel, map[string]any{"kubernetes.io/metadata.name": ns}) {
				t.Errorf("%s matches namespaces %v, want %s only", name, sel, ns)
			}
			if got := fmt.Sprint(match["resourceRules"]); got != rules[suffix] {
				t.Errorf("%s matches %s, want %s", name, got, rules[suffix])
			}
			if a.spec["failurePolicy"] != "Fail" || a.binding["policyName"] != name || !reflect.DeepEqual(a.binding["validationActions"], []any{"Deny"}) {
				t.Errorf("%s: failurePolicy %v, binding %v; want Fail and a binding that denies", name, a.spec["failurePolicy"], a.binding)
			}
			return a
		}
		tgARN := "arn:aws:elasticloadbalancing:" + cs.env.Region + ":123456789012:targetgroup/k8s-other-web-0123456789/0123456789abcdef"
		ingress := func(annotations map[string]any, spec map[string]any) map[string]any {
			return map[string]any{"object": map[string]any{"metadata": map[string]any{"annotations": annotations}, "spec": spec}}
		}
		hosts := func(hs ...string) map[string]any {
			var rs []any
			for _, h := range hs {
				rs = append(rs, map[string]any{"host": h})
			}
			return map[string]any{"rules": rs}
		}
		tls := func(hs ...any) map[string]any { return map[string]any{"tls": []any{map[string]any{"hosts": hs}}} }
		annotated := func(k, v string) map[string]any { return map[string]any{k: v} }

		ing := get("ingress-hostnames")
		for _, tc := range []struct {
			name string
			req  map[string]any
			want bool
		}{
			{"own subdomain", ingress(nil, hosts(own)), true},
			{"a name under it", ingress(nil, hosts("www."+own, "*."+own)), true},
			{"a rule without host", ingress(nil, map[string]any{"rules": []any{map[string]any{"http": map[string]any{}}}}), true},
			{"own TLS hosts", ingress(nil, tls(own, "api."+own)), true},
			{"own hostname annotation", ingress(annotated(namespace.HostnameAnnotation, "a."+own+", B."+own), nil), true},
			{"own IngressGroup", ingress(annotated(namespace.GroupNameAnnotation, ns), nil), true},
			{"a named own IngressGroup", ingress(annotated(namespace.GroupNameAnnotation, ns+".public"), nil), true},
			{"other annotations", ingress(annotated("alb.ingress.kubernetes.io/scheme", "internet-facing"), hosts(own)), true},
			{"another's host", ingress(nil, hosts(own, "www."+other)), false},
			{"the environment's apex", ingress(nil, hosts(cs.env.Domain)), false},
			{"a name ending like its own", ingress(nil, hosts("x"+own)), false},
			{"another's TLS host", ingress(nil, tls("www."+other)), false},
			{"another's hostname annotation", ingress(annotated(namespace.HostnameAnnotation, "a."+own+",b."+other), nil), false},
			{"another's internal hostname", ingress(annotated(namespace.InternalHostnameAnnotation, other), nil), false},
			{"another's IngressGroup", ingress(annotated(namespace.GroupNameAnnotation, "other"), nil), false},
			{"an IngressGroup extending its name", ingress(annotated(namespace.GroupNameAnnotation, ns+"-labs"), nil), false},
			{"chosen security groups", ingress(annotated(namespace.IngressSecurityGroupsAnnotation, "sg-0123456789abcdef0"), nil), false},
			{"an action forwarding to its Services", ingress(annotated(namespace.ActionsAnnotationPrefix+"split", `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80,"weight":90},{"serviceName":"canary","servicePort":80,"weight":10}]}}`), nil), true},
			{"a redirect action", ingress(annotated(namespace.ActionsAnnotationPrefix+"ssl-redirect", `{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}`), nil), true},
			{"an action forwarding to a target group ARN", ingress(annotated(namespace.ActionsAnnotationPrefix+"x", `{"type":"forward","targetGroupARN":"`+tgARN+`"}`), nil), false},
			{"an action forwarding to a target group ARN in forwardConfig", ingress(annotated(namespace.ActionsAnnotationPrefix+"x", `{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupARN":"`+tgARN+`"}]}}`), nil), false},
			{"an action forwarding to a target group by name", ingress(annotated(namespace.ActionsAnnotationPrefix+"x", `{"type":"forward","targetGroupName":"k8s-other-web-0123456789"}`), nil), false},
			{"an action with the legacy targetGroupArn key", ingress(annotated(namespace.ActionsAnnotationPrefix+"x", `{"Type":"forward","TargetGroupArn":"`+tgARN+`"}`), nil), false},
			{"an action with a \\u escape", ingress(annotated(namespace.ActionsAnnotationPrefix+"x", `{"type":"forward","\u0074argetGroupARN":"`+tgARN+`"}`), nil), false},
			{"conditions on a header and a path", ingress(annotated(namespace.ConditionsAnnotationPrefix+"web", `[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["1"]}},{"field":"path-pattern","pathPatternConfig":{"values":["/api/*"]}}]`), nil), true},
			{"a host-header condition", ingress(annotated(namespace.ConditionsAnnotationPrefix+"web", `[{"field":"host-header","hostHeaderConfig":{"values":["`+own+`"]}}]`), nil), false},
			{"a host-header condition keyed with a long s", ingress(annotated(namespace.ConditionsAnnotationPrefix+"web", `[{"field":"host-header","ho`+"\u017f"+`tHeaderConfig":{"values":["`+other+`"]}}]`), nil), false},
			{"a host-header condition in another case", ingress(annotated(namespace.ConditionsAnnotationPrefix+"web", `[{"field":"host-header","HostHeaderConfig":{"values":["`+other+`"]}}]`), nil), false},
		} {
			t.Run("Ingress/"+tc.name, func(t *testing.T) {
				if got := ing.admits(t, env, tc.req); got != tc.want {
					t.Errorf("admitted %t, want %t: %v", got, tc.want, tc.req)
				}
			})
		}
		svc := get("service-hostnames")
		for _, tc := range []struct {
			name string
			req  map[string]any
			want bool
		}{
			{"no annotation", ingress(nil, map[string]any{"type": "LoadBalancer"}), true},
			{"own hostname", ingress(annotated(namespace.HostnameAnnotation, "nlb."+own), nil), true},
			{"another's hostname", ingress(annotated(namespace.HostnameAnnotation, other), nil), false},
			{"chosen security groups", ingress(annotated(namespace.ServiceSecurityGroupsAnnotation, "sg-0123456789abcdef0"), nil), false},
		} {
			t.Run("Service/"+tc.name, func(t *testing.T) {
				if got := svc.admits(t, env, tc.req); got != tc.want {
					t.Errorf("admitted %t, want %t: %v", got, tc.want, tc.req)
				}
			})
		}
		tgb := get("target-group-bindings")
		binding := func(arn string) map[string]any {
			return map[string]any{"spec": map[string]any{"targetGroupARN": arn, "serviceRef": map[string]any{"name": "web", "port": 80}}}
		}
		for _, tc := range []struct {
			name, user, op string
			old, new       map[string]any
			want           bool
		}{
			{"created by the controller", lbcontroller.DefaultUser, "CREATE", nil, binding("tg-1"), true},
			{"changed by the controller", lbcontroller.DefaultUser, "UPDATE", binding("tg-1"), binding("tg-2"), true},
			{"metadata changed by another", "system:serviceaccount:kube-system:generic-garbage-collector", "UPDATE", binding("tg-1"), binding("tg-1"), true},
			{"created by another", "system:serviceaccount:" + ns + ":deployer", "CREATE", nil, binding("tg-1"), false},
			{"retargeted by another", "alice", "UPDATE", binding("tg-1"), binding("tg-other"), false},
		} {
			t.Run("TargetGroupBinding/"+tc.name, func(t *testing.T) {
				vars := map[string]any{"object": tc.new, "oldObject": tc.old,
					"request": map[string]any{"operation": tc.op, "userInfo": map[string]any{"username": tc.user}}}
				if got := tgb.admits(t, env, vars); got != tc.want {
					t.Errorf("admitted %t, want %t", got, tc.want)
				}
			})
		}

		placement := get("node-selector")
		selector := map[string]any{ClientNodeKey: cs.client.Name}
		toleration := func(key, op, value, effect string) map[string]any {
			tl := map[string]any{}
			for k, v := range map[string]string{"key": key, "operator": op, "value": value, "effect": effect} {
				if v != "" {
					tl[k] = v
				}
			}
			return tl
		}
		podOf := func(sel map[string]any, tolerations ...any) map[string]any {
			spec := map[string]any{}
			if sel != nil {
				spec["nodeSelector"] = sel
			}
			if tolerations != nil {
				spec["tolerations"] = tolerations
			}
			return map[string]any{"object": map[string]any{"spec": spec}}
		}
		for _, tc := range []struct {
			name string
			req  map[string]any
			want bool
		}{
			{"its selector and toleration", podOf(selector, toleration(ClientNodeKey, "Equal", cs.client.Name, "NoSchedule")), true},
			{"a toleration without operator or effect", podOf(selector, toleration(ClientNodeKey, "", cs.client.Name, "")), true},
			{"a toleration of the key, any value", podOf(selector, toleration(ClientNodeKey, "Exists", "", "NoSchedule")), true},
			{"a toleration of every taint", podOf(selector, toleration("", "Exists", "", "")), true},
			{"no selector", podOf(nil, toleration(ClientNodeKey, "Equal", cs.client.Name, "NoSchedule")), false},
			{"another's selector", podOf(map[string]any{ClientNodeKey: "other"}, toleration(ClientNodeKey, "Equal", "other", "NoSchedule")), false},
			{"no toleration", podOf(selector), false},
			{"another's toleration", podOf(selector, toleration(ClientNodeKey, "Equal", "other", "NoSchedule")), false},
			{"a toleration of another effect", podOf(selector, toleration(ClientNodeKey, "Equal", cs.client.Name, "NoExecute")), false},
			{"a toleration of another key", podOf(selector, toleration("dedicated", "Exists", "", "")), false},
		} {
			t.Run("Pod/"+tc.name, func(t *testing.T) {
				if got := placement.admits(t, env, tc.req); got != tc.want {
					t.Errorf("admitted %t, want %t: %v", got, tc.want, tc.req)
				}
			})
		}

		for _, rq := range j.exactly(t, 1, "kubernetes_resource_quota_v1") {
			hard := jsonObject(rq["spec"])["hard"].(map[string]any)
			if want := fmt.Sprint(cs.t.Quota.LoadBalancers); hard["services.loadbalancers"] != want {
				t.Errorf("quota services.loadbalancers %v, want %s", hard["services.loadbalancers"], want)
			}
		}
		var published bool
		for _, p := range j.resources("aws_ssm_parameter") {
			if p["name"] == "/stratum/"+cs.env.Name+"/clients/"+cs.client.Name+"/dns/domain" {
				published = p["insecure_value"] == own
			}
		}
		if !published {
			t.Errorf("the client's configuration does not publish its subdomain %s", own)
		}
	})
}
