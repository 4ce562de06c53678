package kubecheck

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"stratum/clients"
	"stratum/config"
)

// Tenants builds the matrix's tenants of an environment: names, domain and
// quota from the configuration (what the namespace must enforce), the
// node selector and taints from each client's synthesized stack (the
// nodes its pods must land on). stacks holds the environment's
// synthesized stacks by name.
func Tenants(env config.Environment, tenancies []clients.Tenancy, stacks map[string][]byte, stackName func(client string) string) ([]Tenant, error) {
	var out []Tenant
	for _, t := range tenancies {
		name := stackName(t.Client.Name)
		raw, ok := stacks[name]
		if !ok {
			return nil, fmt.Errorf("client %s: no stack %s", t.Client.Name, name)
		}
		var doc struct {
			Resource struct {
				SSM       map[string]map[string]any `json:"aws_ssm_parameter"`
				NodeGroup map[string]map[string]any `json:"aws_eks_node_group"`
			} `json:"resource"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("stack %s: %w", name, err)
		}
		tn := Tenant{
			Client: t.Client.Name, Namespace: t.Names.Namespace,
			Domain: t.Domain, EnvDomain: env.Domain,
			LoadBalancers: t.Quota.LoadBalancers,
		}
		for _, p := range doc.Resource.SSM {
			if !strings.HasSuffix(str(p["name"]), "/node-group/selector") {
				continue
			}
			tn.NodeSelector = map[string]string{}
			for _, kv := range strings.Split(str(p["insecure_value"]), ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("stack %s: node selector %q is not key=value", name, p["insecure_value"])
				}
				tn.NodeSelector[k] = v
			}
		}
		if tn.NodeSelector == nil {
			return nil, fmt.Errorf("stack %s: publishes no node-group/selector", name)
		}
		if len(doc.Resource.NodeGroup) != 1 {
			return nil, fmt.Errorf("stack %s: %d node groups, want 1", name, len(doc.Resource.NodeGroup))
		}
		for _, ng := range doc.Resource.NodeGroup {
			for _, taint := range blocks(ng["taint"]) {
				effect, ok := taintEffects[str(taint["effect"])]
				if !ok {
					return nil, fmt.Errorf("stack %s: node group taint effect %q is not an EKS taint effect", name, taint["effect"])
				}
				tn.Tolerations = append(tn.Tolerations, map[string]any{"key": str(taint["key"]), "operator": "Equal", "value": str(taint["value"]), "effect": effect})
			}
		}
		tn.TargetGroupName, tn.TargetGroupARN = targetGroup(env, tn.Namespace, "web")
		out = append(out, tn)
	}
	return out, nil
}

// taintEffects maps EKS node group taint effects to Kubernetes'.
var taintEffects = map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}

// targetGroup names a target group the way the load balancer controller
// names the ones it makes for a namespace's Service (k8s-<namespace,
// 8 characters>-<service, 8>-<10 hex digits>) and gives its ARN.
func targetGroup(env config.Environment, namespace, svc string) (name, arn string) {
	sum := sha256.Sum256([]byte(env.Name + "/" + namespace + "/" + svc))
	h := hex.EncodeToString(sum[:])
	name = fmt.Sprintf("k8s-%.8s-%.8s-%.10s", namespace, svc, h)
	account := env.AccountID
	if account == "" {
		account = "123456789012"
	}
	return name, fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/%s", env.Region, account, name, h[10:26])
}

// ControllerUser is who the AWS Load Balancer Controller runs as in a
// services stack: the service account its helm release uses.
func ControllerUser(servicesStack []byte) (string, error) {
	var doc struct {
		Resource struct {
			Helm map[string]struct {
				Chart     string   `json:"chart"`
				Namespace string   `json:"namespace"`
				Values    []string `json:"values"`
			} `json:"helm_release"`
		} `json:"resource"`
	}
	if err := json.Unmarshal(servicesStack, &doc); err != nil {
		return "", err
	}
	for _, r := range doc.Resource.Helm {
		if r.Chart != "aws-load-balancer-controller" {
			continue
		}
		for _, v := range r.Values {
			var values struct {
				ServiceAccount struct{ Name string } `json:"serviceAccount"`
			}
			if err := json.Unmarshal([]byte(v), &values); err == nil && values.ServiceAccount.Name != "" {
				return "system:serviceaccount:" + r.Namespace + ":" + values.ServiceAccount.Name, nil
			}
		}
		return "", fmt.Errorf("the aws-load-balancer-controller release names no serviceAccount.name")
	}
	return "", fmt.Errorf("no helm_release of the aws-load-balancer-controller chart")
}
