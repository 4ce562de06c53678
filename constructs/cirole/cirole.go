// Package cirole provides IAM roles that CI/CD pipelines assume by OIDC
// federation (sts:AssumeRoleWithWebIdentity), and the identity providers
// they trust. Every trust is pinned to the token's audience and to
// subjects of one repository: exact subjects with StringEquals, and a
// pattern only where a platform gives no exact subject (any branch of one
// project), with the wildcard confined to the last claim.
package cirole

import (
	"fmt"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiamopenidconnectprovider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamopenidconnectprovider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
)

// Statement is one IAM policy statement.
type Statement = dataawsiampolicydocument.DataAwsIamPolicyDocumentStatement

// ProviderProps configures an identity provider.
type ProviderProps struct {
	// Issuer is the token issuer without https://, e.g.
	// token.actions.githubusercontent.com. Required.
	Issuer string
	// Audiences are the client ids (aud values) the provider accepts.
	// Required.
	Audiences []string
	// Existing looks the account's provider for Issuer up instead of
	// creating it (an account holds one provider per issuer).
	// Default: false (create it).
	Existing bool
}

// Provider is an IAM OIDC identity provider.
type Provider struct {
	// ARN of the provider; Issuer as in ProviderProps.
	ARN    *string
	Issuer string
}

// NewProvider creates the identity provider or looks it up. IAM verifies
// the issuer's TLS certificate against its own trusted CAs for the
// providers CI platforms use, so no thumbprint is pinned.
func NewProvider(scope constructs.Construct, id string, p *ProviderProps) *Provider {
	if p == nil || p.Issuer == "" || strings.Contains(p.Issuer, "://") || len(p.Audiences) == 0 {
		panic(fmt.Sprintf("cirole.NewProvider %q: Issuer (without https://) and Audiences are required, got %+v", id, p))
	}
	url := jsii.String("https://" + p.Issuer)
	if p.Existing {
		found := dataawsiamopenidconnectprovider.NewDataAwsIamOpenidConnectProvider(scope, jsii.String(id), &dataawsiamopenidconnectprovider.DataAwsIamOpenidConnectProviderConfig{
			Url: url,
		})
		return &Provider{ARN: found.Arn(), Issuer: p.Issuer}
	}
	created := iamopenidconnectprovider.NewIamOpenidConnectProvider(scope, jsii.String(id), &iamopenidconnectprovider.IamOpenidConnectProviderConfig{
		Url:          url,
		ClientIdList: jsii.Strings(p.Audiences...),
	})
	return &Provider{ARN: created.Arn(), Issuer: p.Issuer}
}

// Trust lets tokens of one provider assume the role.
type Trust struct {
	// Sid names the trust statement. Required.
	Sid string
	// Provider issued the tokens. Required.
	Provider *Provider
	// Audience is the aud the token must carry. Required.
	Audience string
	// Subjects are the exact sub values allowed (StringEquals).
	Subjects []string
	// SubjectPattern, when set, is one StringLike sub pattern whose only
	// wildcard is a trailing "*" after a fixed prefix of at least two
	// claims (any branch of one project, any pull request's merge ref).
	// Default: "" (exact subjects only).
	SubjectPattern string
}

// Props configures a Role.
type Props struct {
	// Name is the IAM role name (at most 64 characters). Required.
	Name string
	// Description says what the role is for.
	Description string
	// Trusts are the identities that may assume the role. Required.
	Trusts []Trust
	// ManagedPolicyARNs are attached to the role. Default: none.
	ManagedPolicyARNs []string
	// Statements are the role's inline policy. Default: none.
	Statements []*Statement
	// MaxSessionDurationSeconds caps the credentials' lifetime (3600 to
	// 43200). Default: 3600.
	MaxSessionDurationSeconds int
	// Path is the role's IAM path. Default: "/".
	Path string
	// PermissionsBoundary is the ARN of the role's permissions boundary.
	// Required: every role Stratum creates carries one.
	PermissionsBoundary *string
	// AssumedBy are IAM role ARNs (a team's, people's) that may assume
	// the role with sts:AssumeRole. Default: none.
	AssumedBy []string
}

// Role is a role CI assumes.
type Role struct {
	Role iamrole.IamRole
	// ARN and Name of the role.
	ARN, Name *string
}

