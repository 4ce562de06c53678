// Package clusterautoscaler installs the Kubernetes Cluster Autoscaler for
// EKS managed node groups: its IRSA role (it may change the size only of
// the Auto Scaling groups EKS tags as owned by this cluster), its service
// account and the pinned Helm chart, with the autoscaler's image at the
// cluster's Kubernetes minor version, finding the node groups by those
// tags. The stack must configure the kubernetes and helm providers.
//
// Cluster Autoscaler rather than Karpenter: every node pool is an EKS
// managed node group with a fixed instance type list, a launch template,
// labels and a taint per client, and a min/max the configuration
// validates. The autoscaler resizes exactly those groups within those
// bounds; Karpenter would replace them with its own NodePools and
// provision instances outside the groups (and their launch template),
// which would move node hardening, per-client taints and sizing into
// Kubernetes objects.
package clusterautoscaler

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/helmchart"
	"stratum/constructs/irsa"
	"stratum/constructs/nodegroup"
	"stratum/constructs/policy"
)

// The chart (kubernetes/autoscaler, tag cluster-autoscaler-chart-9.59.0,
// appVersion 1.35.0). Its templates serve every image below; the image is
// pinned separately because the autoscaler's minor version must be the
// cluster's.
const (
	ChartRepository = "https://kubernetes.github.io/autoscaler"
	Chart           = "cluster-autoscaler"
	ChartVersion    = "9.59.0"
	ImageRepository = "registry.k8s.io/autoscaling/cluster-autoscaler"
)

// ImageTags is the autoscaler release for each Kubernetes minor version
// (the newest patch of each, tags cluster-autoscaler-1.x.y of
// kubernetes/autoscaler, checked 2026-11-25). Every version of
// awsrules.KubernetesSupport needs one: a test fails when the support
// table gains a version without it.
var ImageTags = map[string]string{
	"1.34": "v1.34.5",
	"1.35": "v1.35.2",
	"1.36": "v1.36.1",
}

// The tags EKS puts on the Auto Scaling group of every managed node group
// (auto-discovery), the second one with the value "owned".
const (
	EnabledTag = "k8s.io/cluster-autoscaler/enabled"
	// OwnedTagPrefix is followed by the cluster's name.
	OwnedTagPrefix = "k8s.io/cluster-autoscaler/"
)

// Props configures an Autoscaler.
type Props struct {
	// ClusterName is the EKS cluster's name as text: the auto-discovery
	// tag and the IAM conditions name it. Required.
	ClusterName string
	// KubernetesVersion is the cluster's minor version; the image follows
	// it (ImageTags). Required.
	KubernetesVersion string
	// Region is where the Auto Scaling groups are. Required.
	Region string
	// OIDCProviderARN and OIDCIssuer are the cluster's IRSA provider.
	// Required.
	OIDCProviderARN, OIDCIssuer *string
	// RoleName is the IRSA role's name. Required.
	RoleName string
	// Namespace and ServiceAccount the autoscaler runs as.
	// Default: "kube-system" and "cluster-autoscaler".
	Namespace, ServiceAccount string
	// NodeSelector and Tolerations place its pods. Default: none.
	NodeSelector map[string]string
	Tolerations  []nodegroup.Toleration
}

// Autoscaler is the installed Cluster Autoscaler.
type Autoscaler struct {
	Role           *irsa.Role
	ServiceAccount serviceaccountv1.ServiceAccountV1
	Release        release.Release
	// Image is the image reference the release runs.
	Image string
}

// Args are the autoscaler's flags, besides auto-discovery:
//
//   - expander least-waste: of the groups that fit a pending pod, the one
//     left with the least idle CPU and memory. Each client's pods fit only
//     its own group (taint and node selector), so the choice matters only
//     between groups that accept the same pods.
//   - balance-similar-node-groups false: no two Stratum groups are similar
//     (each has its own pool label and taint), and every group already
//     spans every zone.
//   - skip-nodes-with-local-storage false: pods with emptyDir volumes
//     (scratch space, by definition disposable) would otherwise keep their
//     node forever. Persistent volumes are EBS and follow their pod.
//   - skip-nodes-with-system-pods true (the default, explicit): kube-system
//     pods without a disruption budget keep their node.
//   - scale-down-unneeded-time, scale-down-delay-after-add 10m and
//     scale-down-utilization-threshold 0.5: the defaults, explicit so
//     that a chart upgrade cannot change them.
//   - max-node-provision-time 15m: a node that has not joined by then is
//     given up on and the group is backed off.
var Args = map[string]any{
	"expander":                         "least-waste",
	"balance-similar-node-groups":      false,
	"skip-nodes-with-local-storage":    false,
	"skip-nodes-with-system-pods":      true,
	"scale-down-unneeded-time":         "10m",
	"scale-down-delay-after-add":       "10m",
	"scale-down-utilization-threshold": "0.5",
	"max-node-provision-time":          "15m",
	"logtostderr":                      true,
	"stderrthreshold":                  "info",
	"v":                                4,
}

