// Package kubecheck is the Kubernetes tier: every Kubernetes object the
// synthesized stacks declare, translated to what the Terraform kubernetes
// provider sends, is created for real on a kube-apiserver of the
// environment's Kubernetes version (built by `make kube-apiserver`,
// started over an etcd inside the test process), and the tenant
// isolation the namespaces' admission policies promise is tried against
// it: the Matrix of requests, for every client and every pair of clients
// of the environment, each with the verdict it must get.
//
// What a real cluster adds and the tier cannot check is in
// docs/architecture.md ("The Kubernetes tier").
package kubecheck

import (
	"context"
	"fmt"
	"time"
)

// Environment is the input of one environment's check.
type Environment struct {
	Name string
	// Binary is the kube-apiserver of the environment's release.
	Binary string
	// Stacks are the environment's stacks in deployment order.
	Stacks []Stack
	// Tenants are its clients; ControllerUser is who the load balancer
	// controller runs as.
	Tenants        []Tenant
	ControllerUser string
	// Alter, when set, may change each object before it is sent, or
	// leave it out by returning false (for the test proving that the
	// matrix catches a weakened policy).
	Alter func(*Object) bool
}

// EnvResult is one environment's outcome.
type EnvResult struct {
	Name, Release string
	Applied       *Applied
	Activations   []Activation
	Cases         []CaseResult
	// Start is how long the server took to be ready, Elapsed the whole
	// environment.
	Start, Elapsed time.Duration
}

// PolicyWait bounds how long the tier waits for the namespace policies to
// take effect.
const PolicyWait = 30 * time.Second

// Check starts a server for the environment, creates its stacks' objects
// and runs the isolation matrix. An error means the check could not run;
// what the server refused is in the result.
func Check(ctx context.Context, e Environment) (*EnvResult, error) {
	t0 := time.Now()
	s, err := Start(ctx, e.Binary)
	if err != nil {
		return nil, fmt.Errorf("environment %s: %w", e.Name, err)
	}
	defer s.Close()
	r := &EnvResult{Name: e.Name, Release: s.Release, Start: time.Since(t0)}
	// The load balancer controller's chart (left out) installs the
	// TargetGroupBinding CRD before any client stack is deployed.
	if err := RegisterCRD(ctx, s.Client, TargetGroupBindingCRD); err != nil {
		return nil, fmt.Errorf("environment %s: %w", e.Name, err)
	}
	r.Applied = ApplyStacks(ctx, s.Client, e.Stacks, e.Alter)
	cases := Cases(e.Tenants, e.ControllerUser)
	r.Activations = WaitForPolicies(ctx, s.Client, cases, r.Applied.Bound, PolicyWait)
	r.Cases = RunMatrix(ctx, s.Client, cases)
	r.Elapsed = time.Since(t0)
	return r, nil
}
