// Package namespace provides a Kubernetes namespace for one tenant: a
// resource quota with default container requests, Pod Security admission
// at the baseline level, and network policies that deny all traffic
// except what the namespace's own pods exchange, DNS, and the rules the
// props add. It needs a Kubernetes provider in the stack.
package namespace

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/limitrangev1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/manifest"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/namespacev1"
	np "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/networkpolicyv1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/resourcequotav1"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/irsa"
	"stratum/constructs/nodegroup"
)

// AppLabel selects an application's pods in ingress rules.
const AppLabel = "app.kubernetes.io/name"

// Quota is the namespace's ResourceQuota.
type Quota struct {
	// Pods is the most pods the namespace may run. Required (> 0).
	Pods int
	// CPU and Memory cap the sum of the pods' requests (Kubernetes
	// quantities). Required.
	CPU, Memory string
	// StorageGiB caps the sum of persistent volume claims. Required (> 0).
	StorageGiB int
	// LoadBalancers caps the Services of type LoadBalancer (each a
	// Network Load Balancer of the AWS Load Balancer Controller):
	// services.loadbalancers. 0 allows none. Required (>= 0).
	LoadBalancers int
}

// Ingress admits TCP traffic from outside the namespace.
type Ingress struct {
	// Name names the network policy: allow-<Name>. Required.
	Name string
	// App selects the pods by their app.kubernetes.io/name label.
	// Required: the rule opens one application, never the namespace.
	App string
	// Port is the pods' TCP port. Required.
	Port int
	// CIDRs are the sources. Required.
	CIDRs []string
}

// Egress lets every pod of the namespace open TCP connections to CIDRs.
type Egress struct {
	// Name names the network policy: allow-<Name>. Required.
	Name string
	// CIDRs are the destinations. Required.
	CIDRs []string
	// Except are ranges inside CIDRs that stay closed. Default: none.
	Except []string
	// Ports are the destination TCP ports. Required.
	Ports []int
}

// Props configures a Namespace.
type Props struct {
	// Name is the namespace. Required.
	Name string
	// Labels are added to the namespace. Default: none.
	Labels map[string]string
	// Quota is the namespace's resource quota. Required.
	Quota Quota
	// DefaultCPURequest and DefaultMemoryRequest are given to containers
	// that request nothing, so that the quota counts every pod.
	// Default: "100m" and "128Mi".
	DefaultCPURequest, DefaultMemoryRequest string
	// Ingress rules admit traffic from outside the namespace.
	// Default: none (only the namespace's own pods).
	Ingress []Ingress
	// Egress rules let the pods reach addresses outside the cluster.
	// Default: none (only the namespace's own pods and DNS).
	Egress []Egress
	// NodeSelector, when set, is required of every pod created in the
	// namespace (a ValidatingAdmissionPolicy refuses the others), so the
	// namespace's pods run only on the nodes carrying these labels, and
	// with those nodes' security groups. Default: none.
	NodeSelector map[string]string
	// NodeTaints are the taints of the nodes NodeSelector picks: with
	// them, the same policy also refuses a pod that does not tolerate
	// each, which could never be scheduled there, with a message instead
	// of leaving it Pending. Requires NodeSelector. Default: none.
	NodeTaints []nodegroup.Taint
	// Domain, when set, is the DNS name the namespace owns: its
	// Ingresses' hosts and TLS hosts and the ExternalDNS hostname
	// annotations of its Ingresses and Services must be Domain or a name
	// under it, its Ingresses may join only the ALB IngressGroups named
	// after the namespace (Name, or Name.<suffix>), and neither may pick
	// the load balancer's security groups, and their
	// alb.ingress.kubernetes.io/actions.* annotations may not forward to
	// a target group by ARN or name, nor their conditions.* annotations
	// match host headers; ValidatingAdmissionPolicies refuse the rest
	// (see LoadBalancerController for TargetGroupBindings).
	// Default: "" (no restriction).
	Domain string
	// LoadBalancerController, when set, is the only user that may create
	// TargetGroupBindings in the namespace or change their spec (the AWS
	// Load Balancer Controller, which creates them for the namespace's
	// Ingresses and Services): a binding names a target group by ARN, so
	// one made by hand could send another tenant's load balancer traffic
	// to this namespace's pods. Default: "" (no restriction).
	LoadBalancerController string
}

