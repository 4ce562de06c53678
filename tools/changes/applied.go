package changes

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
	// records reads the environment's records as the AWS CLI prints them.
	records := func() ([]byte, applied.Records, error) {
		b, err := aws("ssm", "get-parameters-by-path", "--path", applied.Path(*env), "--recursive")
		if err != nil {
			return nil, nil, err
		}
		recs, err := applied.ParseParameters(*env, b)
		return b, recs, err
	}
	switch verb {
	case "fetch":
		if *out == "" {
			return f.Usagef("missing required flag -out: the directory to write %s.json into", *env)
		}
		b, recs, err := records()
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
		// The synthesis says which environment a stack was built for (its
		// tags); its name cannot be split into it.
		st, ok := side.Graph.Stack(*stack)
		if !ok {
			return f.Fail(fmt.Errorf("%s holds no stack %s", *dir, *stack))
		}
		if st.Environment != *env {
			return f.Usagef("-stack %q is a stack of %s, not of -env %s", *stack, st.Environment, *env)
		}
		repo, _ := os.Getwd()
		commit, err := git(ctx, repo, "rev-parse", "HEAD")
		if err != nil {
			return f.Fail(err)
		}
		if dirty, _ := git(ctx, repo, "status", "--porcelain", "--untracked-files=no"); dirty != "" {
			return f.Fail(fmt.Errorf("the working tree has uncommitted changes: record what a commit synthesizes (commit or stash them, make synth, apply, record)"))
		}
		rec := applied.Record{Commit: commit, Digest: side.Digest(*stack)}
		if _, err := aws("ssm", "put-parameter", "--name", applied.ParameterName(*env, *stack), "--type", "String", "--overwrite", "--value", rec.JSON()); err != nil {
			return f.Fail(err)
		}
		fmt.Fprintf(stdout, "recorded %s as applied at %s (%s)\n", *stack, short(commit), rec.Digest)
		return cli.ExitOK
	case "list":
		side, err := LoadSide(*dir, nil)
		if err != nil {
			return f.Fail(fmt.Errorf("%v: synthesize first (make synth)", err))
		}
		_, recs, err := records()
		if err != nil {
			return f.Fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "STACK\tSTATE\tRECORDED AT")
		pending := 0
		for _, name := range side.Graph.Names() {
			if st, _ := side.Graph.Stack(name); st.Environment != *env {
				continue
			}
			rec, ok := recs[name]
			state, at := "applied", short(rec.Commit)
			switch {
			case !ok:
				state, at = "never applied", "-"
				pending++
			case rec.Digest != side.Digest(name):
				state = "pending"
				pending++
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", name, state, at)
		}
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for n := range recs {
				if !yield(n) {
					return
				}
			}
		}) {
			if !side.Has(name) {
				fmt.Fprintf(tw, "%s\tremoved (recorded, not synthesized)\t%s\n", name, short(recs[name].Commit))
			}
		}
		tw.Flush()
		if pending > 0 {
			return cli.ExitChanges
		}
		return cli.ExitOK
	}
	return f.Usagef("unknown verb %q: want fetch, record or list", verb)
}

// LoadApplied reads the records of a directory of files written by `aws ssm
// get-parameters-by-path` (or `stratum applied fetch`), one per
// environment, named <env>.json.
func LoadApplied(dir string) (applied.Records, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%s holds no <env>.json file of records", dir)
	}
	all := applied.Records{}
	var envs []string
	for _, p := range paths {
		env := strings.TrimSuffix(filepath.Base(p), ".json")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		recs, err := applied.ParseParameters(env, b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		for k, v := range recs {
			all[k] = v
		}
		envs = append(envs, env)
	}
	slices.Sort(envs)
	return all, envs, nil
}
