package kubecheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Stack is one synthesized stack (its cdk.tf.json) and a way to resolve
// its references to blocks that are not Kubernetes objects.
type Stack struct {
	Name   string
	JSON   []byte
	Lookup Lookup
}

// Failure is an object the server refused, or one the tier could not
// send, with the server's (or the tier's) message.
type Failure struct {
	Stack, Address, Message string
}

func (f Failure) String() string {
	if f.Address == "" {
		return fmt.Sprintf("stack %s: %s", f.Stack, f.Message)
	}
	return fmt.Sprintf("stack %s: %s: %s", f.Stack, f.Address, f.Message)
}

// Applied is what ApplyStacks did.
type Applied struct {
	// Created counts the objects the server accepted, by resource type.
	Created map[string]int
	// LeftOut counts the blocks not created, by resource type.
	LeftOut  map[string]int
	Failures []Failure
	// Bound are the ValidatingAdmissionPolicies a created binding binds.
	Bound map[string]bool
}

// ApplyStacks creates every Kubernetes object of stacks on the server, for
// real: the stacks in the order given (their deployment order), each
// stack's objects in Terraform's dependency order. Every refusal is
// recorded with the stack, the address and the server's message; the
// objects that depend on a refused one are not sent (Terraform would not
// create them either). alter, when not nil, sees each object first (see
// Environment.Alter).
func ApplyStacks(ctx context.Context, c *Client, stacks []Stack, alter func(*Object) bool) *Applied {
	a := &Applied{Created: map[string]int{}, LeftOut: map[string]int{}, Bound: map[string]bool{}}
	for _, st := range stacks {
		tr, err := Translate(st.JSON, st.Lookup)
		if err != nil {
			a.Failures = append(a.Failures, Failure{Stack: st.Name, Message: err.Error()})
			continue
		}
		for typ, n := range tr.LeftOut {
			a.LeftOut[typ] += n
		}
		kept := tr.Objects
		if alter != nil {
			kept = nil
			for _, o := range tr.Objects {
				if alter(&o) {
					kept = append(kept, o)
				}
			}
		}
		objs, problems := order(kept)
		for _, p := range problems {
			a.Failures = append(a.Failures, Failure{Stack: st.Name, Address: p.addr, Message: p.msg})
		}
		failed := map[string]bool{}
		for _, o := range objs {
			if i := slices.IndexFunc(o.DependsOn, func(d string) bool { return failed[d] }); i >= 0 {
				failed[o.Address] = true
				a.Failures = append(a.Failures, Failure{Stack: st.Name, Address: o.Address, Message: "not sent: it depends on " + o.DependsOn[i] + ", which failed"})
				continue
			}
			if err := Create(ctx, c, o); err != nil {
				failed[o.Address] = true
				a.Failures = append(a.Failures, Failure{Stack: st.Name, Address: o.Address, Message: err.Error()})
				continue
			}
			a.Created[o.Address[:strings.Index(o.Address, ".")]]++
			if o.Kind() == "ValidatingAdmissionPolicyBinding" {
				a.Bound[str(asMap(o.Body["spec"])["policyName"])] = true
			}
		}
	}
	return a
}

// FieldManager is the manifest provider's default field manager.
const FieldManager = "Terraform"

// Create sends one object the way the provider does, then does for it
// what the cluster's controllers would (standIn).
func Create(ctx context.Context, c *Client, o Object) error {
	t, err := c.Locate(ctx, o.APIVersion(), o.Kind(), o.Namespace(), 10*time.Second)
	if err != nil {
		return err
	}
	if o.Apply {
		// kubernetes_manifest refuses to create an object that exists,
		// then applies it server-side.
		err := c.Get(ctx, t.Path(o.Name()), nil)
		if err == nil {
			return fmt.Errorf("Cannot create resource that already exists: %s %s", o.Kind(), o.Name())
		}
		if se, ok := err.(*StatusError); !ok || se.Code != http.StatusNotFound {
			return err
		}
		body, err := json.Marshal(o.Body)
		if err != nil {
			return err
		}
		q := url.Values{"fieldManager": {o.FieldManager}, "force": {strconv.FormatBool(o.Force)}}
		if err := c.Do(ctx, http.MethodPatch, t.Path(o.Name()), q, "application/apply-patch+yaml", body, nil); err != nil {
			return err
		}
	} else if err := c.Do(ctx, http.MethodPost, t.Collection, nil, "", o.Body, nil); err != nil {
		return err
	}
	return standIn(ctx, c, o, t)
}

