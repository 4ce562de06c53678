// Package dbusers is `stratum database-users`: the SQL that creates the
// database users of a client's applications (clients.Names.DatabaseUser)
// in the client's database of one environment, for an operator to run as
// the master user. Stratum cannot create them itself: Terraform would need
// the master password and a network path to a private database, and the
// state would then hold both.
package dbusers

import (
	"fmt"
	"strings"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/postgres"
	"stratum/contract"
	"stratum/tools/cli"
)

func envNames(envs []config.Environment) string {
	names := make([]string, len(envs))
	for i, e := range envs {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}

// SQL is the script creating client's application users in environment
// env. Every statement can run again: a role or schema that exists is
// kept, and grants that exist are no-ops, so the script is rerun as it is
// after an application is added.
func SQL(envs []config.Environment, all []clients.Client, env, client string) (string, error) {
	e, err := config.Get(envs, env)
	if err != nil {
		return "", cli.Usage("-env: %v", err)
	}
	var t clients.Tenancy
	var found bool
	var names []string
	for _, c := range all {
		names = append(names, c.Name)
		if c.Name != client {
			continue
		}
		if t, found = c.In(e); !found {
			var in []string
			for _, ce := range c.Environments {
				in = append(in, ce.Name)
			}
			return "", cli.Usage("-client: client %q is not in environment %q: it is in %s", client, env, strings.Join(in, ", "))
		}
	}
	if !found {
		if len(names) == 0 {
			return "", cli.Usage("-client: unknown client %q: clients/clients.go has no client", client)
		}
		return "", cli.Usage("-client: unknown client %q: want one of %s", client, strings.Join(names, ", "))
	}
	n := t.Names
	at := contract.At{Env: env, Client: client}
	var b strings.Builder
	fmt.Fprintf(&b, `-- Database users of client %[1]s in %[2]s: stratum database-users -env %[2]s -client %[1]s
-- Instance %[3]s, database %[4]s. Run it as the master user %[5]s, over TLS, from a pod on the
-- client's nodes (the only path to the database): docs/database-access.md, "Connecting as the master user".
--
--   PGPASSWORD=... psql "host=$HOST port=%[6]d dbname=%[4]s user=%[5]s sslmode=verify-full sslrootcert=%[7]s-bundle.pem" \
--     -v ON_ERROR_STOP=1 -f users.sql
--
-- HOST is the SSM parameter %[8]s, the password is in the Secrets Manager
-- secret named by %[9]s (RDS manages and rotates it),
-- and %[7]s-bundle.pem is https://truststore.pki.rds.amazonaws.com/%[7]s/%[7]s-bundle.pem.
-- Every statement can run again; rerun the script after adding an application.
BEGIN;
-- Only the users below (and the master user, who owns the database) may connect.
REVOKE ALL ON DATABASE %[4]s FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
`, client, env, n.DatabaseIdentifier, n.DatabaseName, postgres.MasterUsername, postgres.Port, e.Region,
		contract.DatabaseEndpoint.Name(at), contract.DatabaseSecretARN.Name(at))
	var users int
	for _, app := range t.Client.Applications {
		if !app.Database {
			continue
		}
		users++
		user := n.DatabaseUser(app.Name)
		if problem := postgres.UserProblem(user); problem != "" {
			return "", fmt.Errorf("client %q: application %q: database user %q is invalid: want %s", client, app.Name, user, problem)
		}
		fmt.Fprintf(&b, `
-- Application %[1]s: service account %[2]s/%[1]s, IAM role %[3]s (rds-db:connect as %[4]s only).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[4]s') THEN
    CREATE ROLE %[4]s LOGIN;
  END IF;
END
$$;
-- It logs in with IAM authentication tokens only: a role with rds_iam has no password login.
GRANT rds_iam TO %[4]s;
GRANT CONNECT ON DATABASE %[5]s TO %[4]s;
-- Its own schema, owned by the master user: the application creates and owns its tables there.
CREATE SCHEMA IF NOT EXISTS %[4]s;
GRANT USAGE, CREATE ON SCHEMA %[4]s TO %[4]s;
ALTER ROLE %[4]s SET search_path = %[4]s;
`, app.Name, n.Namespace, n.Role(app.Name), user, n.DatabaseName)
	}
	if users == 0 {
		return "", fmt.Errorf("client %q has no application with Database: true", client)
	}
	b.WriteString("COMMIT;\n")
	return b.String(), nil
}
