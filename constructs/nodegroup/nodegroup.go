// Package nodegroup provides EKS managed node groups launched from a
// hardened launch template (IMDSv2 only, hop limit 1, KMS-encrypted gp3
// root volume), and the IAM role their nodes use. The platform's system
// node group and every client's node group are built with it. The
// Cluster Autoscaler owns each group's desired size (Terraform ignores
// it after creation) and finds the group by the tags EKS puts on its Auto
// Scaling group; the group's labels and taints are tagged there too, so
// the autoscaler can scale a group up from zero nodes.
package nodegroup

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/autoscalinggrouptag"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksnodegroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/launchtemplate"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/kms"
)

// Taint effects a managed node group accepts.
const (
	NoSchedule       = "NO_SCHEDULE"
	NoExecute        = "NO_EXECUTE"
	PreferNoSchedule = "PREFER_NO_SCHEDULE"
)

// PoolLabel is the node label naming the pool a node belongs to
// ("system", or a client's name); workloads select their pool with it.
const PoolLabel = "stratum/pool"

// Taint is a Kubernetes taint put on every node of the group.
type Taint struct {
	Key, Value string
	// Effect is NoSchedule, NoExecute or PreferNoSchedule.
	Effect string
}

// Props configures a NodeGroup.
type Props struct {
	// ClusterName is the EKS cluster the nodes join. Required.
	ClusterName *string
	// Name is the node group's name and its launch template's (1–63
	// letters, digits, - and _). Launch template names are unique per
	// account and region, so include the cluster's name. Required.
	Name string
	// NodeRoleARN is the nodes' IAM role (see NewNodeRole). Required.
	NodeRoleARN *string
	// SubnetIDs are the private subnets the nodes run in. Required.
	SubnetIDs *[]*string
	// SecurityGroupIDs are attached to every node. Required: because the
	// launch template names security groups, EKS does not add the cluster
	// security group by itself, so include it (nodes need it to reach the
	// control plane and each other).
	SecurityGroupIDs []*string
	// InstanceTypes the group may launch (awsrules.IsEC2InstanceType).
	// Required.
	InstanceTypes []string
	// MinSize, DesiredSize and MaxSize bound the group;
	// 0 <= MinSize <= DesiredSize <= MaxSize and MaxSize >= 1. DesiredSize
	// is the size the group is created with: afterwards the Cluster
	// Autoscaler sets it and Terraform ignores it (lifecycle
	// ignore_changes), so a plan never undoes a scale-up.
	MinSize, DesiredSize, MaxSize int
	// DiskSizeGiB is the gp3 root volume size
	// (awsrules.NodeDiskSizeProblem). Required.
	DiskSizeGiB int
	// VolumeKey encrypts the root volume. Its key policy must let EC2 Auto
	// Scaling use it (kms.KeyProps.ViaServices "ec2"). Required.
	VolumeKey *kms.Key
	// Labels are Kubernetes labels on every node. Default: none.
	Labels map[string]string
	// Taints keep pods without a matching toleration off the nodes.
	// Default: none.
	Taints []Taint
	// AMIType is the EKS-optimized AMI family.
	// Default: "AL2023_x86_64_STANDARD".
	AMIType string
	// KubernetesVersion is the nodes' kubelet minor version. Default: nil
	// (the cluster's version when the group is created; later upgrades
	// then need it set, so pass the cluster's version).
	KubernetesVersion *string
	// MaxUnavailable is how many nodes an update replaces at once.
	// Default: 1.
	MaxUnavailable int
	// DependsOn delays the group, e.g. until the CNI add-on has its IRSA
	// role so new nodes become Ready. Default: none.
	DependsOn []cdktf.ITerraformDependable
	// Tags are added to the instances, volumes and network interfaces the
	// group launches, which the provider's default tags do not reach (for
	// example a client's CostCentre). Default: none (only Name).
	Tags map[string]string
}

// NodeGroup is a managed node group and its launch template.
type NodeGroup struct {
	NodeGroup      eksnodegroup.EksNodeGroup
	LaunchTemplate launchtemplate.LaunchTemplate
	// AutoscalerTags are the node-template tags on the group's Auto
	// Scaling group, by tag key.
	AutoscalerTags map[string]autoscalinggrouptag.AutoscalingGroupTagA
}

// DesiredSizePath is the attribute of a node group that the Cluster
// Autoscaler owns and Terraform ignores.
const DesiredSizePath = "scaling_config[0].desired_size"

// The tags the Cluster Autoscaler reads on an Auto Scaling group to know
// the labels and taints of the nodes it would launch, before the group
// has one (scaling up from zero).
const (
	NodeTemplateLabelTag = "k8s.io/cluster-autoscaler/node-template/label/"
	NodeTemplateTaintTag = "k8s.io/cluster-autoscaler/node-template/taint/"
)

