package dbusers

import (
	"bytes"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/clientstest"
	"stratum/tools/cli"
)

// TestSQL: the script creates, for each application with Database, the
// user its role may connect as (clients.Names.DatabaseUser), with rds_iam
// and its own schema, in the client's database, and nothing for the
// others.
func TestSQL(t *testing.T) {
	all := clientstest.Sample()
	all[clientstest.MTN].Applications = append(all[clientstest.MTN].Applications,
		clients.Application{Name: "order-sync", Database: true})
	sql, err := SQL(config.Environments(), all, "staging", "mtn-ghana")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"REVOKE ALL ON DATABASE mtn_ghana FROM PUBLIC;",
		"CREATE ROLE app_api LOGIN;", "GRANT rds_iam TO app_api;", "GRANT CONNECT ON DATABASE mtn_ghana TO app_api;",
		"CREATE SCHEMA IF NOT EXISTS app_api;", "GRANT USAGE, CREATE ON SCHEMA app_api TO app_api;",
		"CREATE ROLE app_order_sync LOGIN;", "GRANT rds_iam TO app_order_sync;",
		"IAM role stratum-staging-mtn-ghana-order-sync (rds-db:connect as app_order_sync only)",
		"/stratum/staging/databases/mtn-ghana/secret-arn", "/stratum/staging/databases/mtn-ghana/endpoint",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("SQL lacks %q:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "app_reporting") {
		t.Errorf("SQL creates a user for reporting, which has no Database:\n%s", sql)
	}
	if !strings.HasPrefix(strings.TrimSpace(sql[strings.Index(sql, "BEGIN;"):]), "BEGIN;") || !strings.HasSuffix(sql, "COMMIT;\n") {
		t.Errorf("SQL is not one transaction:\n%s", sql)
	}
}

func TestSQLErrors(t *testing.T) {
	for _, tc := range []struct{ env, client, want string }{
		{"qa", "mtn-ghana", `-env: unknown environment "qa": want one of prod, staging, dev`},
		{"prod", clientstest.Unknown, `-client: unknown client "` + clientstest.Unknown + `": want one of mtn-ghana, ezra`},
		{"dev", "ezra", `-client: client "ezra" is not in environment "dev": it is in prod, staging`},
		{"prod", "ezra", `client "ezra" has no application with Database: true`},
	} {
		t.Run(tc.env+"/"+tc.client, func(t *testing.T) {
			_, err := SQL(config.Environments(), clientstest.Sample(), tc.env, tc.client)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SQL(%s, %s) = %v, want %q", tc.env, tc.client, err, tc.want)
			}
		})
	}
}

func TestCommand(t *testing.T) {
	envs, all := config.Environments(), clientstest.Sample()
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"-env", "prod", "-client", "mtn-ghana"}, cli.ExitOK, "CREATE ROLE app_api LOGIN;"},
		{[]string{"-env", "prod"}, cli.ExitUsage, "missing required flag -client"},
		{[]string{"-client", "ezra"}, cli.ExitUsage, "missing required flag -env"},
		{[]string{"-env", "production", "-client", "ezra"}, cli.ExitUsage, `unknown environment "production": want one of prod, staging, dev`},
		{[]string{"-env", "prod", "-client", clientstest.Unknown}, cli.ExitUsage, "want one of mtn-ghana, ezra"},
		{[]string{"-env", "prod", "-client", "ezra"}, cli.ExitFailure, `client "ezra" has no application with Database: true`},
		{[]string{"-h"}, cli.ExitOK, "usage: stratum database-users -env ENV -client CLIENT"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(envs, all, tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.out) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, stdout.String()+stderr.String(), tc.code, tc.out)
			}
		})
	}
}
