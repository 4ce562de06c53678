package stacks

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route53zone"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/config"
	"stratum/constructs/awscontext"
	"stratum/constructs/eks"
	"stratum/constructs/irsa"
	"stratum/constructs/kms"
	"stratum/constructs/nodegroup"
	"stratum/constructs/policy"
	"stratum/contract"
	"stratum/deploy"
)

// The system node pool runs cluster-critical add-ons and platform
// controllers only: its taint keeps every other pod off it.
var (
	systemTaint  = nodegroup.Taint{Key: "CriticalAddonsOnly", Value: "true", Effect: nodegroup.NoSchedule}
	systemLabels = map[string]string{nodegroup.PoolLabel: "system"}
)

// Service accounts of the add-ons that get IRSA roles.
const (
	vpcCNIServiceAccount = "aws-node"
	ebsCSIServiceAccount = "ebs-csi-controller-sa"
)

// NewPlatform builds platform-<env>: the EKS cluster (private endpoint,
// encrypted secrets, control-plane logs, access entries), its OIDC
// provider for IRSA, the system node group, the EKS managed add-ons and the
// environment's Route53 zone. It reads the network only through the
// foundation's SSM parameters and publishes what later layers need the
// same way. In-cluster objects live in services-<env> (see NewServices).
func NewPlatform(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Platform, Env: env})
	at := s.At()
	name := env.ClusterName()
	privateSubnets := contract.PrivateSubnetIDs.Import(s.Contract, at)

	sources := []eks.EndpointSource{{Name: "vpc", CIDR: contract.VPCCIDR.Import(s.Contract, at)}}
	if env.VPN.Enabled {
		for i, cidr := range env.VPN.OnPremisesCIDRs {
			sources = append(sources, eks.EndpointSource{Name: fmt.Sprintf("on-premises-%d", i), CIDR: jsii.String(cidr)})
		}
	}
	cluster := eks.New(s.TF, "cluster", &eks.Props{
		Name:              name,
		Version:           env.Cluster.Version,
		SubnetIDs:         privateSubnets,
		VPCID:             contract.VPCID.Import(s.Contract, at),
		EndpointSources:   sources,
		PublicAccessCIDRs: env.Cluster.PublicAccessCIDRs,
		Admins:            clusterAdmins(env),
		Viewers:           clusterViewers(env),
		LogRetentionDays:  env.LogRetentionDays,
	})
	partition := *awscontext.Of(s.TF).Partition()

	// One key for node root volumes and persistent volumes. EC2 Auto
	// Scaling launches the nodes, so it uses the key through EC2.
	volumeKey := kms.NewKey(s.TF, "volume-key", &kms.KeyProps{
		Alias:       name + "-volumes",
		Description: "EBS volumes of EKS cluster " + name + ": node root volumes and persistent volumes",
		ViaServices: []string{"ec2"},
		Region:      env.Region,
	})

	// vpc-cni gets its own role so the CNI policy (which manages network
	// interfaces) is not on the node role, usable by every pod's node.
	cniRole := irsa.New(s.TF, "vpc-cni-irsa", &irsa.Props{
		OIDCProviderARN:   cluster.OIDCProviderARN,
		OIDCIssuer:        cluster.OIDCIssuer,
		Namespace:         "kube-system",
		ServiceAccount:    vpcCNIServiceAccount,
		RoleName:          name + "-vpc-cni",
		ManagedPolicyARNs: []string{awsrules.ManagedPolicyARN(partition, "AmazonEKS_CNI_Policy")},
	})
	cni := eks.NewAddon(s.TF, "addon-vpc-cni", &eks.AddonProps{
		Cluster: cluster, Name: "vpc-cni", ServiceAccountRoleARN: cniRole.ARN,
		// The CNI's node agent enforces Kubernetes NetworkPolicies; without
		// it the client namespaces' default-deny policies would be inert.
		Configuration: map[string]any{"enableNetworkPolicy": "true"},
	})
	kubeProxy := eks.NewAddon(s.TF, "addon-kube-proxy", &eks.AddonProps{Cluster: cluster, Name: "kube-proxy"})

	nodeRole := nodegroup.NewNodeRole(s.TF, "system-node-role", &nodegroup.NodeRoleProps{Name: name + "-system-nodes"})
	nodesSG := contract.EKSNodesSecurityGroup.Import(s.Contract, at)
	sys := env.Cluster.SystemNodes
	system := nodegroup.New(s.TF, "system-nodes", &nodegroup.Props{
		ClusterName:       cluster.Name,
		Name:              name + "-system",
		NodeRoleARN:       nodeRole.ARN,
		SubnetIDs:         privateSubnets,
		SecurityGroupIDs:  []*string{cluster.SecurityGroupID, nodesSG},
		InstanceTypes:     sys.InstanceTypes,
		MinSize:           sys.MinSize,
		DesiredSize:       sys.DesiredSize,
		MaxSize:           sys.MaxSize,
		DiskSizeGiB:       sys.DiskSizeGiB,
		VolumeKey:         volumeKey,
		Labels:            systemLabels,
		Taints:            []nodegroup.Taint{systemTaint},
		KubernetesVersion: cluster.Version,
		// Nodes become Ready only once the CNI runs with its own role.
		DependsOn: append([]cdktf.ITerraformDependable{cni, kubeProxy}, nodeRole.Attachments...),
	})
	newNodeGroupAlerts(s, s.TF, "system-", system, name+"-system", sys.MinSize,
		contract.AlarmTopicARN.Import(s.Contract, at))

	// Deployments: they become ACTIVE only once their pods are scheduled,
	// on the tainted system nodes, so they tolerate the taint.
	onSystemNodes := map[string]any{
		"tolerations":  []nodegroup.Toleration{systemTaint.Toleration()},
		"nodeSelector": systemLabels,
	}
	eks.NewAddon(s.TF, "addon-coredns", &eks.AddonProps{
		Cluster: cluster, Name: "coredns", Configuration: onSystemNodes,
		DependsOn: []cdktf.ITerraformDependable{system.NodeGroup},
	})
	ebsRole := irsa.New(s.TF, "ebs-csi-irsa", &irsa.Props{
		OIDCProviderARN:   cluster.OIDCProviderARN,
		OIDCIssuer:        cluster.OIDCIssuer,
		Namespace:         "kube-system",
		ServiceAccount:    ebsCSIServiceAccount,
		RoleName:          name + "-ebs-csi",
		ManagedPolicyARNs: []string{awsrules.ManagedPolicyARN(partition, "service-role/AmazonEBSCSIDriverPolicy")},
	})
	grantVolumes(volumeKey, ebsRole)
	eks.NewAddon(s.TF, "addon-ebs-csi", &eks.AddonProps{
		Cluster: cluster, Name: "aws-ebs-csi-driver", ServiceAccountRoleARN: ebsRole.ARN,
		Configuration: map[string]any{"controller": onSystemNodes},
		DependsOn:     []cdktf.ITerraformDependable{system.NodeGroup},
	})

	// Public zone: ExternalDNS publishes load balancers in it. Delegating
	// it from the parent domain is a manual step (see its name servers).
	zoneConfig := &route53zone.Route53ZoneConfig{
		Name:    jsii.String(env.Domain),
		Comment: jsii.String("Stratum " + env.Name + ": records managed by ExternalDNS of cluster " + name),
	}
	if env.Production {
		// A recreated zone gets new name servers: every delegation to it
		// (and so every client hostname) would break until the parent
		// domain is updated by hand.
		zoneConfig.Lifecycle = &cdktf.TerraformResourceLifecycle{PreventDestroy: jsii.Bool(true)}
	}
	zone := route53zone.NewRoute53Zone(s.TF, jsii.String("zone"), zoneConfig)

	contract.ClusterName.Export(s.Contract, at, cluster.Name)
	contract.ClusterEndpoint.Export(s.Contract, at, cluster.Endpoint)
	contract.ClusterCAData.Export(s.Contract, at, cluster.CAData)
	contract.ClusterVersion.Export(s.Contract, at, cluster.Version)
	contract.OIDCProviderARN.Export(s.Contract, at, cluster.OIDCProviderARN)
	contract.OIDCIssuer.Export(s.Contract, at, cluster.OIDCIssuer)
	contract.ClusterSecurityGroupID.Export(s.Contract, at, cluster.SecurityGroupID)
	// Nodes carry the cluster security group and the foundation's shared
	// node group; later node groups add the same two.
	contract.NodeSecurityGroupID.Export(s.Contract, at, nodesSG)
	contract.HostedZoneID.Export(s.Contract, at, zone.ZoneId())
	contract.HostedZoneName.Export(s.Contract, at, zone.Name())
	contract.VolumeKMSKeyARN.Export(s.Contract, at, volumeKey.ARN)
	return s
}

