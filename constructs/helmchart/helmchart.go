// Package helmchart provides a pinned Helm release installed the way the
// platform installs every chart: values as one JSON document (JSON is
// YAML), atomic upgrades that roll back on failure, bounded history.
package helmchart

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-helm-go/helm/v10/release"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/constructs/irsa"
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
	// ServiceAccount, when set, is the account the chart's pods run as,
	// created outside the chart with its IRSA role: the values
	// serviceAccount.create (false) and serviceAccount.name, and the
	// release is installed after it. Default: nil (the chart's own).
	ServiceAccount *irsa.ServiceAccount
	// ServiceAccountValues is where the chart takes those two values, as
	// a dotted path (e.g. "rbac.serviceAccount" for the Cluster
	// Autoscaler's chart). Default: "serviceAccount".
	ServiceAccountValues string
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
	if p.ServiceAccount != nil {
		path := strings.Split(cmp.Or(p.ServiceAccountValues, "serviceAccount"), ".")
		parent := values
		for _, k := range path[:len(path)-1] {
			// A copy: the caller's Values stay as they were.
			m, _ := parent[k].(map[string]any)
			m = maps.Clone(m)
			if m == nil {
				m = map[string]any{}
			}
			parent[k] = m
			parent = m
		}
		parent[path[len(path)-1]] = map[string]any{"create": false, "name": p.ServiceAccount.Role.ServiceAccount}
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
	if p.ServiceAccount != nil {
		cfg.DependsOn = &[]cdktf.ITerraformDependable{p.ServiceAccount.ServiceAccount}
	}
	return release.NewRelease(scope, jsii.String(id), cfg)
}
