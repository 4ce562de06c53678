package stacks

import (
	"fmt"
	"net/netip"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawskmskey"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"

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
// one; the security group every EKS node shares; the AWS Backup vault,
// plan and role (and, with Backup.CopyRegion, the vault in the second
// region that every recovery point is copied to); and the environment's
// alerts: the topic every alert notifies with its subscribers, the NAT
// gateway and VPN alarms, the AWS Backup job rules and the environment's
// budget.
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
		// The tunnel logs get their own key, like every other purpose.
		vpnLogKey := kms.NewKey(s.TF, "vpn-logs-key", &kms.KeyProps{
			Alias:             prefix + "-vpn-logs",
			Description:       "Site-to-Site VPN tunnel logs of Stratum " + env.Name,
			ServicePrincipals: []string{awsrules.ServiceEndpoint("logs", env.Region)},
		})
		newVPN(s, prefix, net, topic.ARN, vpnLogKey)
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
		ComplianceLockDays: env.Backup.ComplianceLockDays,
		Copy:               backupCopy(s, prefix),
	})
	newBackupAlerts(s, alerts, topic, bk)
	protectedKeys := []*string{backupKey.ARN}
	if env.State.CustomerManagedKey {
		// bootstrap-<env> creates the state key, found by its alias.
		stateKey := dataawskmskey.NewDataAwsKmsKey(s.TF, jsii.String("state-key"), &dataawskmskey.DataAwsKmsKeyConfig{
			KeyId: jsii.String("alias/" + env.StateKeyAlias()),
		})
		protectedKeys = append(protectedKeys, stateKey.Arn())
	}
	newBackupTamperingAlerts(s, alerts, topic, protectedKeys)
	newEnvironmentCost(s, alerts, topic)

	at := s.At()
	contract.VPCID.Export(s.Contract, at, net.VPCID)
	contract.VPCCIDR.Export(s.Contract, at, net.CIDR)
	contract.PublicSubnetIDs.Export(s.Contract, at, network.SubnetIDs(net.Public))
	contract.PrivateSubnetIDs.Export(s.Contract, at, network.SubnetIDs(net.Private))
	contract.DatabaseSubnetIDs.Export(s.Contract, at, network.SubnetIDs(net.Database))
	contract.EKSNodesSecurityGroup.Export(s.Contract, at, groups.eksNodes.ID)
	contract.BackupVaultName.Export(s.Contract, at, bk.VaultName)
	contract.BackupVaultARN.Export(s.Contract, at, bk.VaultARN)
	contract.BackupPlanID.Export(s.Contract, at, bk.PlanID)
	contract.BackupRoleARN.Export(s.Contract, at, bk.RoleARN)
	contract.AlarmTopicARN.Export(s.Contract, at, topic.ARN)
	return s
}

// BackupCopyProviderAlias is the AWS provider configuration of the
// backup copies' region in foundation-<env>.
const BackupCopyProviderAlias = "backup-copies"

// backupCopy is where the environment's recovery points are copied: a
// second AWS provider configuration for Backup.CopyRegion (same account
// pin, role and tags) and the copies' own key there. nil without copies.
func backupCopy(s *Stack, prefix string) *backup.Copy {
	b := s.Env.Backup
	if b.CopyRegion == "" {
		return nil
	}
	cfg := awsProviderConfig(stackProps{Layer: s.Layer, Env: s.Env})
	cfg.Region, cfg.Alias = jsii.String(b.CopyRegion), jsii.String(BackupCopyProviderAlias)
	p := provider.NewAwsProvider(s.TF, jsii.String("aws-"+BackupCopyProviderAlias), cfg)
	key := kms.NewKey(s.TF, "backup-copy-key", &kms.KeyProps{
		Alias:       prefix + "-backup-copies",
		Description: "AWS Backup copies of the recovery points of Stratum " + s.Env.Name + " (from " + s.Env.Region + ")",
		Region:      b.CopyRegion,
		Provider:    p,
	})
	return &backup.Copy{Provider: p, Key: key, RetentionDays: b.CopyRetention()}
}

// newVPN connects the VPC to both on-premises routers and propagates the
// on-premises routes to every private route table and the database route
// table. Public subnets hold only NAT gateways and load balancers, which
// never talk to on-premises networks.
func newVPN(s *Stack, prefix string, net *network.Network, alarmTopicARN *string, logKey *kms.Key) *vpn.VPN {
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
		Tunnels:          vpnTunnels(c.Tunnels.Effective()),
		LogKey:           logKey,
		LogRetentionDays: s.Env.LogRetentionDays,
		Region:           s.Env.Region,
		AlarmRunbook:     s.Env.Alerts.RunbookLink(AlertVPNTunnelDown),
	})
}

// vpnTunnels are the configured tunnel options, defaults applied.
func vpnTunnels(t config.VPNTunnels) vpn.Tunnels {
	phase := func(p config.VPNPhase) vpn.Phase {
		return vpn.Phase{EncryptionAlgorithms: p.EncryptionAlgorithms, IntegrityAlgorithms: p.IntegrityAlgorithms,
			DHGroupNumbers: p.DHGroupNumbers, LifetimeSeconds: p.LifetimeSeconds}
	}
	return vpn.Tunnels{IKEVersions: t.IKEVersions, Phase1: phase(t.Phase1), Phase2: phase(t.Phase2)}
}

type securityGroups struct {
	eksNodes *securitygroup.SecurityGroup
}

// newSecurityGroups creates the group every EKS node carries besides the
// cluster security group EKS creates. Nothing else needs a shared group:
// the AWS Load Balancer Controller creates each load balancer's own
// frontend group and one backend group, and admits the backend group to
// the targets by rules on the cluster security group; each database has
// its own group, opened to its client's nodes by the client's stack.
func newSecurityGroups(s *Stack, prefix string, vpcID *string) securityGroups {
	g := securityGroups{
		eksNodes: securitygroup.New(s.TF, "eks-nodes-sg", &securitygroup.Props{
			Name: prefix + "-eks-nodes",
			// Kept as created: a new description would replace the group,
			// which every node group uses. Load balancer traffic reaches
			// the nodes through the cluster security group instead.
			Description: "EKS worker nodes of " + prefix + ": traffic from load balancers and between nodes",
			VPCID:       vpcID,
		}),
	}
	nodes := securitygroup.Peer{Group: g.eksNodes}
	anywhere := securitygroup.Peer{CIDR: "0.0.0.0/0"}
	g.eksNodes.AllowIngress("from-nodes", nodes, securitygroup.AllTraffic, "Node to node and pod to pod traffic (DNS, services, overlay)")
	// Nodes pull images, call AWS and EKS APIs and reach client systems on
	// premises; per-namespace egress is restricted in the cluster (network
	// policies), not per port here.
	g.eksNodes.AllowEgress("all", anywhere, securitygroup.AllTraffic, "Internet through NAT, AWS APIs, on-premises networks through the VPN")
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
