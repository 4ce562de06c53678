package support

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"stratum/config"
	"stratum/tools/cli"
)

// Main is `stratum support [-within 60d] [-today YYYY-MM-DD] [-json]`.
// It exits ExitAttention when a configured version leaves standard support
// within the window (or has left it), ExitError on an invalid
// configuration, cli.ExitUsage on bad flags, and ExitOK otherwise.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(args, config.Environments, time.Now, stdout, stderr)
}

// run is Main with the environments and the clock injected.
func run(args []string, envs func() []config.Environment, now func() time.Time, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "support",
		Synopsis: "[-within 60d] [-today YYYY-MM-DD] [-json]",
		About: `Says which Kubernetes (EKS) and PostgreSQL (RDS) versions the environments configure leave
AWS standard support within the window, or have left it, and what to upgrade to
(awsrules/support.go dates each version, with its source).`,
		Results: []string{"2   a configured version leaves standard support within the window, or has left it"},
	}, stdout, stderr)
	within := f.String("within", "60d", "the window: days (60d), weeks (8w) or hours (1440h)")
	todayFlag := f.String("today", "", "check as of this day, YYYY-MM-DD (default: today, UTC)")
	asJSON := f.Bool("json", false, "print the report as JSON")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	days, err := ParseWindow(*within)
	if err != nil {
		return f.Usagef("-within: %v", err)
	}
	var today time.Time
	if *todayFlag == "" {
		today = now().UTC()
	} else if today, err = time.Parse(time.DateOnly, *todayFlag); err != nil {
		return f.Usagef("-today %q: want a date YYYY-MM-DD", *todayFlag)
	}
	e := envs()
	if err := config.Validate(e); err != nil {
		return f.Fail(fmt.Errorf("invalid configuration:\n%w", err))
	}
	r := Check(e, today, days)
	if *asJSON {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else if err := r.Write(stdout); err != nil {
		return f.Fail(err)
	}
	if r.Attention() {
		return ExitAttention
	}
	return ExitOK
}
