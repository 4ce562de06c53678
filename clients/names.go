package clients

import (
	"strings"

	"stratum/config"
)

// NodesName is reserved for the client's node group and its IAM role; an
// application may not use it.
const NodesName = "nodes"

// KeyName is reserved for the key of the client's buckets: in the client
// stack, bucket <name> is the construct bucket-<name> and the key is
// bucket-key, so no bucket may be called key.
const KeyName = "key"

// Names are the names a client's resources get in AWS and Kubernetes in
// one environment. They are part of the public contract (IAM policies,
// dashboards and runbooks refer to them), so they are built here and
// nowhere else: the stacks create resources under these names, and
// Validate checks these names against each service's limits.
type Names struct {
	// Prefix starts every AWS name of the client's resources:
	// stratum-<env>-<client>.
	Prefix string
	// Namespace is the client's Kubernetes namespace: its name.
	Namespace string
	// NodeGroup names the client's EKS managed node group and its launch
	// template: the prefix.
	NodeGroup string
	// NodeRole is the IAM role of the client's nodes and NodeSecurityGroup
	// the security group that names them as a source: <prefix>-nodes.
	NodeRole, NodeSecurityGroup string
	// BucketKeyAlias is the alias (without "alias/") of the key encrypting
	// the client's buckets, and BucketBackupSelection the AWS Backup
	// selection of its buckets: <prefix>-buckets.
	BucketKeyAlias, BucketBackupSelection string
	// DatabaseIdentifier is the client's RDS instance (the prefix), and
	// DatabaseName the database created in it: the client's name with
	// underscores for hyphens, which PostgreSQL identifiers refuse.
	DatabaseIdentifier, DatabaseName string
}

// NamesIn returns the client's names in the environment named env.
func (c Client) NamesIn(env string) Names {
	prefix := config.Prefix(env) + "-" + c.Name
	return Names{
		Prefix:                prefix,
		Namespace:             c.Name,
		NodeGroup:             prefix,
		NodeRole:              prefix + "-" + NodesName,
		NodeSecurityGroup:     prefix + "-" + NodesName,
		BucketKeyAlias:        prefix + "-buckets",
		BucketBackupSelection: prefix + "-buckets",
		DatabaseIdentifier:    prefix,
		DatabaseName:          strings.ReplaceAll(c.Name, "-", "_"),
	}
}

// Subdomain is the DNS name client owns in the environment whose domain
// is envDomain: <client>.<envDomain> (acme.prod.example.com). Its
// Ingresses and Services may claim it and the names under it, and no
// other (the namespace's admission policies); it is the same label in
// every environment.
func Subdomain(client, envDomain string) string { return client + "." + envDomain }

// Bucket is the S3 name of the client's bucket: <prefix>-<bucket>.
func (n Names) Bucket(bucket string) string { return n.Prefix + "-" + bucket }

// Role is the IAM role of the client's application: <prefix>-<app>.
func (n Names) Role(app string) string { return n.Prefix + "-" + app }

// DatabaseUserPrefix starts the database user of every application.
const DatabaseUserPrefix = "app_"

// DatabaseUser is the PostgreSQL user the client's application app
// connects to the client's database as, by IAM database authentication:
// app_ and the application's name with underscores for hyphens (api:
// app_api, order-sync: app_order_sync), the same in every environment.
// The prefix keeps it apart from the master user (postgres) and from
// the names PostgreSQL and RDS reserve (pg_*, rds*); application names
// are DNS labels, which have no underscores, so no two applications get
// one user; and the IAM role name's limit (Role) keeps an application's
// name short enough for PostgreSQL's 63-byte identifiers.
func (n Names) DatabaseUser(app string) string {
	return DatabaseUserPrefix + strings.ReplaceAll(app, "-", "_")
}

// aws lists every distinct AWS name the client owns with these names, so
// that no two clients own the same one.
func (n Names) aws(c Client) []string {
	out := []string{n.Prefix, n.NodeRole, n.BucketKeyAlias}
	for _, b := range c.Buckets {
		out = append(out, n.Bucket(b.Name))
	}
	for _, a := range c.Applications {
		out = append(out, n.Role(a.Name))
	}
	return out
}
