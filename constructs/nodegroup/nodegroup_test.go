package nodegroup

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/kms"
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
	if p := validProps(); p.validate() != nil {
		t.Fatalf("valid props: %v", p.validate())
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string
	}{
		{"long name", func(p *Props) { p.Name = strings.Repeat("a", 64) }, "Name"},
		{"no security groups", func(p *Props) { p.SecurityGroupIDs = nil }, "cluster security group"},
		{"no instance types", func(p *Props) { p.InstanceTypes = nil }, "InstanceTypes"},
		{"no volume key", func(p *Props) { p.VolumeKey = nil }, "VolumeKey"},
		{"desired above max", func(p *Props) { p.DesiredSize = 4 }, "sizes"},
		{"min above desired", func(p *Props) { p.MinSize = 3 }, "sizes"},
		{"max zero", func(p *Props) { p.MinSize, p.DesiredSize, p.MaxSize = 0, 0, 0 }, "sizes"},
		{"small disk", func(p *Props) { p.DiskSizeGiB = 8 }, "DiskSizeGiB"},
		{"disk beyond gp3", func(p *Props) { p.DiskSizeGiB = 16385 }, "20–16384"},
		{"instance type shape", func(p *Props) { p.InstanceTypes = []string{"t3-large"} }, "InstanceTypes"},
		{"kubernetes effect name", func(p *Props) { p.Taints[0].Effect = "NoSchedule" }, "Taints"},
		{"duplicate taint", func(p *Props) { p.Taints = append(p.Taints, p.Taints[0]) }, "twice"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			p.Taints = append([]Taint{}, p.Taints...)
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
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