// Annotations of the AWS Load Balancer Controller and ExternalDNS that
// the Domain policy checks; ActionsAnnotationPrefix and
// ConditionsAnnotationPrefix start a family (actions.<name>).
const (
	GroupNameAnnotation             = "alb.ingress.kubernetes.io/group.name"
	ActionsAnnotationPrefix         = "alb.ingress.kubernetes.io/actions."
	ConditionsAnnotationPrefix      = "alb.ingress.kubernetes.io/conditions."
	IngressSecurityGroupsAnnotation = "alb.ingress.kubernetes.io/security-groups"
	ServiceSecurityGroupsAnnotation = "service.beta.kubernetes.io/aws-load-balancer-security-groups"
	HostnameAnnotation              = "external-dns.alpha.kubernetes.io/hostname"
	InternalHostnameAnnotation      = "external-dns.alpha.kubernetes.io/internal-hostname"
)

// Namespace is a tenant namespace.
type Namespace struct {
	Namespace namespacev1.NamespaceV1
	// Name is the namespace's name as a reference, so that objects created
	// in it wait for it.
	Name  *string
	scope constructs.Construct
}

// New creates the namespace, its quota, default requests and network
// policies.
func New(scope constructs.Construct, id string, p *Props) *Namespace {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("namespace.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	labels := map[string]*string{
		// Baseline refuses privileged, host-network and host-path pods:
		// any of them would step around the network policies and reach the
		// node's credentials. Restricted is reported, not enforced, so
		// teams see what they would need to change.
		"pod-security.kubernetes.io/enforce": jsii.String("baseline"),
		"pod-security.kubernetes.io/warn":    jsii.String("restricted"),
		"pod-security.kubernetes.io/audit":   jsii.String("restricted"),
	}
	for k, v := range p.Labels {
		labels[k] = jsii.String(v)
	}
	ns := namespacev1.NewNamespaceV1(c, jsii.String("namespace"), &namespacev1.NamespaceV1Config{
		Metadata: &namespacev1.NamespaceV1Metadata{Name: jsii.String(p.Name), Labels: &labels},
	})
	n := &Namespace{Namespace: ns, Name: ns.Metadata().Name(), scope: c}

	resourcequotav1.NewResourceQuotaV1(c, jsii.String("quota"), &resourcequotav1.ResourceQuotaV1Config{
		Metadata: &resourcequotav1.ResourceQuotaV1Metadata{Name: jsii.String("tenant"), Namespace: n.Name},
		Spec: &resourcequotav1.ResourceQuotaV1Spec{Hard: &map[string]*string{
			"pods":             jsii.String(strconv.Itoa(p.Quota.Pods)),
			"requests.cpu":     jsii.String(p.Quota.CPU),
			"requests.memory":  jsii.String(p.Quota.Memory),
			"requests.storage": jsii.String(fmt.Sprintf("%dGi", p.Quota.StorageGiB)),
			// Every Service of type LoadBalancer is a load balancer the
			// account pays for and a quota of the region counts.
			"services.loadbalancers": jsii.String(strconv.Itoa(p.Quota.LoadBalancers)),
			// A NodePort opens a port on every node of the cluster, other
			// tenants' included; traffic comes in through the load
			// balancers' IP targets instead.
			"services.nodeports": jsii.String("0"),
		}},
	})
	cpu, mem := p.DefaultCPURequest, p.DefaultMemoryRequest
	if cpu == "" {
		cpu = "100m"
	}
	if mem == "" {
		mem = "128Mi"
	}
	limitrangev1.NewLimitRangeV1(c, jsii.String("default-requests"), &limitrangev1.LimitRangeV1Config{
		Metadata: &limitrangev1.LimitRangeV1Metadata{Name: jsii.String("default-requests"), Namespace: n.Name},
		Spec: &limitrangev1.LimitRangeV1Spec{Limit: []*limitrangev1.LimitRangeV1SpecLimit{{
			Type:           jsii.String("Container"),
			DefaultRequest: &map[string]*string{"cpu": jsii.String(cpu), "memory": jsii.String(mem)},
		}}},
	})

	n.policies(p)
	if len(p.NodeSelector) > 0 {
		n.requireNodeSelector(p.Name, p.NodeSelector, p.NodeTaints)
	}
	if p.Domain != "" {
		n.requireDomain(p.Name, p.Domain)
	}
	if p.LoadBalancerController != "" {
		n.requireControllerBindings(p.Name, p.LoadBalancerController)
	}
	return n
}

