// Package network provides a VPC in two or more availability zones with
// three subnet tiers: public (load balancers and NAT gateways), private
// (EKS nodes and pods, internet egress through NAT) and database (no
// internet route at all). It closes the default security group and sends
// flow logs of all traffic to a KMS-encrypted CloudWatch log group.
package network

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/defaultsecuritygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eip"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/flowlog"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/internetgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/natgateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/route"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetable"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/routetableassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/subnet"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpc"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// Props configures a Network.
type Props struct {
	// Name is the prefix of every Name tag and of the flow log group and
	// role names, e.g. stratum-prod. Required.
	Name string
	// CIDR is the VPC's IPv4 range. Required.
	CIDR string
	// AvailabilityZones the VPC spans; each gets one subnet of every tier.
	// Required: at least 2, so that load balancers and databases can
	// survive the loss of a zone.
	AvailabilityZones []string
	// PublicSubnets, PrivateSubnets and DatabaseSubnets are one CIDR per
	// availability zone, in the order of AvailabilityZones, inside CIDR and
	// not overlapping. Required.
	PublicSubnets, PrivateSubnets, DatabaseSubnets []string
	// SingleNATGateway makes every zone egress through one NAT gateway in
	// the first zone: cheaper, and one zone's failure cuts egress for all.
	// Default: false (one NAT gateway in each zone; each zone's private
	// subnets egress through their own).
	SingleNATGateway bool
	// FlowLogKey encrypts the flow log group. Its key policy must let
	// logs.<region>.amazonaws.com use it (kms.KeyProps.ServicePrincipals).
	// Required.
	FlowLogKey *kms.Key
	// FlowLogRetentionDays is how long flow logs are kept; one of
	// awsrules.CloudWatchRetentionDays. Required.
	FlowLogRetentionDays int
}

// Subnet is one subnet of a tier.
type Subnet struct {
	Subnet           subnet.Subnet
	ID               *string
	AvailabilityZone string
	// RouteTable is the route table the subnet is associated with.
	RouteTable routetable.RouteTable
}

// Network is a VPC with its subnets, gateways, route tables and flow log.
type Network struct {
	VPC   vpc.Vpc
	VPCID *string
	// CIDR is the VPC's IPv4 range.
	CIDR *string
	// Public, Private and Database subnets, one per availability zone in
	// the order of Props.AvailabilityZones.
	Public, Private, Database []*Subnet
	InternetGateway           internetgateway.InternetGateway
	NATGateways               []natgateway.NatGateway
	PublicRouteTable          routetable.RouteTable
	// PrivateRouteTables has one route table per availability zone even
	// with a single NAT gateway, so switching the NAT policy changes routes
	// only, never the tables or their associations.
	PrivateRouteTables []routetable.RouteTable
	// DatabaseRouteTable has the VPC's local route only (and, when a VPN
	// propagates to it, on-premises routes): no internet route.
	DatabaseRouteTable routetable.RouteTable
	FlowLogGroup       cloudwatchloggroup.CloudwatchLogGroup
	FlowLog            flowlog.FlowLog
}

