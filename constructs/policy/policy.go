// Package policy is how constructs grant each other access: a resource's
// GrantX methods add IAM statements to a Grantee (an IAM role that
// accumulates its own policy), instead of the stack writing statements by
// hand. Statements merges what several grants add under one Sid, so that
// reading two buckets is one ListBuckets statement naming both.
package policy

import (
	"fmt"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"

	"stratum/awsrules"
)

// Statement is one IAM policy statement.
type Statement = dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement

// Condition is one condition of a Statement.
type Condition = dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition

// Grantee is what a grant gives access to: an IAM principal whose policy
// takes statements, such as irsa.Role.
type Grantee interface {
	// AddToPolicy adds st to the principal's policy.
	AddToPolicy(st *Statement)
}

// Allow is the statement allowing actions on resources, under sid (""
// for none).
func Allow(sid string, actions []string, resources ...*string) *Statement {
	st := &Statement{
		Effect:    jsii.String("Allow"),
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	}
	if sid != "" {
		st.Sid = jsii.String(sid)
	}
	return st
}

// TrustService is the trust statement that lets an AWS service (e.g.
// "ec2.amazonaws.com") assume a role, under sid ("" for none) and
// conditions (confused-deputy protection).
func TrustService(sid, service string, conditions ...*Condition) *Statement {
	st := &Statement{
		Effect:  jsii.String("Allow"),
		Actions: jsii.Strings("sts:AssumeRole"),
		Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
			Type: jsii.String("Service"), Identifiers: jsii.Strings(service),
		}},
	}
	if sid != "" {
		st.Sid = jsii.String(sid)
	}
	if len(conditions) > 0 {
		st.Condition = conditions
	}
	return st
}

// NewDocument creates the policy document id in scope.
func NewDocument(scope constructs.Construct, id string, statements ...*Statement) dataawsiampolicydocument.DataAwsIamPolicyDocument {
	return dataawsiampolicydocument.NewDataAwsIamPolicyDocument(scope, jsii.String(id), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: statements,
	})
}

// ViaService is the condition that limits a KMS statement to calls that
// service makes in region on the principal's behalf
// (kms:ViaService = <service>.<region>.amazonaws.com), so the key cannot be
// used directly.
func ViaService(service, region string) *Condition {
	return &Condition{
		Test:     jsii.String("StringEquals"),
		Variable: jsii.String("kms:ViaService"),
		Values:   jsii.Strings(awsrules.ServiceEndpoint(service, region)),
	}
}

// Statements is a policy in the making: statements in the order they were
// first added, where a statement with the Sid of one already there is
// merged into it.
type Statements struct{ list []*Statement }

// Add adds st, or merges it into the statement with the same Sid: with
// the same effect and conditions, and either the same actions (the
// resources are joined) or the same resources (the actions are joined).
// Anything else under one Sid is a programming error, since joining
// different actions and resources would grant more than either asked.
func (s *Statements) Add(st *Statement) {
	sid := str(st.Sid)
	if sid != "" {
		for _, have := range s.list {
			if str(have.Sid) != sid {
				continue
			}
			if str(have.Effect) != str(st.Effect) || conditions(have) != conditions(st) {
				panic(fmt.Sprintf("policy: statement %s added twice with different effects or conditions", sid))
			}
			switch {
			case slices.Equal(strs(have.Actions), strs(st.Actions)):
				have.Resources = union(have.Resources, st.Resources)
			case slices.Equal(strs(have.Resources), strs(st.Resources)):
				have.Actions = union(have.Actions, st.Actions)
			default:
				panic(fmt.Sprintf("policy: statement %s added twice with different actions and resources", sid))
			}
			return
		}
	}
	s.list = append(s.list, st)
}

// List returns the statements.
func (s *Statements) List() []*Statement { return s.list }

// AddToPolicy is Add: Statements is a Grantee, the policy a grant writes
// to before a principal holds it.
func (s *Statements) AddToPolicy(st *Statement) { s.Add(st) }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func strs(l *[]*string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, len(*l))
	for i, p := range *l {
		out[i] = str(p)
	}
	return out
}

// union is a followed by the elements of b it lacks, in order.
func union(a, b *[]*string) *[]*string {
	out := append([]*string{}, *a...)
	have := strs(a)
	for _, p := range *b {
		if !slices.Contains(have, str(p)) {
			out = append(out, p)
			have = append(have, str(p))
		}
	}
	return &out
}

// conditions describes st's conditions, to compare them.
func conditions(st *Statement) string {
	switch cs := st.Condition.(type) {
	case nil:
		return ""
	case []*Condition:
		out := ""
		for _, c := range cs {
			out += fmt.Sprintf("%s %s %v;", str(c.Test), str(c.Variable), strs(c.Values))
		}
		return out
	}
	panic(fmt.Sprintf("policy: statement %s: conditions of type %T cannot be compared", str(st.Sid), st.Condition))
}
