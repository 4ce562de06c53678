// Package irsa provides IAM roles for Kubernetes service accounts (IRSA):
// one role per service account, trusted only by the cluster's OIDC
// provider for exactly that namespace and service account, with the
// audience pinned to STS.
package irsa

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"

	"stratum/awsrules"
	"stratum/constructs/policy"
)

// Props configures a Role.
type Props struct {
	// OIDCProviderARN is the ARN of the cluster's IAM OIDC provider. Required.
	OIDCProviderARN *string
	// OIDCIssuer is the issuer URL without "https://", e.g.
	// oidc.eks.us-east-1.amazonaws.com/id/ABC. Required.
	OIDCIssuer *string
	// Namespace and ServiceAccount name the only identity that may assume
	// the role. Required; wildcards are refused.
	Namespace, ServiceAccount string
	// RoleName is the IAM role name (at most
	// awsrules.MaxIAMRoleNameLength characters). Required.
	RoleName string
	// Statements start the role's inline policy; grants (AddToPolicy) add
	// to it. Default: none.
	Statements []*policy.Statement
	// ManagedPolicyARNs are attached to the role. Default: none.
	ManagedPolicyARNs []string
}

// Role is an IAM role for one service account. It is a policy.Grantee:
// resources grant it access (bucket.GrantRead(role)), and its inline
// policy holds what they granted.
type Role struct {
	Role iamrole.IamRole
	ARN  *string
	// Namespace and ServiceAccount the role is pinned to.
	Namespace, ServiceAccount string

	scope      constructs.Construct
	name       string
	statements policy.Statements
	document   dataawsiampolicydocument.DataAwsIamPolicyDocument
}

// New creates the role, its trust policy and permissions.
func New(scope constructs.Construct, id string, p *Props) *Role {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("irsa.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	trust := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("trust"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: []*policy.Statement{{
			Sid:     jsii.String("ServiceAccountWebIdentity"),
			Effect:  jsii.String("Allow"),
			Actions: jsii.Strings("sts:AssumeRoleWithWebIdentity"),
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("Federated"), Identifiers: &[]*string{p.OIDCProviderARN},
			}},
			Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{
				{
					Test:     jsii.String("StringEquals"),
					Variable: jsii.String(*p.OIDCIssuer + ":aud"),
					Values:   jsii.Strings(awsrules.IRSAAudience),
				},
				{
					Test:     jsii.String("StringEquals"),
					Variable: jsii.String(*p.OIDCIssuer + ":sub"),
					Values:   jsii.Strings(Subject(p.Namespace, p.ServiceAccount)),
				},
			},
		}},
	})
	role := iamrole.NewIamRole(c, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.RoleName),
		AssumeRolePolicy: trust.Json(),
		Description:      jsii.String(fmt.Sprintf("IRSA role of service account %s/%s", p.Namespace, p.ServiceAccount)),
	})
	r := &Role{Role: role, ARN: role.Arn(), Namespace: p.Namespace, ServiceAccount: p.ServiceAccount, scope: c, name: p.RoleName}
	for _, st := range p.Statements {
		r.statements.Add(st)
	}
	r.writePolicy()
	for i, arn := range p.ManagedPolicyARNs {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String(fmt.Sprintf("managed-%d", i)), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role:      role.Name(),
			PolicyArn: jsii.String(arn),
		})
	}
	return r
}

// AddToPolicy adds st to the role's inline policy (merging it into the
// statement with its Sid, see policy.Statements); the first statement
// creates the policy.
func (r *Role) AddToPolicy(st *policy.Statement) {
	r.statements.Add(st)
	r.writePolicy()
}

// writePolicy creates the inline policy once there is a statement, and
// rewrites its document's statements afterwards.
func (r *Role) writePolicy() {
	statements := r.statements.List()
	switch {
	case len(statements) == 0:
	case r.document == nil:
		r.document = dataawsiampolicydocument.NewDataAwsIamPolicyDocument(r.scope, jsii.String("permissions"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
			Statement: statements,
		})
		iamrolepolicy.NewIamRolePolicy(r.scope, jsii.String("policy"), &iamrolepolicy.IamRolePolicyConfig{
			Name:   jsii.String(r.name),
			Role:   r.Role.Id(),
			Policy: r.document.Json(),
		})
	default:
		r.document.PutStatement(statements)
	}
}

// Subject is the OIDC subject of a service account.
func Subject(namespace, serviceAccount string) string {
	return fmt.Sprintf("system:serviceaccount:%s:%s", namespace, serviceAccount)
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case p.OIDCProviderARN == nil || p.OIDCIssuer == nil:
		return fmt.Errorf("OIDCProviderARN and OIDCIssuer are required")
	case p.Namespace == "" || p.ServiceAccount == "":
		return fmt.Errorf("Namespace and ServiceAccount are required")
	case strings.ContainsAny(p.Namespace+p.ServiceAccount, "*?"):
		return fmt.Errorf("Namespace %q / ServiceAccount %q: wildcards are not allowed; trust one service account", p.Namespace, p.ServiceAccount)
	case p.RoleName == "" || len(p.RoleName) > awsrules.MaxIAMRoleNameLength:
		return fmt.Errorf("RoleName %q: want 1 to %d characters", p.RoleName, awsrules.MaxIAMRoleNameLength)
	}
	return nil
}
