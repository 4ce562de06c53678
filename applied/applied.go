// Package applied is what was last applied to each stack, as a recorded
// fact: one SSM parameter per stack, /stratum-applied/<env>/<stack>,
// holding the commit and the digest of the stack's synthesized Terraform
// that the last successful apply applied. The apply job of a stack writes
// it with the stack's layer's deploy role (which may write its own
// layer's records only, package deploy), a person writes it for a stack
// CI does not apply (bootstrap-<env>, `stratum applied record`), and
// `stratum changed -applied` selects every stack whose Terraform differs
// from its record: a failed, skipped or never-run apply leaves the record
// where it was, so the stack is selected again by the next run until an
// apply succeeds. The same on every CI platform: the record lives in the
// environment's account, not in the CI system.
package applied

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Root is the SSM path under which every environment's records live,
// outside the SSM contract (/stratum/<env>/…), which the contract's guard
// and service control policy keep to the layers' own prefixes.
const Root = "/stratum-applied"

// Path is the SSM path of env's records.
func Path(env string) string { return Root + "/" + env }

// ParameterName is the record of stack in env.
func ParameterName(env, stack string) string { return Path(env) + "/" + stack }

// Record is what was last applied to one stack.
type Record struct {
	// Commit is the commit the applied plan was made from.
	Commit string `json:"commit"`
	// Digest is Digest of the stack's synthesized Terraform that was
	// applied.
	Digest string `json:"digest"`
}

var (
	commitRE = regexp.MustCompile(`^[0-9a-f]{40}$`)
	digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Check says what is wrong with r, if anything.
func (r Record) Check() error {
	if !commitRE.MatchString(r.Commit) {
		return fmt.Errorf("commit %q: want a full 40-character commit id", r.Commit)
	}
	if !digestRE.MatchString(r.Digest) {
		return fmt.Errorf("digest %q: want sha256:<64 hex digits> (stratum changed -json's digests)", r.Digest)
	}
	return nil
}

// JSON is the parameter's value.
func (r Record) JSON() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// Digest is the digest of a stack's Terraform as `stratum changed`
// compares it: parsed, without cdktf's "//" metadata, keys in canonical
// order. Two syntheses of the same Terraform have the same digest
// whatever the code that produced them.
func Digest(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Records are the records of stacks (of one or more environments), by
// stack name.
type Records map[string]Record

// ParseParameters reads what `aws ssm get-parameters-by-path --path
// /stratum-applied/<env> --recursive --output json` prints: the records
// of env, by stack. A parameter that is no record is an error naming it.
func ParseParameters(env string, b []byte) (Records, error) {
	var out struct {
		Parameters []struct {
			Name, Value string
		}
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("records of %s: %w", env, err)
	}
	recs := Records{}
	for _, p := range out.Parameters {
		stack, ok := strings.CutPrefix(p.Name, Path(env)+"/")
		if !ok || stack == "" || strings.Contains(stack, "/") {
			return nil, fmt.Errorf("records of %s: parameter %s is not under %s/<stack>", env, p.Name, Path(env))
		}
		var r Record
		if err := json.Unmarshal([]byte(p.Value), &r); err != nil {
			return nil, fmt.Errorf("record %s: %q is not a record's JSON: %w", p.Name, p.Value, err)
		}
		if err := r.Check(); err != nil {
			return nil, fmt.Errorf("record %s: %w", p.Name, err)
		}
		recs[stack] = r
	}
	return recs, nil
}
