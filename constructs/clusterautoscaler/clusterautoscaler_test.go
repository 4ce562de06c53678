package clusterautoscaler

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/awsrules"
	"stratum/testkit/propstest"
)

// TestImageForEverySupportedVersion: every Kubernetes version validation
// accepts has an autoscaler release of the same minor, so adding a version
// to awsrules.KubernetesSupport fails here until its image is pinned.
func TestImageForEverySupportedVersion(t *testing.T) {
	for _, v := range awsrules.KubernetesSupport.List() {
		tag, ok := ImageTags[v]
		if !ok || !strings.HasPrefix(tag, "v"+v+".") {
			t.Errorf("Kubernetes %s: image tag %q, want v%s.<patch>", v, tag, v)
		}
	}
	for v := range ImageTags {
		if !awsrules.IsKubernetesVersion(v) {
			t.Errorf("image for Kubernetes %s, which the support table no longer has: remove it", v)
		}
	}
}

func TestValidate(t *testing.T) {
	valid := func() Props {
		return Props{ClusterName: "stratum-prod", KubernetesVersion: "1.35", Region: "us-east-1",
			OIDCProviderARN: jsii.String("arn"), OIDCIssuer: jsii.String("issuer"), RoleName: "r"}
	}
	propstest.Check(t, valid, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "version without image", Mutate: func(p *Props) { p.KubernetesVersion = "1.33" }, Want: "no Cluster Autoscaler release"},
		{Name: "cluster name token", Mutate: func(p *Props) { p.ClusterName = "${data.x.y}" }, Want: "ClusterName"},
		{Name: "region", Mutate: func(p *Props) { p.Region = "east" }, Want: "Region"},
		{Name: "role", Mutate: func(p *Props) { p.RoleName = "" }, Want: "RoleName"},
	})
}
