package scpcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum scp-check`: exit 0 when every environment's account
// is bound by an SCP guarding its contract, 2 when one is not, 1 on an
// error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, config.Environments(), nil, stdout, stderr)
}

func run(ctx context.Context, args []string, envs []config.Environment, aws AWS, stdout, stderr io.Writer) int {
	fs := cli.New(cli.Command{
		Name:     "scp-check",
		Synopsis: "[-aws PATH] [-env ENV] [-json]",
		About: `Reads the organization through the AWS CLI (credentials of the management account or a delegated
administrator), collects the SCPs attached to each environment's account and to every unit above
it, and evaluates them: the SSM contract must be writable only by the layer that owns each prefix.`,
		Results: []string{"2   an environment's account is not bound by an SCP guarding its contract"},
	}, stdout, stderr)
	bin := fs.String("aws", "aws", "the AWS CLI, with credentials of the organization's management account or a delegated administrator")
	only := fs.String("env", "", "check only this environment (default: every one)")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	if code, ok := fs.Parse(args); !ok {
		return code
	}
	if *only != "" {
		var names []string
		for _, env := range envs {
			names = append(names, env.Name)
		}
		if !slices.Contains(names, *only) {
			return fs.Usagef("-env %q: no such environment; want one of %s", *only, strings.Join(names, ", "))
		}
	}
	if aws == nil {
		aws = CLI(ctx, *bin)
	}
	var results []Result
	for _, env := range envs {
		if *only != "" && env.Name != *only {
			continue
		}
		r, err := Check(aws, env)
		if err != nil {
			fmt.Fprintf(stderr, "stratum scp-check: environment %q (account %s): %v\n", env.Name, env.AccountID, err)
			return 1
		}
		results = append(results, r)
	}
	failed := false
	for _, r := range results {
		failed = failed || len(r.Problems) > 0
	}
	if *asJSON {
		b, _ := json.MarshalIndent(results, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ENVIRONMENT\tACCOUNT\tGUARDED BY\tPROBLEMS")
		for _, r := range results {
			guard := strings.Join(r.Guarding, "; ")
			if guard == "" {
				guard = "-"
			}
			problems := strings.Join(r.Problems, "; ")
			if problems == "" {
				problems = "none"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Env, r.Account, guard, problems)
		}
		tw.Flush()
	}
	if failed {
		fmt.Fprintln(stderr, "attach docs/scp-ssm-contract.json (make generate) to the organizational unit of these accounts; see docs/architecture.md, \"Who may write the contract\"")
		return cli.ExitChanges
	}
	return cli.ExitOK
}
