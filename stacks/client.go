package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/backupselection"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccessentry"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/clients"
	"stratum/config"
	"stratum/constructs/bucket"
	"stratum/constructs/irsa"
	"stratum/constructs/kms"
	"stratum/constructs/lbcontroller"
	"stratum/constructs/namespace"
	"stratum/constructs/nodegroup"
	"stratum/constructs/postgres"
	"stratum/contract"
)

// ClientNodeKey is the label and NoSchedule taint key of every client node
// group; its value is the client's name. A client's pods select their
// nodes with it and tolerate its taint; no other pod lands there.
const ClientNodeKey = "stratum.io/client"

// NewClient builds client-<name>-<env>: everything one client owns in one
// environment, isolated from every other client — its node group, its
// buckets and their key, its namespace and service accounts, the IRSA
// roles of its applications, the one rule that lets its nodes reach its
// own database, the backup selection of its buckets and its configuration
// in SSM. It reads the platform and its database only through SSM.
func NewClient(scope constructs.Construct, t clients.Tenancy) *Stack {
	env, c, names := t.Env, t.Client, t.Names
	s := newStack(scope, stackProps{
		Layer:  contract.Client,
		Env:    env,
		Client: c.Name,
		Tags:   map[string]string{"CostCentre": c.CostCentre},
	})
	plan, err := env.Network.SubnetPlan()
	if err != nil {
		// config.Validate accepted the CIDR; this is a bug.
		panic(fmt.Sprintf("%s: subnet plan: %v", s.Name, err))
	}
	at := s.ClientAt(c.Name)

	store := newClientBuckets(s, t)
	nodes := newClientNodes(s, t)
	newClientAlerts(s, t, nodes.group)

	// The only way into the client's database: from the client's own
	// nodes. The database security group has no other source (its
	// database stack adds none), so no other client's nodes reach it.
	vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(s.TF, jsii.String("database-from-nodes"), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
		SecurityGroupId:           contract.DatabaseSecurityGroupID.Import(s.Contract, at),
		ReferencedSecurityGroupId: nodes.securityGroup.Id(),
		IpProtocol:                jsii.String("tcp"),
		FromPort:                  jsii.Number(postgres.Port),
		ToPort:                    jsii.Number(postgres.Port),
		Description:               jsii.String(fmt.Sprintf("PostgreSQL from the nodes of client %s", c.Name)),
	})

	if len(store.buckets) > 0 {
		backupselection.NewBackupSelection(s.TF, jsii.String("backup-selection"), &backupselection.BackupSelectionConfig{
			Name:       jsii.String(names.BucketBackupSelection),
			PlanId:     contract.BackupPlanID.Import(s.Contract, s.At()),
			IamRoleArn: contract.BackupRoleARN.Import(s.Contract, s.At()),
			Resources:  store.arns(),
		})
	}

	s.kubernetesProvider()
	ns := namespace.New(s.TF, "namespace", &namespace.Props{
		Name:         names.Namespace,
		Labels:       map[string]string{ClientNodeKey: c.Name},
		NodeSelector: map[string]string{ClientNodeKey: c.Name},
		NodeTaints:   []nodegroup.Taint{ClientTaint(c)},
		// The names its Ingresses and Services may claim (ExternalDNS
		// publishes every namespace's in the environment's zone), the
		// IngressGroups it may join, and who makes its target group
		// bindings: nobody but the load balancer controller.
		Domain:                 t.Domain,
		LoadBalancerController: lbcontroller.DefaultUser,
		Quota:                  namespaceQuota(t.Quota),
		Ingress:                applicationIngress(c, plan),
		Egress: []namespace.Egress{
			{
				// The database's own security group decides which
				// database a pod reaches; see database-from-nodes.
				Name:  "database",
				CIDRs: cidrs(plan.Database),
				Ports: []int{postgres.Port},
			},
			{
				// AWS APIs (S3, STS for IRSA, Secrets Manager) and other
				// HTTPS services through the NAT gateways; nothing in the
				// VPC, so other clients' pods stay closed, and nothing on
				// premises unless a change opens it deliberately.
				Name:   "https-outside-vpc",
				CIDRs:  []string{"0.0.0.0/0"},
				Except: outsideVPC(env),
				Ports:  []int{443},
			},
		},
	})
	roles := newApplicationRoles(s, t, ns, store)

	contract.ClientNamespace.Export(s.Contract, at, ns.Name)
	contract.ClientDomain.Export(s.Contract, at, jsii.String(t.Domain))
	contract.ClientNodeGroupName.Export(s.Contract, at, nodes.group.NodeGroup.NodeGroupName())
	contract.ClientNodeRoleARN.Export(s.Contract, at, nodes.role.ARN)
	contract.ClientNodeSecurityGroupID.Export(s.Contract, at, nodes.securityGroup.Id())
	contract.ClientNodeSelector.Export(s.Contract, at, jsii.String(ClientNodeKey+"="+c.Name))
	if store.key != nil {
		contract.ClientBucketKMSKeyARN.Export(s.Contract, at, store.key.ARN)
	}
	contract.ClientBuckets.Export(s.Contract, at, jsonString(store.names()))
	contract.ClientApplications.Export(s.Contract, at, jsonString(roles))
	return s
}

