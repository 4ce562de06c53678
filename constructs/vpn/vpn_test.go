package vpn

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

func validProps() Props {
	return Props{
		Name:  "stratum-test",
		VPCID: jsii.String("vpc-1"),
		CustomerGateways: []CustomerGateway{
			{Name: "dc-a", IPAddress: "203.0.113.1", BGPASN: 65001},
			{Name: "dc-b", IPAddress: "198.51.100.1", BGPASN: 65002},
		},
		PropagateTo:   map[string]*string{"private": jsii.String("rtb-1")},
		AlarmTopicARN: jsii.String("arn:aws:sns:us-east-1:111111111111:alarms"),
	}
}

func TestValidate(t *testing.T) {
	ok := validProps()
	if err := ok.validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	static := validProps()
	static.StaticRoutesOnly, static.StaticRoutes = true, []string{"172.16.0.0/16"}
	if err := static.validate(); err != nil {
		t.Fatalf("valid static props: %v", err)
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string
	}{
		{"single gateway", func(p *Props) { p.CustomerGateways = p.CustomerGateways[:1] }, "at least 2"},
		{"duplicate name", func(p *Props) { p.CustomerGateways[1].Name = "dc-a" }, "Name"},
		{"name not an id", func(p *Props) { p.CustomerGateways[0].Name = "DC A" }, "Name"},
		{"bad ip", func(p *Props) { p.CustomerGateways[0].IPAddress = "203.0.113" }, "IPAddress"},
		{"private ip", func(p *Props) { p.CustomerGateways[0].IPAddress = "10.1.2.3" }, "private (RFC 1918)"},
		{"same ip twice", func(p *Props) { p.CustomerGateways[1].IPAddress = "203.0.113.1" }, "IPAddress"},
		{"reserved asn", func(p *Props) { p.CustomerGateways[0].BGPASN = 7224 }, "BGPASN"},
		{"zero asn", func(p *Props) { p.CustomerGateways[0].BGPASN = 0 }, "BGPASN"},
		{"public amazon asn", func(p *Props) { p.AmazonSideASN = 16509 }, "AmazonSideASN"},
		{"long gateway name", func(p *Props) { p.CustomerGateways[0].Name = strings.Repeat("a", 33) }, "at most 32"},
		{"static without routes", func(p *Props) { p.StaticRoutesOnly = true }, "StaticRoutes"},
		{"routes with bgp", func(p *Props) { p.StaticRoutes = []string{"172.16.0.0/16"} }, "StaticRoutes"},
		{"bad route", func(p *Props) { p.StaticRoutesOnly, p.StaticRoutes = true, []string{"172.16.0.1/16"} }, "StaticRoutes"},
		{"no alarm topic", func(p *Props) { p.AlarmTopicARN = nil }, "AlarmTopicARN"},
		{"no vpc", func(p *Props) { p.VPCID = nil }, "VPCID"},
		{"nil route table", func(p *Props) { p.PropagateTo["db"] = nil }, "PropagateTo"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			p.CustomerGateways = append([]CustomerGateway(nil), p.CustomerGateways...)
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
