// Package vpn provides redundant site-to-site VPN between a VPC and
// on-premises networks: a virtual private gateway attached to the VPC and
// one VPN connection (two tunnels) to each of two or more customer
// gateways, so either on-premises router or either AWS endpoint can fail.
// Routes to on-premises networks are propagated into the given route
// tables, and each connection has an alarm on its tunnel state. Every
// tunnel's IKE and IPsec options are pinned (AWS's defaults accept IKEv1,
// SHA1 and DH group 2) and its logs go to a KMS-encrypted log group.
package vpn

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchlogresourcepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/customergateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dataawsiampolicydocument"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpnconnection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpnconnectionroute"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpngateway"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpngatewayroutepropagation"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// CustomerGateway is one on-premises VPN router.
type CustomerGateway struct {
	// Name identifies the router in construct ids and Name tags: a
	// unique DNS label of at most 32 characters.
	Name string
	// IPAddress is the router's public IPv4 address
	// (awsrules.PublicIPv4Problem).
	IPAddress string
	// BGPASN is the router's BGP ASN, also required with static routing.
	BGPASN int
}

// Props configures a VPN.
type Props struct {
	// Name prefixes every Name tag and alarm name, e.g. stratum-prod.
	// Required.
	Name string
	// VPCID is the VPC the virtual private gateway attaches to. Required.
	VPCID *string
	// AmazonSideASN is the virtual private gateway's private BGP ASN
	// (awsrules.IsAmazonSideASN). Default: 0, meaning
	// awsrules.DefaultAmazonSideASN (64512).
	AmazonSideASN int
	// CustomerGateways are the on-premises routers, one VPN connection
	// each. Required: at least 2 (dual VPN).
	CustomerGateways []CustomerGateway
	// StaticRoutesOnly routes StaticRoutes over every connection instead
	// of learning routes with BGP. Default: false (BGP).
	StaticRoutesOnly bool
	// StaticRoutes are the on-premises IPv4 networks. Required with
	// StaticRoutesOnly; must be empty otherwise (BGP announces them).
	StaticRoutes []string
	// PropagateTo are the route tables that get the on-premises routes,
	// by a stable readable key (it becomes part of the Terraform address),
	// e.g. "private-us-east-1a". Default: none.
	PropagateTo map[string]*string
	// AlarmTopicARN receives the tunnel alarms (and their recovery).
	// Required.
	AlarmTopicARN *string
	// Tunnels are the IKE and IPsec options of every tunnel of every
	// connection, each from what AWS accepts (awsrules.VPN…). Required:
	// AWS's defaults accept IKEv1, SHA1 and DH group 2.
	Tunnels Tunnels
	// LogKey encrypts the tunnel log group; its key policy must let
	// CloudWatch Logs of the region use it (kms.KeyProps.ServicePrincipals
	// logs.<region>.amazonaws.com). Required.
	LogKey *kms.Key
	// LogRetentionDays is how long tunnel logs are kept
	// (awsrules.IsCloudWatchRetention). Required.
	LogRetentionDays int
	// Region is the VPN's region, which names the log group's ARN in its
	// resource policy. Required.
	Region string
	// AlarmRunbook is the link to the tunnel alarms' runbook, which ends
	// their description ("Runbook: <link>"). Default: "" (no link).
	AlarmRunbook string
}

// Tunnels are the options of every tunnel.
type Tunnels struct {
	IKEVersions    []string
	Phase1, Phase2 Phase
}

// Phase is the algorithms and lifetime of one IKE phase.
type Phase struct {
	EncryptionAlgorithms, IntegrityAlgorithms []string
	DHGroupNumbers                            []int
	LifetimeSeconds                           int
}

// Connection is one customer gateway and its VPN connection.
type Connection struct {
	CustomerGateway customergateway.CustomerGateway
	Connection      vpnconnection.VpnConnection
	Alarm           cloudwatchmetricalarm.CloudwatchMetricAlarm
}