// requireNodeSelector admits a pod of the namespace only if its
// nodeSelector holds every label of sel and its tolerations tolerate
// every taint. A toleration alone would let a pod onto another tenant's
// nodes (and behind their security groups); the kubelet re-checks the
// node selector, so setting spec.nodeName does not step around it
// either. The tolerations are required for the pod's sake: without them
// it would wait for those nodes forever.
func (n *Namespace) requireNodeSelector(name string, sel map[string]string, taints []nodegroup.Taint) {
	keys := slices.Sorted(maps.Keys(sel))
	var conds, want []string
	for _, k := range keys {
		conds = append(conds, fmt.Sprintf("%q in object.spec.nodeSelector && object.spec.nodeSelector[%q] == %q", k, k, sel[k]))
		want = append(want, k+": "+sel[k])
	}
	validations := []any{map[string]any{
		"expression": "has(object.spec.nodeSelector) && " + strings.Join(conds, " && "),
		"message":    fmt.Sprintf("pods in namespace %s must set nodeSelector {%s} (and tolerate those nodes' taints)", name, strings.Join(want, ", ")),
	}}
	for _, t := range taints {
		tl := t.Toleration()
		validations = append(validations, map[string]any{
			"expression": "has(object.spec.tolerations) && object.spec.tolerations.exists(t, " + tolerates(tl.Key, tl.Value, tl.Effect) + ")",
			"message":    fmt.Sprintf("pods in namespace %s must tolerate the taint %s=%s:%s of its nodes", name, tl.Key, tl.Value, tl.Effect),
		})
	}
	n.admissionPolicy("node-selector", name,
		// nodeSelector cannot change after creation.
		[]any{resourceRule("", "v1", "pods", "CREATE")},
		validations)
}

// tolerates is a CEL condition on a toleration t: it tolerates the taint
// key=value:effect, as the scheduler matches them (an empty effect
// matches every effect, an empty key with Exists every key, Exists any
// value, Equal, the default, the value).
func tolerates(key, value, effect string) string {
	return fmt.Sprintf("(!has(t.effect) || t.effect == '' || t.effect == %[3]q) && "+
		"(!has(t.key) || t.key == '' || t.key == %[1]q) && "+
		"((has(t.operator) && t.operator == 'Exists') || ((!has(t.operator) || t.operator == '' || t.operator == 'Equal') && (has(t.key) && t.key == %[1]q) && has(t.value) && t.value == %[2]q))",
		key, value, effect)
}

