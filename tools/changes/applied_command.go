package changes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"stratum/applied"
	"stratum/config"
	"stratum/tools/awscli"
	"stratum/tools/cli"
)

// AppliedMain is `stratum applied`: the applied records of the stacks
// (package applied).
func AppliedMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return appliedMain(ctx, args, stdout, stderr, nil)
}

func appliedMain(ctx context.Context, args []string, stdout, stderr io.Writer, aws awscli.Runner) int {
	f := cli.New(cli.Command{
		Name:      "applied",
		Synopsis:  "fetch -env ENV -out DIR | record -env ENV -stack STACK [-dir DIR] | list -env ENV [-dir DIR] [-aws BIN]",
		Arguments: true,
		About: `Reads and writes what was last applied to each stack: one SSM parameter per stack,
` + applied.Root + `/<env>/<stack>, holding the commit and the digest of the Terraform applied
(docs/cicd-integration.md, "What was applied"). With the environment's credentials:

  fetch   writes the environment's records to DIR/<env>.json, for stratum changed -applied DIR
          (a plan role may read them);
  record  records the stack of the synthesis in DIR (make synth) as applied at HEAD: run it after
          applying by hand a stack CI does not apply (bootstrap-<env>), whose change otherwise
          blocks its environment's applies; the pipelines' apply jobs record their stacks themselves;
  list    compares the records with the synthesis in DIR: each stack applied, pending or never
          applied.`,
		Results: []string{"2   list: a stack's Terraform differs from its record (something is to be applied)"},
	}, stdout, stderr)
	env := f.String("env", "", "the environment (required)")
	out := f.String("out", "", "fetch: the directory to write <env>.json into")
	stack := f.String("stack", "", "record: the stack applied")
	dir := f.String("dir", "cdktf.out", "record, list: the synthesis of the working tree")
	bin := f.String("aws", "aws", "the AWS CLI")
	f.Required("env")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if code, ok := f.Parse(args); !ok {
			return code
		}
		return f.Usagef("missing verb: fetch, record or list")
	}
	verb := args[0]
	if code, ok := f.Parse(args[1:]); !ok {
		return code
	}
	if f.NArg() > 0 {
		return f.Usagef("unexpected argument %q", f.Arg(0))
	}
	if _, err := config.Get(config.Environments(), *env); err != nil {
		return f.Usagef("-env %q: %v", *env, err)
	}
	if aws == nil {
		aws = awscli.CLI(ctx, *bin)
	}
	switch verb {
	case "fetch":
		if *out == "" {
			return f.Usagef("missing required flag -out: the directory to write %s.json into", *env)
		}
		b, recs, err := FetchRecords(aws, *env)
		if err != nil {
			return f.Fail(err)
		}
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return f.Fail(err)
		}
		if err := os.WriteFile(filepath.Join(*out, *env+".json"), b, 0o644); err != nil {
			return f.Fail(err)
		}
		fmt.Fprintf(stdout, "%d record(s) of %s written to %s\n", len(recs), *env, filepath.Join(*out, *env+".json"))
		return cli.ExitOK
	case "record":
		if *stack == "" {
			return f.Usagef("missing required flag -stack: the stack applied")
		}
		side, err := LoadSide(*dir, nil)
		if err != nil {
			return f.Fail(fmt.Errorf("%v: synthesize the applied revision first (make synth)", err))
		}
		repo, _ := os.Getwd()
		rec, err := RecordApplied(ctx, aws, side, repo, *env, *stack)
		if oe := (*OtherEnvironmentError)(nil); errors.As(err, &oe) {
			return f.Usagef("-stack %q is a stack of %s, not of -env %s", oe.Stack, oe.Environment, oe.Want)
		}
		if err != nil {
			return f.Fail(fmt.Errorf("%s: %w", *dir, err))
		}
		fmt.Fprintf(stdout, "recorded %s as applied at %s (%s)\n", *stack, short(rec.Commit), rec.Digest)
		return cli.ExitOK
	case "list":
		side, err := LoadSide(*dir, nil)
		if err != nil {
			return f.Fail(fmt.Errorf("%v: synthesize first (make synth)", err))
		}
		_, recs, err := FetchRecords(aws, *env)
		if err != nil {
			return f.Fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STACK\tSTATE\tRECORDED AT")
		pending := false
		for _, s := range AppliedStates(side, *env, recs) {
			at := "-"
			if s.Commit != "" {
				at = short(s.Commit)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.State, at)
			pending = pending || s.Pending()
		}
		tw.Flush()
		if pending {
			return cli.ExitChanges
		}
		return cli.ExitOK
	}
	return f.Usagef("unknown verb %q: want fetch, record or list", verb)
}
