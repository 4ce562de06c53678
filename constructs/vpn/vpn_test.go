package vpn

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/kms"
	"stratum/testkit/propstest"
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
		Tunnels: Tunnels{
			IKEVersions: []string{"ikev2"},
			Phase1:      Phase{EncryptionAlgorithms: []string{"AES256-GCM-16"}, IntegrityAlgorithms: []string{"SHA2-256"}, DHGroupNumbers: []int{20}, LifetimeSeconds: 28800},
			Phase2:      Phase{EncryptionAlgorithms: []string{"AES256-GCM-16"}, IntegrityAlgorithms: []string{"SHA2-256"}, DHGroupNumbers: []int{20}, LifetimeSeconds: 3600},
		},
		LogKey:           kms.FromARN(jsii.String("arn:aws:kms:us-east-1:111111111111:key/1"), "us-east-1"),
		LogRetentionDays: 30,
		Region:           "us-east-1",
	}
}

func TestValidate(t *testing.T) {
	static := validProps()
	static.StaticRoutesOnly, static.StaticRoutes = true, []string{"172.16.0.0/16"}
	if err := static.validate(); err != nil {
		t.Fatalf("valid static props: %v", err)
	}
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "single gateway", Mutate: func(p *Props) { p.CustomerGateways = p.CustomerGateways[:1] }, Want: "at least 2"},
		{Name: "duplicate name", Mutate: func(p *Props) { p.CustomerGateways[1].Name = "dc-a" }, Want: "Name"},
		{Name: "name not an id", Mutate: func(p *Props) { p.CustomerGateways[0].Name = "DC A" }, Want: "Name"},
		{Name: "bad ip", Mutate: func(p *Props) { p.CustomerGateways[0].IPAddress = "203.0.113" }, Want: "IPAddress"},
		{Name: "private ip", Mutate: func(p *Props) { p.CustomerGateways[0].IPAddress = "10.1.2.3" }, Want: "private (RFC 1918)"},
		{Name: "same ip twice", Mutate: func(p *Props) { p.CustomerGateways[1].IPAddress = "203.0.113.1" }, Want: "IPAddress"},
		{Name: "reserved asn", Mutate: func(p *Props) { p.CustomerGateways[0].BGPASN = 7224 }, Want: "BGPASN"},
		{Name: "zero asn", Mutate: func(p *Props) { p.CustomerGateways[0].BGPASN = 0 }, Want: "BGPASN"},
		{Name: "public amazon asn", Mutate: func(p *Props) { p.AmazonSideASN = 16509 }, Want: "AmazonSideASN"},
		{Name: "long gateway name", Mutate: func(p *Props) { p.CustomerGateways[0].Name = strings.Repeat("a", 33) }, Want: "at most 32"},
		{Name: "static without routes", Mutate: func(p *Props) { p.StaticRoutesOnly = true }, Want: "StaticRoutes"},
		{Name: "routes with bgp", Mutate: func(p *Props) { p.StaticRoutes = []string{"172.16.0.0/16"} }, Want: "StaticRoutes"},
		{Name: "bad route", Mutate: func(p *Props) { p.StaticRoutesOnly, p.StaticRoutes = true, []string{"172.16.0.1/16"} }, Want: "StaticRoutes"},
		{Name: "no alarm topic", Mutate: func(p *Props) { p.AlarmTopicARN = nil }, Want: "AlarmTopicARN"},
		{Name: "no vpc", Mutate: func(p *Props) { p.VPCID = nil }, Want: "VPCID"},
		{Name: "nil route table", Mutate: func(p *Props) { p.PropagateTo["db"] = nil }, Want: "PropagateTo"},
		{Name: "no log key", Mutate: func(p *Props) { p.LogKey = nil }, Want: "LogKey"},
		{Name: "log retention", Mutate: func(p *Props) { p.LogRetentionDays = 366 }, Want: "LogRetentionDays"},
		{Name: "region", Mutate: func(p *Props) { p.Region = "" }, Want: "Region"},
		{Name: "no IKE version", Mutate: func(p *Props) { p.Tunnels.IKEVersions = nil }, Want: "Tunnels.IKEVersions"},
		{Name: "IKE version", Mutate: func(p *Props) { p.Tunnels.IKEVersions = []string{"ikev3"} }, Want: "Tunnels.IKEVersions"},
		{Name: "encryption", Mutate: func(p *Props) { p.Tunnels.Phase2.EncryptionAlgorithms = []string{"AES192"} }, Want: "Tunnels.Phase2.EncryptionAlgorithms"},
		{Name: "integrity twice", Mutate: func(p *Props) { p.Tunnels.Phase1.IntegrityAlgorithms = []string{"SHA2-256", "SHA2-256"} }, Want: "each value once"},
		{Name: "group 5 in phase 1", Mutate: func(p *Props) { p.Tunnels.Phase1.DHGroupNumbers = []int{5} }, Want: "Tunnels.Phase1.DHGroupNumbers"},
		{Name: "phase 2 lifetime", Mutate: func(p *Props) { p.Tunnels.Phase2.LifetimeSeconds = 7200 }, Want: "900–3600"},
		{Name: "phase 2 outlives phase 1", Mutate: func(p *Props) { p.Tunnels.Phase1.LifetimeSeconds, p.Tunnels.Phase2.LifetimeSeconds = 1800, 1800 }, Want: "shorter than phase 1"},
	})
}
