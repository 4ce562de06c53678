package githubtrust

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum github-oidc [check|apply]`: exit 0 when every setting
// is as the trust expects, 2 when one differs (check), 1 on an error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, config.Environments(), os.Getenv, stdout, stderr)
}

func run(ctx context.Context, args []string, envs []config.Environment, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := cli.New(cli.Command{
		Name:      "github-oidc",
		Synopsis:  "[-api URL] [check|apply]",
		Arguments: true,
		About: `check (the default) compares each GitHub repository's OIDC subject template and its environments
(deployment branches, required reviewers) with what the deploy roles' trust expects. apply sets
the subject template (repo, context, ref); it needs GITHUB_TOKEN with the repository's
administration write permission, then checks like check.`,
		Results: []string{"2   a setting differs from what the trust expects (each is listed)"},
	}, stdout, stderr)
	api := fs.String("api", "https://api.github.com", "GitHub REST API base URL (GitHub Enterprise Server: https://<host>/api/v3)")
	if code, ok := fs.Parse(args); !ok {
		return code
	}
	verb, code, ok := fs.Verb("check", "apply")
	if !ok {
		return code
	}
	c := Client{API: *api, Token: getenv("GITHUB_TOKEN")}.WithContext(ctx)
	if verb == "apply" {
		if c.Token == "" {
			fmt.Fprintln(stderr, "stratum github-oidc apply: GITHUB_TOKEN is not set")
			return cli.ExitFailure
		}
		done, err := Apply(c, envs)
		for _, r := range done {
			fmt.Fprintf(stdout, "%s: OIDC subject template set to [%s]\n", r, strings.Join(config.GitHubSubjectClaims, ", "))
		}
		if err != nil {
			fmt.Fprintf(stderr, "stratum github-oidc apply: %v\n", err)
			return 1
		}
	}
	findings, err := Check(c, envs)
	if err != nil {
		fmt.Fprintf(stderr, "stratum github-oidc: %v\n", err)
		return 1
	}
	if len(findings) == 0 {
		fmt.Fprintln(stdout, "every GitHub repository is set as the deploy roles' trust expects")
		return 0
	}
	for _, f := range findings {
		fmt.Fprintln(stdout, f)
	}
	return cli.ExitChanges
}
