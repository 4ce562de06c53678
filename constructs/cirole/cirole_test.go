package cirole

import (
	"strings"
	"testing"

	_ "stratum/testkit/golden" // accepts -update like every test package
)

func TestValidate(t *testing.T) {
	p := &Provider{Issuer: "token.actions.githubusercontent.com"}
	ok := func() *Props {
		boundary := "arn:aws:iam::1:policy/b"
		return &Props{Name: "r", PermissionsBoundary: &boundary, Trusts: []Trust{{Sid: "S", Provider: p, Audience: "sts.amazonaws.com", Subjects: []string{"repo:o/r:pull_request"}}}}
	}
	if err := ok().validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Props)
		want   string
	}{
		{"no trust", func(p *Props) { p.Trusts = nil }, "at least one"},
		{"no boundary", func(p *Props) { p.PermissionsBoundary = nil }, "PermissionsBoundary is required"},
		{"no subject", func(p *Props) { p.Trusts[0].Subjects = nil }, "admits every repository"},
		{"wildcard subject", func(p *Props) { p.Trusts[0].Subjects = []string{"repo:o/*"} }, "without wildcards"},
		{"wildcard audience", func(p *Props) { p.Trusts[0].Audience = "*" }, "Audience"},
		{"pattern too open", func(p *Props) { p.Trusts[0].SubjectPattern = "project_path:*" }, "at least two claims"},
		{"pattern mid wildcard", func(p *Props) { p.Trusts[0].SubjectPattern = "project_path:g/*:ref:*" }, "SubjectPattern"},
		{"long name", func(p *Props) { p.Name = strings.Repeat("x", 65) }, "1 to 64"},
		{"session", func(p *Props) { p.MaxSessionDurationSeconds = 60 }, "3600 to 43200"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ok()
			tc.mutate(p)
			if err := p.validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	good := ok()
	good.Trusts[0].Subjects = nil
	good.Trusts[0].SubjectPattern = "project_path:g/p:ref_type:branch:ref:*"
	if err := good.validate(); err != nil {
		t.Errorf("branch pattern: %v", err)
	}
	good.Trusts[0].SubjectPattern = "repo:o/r:pull_request:ref:refs/pull/*"
	if err := good.validate(); err != nil {
		t.Errorf("pull request pattern: %v", err)
	}
	team := ok()
	team.Trusts, team.AssumedBy = nil, []string{"arn:aws:iam::1:role/team"}
	if err := team.validate(); err != nil {
		t.Errorf("team-only role: %v", err)
	}
}