// standIn does what the controllers of a real cluster do after the
// object is created, where a later request depends on it:
//   - a Namespace gets its "default" service account (the service
//     account controller), which pods without serviceAccountName use;
//   - a ResourceQuota gets its status, hard limits and nothing used (the
//     resource quota controller): the quota admission plugin refuses
//     every request a quota without status covers, and the provider waits
//     for status.hard to equal spec.hard.
func standIn(ctx context.Context, c *Client, o Object, t Target) error {
	switch o.APIVersion() + "/" + o.Kind() {
	case "v1/Namespace":
		sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": o.Name()}}
		err := c.Do(ctx, http.MethodPost, "/api/v1/namespaces/"+url.PathEscape(o.Name())+"/serviceaccounts", nil, "", sa, nil)
		if se, ok := err.(*StatusError); ok && se.Code == http.StatusConflict {
			err = nil
		}
		if err != nil {
			return fmt.Errorf("stand-in for the service account controller: %w", err)
		}
	case "v1/ResourceQuota":
		var q map[string]any
		if err := c.Get(ctx, t.Path(o.Name()), &q); err != nil {
			return err
		}
		hard := asMap(asMap(q["spec"])["hard"])
		used := map[string]any{}
		for k := range hard {
			used[k] = "0"
		}
		q["status"] = map[string]any{"hard": hard, "used": used}
		if err := c.Do(ctx, http.MethodPut, t.Path(o.Name())+"/status", nil, "", q, nil); err != nil {
			return fmt.Errorf("stand-in for the resource quota controller: %w", err)
		}
	}
	return nil
}

type orderProblem struct{ addr, msg string }

// order sorts objects after what they depend on (ties by address), and
// reports what Terraform's graph leaves to chance: an object created in
// a namespace that another object of the stack creates, without
// depending on it, may be sent first.
func order(objs []Object) ([]Object, []orderProblem) {
	byAddr := map[string]Object{}
	for _, o := range objs {
		byAddr[o.Address] = o
	}
	var problems []orderProblem
	namespaces := map[string]string{} // name -> address
	for _, o := range objs {
		if o.APIVersion() == "v1" && o.Kind() == "Namespace" {
			namespaces[o.Name()] = o.Address
		}
	}
	var upstream func(addr string, seen map[string]bool)
	upstream = func(addr string, seen map[string]bool) {
		for _, d := range byAddr[addr].DependsOn {
			if !seen[d] {
				seen[d] = true
				upstream(d, seen)
			}
		}
	}
	for _, o := range objs {
		nsAddr, ok := namespaces[o.Namespace()]
		if !ok || o.Namespace() == "" {
			continue
		}
		seen := map[string]bool{}
		upstream(o.Address, seen)
		if !seen[nsAddr] {
			problems = append(problems, orderProblem{o.Address, fmt.Sprintf("created in namespace %s, which %s creates, without referring to it or depending on it: Terraform may create it first", o.Namespace(), nsAddr)})
		}
	}
	// Kahn's algorithm, the ready objects taken in address order.
	indegree := map[string]int{}
	dependents := map[string][]string{}
	for _, o := range objs {
		indegree[o.Address] += 0
		for _, d := range o.DependsOn {
			if _, ok := byAddr[d]; ok {
				indegree[o.Address]++
				dependents[d] = append(dependents[d], o.Address)
			}
		}
	}
	var ready []string
	for a, n := range indegree {
		if n == 0 {
			ready = append(ready, a)
		}
	}
	var out []Object
	for len(ready) > 0 {
		sort.Strings(ready)
		a := ready[0]
		ready = ready[1:]
		out = append(out, byAddr[a])
		for _, d := range dependents[a] {
			if indegree[d]--; indegree[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	if len(out) < len(objs) {
		for _, o := range objs {
			if indegree[o.Address] > 0 {
				problems = append(problems, orderProblem{o.Address, "in a dependency cycle"})
			}
		}
	}
	return out, problems
}
