package dbusers

import (
	"context"
	"fmt"
	"io"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/cli"
)

// Command is `stratum database-users` over envs and all.
func Command(envs []config.Environment, all []clients.Client) cli.Run {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
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
}
