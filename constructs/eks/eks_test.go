package eks

import (
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/testkit/propstest"
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
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "name with dot", Mutate: func(p *Props) { p.Name = "stratum.dev" }, Want: "Name"},
		{Name: "patch version", Mutate: func(p *Props) { p.Version = "1.35.2" }, Want: "Version"},
		{Name: "no subnets", Mutate: func(p *Props) { p.SubnetIDs = nil }, Want: "SubnetIDs"},
		{Name: "retention CloudWatch refuses", Mutate: func(p *Props) { p.LogRetentionDays = 10 }, Want: "LogRetentionDays"},
		{Name: "no retention", Mutate: func(p *Props) { p.LogRetentionDays = 0 }, Want: "LogRetentionDays"},
		{Name: "version out of standard support", Mutate: func(p *Props) { p.Version = "1.33" }, Want: "standard support"},
		{Name: "public to the internet", Mutate: func(p *Props) { p.PublicAccessCIDRs = []string{"0.0.0.0/0"} }, Want: "opens the cluster API to the internet"},
		{Name: "public not a CIDR", Mutate: func(p *Props) { p.PublicAccessCIDRs = []string{"office"} }, Want: "IPv4 CIDR"},
		{Name: "public range that is private", Mutate: func(p *Props) { p.PublicAccessCIDRs = []string{"10.0.0.0/8"} }, Want: "private (RFC 1918)"},
		{Name: "endpoint from anywhere", Mutate: func(p *Props) { p.EndpointSources[0].CIDR = jsii.String("0.0.0.0/0") }, Want: "EndpointSources"},
		{Name: "duplicate endpoint source", Mutate: func(p *Props) { p.EndpointSources = append(p.EndpointSources, p.EndpointSources[0]) }, Want: "unique"},
		{Name: "admin id not a label", Mutate: func(p *Props) { p.Admins[0].ID = "Ops Team" }, Want: "Admins"},
		{Name: "duplicate admin", Mutate: func(p *Props) { p.Admins = append(p.Admins, p.Admins[0]) }, Want: "unique"},
		{Name: "admin not an ARN", Mutate: func(p *Props) { p.Admins[0].PrincipalARN = jsii.String("ops") }, Want: "PrincipalARN"},
		{Name: "admin is a group", Mutate: func(p *Props) {
			p.Admins[0].PrincipalARN = jsii.String("arn:aws:iam::111111111111:group/ops")
		}, Want: "PrincipalARN"},
	})
}
