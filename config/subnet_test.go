package config_test

import (
	"net/netip"
	"strings"
	"testing"

	"stratum/config"
)

// TestSubnet: Subnet gives what Terraform's cidrsubnet gives. Every want
// below is the output of Terraform 1.11's console on this machine, e.g.
//
//	echo 'cidrsubnet("10.10.0.0/16", 4, 1)' | terraform console
//	"10.10.16.0/20"
func TestSubnet(t *testing.T) {
	cases := []struct {
		prefix          string
		newbits, netnum int
		want            string
	}{
		{"10.10.0.0/16", 8, 0, "10.10.0.0/24"},
		{"10.10.0.0/16", 8, 2, "10.10.2.0/24"},
		{"10.10.0.0/16", 4, 1, "10.10.16.0/20"},
		{"10.10.0.0/16", 4, 3, "10.10.48.0/20"},
		{"10.10.0.0/16", 8, 8, "10.10.8.0/24"},
		{"10.10.0.0/16", 8, 10, "10.10.10.0/24"},
		{"10.30.0.0/18", 4, 1, "10.30.4.0/22"},
		{"10.30.0.0/18", 8, 9, "10.30.2.64/26"},
		{"100.64.0.0/10", 6, 63, "100.127.0.0/16"},
		{"172.16.0.0/12", 0, 0, "172.16.0.0/12"},
		{"10.0.0.0/8", 24, 16777215, "10.255.255.255/32"},
		{"192.168.0.0/24", 8, 255, "192.168.0.255/32"},
		// Host bits are dropped first, as cidrsubnet does.
		{"10.10.4.0/16", 8, 1, "10.10.1.0/24"},
	}
	for _, tc := range cases {
		got, err := config.Subnet(netip.MustParsePrefix(tc.prefix), tc.newbits, tc.netnum)
		if err != nil || got.String() != tc.want {
			t.Errorf("Subnet(%s, %d, %d) = %v, %v, want %s (cidrsubnet)", tc.prefix, tc.newbits, tc.netnum, got, err, tc.want)
		}
	}
}

// TestSubnetErrors: where cidrsubnet fails, Subnet fails too, and it also
// refuses what Stratum never asks for: a negative number (for which
// Terraform 1.11 returns the nonsense "0.0.16.0/20" from
// cidrsubnet("10.10.0.0/16", 4, -1)) and IPv6.
func TestSubnetErrors(t *testing.T) {
	cases := []struct {
		prefix          string
		newbits, netnum int
		want            string
	}{
		// cidrsubnet: "prefix extension of 8 does not accommodate a subnet numbered 256"
		{"10.10.0.0/16", 8, 256, "no block 256"},
		// cidrsubnet: "insufficient address space to extend prefix of 30 by 3"
		{"10.10.0.0/30", 3, 0, "no room for 3 more bits"},
		{"10.10.0.0/16", 4, -1, "no block -1"},
		{"fd00::/8", 8, 1, "not IPv4"},
	}
	for _, tc := range cases {
		if got, err := config.Subnet(netip.MustParsePrefix(tc.prefix), tc.newbits, tc.netnum); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Subnet(%s, %d, %d) = %v, %v, want an error mentioning %q", tc.prefix, tc.newbits, tc.netnum, got, err, tc.want)
		}
	}
}

// TestSubnetPlan: each tier gets one subnet per zone, from the blocks the
// plan documents, none overlapping.
func TestSubnetPlan(t *testing.T) {
	plan, err := config.Network{CIDR: "10.10.0.0/16", AvailabilityZones: []string{"a", "b", "c"}}.SubnetPlan()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"public":   {"10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"},
		"private":  {"10.10.16.0/20", "10.10.32.0/20", "10.10.48.0/20"},
		"database": {"10.10.8.0/24", "10.10.9.0/24", "10.10.10.0/24"},
	}
	var all []netip.Prefix
	for tier, got := range map[string][]netip.Prefix{"public": plan.Public, "private": plan.Private, "database": plan.Database} {
		if len(got) != len(want[tier]) {
			t.Fatalf("%s: %v, want %v", tier, got, want[tier])
		}
		for i, p := range got {
			if p.String() != want[tier][i] {
				t.Errorf("%s[%d] = %s, want %s", tier, i, p, want[tier][i])
			}
			for _, other := range all {
				if other.Overlaps(p) {
					t.Errorf("%s[%d] %s overlaps %s", tier, i, p, other)
				}
			}
			all = append(all, p)
		}
	}
}
