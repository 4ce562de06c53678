package stacks

import (
	"encoding/json"
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
// is limited to the cluster's VPC (ec2:Vpc) and to groups of this
// cluster: those it created (elbv2.k8s.aws/cluster = the cluster) or the
// cluster security group (kubernetes.io/cluster/<cluster>); it may
// retag only the groups it created. No group a
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
				tags := a == "ec2:CreateTags" || a == "ec2:DeleteTags" // change no rule
				if got := conds["ArnEquals ec2:Vpc"]; got != "["+vpc+"]" && !tags {
					t.Errorf("statement %v may %s with ec2:Vpc %q, want [%s]", st["sid"], a, got, vpc)
				}
				own := conds["StringEquals aws:ResourceTag/elbv2.k8s.aws/cluster"] == "["+cluster+"]"
				if tags && !own {
					t.Errorf("statement %v may %s on groups the controller did not create for this cluster (have %v)", st["sid"], a, conds)
				}
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

// TestApplicationsHaveTheirOwnDatabaseUser: no application role can read
// the database's master credentials (no statement names the master
// secret, its key or Secrets Manager, and the client stack does not even
// read their parameters); an application with Database may connect as
// exactly one database user, its own (rds-db:connect on one dbuser ARN of
// the client's instance), which the client's configuration publishes; an
// application without Database may not connect at all.
func TestApplicationsHaveTheirOwnDatabaseUser(t *testing.T) {
	var connecting int
	eachClientStack(t, func(t *testing.T, cs clientStack) {
		j, c, env := cs.j, cs.client, cs.env
		at := contract.At{Env: env.Name, Client: c.Name}
		master := []string{contract.DatabaseSecretARN.Name(at), contract.DatabaseSecretKMSKeyARN.Name(at)}
		for addr, d := range j.data("aws_ssm_parameter") {
			if slices.Contains(master, fmt.Sprint(d["name"])) {
				t.Errorf("the client stack reads %s (data.aws_ssm_parameter.%s)", d["name"], addr)
			}
		}
		for addr, doc := range j.data("aws_iam_policy_document") {
			for _, st := range jsonList(doc["statement"]) {
				for _, a := range jsonStrings(jsonObject(st)["actions"]) {
					if strings.HasPrefix(a, "secretsmanager:") {
						t.Errorf("%s allows %s", addr, a)
					}
				}
			}
		}
		var apps map[string]struct {
			DatabaseUser *string `json:"database_user"`
		}
		for _, p := range j.resources("aws_ssm_parameter") {
			if p["name"] == contract.ClientApplications.Name(at) {
				if err := json.Unmarshal([]byte(p["insecure_value"].(string)), &apps); err != nil {
					t.Fatalf("%s: %v", p["name"], err)
				}
			}
		}
		names := c.NamesIn(env.Name)
		for _, app := range c.Applications {
			var connect []string
			for _, st := range appStatements(j, app.Name) {
				if slices.Contains(jsonStrings(st["actions"]), "rds-db:connect") {
					if len(jsonStrings(st["actions"])) != 1 || st["effect"] != "Allow" || st["condition"] != nil {
						t.Errorf("%s: rds-db:connect statement %v, want an unconditional Allow of rds-db:connect alone", app.Name, st)
					}
					connect = append(connect, jsonStrings(st["resources"])...)
				}
			}
			published := apps[app.Name].DatabaseUser
			if !app.Database {
				if len(connect) != 0 || published != nil {
					t.Errorf("%s: no Database, but may connect as %v (published user %v)", app.Name, connect, published)
				}
				continue
			}
			connecting++
			user := names.DatabaseUser(app.Name)
			want := fmt.Sprintf("arn:aws:rds-db:%s:%s:dbuser:${data.aws_ssm_parameter.%s.insecure_value}/%s",
				env.Region, env.AccountID, importName(t, j, contract.DatabaseResourceID.Name(at)), user)
			if !slices.Equal(connect, []string{want}) {
				t.Errorf("%s: may connect as %v, want exactly [%s]", app.Name, connect, want)
			}
			if published == nil || *published != user {
				t.Errorf("%s: published database user %v, want %s", app.Name, published, user)
			}
		}
	})
	if connecting == 0 {
		t.Error("no application with Database: the test checked nothing")
	}
}

// importName is the address of the stack's data source reading
// parameter name.
func importName(t *testing.T, j tfJSON, name string) string {
	t.Helper()
	for addr, d := range j.data("aws_ssm_parameter") {
		if d["name"] == name {
			return addr
		}
	}
	t.Fatalf("the stack does not read %s", name)
	return ""
}

// appStatements are the statements of application app's role's policy.
func appStatements(j tfJSON, app string) []map[string]any {
	var out []map[string]any
	for name, doc := range j.data("aws_iam_policy_document") {
		if strings.HasPrefix(name, "app-"+app+"_permissions_") {
			for _, st := range jsonList(doc["statement"]) {
				out = append(out, jsonObject(st))
			}
		}
	}
	return out
}