// New creates the network.
func New(scope constructs.Construct, id string, p *Props) *Network {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("network.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	n := &Network{}
	n.VPC = vpc.NewVpc(c, jsii.String("vpc"), &vpc.VpcConfig{
		CidrBlock: jsii.String(p.CIDR),
		// EKS, RDS endpoints and VPC interface endpoints need DNS names.
		EnableDnsSupport:   jsii.Bool(true),
		EnableDnsHostnames: jsii.Bool(true),
		Tags:               name(p.Name),
	})
	n.VPCID, n.CIDR = n.VPC.Id(), n.VPC.CidrBlock()

	// Without ingress or egress blocks the provider removes every rule of
	// the default group: anything launched without an explicit group gets
	// no network access.
	defaultsecuritygroup.NewDefaultSecurityGroup(c, jsii.String("default-security-group"), &defaultsecuritygroup.DefaultSecurityGroupConfig{
		VpcId: n.VPCID,
		Tags:  name(p.Name + "-default-closed"),
	})
	// The default network ACL stays as AWS creates it (allow all): the
	// security groups are the VPC's filter, and a second stateless layer
	// would have to mirror every ephemeral port range.

	n.InternetGateway = internetgateway.NewInternetGateway(c, jsii.String("internet-gateway"), &internetgateway.InternetGatewayConfig{
		VpcId: n.VPCID,
		Tags:  name(p.Name),
	})

	n.PublicRouteTable = routeTable(c, "public-route-table", n.VPCID, p.Name+"-public")
	route.NewRoute(c, jsii.String("public-internet-route"), &route.RouteConfig{
		RouteTableId:         n.PublicRouteTable.Id(),
		DestinationCidrBlock: jsii.String("0.0.0.0/0"),
		GatewayId:            n.InternetGateway.Id(),
	})
	n.DatabaseRouteTable = routeTable(c, "database-route-table", n.VPCID, p.Name+"-database")

	for i, az := range p.AvailabilityZones {
		n.Public = append(n.Public, n.subnet(c, "public", az, p.PublicSubnets[i], p.Name, n.PublicRouteTable,
			map[string]string{"kubernetes.io/role/elb": "1"}))
	}
	for i, az := range p.AvailabilityZones {
		if i > 0 && p.SingleNATGateway {
			break
		}
		ip := eip.NewEip(c, jsii.String("nat-eip-"+az), &eip.EipConfig{
			Domain: jsii.String("vpc"),
			Tags:   name(fmt.Sprintf("%s-nat-%s", p.Name, az)),
		})
		n.NATGateways = append(n.NATGateways, natgateway.NewNatGateway(c, jsii.String("nat-"+az), &natgateway.NatGatewayConfig{
			AllocationId: ip.AllocationId(),
			SubnetId:     n.Public[i].ID,
			Tags:         name(fmt.Sprintf("%s-nat-%s", p.Name, az)),
			// A NAT gateway cannot pass traffic before the VPC has its
			// internet gateway.
			DependsOn: &[]cdktf.ITerraformDependable{n.InternetGateway},
		}))
	}
	for i, az := range p.AvailabilityZones {
		rt := routeTable(c, "private-route-table-"+az, n.VPCID, fmt.Sprintf("%s-private-%s", p.Name, az))
		n.PrivateRouteTables = append(n.PrivateRouteTables, rt)
		gw := n.NATGateways[0]
		if !p.SingleNATGateway {
			gw = n.NATGateways[i]
		}
		route.NewRoute(c, jsii.String("private-nat-route-"+az), &route.RouteConfig{
			RouteTableId:         rt.Id(),
			DestinationCidrBlock: jsii.String("0.0.0.0/0"),
			NatGatewayId:         gw.Id(),
		})
		n.Private = append(n.Private, n.subnet(c, "private", az, p.PrivateSubnets[i], p.Name, rt,
			map[string]string{"kubernetes.io/role/internal-elb": "1"}))
	}
	for i, az := range p.AvailabilityZones {
		n.Database = append(n.Database, n.subnet(c, "database", az, p.DatabaseSubnets[i], p.Name, n.DatabaseRouteTable, nil))
	}

	n.flowLogs(c, p)
	return n
}

func (n *Network) subnet(scope constructs.Construct, tier, az, cidr, prefix string, rt routetable.RouteTable, tags map[string]string) *Subnet {
	all := map[string]*string{
		"Name": jsii.String(fmt.Sprintf("%s-%s-%s", prefix, tier, az)),
		"Tier": jsii.String(tier),
	}
	for k, v := range tags {
		all[k] = jsii.String(v)
	}
	s := subnet.NewSubnet(scope, jsii.String(tier+"-"+az), &subnet.SubnetConfig{
		VpcId:            n.VPCID,
		AvailabilityZone: jsii.String(az),
		CidrBlock:        jsii.String(cidr),
		// Not even public subnets hand out public addresses: only NAT
		// gateways (Elastic IPs) and load balancers face the internet.
		MapPublicIpOnLaunch: jsii.Bool(false),
		Tags:                &all,
	})
	routetableassociation.NewRouteTableAssociation(scope, jsii.String(tier+"-"+az+"-association"), &routetableassociation.RouteTableAssociationConfig{
		SubnetId:     s.Id(),
		RouteTableId: rt.Id(),
	})
	return &Subnet{Subnet: s, ID: s.Id(), AvailabilityZone: az, RouteTable: rt}
}

func routeTable(scope constructs.Construct, id string, vpcID *string, nameTag string) routetable.RouteTable {
	// Routes are separate aws_route resources (and VPN propagation), never
	// inline blocks, which would fight them.
	return routetable.NewRouteTable(scope, jsii.String(id), &routetable.RouteTableConfig{
		VpcId: vpcID,
		Tags:  name(nameTag),
	})
}

// flowLogs records all traffic of the VPC into an encrypted log group
// through a role that can write to that group only.
func (n *Network) flowLogs(c constructs.Construct, p *Props) {
	aws := awscontext.Of(c)
	account, partition, region := aws.AccountID(), aws.Partition(), aws.Region()

	n.FlowLogGroup = cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("flow-logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String("/" + p.Name + "/vpc-flow-logs"),
		RetentionInDays: jsii.Number(float64(p.FlowLogRetentionDays)),
		KmsKeyId:        p.FlowLogKey.ARN,
	})
	// Confused-deputy protection, as the VPC user guide recommends: only
	// flow logs of this account and region may use the role.
	trust := policy.NewDocument(c, "flow-logs-trust", policy.TrustService("FlowLogsOfThisAccount", "vpc-flow-logs.amazonaws.com",
		&policy.Condition{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: &[]*string{account}},
		&policy.Condition{Test: jsii.String("ArnLike"), Variable: jsii.String("aws:SourceArn"), Values: jsii.Strings(
			fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", *partition, *region, *account))},
	))
	role := iamrole.NewIamRole(c, jsii.String("flow-logs-role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(p.Name + "-vpc-flow-logs"),
		Description:      jsii.String("VPC flow logs of " + p.Name + " write to their log group"),
		AssumeRolePolicy: trust.Json(),
	})
	group := *n.FlowLogGroup.Arn()
	permissions := policy.NewDocument(c, "flow-logs-permissions",
		policy.Allow("WriteFlowLogGroup", []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
			jsii.String(group), jsii.String(group+":*")),
		// DescribeLogGroups is a list call: it is authorized against every
		// log group of the account and region.
		policy.Allow("FindFlowLogGroup", []string{"logs:DescribeLogGroups"}, jsii.String(fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*",
			*partition, *region, *account))),
	)
	iamrolepolicy.NewIamRolePolicy(c, jsii.String("flow-logs-policy"), &iamrolepolicy.IamRolePolicyConfig{
		Name:   jsii.String("write-flow-logs"),
		Role:   role.Id(),
		Policy: permissions.Json(),
	})
	n.FlowLog = flowlog.NewFlowLog(c, jsii.String("flow-log"), &flowlog.FlowLogConfig{
		VpcId:              n.VPCID,
		TrafficType:        jsii.String("ALL"),
		LogDestinationType: jsii.String("cloud-watch-logs"),
		LogDestination:     n.FlowLogGroup.Arn(),
		IamRoleArn:         role.Arn(),
		Tags:               name(p.Name),
	})
}

// SubnetIDs returns the ids of subnets.
func SubnetIDs(subnets []*Subnet) *[]*string {
	ids := make([]*string, len(subnets))
	for i, s := range subnets {
		ids[i] = s.ID
	}
	return &ids
}

func name(n string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(n)}
}

