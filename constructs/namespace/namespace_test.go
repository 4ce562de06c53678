package namespace

import (
	"testing"

	"stratum/constructs/nodegroup"
	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		Name:    "acme",
		Quota:   Quota{Pods: 10, CPU: "4", Memory: "8Gi", StorageGiB: 10},
		Ingress: []Ingress{{Name: "web", App: "web", Port: 8080, CIDRs: []string{"10.0.0.0/24"}}},
		Egress:  []Egress{{Name: "https", CIDRs: []string{"0.0.0.0/0"}, Except: []string{"10.0.0.0/16"}, Ports: []int{443}}},
		Domain:  "acme.dev.example.com",

		NodeSelector: map[string]string{"stratum.io/client": "acme"},
		NodeTaints:   []nodegroup.Taint{{Key: "stratum.io/client", Value: "acme", Effect: nodegroup.NoSchedule}},

		LoadBalancerController: "system:serviceaccount:kube-system:aws-load-balancer-controller",
	}
}

func TestValidate(t *testing.T) {
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "name", Mutate: func(p *Props) { p.Name = "Acme" }, Want: "Name"},
		{Name: "no quota", Mutate: func(p *Props) { p.Quota = Quota{} }, Want: "Quota"},
		{Name: "negative load balancers", Mutate: func(p *Props) { p.Quota.LoadBalancers = -1 }, Want: "LoadBalancers"},
		{Name: "taints without selector", Mutate: func(p *Props) { p.NodeSelector = nil }, Want: "NodeTaints"},
		{Name: "taint effect", Mutate: func(p *Props) { p.NodeTaints[0].Effect = "NoSchedule" }, Want: "NodeTaints"},
		{Name: "taint key", Mutate: func(p *Props) { p.NodeTaints[0].Key = "" }, Want: "NodeTaints"},
		{Name: "domain", Mutate: func(p *Props) { p.Domain = "Acme.example.com." }, Want: "Domain"},
		{Name: "controller user", Mutate: func(p *Props) { p.LoadBalancerController = "aws-load-balancer-controller" }, Want: "LoadBalancerController"},
		{Name: "ingress without app", Mutate: func(p *Props) { p.Ingress[0].App = "" }, Want: "Ingress"},
		{Name: "ingress port", Mutate: func(p *Props) { p.Ingress[0].Port = 0 }, Want: "Ingress"},
		{Name: "ingress cidr", Mutate: func(p *Props) { p.Ingress[0].CIDRs = []string{"10.0.0.0/33"} }, Want: `"10.0.0.0/33"`},
		{Name: "egress without ports", Mutate: func(p *Props) { p.Egress[0].Ports = nil }, Want: "Egress"},
		{Name: "egress except", Mutate: func(p *Props) { p.Egress[0].Except = []string{"vpc"} }, Want: `"vpc"`},
	})
}