// requireDomain refuses the namespace's Ingresses and Services that claim
// a DNS name outside domain (an Ingress's hosts and TLS hosts, which the
// load balancer routes and ExternalDNS publishes, and ExternalDNS's
// hostname annotations), an Ingress that joins an IngressGroup not named
// after the namespace (the group's load balancer and its rules would be
// shared with the tenant owning it), and load balancers that pick their
// own security groups (a group of another tenant's would make the load
// balancer a member of what that tenant's rules admit). One ExternalDNS
// publishes every namespace's names in the environment's zone, so this is
// what keeps one tenant from taking another's names.
func (n *Namespace) requireDomain(name, domain string) {
	// Names are compared in lower case and without spaces, as DNS and
	// ExternalDNS (which splits the annotations at commas) see them.
	within := func(h string) string {
		return fmt.Sprintf("(%[1]s == %[2]q || %[1]s.endsWith(%[3]q))", h, domain, "."+domain)
	}
	annotation := func(key string) string {
		return fmt.Sprintf("!has(object.metadata.annotations) || !(%[1]q in object.metadata.annotations) || object.metadata.annotations[%[1]q].split(',').all(h, %[2]s)",
			key, within("h.trim().lowerAscii()"))
	}
	absent := func(key string) string {
		return fmt.Sprintf("!has(object.metadata.annotations) || !(%q in object.metadata.annotations)", key)
	}
	// The controller reads actions.* and conditions.* as JSON with Go's
	// encoding/json, which matches keys by Unicode case folding
	// (targetGroupArn is targetGroupARN, and the long s and the Kelvin
	// sign, the only letters outside ASCII that fold to ASCII ones, spell
	// s and k) and decodes \u escapes in them; CEL cannot parse JSON. So
	// a value of the family, folded the same way, may not contain a
	// forbidden key, nor hold a \u escape that could spell one.
	family := func(prefix string, forbidden ...string) string {
		folded := "object.metadata.annotations[k].lowerAscii().replace('\\u017f', 's').replace('\\u212a', 'k')"
		var nots []string
		for _, f := range forbidden {
			nots = append(nots, fmt.Sprintf("!%s.contains(%q)", folded, f))
		}
		return fmt.Sprintf(`!has(object.metadata.annotations) || object.metadata.annotations.all(k, !k.startsWith(%q) || (%s && !object.metadata.annotations[k].contains('\\u')))`,
			prefix, strings.Join(nots, " && "))
	}
	names := fmt.Sprintf("%s or a name under it", domain)
	var hostnames []any
	for _, key := range []string{HostnameAnnotation, InternalHostnameAnnotation} {
		hostnames = append(hostnames, map[string]any{
			"expression": annotation(key),
			"message":    fmt.Sprintf("%s in namespace %s may name only %s", key, name, names),
		})
	}
	n.admissionPolicy("ingress-hostnames", name,
		[]any{resourceRule("networking.k8s.io", "v1", "ingresses", "CREATE", "UPDATE")},
		append([]any{
			map[string]any{
				"expression": "!has(object.spec.rules) || object.spec.rules.all(r, !has(r.host) || " + within("r.host") + ")",
				"message":    fmt.Sprintf("Ingress hosts in namespace %s must be %s", name, names),
			},
			map[string]any{
				"expression": "!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, " + within("h") + "))",
				"message":    fmt.Sprintf("Ingress TLS hosts in namespace %s must be %s", name, names),
			},
			map[string]any{
				"expression": fmt.Sprintf("!has(object.metadata.annotations) || !(%[1]q in object.metadata.annotations) || object.metadata.annotations[%[1]q] == %[2]q || object.metadata.annotations[%[1]q].startsWith(%[3]q)",
					GroupNameAnnotation, name, name+"."),
				"message": fmt.Sprintf("Ingresses in namespace %s may join only the IngressGroups %s and %s.<name> (%s)", name, name, name, GroupNameAnnotation),
			},
			map[string]any{
				"expression": absent(IngressSecurityGroupsAnnotation),
				"message":    fmt.Sprintf("Ingresses in namespace %s may not choose their load balancer's security groups (%s)", name, IngressSecurityGroupsAnnotation),
			},
			map[string]any{
				"expression": family(ActionsAnnotationPrefix, "targetgrouparn", "targetgroupname"),
				"message": fmt.Sprintf("%s<name> annotations in namespace %s may not forward to a target group by ARN or name (targetGroupARN, targetGroupName), nor hold \\u escapes: forward to the namespace's Services (serviceName), whose target groups the load balancer controller makes",
					ActionsAnnotationPrefix, name),
			},
			map[string]any{
				"expression": family(ConditionsAnnotationPrefix, "hostheaderconfig"),
				"message": fmt.Sprintf("%s<name> annotations in namespace %s may not match host headers (hostHeaderConfig), nor hold \\u escapes: route by host with spec.rules[].host (%s)",
					ConditionsAnnotationPrefix, name, names),
			},
		}, hostnames...))
	n.admissionPolicy("service-hostnames", name,
		[]any{resourceRule("", "v1", "services", "CREATE", "UPDATE")},
		append([]any{map[string]any{
			"expression": absent(ServiceSecurityGroupsAnnotation),
			"message":    fmt.Sprintf("Services in namespace %s may not choose their load balancer's security groups (%s)", name, ServiceSecurityGroupsAnnotation),
		}}, hostnames...))
}

