package awsrules

import (
	"fmt"
	"net/netip"
	"slices"
)

// ParseIPv4Prefix parses an IPv4 CIDR written as its network address, or
// says what is wrong with it.
func ParseIPv4Prefix(s string) (netip.Prefix, string) {
	prefix, err := netip.ParsePrefix(s)
	if err != nil || !prefix.Addr().Is4() {
		return netip.Prefix{}, "an IPv4 CIDR such as 10.10.0.0/16"
	}
	if prefix.Masked() != prefix {
		return netip.Prefix{}, fmt.Sprintf("an IPv4 CIDR written as its network address: %s", prefix.Masked())
	}
	return prefix, ""
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// PrivateRangesText names the ranges IsPrivateRange accepts, for messages.
const PrivateRangesText = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918) or 100.64.0.0/10 (RFC 6598), the ranges AWS recommends for VPCs"

// IsPrivateRange reports whether prefix lies inside a range AWS recommends
// for VPCs: RFC 1918 or the shared address space of RFC 6598.
func IsPrivateRange(prefix netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= prefix.Bits() && r.Contains(prefix.Addr()) {
			return true
		}
	}
	return false
}

// nonPublicIPv4 are the IPv4 ranges that are not reachable on the
// internet, so a VPN endpoint there cannot work. The documentation ranges
// (TEST-NET-1/2/3: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) are
// deliberately allowed: the sample configuration uses them as placeholders,
// like its placeholder account ID, until the real routers are known.
var nonPublicIPv4 = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network", including the unspecified address (RFC 1122)`},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT shared space (RFC 6598)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments (RFC 6890)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking (RFC 2544)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, including broadcast 255.255.255.255"},
}

// PublicIPv4Problem says why s is not a public IPv4 address, or returns "".
func PublicIPv4Problem(s string) string {
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is4() {
		return "a public IPv4 address such as 203.0.113.10"
	}
	for _, r := range nonPublicIPv4 {
		if r.prefix.Contains(addr) {
			return fmt.Sprintf("a public IPv4 address: it is in %s, %s", r.prefix, r.what)
		}
	}
	return ""
}

// PublicAccessCIDRProblem says why s cannot open the EKS public endpoint,
// or returns "". EKS rejects non-public ranges there, and 0.0.0.0/0 would
// open the API server to the whole internet.
func PublicAccessCIDRProblem(s string) string {
	prefix, problem := ParseIPv4Prefix(s)
	if problem != "" {
		return problem
	}
	if prefix.Bits() == 0 {
		return "a specific public range such as 203.0.113.0/24: 0.0.0.0/0 opens the cluster API to the internet"
	}
	for _, r := range nonPublicIPv4 {
		if r.prefix.Overlaps(prefix) {
			return fmt.Sprintf("a public IPv4 range: it overlaps %s, %s", r.prefix, r.what)
		}
	}
	return ""
}

// ReservedCustomerASNs are ASNs AWS does not accept for customer gateways.
var ReservedCustomerASNs = []int{7224, 9059, 10124, 17493}

// IsCustomerASN reports whether asn is accepted for a customer gateway.
func IsCustomerASN(asn int) bool {
	return asn >= 1 && asn <= 2147483647 && !slices.Contains(ReservedCustomerASNs, asn)
}

// DefaultAmazonSideASN is the ASN AWS gives a virtual private gateway that
// is created without one.
const DefaultAmazonSideASN = 64512

// IsAmazonSideASN reports whether asn is accepted for a virtual private
// gateway: a private 16-bit or 32-bit ASN.
func IsAmazonSideASN(asn int) bool {
	return (asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294)
}

// AmazonSideASNsText names the ASNs IsAmazonSideASN accepts, for messages.
const AmazonSideASNsText = "64512–65534 or 4200000000–4294967294 (private ASNs)"
