package clients

import (
	"fmt"

	"stratum/config"
)

// The names a client's resources get in AWS and Kubernetes. They are part
// of the public contract (IAM policies, dashboards and runbooks refer to
// them), so they are built here and nowhere else.

// NodesName is reserved for the client's node group and its IAM role; an
// application may not use it.
const NodesName = "nodes"

// Prefix is the start of every AWS name of the client's resources in env:
// stratum-<env>-<client>.
func (c Client) Prefix(env string) string {
	return fmt.Sprintf("%s-%s-%s", config.Project, env, c.Name)
}

// BucketName is the S3 name of the client's bucket in env:
// stratum-<env>-<client>-<bucket>.
func (c Client) BucketName(env, bucket string) string {
	return c.Prefix(env) + "-" + bucket
}

// RoleName is the IAM role of the client's application in env:
// stratum-<env>-<client>-<app>.
func (c Client) RoleName(env, app string) string {
	return c.Prefix(env) + "-" + app
}

// Namespace is the client's Kubernetes namespace: its name.
func (c Client) Namespace() string { return c.Name }
