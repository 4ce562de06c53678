package namespace

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := Props{
		Name:    "acme",
		Quota:   Quota{Pods: 10, CPU: "4", Memory: "8Gi", StorageGiB: 10},
		Ingress: []Ingress{{Name: "web", App: "web", Port: 8080, CIDRs: []string{"10.0.0.0/24"}}},
		Egress:  []Egress{{Name: "https", CIDRs: []string{"0.0.0.0/0"}, Except: []string{"10.0.0.0/16"}, Ports: []int{443}}},
	}
	if err := ok.validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string
	}{
		{"name", func(p *Props) { p.Name = "Acme" }, "Name"},
		{"no quota", func(p *Props) { p.Quota = Quota{} }, "Quota"},
		{"ingress without app", func(p *Props) { p.Ingress[0].App = "" }, "Ingress"},
		{"ingress port", func(p *Props) { p.Ingress[0].Port = 0 }, "Ingress"},
		{"ingress cidr", func(p *Props) { p.Ingress[0].CIDRs = []string{"10.0.0.0/33"} }, `"10.0.0.0/33"`},
		{"egress without ports", func(p *Props) { p.Egress[0].Ports = nil }, "Egress"},
		{"egress except", func(p *Props) { p.Egress[0].Except = []string{"vpc"} }, `"vpc"`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			p.Ingress = append([]Ingress(nil), ok.Ingress...)
			p.Egress = append([]Egress(nil), ok.Egress...)
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate(%+v) = %v, want an error naming %s", p, err, tc.want)
			}
		})
	}
}
