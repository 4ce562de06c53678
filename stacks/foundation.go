package stacks

// TEMP placeholder: stands in for the real foundation-<env> stack (built on
// another branch) so that client stacks can import its parameters. It
// exports fixed placeholder values and is dropped when the real stack lands.

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"stratum/config"
	"stratum/constructs/params"
)

// NewFoundation is a TEMP placeholder for foundation-<env>.
func NewFoundation(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: params.Foundation, Env: env})
	params.VPCID.Export(s.TF, s.At(), jsii.String("vpc-placeholder"))
	params.VPCCIDR.Export(s.TF, s.At(), jsii.String(env.Network.CIDR))
	params.PrivateSubnetIDs.Export(s.TF, s.At(), jsii.Strings("subnet-placeholder-a", "subnet-placeholder-b"))
	params.BackupPlanID.Export(s.TF, s.At(), jsii.String("backup-plan-placeholder"))
	params.BackupRoleARN.Export(s.TF, s.At(), jsii.String("arn:aws:iam::000000000000:role/backup-placeholder"))
	return s
}
