package stacks

import (
	"fmt"
	"slices"
	"testing"

	"stratum/config"
	"stratum/contract"
)

// TestClusterAPIReachable: dev, which has no VPN, opens its cluster's
// public endpoint to exactly the configured ranges, so services-dev and
// the client-*-dev stacks can be applied from outside the VPC; production
// and staging clusters stay private (reached from the VPC or over the
// VPN); and every environment has one of the two paths.
func TestClusterAPIReachable(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Platform, func(t *testing.T, env config.Environment, j tfJSON) {
		for _, c := range j.exactly(t, 1, "aws_eks_cluster") {
			vpc := jsonObject(c["vpc_config"])
			public, cidrs := vpc["endpoint_public_access"], jsonStrings(vpc["public_access_cidrs"])
			switch env.Name {
			case "dev":
				want := env.Cluster.PublicAccessCIDRs
				if public != true || len(want) == 0 || !slices.Equal(cidrs, want) {
					t.Errorf("public endpoint %v to %v, want on, to exactly %v", public, cidrs, want)
				}
			default:
				if public != false || len(cidrs) != 0 {
					t.Errorf("public endpoint %v to %v, want off", public, cidrs)
				}
			}
			if env.Production && public != false {
				t.Errorf("a production cluster with a public endpoint")
			}
			if vpc["endpoint_private_access"] != true {
				t.Errorf("private endpoint %v, want on: nodes and the VPC reach the API privately", vpc["endpoint_private_access"])
			}
			if public != true && !env.VPN.Enabled {
				t.Errorf("no public endpoint and no VPN: services-%s and the client stacks cannot reach the API", env.Name)
			}
			// Over the VPN the private endpoint admits the on-premises ranges.
			if env.VPN.Enabled {
				sources := map[string]bool{}
				for _, r := range j.resources("aws_vpc_security_group_ingress_rule") {
					if r["from_port"] == float64(443) {
						sources[fmt.Sprint(r["cidr_ipv4"])] = true
					}
				}
				for _, cidr := range env.VPN.OnPremisesCIDRs {
					if !sources[cidr] {
						t.Errorf("the API endpoint does not admit on-premises %s on 443 (have %v)", cidr, sources)
					}
				}
			}
		}
	})
}
