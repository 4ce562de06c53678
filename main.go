// Command stratum synthesizes every Stratum stack for every environment and
// carries the tools that work on the synthesized stacks. Synthesis runs
// through `make synth` (cdktf synth); see README.md, and docs/synthesis.md
// for the engine (parallel processes, cache).
//
//	stratum              validate the configuration, then synthesize
//	stratum -check       only validate the configuration
//	stratum <command> …  run one of the commands below (stratum help lists them)
package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/changes"
	"stratum/clients"
	"stratum/config"
	"stratum/dbusers"
	"stratum/generate"
	"stratum/githubtrust"
	"stratum/internal/hclexport"
	"stratum/migrate"
	"stratum/pipelines"
	"stratum/scpcheck"
	"stratum/stackgraph"
	"stratum/stacks"
	"stratum/support"
	"stratum/synth"
)

// command is one subcommand: it gets its arguments (without its name) and
// returns the process exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands are the subcommands, one entry each; the code of each lives in
// its own package.
var commands = map[string]command{
	"changed":        {summary: "list the stacks a change touches (synthesizes -base and the working tree)", run: changes.Main},
	"database-users": {summary: "print the SQL creating a client's application database users in one environment", run: dbusers.Command(config.Environments(), clients.All)},
	"generate":       {summary: "rewrite every committed generated file (CI pipelines, architecture diagrams, SCP)", run: generate.Main},
	"github-oidc":    {summary: "check (or apply) the GitHub settings the deploy roles' trust relies on: the OIDC subject template, environments", run: githubtrust.Main},
	"gitlab-child":   {summary: "print the GitLab child pipeline of one run from `changed -json`", run: pipelines.ChildMain},
	"graph":          {summary: "print the stack graph of cdktf.out (JSON, DOT or Mermaid)", run: stackgraph.Main},
	"hcl":            {summary: "write every stack as plain Terraform HCL into hcl.out/stacks (make hcl)", run: hclexport.Command(checkConfig, buildApp)},
	"migrate":        {summary: "move resources from a monolithic state into the stacks' states (plan|apply|verify|rollback|retire|imports)", run: migrate.Main},
	"scp-check":      {summary: "check with the AWS CLI that the SCP guarding the SSM contract binds every environment's account (exit 2 if not)", run: scpcheck.Main},
	"support":        {summary: "say which configured Kubernetes and PostgreSQL versions leave AWS standard support soon (-within 60d)", run: support.Main},
}

// checkConfig and buildApp are the configuration check and the app build
// of synthesis, for commands that synthesize.
func checkConfig() error { return stacks.Validate(config.Environments(), clients.All) }

func buildApp(app cdktf.App) error { return stacks.Build(app, config.Environments(), clients.All) }

func main() {
	if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
		os.Exit(runCommand(os.Args[1], os.Args[2:], os.Stdout, os.Stderr))
	}
	check := flag.Bool("check", false, "validate the configuration and exit without synthesizing")
	flag.Usage = func() { usage(flag.CommandLine.Output()) }
	flag.Parse()
	envs := config.Environments()
	// Validate before starting jsii: errors come fast and nothing is written.
	if err := stacks.Validate(envs, clients.All); err != nil {
		fmt.Fprintf(os.Stderr, "stratum: invalid configuration, nothing was synthesized:\n%v\n", err)
		os.Exit(1)
	}
	if *check {
		return
	}
	if err := synth.Main(envs, clients.All, source); err != nil {
		fmt.Fprintf(os.Stderr, "stratum: %v\n", err)
		os.Exit(1)
	}
}

func runCommand(name string, args []string, stdout, stderr io.Writer) int {
	if name == "help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "stratum: unknown command %q\n", name)
		usage(stderr)
		return 1
	}
	return c.run(args, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: stratum [-check]          validate, then synthesize every stack")
	fmt.Fprintln(w, "       stratum <command> [args]  run a command")
	if len(commands) == 0 {
		return
	}
	fmt.Fprintln(w, "\ncommands:")
	names := slices.Sorted(maps.Keys(commands))
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
}
