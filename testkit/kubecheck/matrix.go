package kubecheck

import (
	"fmt"
	"strconv"
)

// Tenant is one client's namespace in an environment: what the isolation
// matrix builds its requests from.
type Tenant struct {
	Client, Namespace string
	// Domain is the DNS name the client's Ingresses and Services may
	// claim, and EnvDomain the environment's (the apex, nobody's).
	Domain, EnvDomain string
	// NodeSelector and Tolerations put a pod on the client's nodes: the
	// selector the client's stack publishes (node-group/selector) and the
	// taints of its node group.
	NodeSelector map[string]string
	Tolerations  []any
	// LoadBalancers is the client's quota of Services of type
	// LoadBalancer.
	LoadBalancers int
	// TargetGroupARN is a target group of the client's, named the way the
	// load balancer controller names the ones it makes.
	TargetGroupARN, TargetGroupName string
}

// Verdict is the server's expected answer to a request.
type Verdict struct {
	Admit bool
	// Policy is the namespace's ValidatingAdmissionPolicy that must refuse
	// the request (namespace-<namespace>-<Policy>).
	Policy string
	// Quota is the resource the namespace's quota must refuse it for.
	Quota string
	// PodSecurity is the Pod Security Standards level that must refuse
	// it (the namespace's enforce label).
	PodSecurity string
}

func admitted() Verdict                 { return Verdict{Admit: true} }
func deniedBy(policy string) Verdict    { return Verdict{Policy: policy} }
func overQuota(resource string) Verdict { return Verdict{Quota: resource} }
func podSecurity(level string) Verdict  { return Verdict{PodSecurity: level} }

func (v Verdict) String() string {
	switch {
	case v.Admit:
		return "admitted"
	case v.Quota != "":
		return "refused by the quota (" + v.Quota + ")"
	case v.PodSecurity != "":
		return "refused by Pod Security " + v.PodSecurity
	}
	return "refused by policy " + v.Policy
}

// The namespace policies the matrix expects (constructs/namespace).
const (
	policyIngress    = "ingress-hostnames"
	policyService    = "service-hostnames"
	policyBindings   = "target-group-bindings"
	policyPlacement  = "node-selector"
	quotaName        = "tenant"
	actionsPrefix    = "alb.ingress.kubernetes.io/actions."
	conditionsPrefix = "alb.ingress.kubernetes.io/conditions."
)

// actor is who makes a request.
type actor int

const (
	tenantUser actor = iota // a deployer of the namespace's client
	controller              // the AWS Load Balancer Controller
)

// Request is one object the matrix sends.
type Request struct {
	Object map[string]any
	// Before, when set, is created first by the controller and Object
	// then replaces it: the request is an update.
	Before map[string]any
	// InOthers sends the request into the other client's namespace.
	InOthers bool
}

// Row is one line of the matrix: a request, who makes it, and the
// verdict. A Pair row runs for every ordered pair of clients of the
// environment (the request is made in the first client's namespace and
// names the second's hosts, groups, target groups or nodes); the others
// run once per client.
type Row struct {
	Name string
	Pair bool
	By   actor
	Make func(own, other Tenant) []Request
	Want Verdict
}

