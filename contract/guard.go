package contract

import (
	"encoding/json"
	"fmt"

	"stratum/awsrules"
	"stratum/config"
)

// The contract's parameters are trusted configuration: the stacks that
// read them build IAM trust (every IRSA role trusts the OIDC provider
// named by platform/cluster/oidc-provider-arn and issuer), network rules
// (security group ids: the client stacks open databases/<client>/
// security-group-id to the client's nodes) and provider endpoints
// (platform/cluster/endpoint receives the deploy role's EKS tokens) from
// them. Whoever can write /stratum/<env>/ can therefore steer the next
// apply, so only the deploy roles may (see docs/architecture.md, "Who may
// write the contract").

// WriteActions are the SSM actions that change a parameter, its history
// labels, its tags or its resource policy.
var WriteActions = []string{
	"ssm:PutParameter", "ssm:DeleteParameter", "ssm:DeleteParameters",
	"ssm:LabelParameterVersion", "ssm:UnlabelParameterVersion",
	"ssm:AddTagsToResource", "ssm:RemoveTagsFromResource",
	"ssm:PutResourcePolicy", "ssm:DeleteResourcePolicy",
}

// ParametersARN is the ARN pattern of every parameter of env:
// arn:<partition>:ssm:<region>:<account>:parameter/stratum/<env>/*.
func ParametersARN(env config.Environment) string {
	return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s/%s/*", awsrules.Partition(env.Region), env.Region, env.AccountID, Prefix, env.Name)
}

// PrefixARN is the ARN pattern of the parameters under one word of
// env's contract (a layer's prefix: foundation, databases, clients, …):
// arn:<partition>:ssm:<region>:<account>:parameter/stratum/<env>/<word>/*.
func PrefixARN(env config.Environment, word string) string {
	return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s/%s/%s/*", awsrules.Partition(env.Region), env.Region, env.AccountID, Prefix, env.Name, word)
}

// Statement is one IAM policy statement as plain JSON, its elements in
// the order policies are written.
type Statement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  string                         `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// Policy is an IAM policy document as plain JSON.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// GuardStatement is the statement that denies every principal but
// writers the WriteActions on resource (ParametersARN or a PrefixARN).
// Without writers it denies everyone.
func GuardStatement(sid, resource string, writers []string) Statement {
	st := Statement{Sid: sid, Effect: "Deny", Action: WriteActions, Resource: resource}
	if len(writers) > 0 {
		st.Condition = map[string]map[string][]string{"ArnNotEquals": {"aws:PrincipalArn": writers}}
	}
	return st
}

// MaxSCPSize is the size AWS Organizations allows a service control
// policy, in characters.
const MaxSCPSize = 5120

// SCP is a service control policy denying every principal of the
// environments' accounts but each environment's writers the WriteActions
// on its parameters: attached to the organizational unit of those
// accounts, it binds even principals that could detach an identity
// policy. Its JSON is minified by AWS; this is indented for review and
// checked against MaxSCPSize minified.
func SCP(envs []config.Environment, writers func(config.Environment) []string) ([]byte, error) {
	doc := Policy{Version: "2012-10-17"}
	for _, env := range envs {
		doc.Statement = append(doc.Statement, GuardStatement(SCPSid(env), ParametersARN(env), writers(env)))
	}
	compact, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if len(compact) > MaxSCPSize {
		return nil, fmt.Errorf("the SSM contract SCP is %d characters, more than the %d AWS Organizations allows: split it per environment", len(compact), MaxSCPSize)
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	return append(out, '\n'), err
}

// SCPSid is the Sid of env's statement in the SCP.
func SCPSid(env config.Environment) string { return "StratumContract" + sidWord(env.Name) }

// sidWord is name as an IAM Sid word: letters and digits, each word
// capitalized (prod-eu: ProdEu).
func sidWord(name string) string {
	var out []byte
	up := true
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z':
			if up {
				c -= 'a' - 'A'
			}
			out, up = append(out, c), false
		case c >= '0' && c <= '9':
			out, up = append(out, c), false
		default:
			up = true
		}
	}
	return string(out)
}
