package stacks

import (
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"

	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
)

// newContractGuard creates the managed policy that confines writing env's
// SSM contract (/stratum/<env>/*) to each prefix's writer: the layer's
// deploy role, or the break-glass role (deploy.GuardPolicy). An identity
// policy binds only the principals it is attached to: every deploy and
// plan role carries it; attach it to the roles, groups and permission
// sets of people and of every other automation in the account too, or
// enforce the writers for the whole account with the service control
// policy in docs/scp-ssm-contract.json. It lives in bootstrap-<env>,
// which CI never applies, and no deploy role may change it.
func newContractGuard(s *Stack, env config.Environment) iampolicy.IamPolicy {
	return iampolicy.NewIamPolicy(s.TF, jsii.String("ssm-contract-guard"), &iampolicy.IamPolicyConfig{
		Name: jsii.String(env.ContractGuardPolicyName()),
		// A new description replaces the policy: it names no role.
		Description: jsii.String(fmt.Sprintf("Only the deploy and break-glass roles may write the SSM contract %s/%s/ (docs/architecture.md)",
			contract.Prefix, env.Name)),
		Policy: jsii.String(deploy.GuardPolicy(env).JSON()),
	})
}
