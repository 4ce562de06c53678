// Package configtest holds test helpers for the validation of
// environments (config) and clients (clients).
package configtest

import (
	"cmp"
	"fmt"
	"strings"
	"testing"

	"stratum/config"
)

// ExpectOne checks that err holds exactly one problem and that its
// message names the owner, the field, the bad value and what is allowed.
func ExpectOne(t *testing.T, err error, owner, field, value, want string) {
	t.Helper()
	problems := config.FieldErrors(err)
	if len(problems) != 1 {
		t.Fatalf("Validate() = %d problems, want 1 (%s %s):\n%v", len(problems), owner, field, err)
	}
	fe := problems[0]
	if fe.Owner != owner || fe.Field != field {
		t.Errorf("problem names %s %s, want %s %s: %v", fe.Owner, fe.Field, owner, field, fe)
	}
	if got := fmt.Sprintf("%#v", fe.Value); !strings.Contains(got, value) {
		t.Errorf("problem value %s, want it to contain %q: %v", got, value, fe)
	}
	if !strings.Contains(fe.Want, want) {
		t.Errorf("problem allows %q, want it to mention %q: %v", fe.Want, want, fe)
	}
	msg := fe.Error()
	for _, part := range []string{owner, field, value, want} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q does not contain %q", msg, part)
		}
	}
}

// SecondProduction is a second production environment built from envs'
// prod: prod-eu in eu-west-1, with its own network range, state backend and
// domain, and every production protection prod has.
func SecondProduction(envs []config.Environment) config.Environment {
	prod, err := config.Get(envs, config.ProdName)
	if err != nil {
		panic(err)
	}
	e := prod
	e.Name = "prod-eu"
	e.Region = "eu-west-1"
	e.Network.CIDR = "10.40.0.0/16"
	e.Network.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	e.State.Bucket, e.State.LockTable = "stratum-prod-eu-tfstate", "stratum-prod-eu-tflock"
	e.State.AccessLogBucket = "stratum-prod-eu-s3-access-logs"
	e.Domain = "prod-eu.stratum.example.com"
	e.Audit.TrailBucket = "stratum-prod-eu-audit-trail"
	e.Audit.Config.Bucket = "stratum-prod-eu-audit-config"
	// Same account as prod: IAM is global, so prod's CI identity provider
	// serves prod-eu too, and prod activates the account's cost
	// allocation tags.
	e.Alerts.Budget.ActivateCostAllocationTags = false
	if prod.CI.GitHub != nil {
		gh := *prod.CI.GitHub
		gh.ExistingProvider = true
		e.CI.GitHub = &gh
	}
	return e
}

// CheckProblems fails t unless err and its FieldErrors agree and every
// problem names its owner, its field and what is allowed: what the
// fuzzers demand of Validate for any input.
func CheckProblems(t *testing.T, err error) {
	t.Helper()
	problems := config.FieldErrors(err)
	if (err == nil) != (len(problems) == 0) {
		t.Fatalf("Validate() = %v but FieldErrors() = %v", err, problems)
	}
	for _, p := range problems {
		if p.Owner == "" || p.Field == "" || p.Want == "" {
			t.Errorf("problem without owner, field or allowed values: %#v", p)
		}
	}
}

// CheckSeeds fails t unless validate accepts exactly the first accepted of
// n fuzzer seeds, so that the fuzzer starts from valid inputs as well as
// refused ones.
func CheckSeeds(t *testing.T, n, accepted int, validate func(seed int) error) {
	t.Helper()
	for i := range n {
		err := validate(i)
		switch {
		case i < accepted && err != nil:
			t.Errorf("seed %d is meant to be accepted: %v", i, err)
		case i >= accepted && err == nil:
			t.Errorf("seed %d is meant to be refused, and is accepted", i)
		}
	}
}

// ExpectProblems checks that err holds exactly the problems whose messages
// start with want, in that order.
func ExpectProblems(t *testing.T, err error, want ...string) {
	t.Helper()
	problems := config.FieldErrors(err)
	if len(problems) != len(want) {
		t.Fatalf("Validate() = %d problems, want %d: %v", len(problems), len(want), problems)
	}
	for i, w := range want {
		if got := problems[i].Error(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got, w)
		}
	}
}

// RuleCase is one validation rule: a change of fresh test data (T, the
// environments or the clients) that breaks it, with the one problem that
// must name it, and a nearby change that must be accepted. The good
// changes are also configurations every stack must build from (stacks,
// TestValidConfigurationsBuild).
type RuleCase[T any] struct {
	Name string
	// Good and Bad change fresh data; nil Good means the data unchanged.
	Good, Bad func(T)
	// Owner defaults to CheckRules' owner; Value and Want are substrings
	// of the FieldError's value (%#v) and allowed values.
	Owner, Field, Value, Want string
}

// CheckRules runs each case on fresh data: validate must accept what Good
// makes and report exactly the one expected problem of what Bad makes.
func CheckRules[T any](t *testing.T, cases []RuleCase[T], fresh func() T, validate func(T) error, owner string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Good != nil {
				data := fresh()
				c.Good(data)
				if err := validate(data); err != nil {
					t.Errorf("good case: Validate() = %v, want nil", err)
				}
			}
			data := fresh()
			c.Bad(data)
			ExpectOne(t, validate(data), cmp.Or(c.Owner, owner), c.Field, c.Value, c.Want)
		})
	}
}