// VPN is a virtual private gateway with its connections.
type VPN struct {
	Gateway     vpngateway.VpnGateway
	GatewayID   *string
	Connections []*Connection
	// LogGroup holds every tunnel's logs.
	LogGroup cloudwatchloggroup.CloudwatchLogGroup
}

// LogGroupName is the tunnel log group of the VPN named name.
func LogGroupName(name string) string { return "/aws/vpn/" + name + "/tunnels" }

// New creates the VPN.
func New(scope constructs.Construct, id string, p *Props) *VPN {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("vpn.New %q: %v", id, err))
	}
	asn := p.AmazonSideASN
	if asn == 0 {
		asn = awsrules.DefaultAmazonSideASN
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	v := &VPN{}
	v.Gateway = vpngateway.NewVpnGateway(c, jsii.String("gateway"), &vpngateway.VpnGatewayConfig{
		VpcId:         p.VPCID,
		AmazonSideAsn: jsii.String(strconv.Itoa(asn)),
		Tags:          name(p.Name),
	})
	v.GatewayID = v.Gateway.Id()
	v.LogGroup = newLogGroup(c, p)
	logs := &vpnconnection.VpnConnectionTunnel1LogOptions{CloudwatchLogOptions: &vpnconnection.VpnConnectionTunnel1LogOptionsCloudwatchLogOptions{
		LogEnabled:      jsii.Bool(true),
		LogGroupArn:     v.LogGroup.Arn(),
		LogOutputFormat: jsii.String("json"),
	}}
	ike, p1, p2 := jsii.Strings(p.Tunnels.IKEVersions...), p.Tunnels.Phase1.arguments(), p.Tunnels.Phase2.arguments()

	runbook := ""
	if p.AlarmRunbook != "" {
		runbook = " Runbook: " + p.AlarmRunbook
	}
	for _, cg := range p.CustomerGateways {
		gw := customergateway.NewCustomerGateway(c, jsii.String("customer-gateway-"+cg.Name), &customergateway.CustomerGatewayConfig{
			Type:      jsii.String("ipsec.1"),
			BgpAsn:    jsii.String(strconv.Itoa(cg.BGPASN)),
			IpAddress: jsii.String(cg.IPAddress),
			Tags:      name(p.Name + "-" + cg.Name),
		})
		conn := vpnconnection.NewVpnConnection(c, jsii.String("connection-"+cg.Name), &vpnconnection.VpnConnectionConfig{
			Type:              jsii.String("ipsec.1"),
			VpnGatewayId:      v.GatewayID,
			CustomerGatewayId: gw.Id(),
			StaticRoutesOnly:  jsii.Bool(p.StaticRoutesOnly),
			Tags:              name(p.Name + "-" + cg.Name),
			// Both tunnels the same: either may carry the traffic. The
			// provider has one set of arguments per tunnel, so each line
			// gives one option to both.
			Tunnel1IkeVersions: ike, Tunnel2IkeVersions: ike,
			Tunnel1Phase1EncryptionAlgorithms: p1.encryption, Tunnel2Phase1EncryptionAlgorithms: p1.encryption,
			Tunnel1Phase1IntegrityAlgorithms: p1.integrity, Tunnel2Phase1IntegrityAlgorithms: p1.integrity,
			Tunnel1Phase1DhGroupNumbers: p1.dhGroups, Tunnel2Phase1DhGroupNumbers: p1.dhGroups,
			Tunnel1Phase1LifetimeSeconds: p1.lifetime, Tunnel2Phase1LifetimeSeconds: p1.lifetime,
			Tunnel1Phase2EncryptionAlgorithms: p2.encryption, Tunnel2Phase2EncryptionAlgorithms: p2.encryption,
			Tunnel1Phase2IntegrityAlgorithms: p2.integrity, Tunnel2Phase2IntegrityAlgorithms: p2.integrity,
			Tunnel1Phase2DhGroupNumbers: p2.dhGroups, Tunnel2Phase2DhGroupNumbers: p2.dhGroups,
			Tunnel1Phase2LifetimeSeconds: p2.lifetime, Tunnel2Phase2LifetimeSeconds: p2.lifetime,
			Tunnel1LogOptions: logs,
			Tunnel2LogOptions: &vpnconnection.VpnConnectionTunnel2LogOptions{CloudwatchLogOptions: &vpnconnection.VpnConnectionTunnel2LogOptionsCloudwatchLogOptions{
				LogEnabled:      logs.CloudwatchLogOptions.LogEnabled,
				LogGroupArn:     logs.CloudwatchLogOptions.LogGroupArn,
				LogOutputFormat: logs.CloudwatchLogOptions.LogOutputFormat,
			}},
		})
		for _, cidr := range p.StaticRoutes {
			vpnconnectionroute.NewVpnConnectionRoute(c, jsii.String("static-route-"+cg.Name+"-"+idOf(cidr)), &vpnconnectionroute.VpnConnectionRouteConfig{
				VpnConnectionId:      conn.Id(),
				DestinationCidrBlock: jsii.String(cidr),
			})
		}
		alarmName := fmt.Sprintf("%s-vpn-%s-tunnel-down", p.Name, cg.Name)
		alarm := cloudwatchmetricalarm.NewCloudwatchMetricAlarm(c, jsii.String("tunnel-alarm-"+cg.Name), &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
			AlarmName: jsii.String(alarmName),
			AlarmDescription: jsii.String(fmt.Sprintf(
				"A tunnel of VPN connection %s-%s to %s has been down for 15 minutes: the site runs without redundancy (or is cut off if both are down).",
				p.Name, cg.Name, cg.IPAddress) + runbook),
			Namespace:  jsii.String("AWS/VPN"),
			MetricName: jsii.String("TunnelState"),
			// Per connection, TunnelState is the mean over its two tunnels:
			// 1 when both are up, 0.5 when one is down, 0 when both are.
			Dimensions: &map[string]*string{"VpnId": conn.Id()},
			// Maximum < 1 for three 5-minute periods: a tunnel stayed down
			// the whole time, not a flap or a short AWS maintenance.
			Statistic:          jsii.String("Maximum"),
			Period:             jsii.Number(300),
			EvaluationPeriods:  jsii.Number(3),
			DatapointsToAlarm:  jsii.Number(3),
			ComparisonOperator: jsii.String("LessThanThreshold"),
			Threshold:          jsii.Number(1),
			// AWS/VPN publishes TunnelState for as long as the connection
			// exists, up or down: silence means something is broken.
			TreatMissingData: jsii.String("breaching"),
			AlarmActions:     &[]*string{p.AlarmTopicARN},
			OkActions:        &[]*string{p.AlarmTopicARN},
		})
		v.Connections = append(v.Connections, &Connection{CustomerGateway: gw, Connection: conn, Alarm: alarm})
	}

	keys := slices.Sorted(maps.Keys(p.PropagateTo))
	for _, k := range keys {
		vpngatewayroutepropagation.NewVpnGatewayRoutePropagation(c, jsii.String("propagation-"+k), &vpngatewayroutepropagation.VpnGatewayRoutePropagationConfig{
			VpnGatewayId: v.GatewayID,
			RouteTableId: p.PropagateTo[k],
		})
	}
	return v
}

