package awsrules

import (
	"fmt"
	"slices"
)

// What AWS Site-to-Site VPN accepts as tunnel options (EC2 API,
// VpnTunnelOptionsSpecification; checked 2026-11-25). Stratum's own,
// stricter policy is config's (checkVPNTunnels).
var (
	// VPNIKEVersions are the IKE versions a tunnel may allow.
	VPNIKEVersions = []string{"ikev1", "ikev2"}
	// VPNEncryptionAlgorithms are the phase 1 and phase 2 encryption
	// algorithms.
	VPNEncryptionAlgorithms = []string{"AES128", "AES256", "AES128-GCM-16", "AES256-GCM-16"}
	// VPNIntegrityAlgorithms are the phase 1 and phase 2 integrity
	// algorithms.
	VPNIntegrityAlgorithms = []string{"SHA1", "SHA2-256", "SHA2-384", "SHA2-512"}
	// VPNPhase1DHGroups and VPNPhase2DHGroups are the Diffie-Hellman
	// groups of each phase (phase 2 also accepts group 5).
	VPNPhase1DHGroups = []int{2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
	VPNPhase2DHGroups = []int{2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24}
)

// VPN tunnel lifetimes AWS accepts, in seconds; phase 2's must be shorter
// than phase 1's.
const (
	VPNMinLifetimeSeconds       = 900
	VPNMaxPhase1LifetimeSeconds = 28800
	VPNMaxPhase2LifetimeSeconds = 3600
)

// VPNLogOutputFormats are the formats of Site-to-Site VPN tunnel logs.
var VPNLogOutputFormats = []string{"json", "text"}

// VPNChoicesProblem returns "" if values is a non-empty list of distinct
// elements of allowed, and otherwise what is allowed.
func VPNChoicesProblem[T comparable](values, allowed []T) string {
	if len(values) == 0 {
		return fmt.Sprintf("at least one of %v", allowed)
	}
	for i, v := range values {
		if !slices.Contains(allowed, v) {
			return fmt.Sprintf("values among %v (AWS Site-to-Site VPN), not %v", allowed, v)
		}
		if slices.Index(values, v) != i {
			return fmt.Sprintf("each value once, not %v twice", v)
		}
	}
	return ""
}

// VPNLifetimesProblem returns "" if the phase 1 and phase 2 lifetimes are
// ones AWS accepts, and otherwise what is allowed.
func VPNLifetimesProblem(phase1, phase2 int) string {
	switch {
	case phase1 < VPNMinLifetimeSeconds || phase1 > VPNMaxPhase1LifetimeSeconds:
		return fmt.Sprintf("a phase 1 lifetime of %d–%d seconds", VPNMinLifetimeSeconds, VPNMaxPhase1LifetimeSeconds)
	case phase2 < VPNMinLifetimeSeconds || phase2 > VPNMaxPhase2LifetimeSeconds:
		return fmt.Sprintf("a phase 2 lifetime of %d–%d seconds", VPNMinLifetimeSeconds, VPNMaxPhase2LifetimeSeconds)
	case phase2 >= phase1:
		return fmt.Sprintf("a phase 2 lifetime shorter than phase 1's (%d seconds)", phase1)
	}
	return ""
}
