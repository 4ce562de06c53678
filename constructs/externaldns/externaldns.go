// Package externaldns installs ExternalDNS for one Route53 hosted zone:
// its IRSA role (record changes in that zone only), its Kubernetes
// service account and the pinned Helm chart, filtered to the zone and
// owning only the records it created (TXT registry with an owner id).
// The stack must configure the kubernetes and helm providers.
package externaldns

import (
	"cmp"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"

	"stratum/constructs/awscontext"
	"stratum/constructs/helmchart"
	"stratum/constructs/irsa"
	"stratum/constructs/nodegroup"
	"stratum/constructs/policy"
)

// The chart and the ExternalDNS version it installs (appVersion v0.22.0).
const (
	ChartRepository = "https://kubernetes-sigs.github.io/external-dns/"
	Chart           = "external-dns"
	ChartVersion    = "1.22.0"
)

// Props configures an ExternalDNS.
type Props struct {
	// ZoneID and ZoneName are the only hosted zone ExternalDNS manages. Required.
	ZoneID, ZoneName *string
	// OwnerID marks the records this instance owns (TXT registry);
	// use the cluster name. Required.
	OwnerID *string
	// Region is the AWS region of the Route53 API calls. Required.
	Region string
	// OIDCProviderARN and OIDCIssuer are the cluster's IRSA provider. Required.
	OIDCProviderARN, OIDCIssuer *string
	// RoleName is the IRSA role's name. Required.
	RoleName string
	// Namespace and ServiceAccount ExternalDNS runs as.
	// Default: "kube-system" and "external-dns".
	Namespace, ServiceAccount string
	// NodeSelector and Tolerations place the pod. Default: none.
	NodeSelector map[string]string
	Tolerations  []nodegroup.Toleration
}

// ExternalDNS is the installed ExternalDNS.
type ExternalDNS struct {
	Role           *irsa.Role
	ServiceAccount serviceaccountv1.ServiceAccountV1
	Release        release.Release
}

// New creates the role, the service account and the Helm release.
func New(scope constructs.Construct, id string, p *Props) *ExternalDNS {
	if p == nil || p.ZoneID == nil || p.ZoneName == nil || p.OwnerID == nil || p.Region == "" || p.RoleName == "" {
		panic(fmt.Sprintf("externaldns.New %q: ZoneID, ZoneName, OwnerID, Region and RoleName are required", id))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	partition := awscontext.Of(c).Partition()
	account := irsa.NewServiceAccount(c, &irsa.ServiceAccountProps{Role: irsa.Props{
		OIDCProviderARN: p.OIDCProviderARN,
		OIDCIssuer:      p.OIDCIssuer,
		Namespace:       p.Namespace,
		ServiceAccount:  cmp.Or(p.ServiceAccount, "external-dns"),
		RoleName:        p.RoleName,
		Statements: []*policy.Statement{
			{
				Sid:       jsii.String("ChangeRecordsInZone"),
				Effect:    jsii.String("Allow"),
				Actions:   jsii.Strings("route53:ChangeResourceRecordSets"),
				Resources: jsii.Strings(fmt.Sprintf("arn:%s:route53:::hostedzone/%s", *partition, *p.ZoneID)),
			},
			{
				// Listing calls: ListHostedZones has no resource to scope
				// to, and the zone filter is applied to what it returns.
				Sid:       jsii.String("ListZonesAndRecords"),
				Effect:    jsii.String("Allow"),
				Actions:   jsii.Strings("route53:ListHostedZones", "route53:ListResourceRecordSets", "route53:ListTagsForResources"),
				Resources: jsii.Strings("*"),
			},
		},
	},
		Labels: map[string]string{"app.kubernetes.io/name": Chart},
	})
	values := map[string]any{
		"provider":      map[string]any{"name": "aws"},
		"env":           []map[string]string{{"name": "AWS_DEFAULT_REGION", "value": p.Region}},
		"sources":       []string{"service", "ingress"},
		"domainFilters": []string{*p.ZoneName},
		// Records are created, updated and deleted, but only those whose
		// TXT owner record names this cluster: records made by hand or by
		// another cluster are never touched. upsert-only would not be
		// safer: it still updates the records this instance owns (an
		// Ingress claiming another's name would repoint it) and only
		// leaves deleted Ingresses' records behind, dangling. What stops
		// one tenant from claiming another's names is its namespace's
		// admission policy (namespace.Props.Domain), before ExternalDNS
		// sees the object.
		"policy":     "sync",
		"registry":   "txt",
		"txtOwnerId": *p.OwnerID,
		"extraArgs":  []string{"--zone-id-filter=" + *p.ZoneID, "--aws-zone-type=public"},
	}
	rel := helmchart.New(c, "release", &helmchart.Props{
		Repository: ChartRepository, Chart: Chart, Version: ChartVersion, Namespace: account.Role.Namespace,
		Values: values, NodeSelector: p.NodeSelector, Tolerations: p.Tolerations, ServiceAccount: account,
	})
	return &ExternalDNS{Role: account.Role, ServiceAccount: account.ServiceAccount, Release: rel}
}
