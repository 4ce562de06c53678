// Package secret is a handle on a Secrets Manager secret and the KMS key
// encrypting it, which grants reading the secret: the secret's value, and
// decrypting it through Secrets Manager only.
package secret

import (
	"fmt"

	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// Secret is a Secrets Manager secret: one a construct created or one known
// by its ARN (an RDS-managed master secret, read through SSM).
type Secret struct {
	// ARN is the secret's ARN; a token is fine.
	ARN *string
	// Key encrypts the secret.
	Key *kms.Key
}

// FromARN is a handle on the secret arn, encrypted with key.
func FromARN(arn *string, key *kms.Key) *Secret {
	if arn == nil || key == nil {
		panic(fmt.Sprintf("secret.FromARN: arn %v and key %v are required", arn, key))
	}
	return &Secret{ARN: arn, Key: key}
}

// GrantRead lets grantee read the secret's value and decrypt it with its
// key through Secrets Manager only. name names the grant's statements:
// Read<name> and Decrypt<name> (e.g. ReadDatabaseSecret).
func (s *Secret) GrantRead(grantee policy.Grantee, name string) {
	grantee.AddToPolicy(policy.Allow("Read"+name, []string{"secretsmanager:GetSecretValue"}, s.ARN))
	s.Key.GrantDecryptVia(grantee, "Decrypt"+name, "secretsmanager")
}