// clientBuckets are a client's buckets and the key encrypting them.
type clientBuckets struct {
	// key is nil when the client has no bucket.
	key *kms.Key
	// buckets by the client's bucket name (media, reports, …).
	buckets map[string]*bucket.Bucket
	order   []string
}

// newClientBuckets creates the client's key (only its buckets use it) and
// its buckets, stratum-<env>-<client>-<bucket>.
func newClientBuckets(s *Stack, t clients.Tenancy) *clientBuckets {
	c, names := t.Client, t.Names
	out := &clientBuckets{buckets: map[string]*bucket.Bucket{}}
	if len(c.Buckets) == 0 {
		return out
	}
	out.key = kms.NewKey(s.TF, "bucket-"+clients.KeyName, &kms.KeyProps{
		Alias:       names.BucketKeyAlias,
		Description: fmt.Sprintf("S3 buckets of client %s in %s", c.Name, s.Env.Name),
		Region:      s.Env.Region,
	})
	// Every client bucket logs its requests to the environment's access
	// log bucket (bootstrap-<env>'s).
	logs := &bucket.AccessLogs{Bucket: contract.AccessLogBucket.Import(s.Contract, s.At())}
	for _, b := range c.Buckets {
		var transitions []bucket.Transition
		for _, t := range b.Lifecycle.Transitions {
			transitions = append(transitions, bucket.Transition{Days: t.Days, StorageClass: t.StorageClass})
		}
		out.buckets[b.Name] = bucket.New(s.TF, "bucket-"+b.Name, &bucket.Props{
			Name: names.Bucket(b.Name),
			Key:  out.key,
			Lifecycle: bucket.Lifecycle{
				Transitions:                     transitions,
				ExpirationDays:                  b.Lifecycle.ExpirationDays,
				NoncurrentVersionExpirationDays: b.Lifecycle.NoncurrentVersionExpirationDays,
				AbortIncompleteUploadDays:       b.Lifecycle.AbortIncompleteUploadDays,
			},
			AccessLogs: logs,
		})
		out.order = append(out.order, b.Name)
	}
	return out
}

func (b *clientBuckets) arns() *[]*string {
	var out []*string
	for _, name := range b.order {
		out = append(out, b.buckets[name].ARN)
	}
	return &out
}

func (b *clientBuckets) names() map[string]*string {
	out := map[string]*string{}
	for name, bk := range b.buckets {
		out[name] = bk.Name
	}
	return out
}

// clientNodes are the client's node group, its nodes' role and the
// security group that identifies its nodes.
type clientNodes struct {
	group         *nodegroup.NodeGroup
	role          *nodegroup.NodeRole
	securityGroup securitygroup.SecurityGroup
}

// newClientNodes creates the client's node group in the private subnets,
// labelled and tainted with the client's name, with its own node role.
// Its nodes carry three security groups: the cluster's (node ↔ control
// plane, and the one the load balancer controller adds target rules to),
// the shared node group of every node (node ↔ node, load balancers ↔
// nodes), and the client's own, which has no rule at all: it only names
// the client's nodes as a source, for its database.
func newClientNodes(s *Stack, t clients.Tenancy) *clientNodes {
	c, names := t.Client, t.Names
	at := s.At()
	clusterName := contract.ClusterName.Import(s.Contract, at)
	sg := securitygroup.NewSecurityGroup(s.TF, jsii.String("node-security-group"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(names.NodeSecurityGroup),
		Description: jsii.String(fmt.Sprintf("Nodes of client %s; its database admits this group only", c.Name)),
		VpcId:       contract.VPCID.Import(s.Contract, at),
		Tags:        &map[string]*string{"Name": jsii.String(names.NodeSecurityGroup)},
	})
	role := nodegroup.NewNodeRole(s.TF, "node-role", &nodegroup.NodeRoleProps{Name: names.NodeRole})
	// EKS would create this entry itself with the node group, but would
	// leave it behind when the group is deleted; a later role of the same
	// name (the client onboarded again) would then inherit a dead entry and
	// its nodes could not join. Created first, it is ours to delete.
	entry := eksaccessentry.NewEksAccessEntry(s.TF, jsii.String("node-access-entry"), &eksaccessentry.EksAccessEntryConfig{
		ClusterName:  clusterName,
		PrincipalArn: role.ARN,
		Type:         jsii.String("EC2_LINUX"),
	})
	size := t.Nodes
	group := nodegroup.New(s.TF, "node-group", &nodegroup.Props{
		ClusterName: clusterName,
		Name:        names.NodeGroup,
		NodeRoleARN: role.ARN,
		SubnetIDs:   contract.PrivateSubnetIDs.Import(s.Contract, at),
		SecurityGroupIDs: []*string{
			contract.ClusterSecurityGroupID.Import(s.Contract, at),
			contract.NodeSecurityGroupID.Import(s.Contract, at),
			sg.Id(),
		},
		InstanceTypes:     size.InstanceTypes,
		MinSize:           size.MinSize,
		DesiredSize:       size.DesiredSize,
		MaxSize:           size.MaxSize,
		DiskSizeGiB:       size.DiskSizeGiB,
		VolumeKey:         kms.FromARN(contract.VolumeKMSKeyARN.Import(s.Contract, at), s.Env.Region),
		KubernetesVersion: contract.ClusterVersion.Import(s.Contract, at),
		Labels:            map[string]string{nodegroup.PoolLabel: c.Name, ClientNodeKey: c.Name},
		Taints:            []nodegroup.Taint{ClientTaint(c)},
		// EC2 bills the client's instances and volumes: tag them for it.
		Tags: map[string]string{
			"Project": config.Project, "Environment": s.Env.Name,
			"Client": c.Name, "CostCentre": c.CostCentre,
		},
		// Nodes join through the access entry; the role keeps its
		// policies until the group is gone.
		DependsOn: append([]cdktf.ITerraformDependable{entry}, role.Attachments...),
	})
	return &clientNodes{group: group, role: role, securityGroup: sg}
}

