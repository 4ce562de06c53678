package eks

import (
	"encoding/json"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawseksaddonversion"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaddon"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// AddonProps configures an EKS managed add-on.
type AddonProps struct {
	// Cluster the add-on runs in. Required.
	Cluster *Cluster
	// Name is the EKS add-on name, e.g. "vpc-cni". Required.
	Name string
	// ServiceAccountRoleARN is the IRSA role of the add-on's service
	// account. Default: nil (the add-on uses the node role, if anything).
	ServiceAccountRoleARN *string
	// Configuration is the add-on's configuration_values, checked by EKS
	// against the add-on's JSON schema. Default: nil (EKS defaults).
	Configuration map[string]any
	// DependsOn delays the add-on, e.g. until nodes exist for add-ons
	// whose pods must be scheduled to become ACTIVE. Default: none.
	DependsOn []cdktf.ITerraformDependable
}

// NewAddon installs an EKS managed add-on at the version EKS marks as the
// default for the cluster's Kubernetes version. When AWS changes that
// default, or the cluster is upgraded, the plan shows the add-on update,
// so versions move only through a reviewed change.
func NewAddon(scope constructs.Construct, id string, p *AddonProps) eksaddon.EksAddon {
	if p == nil || p.Cluster == nil || p.Name == "" {
		panic(fmt.Sprintf("eks.NewAddon %q: Cluster and Name are required", id))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	version := dataawseksaddonversion.NewDataAwsEksAddonVersion(c, jsii.String("version"), &dataawseksaddonversion.DataAwsEksAddonVersionConfig{
		AddonName:         jsii.String(p.Name),
		KubernetesVersion: p.Cluster.Version,
		MostRecent:        jsii.Bool(false),
	})
	cfg := &eksaddon.EksAddonConfig{
		ClusterName:  p.Cluster.Name,
		AddonName:    jsii.String(p.Name),
		AddonVersion: version.Version(),
		// The add-on owns its fields; manual edits are reverted.
		ResolveConflictsOnCreate: jsii.String("OVERWRITE"),
		ResolveConflictsOnUpdate: jsii.String("OVERWRITE"),
		ServiceAccountRoleArn:    p.ServiceAccountRoleARN,
	}
	if p.Configuration != nil {
		b, err := json.Marshal(p.Configuration)
		if err != nil {
			panic(fmt.Sprintf("eks.NewAddon %q: Configuration: %v", id, err))
		}
		cfg.ConfigurationValues = jsii.String(string(b))
	}
	if len(p.DependsOn) > 0 {
		cfg.DependsOn = &p.DependsOn
	}
	return eksaddon.NewEksAddon(c, jsii.String("addon"), cfg)
}
