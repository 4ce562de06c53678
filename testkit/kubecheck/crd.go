package kubecheck

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// TargetGroupBindingCRD is a minimal TargetGroupBinding definition: the
// AWS Load Balancer Controller's chart (a helm_release the tier leaves
// out) installs the real one. It has the fields the namespace policies
// and the isolation matrix use, with the controller's names and types
// (apis/elbv2/v1beta1/targetgroupbinding_types.go): targetGroupARN,
// targetGroupName, targetType and serviceRef; the rest of a spec is kept
// as sent.
var TargetGroupBindingCRD = map[string]any{
	"apiVersion": "apiextensions.k8s.io/v1",
	"kind":       "CustomResourceDefinition",
	"metadata":   map[string]any{"name": "targetgroupbindings.elbv2.k8s.aws"},
	"spec": map[string]any{
		"group": "elbv2.k8s.aws",
		"scope": "Namespaced",
		"names": map[string]any{
			"kind": "TargetGroupBinding", "listKind": "TargetGroupBindingList",
			"plural": "targetgroupbindings", "singular": "targetgroupbinding",
		},
		"versions": []any{map[string]any{
			"name": "v1beta1", "served": true, "storage": true,
			"subresources": map[string]any{"status": map[string]any{}},
			"schema": map[string]any{"openAPIV3Schema": map[string]any{
				"type": "object",
				"properties": map[string]any{
					"spec": map[string]any{
						"type":                                 "object",
						"required":                             []any{"serviceRef"},
						"x-kubernetes-preserve-unknown-fields": true,
						"properties": map[string]any{
							"targetGroupARN":  map[string]any{"type": "string"},
							"targetGroupName": map[string]any{"type": "string"},
							"targetType":      map[string]any{"type": "string", "enum": []any{"instance", "ip"}},
							"serviceRef": map[string]any{
								"type":     "object",
								"required": []any{"name", "port"},
								"properties": map[string]any{
									"name": map[string]any{"type": "string"},
									"port": map[string]any{"x-kubernetes-int-or-string": true},
								},
							},
						},
					},
					"status": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true},
				},
			}},
		}},
	},
}

// RegisterCRD creates a CustomResourceDefinition and waits until the
// server serves its kind.
func RegisterCRD(ctx context.Context, c *Client, crd map[string]any) error {
	if err := c.Do(ctx, http.MethodPost, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", nil, "", crd, nil); err != nil {
		return fmt.Errorf("registering %s: %w", asMap(crd["metadata"])["name"], err)
	}
	spec := asMap(crd["spec"])
	for _, v := range asList(spec["versions"]) {
		apiVersion := str(spec["group"]) + "/" + str(asMap(v)["name"])
		if _, err := c.Locate(ctx, apiVersion, str(asMap(spec["names"])["kind"]), "default", 30*time.Second); err != nil {
			return err
		}
	}
	return nil
}
