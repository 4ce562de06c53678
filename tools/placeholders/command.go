package placeholders

import (
	"context"
	"io"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum placeholders`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(args, config.Environments, config.Owners, stdout, stderr)
}

func run(args []string, envs func() []config.Environment, owners func() config.CodeOwners, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "placeholders",
		Synopsis: "",
		About: `Lists every value of the environments (config/environments.go) that is still one of this
repository's examples — an example AWS account id or an ARN in one, a domain or e-mail address
reserved for examples, an address range reserved for documentation, the example repository
(which the CI roles trust and the alarm descriptions link), the example paging key, the example
code owners (config/owners.go) — with the field that holds it. Replace each with your own before deploying.`,
		Results: []string{"2   a placeholder is still set"},
	}, stdout, stderr)
	if code, ok := f.Parse(args); !ok {
		return code
	}
	ps := append(Find(envs()), FindOwners(owners())...)
	if err := Write(stdout, ps); err != nil {
		return f.Fail(err)
	}
	if len(ps) > 0 {
		return cli.ExitChanges
	}
	return cli.ExitOK
}
