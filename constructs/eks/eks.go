// Package eks provides an EKS control plane secured by default: private
// API endpoint (public access off unless CIDRs are given), Kubernetes
// secrets encrypted with a customer-managed KMS key, every control-plane
// log type in a KMS-encrypted log group with retention, API-only
// authentication through access entries, and the IAM OIDC provider that
// IRSA roles (package irsa) trust.
package eks

import (
	"fmt"
	"regexp"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchloggroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccessentry"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/eksaccesspolicyassociation"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ekscluster"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamopenidconnectprovider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrole"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicy"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/iamrolepolicyattachment"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/securitygroup"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/vpcsecuritygroupingressrule"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/awsrules"
	"stratum/constructs/awscontext"
	"stratum/constructs/kms"
	"stratum/constructs/policy"
)

// LogTypes are every control-plane log type EKS can send to CloudWatch.
var LogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// ClusterAdminPolicy is the EKS access policy granting cluster-admin.
const ClusterAdminPolicy = "AmazonEKSClusterAdminPolicy"

// ViewPolicy is the EKS access policy granting read access to most
// resources, Secrets excluded (Kubernetes' view role).
const ViewPolicy = "AmazonEKSViewPolicy"

// AdminViewPolicy is the EKS access policy granting read access to every
// Kubernetes resource, Secrets included: a Terraform plan of Helm releases
// reads them (Helm keeps its releases in Secrets).
const AdminViewPolicy = "AmazonEKSAdminViewPolicy"

