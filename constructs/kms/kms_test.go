package kms

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/policy"
)

func describe(st *policy.Statement) string {
	var conds []string
	if cs, ok := st.Condition.([]*policy.Condition); ok {
		for _, c := range cs {
			conds = append(conds, fmt.Sprintf("%s %s %v", *c.Test, *c.Variable, *(*c.Values)[0]))
		}
	}
	return fmt.Sprintf("%s %s on %s %v", *st.Sid, *st.Effect, *(*st.Resources)[0], conds)
}

// TestGrantVia: a key known by its ARN grants its use through one
// service's endpoint in its region, and merges a second grant under the
// same Sid into the first.
func TestGrantVia(t *testing.T) {
	key := FromARN(jsii.String("arn:aws:kms:eu-west-1:111111111111:key/k"), "eu-west-1")
	var r policy.Statements
	key.GrantDecryptVia(&r, "UseKey", "s3")
	key.GrantVia(&r, "UseKey", "s3", "kms:Decrypt", "kms:GenerateDataKey")
	list := r.List()
	if len(list) != 1 {
		t.Fatalf("%d statements, want 1", len(list))
	}
	st := list[0]
	var actions []string
	for _, a := range *st.Actions {
		actions = append(actions, *a)
	}
	if got := strings.Join(actions, " "); got != "kms:Decrypt kms:GenerateDataKey" {
		t.Errorf("actions %s, want kms:Decrypt kms:GenerateDataKey", got)
	}
	if got, want := describe(st), "UseKey Allow on arn:aws:kms:eu-west-1:111111111111:key/k [StringEquals kms:ViaService s3.eu-west-1.amazonaws.com]"; got != want {
		t.Errorf("statement %s, want %s", got, want)
	}
}

// TestGrantViaNeedsRegion: a key whose region is not known cannot be
// granted through a service: the condition would name no endpoint.
func TestGrantViaNeedsRegion(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "Region is not known") {
			t.Errorf("recovered %v, want a panic about the key's region", r)
		}
	}()
	FromARN(jsii.String("arn"), "").GrantDecryptVia(&policy.Statements{}, "UseKey", "s3")
}

// TestServiceGrantsNeedSidServiceAndActions: a grant the key policy could
// not name, or that allows nothing, is refused before anything exists.
func TestServiceGrantsNeedSidServiceAndActions(t *testing.T) {
	for name, g := range map[string]ServiceGrant{
		"no sid":     {Service: "cloudwatch.amazonaws.com", Actions: []string{"kms:Decrypt"}},
		"no service": {Sid: "S", Actions: []string{"kms:Decrypt"}},
		"no actions": {Sid: "S", Service: "cloudwatch.amazonaws.com"},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "ServiceGrants[0]") {
					t.Errorf("recovered %v, want a panic naming ServiceGrants[0]", r)
				}
			}()
			NewKey(nil, "k", &KeyProps{Alias: "a", Description: "d", ServiceGrants: []ServiceGrant{g}})
		})
	}
}