// Matrix is every request the isolation matrix makes and what the server
// must answer. Admitted rows are there so that the matrix cannot pass by
// refusing everything: a client's own names, groups, Services and nodes
// must work.
var Matrix = []Row{
	// Ingress: names, groups, security groups.
	{Name: "Ingress for its own host", Make: one(func(o, _ Tenant) map[string]any { return ingress(nil, hosts(o.Domain)) }), Want: admitted()},
	{Name: "Ingress for names under its host, a wildcard too", Make: one(func(o, _ Tenant) map[string]any { return ingress(nil, hosts("www."+o.Domain, "*."+o.Domain)) }), Want: admitted()},
	{Name: "Ingress with its own TLS hosts", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(nil, withTLS(hosts(o.Domain), o.Domain, "api."+o.Domain))
	}), Want: admitted()},
	{Name: "Ingress with its own ExternalDNS names", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{hostnameAnnotation: "a." + o.Domain + ", B." + o.Domain, internalHostnameAnnotation: "int." + o.Domain}, hosts(o.Domain))
	}), Want: admitted()},
	{Name: "Ingress in its own IngressGroup", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{groupAnnotation: o.Namespace}, hosts(o.Domain))
	}), Want: admitted()},
	{Name: "Ingress in a named IngressGroup of its own", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{groupAnnotation: o.Namespace + ".public"}, hosts(o.Domain))
	}), Want: admitted()},
	{Name: "Ingress forwarding through actions.* to its own Services", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "weighted": `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":"80","weight":90},{"serviceName":"web-canary","servicePort":80,"weight":10}]}}`}, useAnnotation(o.Domain, "weighted"))
	}), Want: admitted()},
	{Name: "Ingress with fixed-response and redirect actions.*", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{
			actionsPrefix + "maintenance":  `{"type":"fixed-response","fixedResponseConfig":{"contentType":"text/plain","statusCode":"503","messageBody":"back soon"}}`,
			actionsPrefix + "ssl-redirect": `{"type":"redirect","redirectConfig":{"protocol":"HTTPS","port":"443","statusCode":"HTTP_301"}}`,
		}, useAnnotation(o.Domain, "maintenance"))
	}), Want: admitted()},
	{Name: "Ingress with conditions.* on a header, a method, a path, a query and a source range", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{conditionsPrefix + "web": `[{"field":"http-header","httpHeaderConfig":{"httpHeaderName":"X-Canary","values":["1"]}},{"field":"http-request-method","httpRequestMethodConfig":{"values":["GET"]}},{"field":"path-pattern","pathPatternConfig":{"values":["/api/*"]}},{"field":"query-string","queryStringConfig":{"values":[{"key":"v","value":"2"}]}},{"field":"source-ip","sourceIPConfig":{"values":["10.0.0.0/8"]}}]`}, hosts(o.Domain))
	}), Want: admitted()},
	{Name: "Ingress for the environment's apex", Make: one(func(o, _ Tenant) map[string]any { return ingress(nil, hosts(o.EnvDomain)) }), Want: deniedBy(policyIngress)},
	{Name: "Ingress for a name ending like its own", Make: one(func(o, _ Tenant) map[string]any { return ingress(nil, hosts("x"+o.Domain)) }), Want: deniedBy(policyIngress)},
	{Name: "Ingress in an IngressGroup extending its name", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{groupAnnotation: o.Namespace + "-labs"}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress choosing its load balancer's security groups", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{"alb.ingress.kubernetes.io/security-groups": "sg-0123456789abcdef0"}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	// A target group ARN says nothing the policy can check about whose it
	// is: no forward by ARN or name, not even to the client's own.
	{Name: "Ingress forwarding through actions.* to a target group ARN of its own", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "tg": `{"type":"forward","targetGroupARN":"` + o.TargetGroupARN + `"}`}, useAnnotation(o.Domain, "tg"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress forwarding through actions.* with a \\u-escaped key", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "tg": `{"type":"forward","\u0074argetGroupARN":"` + o.TargetGroupARN + `"}`}, useAnnotation(o.Domain, "tg"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress with a host-header condition in conditions.*, its own host too", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{conditionsPrefix + "web": `[{"field":"host-header","hostHeaderConfig":{"values":["` + o.Domain + `"]}}]`}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	// Go's encoding/json matches keys by Unicode case folding: the long
	// s and the Kelvin sign spell s and k.
	{Name: "Ingress with a host-header condition keyed with a long s", Make: one(func(o, _ Tenant) map[string]any {
		return ingress(map[string]any{conditionsPrefix + "web": `[{"field":"host-header","ho` + "ſ" + `tHeaderConfig":{"values":["` + o.Domain + `"]}}]`}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress for the other's host", Pair: true, Make: one(func(_, x Tenant) map[string]any { return ingress(nil, hosts(x.Domain)) }), Want: deniedBy(policyIngress)},
	{Name: "Ingress for a name under the other's host", Pair: true, Make: one(func(o, x Tenant) map[string]any { return ingress(nil, hosts(o.Domain, "www."+x.Domain)) }), Want: deniedBy(policyIngress)},
	{Name: "Ingress with the other's TLS host", Pair: true, Make: one(func(o, x Tenant) map[string]any { return ingress(nil, withTLS(hosts(o.Domain), "www."+x.Domain)) }), Want: deniedBy(policyIngress)},
	{Name: "Ingress in the other's IngressGroup", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{groupAnnotation: x.Namespace}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress in a named IngressGroup of the other's", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{groupAnnotation: x.Namespace + ".public"}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress with the other's ExternalDNS hostname", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{hostnameAnnotation: "a." + o.Domain + ",b." + x.Domain}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress with the other's ExternalDNS internal hostname", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{internalHostnameAnnotation: x.Domain}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress forwarding through actions.* to the other's target group ARN", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "steal": `{"type":"forward","targetGroupARN":"` + x.TargetGroupARN + `"}`}, useAnnotation(o.Domain, "steal"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress forwarding through actions.* forwardConfig to the other's target group ARN", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "steal": `{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"web","servicePort":80,"weight":1},{"targetGroupARN":"` + x.TargetGroupARN + `","weight":99}]}}`}, useAnnotation(o.Domain, "steal"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress forwarding through actions.* to the other's target group by name", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "steal": `{"type":"forward","forwardConfig":{"targetGroups":[{"targetGroupName":"` + x.TargetGroupName + `"}]}}`}, useAnnotation(o.Domain, "steal"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress forwarding through actions.* with the legacy targetGroupArn key", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{actionsPrefix + "steal": `{"Type":"forward","TargetGroupArn":"` + x.TargetGroupARN + `"}`}, useAnnotation(o.Domain, "steal"))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress with a host-header condition for the other's host", Pair: true, Make: one(func(o, x Tenant) map[string]any {
		return ingress(map[string]any{conditionsPrefix + "web": `[{"field":"host-header","hostHeaderConfig":{"values":["` + x.Domain + `"]}}]`}, hosts(o.Domain))
	}), Want: deniedBy(policyIngress)},
	{Name: "Ingress made in the other's namespace for its own host", Pair: true, Make: func(o, _ Tenant) []Request {
		return []Request{{Object: ingress(nil, hosts(o.Domain)), InOthers: true}}
	}, Want: deniedBy(policyIngress)},

	// Services: names, security groups, the quota.
	{Name: "Service with its own ExternalDNS name", Make: one(func(o, _ Tenant) map[string]any {
		return service("ClusterIP", map[string]any{hostnameAnnotation: "svc." + o.Domain}, nil)
	}), Want: admitted()},
	{Name: "Service choosing its load balancer's security groups", Make: one(func(_, _ Tenant) map[string]any {
		return service("ClusterIP", map[string]any{"service.beta.kubernetes.io/aws-load-balancer-security-groups": "sg-0123456789abcdef0"}, nil)
	}), Want: deniedBy(policyService)},
	{Name: "Service with the other's ExternalDNS hostname", Pair: true, Make: one(func(_, x Tenant) map[string]any {
		return service("ClusterIP", map[string]any{hostnameAnnotation: "nlb." + x.Domain}, nil)
	}), Want: deniedBy(policyService)},
	{Name: "Service of type NodePort", Make: one(func(_, _ Tenant) map[string]any { return service("NodePort", nil, nil) }), Want: overQuota("services.nodeports")},
	{Name: "Service of type LoadBalancer that allocates node ports", Make: one(func(_, _ Tenant) map[string]any { return service("LoadBalancer", nil, nil) }), Want: overQuota("services.nodeports")},
	{Name: "Services of type LoadBalancer up to the quota", Make: func(o, _ Tenant) []Request {
		var out []Request
		for i := 0; i < o.LoadBalancers; i++ {
			out = append(out, Request{Object: service("LoadBalancer", nil, false)})
		}
		return out
	}, Want: admitted()},
	{Name: "One Service of type LoadBalancer over the quota", Make: one(func(_, _ Tenant) map[string]any { return service("LoadBalancer", nil, false) }), Want: overQuota("services.loadbalancers")},

	// Pods: placement on the client's own nodes.
	{Name: "Pod with its node selector and toleration", Make: one(func(o, _ Tenant) map[string]any { return pod(o.NodeSelector, o.Tolerations) }), Want: admitted()},
	{Name: "Pod without a node selector", Make: one(func(o, _ Tenant) map[string]any { return pod(nil, o.Tolerations) }), Want: deniedBy(policyPlacement)},
	{Name: "Pod with its node selector but no toleration", Make: one(func(o, _ Tenant) map[string]any { return pod(o.NodeSelector, nil) }), Want: deniedBy(policyPlacement)},
	{Name: "Pod with the other's node selector and toleration", Pair: true, Make: one(func(_, x Tenant) map[string]any { return pod(x.NodeSelector, x.Tolerations) }), Want: deniedBy(policyPlacement)},
	{Name: "Pod made in the other's namespace with its own node selector", Pair: true, Make: func(o, _ Tenant) []Request {
		return []Request{{Object: pod(o.NodeSelector, o.Tolerations), InOthers: true}}
	}, Want: deniedBy(policyPlacement)},
	// Pod Security baseline: nothing that steps around the network
	// policies or reaches the node's credentials.
	{Name: "Pod on the host's network", Make: one(func(o, _ Tenant) map[string]any {
		p := pod(o.NodeSelector, o.Tolerations)
		asMap(p["spec"])["hostNetwork"] = true
		return p
	}), Want: podSecurity("baseline")},
	{Name: "Privileged pod", Make: one(func(o, _ Tenant) map[string]any {
		p := pod(o.NodeSelector, o.Tolerations)
		asMap(asList(asMap(p["spec"])["containers"])[0])["securityContext"] = map[string]any{"privileged": true}
		return p
	}), Want: podSecurity("baseline")},
	{Name: "Pod mounting a host path", Make: one(func(o, _ Tenant) map[string]any {
		p := pod(o.NodeSelector, o.Tolerations)
		asMap(p["spec"])["volumes"] = []any{map[string]any{"name": "node", "hostPath": map[string]any{"path": "/var/lib/kubelet"}}}
		return p
	}), Want: podSecurity("baseline")},

	// TargetGroupBindings: only the controller binds.
	{Name: "TargetGroupBinding made by the controller for its Service", By: controller, Make: one(func(o, _ Tenant) map[string]any { return binding(o.TargetGroupARN, "web") }), Want: admitted()},
	{Name: "TargetGroupBinding changed by the controller", By: controller, Make: func(o, _ Tenant) []Request {
		return []Request{{Before: binding(o.TargetGroupARN, "web"), Object: binding(o.TargetGroupARN, "web-v2")}}
	}, Want: admitted()},
	{Name: "TargetGroupBinding made by the tenant for its own Service", Make: one(func(o, _ Tenant) map[string]any { return binding(o.TargetGroupARN, "web") }), Want: deniedBy(policyBindings)},
	{Name: "TargetGroupBinding of the controller's retargeted by the tenant", Make: func(o, x Tenant) []Request {
		return []Request{{Before: binding(o.TargetGroupARN, "web"), Object: binding(o.TargetGroupARN, "other")}}
	}, Want: deniedBy(policyBindings)},
	{Name: "TargetGroupBinding of the controller's relabelled by the tenant", Make: func(o, _ Tenant) []Request {
		after := binding(o.TargetGroupARN, "web")
		after["metadata"] = map[string]any{"labels": map[string]any{"team": "payments"}}
		return []Request{{Before: binding(o.TargetGroupARN, "web"), Object: after}}
	}, Want: admitted()},
	{Name: "TargetGroupBinding made by the tenant to the other's target group", Pair: true, Make: one(func(_, x Tenant) map[string]any { return binding(x.TargetGroupARN, "web") }), Want: deniedBy(policyBindings)},
	{Name: "TargetGroupBinding made by the tenant to the other's target group by name", Pair: true, Make: one(func(_, x Tenant) map[string]any {
		b := binding("", "web")
		asMap(b["spec"])["targetGroupName"] = x.TargetGroupName
		return b
	}), Want: deniedBy(policyBindings)},
	{Name: "TargetGroupBinding made in the other's namespace, to the other's Service", Pair: true, Make: func(_, x Tenant) []Request {
		return []Request{{Object: binding(x.TargetGroupARN, "web"), InOthers: true}}
	}, Want: deniedBy(policyBindings)},
}

// Annotations the requests use.
const (
	groupAnnotation            = "alb.ingress.kubernetes.io/group.name"
	hostnameAnnotation         = "external-dns.alpha.kubernetes.io/hostname"
	internalHostnameAnnotation = "external-dns.alpha.kubernetes.io/internal-hostname"
)

func one(f func(own, other Tenant) map[string]any) func(own, other Tenant) []Request {
	return func(o, x Tenant) []Request { return []Request{{Object: f(o, x)}} }
}

// ingress is an ALB Ingress with annotations and spec.
func ingress(annotations map[string]any, spec map[string]any) map[string]any {
	spec["ingressClassName"] = "alb"
	md := map[string]any{}
	if annotations != nil {
		md["annotations"] = annotations
	}
	return map[string]any{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": md, "spec": spec}
}

// hosts is an Ingress spec with one rule per host, to Service web.
func hosts(hs ...string) map[string]any {
	var rules []any
	for _, h := range hs {
		rules = append(rules, rule(h, map[string]any{"name": "web", "port": map[string]any{"number": 80}}))
	}
	return map[string]any{"rules": rules}
}

// useAnnotation is an Ingress spec whose one rule takes its action from
// the actions.<action> annotation.
func useAnnotation(host, action string) map[string]any {
	return map[string]any{"rules": []any{rule(host, map[string]any{"name": action, "port": map[string]any{"name": "use-annotation"}})}}
}

func rule(host string, backend map[string]any) map[string]any {
	return map[string]any{"host": host, "http": map[string]any{"paths": []any{map[string]any{
		"path": "/", "pathType": "Prefix", "backend": map[string]any{"service": backend},
	}}}}
}

func withTLS(spec map[string]any, hs ...string) map[string]any {
	var l []any
	for _, h := range hs {
		l = append(l, h)
	}
	spec["tls"] = []any{map[string]any{"hosts": l}}
	return spec
}

// service is a Service of typ; allocateNodePorts (a bool) sets
// allocateLoadBalancerNodePorts. Load balancers are the controller's NLBs.
func service(typ string, annotations map[string]any, allocateNodePorts any) map[string]any {
	spec := map[string]any{
		"type":     typ,
		"selector": map[string]any{"app.kubernetes.io/name": "web"},
		"ports":    []any{map[string]any{"port": 80, "targetPort": 8080, "protocol": "TCP"}},
	}
	if typ == "LoadBalancer" {
		spec["loadBalancerClass"] = "service.k8s.aws/nlb"
	}
	if allocateNodePorts != nil {
		spec["allocateLoadBalancerNodePorts"] = allocateNodePorts
	}
	md := map[string]any{}
	if annotations != nil {
		md["annotations"] = annotations
	}
	return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec}
}

// pod is a pod within Pod Security baseline, placed by nodeSelector and
// tolerations.
func pod(nodeSelector map[string]string, tolerations []any) map[string]any {
	spec := map[string]any{"containers": []any{map[string]any{
		"name": "app", "image": "public.ecr.aws/docker/library/busybox:1.37", "command": []any{"sleep", "3600"},
	}}}
	if nodeSelector != nil {
		sel := map[string]any{}
		for k, v := range nodeSelector {
			sel[k] = v
		}
		spec["nodeSelector"] = sel
	}
	if tolerations != nil {
		spec["tolerations"] = tolerations
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{}, "spec": spec}
}

// binding is a TargetGroupBinding of a target group (by ARN, when set)
// to Service svc.
func binding(targetGroupARN, svc string) map[string]any {
	spec := map[string]any{"targetType": "ip", "serviceRef": map[string]any{"name": svc, "port": 80}}
	if targetGroupARN != "" {
		spec["targetGroupARN"] = targetGroupARN
	}
	return map[string]any{"apiVersion": "elbv2.k8s.aws/v1beta1", "kind": "TargetGroupBinding", "metadata": map[string]any{}, "spec": spec}
}

// Case is one request of the matrix for given clients.
type Case struct {
	// Name says what is tried: the row, the client and, for pair rows,
	// the other client.
	Name      string
	Row       string
	Namespace string
	// As makes the request; Controller makes Request.Before.
	As, Controller string
	Request        Request
	Want           Verdict
}

// Cases expands the matrix for the tenants of one environment: every row
// once per tenant, pair rows once per ordered pair. Each request gets a
// name of its own; controllerUser is who the load balancer controller
// runs as.
func Cases(tenants []Tenant, controllerUser string) []Case {
	var out []Case
	seq := map[string]int{}
	add := func(row Row, own, other Tenant, name string) {
		for _, req := range row.Make(own, other) {
			ns := own.Namespace
			if req.InOthers {
				ns = other.Namespace
			}
			as := "system:serviceaccount:" + own.Namespace + ":deployer"
			if row.By == controller {
				as = controllerUser
			}
			seq[ns]++
			objName := "case-" + strconv.Itoa(seq[ns])
			for _, obj := range []map[string]any{req.Object, req.Before} {
				if obj != nil {
					md := asMap(obj["metadata"])
					md["name"], md["namespace"] = objName, ns
				}
			}
			want := row.Want
			if want.Policy != "" {
				want.Policy = "namespace-" + ns + "-" + want.Policy
			}
			out = append(out, Case{Name: name, Row: row.Name, Namespace: ns, As: as, Controller: controllerUser, Request: req, Want: want})
		}
	}
	for _, row := range Matrix {
		for _, own := range tenants {
			if !row.Pair {
				add(row, own, Tenant{}, fmt.Sprintf("%s: %s", own.Client, row.Name))
				continue
			}
			for _, other := range tenants {
				if other.Client != own.Client {
					add(row, own, other, fmt.Sprintf("%s against %s: %s", own.Client, other.Client, row.Name))
				}
			}
		}
	}
	return out
}
