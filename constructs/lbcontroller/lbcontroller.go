// Package lbcontroller installs the AWS Load Balancer Controller: its
// IRSA role with the upstream least-privilege policy, its Kubernetes
// service account and the pinned Helm chart, configured with the cluster
// name, region and VPC so that it never needs the node's instance
// metadata. The stack must configure the kubernetes and helm providers.
package lbcontroller

import (
	"cmp"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/helmchart"
	"stratum/constructs/irsa"
	"stratum/constructs/nodegroup"
)

// The chart and the controller version it installs (appVersion v2.17.1,
// the last v2 release). Statements follows this version's iam_policy.json.
const (
	ChartRepository = "https://aws.github.io/eks-charts"
	Chart           = "aws-load-balancer-controller"
	ChartVersion    = "1.17.1"
)

// DefaultUser is the Kubernetes user the controller acts as with the
// default Namespace and ServiceAccount: what admission policies name when
// they let only the controller make TargetGroupBindings.
const DefaultUser = "system:serviceaccount:kube-system:" + Chart

// Props configures a Controller.
type Props struct {
	// ClusterName, Region and VPCID are passed to the controller so that
	// it does not discover them from instance metadata, and limit what
	// security groups it may change (see Statements). Required.
	ClusterName *string
	Region      string
	VPCID       *string
	// AccountID is the cluster's account, in the ARNs of the VPC and the
	// security groups the controller may change. Required.
	AccountID string
	// OIDCProviderARN and OIDCIssuer are the cluster's IRSA provider. Required.
	OIDCProviderARN, OIDCIssuer *string
	// RoleName is the IRSA role's name. Required.
	RoleName string
	// Namespace and ServiceAccount the controller runs as.
	// Default: "kube-system" and "aws-load-balancer-controller".
	Namespace, ServiceAccount string
	// NodeSelector and Tolerations place the controller's pods.
	// Default: none (any untainted node).
	NodeSelector map[string]string
	Tolerations  []nodegroup.Toleration
	// Tags are added to every AWS resource the controller creates.
	// Default: none.
	Tags map[string]string
}

// Controller is the installed controller.
type Controller struct {
	Role           *irsa.Role
	ServiceAccount serviceaccountv1.ServiceAccountV1
	Release        release.Release
}

// New creates the role, the service account and the Helm release.
func New(scope constructs.Construct, id string, p *Props) *Controller {
	if p == nil || p.ClusterName == nil || p.VPCID == nil || p.Region == "" || p.RoleName == "" {
		panic(fmt.Sprintf("lbcontroller.New %q: ClusterName, Region, VPCID and RoleName are required", id))
	}
	if !awsrules.IsAccountID(p.AccountID) {
		panic(fmt.Sprintf("lbcontroller.New %q: AccountID %q is invalid: want a 12-digit AWS account ID", id, p.AccountID))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	partition := awscontext.Of(c).Partition()
	account := irsa.NewServiceAccount(c, &irsa.ServiceAccountProps{
		Role: irsa.Props{
			OIDCProviderARN: p.OIDCProviderARN,
			OIDCIssuer:      p.OIDCIssuer,
			Namespace:       p.Namespace,
			ServiceAccount:  cmp.Or(p.ServiceAccount, Chart),
			RoleName:        p.RoleName,
			Statements: Statements(Scope{
				Partition: *partition, Region: p.Region, Account: p.AccountID,
				VPCID: p.VPCID, ClusterName: p.ClusterName,
			}),
		},
		Labels: map[string]string{"app.kubernetes.io/name": Chart},
	})
	values := map[string]any{
		"clusterName":         *p.ClusterName,
		"region":              p.Region,
		"vpcId":               *p.VPCID,
		"replicaCount":        2,
		"podDisruptionBudget": map[string]any{"maxUnavailable": 1},
	}
	if len(p.Tags) > 0 {
		values["defaultTags"] = p.Tags
	}
	rel := helmchart.New(c, "release", &helmchart.Props{
		Repository: ChartRepository, Chart: Chart, Version: ChartVersion, Namespace: account.Role.Namespace,
		Values: values, NodeSelector: p.NodeSelector, Tolerations: p.Tolerations, ServiceAccount: account,
	})
	return &Controller{Role: account.Role, ServiceAccount: account.ServiceAccount, Release: rel}
}