var (
	clusterName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	entryID     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// Props configures a Cluster.
type Props struct {
	// Name is the cluster name (1–100 letters, digits, - and _). Required.
	Name string
	// Version is a Kubernetes minor version in EKS standard support
	// (awsrules.KubernetesSupport), e.g. "1.35". Required.
	Version string
	// SubnetIDs are the private subnets the control plane places its
	// network interfaces in, at least two zones. Required.
	SubnetIDs *[]*string
	// VPCID is the VPC of SubnetIDs. Required.
	VPCID *string
	// EndpointSources may reach the private API endpoint on 443 (nodes
	// always can, through the cluster security group). Default: none.
	EndpointSources []EndpointSource
	// PublicAccessCIDRs, when non-empty, turns the public endpoint on for
	// these public ranges only (awsrules.PublicAccessCIDRProblem: 0.0.0.0/0
	// is refused). Default: empty (no public endpoint).
	PublicAccessCIDRs []string
	// Admins get cluster-admin (AmazonEKSClusterAdminPolicy, cluster
	// scope) through access entries. Default: none. With no admins and no
	// other access entries nobody can use the Kubernetes API.
	Admins []Admin
	// Viewers get read-only access to every resource but Secrets
	// (AmazonEKSViewPolicy, cluster scope), e.g. the CI roles that plan
	// the in-cluster stacks, and to the Secrets of their
	// SecretNamespaces only. Default: none.
	Viewers []Admin
	// LogRetentionDays is how long control-plane logs are kept; a value
	// CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, …, 3653). Required.
	LogRetentionDays int
}

// EndpointSource is a network allowed to reach the private API endpoint.
type EndpointSource struct {
	// Name identifies the rule in its Terraform address (e.g. "vpc").
	Name string
	// CIDR is an IPv4 range; may be a token.
	CIDR *string
}

// Admin is an IAM principal given cluster-admin.
type Admin struct {
	// ID names the access entry in its Terraform address (a lowercase
	// label, e.g. "deployer" or the role's name). Stable ids keep other
	// entries untouched when one is removed.
	ID string
	// PrincipalARN is the IAM role (or user) ARN; may be a token.
	PrincipalARN *string
	// SecretNamespaces (viewers only) are the namespaces whose Secrets
	// the viewer may read too (AmazonEKSAdminViewPolicy scoped to them),
	// e.g. where Helm keeps its release records. Default: none.
	SecretNamespaces []string
}

// Cluster is the EKS control plane and its identity provider.
type Cluster struct {
	Cluster ekscluster.EksCluster
	// Name, Endpoint, CAData (base64) and Version of the cluster.
	Name, Endpoint, CAData, Version *string
	// SecurityGroupID is the security group EKS creates for the cluster;
	// it lets every member talk to every other and to the control plane.
	SecurityGroupID *string
	// OIDCProviderARN and OIDCIssuer (without https://) are what IRSA
	// roles trust (see package irsa).
	OIDCProviderARN, OIDCIssuer *string
	// SecretsKey encrypts Kubernetes secrets; LogsKey the log group.
	SecretsKey, LogsKey *kms.Key
	LogGroup            cloudwatchloggroup.CloudwatchLogGroup
	Role                iamrole.IamRole
}

// New creates the cluster with its role, keys, log group, endpoint
// security group, access entries and OIDC provider.
func New(scope constructs.Construct, id string, p *Props) *Cluster {
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("eks.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	aws := awscontext.Of(c)
	partition, region := aws.Partition(), aws.Region()

	secretsKey := kms.NewKey(c, "secrets-key", &kms.KeyProps{
		Alias:       p.Name + "-eks-secrets",
		Description: "Envelope encryption of Kubernetes secrets in EKS cluster " + p.Name,
	})
	logsKey := kms.NewKey(c, "logs-key", &kms.KeyProps{
		Alias:             p.Name + "-eks-logs",
		Description:       "Control-plane logs of EKS cluster " + p.Name,
		ServicePrincipals: []string{awsrules.ServiceEndpoint("logs", *region)},
	})
	// EKS writes to /aws/eks/<name>/cluster and would create that group
	// itself, unencrypted and kept forever, if it did not exist first.
	logGroup := cloudwatchloggroup.NewCloudwatchLogGroup(c, jsii.String("log-group"), &cloudwatchloggroup.CloudwatchLogGroupConfig{
		Name:            jsii.String("/aws/eks/" + p.Name + "/cluster"),
		RetentionInDays: jsii.Number(float64(p.LogRetentionDays)),
		KmsKeyId:        logsKey.ARN,
	})

	role := clusterRole(c, p.Name, *partition, secretsKey)

	vpc := &ekscluster.EksClusterVpcConfig{
		SubnetIds:             p.SubnetIDs,
		EndpointPrivateAccess: jsii.Bool(true),
		EndpointPublicAccess:  jsii.Bool(len(p.PublicAccessCIDRs) > 0),
	}
	if len(p.PublicAccessCIDRs) > 0 {
		vpc.PublicAccessCidrs = jsii.Strings(p.PublicAccessCIDRs...)
	}
	if len(p.EndpointSources) > 0 {
		vpc.SecurityGroupIds = &[]*string{endpointSecurityGroup(c, p).Id()}
	}
	cluster := ekscluster.NewEksCluster(c, jsii.String("cluster"), &ekscluster.EksClusterConfig{
		Name:      jsii.String(p.Name),
		Version:   jsii.String(p.Version),
		RoleArn:   role.role.Arn(),
		VpcConfig: vpc,
		AccessConfig: &ekscluster.EksClusterAccessConfig{
			// Access entries only: no aws-auth ConfigMap, and no invisible
			// admin for whoever happened to create the cluster.
			AuthenticationMode:                      jsii.String("API"),
			BootstrapClusterCreatorAdminPermissions: jsii.Bool(false),
		},
		// Every add-on is an EKS managed add-on (see NewAddon), so EKS must
		// not install its unmanaged copies of vpc-cni, kube-proxy, coredns.
		BootstrapSelfManagedAddons: jsii.Bool(false),
		EnabledClusterLogTypes:     jsii.Strings(LogTypes...),
		EncryptionConfig: &ekscluster.EksClusterEncryptionConfig{
			Resources: jsii.Strings("secrets"),
			Provider:  &ekscluster.EksClusterEncryptionConfigProvider{KeyArn: secretsKey.ARN},
		},
		// STANDARD: when the version leaves standard support EKS upgrades
		// the cluster instead of silently billing extended support.
		UpgradePolicy: &ekscluster.EksClusterUpgradePolicy{SupportType: jsii.String("STANDARD")},
		// The log group must exist before EKS first logs; the role's
		// policies must stay until the cluster is gone.
		DependsOn: &[]cdktf.ITerraformDependable{logGroup, role.managed, role.kms},
	})

	issuerURL := cluster.Identity().Get(jsii.Number(0)).Oidc().Get(jsii.Number(0)).Issuer()
	// No thumbprint_list: IAM verifies the EKS issuer's certificate
	// against its own trusted CAs, and provider 5.x lets it be omitted.
	oidc := iamopenidconnectprovider.NewIamOpenidConnectProvider(c, jsii.String("oidc-provider"), &iamopenidconnectprovider.IamOpenidConnectProviderConfig{
		Url:          issuerURL,
		ClientIdList: jsii.Strings(awsrules.IRSAAudience),
	})

	// Admins and viewers differ only in their access policy: one STANDARD
	// access entry each, with that policy at cluster scope.
	for _, level := range []struct {
		// The entry's construct id is entry+ID, its policy association's
		// entry+ID+association (public addresses: keep them).
		entry, association string
		policy             string
		principals         []Admin
	}{
		{"admin-", "-cluster-admin", ClusterAdminPolicy, p.Admins},
		{"viewer-", "-view", ViewPolicy, p.Viewers},
	} {
		for _, a := range level.principals {
			entry := eksaccessentry.NewEksAccessEntry(c, jsii.String(level.entry+a.ID), &eksaccessentry.EksAccessEntryConfig{
				ClusterName:  cluster.Name(),
				PrincipalArn: a.PrincipalARN,
				Type:         jsii.String("STANDARD"),
			})
			eksaccesspolicyassociation.NewEksAccessPolicyAssociation(c, jsii.String(level.entry+a.ID+level.association), &eksaccesspolicyassociation.EksAccessPolicyAssociationConfig{
				ClusterName:  cluster.Name(),
				PrincipalArn: entry.PrincipalArn(),
				PolicyArn:    jsii.String(fmt.Sprintf("arn:%s:eks::aws:cluster-access-policy/%s", *partition, level.policy)),
				AccessScope:  &eksaccesspolicyassociation.EksAccessPolicyAssociationAccessScope{Type: jsii.String("cluster")},
			})
			if len(a.SecretNamespaces) > 0 {
				eksaccesspolicyassociation.NewEksAccessPolicyAssociation(c, jsii.String(level.entry+a.ID+"-secrets"), &eksaccesspolicyassociation.EksAccessPolicyAssociationConfig{
					ClusterName:  cluster.Name(),
					PrincipalArn: entry.PrincipalArn(),
					PolicyArn:    jsii.String(fmt.Sprintf("arn:%s:eks::aws:cluster-access-policy/%s", *partition, AdminViewPolicy)),
					AccessScope: &eksaccesspolicyassociation.EksAccessPolicyAssociationAccessScope{
						Type: jsii.String("namespace"), Namespaces: jsii.Strings(a.SecretNamespaces...),
					},
				})
			}
		}
	}

	return &Cluster{
		Cluster:         cluster,
		Name:            cluster.Name(),
		Endpoint:        cluster.Endpoint(),
		CAData:          cluster.CertificateAuthority().Get(jsii.Number(0)).Data(),
		Version:         cluster.Version(),
		SecurityGroupID: cluster.VpcConfig().ClusterSecurityGroupId(),
		OIDCProviderARN: oidc.Arn(),
		OIDCIssuer:      cdktf.Fn_Replace(issuerURL, jsii.String("https://"), jsii.String("")),
		SecretsKey:      secretsKey,
		LogsKey:         logsKey,
		LogGroup:        logGroup,
		Role:            role.role,
	}
}

type role struct {
	role    iamrole.IamRole
	managed iamrolepolicyattachment.IamRolePolicyAttachment
	kms     iamrolepolicy.IamRolePolicy
}

// clusterRole is the role EKS assumes: AmazonEKSClusterPolicy only (the
// VPC resource controller policy is needed only for security groups per
// pod, which Stratum does not use) and the use of the secrets key.
func clusterRole(scope constructs.Construct, name, partition string, key *kms.Key) role {
	trust := policy.NewDocument(scope, "role-trust", policy.TrustService("", "eks.amazonaws.com"))
	r := iamrole.NewIamRole(scope, jsii.String("role"), &iamrole.IamRoleConfig{
		Name:             jsii.String(name + "-cluster"),
		Description:      jsii.String("EKS control plane of " + name),
		AssumeRolePolicy: trust.Json(),
	})
	managed := iamrolepolicyattachment.NewIamRolePolicyAttachment(scope, jsii.String("role-cluster-policy"), &iamrolepolicyattachment.IamRolePolicyAttachmentConfig{
		Role:      r.Name(),
		PolicyArn: jsii.String(awsrules.ManagedPolicyARN(partition, "AmazonEKSClusterPolicy")),
	})
	// The key policy delegates to IAM; EKS needs these calls on the key to
	// encrypt secrets (AWS EKS user guide, "Encrypt Kubernetes secrets").
	doc := policy.NewDocument(scope, "role-secrets-key",
		policy.Allow("", []string{"kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"}, key.ARN))
	inline := iamrolepolicy.NewIamRolePolicy(scope, jsii.String("role-secrets-key-policy"), &iamrolepolicy.IamRolePolicyConfig{
		Name:   jsii.String("secrets-key"),
		Role:   r.Id(),
		Policy: doc.Json(),
	})
	return role{role: r, managed: managed, kms: inline}
}

// endpointSecurityGroup is attached to the control plane's interfaces and
// lets EndpointSources reach the API on 443. It has no egress rule: the
// cluster security group EKS creates carries the control plane's egress.
func endpointSecurityGroup(scope constructs.Construct, p *Props) securitygroup.SecurityGroup {
	sg := securitygroup.NewSecurityGroup(scope, jsii.String("endpoint-sg"), &securitygroup.SecurityGroupConfig{
		Name:        jsii.String(p.Name + "-api-endpoint"),
		Description: jsii.String("Who may reach the private Kubernetes API endpoint of " + p.Name),
		VpcId:       p.VPCID,
		Tags:        &map[string]*string{"Name": jsii.String(p.Name + "-api-endpoint")},
	})
	for _, src := range p.EndpointSources {
		vpcsecuritygroupingressrule.NewVpcSecurityGroupIngressRule(scope, jsii.String("endpoint-from-"+src.Name), &vpcsecuritygroupingressrule.VpcSecurityGroupIngressRuleConfig{
			SecurityGroupId: sg.Id(),
			Description:     jsii.String("Kubernetes API from " + src.Name),
			IpProtocol:      jsii.String("tcp"),
			FromPort:        jsii.Number(443),
			ToPort:          jsii.Number(443),
			CidrIpv4:        src.CIDR,
		})
	}
	return sg
}

func (p *Props) validate() error {
	if p == nil {
		return fmt.Errorf("props are required")
	}
	if !clusterName.MatchString(p.Name) {
		return fmt.Errorf("Name %q is invalid: want 1 to 100 letters, digits, '-' or '_', starting with a letter or digit", p.Name)
	}
	if !awsrules.IsKubernetesVersion(p.Version) {
		return fmt.Errorf("Version %q is invalid: want a Kubernetes minor version in EKS standard support (%s): one of %v",
			p.Version, awsrules.KubernetesVersionsAsOf(), awsrules.KubernetesSupport.List())
	}
	if p.SubnetIDs == nil || p.VPCID == nil {
		return fmt.Errorf("SubnetIDs and VPCID are required")
	}
	if !awsrules.IsCloudWatchRetention(p.LogRetentionDays) {
		return fmt.Errorf("LogRetentionDays %d is invalid: want one of %v", p.LogRetentionDays, awsrules.CloudWatchRetentionDays)
	}
	for i, cidr := range p.PublicAccessCIDRs {
		if problem := awsrules.PublicAccessCIDRProblem(cidr); problem != "" {
			return fmt.Errorf("PublicAccessCIDRs[%d] %q is invalid: want %s", i, cidr, problem)
		}
	}
	seen := map[string]bool{}
	for _, s := range p.EndpointSources {
		if !entryID.MatchString(s.Name) || seen["src/"+s.Name] || s.CIDR == nil {
			return fmt.Errorf("EndpointSources: %q: want a unique lowercase name and a CIDR", s.Name)
		}
		seen["src/"+s.Name] = true
		if !*cdktf.Token_IsUnresolved(s.CIDR) {
			if pfx, problem := awsrules.ParseIPv4Prefix(*s.CIDR); problem != "" || pfx.Bits() == 0 {
				return fmt.Errorf("EndpointSources %q: CIDR %q is invalid: want an IPv4 range narrower than 0.0.0.0/0", s.Name, *s.CIDR)
			}
		}
	}
	for _, g := range []struct {
		kind, field string
		entries     []Admin
	}{{"admin", "Admins", p.Admins}, {"viewer", "Viewers", p.Viewers}} {
		for _, a := range g.entries {
			if !entryID.MatchString(a.ID) || seen[g.kind+"/"+a.ID] || a.PrincipalARN == nil {
				return fmt.Errorf("%s: ID %q: want a unique lowercase label and a PrincipalARN", g.field, a.ID)
			}
			seen[g.kind+"/"+a.ID] = true
			if _, ok := awsrules.ParseIAMPrincipalARN(*a.PrincipalARN); !*cdktf.Token_IsUnresolved(a.PrincipalARN) && !ok {
				return fmt.Errorf("%s %q: PrincipalARN %q is invalid: want arn:aws:iam::<account>:role/<name> or :user/<name>", g.field, a.ID, *a.PrincipalARN)
			}
		}
	}
	return nil
}