func (p *Props) validate() error {
	if p == nil {
		return fmt.Errorf("props are required")
	}
	if p.Name == "" {
		return fmt.Errorf("Name is required")
	}
	vpcCIDR, problem := awsrules.ParseIPv4Prefix(p.CIDR)
	if problem != "" {
		return fmt.Errorf("CIDR %q is invalid: want %s", p.CIDR, problem)
	}
	if len(p.AvailabilityZones) < 2 {
		return fmt.Errorf("AvailabilityZones %v: want at least 2", p.AvailabilityZones)
	}
	for i, az := range p.AvailabilityZones {
		if az == "" || slices.Contains(p.AvailabilityZones[:i], az) {
			return fmt.Errorf("AvailabilityZones %v: want distinct, non-empty zone names", p.AvailabilityZones)
		}
	}
	var all []netip.Prefix
	for _, tier := range []struct {
		field string
		cidrs []string
	}{{"PublicSubnets", p.PublicSubnets}, {"PrivateSubnets", p.PrivateSubnets}, {"DatabaseSubnets", p.DatabaseSubnets}} {
		if len(tier.cidrs) != len(p.AvailabilityZones) {
			return fmt.Errorf("%s %v: want one CIDR per availability zone (%d)", tier.field, tier.cidrs, len(p.AvailabilityZones))
		}
		for _, s := range tier.cidrs {
			sub, problem := awsrules.ParseIPv4Prefix(s)
			if problem != "" || !vpcCIDR.Contains(sub.Addr()) || sub.Bits() < vpcCIDR.Bits() {
				return fmt.Errorf("%s: %q is invalid: want an IPv4 network inside CIDR %s", tier.field, s, p.CIDR)
			}
			for _, other := range all {
				if other.Overlaps(sub) {
					return fmt.Errorf("%s: %s overlaps subnet %s", tier.field, sub, other)
				}
			}
			all = append(all, sub)
		}
	}
	if p.FlowLogKey == nil {
		return fmt.Errorf("FlowLogKey is required: flow logs are encrypted with a customer-managed key")
	}
	if !awsrules.IsCloudWatchRetention(p.FlowLogRetentionDays) {
		return fmt.Errorf("FlowLogRetentionDays %d is invalid: want one of %v", p.FlowLogRetentionDays, awsrules.CloudWatchRetentionDays)
	}
	return nil
}