// New creates the role with its trust and permissions.
func New(scope constructs.Construct, id string, p *Props) *Role {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("cirole.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	var trust []*Statement
	for _, t := range p.Trusts {
		aud := &dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{
			Test: jsii.String("StringEquals"), Variable: jsii.String(t.Provider.Issuer + ":aud"), Values: jsii.Strings(t.Audience),
		}
		principal := []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
			Type: jsii.String("Federated"), Identifiers: &[]*string{t.Provider.ARN},
		}}
		if len(t.Subjects) > 0 {
			trust = append(trust, &Statement{
				Sid: jsii.String(t.Sid), Effect: jsii.String("Allow"),
				Actions:    jsii.Strings("sts:AssumeRoleWithWebIdentity"),
				Principals: principal,
				Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{aud, {
					Test: jsii.String("StringEquals"), Variable: jsii.String(t.Provider.Issuer + ":sub"), Values: jsii.Strings(t.Subjects...),
				}},
			})
		}
		if t.SubjectPattern != "" {
			trust = append(trust, &Statement{
				Sid: jsii.String(t.Sid + "Pattern"), Effect: jsii.String("Allow"),
				Actions:    jsii.Strings("sts:AssumeRoleWithWebIdentity"),
				Principals: principal,
				Condition: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementCondition{aud, {
					Test: jsii.String("StringLike"), Variable: jsii.String(t.Provider.Issuer + ":sub"), Values: jsii.Strings(t.SubjectPattern),
				}},
			})
		}
	}
	if len(p.AssumedBy) > 0 {
		trust = append(trust, &Statement{
			Sid: jsii.String("Teams"), Effect: jsii.String("Allow"),
			Actions: jsii.Strings("sts:AssumeRole"),
			Principals: []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
				Type: jsii.String("AWS"), Identifiers: jsii.Strings(p.AssumedBy...),
			}},
		})
	}
	doc := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("trust"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
		Statement: trust,
	})
	cfg := &iamrole.IamRoleConfig{
		Name:                jsii.String(p.Name),
		Description:         jsii.String(p.Description),
		AssumeRolePolicy:    doc.Json(),
		PermissionsBoundary: p.PermissionsBoundary,
	}
	if p.Path != "" {
		cfg.Path = jsii.String(p.Path)
	}
	if p.MaxSessionDurationSeconds != 0 {
		cfg.MaxSessionDuration = jsii.Number(float64(p.MaxSessionDurationSeconds))
	}
	role := iamrole.NewIamRole(c, jsii.String("role"), cfg)
	if len(p.Statements) > 0 {
		perms := dataawsiampolicydocument.NewDataAwsIamPolicyDocument(c, jsii.String("permissions"), &dataawsiampolicydocument.DataAwsIamPolicyDocumentConfig{
			Statement: p.Statements,
		})
		iamrolepolicy.NewIamRolePolicy(c, jsii.String("policy"), &iamrolepolicy.IamRolePolicyConfig{
			Name: jsii.String(p.Name), Role: role.Id(), Policy: perms.Json(),
		})
	}
	for i, arn := range p.ManagedPolicyARNs {
		iamrolepolicyattachment.NewIamRolePolicyAttachment(c, jsii.String(fmt.Sprintf("managed-%d", i)), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
			Role: role.Name(), PolicyArn: jsii.String(arn),
		})
	}
	return &Role{Role: role, ARN: role.Arn(), Name: role.Name()}
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case p.Name == "" || len(p.Name) > 64:
		return fmt.Errorf("Name %q: want 1 to 64 characters", p.Name)
	case len(p.Trusts) == 0 && len(p.AssumedBy) == 0:
		return fmt.Errorf("Trusts or AssumedBy: at least one is required")
	case p.PermissionsBoundary == nil:
		return fmt.Errorf("PermissionsBoundary is required: every role Stratum creates carries the environment's boundary")
	case p.MaxSessionDurationSeconds != 0 && (p.MaxSessionDurationSeconds < 3600 || p.MaxSessionDurationSeconds > 43200):
		return fmt.Errorf("MaxSessionDurationSeconds %d: want 3600 to 43200", p.MaxSessionDurationSeconds)
	}
	for i, t := range p.Trusts {
		if err := t.validate(); err != nil {
			return fmt.Errorf("Trusts[%d] (%s): %w", i, t.Sid, err)
		}
	}
	return nil
}

func (t Trust) validate() error {
	switch {
	case t.Sid == "" || t.Provider == nil:
		return fmt.Errorf("Sid and Provider are required")
	case t.Audience == "" || strings.ContainsAny(t.Audience, "*?"):
		return fmt.Errorf("Audience %q: want one audience without wildcards", t.Audience)
	case len(t.Subjects) == 0 && t.SubjectPattern == "":
		return fmt.Errorf("Subjects or SubjectPattern is required: a trust without a subject admits every repository of the platform")
	}
	for _, s := range t.Subjects {
		if s == "" || strings.ContainsAny(s, "*?") {
			return fmt.Errorf("Subjects: %q: want an exact subject without wildcards", s)
		}
	}
	if pat := t.SubjectPattern; pat != "" {
		head, ok := strings.CutSuffix(pat, "*")
		if !ok || strings.ContainsAny(head, "*?") || strings.Count(head, ":") < 2 {
			return fmt.Errorf("SubjectPattern %q: want a fixed prefix of at least two claims followed by one trailing '*'", pat)
		}
	}
	return nil
}
