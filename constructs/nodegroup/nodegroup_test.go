package nodegroup

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/kms"
	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		ClusterName:      jsii.String("stratum-dev"),
		Name:             "stratum-dev-system",
		NodeRoleARN:      jsii.String("arn:aws:iam::111111111111:role/nodes"),
		SubnetIDs:        jsii.Strings("subnet-a"),
		SecurityGroupIDs: []*string{jsii.String("sg-cluster")},
		InstanceTypes:    []string{"t3.large"},
		MinSize:          1, DesiredSize: 2, MaxSize: 3,
		DiskSizeGiB: 30,
		VolumeKey:   kms.FromARN(jsii.String("arn:aws:kms:us-east-1:111111111111:key/k"), "us-east-1"),
		Taints:      []Taint{{Key: "CriticalAddonsOnly", Value: "true", Effect: NoSchedule}},
	}
}

func TestValidate(t *testing.T) {
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "long name", Mutate: func(p *Props) { p.Name = strings.Repeat("a", 64) }, Want: "Name"},
		{Name: "no security groups", Mutate: func(p *Props) { p.SecurityGroupIDs = nil }, Want: "cluster security group"},
		{Name: "no instance types", Mutate: func(p *Props) { p.InstanceTypes = nil }, Want: "InstanceTypes"},
		{Name: "no volume key", Mutate: func(p *Props) { p.VolumeKey = nil }, Want: "VolumeKey"},
		{Name: "desired above max", Mutate: func(p *Props) { p.DesiredSize = 4 }, Want: "sizes"},
		{Name: "min above desired", Mutate: func(p *Props) { p.MinSize = 3 }, Want: "sizes"},
		{Name: "max zero", Mutate: func(p *Props) { p.MinSize, p.DesiredSize, p.MaxSize = 0, 0, 0 }, Want: "sizes"},
		{Name: "small disk", Mutate: func(p *Props) { p.DiskSizeGiB = 8 }, Want: "DiskSizeGiB"},
		{Name: "disk beyond gp3", Mutate: func(p *Props) { p.DiskSizeGiB = 16385 }, Want: "20–16384"},
		{Name: "instance type shape", Mutate: func(p *Props) { p.InstanceTypes = []string{"t3-large"} }, Want: "InstanceTypes"},
		{Name: "kubernetes effect name", Mutate: func(p *Props) { p.Taints[0].Effect = "NoSchedule" }, Want: "Taints"},
		{Name: "duplicate taint", Mutate: func(p *Props) { p.Taints = append(p.Taints, p.Taints[0]) }, Want: "twice"},
	})
}

func TestToleration(t *testing.T) {
	for _, tc := range []struct {
		taint Taint
		want  Toleration
	}{
		{Taint{"CriticalAddonsOnly", "true", NoSchedule}, Toleration{"CriticalAddonsOnly", "Equal", "true", "NoSchedule"}},
		{Taint{"client", "ezra", NoExecute}, Toleration{"client", "Equal", "ezra", "NoExecute"}},
		{Taint{"spot", "", PreferNoSchedule}, Toleration{"spot", "Equal", "", "PreferNoSchedule"}},
	} {
		if got := tc.taint.Toleration(); got != tc.want {
			t.Errorf("%+v.Toleration() = %+v, want %+v", tc.taint, got, tc.want)
		}
	}
}
