package stacks

import (
	"fmt"
	"net/netip"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"stratum/awsrules"
	"stratum/config"
	"stratum/constructs/backup"
	"stratum/constructs/kms"
	"stratum/constructs/network"
	"stratum/constructs/securitygroup"
	"stratum/constructs/vpn"
	"stratum/contract"
)

// NewFoundation builds foundation-<env>: the VPC and its subnets, NAT,
// routes and flow logs; the dual site-to-site VPN when the environment has
// one; the security groups of EKS nodes, databases and load balancers;
// the AWS Backup vault, plan and role; and the environment's alerts: the
// topic every alert notifies with its subscribers, the NAT gateway and VPN
// alarms, the AWS Backup job rules and the environment's budget.
//
// Each purpose has its own KMS key (flow logs, alarms, backups): a key
// policy then names only the service that needs it, one key's policy
// change or scheduled deletion cannot affect the others, and CloudTrail
// shows per purpose who used which key. Three keys cost $3 a month.
func NewFoundation(scope constructs.Construct, env config.Environment) *Stack {
	s := newStack(scope, stackProps{Layer: contract.Foundation, Env: env})
	prefix := env.Prefix()

	plan, err := env.Network.SubnetPlan()
	if err != nil {
		// config.Validate only checks that the CIDR parses; a range too
		// small for the plan is caught here, before anything is written.
		panic(fmt.Sprintf("environment %q: Network.CIDR %q: no room for the subnet plan: %v", env.Name, env.Network.CIDR, err))
	}
	flowLogKey := kms.NewKey(s.TF, "flow-logs-key", &kms.KeyProps{
		Alias:             prefix + "-flow-logs",
		Description:       "VPC flow logs of Stratum " + env.Name,
		ServicePrincipals: []string{awsrules.ServiceEndpoint("logs", env.Region)},
	})
	net := network.New(s.TF, "network", &network.Props{
		Name:                 prefix,
		CIDR:                 env.Network.CIDR,
		AvailabilityZones:    env.Network.AvailabilityZones,
		PublicSubnets:        cidrs(plan.Public),
		PrivateSubnets:       cidrs(plan.Private),
		DatabaseSubnets:      cidrs(plan.Database),
		SingleNATGateway:     env.Network.NAT == config.NATSingle,
		FlowLogKey:           flowLogKey,
		FlowLogRetentionDays: env.LogRetentionDays,
	})

	// The topic every alert of the environment notifies, and its
	// subscribers (alerts.go).
	alerts := constructs.NewConstruct(s.TF, jsii.String("alerts"))
	topic := newAlertTopic(s, alerts)
	newNATAlarms(s, alerts, net.NATGateways, topic.ARN)

	if env.VPN.Enabled {
		newVPN(s, prefix, net, topic.ARN)
	}
	groups := newSecurityGroups(s, prefix, net.VPCID)

	backupKey := kms.NewKey(s.TF, "backup-key", &kms.KeyProps{
		Alias:       prefix + "-backup",
		Description: "AWS Backup recovery points of Stratum " + env.Name,
	})
	bk := backup.New(s.TF, "backup", &backup.Props{
		Name:               prefix,
		Key:                backupKey,
		Schedule:           env.Backup.Schedule,
		RetentionDays:      env.Backup.RetentionDays,
		DeletionProtection: env.DeletionProtection,
	})
	newBackupAlerts(s, alerts, topic, bk)
	newEnvironmentCost(s, alerts, topic)

	at := s.At()
	contract.VPCID.Export(s.TF, at, net.VPCID)
	contract.VPCCIDR.Export(s.TF, at, net.CIDR)
	contract.PublicSubnetIDs.Export(s.TF, at, network.SubnetIDs(net.Public))
	contract.PrivateSubnetIDs.Export(s.TF, at, network.SubnetIDs(net.Private))
	contract.DatabaseSubnetIDs.Export(s.TF, at, network.SubnetIDs(net.Database))
	contract.EKSNodesSecurityGroup.Export(s.TF, at, groups.eksNodes.ID)
	contract.DatabasesSecurityGroup.Export(s.TF, at, groups.databases.ID)
	contract.LoadBalancersSecurityGroup.Export(s.TF, at, groups.loadBalancers.ID)
	contract.BackupVaultName.Export(s.TF, at, bk.VaultName)
	contract.BackupVaultARN.Export(s.TF, at, bk.VaultARN)
	contract.BackupPlanID.Export(s.TF, at, bk.PlanID)
	contract.BackupRoleARN.Export(s.TF, at, bk.RoleARN)
	contract.AlarmTopicARN.Export(s.TF, at, topic.ARN)
	return s
}