// New creates the role, the service account and the release.
func New(scope constructs.Construct, id string, p *Props) *Autoscaler {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("clusterautoscaler.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	aws := awscontext.Of(c)
	partition, account := aws.Partition(), aws.AccountID()
	sa := irsa.NewServiceAccount(c, &irsa.ServiceAccountProps{
		Role: irsa.Props{
			OIDCProviderARN: p.OIDCProviderARN,
			OIDCIssuer:      p.OIDCIssuer,
			Namespace:       p.Namespace,
			ServiceAccount:  cmp.Or(p.ServiceAccount, "cluster-autoscaler"),
			RoleName:        p.RoleName,
			Statements:      Statements(*partition, p.Region, *account, p.ClusterName),
		},
		Labels: map[string]string{"app.kubernetes.io/name": Chart},
	})
	tag := ImageTags[p.KubernetesVersion]
	values := map[string]any{
		"cloudProvider": "aws",
		"awsRegion":     p.Region,
		// The chart's default tags: enabled, and the cluster's own.
		"autoDiscovery": map[string]any{"clusterName": p.ClusterName},
		"image":         map[string]any{"repository": ImageRepository, "tag": tag},
		// One active replica (leader election), one standby.
		"replicaCount":        2,
		"podDisruptionBudget": map[string]any{"maxUnavailable": 1},
		"extraArgs":           Args,
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "100m", "memory": "600Mi"},
			"limits":   map[string]any{"memory": "600Mi"},
		},
	}
	rel := helmchart.New(c, "release", &helmchart.Props{
		Repository: ChartRepository, Chart: Chart, Version: ChartVersion, Namespace: sa.Role.Namespace,
		Values: values, NodeSelector: p.NodeSelector, Tolerations: p.Tolerations,
		ServiceAccount: sa, ServiceAccountValues: "rbac.serviceAccount",
	})
	return &Autoscaler{Role: sa.Role, ServiceAccount: sa.ServiceAccount, Release: rel, Image: ImageRepository + ":" + tag}
}

// Statements are the autoscaler's permissions (kubernetes/autoscaler,
// cloudprovider/aws README, "Full Cluster Autoscaler Features Policy"),
// scoped: the reads have no resource-level permissions, so they are on
// "*"; the node groups it reads are this cluster's; and it may resize or
// shrink only Auto Scaling groups of this account and region that EKS
// tagged as owned by this cluster.
func Statements(partition, region, account, cluster string) []*policy.Statement {
	describe := policy.Allow("Describe", []string{
		"autoscaling:DescribeAutoScalingGroups",
		"autoscaling:DescribeAutoScalingInstances",
		"autoscaling:DescribeLaunchConfigurations",
		"autoscaling:DescribeScalingActivities",
		"ec2:DescribeImages",
		"ec2:DescribeInstanceTypes",
		"ec2:DescribeLaunchTemplateVersions",
		"ec2:GetInstanceTypesFromInstanceRequirements",
	}, jsii.String("*"))
	// Labels and taints of a group at zero nodes (besides the
	// node-template tags nodegroup puts on its Auto Scaling group).
	nodegroups := policy.Allow("DescribeClusterNodeGroups", []string{"eks:DescribeNodegroup"},
		jsii.String(fmt.Sprintf("arn:%s:eks:%s:%s:nodegroup/%s/*/*", partition, region, account, cluster)))
	scale := policy.Allow("ScaleOwnedNodeGroups", []string{
		"autoscaling:SetDesiredCapacity",
		"autoscaling:TerminateInstanceInAutoScalingGroup",
	}, jsii.String(fmt.Sprintf("arn:%s:autoscaling:%s:%s:autoScalingGroup:*:autoScalingGroupName/*", partition, region, account)))
	scale.Condition = []*policy.Condition{
		{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:ResourceTag/" + OwnedTagPrefix + cluster), Values: jsii.Strings("owned")},
		{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:ResourceTag/" + EnabledTag), Values: jsii.Strings("true")},
	}
	return []*policy.Statement{describe, nodegroups, scale}
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case p.ClusterName == "" || strings.Contains(p.ClusterName, "${"):
		return fmt.Errorf("ClusterName %q: want the cluster's name as text (the IAM conditions and auto-discovery tags name it)", p.ClusterName)
	case ImageTags[p.KubernetesVersion] == "":
		return fmt.Errorf("KubernetesVersion %q has no Cluster Autoscaler release: want one of %v (ImageTags)", p.KubernetesVersion, slices.Sorted(maps.Keys(ImageTags)))
	case !awsrules.IsRegion(p.Region):
		return fmt.Errorf("Region %q is invalid: want an AWS region code such as us-east-1", p.Region)
	case p.OIDCProviderARN == nil || p.OIDCIssuer == nil || p.RoleName == "":
		return fmt.Errorf("OIDCProviderARN, OIDCIssuer and RoleName are required")
	}
	return nil
}