// newLogGroup creates the tunnels' log group and the resource policy that
// lets the log delivery service write to it (only for this account's
// VPN connections); without it AWS would add a broader policy itself.
func newLogGroup(c constructs.Construct, p *Props) cloudwatchloggroup.CloudwatchLogGroup {
	group := cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("tunnel-logs"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String(LogGroupName(p.Name)),
		RetentionInDays: jsii.Number(float64(p.LogRetentionDays)),
		KmsKeyId:        p.LogKey.ARN,
	})
	aws := awscontext.Of(c)
	account, partition := aws.AccountID(), aws.Partition()
	st := policy.Allow("VPNTunnelLogDelivery", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, jsii.String(*group.Arn()+":*"))
	st.Principals = []*dataawsiampolicydocument.DataAwsIamPolicyDocumentStatementPrincipals{{
		Type: jsii.String("Service"), Identifiers: jsii.Strings("delivery.logs.amazonaws.com"),
	}}
	st.Condition = []*policy.Condition{
		{Test: jsii.String("StringEquals"), Variable: jsii.String("aws:SourceAccount"), Values: &[]*string{account}},
		{Test: jsii.String("ArnLike"), Variable: jsii.String("aws:SourceArn"),
			Values: jsii.Strings(fmt.Sprintf("arn:%s:logs:%s:%s:*", *partition, p.Region, *account))},
	}
	doc := policy.NewDocument(c, "tunnel-logs-policy-document", st)
	cloudwatchlogresourcepolicy.NewCloudwatchLogResourcePolicy(c, jsii.String("tunnel-logs-policy"), &cloudwatchlogresourcepolicy.CloudwatchLogResourcePolicyConfig{
		PolicyName:     jsii.String(p.Name + "-vpn-tunnel-logs"),
		PolicyDocument: doc.Json(),
	})
	return group
}

