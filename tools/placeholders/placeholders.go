// Package placeholders finds the configuration values that are still the
// examples this repository ships with — AWS account ids, reserved example
// domains and e-mail addresses, documentation address ranges, the example
// repository, the example paging key — which a team replaces with its
// own before deploying. `stratum placeholders` (make placeholders) lists
// every one still set. Each value is judged by what it is, not by a list
// of known examples, and every field of every environment is visited, so
// a field added later is checked too.
package placeholders

import (
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"text/tabwriter"

	"stratum/config"
)

// Placeholder is one value still set to an example.
type Placeholder struct {
	// Environment and Field say where it is (Field as in Go, e.g.
	// Alerts.Emails[0]).
	Environment string `json:"environment"`
	Field       string `json:"field"`
	Value       string `json:"value"`
	// Why says what makes it an example.
	Why string `json:"why"`
}

// Find returns every placeholder of envs, in the environments' order and
// their fields' order.
func Find(envs []config.Environment) []Placeholder {
	var out []Placeholder
	for _, e := range envs {
		walk(reflect.ValueOf(e), "", func(field, value string) {
			if why := Why(value); why != "" {
				out = append(out, Placeholder{Environment: e.Name, Field: field, Value: value, Why: why})
			}
		})
	}
	return out
}

// walk calls f with every string reachable from v (struct fields,
// pointers, slices, maps) and its path.
// FindOwners returns the code owners (config/owners.go) still set to
// this repository's examples: Environment "owners".
func FindOwners(o config.CodeOwners) []Placeholder {
	var out []Placeholder
	walk(reflect.ValueOf(o), "", func(field, value string) {
		if why := Why(value); why != "" {
			out = append(out, Placeholder{Environment: "owners", Field: field, Value: value, Why: why})
		}
	})
	return out
}

func walk(v reflect.Value, path string, f func(path, value string)) {
	switch v.Kind() {
	case reflect.String:
		f(path, v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), path, f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				walk(v.Field(i), strings.TrimPrefix(path+"."+sf.Name, "."), f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), f)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			walk(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key()), f)
		}
	}
}

var (
	// accountID finds 12-digit AWS account ids, alone or inside an ARN.
	accountID = regexp.MustCompile(`(?:^|:)(\d{12})(?::|$)`)
	// exampleKey is the digits-then-letters run of example keys and ids.
	exampleKey = regexp.MustCompile(`0123456789abcdef|1234567890abcdef`)
	// repository is owner/name.
	repository = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
)

// documentation are the address ranges reserved for documentation (RFC
// 5737 and RFC 3849): routed nowhere.
var documentation = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// Why says what makes value an example, or "" when it is not one.
func Why(value string) string {
	v := strings.TrimSpace(value)
	if v == "" {
		return ""
	}
	if m := accountID.FindStringSubmatch(v); m != nil && exampleAccount(m[1]) {
		if strings.HasPrefix(v, "arn:") {
			return "an ARN in an example AWS account (" + m[1] + ")"
		}
		return "an example AWS account id"
	}
	if host := hostOf(v); host != "" && reservedDomain(host) {
		return "a domain reserved for examples (RFC 2606): " + host
	}
	if inDocumentationRange(v) {
		return "an address range reserved for documentation (RFC 5737), routed nowhere"
	}
	if exampleKey.MatchString(strings.ToLower(v)) {
		return "an example key"
	}
	if org, _, _ := strings.Cut(strings.TrimPrefix(v, "@"), "/"); strings.HasPrefix(v, "@") && strings.HasPrefix(org, "example") {
		return "the example code owner " + v
	}
	if owner := repositoryOwner(v); strings.HasPrefix(owner, "example") {
		return "the example repository owner " + owner
	}
	return ""
}

// exampleAccount: one digit twelve times, or the ascending run of the
// AWS documentation.
func exampleAccount(id string) bool {
	if id == "123456789012" || id == "012345678901" {
		return true
	}
	return strings.Count(id, id[:1]) == len(id)
}

// hostOf is the host of a URL, of an e-mail address or of a bare domain.
func hostOf(v string) string {
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		return strings.ToLower(u.Hostname())
	}
	if _, domain, ok := strings.Cut(v, "@"); ok {
		return strings.ToLower(domain)
	}
	if strings.Contains(v, ".") && !strings.ContainsAny(v, " /:") {
		return strings.ToLower(v)
	}
	return ""
}

func reservedDomain(host string) bool {
	for _, d := range []string{"example.com", "example.net", "example.org"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	for _, tld := range []string{".example", ".test", ".invalid"} {
		if strings.HasSuffix(host, tld) {
			return true
		}
	}
	return false
}

func inDocumentationRange(v string) bool {
	var addr netip.Addr
	if p, err := netip.ParsePrefix(v); err == nil {
		addr = p.Addr()
	} else if a, err := netip.ParseAddr(v); err == nil {
		addr = a
	} else {
		return false
	}
	for _, d := range documentation {
		if d.Contains(addr) {
			return true
		}
	}
	return false
}

// repositoryOwner is the owner of an owner/name repository, or of a
// GitHub or GitLab URL's repository.
func repositoryOwner(v string) string {
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		owner, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		return strings.ToLower(owner)
	}
	if repository.MatchString(v) {
		owner, _, _ := strings.Cut(v, "/")
		return strings.ToLower(owner)
	}
	return ""
}

// Write prints the placeholders as a table for people.
func Write(w io.Writer, ps []Placeholder) error {
	if len(ps) == 0 {
		_, err := fmt.Fprintln(w, "No placeholder is set: every value of config/environments.go is your own.")
		return err
	}
	fmt.Fprintf(w, "%d configuration values are still this repository's examples; replace them in config/environments.go before deploying:\n\n", len(ps))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENVIRONMENT\tFIELD\tVALUE\tWHY")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Environment, p.Field, p.Value, p.Why)
	}
	return tw.Flush()
}
