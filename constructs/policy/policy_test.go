package policy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// summary is "sid actions resources" per statement.
func summary(s *Statements) []string {
	var out []string
	for _, st := range s.List() {
		out = append(out, fmt.Sprintf("%s %v %v", str(st.Sid), strs(st.Actions), strs(st.Resources)))
	}
	return out
}

func TestStatementsMerge(t *testing.T) {
	key := jsii.String("key")
	cases := []struct {
		name string
		add  []*Statement
		want []string
	}{
		{"one grant each", []*Statement{
			Allow("ListBuckets", []string{"s3:ListBucket"}, jsii.String("a")),
			Allow("ReadObjects", []string{"s3:GetObject"}, jsii.String("a/*")),
		}, []string{"ListBuckets [s3:ListBucket] [a]", "ReadObjects [s3:GetObject] [a/*]"}},
		{"same actions join resources, in first-grant order", []*Statement{
			Allow("ListBuckets", []string{"s3:ListBucket"}, jsii.String("a")),
			Allow("ReadObjects", []string{"s3:GetObject"}, jsii.String("a/*")),
			Allow("ListBuckets", []string{"s3:ListBucket"}, jsii.String("b")),
			Allow("ListBuckets", []string{"s3:ListBucket"}, jsii.String("a")),
		}, []string{"ListBuckets [s3:ListBucket] [a b]", "ReadObjects [s3:GetObject] [a/*]"}},
		{"same resources join actions", []*Statement{
			Allow("UseKey", []string{"kms:Decrypt"}, key),
			Allow("UseKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, key),
			Allow("UseKey", []string{"kms:Decrypt"}, key),
		}, []string{"UseKey [kms:Decrypt kms:GenerateDataKey] [key]"}},
		{"statements without Sid are kept apart", []*Statement{
			{Effect: jsii.String("Allow"), Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings("a")},
			{Effect: jsii.String("Allow"), Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings("b")},
		}, []string{" [s3:ListBucket] [a]", " [s3:ListBucket] [b]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s Statements
			for _, st := range tc.add {
				s.Add(st)
			}
			if got := summary(&s); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statements %q, want %q", got, tc.want)
			}
		})
	}
}

// TestStatementsRefuseWiderGrants: a Sid reused with different actions
// and resources, or another effect or condition, is a programming error:
// joining them would grant more than either asked.
func TestStatementsRefuseWiderGrants(t *testing.T) {
	cases := map[string]*Statement{
		"other actions and resources": Allow("S", []string{"s3:PutObject"}, jsii.String("b")),
		"other effect":                {Sid: jsii.String("S"), Effect: jsii.String("Deny"), Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("a")},
		"other condition": func() *Statement {
			st := Allow("S", []string{"s3:GetObject"}, jsii.String("b"))
			st.Condition = []*Condition{ViaService("s3", "us-east-1")}
			return st
		}(),
	}
	for name, second := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "statement S") {
					t.Errorf("recovered %v, want a panic naming statement S", r)
				}
			}()
			var s Statements
			s.Add(Allow("S", []string{"s3:GetObject"}, jsii.String("a")))
			s.Add(second)
		})
	}
}

func TestViaService(t *testing.T) {
	c := ViaService("secretsmanager", "eu-west-1")
	if got := fmt.Sprintf("%s %s %v", *c.Test, *c.Variable, strs(c.Values)); got != "StringEquals kms:ViaService [secretsmanager.eu-west-1.amazonaws.com]" {
		t.Errorf("ViaService = %s", got)
	}
}
