package stacks

import (
	"github.com/aws/jsii-runtime-go"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/contract"
)

// clusterAccess is how a stack's in-cluster providers (Kubernetes, Helm)
// reach the environment's EKS API. Every value comes from the platform's
// SSM parameters, so the stack plans without reading platform-<env>'s
// state, and the token is minted at plan/apply time by `aws eks get-token`
// instead of being stored in the state.
type clusterAccess struct {
	// Host is the API server URL.
	Host *string
	// CACertificate is the cluster CA in PEM.
	CACertificate *string
	// ExecAPIVersion, ExecCommand and ExecArgs are the provider's exec
	// block.
	ExecAPIVersion, ExecCommand *string
	ExecArgs                    *[]*string
}

// clusterAccess imports the cluster's name, endpoint and CA. The token is
// requested with the role the AWS provider assumes, when the environment
// sets one, so Kubernetes sees the same principal as AWS (and its access
// entry).
func (s *Stack) clusterAccess() clusterAccess {
	name := contract.ClusterName.Import(s.Contract, s.At())
	args := []*string{
		jsii.String("eks"), jsii.String("get-token"),
		jsii.String("--cluster-name"), name,
		jsii.String("--region"), jsii.String(s.Env.Region),
	}
	if s.Env.AssumeRoleARN != "" {
		args = append(args, jsii.String("--role-arn"), jsii.String(s.Env.AssumeRoleARN))
	}
	return clusterAccess{
		Host:           contract.ClusterEndpoint.Import(s.Contract, s.At()),
		CACertificate:  cdktf.Fn_Base64decode(contract.ClusterCAData.Import(s.Contract, s.At())),
		ExecAPIVersion: jsii.String("client.authentication.k8s.io/v1beta1"),
		ExecCommand:    jsii.String("aws"),
		ExecArgs:       &args,
	}
}

// kubernetesProvider configures the stack's Kubernetes provider from
// clusterAccess.
func (s *Stack) kubernetesProvider() k8sprovider.KubernetesProvider {
	a := s.clusterAccess()
	return k8sprovider.NewKubernetesProvider(s.TF, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{
		Host:                 a.Host,
		ClusterCaCertificate: a.CACertificate,
		Exec: []*k8sprovider.KubernetesProviderExec{{
			ApiVersion: a.ExecAPIVersion,
			Command:    a.ExecCommand,
			Args:       a.ExecArgs,
		}},
	})
}

// helmProvider configures the stack's Helm provider from clusterAccess.
func (s *Stack) helmProvider() helmprovider.HelmProvider {
	a := s.clusterAccess()
	return helmprovider.NewHelmProvider(s.TF, jsii.String("helm"), &helmprovider.HelmProviderConfig{
		Kubernetes: &helmprovider.HelmProviderKubernetes{
			Host:                 a.Host,
			ClusterCaCertificate: a.CACertificate,
			Exec: &helmprovider.HelmProviderKubernetesExec{
				ApiVersion: a.ExecAPIVersion,
				Command:    a.ExecCommand,
				Args:       a.ExecArgs,
			},
		},
	})
}
