package kubecheck

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CaseResult is a case and the server's answer.
type CaseResult struct {
	Case Case
	// Err is the server's refusal (nil: admitted).
	Err error
	// OK says the answer is the verdict the matrix expects, for the
	// expected reason.
	OK bool
}

// Got says what the server answered.
func (r CaseResult) Got() string {
	if r.Err == nil {
		return "admitted"
	}
	return "refused: " + r.Err.Error()
}

// RunMatrix sends every case, in order, and compares each answer with
// its verdict: an admitted request must be created; a refused one must be
// refused by the namespace policy or the quota the case names.
func RunMatrix(ctx context.Context, c *Client, cases []Case) []CaseResult {
	var out []CaseResult
	for _, cs := range cases {
		err := send(ctx, c, cs, false)
		out = append(out, CaseResult{Case: cs, Err: err, OK: cs.Want.matches(err)})
	}
	return out
}

// matches reports whether err (nil: admitted) is the verdict.
func (v Verdict) matches(err error) bool {
	if v.Admit || err == nil {
		return v.Admit && err == nil
	}
	msg := err.Error()
	if v.Quota != "" {
		return strings.Contains(msg, "exceeded quota: "+quotaName) && strings.Contains(msg, v.Quota)
	}
	if v.PodSecurity != "" {
		return strings.Contains(msg, `violates PodSecurity "`+v.PodSecurity+`:`)
	}
	return strings.Contains(msg, "ValidatingAdmissionPolicy '"+v.Policy+"'")
}

// send makes the case's request (dryRun: without persisting it).
func send(ctx context.Context, c *Client, cs Case, dryRun bool) error {
	req := cs.Request
	obj := req.Object
	t, err := c.Locate(ctx, str(obj["apiVersion"]), str(obj["kind"]), cs.Namespace, 10*time.Second)
	if err != nil {
		return err
	}
	var q url.Values
	if dryRun {
		q = url.Values{"dryRun": {"All"}}
	}
	as := c.As(cs.As)
	if req.Before == nil {
		return as.Do(ctx, http.MethodPost, t.Collection, q, "", obj, nil)
	}
	var before map[string]any
	if err := c.As(cs.Controller).Do(ctx, http.MethodPost, t.Collection, nil, "", req.Before, &before); err != nil {
		return err
	}
	name := str(asMap(obj["metadata"])["name"])
	asMap(obj["metadata"])["resourceVersion"] = asMap(before["metadata"])["resourceVersion"]
	return as.Do(ctx, http.MethodPut, t.Path(name), q, "", obj, nil)
}

// Activation is how long a namespace policy took to refuse its first
// known-bad request.
type Activation struct {
	Policy  string
	Elapsed time.Duration
	// Active is false when the policy refused nothing within the wait.
	Active bool
}

// WaitForPolicies waits until every bound policy a case expects a
// refusal from refuses one: ValidatingAdmissionPolicies take effect a few
// seconds after they are created. It probes with each policy's first
// refused case that is a plain create, sent as a dry run, until the
// policy refuses it or wait passes (the matrix then reports the policy's
// cases, as it does those of a policy without a binding).
func WaitForPolicies(ctx context.Context, c *Client, cases []Case, bound map[string]bool, wait time.Duration) []Activation {
	start := time.Now()
	probes := map[string]Case{}
	var order []string
	for _, cs := range cases {
		p := cs.Want.Policy
		if p == "" || !bound[p] || cs.Request.Before != nil {
			continue
		}
		if _, ok := probes[p]; !ok {
			probes[p] = cs
			order = append(order, p)
		}
	}
	var out []Activation
	deadline := start.Add(wait)
	for _, p := range order {
		a := Activation{Policy: p}
		for {
			if err := send(ctx, c, probes[p], true); probes[p].Want.matches(err) {
				a.Active = true
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		a.Elapsed = time.Since(start)
		out = append(out, a)
	}
	return out
}