// phaseArguments are a Phase as the provider's tunnel arguments take it.
type phaseArguments struct {
	encryption, integrity *[]*string
	dhGroups              *[]*float64
	lifetime              *float64
}

func (p Phase) arguments() phaseArguments {
	return phaseArguments{
		encryption: jsii.Strings(p.EncryptionAlgorithms...),
		integrity:  jsii.Strings(p.IntegrityAlgorithms...),
		dhGroups:   numbers(p.DHGroupNumbers),
		lifetime:   jsii.Number(float64(p.LifetimeSeconds)),
	}
}

func numbers(ns []int) *[]*float64 {
	out := make([]*float64, len(ns))
	for i, n := range ns {
		out[i] = jsii.Number(float64(n))
	}
	return &out
}

// idOf turns a CIDR into a construct id part: 172.16.0.0/16 → 172-16-0-0-16.
func idOf(cidr string) string {
	return strings.NewReplacer(".", "-", "/", "-").Replace(cidr)
}

func name(n string) *map[string]*string {
	return &map[string]*string{"Name": jsii.String(n)}
}

func (p *Props) validate() error {
	switch {
	case p == nil:
		return fmt.Errorf("props are required")
	case p.Name == "":
		return fmt.Errorf("Name is required")
	case p.VPCID == nil:
		return fmt.Errorf("VPCID is required")
	case p.AlarmTopicARN == nil:
		return fmt.Errorf("AlarmTopicARN is required: a VPN without tunnel alarms fails silently")
	case p.LogKey == nil:
		return fmt.Errorf("LogKey is required: tunnel logs are encrypted")
	case !awsrules.IsCloudWatchRetention(p.LogRetentionDays):
		return fmt.Errorf("LogRetentionDays %d is invalid: want one of %v", p.LogRetentionDays, awsrules.CloudWatchRetentionDays)
	case !awsrules.IsRegion(p.Region):
		return fmt.Errorf("Region %q is invalid: want an AWS region code such as us-east-1", p.Region)
	}
	if err := p.Tunnels.validate(); err != nil {
		return err
	}
	if a := p.AmazonSideASN; a != 0 && !awsrules.IsAmazonSideASN(a) {
		return fmt.Errorf("AmazonSideASN %d is invalid: want 0 or %s", a, awsrules.AmazonSideASNsText)
	}
	if len(p.CustomerGateways) < 2 {
		return fmt.Errorf("CustomerGateways: got %d, want at least 2 so that one router can fail", len(p.CustomerGateways))
	}
	var names, ips []string
	for i, cg := range p.CustomerGateways {
		if !awsrules.IsDNSLabel(cg.Name, 32) || slices.Contains(names, cg.Name) {
			return fmt.Errorf("CustomerGateways[%d].Name %q is invalid: want a unique DNS label of at most 32 characters", i, cg.Name)
		}
		names = append(names, cg.Name)
		if problem := awsrules.PublicIPv4Problem(cg.IPAddress); problem != "" {
			return fmt.Errorf("CustomerGateways[%d].IPAddress %q is invalid: want %s", i, cg.IPAddress, problem)
		}
		if slices.Contains(ips, cg.IPAddress) {
			return fmt.Errorf("CustomerGateways[%d].IPAddress %q is invalid: want an address no other customer gateway uses", i, cg.IPAddress)
		}
		ips = append(ips, cg.IPAddress)
		if !awsrules.IsCustomerASN(cg.BGPASN) {
			return fmt.Errorf("CustomerGateways[%d].BGPASN %d is invalid: want 1–2147483647 except the ASNs AWS reserves", i, cg.BGPASN)
		}
	}
	if p.StaticRoutesOnly && len(p.StaticRoutes) == 0 {
		return fmt.Errorf("StaticRoutes is empty: StaticRoutesOnly needs the on-premises networks to route")
	}
	if !p.StaticRoutesOnly && len(p.StaticRoutes) > 0 {
		return fmt.Errorf("StaticRoutes %v: set only with StaticRoutesOnly; BGP announces the networks", p.StaticRoutes)
	}
	for _, r := range p.StaticRoutes {
		if _, problem := awsrules.ParseIPv4Prefix(r); problem != "" {
			return fmt.Errorf("StaticRoutes: %q is invalid: want %s", r, problem)
		}
	}
	for k, id := range p.PropagateTo {
		if k == "" || id == nil {
			return fmt.Errorf("PropagateTo[%q]: want a non-empty key and a route table id", k)
		}
	}
	return nil
}

