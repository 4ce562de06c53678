package stacks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"stratum/config"
	"stratum/constructs/clusterautoscaler"
	"stratum/constructs/nodegroup"
	"stratum/contract"
)

// TestClusterAutoscaler: services-<env> installs the Cluster Autoscaler
// from the pinned chart with the image of the cluster's minor version, on
// the system nodes, finding the node groups by the cluster's tags, as a
// service account whose role only kube-system/cluster-autoscaler may
// assume, and which may resize only Auto Scaling groups EKS tagged as this
// cluster's.
func TestClusterAutoscaler(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Services, func(t *testing.T, env config.Environment, j tfJSON) {
		var rel map[string]any
		for _, r := range j.resources("helm_release") {
			if r["chart"] == clusterautoscaler.Chart {
				rel = r
			}
		}
		if rel == nil {
			t.Fatal("no cluster-autoscaler release")
		}
		if rel["version"] != "9.59.0" || rel["repository"] != "https://kubernetes.github.io/autoscaler" || rel["namespace"] != "kube-system" {
			t.Errorf("chart %v %v in %v, want 9.59.0 from https://kubernetes.github.io/autoscaler in kube-system", rel["repository"], rel["version"], rel["namespace"])
		}
		var v struct {
			CloudProvider, AWSRegion string
			AutoDiscovery            struct{ ClusterName string }
			Image                    struct{ Repository, Tag string }
			ExtraArgs                map[string]any
			NodeSelector             map[string]string
			Tolerations              []nodegroup.Toleration
			RBAC                     struct {
				ServiceAccount struct {
					Create bool
					Name   string
				}
			}
		}
		if err := json.Unmarshal([]byte(jsonStrings(rel["values"])[0]), &v); err != nil {
			t.Fatal(err)
		}
		// The autoscaler's minor version must be the cluster's.
		if !strings.HasPrefix(v.Image.Tag, "v"+env.Cluster.Version+".") || v.Image.Repository != "registry.k8s.io/autoscaling/cluster-autoscaler" {
			t.Errorf("image %s:%s, want registry.k8s.io/autoscaling/cluster-autoscaler:v%s.x (the cluster's minor)", v.Image.Repository, v.Image.Tag, env.Cluster.Version)
		}
		if v.CloudProvider != "aws" || v.AWSRegion != env.Region || v.AutoDiscovery.ClusterName != env.ClusterName() {
			t.Errorf("cloud provider %q region %q discovery %q, want aws, %s, %s", v.CloudProvider, v.AWSRegion, v.AutoDiscovery.ClusterName, env.Region, env.ClusterName())
		}
		for arg, want := range map[string]any{"expander": "least-waste", "skip-nodes-with-local-storage": false, "balance-similar-node-groups": false} {
			if v.ExtraArgs[arg] != want {
				t.Errorf("--%s=%v, want %v", arg, v.ExtraArgs[arg], want)
			}
		}
		if v.NodeSelector[nodegroup.PoolLabel] != "system" || len(v.Tolerations) != 1 || v.Tolerations[0] != systemTaint.Toleration() {
			t.Errorf("placed with %v %v, want on the system nodes", v.NodeSelector, v.Tolerations)
		}
		if v.RBAC.ServiceAccount.Create || v.RBAC.ServiceAccount.Name != "cluster-autoscaler" {
			t.Errorf("service account %+v, want the stack's cluster-autoscaler (not created by the chart)", v.RBAC.ServiceAccount)
		}
		var roleRef any
		for _, sa := range j.resources("kubernetes_service_account_v1") {
			if md := jsonObject(sa["metadata"]); md["name"] == "cluster-autoscaler" && md["namespace"] == "kube-system" {
				roleRef = jsonObject(md["annotations"])["eks.amazonaws.com/role-arn"]
			}
		}
		if roleRef == nil {
			t.Fatal("no annotated kube-system/cluster-autoscaler service account")
		}
		if got := trustedSubject(t, j, roleRef); got != "system:serviceaccount:kube-system:cluster-autoscaler" {
			t.Errorf("role trusts %s, want system:serviceaccount:kube-system:cluster-autoscaler only", got)
		}

		writes := 0
		for _, st := range statementsOf(t, j, "cluster-autoscaler") {
			actions := jsonStrings(st["actions"])
			conds := map[string]string{}
			for _, c := range jsonList(st["condition"]) {
				c := jsonObject(c)
				conds[fmt.Sprint(c["variable"])] = fmt.Sprint(c["test"]) + " " + strings.Join(jsonStrings(c["values"]), ",")
			}
			for _, a := range actions {
				switch {
				case strings.Contains(a, "*"):
					t.Errorf("wildcard action %s", a)
				case a == "autoscaling:SetDesiredCapacity" || a == "autoscaling:TerminateInstanceInAutoScalingGroup":
					writes++
					if got := conds["aws:ResourceTag/k8s.io/cluster-autoscaler/"+env.ClusterName()]; got != "StringEquals owned" {
						t.Errorf("%s on groups tagged %q, want only those tagged k8s.io/cluster-autoscaler/%s=owned", a, got, env.ClusterName())
					}
					if res := jsonStrings(st["resources"]); len(res) != 1 || !strings.Contains(res[0], ":autoscaling:"+env.Region+":") {
						t.Errorf("%s on %v, want the Auto Scaling groups of the region", a, res)
					}
				case a == "eks:DescribeNodegroup":
					if res := jsonStrings(st["resources"]); len(res) != 1 || !strings.HasSuffix(res[0], ":nodegroup/"+env.ClusterName()+"/*/*") {
						t.Errorf("%s on %v, want the cluster's node groups", a, res)
					}
				case !strings.Contains(a, ":Describe") && !strings.Contains(a, ":Get"):
					t.Errorf("action %s: the autoscaler needs only reads and the two scaling calls", a)
				}
			}
		}
		if writes != 2 {
			t.Errorf("%d scaling actions, want SetDesiredCapacity and TerminateInstanceInAutoScalingGroup", writes)
		}
	})
}

