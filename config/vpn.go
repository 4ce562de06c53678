package config

import (
	"fmt"
	"slices"

	"stratum/awsrules"
)

// VPNTunnels are the IKE and IPsec options of every tunnel of both VPN
// connections. AWS's defaults accept IKEv1, SHA1 and DH group 2; Stratum
// pins strong ones instead. The on-premises routers must propose a
// matching combination, or the tunnels do not come up (see
// docs/vpn.md).
type VPNTunnels struct {
	// IKEVersions the tunnels accept. Default: ["ikev2"].
	IKEVersions []string
	// Phase1 is the IKE SA, Phase2 the IPsec (child) SA.
	// Default: DefaultVPNPhase1 and DefaultVPNPhase2.
	Phase1, Phase2 VPNPhase
}

// VPNPhase is the algorithms and lifetime of one IKE phase. An empty
// field takes its default.
type VPNPhase struct {
	// EncryptionAlgorithms, from awsrules.VPNEncryptionAlgorithms, AES-256
	// only by policy. Default: ["AES256-GCM-16", "AES256"] (GCM where the
	// router supports it, AES-256-CBC otherwise).
	EncryptionAlgorithms []string
	// IntegrityAlgorithms, from awsrules.VPNIntegrityAlgorithms, SHA-2
	// only by policy. Default: ["SHA2-256", "SHA2-384", "SHA2-512"].
	IntegrityAlgorithms []string
	// DHGroupNumbers, at least 128-bit strong by policy
	// (PolicyVPNDHGroups). Default: [19, 20, 21] (ECP 256, 384, 521).
	DHGroupNumbers []int
	// LifetimeSeconds is the SA lifetime. Default: 28800 (phase 1) and
	// 3600 (phase 2), AWS's defaults.
	LifetimeSeconds int
}

// Stratum's minimum strength for VPN tunnels: IKEv2 only, AES-256, SHA-2,
// and Diffie-Hellman groups of at least 128-bit strength: MODP 3072–8192
// (15–18) and ECP 256–521 (19–21). Groups 2, 5 and 14 (MODP ≤ 2048) are
// too weak, and 22–24 (RFC 5114 MODP with small subgroups) are ones RFC
// 8247 says not to use.
var (
	PolicyVPNIKEVersions          = []string{"ikev2"}
	PolicyVPNEncryptionAlgorithms = []string{"AES256", "AES256-GCM-16"}
	PolicyVPNIntegrityAlgorithms  = []string{"SHA2-256", "SHA2-384", "SHA2-512"}
	PolicyVPNDHGroups             = []int{15, 16, 17, 18, 19, 20, 21}
)

// DefaultVPNPhase1 and DefaultVPNPhase2 are the phases' defaults.
var (
	DefaultVPNPhase1 = VPNPhase{
		EncryptionAlgorithms: []string{"AES256-GCM-16", "AES256"},
		IntegrityAlgorithms:  []string{"SHA2-256", "SHA2-384", "SHA2-512"},
		DHGroupNumbers:       []int{19, 20, 21},
		LifetimeSeconds:      28800,
	}
	DefaultVPNPhase2 = VPNPhase{
		EncryptionAlgorithms: []string{"AES256-GCM-16", "AES256"},
		IntegrityAlgorithms:  []string{"SHA2-256", "SHA2-384", "SHA2-512"},
		DHGroupNumbers:       []int{19, 20, 21},
		LifetimeSeconds:      3600,
	}
)

// Effective is t with every empty field set to its default: what the
// tunnels are configured with.
func (t VPNTunnels) Effective() VPNTunnels {
	if len(t.IKEVersions) == 0 {
		t.IKEVersions = slices.Clone(PolicyVPNIKEVersions)
	}
	t.Phase1 = t.Phase1.withDefaults(DefaultVPNPhase1)
	t.Phase2 = t.Phase2.withDefaults(DefaultVPNPhase2)
	return t
}

func (p VPNPhase) withDefaults(d VPNPhase) VPNPhase {
	if len(p.EncryptionAlgorithms) == 0 {
		p.EncryptionAlgorithms = slices.Clone(d.EncryptionAlgorithms)
	}
	if len(p.IntegrityAlgorithms) == 0 {
		p.IntegrityAlgorithms = slices.Clone(d.IntegrityAlgorithms)
	}
	if len(p.DHGroupNumbers) == 0 {
		p.DHGroupNumbers = slices.Clone(d.DHGroupNumbers)
	}
	if p.LifetimeSeconds == 0 {
		p.LifetimeSeconds = d.LifetimeSeconds
	}
	return p
}

// checkVPNTunnels records what AWS would refuse and what is below
// Stratum's minimum strength, in the effective options.
func checkVPNTunnels(p *Problems, owner string, v VPN) {
	t := v.Tunnels.Effective()
	choices(p, owner, "VPN.Tunnels.IKEVersions", t.IKEVersions, awsrules.VPNIKEVersions, PolicyVPNIKEVersions,
		"IKEv2 only (policy: IKEv1 is not offered)")
	for _, ph := range []struct {
		name   string
		phase  VPNPhase
		groups []int
	}{{"Phase1", t.Phase1, awsrules.VPNPhase1DHGroups}, {"Phase2", t.Phase2, awsrules.VPNPhase2DHGroups}} {
		field := "VPN.Tunnels." + ph.name
		choices(p, owner, field+".EncryptionAlgorithms", ph.phase.EncryptionAlgorithms, awsrules.VPNEncryptionAlgorithms, PolicyVPNEncryptionAlgorithms,
			fmt.Sprintf("AES-256 only (policy): among %v", PolicyVPNEncryptionAlgorithms))
		choices(p, owner, field+".IntegrityAlgorithms", ph.phase.IntegrityAlgorithms, awsrules.VPNIntegrityAlgorithms, PolicyVPNIntegrityAlgorithms,
			fmt.Sprintf("SHA-2 only (policy): among %v", PolicyVPNIntegrityAlgorithms))
		choices(p, owner, field+".DHGroupNumbers", ph.phase.DHGroupNumbers, ph.groups, PolicyVPNDHGroups,
			fmt.Sprintf("groups of at least 128-bit strength (policy): among %v", PolicyVPNDHGroups))
	}
	if problem := awsrules.VPNLifetimesProblem(t.Phase1.LifetimeSeconds, t.Phase2.LifetimeSeconds); problem != "" {
		p.Add(owner, "VPN.Tunnels.Phase2.LifetimeSeconds", fmt.Sprintf("%d/%d", t.Phase1.LifetimeSeconds, t.Phase2.LifetimeSeconds),
			problem+" (phase 1/phase 2)")
	}
}

// choices records values that AWS does not accept, and then those that
// the policy does not.
func choices[T comparable](p *Problems, owner, field string, values, aws, policy []T, want string) {
	if problem := awsrules.VPNChoicesProblem(values, aws); problem != "" {
		p.Add(owner, field, values, problem)
		return
	}
	for _, v := range values {
		if !slices.Contains(policy, v) {
			p.Add(owner, field, values, fmt.Sprintf("%s, not %v", want, v))
			return
		}
	}
}
