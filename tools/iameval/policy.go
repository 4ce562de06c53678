package iameval

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Policy is an IAM policy: identity, resource (a role's trust),
// permissions boundary or service control policy.
type Policy struct {
	// Name says where the policy comes from, for messages.
	Name       string
	Statements []Statement
}

// Statement is one statement. Exactly one of Action and NotAction, and
// (except in trust policies) one of Resource and NotResource, is set.
type Statement struct {
	Sid                   string
	Effect                string // Allow or Deny
	Action, NotAction     []string
	Resource, NotResource []string
	// Principals maps a principal type (AWS, Service, Federated, *) to
	// its identifiers; nil for identity policies.
	Principals map[string][]string
	Conditions []Condition
}

// Condition is one operator, key and values of a Condition block.
type Condition struct {
	// Operator as written, e.g. StringEquals, ForAnyValue:StringLike,
	// ArnNotEqualsIfExists.
	Operator string
	Key      string
	Values   []string
}

// Parse reads a policy in IAM's JSON grammar: Statement one object or a
// list, Action/Resource/Principal strings or lists, Condition values a
// string, bool, number or list.
func Parse(name string, doc []byte) (Policy, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return Policy{}, fmt.Errorf("%s: %w", name, err)
	}
	var list []map[string]any
	if len(raw.Statement) > 0 && raw.Statement[0] == '{' {
		var one map[string]any
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return Policy{}, fmt.Errorf("%s: Statement: %w", name, err)
		}
		list = []map[string]any{one}
	} else if err := json.Unmarshal(raw.Statement, &list); err != nil {
		return Policy{}, fmt.Errorf("%s: Statement: %w", name, err)
	}
	p := Policy{Name: name}
	for i, m := range list {
		st := Statement{
			Sid: str(m["Sid"]), Effect: str(m["Effect"]),
			Action: strs(m["Action"]), NotAction: strs(m["NotAction"]),
			Resource: strs(m["Resource"]), NotResource: strs(m["NotResource"]),
		}
		switch pr := m["Principal"].(type) {
		case nil:
		case string:
			st.Principals = map[string][]string{"*": {pr}}
		case map[string]any:
			st.Principals = map[string][]string{}
			for k, v := range pr {
				st.Principals[k] = strs(v)
			}
		default:
			return Policy{}, fmt.Errorf("%s: statement %d: Principal %v", name, i, pr)
		}
		if c, ok := m["Condition"].(map[string]any); ok {
			for _, op := range slices.Sorted(maps.Keys(c)) {
				keys, _ := c[op].(map[string]any)
				for _, k := range slices.Sorted(maps.Keys(keys)) {
					st.Conditions = append(st.Conditions, Condition{Operator: op, Key: k, Values: strs(keys[k])})
				}
			}
		}
		if err := st.check(); err != nil {
			return Policy{}, fmt.Errorf("%s: statement %d (%s): %w", name, i, st.Sid, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// FromTerraform reads the statements of an aws_iam_policy_document data
// source as cdktf synthesizes it (lowercase keys: effect, actions,
// not_actions, resources, not_resources, principals, condition).
func FromTerraform(name string, statements []any) (Policy, error) {
	p := Policy{Name: name}
	for i, s := range statements {
		m, _ := s.(map[string]any)
		st := Statement{
			Sid: str(m["sid"]), Effect: str(m["effect"]),
			Action: strs(m["actions"]), NotAction: strs(m["not_actions"]),
			Resource: strs(m["resources"]), NotResource: strs(m["not_resources"]),
		}
		if st.Effect == "" {
			st.Effect = "Allow" // the data source's default
		}
		for _, pr := range list(m["principals"]) {
			pm, _ := pr.(map[string]any)
			if st.Principals == nil {
				st.Principals = map[string][]string{}
			}
			st.Principals[str(pm["type"])] = append(st.Principals[str(pm["type"])], strs(pm["identifiers"])...)
		}
		for _, c := range list(m["condition"]) {
			cm, _ := c.(map[string]any)
			st.Conditions = append(st.Conditions, Condition{Operator: str(cm["test"]), Key: str(cm["variable"]), Values: strs(cm["values"])})
		}
		if err := st.check(); err != nil {
			return Policy{}, fmt.Errorf("%s: statement %d (%s): %w", name, i, st.Sid, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func (st Statement) check() error {
	if st.Effect != "Allow" && st.Effect != "Deny" {
		return fmt.Errorf("Effect %q: want Allow or Deny", st.Effect)
	}
	if (len(st.Action) == 0) == (len(st.NotAction) == 0) {
		return fmt.Errorf("want exactly one of Action and NotAction")
	}
	if len(st.Resource) > 0 && len(st.NotResource) > 0 {
		return fmt.Errorf("both Resource and NotResource")
	}
	for _, c := range st.Conditions {
		if _, _, _, err := parseOperator(c.Operator); err != nil {
			return err
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// strs reads a string, a bool, a number or a list of them as strings.
func strs(v any) []string {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return []string{v}
	case bool, float64:
		return []string{fmt.Sprint(v)}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, strs(e)...)
		}
		return out
	case []string:
		return v
	}
	return []string{fmt.Sprint(v)}
}

// Request is one API call: who calls (for resource policies such as a
// role's trust), which action on which resource, and the request
// context's condition keys (each key's values; a key absent from Context
// is absent from the request).
type Request struct {
	Action   string
	Resource string
	// PrincipalType and Principal identify the caller for resource-based
	// policies: Federated and an identity provider ARN, AWS and a role
	// ARN, Service and a service principal.
	PrincipalType, Principal string
	Context                  map[string][]string
}

// Decision is the outcome of an evaluation.
type Decision int

const (
	// ImplicitDeny: no statement allows the request.
	ImplicitDeny Decision = iota
	// Allow: a statement allows it and none denies it.
	Allow
	// ExplicitDeny: a statement denies it.
	ExplicitDeny
)

func (d Decision) String() string {
	return [...]string{"implicit deny", "allow", "explicit deny"}[d]
}

// Decide evaluates one policy: an explicit deny if a Deny statement
// matches, else allow if an Allow statement matches.
func (p Policy) Decide(r Request) Decision {
	allowed := false
	for _, st := range p.Statements {
		if !st.Matches(r) {
			continue
		}
		if st.Effect == "Deny" {
			return ExplicitDeny
		}
		allowed = true
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// Principal is what a role may do: its identity policies (inline and
// attached), its permissions boundary (nil: none) and the service control
// policies over its account (none: not in an organization).
type Principal struct {
	// Name is the principal's ARN (a role's, with its path) or a label.
	// When it is an ARN, the requests it makes carry it as
	// aws:PrincipalArn, as AWS's always do, unless a request's context
	// sets that key itself.
	Name     string
	Identity []Policy
	Boundary *Policy
	SCPs     []Policy
}

// Decide is AWS's evaluation for a request within one account: any
// explicit deny wins; otherwise the request must be allowed by an
// identity policy, by the boundary when there is one, and by every SCP.
func (p Principal) Decide(r Request) Decision {
	if strings.HasPrefix(p.Name, "arn:") {
		if _, set := lookup(r.Context, "aws:PrincipalArn"); !set {
			ctx := maps.Clone(r.Context)
			if ctx == nil {
				ctx = map[string][]string{}
			}
			ctx["aws:PrincipalArn"] = []string{p.Name}
			r.Context = ctx
		}
	}
	allowed := false
	for _, pol := range p.Identity {
		switch pol.Decide(r) {
		case ExplicitDeny:
			return ExplicitDeny
		case Allow:
			allowed = true
		}
	}
	gates := slices.Clone(p.SCPs)
	if p.Boundary != nil {
		gates = append(gates, *p.Boundary)
	}
	for _, g := range gates {
		switch g.Decide(r) {
		case ExplicitDeny:
			return ExplicitDeny
		case ImplicitDeny:
			allowed = false
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// Allowed reports whether p may make request r.
func (p Principal) Allowed(r Request) bool { return p.Decide(r) == Allow }

// ActionsAllowedSomewhere are the catalog's actions that some Allow
// statement of p's identity policies grants on some resource under some
// conditions, and that no unconditional Deny on every resource takes
// away, nor the boundary: an upper bound of what p can ever do, for
// proving what it can never do.
func (p Principal) ActionsAllowedSomewhere(c *Catalog) []string {
	var out []string
	// Each action is judged by only the statements that can match an
	// action of its service (forService): the catalog's actions are
	// sorted by name, so one service's actions come together, and most
	// statements name one service. Judging every action by every
	// statement made the role tests take seconds.
	idx := p.serviceIndex()
	var q Principal
	cur := ""
	for i, a := range c.Actions() {
		if svc, _, _ := strings.Cut(c.lower[i], ":"); i == 0 || svc != cur {
			cur, q = svc, p.forService(svc, idx)
		}
		if q.mayEver(a.Name) {
			out = append(out, a.Name)
		}
	}
	return out
}

// statementServices is, for one statement, the lowercase service parts
// of its Action patterns; any is true when a statement may match an
// action of any service (a pattern without a colon, or a NotAction
// statement).
type statementServices struct {
	services []string
	any      bool
}

// serviceIndex is statementServices for every identity statement (by
// policy, then statement) and, last, for every boundary statement.
func (p Principal) serviceIndex() [][]statementServices {
	of := func(pol Policy) []statementServices {
		out := make([]statementServices, len(pol.Statements))
		for i, st := range pol.Statements {
			if len(st.Action) == 0 {
				out[i].any = true
				continue
			}
			for _, pattern := range st.Action {
				service, _, ok := strings.Cut(strings.ToLower(pattern), ":")
				if !ok {
					out[i].any = true
				}
				out[i].services = append(out[i].services, service)
			}
		}
		return out
	}
	idx := make([][]statementServices, 0, len(p.Identity)+1)
	for _, pol := range p.Identity {
		idx = append(idx, of(pol))
	}
	if p.Boundary != nil {
		idx = append(idx, of(*p.Boundary))
	}
	return idx
}

// forService is p with only the identity and boundary statements that can
// match an action of the service svc (lowercase); p's decisions on the
// actions of svc are q's. An action holds exactly one colon, so a
// pattern's literal colon must meet it and the part before must match
// the service; a pattern without a colon, and every NotAction
// statement, is kept. idx is p.serviceIndex().
func (p Principal) forService(svc string, idx [][]statementServices) Principal {
	filter := func(pol Policy, ss []statementServices) Policy {
		out := pol
		out.Statements = nil
		for i, st := range pol.Statements {
			if ss[i].any || slices.ContainsFunc(ss[i].services, func(service string) bool { return glob(service, svc) }) {
				out.Statements = append(out.Statements, st)
			}
		}
		return out
	}
	q := p
	q.Identity = make([]Policy, len(p.Identity))
	for i, pol := range p.Identity {
		q.Identity[i] = filter(pol, idx[i])
	}
	if p.Boundary != nil {
		b := filter(*p.Boundary, idx[len(p.Identity)])
		q.Boundary = &b
	}
	return q
}

func (p Principal) mayEver(action string) bool {
	allowed := false
	for _, pol := range p.Identity {
		for _, st := range pol.Statements {
			if !st.matchesAction(action) {
				continue
			}
			if st.Effect == "Deny" && st.everywhere() {
				return false
			}
			if st.Effect == "Allow" {
				allowed = true
			}
		}
	}
	if !allowed {
		return false
	}
	if p.Boundary != nil {
		inBoundary := false
		for _, st := range p.Boundary.Statements {
			if !st.matchesAction(action) {
				continue
			}
			if st.Effect == "Deny" && st.everywhere() {
				return false
			}
			if st.Effect == "Allow" {
				inBoundary = true
			}
		}
		return inBoundary
	}
	return true
}

// everywhere: the statement applies to every resource, unconditionally.
func (st Statement) everywhere() bool {
	return len(st.Conditions) == 0 && len(st.NotResource) == 0 && slices.Contains(st.Resource, "*")
}

// Matches reports whether the statement applies to r: its action, its
// resource (when the statement names resources), its principal (when it
// names principals) and every condition.
func (st Statement) Matches(r Request) bool {
	if !st.matchesAction(r.Action) {
		return false
	}
	switch {
	case len(st.Resource) > 0:
		if !slices.ContainsFunc(st.Resource, func(p string) bool { return glob(p, r.Resource) }) {
			return false
		}
	case len(st.NotResource) > 0:
		if slices.ContainsFunc(st.NotResource, func(p string) bool { return glob(p, r.Resource) }) {
			return false
		}
	}
	if st.Principals != nil && !st.matchesPrincipal(r) {
		return false
	}
	for _, c := range st.Conditions {
		if !c.Holds(r.Context) {
			return false
		}
	}
	return true
}

func (st Statement) matchesAction(action string) bool {
	match := func(p string) bool { return MatchAction(p, action) }
	if len(st.Action) > 0 {
		return slices.ContainsFunc(st.Action, match)
	}
	return !slices.ContainsFunc(st.NotAction, match)
}

func (st Statement) matchesPrincipal(r Request) bool {
	if ids, ok := st.Principals["*"]; ok && slices.Contains(ids, "*") {
		return true
	}
	return slices.ContainsFunc(st.Principals[r.PrincipalType], func(id string) bool {
		return id == "*" || id == r.Principal
	})
}

// parseOperator splits an operator into its set qualifier (ForAllValues,
// ForAnyValue or ""), its base operator and whether it ends in IfExists.
func parseOperator(op string) (set, base string, ifExists bool, err error) {
	base = op
	if q, rest, ok := strings.Cut(op, ":"); ok {
		if q != "ForAllValues" && q != "ForAnyValue" {
			return "", "", false, fmt.Errorf("condition operator %q: unknown qualifier %q", op, q)
		}
		set, base = q, rest
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok {
		base, ifExists = b, true
	}
	if _, ok := operators[base]; !ok {
		return "", "", false, fmt.Errorf("condition operator %q: not one iameval evaluates (%s)", op, strings.Join(operatorNames(), ", "))
	}
	return set, base, ifExists, nil
}

// operators compares one request value with one policy value; negated
// operators are their positive form, inverted after the comparison.
var operators = map[string]struct {
	match   func(policy, value string) bool
	negated bool
}{
	"StringEquals":              {func(p, v string) bool { return p == v }, false},
	"StringNotEquals":           {func(p, v string) bool { return p == v }, true},
	"StringEqualsIgnoreCase":    {strings.EqualFold, false},
	"StringNotEqualsIgnoreCase": {strings.EqualFold, true},
	"StringLike":                {glob, false},
	"StringNotLike":             {glob, true},
	"ArnEquals":                 {arnLike, false},
	"ArnNotEquals":              {arnLike, true},
	"ArnLike":                   {arnLike, false},
	"ArnNotLike":                {arnLike, true},
	"Bool":                      {strings.EqualFold, false},
	"NumericEquals":             {numeric(func(p, v float64) bool { return v == p }), false},
	"NumericNotEquals":          {numeric(func(p, v float64) bool { return v == p }), true},
	"NumericLessThan":           {numeric(func(p, v float64) bool { return v < p }), false},
	"NumericLessThanEquals":     {numeric(func(p, v float64) bool { return v <= p }), false},
	"NumericGreaterThan":        {numeric(func(p, v float64) bool { return v > p }), false},
	"NumericGreaterThanEquals":  {numeric(func(p, v float64) bool { return v >= p }), false},
	"Null":                      {nil, false},
}

func operatorNames() []string {
	names := slices.Collect(maps.Keys(operators))
	sort.Strings(names)
	return names
}

func numeric(cmp func(p, v float64) bool) func(string, string) bool {
	return func(p, v string) bool {
		var pf, vf float64
		if _, err := fmt.Sscan(p, &pf); err != nil {
			return false
		}
		if _, err := fmt.Sscan(v, &vf); err != nil {
			return false
		}
		return cmp(pf, vf)
	}
}

// arnLike matches ARNs component by component (arn, partition, service,
// region, account, resource): a wildcard never spans a ':' of the first
// five, as AWS's ArnLike does. A pattern or value of fewer components is
// no ARN and matches only itself.
func arnLike(pattern, value string) bool {
	pp := strings.SplitN(pattern, ":", 6)
	vp := strings.SplitN(value, ":", 6)
	if len(pp) != 6 || len(vp) != 6 {
		return pattern == value
	}
	for i := range pp {
		if !glob(pp[i], vp[i]) {
			return false
		}
	}
	return true
}

// Holds evaluates the condition against the request context. Keys are
// case-insensitive, as AWS's are.
func (c Condition) Holds(ctx map[string][]string) bool {
	set, base, ifExists, err := parseOperator(c.Operator)
	if err != nil {
		return false // Parse and FromTerraform refuse it; a hand-made one never holds
	}
	values, present := lookup(ctx, c.Key)
	if base == "Null" {
		// Null: "true" holds when the key is absent, "false" when present.
		return slices.ContainsFunc(c.Values, func(v string) bool { return strings.EqualFold(v, fmt.Sprint(!present)) })
	}
	op := operators[base]
	matchOne := func(v string) bool {
		return slices.ContainsFunc(c.Values, func(p string) bool { return op.match(p, v) })
	}
	switch set {
	case "ForAllValues":
		// Every request value matches (true for an absent or empty key);
		// negated: no request value matches.
		for _, v := range values {
			if matchOne(v) == op.negated {
				return false
			}
		}
		return true
	case "ForAnyValue":
		// Some request value matches (false for an absent key);
		// negated: some request value does not match.
		return slices.ContainsFunc(values, func(v string) bool { return matchOne(v) != op.negated })
	}
	if !present {
		// Negated operators hold on a missing key; positive ones only
		// with IfExists.
		return ifExists || op.negated
	}
	if op.negated {
		return !slices.ContainsFunc(values, matchOne)
	}
	return slices.ContainsFunc(values, matchOne)
}

func lookup(ctx map[string][]string, key string) ([]string, bool) {
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
