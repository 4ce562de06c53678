// Package scpcheck is `stratum scp-check`: it proves, from what AWS
// Organizations says, that the service control policy guarding each
// environment's SSM contract (docs/scp-ssm-contract.json) binds the
// environment's account. It reads the organization with the AWS CLI
// (`aws organizations list-parents`, `list-policies-for-target`,
// `describe-policy`, with credentials of the management account or a
// delegated administrator), collects the SCPs attached to the account
// and to every organizational unit above it up to the root, and
// evaluates them (package iameval) instead of looking for a policy by
// name: a principal that is not a writer must be denied writing the
// contract, and each layer's deploy role must not be denied its own
// prefix.
package scpcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
	"stratum/tools/awscli"
	"stratum/tools/iameval"
)

// AWS runs one `aws` CLI command and returns its standard output.
type AWS = awscli.Runner

// CLI runs the AWS CLI binary bin until ctx is cancelled.
func CLI(ctx context.Context, bin string) AWS { return awscli.CLI(ctx, bin) }

// attached is one SCP attached at one target above an account.
type attached struct {
	Target, Name string
	Policy       iameval.Policy
}

// scps returns the SCPs that bind account: those attached to it and to
// every parent up to the root.
func scps(aws AWS, account string) ([]attached, error) {
	var out []attached
	target := account
	for range 10 { // an organization has at most five levels of OUs
		b, err := aws("organizations", "list-policies-for-target", "--target-id", target, "--filter", "SERVICE_CONTROL_POLICY")
		if err != nil {
			return nil, err
		}
		var list struct {
			Policies []struct{ Id, Name string }
		}
		if err := json.Unmarshal(b, &list); err != nil {
			return nil, fmt.Errorf("list-policies-for-target %s: %w", target, err)
		}
		for _, p := range list.Policies {
			b, err := aws("organizations", "describe-policy", "--policy-id", p.Id)
			if err != nil {
				return nil, err
			}
			var d struct {
				Policy struct{ Content string }
			}
			if err := json.Unmarshal(b, &d); err != nil {
				return nil, fmt.Errorf("describe-policy %s: %w", p.Id, err)
			}
			pol, err := iameval.Parse(p.Name, []byte(d.Policy.Content))
			if err != nil {
				return nil, fmt.Errorf("SCP %s (%s) at %s: %w", p.Name, p.Id, target, err)
			}
			out = append(out, attached{Target: target, Name: p.Name, Policy: pol})
		}
		b, err = aws("organizations", "list-parents", "--child-id", target)
		if err != nil {
			return nil, err
		}
		var parents struct {
			Parents []struct{ Id, Type string }
		}
		if err := json.Unmarshal(b, &parents); err != nil {
			return nil, fmt.Errorf("list-parents %s: %w", target, err)
		}
		if len(parents.Parents) != 1 {
			return out, nil // the root has no parent
		}
		target = parents.Parents[0].Id
	}
	return nil, fmt.Errorf("account %s: more than 10 levels of parents", account)
}

// Result is what the check found for one environment.
type Result struct {
	Env, Account string
	// Guarding are the SCPs (target: name) that deny a non-writer.
	Guarding []string
	// Problems are what is wrong: nothing denies a non-writer, or a
	// writer is denied its own prefix.
	Problems []string
}

// outsider is a principal of the account that is no writer.
func outsider(env config.Environment) string { return env.RoleARN("stratum-scp-check-outsider") }

// Check evaluates the SCPs binding env's account.
func Check(aws AWS, env config.Environment) (Result, error) {
	r := Result{Env: env.Name, Account: env.AccountID}
	bound, err := scps(aws, env.AccountID)
	if err != nil {
		return r, err
	}
	denied := func(principal, parameter string) []string {
		var by []string
		for _, a := range bound {
			req := iameval.Request{Action: "ssm:PutParameter", Resource: parameter, Context: map[string][]string{"aws:PrincipalArn": {principal}}}
			if a.Policy.Decide(req) == iameval.ExplicitDeny {
				by = append(by, a.Target+": "+a.Name)
			}
		}
		return by
	}
	for _, d := range deploy.Layers {
		for _, w := range d.Writes {
			param := strings.TrimSuffix(contract.PrefixARN(env, w), "*") + "scp-check"
			by := denied(outsider(env), param)
			if len(by) == 0 {
				r.Problems = append(r.Problems, fmt.Sprintf("nothing denies %s writing %s", outsider(env), param))
			}
			for _, g := range by {
				if !contains(r.Guarding, g) {
					r.Guarding = append(r.Guarding, g)
				}
			}
			for _, writer := range deploy.PrefixWriters(env, w) {
				if by := denied(writer, param); len(by) > 0 {
					r.Problems = append(r.Problems, fmt.Sprintf("%s is denied writing its own %s by %s", writer, param, strings.Join(by, ", ")))
				}
			}
		}
	}
	return r, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
