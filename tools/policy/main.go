package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"stratum/config"
	"stratum/tools/cli"
	"stratum/tools/synthesis"
)

// Main is `stratum policy`.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "policy",
		Synopsis: "-plan FILE -stack STACK [-labels L1,L2] [-json] | -dir DIR [-json]",
		About: `Evaluates Stratum's policies (tools/policy/rego: no public ingress, encryption at rest, production
data protected, required tags, one client's data per state, IRSA trust pinned, no destroy in
production without the allow-destroy label) over one stack's plan, as terraform show -json prints
it (-plan, what the pull-request pipelines run), or over every synthesized stack of DIR (-dir).
Each denial names the stack, the address and the rule; warnings are printed too. The pipelines pass
the pull request's labels with -labels: allow-destroy:<stack> lets that stack's plan destroy in
production, allow-destroy every stack's.`,
	}, stdout, stderr)
	plan := f.String("plan", "", "the JSON of one stack's saved plan (terraform show -json tfplan)")
	stack := f.String("stack", "", "the stack the plan is of (with -plan)")
	dir := f.String("dir", "", "a synthesis (make synth writes cdktf.out): check every stack's configuration")
	labels := f.String("labels", "", "the change's labels, comma-separated (allow-destroy, allow-destroy:<stack>)")
	asJSON := f.Bool("json", false, "print the findings as JSON")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	switch {
	case (*plan == "") == (*dir == ""):
		return f.Usagef("give either -plan FILE (with -stack) or -dir DIR")
	case *plan != "" && *stack == "":
		return f.Usagef("missing required flag -stack: the stack the plan of -plan %s is of", *plan)
	case *dir != "" && *stack != "":
		return f.Usagef("-stack goes with -plan; -dir checks every stack of DIR")
	}
	envs := config.Environments()
	var inputs []*Input
	if *plan != "" {
		raw, err := os.ReadFile(*plan)
		if err != nil {
			return f.Fail(err)
		}
		in, err := FromPlan(Stack{Name: *stack, Envs: envs, Labels: splitLabels(*labels)}, raw)
		if err != nil {
			return f.Fail(fmt.Errorf("%s: %w", *plan, err))
		}
		inputs = append(inputs, in)
	} else {
		var err error
		if inputs, err = FromSynthesis(*dir, envs); err != nil {
			return f.Fail(err)
		}
	}
	e, err := Default()
	if err != nil {
		return f.Fail(err)
	}
	var all []Finding
	for _, in := range inputs {
		fs, err := e.Evaluate(ctx, in)
		if err != nil {
			return f.Fail(err)
		}
		all = append(all, fs...)
	}
	denied := Denied(all)
	if *asJSON {
		b, _ := json.MarshalIndent(map[string]any{"stacks": len(inputs), "findings": orEmpty(all)}, "", "  ")
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		for _, x := range all {
			fmt.Fprintln(stdout, x)
		}
		fmt.Fprintf(stdout, "%d stack(s) checked: %d denied, %d warning(s)\n", len(inputs), len(denied), len(all)-len(denied))
	}
	if len(denied) > 0 {
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// FromSynthesis is the configuration input of every stack of a
// synthesis (the directory holding manifest.json), sorted by name.
func FromSynthesis(dir string, envs []config.Environment) ([]*Input, error) {
	syn, err := synthesis.Read(dir)
	if err != nil {
		return nil, err
	}
	var out []*Input
	for _, st := range syn.Stacks {
		in, err := FromConfiguration(Stack{Name: st.Name, Envs: envs}, st.JSON)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func splitLabels(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ",") {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func orEmpty(fs []Finding) []Finding {
	if fs == nil {
		return []Finding{}
	}
	return fs
}
