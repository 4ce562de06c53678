package stacks

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/storageclassv1"

	"stratum/config"
	"stratum/constructs/clusterautoscaler"
	"stratum/constructs/externaldns"
	"stratum/constructs/lbcontroller"
	"stratum/constructs/nodegroup"
	"stratum/contract"
)

// DefaultStorageClass is the cluster's default StorageClass: gp3,
// encrypted with the platform's volume key.
const DefaultStorageClass = "gp3-encrypted"

// NewServices builds services-<env>: the platform's objects inside the
// cluster (the default StorageClass, the AWS Load Balancer Controller,
// ExternalDNS and the Cluster Autoscaler with their service accounts and
// IRSA roles).
//
// They are not in platform-<env> because Terraform configures a provider
// before it plans any resource: a kubernetes or helm provider configured
// from the cluster created in the same stack would get unknown values on
// the first plan (and stale ones when the cluster is replaced). Here the
// endpoint, CA and name come from SSM parameters that data sources read
// while planning, so they are always known; the providers authenticate
// with a fresh token from `aws eks get-token`, as the deployer, which
// platform-<env> made a cluster admin.
func NewServices(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Services, Env: env})
	at := s.At()
	// Both providers reach the cluster as every in-cluster stack does
	// (see clusterAccess): as the deployer, which platform-<env> made a
	// cluster admin.
	s.kubernetesProvider()
	s.helmProvider()
	clusterName := contract.ClusterName.Import(s.Contract, at)
	oidcARN := contract.OIDCProviderARN.Import(s.Contract, at)
	oidcIssuer := contract.OIDCIssuer.Import(s.Contract, at)

	storageclassv1.NewStorageClassV1(s.TF, jsii.String("default-storage-class"), &storageclassv1.StorageClassV1Config{
		Metadata: &storageclassv1.StorageClassV1Metadata{
			Name:        jsii.String(DefaultStorageClass),
			Annotations: &map[string]*string{"storageclass.kubernetes.io/is-default-class": jsii.String("true")},
		},
		StorageProvisioner: jsii.String("ebs.csi.aws.com"),
		Parameters: &map[string]*string{
			"type":      jsii.String("gp3"),
			"encrypted": jsii.String("true"),
			"kmsKeyId":  contract.VolumeKMSKeyARN.Import(s.Contract, at),
		},
		ReclaimPolicy: jsii.String(reclaimPolicy(env)),
		// Create each volume in the zone its pod was scheduled to.
		VolumeBindingMode:    jsii.String("WaitForFirstConsumer"),
		AllowVolumeExpansion: jsii.Bool(true),
	})

	name := env.ClusterName()
	tolerations := []nodegroup.Toleration{systemTaint.Toleration()}
	lbcontroller.New(s.TF, "aws-load-balancer-controller", &lbcontroller.Props{
		ClusterName:     clusterName,
		Region:          env.Region,
		VPCID:           contract.VPCID.Import(s.Contract, at),
		AccountID:       env.AccountID,
		OIDCProviderARN: oidcARN,
		OIDCIssuer:      oidcIssuer,
		RoleName:        name + "-aws-load-balancer-controller",
		NodeSelector:    systemLabels,
		Tolerations:     tolerations,
		Tags:            map[string]string{"Project": config.Project, "Environment": env.Name, "ManagedBy": "aws-load-balancer-controller"},
	})
	externaldns.New(s.TF, "external-dns", &externaldns.Props{
		ZoneID:          contract.HostedZoneID.Import(s.Contract, at),
		ZoneName:        contract.HostedZoneName.Import(s.Contract, at),
		OwnerID:         clusterName,
		Region:          env.Region,
		OIDCProviderARN: oidcARN,
		OIDCIssuer:      oidcIssuer,
		RoleName:        name + "-external-dns",
		NodeSelector:    systemLabels,
		Tolerations:     tolerations,
	})
	// Owns every node group's desired size (the groups ignore it).
	clusterautoscaler.New(s.TF, "cluster-autoscaler", &clusterautoscaler.Props{
		ClusterName:       name,
		KubernetesVersion: env.Cluster.Version,
		Region:            env.Region,
		OIDCProviderARN:   oidcARN,
		OIDCIssuer:        oidcIssuer,
		RoleName:          name + "-cluster-autoscaler",
		NodeSelector:      systemLabels,
		Tolerations:       tolerations,
	})
	return s
}

// reclaimPolicy keeps released volumes where deletion protection is on,
// so deleting a claim by mistake does not delete the data.
func reclaimPolicy(env config.Environment) string {
	if env.DeletionProtection {
		return "Retain"
	}
	return "Delete"
}