// TestNodeGroupsLeaveTheirSizeToTheAutoscaler: every node group (system
// and clients) ignores changes of its desired size, which the autoscaler
// owns, and carries its labels and taints as node-template tags on its
// Auto Scaling group so that it can be scaled up from zero.
func TestNodeGroupsLeaveTheirSizeToTheAutoscaler(t *testing.T) {
	s := defaultSynth(t)
	groups := 0
	for _, name := range s.names() {
		j := s.stacks[name]
		tags := map[string]map[string]string{}
		for _, tag := range j.resources("aws_autoscaling_group_tag") {
			group := refName(t, tag["autoscaling_group_name"], "aws_eks_node_group")
			if !strings.Contains(fmt.Sprint(tag["autoscaling_group_name"]), ".resources[0].autoscaling_groups[0].name}") {
				t.Errorf("%s: tag on %v, want the node group's Auto Scaling group", name, tag["autoscaling_group_name"])
			}
			kv := jsonObject(tag["tag"])
			if kv["propagate_at_launch"] != false {
				t.Errorf("%s: tag %v propagated to instances", name, kv)
			}
			if tags[group] == nil {
				tags[group] = map[string]string{}
			}
			tags[group][fmt.Sprint(kv["key"])] = fmt.Sprint(kv["value"])
		}
		for addr, ng := range j.resources("aws_eks_node_group") {
			groups++
			lc := jsonObject(ng["lifecycle"])
			if !slices.Contains(jsonStrings(lc["ignore_changes"]), "scaling_config[0].desired_size") {
				t.Errorf("%s: %s lifecycle %v, want ignore_changes on scaling_config[0].desired_size", name, addr, lc)
			}
			want := map[string]string{}
			for k, v := range jsonObject(ng["labels"]) {
				want[nodegroup.NodeTemplateLabelTag+k] = fmt.Sprint(v)
			}
			for _, tt := range jsonList(ng["taint"]) {
				tt := jsonObject(tt)
				effect := map[string]string{"NO_SCHEDULE": "NoSchedule", "NO_EXECUTE": "NoExecute", "PREFER_NO_SCHEDULE": "PreferNoSchedule"}[fmt.Sprint(tt["effect"])]
				want[nodegroup.NodeTemplateTaintTag+fmt.Sprint(tt["key"])] = fmt.Sprintf("%v:%s", tt["value"], effect)
			}
			if len(want) == 0 || fmt.Sprint(tags[addr]) != fmt.Sprint(want) {
				t.Errorf("%s: %s node-template tags %v, want %v", name, addr, tags[addr], want)
			}
		}
	}
	// The system group of each environment, and each client's.
	want := len(config.Environments())
	for _, name := range s.names() {
		if strings.HasPrefix(name, "client-") {
			want++
		}
	}
	if groups != want {
		t.Errorf("checked %d node groups, want %d", groups, want)
	}
}