// ClientTaint keeps every pod but the client's off its nodes.
func ClientTaint(c clients.Client) nodegroup.Taint {
	return nodegroup.Taint{Key: ClientNodeKey, Value: c.Name, Effect: nodegroup.NoSchedule}
}

// application is what the client's configuration says about one of its
// applications.
type application struct {
	ServiceAccount string  `json:"service_account"`
	RoleARN        *string `json:"role_arn"`
	// DatabaseUser is the user the application connects to the client's
	// database as (with an IAM authentication token), for applications
	// with Database.
	DatabaseUser string `json:"database_user,omitempty"`
}

// newApplicationRoles gives each application a service account in the
// client's namespace and an IRSA role trusted by that service account
// only, with exactly the access the application declares: its buckets
// and their key grant it read or read-write access (through S3 only),
// and the client's database lets it connect as its own database user by
// IAM authentication (rds-db:connect on that user only). No role reads
// the database's master secret. Nothing else.
func newApplicationRoles(s *Stack, t clients.Tenancy, ns *namespace.Namespace, store *clientBuckets) map[string]application {
	c, names := t.Client, t.Names
	providerARN := contract.OIDCProviderARN.Import(s.Contract, s.At())
	issuer := contract.OIDCIssuer.Import(s.Contract, s.At())
	var db *postgres.IAMAuth
	out := map[string]application{}
	for _, app := range c.Applications {
		if app.Database && db == nil {
			db = &postgres.IAMAuth{
				Partition:  awsrules.Partition(s.Env.Region),
				Region:     s.Env.Region,
				Account:    s.Env.AccountID,
				ResourceID: contract.DatabaseResourceID.Import(s.Contract, s.ClientAt(c.Name)),
			}
		}
		role := irsa.New(s.TF, "app-"+app.Name, &irsa.Props{
			OIDCProviderARN: providerARN,
			OIDCIssuer:      issuer,
			Namespace:       names.Namespace,
			ServiceAccount:  app.Name,
			RoleName:        names.Role(app.Name),
		})
		// Sorted, so the statements name the buckets in a stable order.
		for _, name := range slices.Sorted(maps.Keys(app.Buckets)) {
			if app.Buckets[name] == clients.ReadWrite {
				store.buckets[name].GrantReadWrite(role)
			} else {
				store.buckets[name].GrantRead(role)
			}
		}
		a := application{ServiceAccount: app.Name, RoleARN: role.ARN}
		if app.Database {
			a.DatabaseUser = names.DatabaseUser(app.Name)
			db.GrantConnect(role, a.DatabaseUser)
		}
		ns.AddServiceAccount(app.Name, role.ARN)
		out[app.Name] = a
	}
	return out
}

// applicationIngress admits the load balancers (IP targets, in the public
// subnets) to the port of each application that declares one.
func applicationIngress(c clients.Client, plan config.Subnets) []namespace.Ingress {
	var out []namespace.Ingress
	for _, app := range c.Applications {
		if app.Port == 0 {
			continue
		}
		out = append(out, namespace.Ingress{
			Name:  app.Name + "-from-load-balancers",
			App:   app.Name,
			Port:  app.Port,
			CIDRs: cidrs(plan.Public),
		})
	}
	return out
}

// outsideVPC are the private ranges the HTTPS egress rule keeps closed:
// the VPC and, where the VPN is on, the on-premises networks.
func outsideVPC(env config.Environment) []string {
	out := []string{env.Network.CIDR}
	if env.VPN.Enabled {
		out = append(out, env.VPN.OnPremisesCIDRs...)
	}
	return out
}

func namespaceQuota(q clients.Quota) namespace.Quota {
	return namespace.Quota{Pods: q.Pods, CPU: q.CPU, Memory: q.Memory, StorageGiB: q.StorageGiB, LoadBalancers: q.LoadBalancers}
}

// jsonString encodes v (map keys sorted, so the output is stable); token
// strings inside it become Terraform interpolations.
func jsonString(v any) *string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return jsii.String(string(b))
}
