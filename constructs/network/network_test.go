package network

import (
	"testing"

	"stratum/constructs/kms"
	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		Name:                 "stratum-test",
		CIDR:                 "10.40.0.0/16",
		AvailabilityZones:    []string{"us-east-1a", "us-east-1b"},
		PublicSubnets:        []string{"10.40.0.0/24", "10.40.1.0/24"},
		PrivateSubnets:       []string{"10.40.16.0/20", "10.40.32.0/20"},
		DatabaseSubnets:      []string{"10.40.8.0/24", "10.40.9.0/24"},
		SingleNATGateway:     true,
		FlowLogKey:           &kms.Key{},
		FlowLogRetentionDays: 30,
	}
}

func TestValidate(t *testing.T) {
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "no name", Mutate: func(p *Props) { p.Name = "" }, Want: "Name"},
		{Name: "bad cidr", Mutate: func(p *Props) { p.CIDR = "10.40.0.1/16" }, Want: "CIDR"},
		{Name: "one zone", Mutate: func(p *Props) { p.AvailabilityZones = p.AvailabilityZones[:1] }, Want: "AvailabilityZones"},
		{Name: "duplicate zone", Mutate: func(p *Props) { p.AvailabilityZones = []string{"us-east-1a", "us-east-1a"} }, Want: "AvailabilityZones"},
		{Name: "subnet count", Mutate: func(p *Props) { p.PrivateSubnets = p.PrivateSubnets[:1] }, Want: "PrivateSubnets"},
		{Name: "subnet outside vpc", Mutate: func(p *Props) { p.DatabaseSubnets[1] = "10.41.9.0/24" }, Want: "DatabaseSubnets"},
		{Name: "overlapping subnets", Mutate: func(p *Props) { p.DatabaseSubnets[0] = "10.40.16.0/24" }, Want: "overlaps"},
		{Name: "no key", Mutate: func(p *Props) { p.FlowLogKey = nil }, Want: "FlowLogKey"},
		{Name: "retention not accepted by CloudWatch", Mutate: func(p *Props) { p.FlowLogRetentionDays = 31 }, Want: "FlowLogRetentionDays"},
		{Name: "retention forgotten", Mutate: func(p *Props) { p.FlowLogRetentionDays = 0 }, Want: "FlowLogRetentionDays"},
	})
}
