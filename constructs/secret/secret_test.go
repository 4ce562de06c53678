package secret

import (
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// TestGrantRead: reading a secret is its value and decrypting it through
// Secrets Manager only, in two statements named after the grant.
func TestGrantRead(t *testing.T) {
	s := FromARN(jsii.String("secret-arn"), kms.FromARN(jsii.String("key-arn"), "us-east-1"))
	var r policy.Statements
	s.GrantRead(&r, "DatabaseSecret")
	list := r.List()
	if len(list) != 2 {
		t.Fatalf("%d statements, want 2", len(list))
	}
	read, decrypt := list[0], list[1]
	if *read.Sid != "ReadDatabaseSecret" || *(*read.Actions)[0] != "secretsmanager:GetSecretValue" || *(*read.Resources)[0] != "secret-arn" {
		t.Errorf("read statement %s %v %v", *read.Sid, *(*read.Actions)[0], *(*read.Resources)[0])
	}
	conds, _ := decrypt.Condition.([]*policy.Condition)
	if *decrypt.Sid != "DecryptDatabaseSecret" || *(*decrypt.Actions)[0] != "kms:Decrypt" || *(*decrypt.Resources)[0] != "key-arn" ||
		len(conds) != 1 || *(*conds[0].Values)[0] != "secretsmanager.us-east-1.amazonaws.com" {
		t.Errorf("decrypt statement %s on %v, conditions %v", *decrypt.Sid, *(*decrypt.Resources)[0], conds)
	}
}
