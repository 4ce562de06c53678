package network

import (
	"strings"
	"testing"

	"stratum/constructs/kms"
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
	ok := validProps()
	if err := ok.validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string // in the message
	}{
		{"no name", func(p *Props) { p.Name = "" }, "Name"},
		{"bad cidr", func(p *Props) { p.CIDR = "10.40.0.1/16" }, "CIDR"},
		{"one zone", func(p *Props) { p.AvailabilityZones = p.AvailabilityZones[:1] }, "AvailabilityZones"},
		{"duplicate zone", func(p *Props) { p.AvailabilityZones = []string{"us-east-1a", "us-east-1a"} }, "AvailabilityZones"},
		{"subnet count", func(p *Props) { p.PrivateSubnets = p.PrivateSubnets[:1] }, "PrivateSubnets"},
		{"subnet outside vpc", func(p *Props) { p.DatabaseSubnets[1] = "10.41.9.0/24" }, "DatabaseSubnets"},
		{"overlapping subnets", func(p *Props) { p.DatabaseSubnets[0] = "10.40.16.0/24" }, "overlaps"},
		{"no key", func(p *Props) { p.FlowLogKey = nil }, "FlowLogKey"},
		{"retention not accepted by CloudWatch", func(p *Props) { p.FlowLogRetentionDays = 31 }, "FlowLogRetentionDays"},
		{"retention forgotten", func(p *Props) { p.FlowLogRetentionDays = 0 }, "FlowLogRetentionDays"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
