package contract

import (
	"encoding/json"
	"fmt"
	"slices"

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

// Writers are the principals that may write env's parameters: the deploy
// role, which applies every stack, and the break-glass role, which
// applies them when the deploy role cannot.
func Writers(env config.Environment) []string {
	var out []string
	for _, arn := range []string{env.DeployRoleARN(), env.Cluster.BreakGlassRoleARN} {
		if arn != "" && !slices.Contains(out, arn) {
			out = append(out, arn)
		}
	}
	return out
}

// Statement is one IAM policy statement as plain JSON, its elements in
// the order policies are written.
type Statement struct {
	Sid       string                         `json:"Sid"`
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  string                         `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition"`
}

// Policy is an IAM policy document as plain JSON.
type Policy struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// GuardStatement is the statement that denies every principal but
// Writers the WriteActions on env's parameters.
func GuardStatement(env config.Environment, sid string) Statement {
	return Statement{
		Sid:       sid,
		Effect:    "Deny",
		Action:    WriteActions,
		Resource:  ParametersARN(env),
		Condition: map[string]map[string][]string{"ArnNotEquals": {"aws:PrincipalArn": Writers(env)}},
	}
}

// MaxSCPSize is the size AWS Organizations allows a service control
// policy, in characters.
const MaxSCPSize = 5120

// SCP is a service control policy denying every principal of the
// environments' accounts but each environment's Writers the WriteActions
// on its parameters: attached to the organizational unit of those
// accounts, it binds even principals that could detach an identity
// policy. Its JSON is minified by AWS; this is indented for review and
// checked against MaxSCPSize minified.
func SCP(envs []config.Environment) ([]byte, error) {
	doc := Policy{Version: "2012-10-17"}
	for _, env := range envs {
		doc.Statement = append(doc.Statement, GuardStatement(env, "StratumContract"+sidWord(env.Name)))
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
