package stacks

import (
	"encoding/json"
	"fmt"

	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iampolicy"

	"stratum/config"
	"stratum/contract"
)

// newContractGuard creates the managed policy that denies writing env's
// SSM contract (/stratum/<env>/*) to every principal but the deploy and
// break-glass roles (contract.GuardStatement). An identity policy binds
// only the principals it is attached to: attach it to the roles, groups
// and permission sets of people and of every other automation in the
// account (the CI plan role has it), or enforce the same statement for
// the whole account with the service control policy in
// docs/scp-ssm-contract.json. It lives in bootstrap-<env>, which CI never
// applies, and the CI apply role may not change it.
func newContractGuard(s *Stack, env config.Environment) iampolicy.IamPolicy {
	doc, err := json.Marshal(contract.Policy{
		Version:   "2012-10-17",
		Statement: []contract.Statement{contract.GuardStatement(env, "OnlyDeployRolesWriteTheContract")},
	})
	if err != nil {
		panic(err)
	}
	return iampolicy.NewIamPolicy(s.TF, jsii.String("ssm-contract-guard"), &iampolicy.IamPolicyConfig{
		Name: jsii.String(env.ContractGuardPolicyName()),
		// A new description replaces the policy: it names no role.
		Description: jsii.String(fmt.Sprintf("Only the deploy and break-glass roles may write the SSM contract %s/%s/ (docs/architecture.md)",
			contract.Prefix, env.Name)),
		Policy: jsii.String(string(doc)),
	})
}