// newVPN connects the VPC to both on-premises routers and propagates the
// on-premises routes to every private route table and the database route
// table. Public subnets hold only NAT gateways and load balancers, which
// never talk to on-premises networks.
func newVPN(s *Stack, prefix string, net *network.Network, alarmTopicARN *string) *vpn.VPN {
	c := s.Env.VPN
	var gateways []vpn.CustomerGateway
	for _, g := range c.CustomerGateways {
		gateways = append(gateways, vpn.CustomerGateway{Name: g.Name, IPAddress: g.IPAddress, BGPASN: g.BGPASN})
	}
	propagate := map[string]*string{"database": net.DatabaseRouteTable.Id()}
	for i, rt := range net.PrivateRouteTables {
		propagate["private-"+s.Env.Network.AvailabilityZones[i]] = rt.Id()
	}
	var static []string
	if c.StaticRoutesOnly {
		static = c.OnPremisesCIDRs
	}
	return vpn.New(s.TF, "vpn", &vpn.Props{
		Name:             prefix,
		VPCID:            net.VPCID,
		AmazonSideASN:    c.AmazonSideASN,
		CustomerGateways: gateways,
		StaticRoutesOnly: c.StaticRoutesOnly,
		StaticRoutes:     static,
		PropagateTo:      propagate,
		AlarmTopicARN:    alarmTopicARN,
		AlarmRunbook:     s.Env.Alerts.RunbookLink(AlertVPNTunnelDown),
	})
}

type securityGroups struct {
	eksNodes, databases, loadBalancers *securitygroup.SecurityGroup
}

// newSecurityGroups creates one security group per service type. Only the
// load balancers face the internet, on 80 and 443.
func newSecurityGroups(s *Stack, prefix string, vpcID *string) securityGroups {
	g := securityGroups{
		eksNodes: securitygroup.New(s.TF, "eks-nodes-sg", &securitygroup.Props{
			Name:        prefix + "-eks-nodes",
			Description: "EKS worker nodes of " + prefix + ": traffic from load balancers and between nodes",
			VPCID:       vpcID,
		}),
		databases: securitygroup.New(s.TF, "databases-sg", &securitygroup.Props{
			Name:        prefix + "-databases",
			Description: "Database tier of " + prefix + ": no rules, each database has its own group admitting its client only",
			VPCID:       vpcID,
		}),
		loadBalancers: securitygroup.New(s.TF, "load-balancers-sg", &securitygroup.Props{
			Name:        prefix + "-load-balancers",
			Description: "Internet-facing load balancers of " + prefix + ": HTTP and HTTPS in, nodes out",
			VPCID:       vpcID,
		}),
	}
	nodes, lbs := securitygroup.Peer{Group: g.eksNodes}, securitygroup.Peer{Group: g.loadBalancers}
	anywhere := securitygroup.Peer{CIDR: "0.0.0.0/0"}

	g.loadBalancers.AllowIngress("https", anywhere, securitygroup.TCP(443), "HTTPS from the internet")
	g.loadBalancers.AllowIngress("http", anywhere, securitygroup.TCP(80), "HTTP from the internet, redirected to HTTPS by the listeners")
	// Targets are pods (IP mode) or node ports (instance mode): any TCP port.
	g.loadBalancers.AllowEgress("to-nodes", nodes, securitygroup.TCPRange(1, 65535), "Requests and health checks to targets on the EKS nodes")

	g.eksNodes.AllowIngress("from-load-balancers", lbs, securitygroup.TCPRange(1, 65535), "Requests and health checks from the load balancers")
	g.eksNodes.AllowIngress("from-nodes", nodes, securitygroup.AllTraffic, "Node to node and pod to pod traffic (DNS, services, overlay)")
	// Nodes pull images, call AWS and EKS APIs and reach client systems on
	// premises; per-namespace egress is restricted in the cluster (network
	// policies), not per port here.
	g.eksNodes.AllowEgress("all", anywhere, securitygroup.AllTraffic, "Internet through NAT, AWS APIs, on-premises networks through the VPN")

	// The database tier gets no rule at all: an ingress rule here would let
	// every client's nodes reach every client's database. RDS needs no
	// egress to serve clients or to be backed up.
	return g
}

// cidrs formats prefixes as CIDR strings.
func cidrs(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
