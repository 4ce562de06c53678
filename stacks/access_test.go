package stacks

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

// TestEveryProviderPinsItsAccount: the AWS provider of every stack of
// every environment refuses credentials of any account but the
// environment's (allowed_account_ids), so a wrong profile fails before a
// plan reads or changes anything, in dev as in prod.
func TestEveryProviderPinsItsAccount(t *testing.T) {
	s := defaultSynth(t)
	envOf := stackEnvironments(config.Environments(), clients.All)
	for _, name := range s.names() {
		env := envOf[name]
		providers, _ := s.stacks[name]["provider"].(map[string]any)
		aws := jsonList(providers["aws"])
		if len(aws) == 0 {
			t.Errorf("%s: no AWS provider", name)
		}
		for i, p := range aws {
			if got := jsonStrings(jsonObject(p)["allowed_account_ids"]); fmt.Sprint(got) != fmt.Sprint([]string{env.AccountID}) {
				t.Errorf("%s: provider aws[%d] allowed_account_ids %v, want [%s]", name, i, got, env.AccountID)
			}
		}
	}
}

// securityGroupMutations are the EC2 actions that change what a security
// group admits, or which group a condition on tags would select.
var securityGroupMutations = []string{
	"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
	"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
	"ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
	"ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:DeleteSecurityGroup",
	"ec2:CreateTags", "ec2:DeleteTags",
}

// partitionRef is the partition as the load balancer controller's
// construct reads it.
var partitionRef = regexp.MustCompile(`\$\{data\.aws_partition\.[^}]+\.partition\}`)

// inPartition is s with the partition data source resolved as in aws.
func inPartition(s string) string { return partitionRef.ReplaceAllString(s, "aws") }

// TestLoadBalancerControllerCannotOpenOtherGroups: every statement that
// lets the AWS Load Balancer Controller change a security group's rules
// or tags is limited to the cluster's VPC (ec2:Vpc) and to groups of this
// cluster: those it created (elbv2.k8s.aws/cluster = the cluster) or the
// cluster security group (kubernetes.io/cluster/<cluster>). No group a
// stack creates outside the controller carries either tag, so a client's
// database group cannot be opened by it.
func TestLoadBalancerControllerCannotOpenOtherGroups(t *testing.T) {
	s := defaultSynth(t)
	const cluster = "${data.aws_ssm_parameter.import-platform-cluster-name.insecure_value}"
	eachStackOf(t, s, contract.Services, func(t *testing.T, env config.Environment, j tfJSON) {
		vpc := fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/${data.aws_ssm_parameter.import-foundation-vpc-id.insecure_value}", env.Region, env.AccountID)
		var ingress int
		for _, st := range statementsOf(t, j, "aws-load-balancer-controller") {
			actions := jsonStrings(st["actions"])
			if st["effect"] != "Allow" {
				continue
			}
			conds := map[string]string{} // test variable -> values
			for _, c := range jsonList(st["condition"]) {
				c := jsonObject(c)
				conds[fmt.Sprint(c["test"], " ", c["variable"])] = inPartition(fmt.Sprint(jsonStrings(c["values"])))
			}
			st["resources"] = inPartition(fmt.Sprint(jsonStrings(st["resources"])))
			for _, a := range actions {
				if a == "*" || a == "ec2:*" {
					t.Errorf("statement %v allows %s", st["sid"], a)
				}
				if a == "ec2:CreateSecurityGroup" && st["resources"] != fmt.Sprint([]string{vpc, fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/*", env.Region, env.AccountID)}) {
					t.Errorf("statement %v: CreateSecurityGroup on %v, want the cluster's VPC only", st["sid"], st["resources"])
				}
				if !slices.Contains(securityGroupMutations, a) {
					continue
				}
				if a == "ec2:AuthorizeSecurityGroupIngress" {
					ingress++
				}
				if a == "ec2:CreateTags" && conds["StringEquals ec2:CreateAction"] == "[CreateSecurityGroup]" {
					continue // tags the group it is creating, in the cluster's VPC
				}
				if got := conds["ArnEquals ec2:Vpc"]; got != "["+vpc+"]" {
					t.Errorf("statement %v may %s with ec2:Vpc %q, want [%s]", st["sid"], a, got, vpc)
				}
				own := conds["StringEquals aws:ResourceTag/elbv2.k8s.aws/cluster"] == "["+cluster+"]"
				clusterGroup := conds["Null aws:ResourceTag/kubernetes.io/cluster/"+cluster] == "[false]"
				if !own && !clusterGroup {
					t.Errorf("statement %v may %s on groups %v without the cluster's tag condition (have %v)", st["sid"], a, st["resources"], conds)
				}
				if st["resources"] == "[*]" {
					t.Errorf("statement %v may %s on every resource of every service", st["sid"], a)
				}
			}
		}
		if ingress == 0 {
			t.Error("the controller may not admit its load balancers to the targets at all")
		}
	})
	// The tags the controller's conditions select are on no group any
	// stack creates.
	for _, name := range s.names() {
		j := s.stacks[name]
		providers, _ := j["provider"].(map[string]any)
		for _, p := range jsonList(providers["aws"]) {
			for k := range jsonObject(jsonObject(p)["default_tags"])["tags"].(map[string]any) {
				if strings.HasPrefix(k, "kubernetes.io/cluster/") || strings.HasPrefix(k, "elbv2.k8s.aws/") {
					t.Errorf("%s: provider default tag %s", name, k)
				}
			}
		}
		for addr, g := range j.resources("aws_security_group") {
			for k := range jsonObject(g["tags"]) {
				if strings.HasPrefix(k, "kubernetes.io/cluster/") || strings.HasPrefix(k, "elbv2.k8s.aws/") {
					t.Errorf("%s: security group %s has tag %s, which lets the load balancer controller change its rules", name, addr, k)
				}
			}
		}
	}
}