var (
	// groupName: 1 to awsrules.MaxNodeGroupNameLength characters.
	groupName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,62}$`)
	effects   = []string{NoSchedule, NoExecute, PreferNoSchedule}
)

// New creates the launch template and the node group.
func New(scope constructs.Construct, id string, p *Props) *NodeGroup {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("nodegroup.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	launched := map[string]*string{"Name": jsii.String(p.Name)}
	for k, v := range p.Tags {
		if k != "Name" {
			launched[k] = jsii.String(v)
		}
	}
	nameTags := &launched
	lt := launchtemplate.NewLaunchTemplate(c, jsii.String("launch-template"), &launchtemplate.LaunchTemplateConfig{
		Name:        jsii.String(p.Name),
		Description: jsii.String("Nodes of EKS node group " + p.Name),
		// Token-only metadata, and a hop limit of 1 so that pods (one hop
		// further) cannot read the node role's credentials from IMDS.
		// Nothing Stratum runs in pods needs IMDS: vpc-cni and kube-proxy
		// use the host network, add-ons and controllers get credentials
		// through IRSA and are given their region and VPC explicitly (the
		// EBS CSI driver reads its metadata from the Kubernetes API).
		MetadataOptions: &launchtemplate.LaunchTemplateMetadataOptions{
			HttpEndpoint:            jsii.String("enabled"),
			HttpTokens:              jsii.String("required"),
			HttpPutResponseHopLimit: jsii.Number(1),
		},
		BlockDeviceMappings: []*launchtemplate.LaunchTemplateBlockDeviceMappings{{
			// The root device of the EKS-optimized Amazon Linux AMIs.
			DeviceName: jsii.String("/dev/xvda"),
			Ebs: &launchtemplate.LaunchTemplateBlockDeviceMappingsEbs{
				VolumeSize:          jsii.Number(float64(p.DiskSizeGiB)),
				VolumeType:          jsii.String("gp3"),
				Encrypted:           jsii.String("true"),
				KmsKeyId:            p.VolumeKey.ARN,
				DeleteOnTermination: jsii.String("true"),
			},
		}},
		VpcSecurityGroupIds: &p.SecurityGroupIDs,
		// Instances and volumes launched by the node group's Auto Scaling
		// group do not get the provider's default tags.
		TagSpecifications: []*launchtemplate.LaunchTemplateTagSpecifications{
			{ResourceType: jsii.String("instance"), Tags: nameTags},
			{ResourceType: jsii.String("volume"), Tags: nameTags},
			{ResourceType: jsii.String("network-interface"), Tags: nameTags},
		},
	})

	amiType := p.AMIType
	if amiType == "" {
		amiType = "AL2023_x86_64_STANDARD"
	}
	maxUnavailable := p.MaxUnavailable
	if maxUnavailable == 0 {
		maxUnavailable = 1
	}
	cfg := &eksnodegroup.EksNodeGroupConfig{
		ClusterName:   p.ClusterName,
		NodeGroupName: jsii.String(p.Name),
		NodeRoleArn:   p.NodeRoleARN,
		SubnetIds:     p.SubnetIDs,
		AmiType:       jsii.String(amiType),
		CapacityType:  jsii.String("ON_DEMAND"),
		InstanceTypes: jsii.Strings(p.InstanceTypes...),
		Version:       p.KubernetesVersion,
		ScalingConfig: &eksnodegroup.EksNodeGroupScalingConfig{
			MinSize:     jsii.Number(float64(p.MinSize)),
			DesiredSize: jsii.Number(float64(p.DesiredSize)),
			MaxSize:     jsii.Number(float64(p.MaxSize)),
		},
		UpdateConfig: &eksnodegroup.EksNodeGroupUpdateConfig{MaxUnavailable: jsii.Number(float64(maxUnavailable))},
		LaunchTemplate: &eksnodegroup.EksNodeGroupLaunchTemplate{
			Id:      lt.Id(),
			Version: cdktf.Token_AsString(lt.LatestVersion(), nil),
		},
	}
	if len(p.Labels) > 0 {
		labels := map[string]*string{}
		for k, v := range p.Labels {
			labels[k] = jsii.String(v)
		}
		cfg.Labels = &labels
	}
	if len(p.Taints) > 0 {
		var taints []*eksnodegroup.EksNodeGroupTaint
		for _, t := range p.Taints {
			taints = append(taints, &eksnodegroup.EksNodeGroupTaint{
				Key: jsii.String(t.Key), Value: jsii.String(t.Value), Effect: jsii.String(t.Effect),
			})
		}
		cfg.Taint = taints
	}
	if len(p.DependsOn) > 0 {
		cfg.DependsOn = &p.DependsOn
	}
	// The Cluster Autoscaler sets the desired size; a plan must not set it
	// back to the size the group was created with.
	cfg.Lifecycle = &cdktf.TerraformResourceLifecycle{IgnoreChanges: jsii.Strings(DesiredSizePath)}
	group := eksnodegroup.NewEksNodeGroup(c, jsii.String("node-group"), cfg)
	return &NodeGroup{NodeGroup: group, LaunchTemplate: lt, AutoscalerTags: nodeTemplateTags(c, group, p)}
}

// nodeTemplateTags tags the group's Auto Scaling group with its labels and
// taints in the Cluster Autoscaler's node-template form. EKS tags the
// group for auto-discovery itself (k8s.io/cluster-autoscaler/enabled and
// k8s.io/cluster-autoscaler/<cluster> = owned) but not with these; without
// them a group at zero nodes looks, to the autoscaler, like one whose nodes
// fit no tainted or node-selecting pod. They are not propagated to the
// instances, which get labels and taints from EKS.
func nodeTemplateTags(c constructs.Construct, group eksnodegroup.EksNodeGroup, p *Props) map[string]autoscalinggrouptag.AutoscalingGroupTagA {
	asg := group.Resources().Get(jsii.Number(0)).AutoscalingGroups().Get(jsii.Number(0)).Name()
	tags := map[string]string{}
	for k, v := range p.Labels {
		tags[NodeTemplateLabelTag+k] = v
	}
	for _, t := range p.Taints {
		tags[NodeTemplateTaintTag+t.Key] = t.Value + ":" + kubernetesEffect[t.Effect]
	}
	out := map[string]autoscalinggrouptag.AutoscalingGroupTagA{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		id := "autoscaler-" + strings.NewReplacer(NodeTemplateLabelTag, "label-", NodeTemplateTaintTag, "taint-", "/", "-").Replace(k)
		out[k] = autoscalinggrouptag.NewAutoscalingGroupTagA(c, jsii.String(id), &autoscalinggrouptag.AutoscalingGroupTagAConfig{
			AutoscalingGroupName: asg,
			Tag: &autoscalinggrouptag.AutoscalingGroupTagTag{
				Key: jsii.String(k), Value: jsii.String(tags[k]), PropagateAtLaunch: jsii.Bool(false),
			},
		})
	}
	return out
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case !groupName.MatchString(p.Name):
		return fmt.Errorf("Name %q is invalid: want 1 to 63 letters, digits, '-' or '_'", p.Name)
	case p.ClusterName == nil || p.NodeRoleARN == nil || p.SubnetIDs == nil || p.VolumeKey == nil:
		return fmt.Errorf("ClusterName, NodeRoleARN, SubnetIDs and VolumeKey are required")
	case len(p.SecurityGroupIDs) == 0:
		return fmt.Errorf("SecurityGroupIDs is empty: include at least the cluster security group")
	case len(p.InstanceTypes) == 0:
		return fmt.Errorf("InstanceTypes is empty: want at least one instance type")
	case slices.ContainsFunc(p.InstanceTypes, func(t string) bool { return !awsrules.IsEC2InstanceType(t) }):
		return fmt.Errorf("InstanceTypes %v is invalid: want EC2 instance types <family>.<size> such as m6i.large", p.InstanceTypes)
	case p.MinSize < 0 || p.MinSize > p.DesiredSize || p.DesiredSize > p.MaxSize || p.MaxSize < 1:
		return fmt.Errorf("sizes min=%d desired=%d max=%d are invalid: want 0 <= min <= desired <= max and max >= 1", p.MinSize, p.DesiredSize, p.MaxSize)
	case awsrules.NodeDiskSizeProblem(p.DiskSizeGiB) != "":
		return fmt.Errorf("DiskSizeGiB %d is invalid: want %s", p.DiskSizeGiB, awsrules.NodeDiskSizeProblem(p.DiskSizeGiB))
	case p.MaxUnavailable < 0:
		return fmt.Errorf("MaxUnavailable %d is invalid: want 0 (default 1) or more", p.MaxUnavailable)
	}
	keys := make([]string, 0, len(p.Taints))
	for _, t := range p.Taints {
		if t.Key == "" || !slices.Contains(effects, t.Effect) {
			return fmt.Errorf("Taints: %+v is invalid: want a key and an effect among %v", t, effects)
		}
		keys = append(keys, t.Key+":"+t.Effect)
	}
	sort.Strings(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			return fmt.Errorf("Taints: %s appears twice", keys[i])
		}
	}
	return nil
}

// Toleration is a Kubernetes pod toleration in the JSON shape Helm chart
// values and EKS add-on configurations take.
type Toleration struct {
	Key      string `json:"key"`
	Operator string `json:"operator"`
	Value    string `json:"value,omitempty"`
	Effect   string `json:"effect"`
}

// kubernetesEffect maps node group taint effects to Kubernetes names.
var kubernetesEffect = map[string]string{
	NoSchedule:       "NoSchedule",
	NoExecute:        "NoExecute",
	PreferNoSchedule: "PreferNoSchedule",
}

// Toleration is the toleration pods need to run on nodes with taint t.
func (t Taint) Toleration() Toleration {
	return Toleration{Key: t.Key, Operator: "Equal", Value: t.Value, Effect: kubernetesEffect[t.Effect]}
}
