package irsa

import (
	"cmp"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/serviceaccountv1"
)

// The service account annotations the EKS pod identity webhook reads.
const (
	// RoleARNAnnotation names the IAM role whose credentials a pod of the
	// service account gets.
	RoleARNAnnotation = "eks.amazonaws.com/role-arn"
	// RegionalSTSAnnotation makes the SDKs call the regional STS endpoint,
	// so the pod does not depend on the global one.
	RegionalSTSAnnotation = "eks.amazonaws.com/sts-regional-endpoints"
)

// ServiceAccountProps configures a ServiceAccount.
type ServiceAccountProps struct {
	// Role configures the IAM role; its Namespace and ServiceAccount name
	// the Kubernetes service account too. Required, but for Namespace,
	// whose default is kube-system, where platform controllers run.
	Role Props
	// Labels are the service account's labels. Default: none.
	Labels map[string]string
}

// ServiceAccount is a Kubernetes service account with its own IRSA role,
// the way platform controllers run (the AWS Load Balancer Controller,
// ExternalDNS): annotated with the role, through the regional STS
// endpoint, and with the Kubernetes API token mounted (the Kubernetes
// default), since controllers call the Kubernetes API. Tenant
// applications' accounts, which do not mount the token, are
// namespace.AddServiceAccount's.
type ServiceAccount struct {
	Role           *Role
	ServiceAccount serviceaccountv1.ServiceAccountV1
}

// NewServiceAccount creates the role and the service account in scope, the
// controller's construct, under the ids "irsa" and "service-account",
// which are part of their Terraform addresses. The stack must configure
// the kubernetes provider.
func NewServiceAccount(scope constructs.Construct, p *ServiceAccountProps) *ServiceAccount {
	if p == nil {
		panic("irsa.NewServiceAccount: props are required")
	}
	rp := p.Role
	rp.Namespace = cmp.Or(rp.Namespace, "kube-system")
	role := New(scope, "irsa", &rp)
	md := &serviceaccountv1.ServiceAccountV1Metadata{
		Name:      jsii.String(rp.ServiceAccount),
		Namespace: jsii.String(rp.Namespace),
		Annotations: &map[string]*string{
			RoleARNAnnotation:     role.ARN,
			RegionalSTSAnnotation: jsii.String("true"),
		},
	}
	if len(p.Labels) > 0 {
		labels := map[string]*string{}
		for k, v := range p.Labels {
			labels[k] = jsii.String(v)
		}
		md.Labels = &labels
	}
	account := serviceaccountv1.NewServiceAccountV1(scope, jsii.String("service-account"), &serviceaccountv1.ServiceAccountV1Config{Metadata: md})
	return &ServiceAccount{Role: role, ServiceAccount: account}
}
