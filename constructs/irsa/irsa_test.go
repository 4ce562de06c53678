package irsa

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func TestValidate(t *testing.T) {
	ok := Props{OIDCProviderARN: jsii.String("arn"), OIDCIssuer: jsii.String("iss"), Namespace: "ns", ServiceAccount: "sa", RoleName: "r"}
	bad := map[string]func(*Props){
		"wildcard namespace": func(p *Props) { p.Namespace = "*" },
		"wildcard account":   func(p *Props) { p.ServiceAccount = "app-*" },
		"no namespace":       func(p *Props) { p.Namespace = "" },
		"no issuer":          func(p *Props) { p.OIDCIssuer = nil },
		"long role name":     func(p *Props) { p.RoleName = string(make([]byte, 65)) },
	}
	if err := ok.validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	for name, mutate := range bad {
		t.Run(name, func(t *testing.T) {
			p := ok
			mutate(&p)
			if err := p.validate(); err == nil {
				t.Errorf("validate(%+v) = nil, want error", p)
			}
		})
	}
}
