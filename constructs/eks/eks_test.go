package eks

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func validProps() Props {
	return Props{
		Name:              "stratum-dev",
		Version:           "1.35",
		SubnetIDs:         jsii.Strings("subnet-a", "subnet-b"),
		VPCID:             jsii.String("vpc-1"),
		EndpointSources:   []EndpointSource{{Name: "vpc", CIDR: jsii.String("10.0.0.0/16")}},
		PublicAccessCIDRs: []string{"203.0.113.0/24"},
		Admins:            []Admin{{ID: "ops", PrincipalARN: jsii.String("arn:aws:iam::111111111111:role/ops")}},
		LogRetentionDays:  30,
	}
}

func TestValidate(t *testing.T) {
	if p := validProps(); p.validate() != nil {
		t.Fatalf("valid props: %v", p.validate())
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string // part of the message
	}{
		{"name with dot", func(p *Props) { p.Name = "stratum.dev" }, "Name"},
		{"patch version", func(p *Props) { p.Version = "1.35.2" }, "Version"},
		{"no subnets", func(p *Props) { p.SubnetIDs = nil }, "SubnetIDs"},
		{"retention CloudWatch refuses", func(p *Props) { p.LogRetentionDays = 10 }, "LogRetentionDays"},
		{"no retention", func(p *Props) { p.LogRetentionDays = 0 }, "LogRetentionDays"},
		{"version out of standard support", func(p *Props) { p.Version = "1.33" }, "standard support"},
		{"public to the internet", func(p *Props) { p.PublicAccessCIDRs = []string{"0.0.0.0/0"} }, "opens the cluster API to the internet"},
		{"public not a CIDR", func(p *Props) { p.PublicAccessCIDRs = []string{"office"} }, "IPv4 CIDR"},
		{"public range that is private", func(p *Props) { p.PublicAccessCIDRs = []string{"10.0.0.0/8"} }, "private (RFC 1918)"},
		{"endpoint from anywhere", func(p *Props) { p.EndpointSources[0].CIDR = jsii.String("0.0.0.0/0") }, "EndpointSources"},
		{"duplicate endpoint source", func(p *Props) { p.EndpointSources = append(p.EndpointSources, p.EndpointSources[0]) }, "unique"},
		{"admin id not a label", func(p *Props) { p.Admins[0].ID = "Ops Team" }, "Admins"},
		{"duplicate admin", func(p *Props) { p.Admins = append(p.Admins, p.Admins[0]) }, "unique"},
		{"admin not an ARN", func(p *Props) { p.Admins[0].PrincipalARN = jsii.String("ops") }, "PrincipalARN"},
		{"admin is a group", func(p *Props) {
			p.Admins[0].PrincipalARN = jsii.String("arn:aws:iam::111111111111:group/ops")
		}, "PrincipalARN"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			p.EndpointSources = append([]EndpointSource{}, p.EndpointSources...)
			p.Admins = append([]Admin{}, p.Admins...)
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