// validate checks the options against what AWS accepts.
func (t Tunnels) validate() error {
	if problem := awsrules.VPNChoicesProblem(t.IKEVersions, awsrules.VPNIKEVersions); problem != "" {
		return fmt.Errorf("Tunnels.IKEVersions %v is invalid: want %s", t.IKEVersions, problem)
	}
	for _, ph := range []struct {
		name   string
		phase  Phase
		groups []int
	}{{"Phase1", t.Phase1, awsrules.VPNPhase1DHGroups}, {"Phase2", t.Phase2, awsrules.VPNPhase2DHGroups}} {
		if problem := awsrules.VPNChoicesProblem(ph.phase.EncryptionAlgorithms, awsrules.VPNEncryptionAlgorithms); problem != "" {
			return fmt.Errorf("Tunnels.%s.EncryptionAlgorithms %v is invalid: want %s", ph.name, ph.phase.EncryptionAlgorithms, problem)
		}
		if problem := awsrules.VPNChoicesProblem(ph.phase.IntegrityAlgorithms, awsrules.VPNIntegrityAlgorithms); problem != "" {
			return fmt.Errorf("Tunnels.%s.IntegrityAlgorithms %v is invalid: want %s", ph.name, ph.phase.IntegrityAlgorithms, problem)
		}
		if problem := awsrules.VPNChoicesProblem(ph.phase.DHGroupNumbers, ph.groups); problem != "" {
			return fmt.Errorf("Tunnels.%s.DHGroupNumbers %v is invalid: want %s", ph.name, ph.phase.DHGroupNumbers, problem)
		}
	}
	if problem := awsrules.VPNLifetimesProblem(t.Phase1.LifetimeSeconds, t.Phase2.LifetimeSeconds); problem != "" {
		return fmt.Errorf("Tunnels lifetimes %d/%d are invalid: want %s", t.Phase1.LifetimeSeconds, t.Phase2.LifetimeSeconds, problem)
	}
	return nil
}
