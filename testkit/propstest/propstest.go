// Package propstest checks a construct's props validation the way every
// construct test does: valid props pass, and each case's change fails
// with an error that names the problem.
package propstest

import (
	"strings"
	"testing"
)

// Case changes valid props so that validation fails with an error
// containing Want (typically the prop's name).
type Case[P any] struct {
	Name   string
	Mutate func(p *P)
	Want   string
}

// Check runs validate on valid() (it must pass) and on valid() changed by
// each case (it must fail, mentioning the case's Want). valid must return
// fresh props each call, so that cases do not see each other's changes.
func Check[P any](t *testing.T, valid func() P, validate func(P) error, cases []Case[P]) {
	t.Helper()
	if err := validate(valid()); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			p := valid()
			tc.Mutate(&p)
			if err := validate(p); err == nil || !strings.Contains(err.Error(), tc.Want) {
				t.Errorf("validate(%+v) = %v, want an error mentioning %q", p, err, tc.Want)
			}
		})
	}
}

// Accepts runs validate on valid() changed by each case: it must pass
// (Want is unused). It shows that a construct accepts what the
// configuration's validation does.
func Accepts[P any](t *testing.T, valid func() P, validate func(P) error, cases []Case[P]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			p := valid()
			tc.Mutate(&p)
			if err := validate(p); err != nil {
				t.Errorf("validate(%+v) = %v, want nil", p, err)
			}
		})
	}
}
