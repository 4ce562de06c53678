package dbusers

import (
	"context"
	"fmt"
	"io"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum database-users` over the configured environments
// (config.Environments) and clients (clients.All).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(config.Environments(), clients.All, args, stdout, stderr)
}

// run is `stratum database-users` over envs and all (the tests'
// configurations).
func run(envs []config.Environment, all []clients.Client, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "database-users",
		Synopsis: "-env ENV -client CLIENT",
		About: `Prints the SQL that creates, in CLIENT's database in ENV, the database user of each of its
applications with Database: true (with rds_iam and its own schema), to run with psql as the master user;
the script's header says how to connect (docs/database-access.md). Every statement can run again.`,
	}, stdout, stderr)
	envName := f.String("env", "", "the environment, one of "+envNames(envs)+" (required)")
	client := f.String("client", "", "the client, as named in clients/clients.go (required)")
	f.Required("env", "client")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	sql, err := SQL(envs, all, *envName, *client)
	if err != nil {
		return f.Fail(err)
	}
	fmt.Fprint(stdout, sql)
	return cli.ExitOK
}