// requireControllerBindings lets only controller create the namespace's
// TargetGroupBindings or change their spec; status and metadata updates
// (finalizers) stay open to the garbage collector and the like.
func (n *Namespace) requireControllerBindings(name, controller string) {
	n.admissionPolicy("target-group-bindings", name,
		[]any{resourceRule("elbv2.k8s.aws", "*", "targetgroupbindings", "CREATE", "UPDATE")},
		[]any{map[string]any{
			"expression": fmt.Sprintf("request.userInfo.username == %q || (request.operation == 'UPDATE' && object.spec == oldObject.spec)", controller),
			"message":    fmt.Sprintf("TargetGroupBindings in namespace %s are made by the AWS Load Balancer Controller (%s) only", name, controller),
		}})
}

// resourceRule matches operations on resource of group/version.
func resourceRule(group, version, resource string, operations ...string) map[string]any {
	var ops []any
	for _, o := range operations {
		ops = append(ops, o)
	}
	return map[string]any{
		"apiGroups": []any{group}, "apiVersions": []any{version},
		"operations": ops, "resources": []any{resource},
	}
}

// admissionPolicy creates the ValidatingAdmissionPolicy
// namespace-<namespace>-<id>, matching rules in this namespace only, and
// its binding, which denies what a validation refuses; id also names the
// two in their Terraform addresses (<id>-policy, <id>-binding).
// ValidatingAdmissionPolicy is built into the API server (GA in
// Kubernetes 1.30): nothing to run, and it fails closed.
func (n *Namespace) admissionPolicy(id, namespace string, rules, validations []any) {
	policyName := "namespace-" + namespace + "-" + id
	policy := manifest.NewManifest(n.scope, jsii.String(id+"-policy"), &manifest.ManifestConfig{
		Manifest: &map[string]any{
			"apiVersion": "admissionregistration.k8s.io/v1",
			"kind":       "ValidatingAdmissionPolicy",
			"metadata":   map[string]any{"name": policyName},
			"spec": map[string]any{
				"failurePolicy": "Fail",
				"matchConstraints": map[string]any{
					"namespaceSelector": map[string]any{"matchLabels": map[string]any{"kubernetes.io/metadata.name": namespace}},
					"resourceRules":     rules,
				},
				"validations": validations,
			},
		},
		DependsOn: &[]cdktf.ITerraformDependable{n.Namespace},
	})
	manifest.NewManifest(n.scope, jsii.String(id+"-binding"), &manifest.ManifestConfig{
		Manifest: &map[string]any{
			"apiVersion": "admissionregistration.k8s.io/v1",
			"kind":       "ValidatingAdmissionPolicyBinding",
			"metadata":   map[string]any{"name": policyName},
			"spec": map[string]any{
				"policyName":        policyName,
				"validationActions": []any{"Deny"},
			},
		},
		DependsOn: &[]cdktf.ITerraformDependable{policy},
	})
}