// grantVolumes lets the EBS CSI driver create and attach volumes
// encrypted with the volume key (AWS EBS CSI driver docs, "KMS"): EC2
// uses the key through grants the driver creates for it.
func grantVolumes(key *kms.Key, driver *irsa.Role) {
	key.Grant(driver, "GrantsForAttachedVolumes", []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}, &policy.Condition{
		Test: jsii.String("Bool"), Variable: jsii.String("kms:GrantIsForAWSResource"), Values: jsii.Strings("true"),
	})
	key.Grant(driver, "EncryptVolumes", []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"})
}

// clusterAdmins are the principals given cluster-admin: exactly the
// configured set, the deploy roles of the layers that talk to the cluster
// (services-<env>, the client stacks), or AssumeRoleARN when every stack
// is deployed through it, the break-glass role and the admin roles.
// Every ARN comes from the configuration, none from the caller, so
// applying this stack as someone else neither makes them an admin nor
// replaces an entry and locks its principal out.
func clusterAdmins(env config.Environment) []eks.Admin {
	var admins []eks.Admin
	breakGlass := env.Cluster.BreakGlassRoleARN
	switch {
	case env.AssumeRoleARN != "":
		admins = append(admins, eks.Admin{ID: config.DeployerAccessEntryID, PrincipalARN: jsii.String(env.AssumeRoleARN)})
	case env.CI.Enabled():
		for _, d := range deploy.Layers {
			if d.Kubernetes {
				admins = append(admins, eks.Admin{ID: config.DeployerEntryID(d.Word()), PrincipalARN: jsii.String(d.RoleARN(env, deploy.Apply))})
			}
		}
	}
	if breakGlass != "" {
		admins = append(admins, eks.Admin{ID: config.BreakGlassAccessEntryID, PrincipalARN: jsii.String(breakGlass)})
	}
	for _, arn := range env.Cluster.AdminRoleARNs {
		if arn == env.AssumeRoleARN || arn == breakGlass {
			continue
		}
		admins = append(admins, eks.Admin{ID: config.AdminAccessEntryID(arn), PrincipalARN: jsii.String(arn)})
	}
	return admins
}

// clusterViewers are the plan roles of the layers that talk to the
// cluster, so that plans and drift checks can refresh their Kubernetes
// and Helm resources without reading Secrets: AmazonEKSViewPolicy (no
// Secrets) on the cluster, and for the services layer, whose Helm
// releases keep their records in Secrets of kube-system, read access to
// that namespace's Secrets (AmazonEKSAdminViewPolicy scoped to it). The
// client namespaces' Secrets stay unreadable. Their ARNs are built from
// their names: bootstrap-<env>, applied by hand before any other stack,
// creates them.
func clusterViewers(env config.Environment) []eks.Admin {
	if !env.CI.Enabled() || env.AssumeRoleARN != "" {
		return nil
	}
	var out []eks.Admin
	for _, d := range deploy.Layers {
		if !d.Kubernetes {
			continue
		}
		v := eks.Admin{ID: "plan-" + d.Word(), PrincipalARN: jsii.String(d.RoleARN(env, deploy.Plan))}
		if d.Layer == contract.Services {
			v.SecretNamespaces = []string{"kube-system"}
		}
		out = append(out, v)
	}
	return out
}
