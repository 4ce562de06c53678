// Package securitygroup provides a VPC security group whose rules are
// separate aws_vpc_security_group_ingress_rule / egress_rule resources
// (one per rule, each with a description), the form AWS provider 5.x
// recommends over inline rules. A new group allows nothing, in or out,
// until rules are added.
package securitygroup

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	awssg "github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupegressrule"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"

	"stratum/awsrules"
)

// The characters EC2 accepts in group names and descriptions, and in rule
// descriptions (no "&"); an apostrophe, for one, is refused at apply time.
var (
	groupText = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$`)
	ruleText  = regexp.MustCompile(`^[a-zA-Z0-9 ._\-:/()#,@\[\]+=;{}!$*]{1,255}$`)
)

// Port is a protocol and an inclusive port range.
type Port struct {
	// Protocol is "tcp", "udp", "icmp" or "-1" (all traffic).
	Protocol string
	// From and To are the port range (ICMP type and code for "icmp");
	// unused for "-1".
	From, To int
}

// TCP is one TCP port.
func TCP(port int) Port { return Port{Protocol: "tcp", From: port, To: port} }

// TCPRange is the TCP ports from..to.
func TCPRange(from, to int) Port { return Port{Protocol: "tcp", From: from, To: to} }

// AllTraffic is every protocol and port.
var AllTraffic = Port{Protocol: "-1"}

// Peer is the other side of a rule: set exactly one field.
type Peer struct {
	// CIDR is an IPv4 network.
	CIDR string
	// Group is another security group (or this one).
	Group *SecurityGroup
}

// Props configures a SecurityGroup.
type Props struct {
	// Name is the group's name (and Name tag). Required.
	Name string
	// Description says what the group protects; it cannot change without
	// replacing the group. Required.
	Description string
	// VPCID is the group's VPC. Required.
	VPCID *string
}

// SecurityGroup is a security group managed rule by rule.
type SecurityGroup struct {
	Group awssg.SecurityGroup
	ID    *string
	name  string
	scope constructs.Construct
}

// New creates a security group without rules.
func New(scope constructs.Construct, id string, p *Props) *SecurityGroup {
	switch {
	case p == nil || p.Name == "" || p.Description == "" || p.VPCID == nil:
		panic(fmt.Sprintf("securitygroup.New %q: Name, Description and VPCID are required", id))
	case !groupText.MatchString(p.Name) || strings.HasPrefix(p.Name, "sg-"):
		panic(fmt.Sprintf("securitygroup.New %q: Name %q is invalid: want at most 255 of a-z A-Z 0-9 space ._-:/()#,@[]+=&;{}!$*, not starting with sg-", id, p.Name))
	case !groupText.MatchString(p.Description):
		panic(fmt.Sprintf("securitygroup.New %q: Description %q is invalid: want at most 255 of a-z A-Z 0-9 space ._-:/()#,@[]+=&;{}!$*", id, p.Description))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	g := awssg.NewSecurityGroup(c, jsii.String("group"), &awssg.SecurityGroupConfig{
		Name:        jsii.String(p.Name),
		Description: jsii.String(p.Description),
		VpcId:       p.VPCID,
		Tags:        &map[string]*string{"Name": jsii.String(p.Name)},
		// Groups that reference each other could not be deleted otherwise.
		RevokeRulesOnDelete: jsii.Bool(true),
	})
	return &SecurityGroup{Group: g, ID: g.Id(), name: p.Name, scope: c}
}

// AllowIngress admits port traffic from peer; id names the rule within
// the group.
func (g *SecurityGroup) AllowIngress(id string, from Peer, port Port, description string) vpcsecuritygroupingressrule.VpcSecurityGroupIngressRule {
	return vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(g.scope, jsii.String("ingress-"+id), g.rule("ingress-"+id, from, port, description))
}

// AllowEgress lets port traffic out to peer; id names the rule within the
// group.
func (g *SecurityGroup) AllowEgress(id string, to Peer, port Port, description string) vpcsecuritygroupegressrule.VpcSecurityGroupEgressRule {
	// The provider's ingress and egress rules take the same arguments.
	cfg := vpcsecuritygroupegressrule.VpcSecurityGroupEgressRuleConfig(*g.rule("egress-"+id, to, port, description))
	return vpcsecuritygroupegressrule.NewVpcSecurityGroupEgressRule(g.scope, jsii.String("egress-"+id), &cfg)
}

// rule is the configuration of the rule id (direction and name) of the
// group with peer on port.
func (g *SecurityGroup) rule(id string, peer Peer, port Port, description string) *vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig {
	if err := check(peer, port, description); err != nil {
		panic(fmt.Sprintf("securitygroup rule %q: %v", id, err))
	}
	cfg := &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId: g.ID,
		Description:     jsii.String(description),
		IpProtocol:      jsii.String(port.Protocol),
		Tags:            &map[string]*string{"Name": jsii.String(g.name + "-" + id)},
	}
	if port.Protocol != "-1" {
		cfg.FromPort, cfg.ToPort = jsii.Number(float64(port.From)), jsii.Number(float64(port.To))
	}
	if peer.Group != nil {
		cfg.ReferencedSecurityGroupId = peer.Group.ID
	} else {
		cfg.CidrIpv4 = jsii.String(peer.CIDR)
	}
	return cfg
}

func check(peer Peer, port Port, description string) error {
	if description == "" {
		return fmt.Errorf("description is required: say who needs the rule and why")
	}
	if !ruleText.MatchString(description) {
		return fmt.Errorf("description %q is invalid: want at most 255 of a-z A-Z 0-9 space ._-:/()#,@[]+=;{}!$*", description)
	}
	if (peer.CIDR == "") == (peer.Group == nil) {
		return fmt.Errorf("peer %+v: set exactly one of CIDR and Group", peer)
	}
	if peer.CIDR != "" {
		if _, problem := awsrules.ParseIPv4Prefix(peer.CIDR); problem != "" {
			return fmt.Errorf("peer CIDR %q is invalid: want %s", peer.CIDR, problem)
		}
	}
	switch port.Protocol {
	case "-1":
		if port.From != 0 || port.To != 0 {
			return fmt.Errorf("port %+v: all traffic (-1) takes no port range", port)
		}
	case "tcp", "udp":
		if port.From < 0 || port.To > 65535 || port.From > port.To {
			return fmt.Errorf("port %+v: want 0 <= From <= To <= 65535", port)
		}
	case "icmp":
	default:
		return fmt.Errorf("port protocol %q is invalid: want tcp, udp, icmp or -1", port.Protocol)
	}
	return nil
}
