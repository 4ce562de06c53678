// Package helmchart provides a pinned Helm release installed the way the
// platform installs every chart: values as one JSON document (JSON is
// YAML), atomic upgrades that roll back on failure, bounded history.
package helmchart

import (
	"encoding/json"
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/constructs/nodegroup"
)

// Props configures a release.
type Props struct {
	// Repository, Chart and Version pin the chart. Required.
	Repository, Chart, Version string
	// Namespace the release is installed in. Required.
	Namespace string
	// Values are the chart values. Default: none.
	Values map[string]any
	// NodeSelector and Tolerations, when set, become the values
	// nodeSelector and tolerations. Default: none.
	NodeSelector map[string]string
	Tolerations  []nodegroup.Toleration
	// DependsOn are created before the release (e.g. its service account).
	DependsOn []cdktf.ITerraformDependable
}

// New creates the release, named after the chart.
func New(scope constructs.Construct, id string, p *Props) release.Release {
	if p == nil || p.Repository == "" || p.Chart == "" || p.Version == "" || p.Namespace == "" {
		panic(fmt.Sprintf("helmchart.New %q: Repository, Chart, Version and Namespace are required", id))
	}
	values := map[string]any{}
	for k, v := range p.Values {
		values[k] = v
	}
	if len(p.NodeSelector) > 0 {
		values["nodeSelector"] = p.NodeSelector
	}
	if len(p.Tolerations) > 0 {
		values["tolerations"] = p.Tolerations
	}
	b, err := json.Marshal(values)
	if err != nil {
		panic(fmt.Sprintf("helmchart.New %q: values: %v", id, err))
	}
	cfg := &release.ReleaseConfig{
		Name:          jsii.String(p.Chart),
		Repository:    jsii.String(p.Repository),
		Chart:         jsii.String(p.Chart),
		Version:       jsii.String(p.Version),
		Namespace:     jsii.String(p.Namespace),
		Values:        jsii.Strings(string(b)),
		Atomic:        jsii.Bool(true),
		CleanupOnFail: jsii.Bool(true),
		MaxHistory:    jsii.Number(10),
	}
	if len(p.DependsOn) > 0 {
		cfg.DependsOn = &p.DependsOn
	}
	return release.NewRelease(scope, jsii.String(id), cfg)
}