func (n *Namespace) policies(p *Props) {
	all := &np.NetworkPolicyV1SpecPodSelector{}
	// Policies are additive: this one selects every pod for both
	// directions and allows nothing, so only what the others allow flows.
	n.policy("default-deny", &np.NetworkPolicyV1Spec{
		PodSelector: all,
		PolicyTypes: jsii.Strings("Ingress", "Egress"),
	})
	n.policy("allow-same-namespace", &np.NetworkPolicyV1Spec{
		PodSelector: all,
		PolicyTypes: jsii.Strings("Ingress", "Egress"),
		Ingress:     []*np.NetworkPolicyV1SpecIngress{{From: []*np.NetworkPolicyV1SpecIngressFrom{{PodSelector: &np.NetworkPolicyV1SpecIngressFromPodSelector{}}}}},
		Egress:      []*np.NetworkPolicyV1SpecEgress{{To: []*np.NetworkPolicyV1SpecEgressTo{{PodSelector: &np.NetworkPolicyV1SpecEgressToPodSelector{}}}}},
	})
	n.policy("allow-dns", &np.NetworkPolicyV1Spec{
		PodSelector: all,
		PolicyTypes: jsii.Strings("Egress"),
		Egress: []*np.NetworkPolicyV1SpecEgress{{
			To: []*np.NetworkPolicyV1SpecEgressTo{{
				NamespaceSelector: &np.NetworkPolicyV1SpecEgressToNamespaceSelector{MatchLabels: &map[string]*string{
					"kubernetes.io/metadata.name": jsii.String("kube-system"),
				}},
				PodSelector: &np.NetworkPolicyV1SpecEgressToPodSelector{MatchLabels: &map[string]*string{
					"k8s-app": jsii.String("kube-dns"),
				}},
			}},
			Ports: []*np.NetworkPolicyV1SpecEgressPorts{
				{Port: jsii.String("53"), Protocol: jsii.String("UDP")},
				{Port: jsii.String("53"), Protocol: jsii.String("TCP")},
			},
		}},
	})
	for _, in := range p.Ingress {
		var from []*np.NetworkPolicyV1SpecIngressFrom
		for _, cidr := range in.CIDRs {
			from = append(from, &np.NetworkPolicyV1SpecIngressFrom{IpBlock: &np.NetworkPolicyV1SpecIngressFromIpBlock{Cidr: jsii.String(cidr)}})
		}
		n.policy("allow-"+in.Name, &np.NetworkPolicyV1Spec{
			PodSelector: &np.NetworkPolicyV1SpecPodSelector{MatchLabels: &map[string]*string{AppLabel: jsii.String(in.App)}},
			PolicyTypes: jsii.Strings("Ingress"),
			Ingress: []*np.NetworkPolicyV1SpecIngress{{
				From:  from,
				Ports: []*np.NetworkPolicyV1SpecIngressPorts{{Port: jsii.String(strconv.Itoa(in.Port)), Protocol: jsii.String("TCP")}},
			}},
		})
	}
	for _, out := range p.Egress {
		var to []*np.NetworkPolicyV1SpecEgressTo
		for _, cidr := range out.CIDRs {
			block := &np.NetworkPolicyV1SpecEgressToIpBlock{Cidr: jsii.String(cidr)}
			if len(out.Except) > 0 {
				block.Except = jsii.Strings(out.Except...)
			}
			to = append(to, &np.NetworkPolicyV1SpecEgressTo{IpBlock: block})
		}
		var ports []*np.NetworkPolicyV1SpecEgressPorts
		for _, port := range out.Ports {
			ports = append(ports, &np.NetworkPolicyV1SpecEgressPorts{Port: jsii.String(strconv.Itoa(port)), Protocol: jsii.String("TCP")})
		}
		n.policy("allow-"+out.Name, &np.NetworkPolicyV1Spec{
			PodSelector: all,
			PolicyTypes: jsii.Strings("Egress"),
			Egress:      []*np.NetworkPolicyV1SpecEgress{{To: to, Ports: ports}},
		})
	}
}

func (n *Namespace) policy(name string, spec *np.NetworkPolicyV1Spec) {
	np.NewNetworkPolicyV1(n.scope, jsii.String(name), &np.NetworkPolicyV1Config{
		Metadata: &np.NetworkPolicyV1Metadata{Name: jsii.String(name), Namespace: n.Name},
		Spec:     spec,
	})
}

// ServiceAccount is a Kubernetes service account bound to an IAM role.
type ServiceAccount struct {
	ServiceAccount serviceaccountv1.ServiceAccountV1
	Name           string
}

