package stacks

// TEMP placeholder: stands in for the real databases-<env> stack (built on
// another branch) so that client stacks can import its per-client
// parameters. It exports fixed placeholder values and is dropped when the
// real stack lands.

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/params"
)

// NewDatabases is a TEMP placeholder for databases-<env>.
func NewDatabases(scope constructs.Construct, env config.Environment, cs []clients.Client) *Stack {
	s := newStack(scope, stackProps{Layer: params.Databases, Env: env})
	params.VPCID.Import(s.TF, s.At())
	for _, c := range cs {
		at := s.ClientAt(c.Name)
		params.DatabaseEndpoint.Export(s.TF, at, jsii.String(c.Name+".placeholder.rds.amazonaws.com"))
		params.DatabasePort.Export(s.TF, at, jsii.String("5432"))
		params.DatabaseName.Export(s.TF, at, jsii.String("app"))
		params.DatabaseSecretARN.Export(s.TF, at, jsii.String(fmt.Sprintf("arn:aws:secretsmanager:%s:000000000000:secret:rds!db-%s-placeholder", env.Region, c.Name)))
		params.DatabaseSecretKMSKeyARN.Export(s.TF, at, jsii.String(fmt.Sprintf("arn:aws:kms:%s:000000000000:key/%s-placeholder", env.Region, c.Name)))
		params.DatabaseSecurityGroupID.Export(s.TF, at, jsii.String("sg-"+c.Name+"-db-placeholder"))
	}
	return s
}
