package postgres

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/policy"
)

// userRE is a PostgreSQL role name that needs no quoting: lowercase
// letters, digits and underscores, at most 63 bytes (NAMEDATALEN - 1;
// PostgreSQL silently truncates longer names).
var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// UserProblem says what is wrong with user as the name of an
// application's database user, or "" when nothing is: an unquoted
// PostgreSQL identifier that is neither the master user nor a name
// PostgreSQL (pg_*) or RDS (rds*) reserves.
func UserProblem(user string) string {
	switch {
	case !userRE.MatchString(user):
		return "1 to 63 lowercase letters, digits and underscores, starting with a letter or underscore"
	case user == MasterUsername:
		return fmt.Sprintf("a user other than the master user %q", MasterUsername)
	case strings.HasPrefix(user, "pg_") || strings.HasPrefix(user, "rds"):
		return "a name that does not start with pg_ or rds, which PostgreSQL and RDS reserve"
	}
	return ""
}

// IAMAuth is an instance that admits IAM database authentication
// (IamDatabaseAuthenticationEnabled, always on here), known by its
// resource id: the stack of whoever connects reads it through SSM and
// grants its roles rds-db:connect as one database user each. A role
// granted this needs no password and no access to the master secret.
type IAMAuth struct {
	// Partition, Region and Account are the instance's. Required.
	Partition, Region, Account string
	// ResourceID is the instance's DbiResourceId (db-…), the
	// aws_db_instance's resource_id; a token is fine. Required.
	ResourceID *string
}

// UserARN is the rds-db:connect resource of database user user:
// arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>.
func (a IAMAuth) UserARN(user string) *string {
	return jsii.String(fmt.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s", a.Partition, a.Region, a.Account, *a.ResourceID, user))
}

// GrantConnect lets grantee connect to the instance as database user
// user, and as no other: rds-db:connect on that user's ARN only, in the
// statement ConnectAsDatabaseUser. The user must exist in the database
// with the rds_iam role (docs/database-access.md).
func (a IAMAuth) GrantConnect(grantee policy.Grantee, user string) {
	if a.ResourceID == nil || a.Partition == "" || a.Region == "" || a.Account == "" {
		panic(fmt.Sprintf("postgres.IAMAuth.GrantConnect: Partition, Region, Account and ResourceID are required, got %+v", a))
	}
	if problem := UserProblem(user); problem != "" {
		panic(fmt.Sprintf("postgres.IAMAuth.GrantConnect: user %q is invalid: want %s", user, problem))
	}
	grantee.AddToPolicy(policy.Allow("ConnectAsDatabaseUser", []string{"rds-db:connect"}, a.UserARN(user)))
}
