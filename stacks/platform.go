package stacks

// TEMP placeholder: stands in for the real platform-<env> stack (built on
// another branch) so that client stacks can import its parameters. It
// exports fixed placeholder values and is dropped when the real stack lands.

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"stratum/config"
	"stratum/constructs/params"
)

// NewPlatform is a TEMP placeholder for platform-<env>.
func NewPlatform(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: params.Platform, Env: env})
	params.VPCID.Import(s.TF, s.At())
	name := "stratum-" + env.Name
	params.ClusterName.Export(s.TF, s.At(), jsii.String(name))
	params.ClusterEndpoint.Export(s.TF, s.At(), jsii.String("https://placeholder.eks.amazonaws.com"))
	params.ClusterCAData.Export(s.TF, s.At(), jsii.String("cGxhY2Vob2xkZXI="))
	params.ClusterVersion.Export(s.TF, s.At(), jsii.String(env.Cluster.Version))
	params.OIDCProviderARN.Export(s.TF, s.At(), jsii.String("arn:aws:iam::000000000000:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/PLACEHOLDER"))
	params.OIDCIssuer.Export(s.TF, s.At(), jsii.String("oidc.eks.us-east-1.amazonaws.com/id/PLACEHOLDER"))
	params.ClusterSecurityGroupID.Export(s.TF, s.At(), jsii.String("sg-cluster-placeholder"))
	params.NodeSecurityGroupID.Export(s.TF, s.At(), jsii.String("sg-nodes-placeholder"))
	params.VolumeKMSKeyARN.Export(s.TF, s.At(), jsii.String("arn:aws:kms:us-east-1:000000000000:key/volumes-placeholder"))
	return s
}
