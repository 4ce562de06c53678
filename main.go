// Command stratum synthesizes every Stratum stack for every environment and
// carries the tools that work on the synthesized stacks. Synthesis runs
// through `make synth` (cdktf synth); see README.md, and docs/synthesis.md
// for the engine (parallel processes, cache).
//
//	stratum                  validate the configuration, then synthesize
//	stratum -check           only validate the configuration
//	stratum <command> …      run one of the commands below (stratum help lists them)
//	stratum help <command>   print a command's help
//
// Exit codes (tools/cli, the README's table): 0 done, 1 failed, 2 a
// result to act on (only where a command's help says so), 64 usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/aws/jsii-runtime-go"
	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
	"stratum/tools/changes"
	"stratum/tools/cli"
	"stratum/tools/dbusers"
	"stratum/tools/drift"
	"stratum/tools/generate"
	"stratum/tools/githubtrust"
	"stratum/tools/gitlabsettings"
	"stratum/tools/hclexport"
	"stratum/tools/migrate"
	"stratum/tools/pipelines"
	"stratum/tools/placeholders"
	"stratum/tools/policy"
	"stratum/tools/review"
	"stratum/tools/scan"
	"stratum/tools/scpcheck"
	"stratum/tools/stackgraph"
	"stratum/tools/support"
	"stratum/tools/synth"
)

// command is one subcommand: its summary for stratum help, and how it
// runs (cli.Run: the program's context, cancelled on Ctrl-C or SIGTERM,
// its arguments without its name; the exit code).
type command struct {
	summary string
	run     cli.Run
}

// commands are the subcommands, one entry each; the code of each lives in
// its own package.
var commands = map[string]command{
	"applied":         {summary: "fetch, record (after a manual apply) or list what was last applied to each stack (SSM records)", run: changes.AppliedMain},
	"batch":           {summary: "the pipelines' batches: select a run's (batches.json, CI outputs) or run one batch's plans, applies or drift checks", run: pipelines.BatchMain},
	"changed":         {summary: "list the stacks a change touches (synthesizes -base and the working tree)", run: changes.Main},
	"database-users":  {summary: "print the SQL creating a client's application database users in one environment", run: dbusers.Main},
	"drift":           {summary: "report a drift check: the drifted stacks and addresses from each drift job's result (exit 2 on drift)", run: drift.Main},
	"generate":        {summary: "rewrite every committed generated file (CI pipelines, architecture diagrams, SCP)", run: generate.Main},
	"github-oidc":     {summary: "check (or apply) the GitHub settings the deploy roles' trust relies on: the OIDC subject template, environments", run: githubtrust.Main},
	"gitlab-settings": {summary: "check (or apply) the GitLab settings the pipeline relies on: the drift schedule, the resource groups' process mode", run: gitlabsettings.Main},
	"gitlab-child":    {summary: "print the GitLab child pipeline of one run from the report of changed -json", run: pipelines.ChildMain},
	"graph":           {summary: "print the stack graph of cdktf.out (JSON, DOT or Mermaid)", run: stackgraph.Main},
	"hcl":             {summary: "write every stack as plain Terraform HCL into hcl.out/stacks (make hcl)", run: hclexport.Command(checkConfig, buildApp)},
	"migrate":         {summary: "move resources from a monolithic state into the stacks' states (plan|apply|verify|rollback|retire|imports)", run: migrate.Main},
	"policy":          {summary: "evaluate the policies (tools/policy/rego) over a stack's plan (terraform show -json) or every synthesized stack", run: policy.Main},
	"placeholders":    {summary: "list the configuration values still set to this repository's examples (accounts, domains, repository)", run: placeholders.Main},
	"review":          {summary: "summarize what the working tree changes in the snapshots and generated files (make update prints it)", run: review.Main},
	"scan":            {summary: "judge trivy's scan of the HCL export against .trivyignore.yaml (unaccepted HIGH/CRITICAL findings, stale entries)", run: scan.Main},
	"scp-check":       {summary: "check with the AWS CLI that the SCP guarding the SSM contract binds every environment's account (exit 2 if not)", run: scpcheck.Main},
	"support":         {summary: "say which configured Kubernetes and PostgreSQL versions leave AWS standard support soon (-within 60d)", run: support.Main},
	"synth-merge":     {summary: "assemble cdktf.out from the shards of synth-shard, byte for byte one synthesis's", run: synth.MergeCommand(config.Environments(), clients.All, source)},
	"synth-plan":      {summary: "print the shard count K and the synthesis cache key for a pipeline (key=value, or -json)", run: synth.PlanCommand(config.Environments(), clients.All, source)},
	"synth-shard":     {summary: "synthesize shard i of K of every stack into a directory (-shard i/K -out DIR)", run: synth.ShardCommand(config.Environments(), clients.All, source)},
}

// checkConfig and buildApp are the configuration check and the app build
// of synthesis, for commands that synthesize.
func checkConfig() error { return stacks.Validate(config.Environments(), clients.All) }

func buildApp(outdir string) (cdktf.App, error) {
	app := cdktf.NewApp(stacks.AppConfig(outdir))
	return app, stacks.Build(app, config.Environments(), clients.All)
}

func main() {
	// Ctrl-C or SIGTERM cancels ctx: the commands that run processes
	// (terraform, git, synthesis workers) stop them and exit; migrate
	// finishes the state write under way first (docs/migration.md).
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, the next one ends the program at once,
		// as it did before commands took a context.
		<-ctx.Done()
		stop()
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	// The bindings started a jsii client while the packages initialized,
	// and it unpacked jsii's runtime into $TMPDIR; every command, not only
	// those that synthesize, must remove it (and stop Node.js if it ran).
	jsii.Close()
	os.Exit(code)
}

// run is the program: a command, or validation and synthesis.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return runCommand(ctx, args[0], args[1:], stdout, stderr)
	}
	f := cli.New(cli.Command{
		Synopsis: "[-check] | <command> [flags]",
		About: `Validates the configuration (config/environments.go, clients/clients.go) and synthesizes every
stack of every environment into cdktf.out (make synth runs it through cdktf synth). On an invalid
configuration it lists every problem and writes nothing. The commands:

` + commandList() + `
stratum help <command> prints a command's flags and exit codes.`,
	}, stdout, stderr)
	check := f.Bool("check", false, "validate the configuration and exit without synthesizing")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	envs := config.Environments()
	// Validate before starting jsii: errors come fast and nothing is written.
	if err := stacks.Validate(envs, clients.All); err != nil {
		return f.Fail(fmt.Errorf("invalid configuration, nothing was synthesized:\n%w", err))
	}
	if *check {
		return cli.ExitOK
	}
	if err := synth.Synthesize(ctx, envs, clients.All, source); err != nil {
		return f.Fail(err)
	}
	return cli.ExitOK
}

func runCommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	if name == "help" {
		if len(args) == 0 {
			return run(ctx, []string{"-h"}, stdout, stderr)
		}
		// stratum help <command> [verb]: the command's own help.
		name, args = args[0], append(args[1:], "-h")
		if name == "help" {
			return run(ctx, []string{"-h"}, stdout, stderr)
		}
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "stratum: unknown command %q: want one of %s\nrun 'stratum help' for what each does\n",
			name, strings.Join(slices.Sorted(maps.Keys(commands)), ", "))
		return cli.ExitUsage
	}
	return c.run(ctx, args, stdout, stderr)
}

// commandList is the commands with their summaries, aligned.
func commandList() string {
	var b strings.Builder
	names := slices.Sorted(maps.Keys(commands))
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	return b.String()
}