// AddServiceAccount creates service account name in the namespace,
// annotated with the IRSA role roleARN (nil: no role). The API token is
// not mounted by default: IRSA uses its own projected token, and pods that
// talk to the Kubernetes API opt in.
func (n *Namespace) AddServiceAccount(name string, roleARN *string) *ServiceAccount {
	if !awsrules.IsDNSLabel(name, 63) {
		panic(fmt.Sprintf("namespace.AddServiceAccount: name %q is invalid: want a DNS label", name))
	}
	md := &serviceaccountv1.ServiceAccountV1Metadata{Name: jsii.String(name), Namespace: n.Name}
	if roleARN != nil {
		md.Annotations = &map[string]*string{irsa.RoleARNAnnotation: roleARN}
	}
	sa := serviceaccountv1.NewServiceAccountV1(n.scope, jsii.String("service-account-"+name), &serviceaccountv1.ServiceAccountV1Config{
		Metadata:                     md,
		AutomountServiceAccountToken: jsii.Bool(false),
	})
	return &ServiceAccount{ServiceAccount: sa, Name: name}
}

func (p *Props) validate() error {
	if p == nil {
		return fmt.Errorf("props are required")
	}
	if !awsrules.IsDNSLabel(p.Name, 63) {
		return fmt.Errorf("Name %q is invalid: want a DNS label", p.Name)
	}
	q := p.Quota
	if q.Pods <= 0 || q.StorageGiB <= 0 || q.CPU == "" || q.Memory == "" || q.LoadBalancers < 0 {
		return fmt.Errorf("Quota %+v is invalid: want Pods > 0, StorageGiB > 0, LoadBalancers >= 0, CPU and Memory set", q)
	}
	if len(p.NodeTaints) > 0 && len(p.NodeSelector) == 0 {
		return fmt.Errorf("NodeTaints %v need a NodeSelector: the pods tolerate the taints of the nodes it picks", p.NodeTaints)
	}
	for _, t := range p.NodeTaints {
		if t.Key == "" || t.Toleration().Effect == "" {
			return fmt.Errorf("NodeTaints: %+v is invalid: want a Key and an Effect of %s, %s or %s", t, nodegroup.NoSchedule, nodegroup.NoExecute, nodegroup.PreferNoSchedule)
		}
	}
	if p.Domain != "" && !awsrules.IsDNSName(p.Domain) {
		return fmt.Errorf("Domain %q is invalid: want a lowercase DNS name such as acme.prod.example.com", p.Domain)
	}
	if c := p.LoadBalancerController; c != "" && !strings.HasPrefix(c, "system:serviceaccount:") {
		return fmt.Errorf("LoadBalancerController %q is invalid: want a service account user, system:serviceaccount:<namespace>:<name>", c)
	}
	for _, in := range p.Ingress {
		if in.Name == "" || in.App == "" || in.Port < 1 || in.Port > 65535 || len(in.CIDRs) == 0 {
			return fmt.Errorf("Ingress %+v is invalid: want Name, App, Port 1-65535 and CIDRs", in)
		}
		if err := checkCIDRs(in.CIDRs); err != nil {
			return fmt.Errorf("Ingress %q: %v", in.Name, err)
		}
	}
	for _, out := range p.Egress {
		if out.Name == "" || len(out.CIDRs) == 0 || len(out.Ports) == 0 {
			return fmt.Errorf("Egress %+v is invalid: want Name, CIDRs and Ports", out)
		}
		if err := checkCIDRs(append(append([]string{}, out.CIDRs...), out.Except...)); err != nil {
			return fmt.Errorf("Egress %q: %v", out.Name, err)
		}
	}
	return nil
}

func checkCIDRs(cidrs []string) error {
	for _, c := range cidrs {
		if _, problem := awsrules.ParseIPv4Prefix(c); problem != "" {
			return fmt.Errorf("CIDR %q is invalid: want %s", c, problem)
		}
	}
	return nil
}
