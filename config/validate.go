package config

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
)

// EnvironmentNames are the environments Stratum knows.
var EnvironmentNames = []string{"prod", "staging", "dev"}

var dnsLabel = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// IsDNSLabel reports whether s is a lowercase RFC 1123 label of at most max
// characters that starts with a letter.
func IsDNSLabel(s string, max int) bool {
	return len(s) <= max && dnsLabel.MatchString(s)
}

// FieldError is one problem in the configuration: who (an environment or a
// client), which field, the bad value and what is allowed.
type FieldError struct {
	Owner string // e.g. `environment "prod"` or `client "ezra"`
	Field string
	Value any
	Want  string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %#v is invalid: %s", e.Owner, e.Field, e.Value, e.Want)
}

// Problems collects FieldErrors.
type Problems struct{ errs []error }

// Add records a problem.
func (p *Problems) Add(owner, field string, value any, want string) {
	p.errs = append(p.errs, &FieldError{Owner: owner, Field: field, Value: value, Want: want})
}

// Err returns every recorded problem joined, or nil.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// Validate checks every environment and returns all problems at once.
func Validate(envs []Environment) error {
	var p Problems
	seen := map[string]bool{}
	for i, e := range envs {
		owner := fmt.Sprintf("environment %q", e.Name)
		if !contains(EnvironmentNames, e.Name) {
			p.Add(fmt.Sprintf("environment #%d", i), "Name", e.Name, fmt.Sprintf("one of %v", EnvironmentNames))
		}
		if seen[e.Name] {
			p.Add(owner, "Name", e.Name, "each environment once")
		}
		seen[e.Name] = true
		if _, err := netip.ParsePrefix(e.Network.CIDR); err != nil {
			p.Add(owner, "Network.CIDR", e.Network.CIDR, "an IPv4 CIDR such as 10.10.0.0/16")
		}
		validateDatabase(&p, owner, e)
	}
	return p.Err()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
