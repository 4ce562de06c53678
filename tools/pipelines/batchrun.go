package pipelines

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/cli"
	"stratum/tools/stackgraph"
)

// Selection is batches.json: the batches a run plans and applies (or a
// drift check checks), each with its selected stacks, written by `stratum
// batch select` in the job that selects the stacks and read by every
// `stratum batch run`.
type Selection struct {
	Platform string `json:"platform"`
	// Layout is the digest of the layout the batches were cut from.
	Layout  string           `json:"layout"`
	Batches map[string]Batch `json:"batches"`
}

// Select keeps the batches of l with a selected stack (report nil: every
// stack), each with its selected stacks only: those the report selects
// that CI runs (not manual) and may run now (not blocked by a manual
// stack).
func Select(l *Layout, r *changes.Report) *Selection {
	s := &Selection{Platform: l.Platform, Layout: l.Digest(), Batches: map[string]Batch{}}
	selected := map[string]bool{}
	if r != nil {
		for _, st := range r.Stacks {
			if !st.Manual && r.Blocked[st.Name] == "" {
				selected[st.Name] = true
			}
		}
	}
	for _, b := range l.Batches {
		if r != nil {
			b.Stacks = slices.DeleteFunc(slices.Clone(b.Stacks), func(n string) bool { return !selected[n] })
		}
		if len(b.Stacks) > 0 {
			s.Batches[b.Key] = b
		}
	}
	return s
}

// Keys are the selection's batch keys of group (all groups: ""), in
// layout order.
func (s *Selection) Keys(l *Layout, group string) []string {
	out := []string{}
	for _, b := range l.Batches {
		if _, ok := s.Batches[b.Key]; ok && (group == "" || b.Group == group) {
			out = append(out, b.Key)
		}
	}
	return out
}

// Batch kinds `stratum batch run` runs.
const (
	KindPullRequestPlan = "pr-plan"
	KindPlan            = "plan"
	KindApply           = "apply"
	KindDrift           = "drift"
)

// DigestsFile lists, in a plan batch's output, each stack's saved-plan
// digest ("<sha256>  <stack>"): the plan job publishes this file's own
// digest as a job output, and the apply job checks the file against it
// before it applies any plan, then each plan against its line.
const DigestsFile = "digests.txt"

// StackResult is one stack's outcome in a batch.
type StackResult struct {
	Stack  string
	Result string
	Failed bool
}

// BatchMain is `stratum batch select|run`.
func BatchMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "select" {
		return batchSelect(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "run" {
		return batchRun(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "stats" {
		return batchStats(args[1:], stdout, stderr)
	}
	f := cli.New(cli.Command{Name: "batch", Synopsis: "select|run|stats [flags]", About: batchAbout}, stdout, stderr)
	if code, ok := f.Parse(args); !ok {
		return code
	}
	return f.Usagef("want a verb: select, run or stats")
}

const batchAbout = `The batches of the generated pipelines' plan, apply and drift jobs (docs/cicd-integration.md,
"Batches"): stacks of one environment, level and layer, about config.Pipelines.BatchElements of
work each. select writes the run's batches (batches.json) and prints the CI outputs naming them;
run plans, applies or checks one batch's stacks one after the other, with a result per stack;
stats prints each platform's largest job counts and file sizes against its limits.`

// batchSelect is `stratum batch select`.
func batchSelect(args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "batch select",
		Synopsis: "-platform P [-changed FILE | -all] [-dir DIR] [-layout DIGEST] [-out FILE] [-format github|keys|none]",
		About: batchAbout + `

select cuts the batches of DIR's stack graph for platform P (the ones the pipeline was generated
with: -layout is their digest, and a run whose graph cuts other batches fails: regenerate the
pipelines), keeps those with a stack the report FILE of stratum changed selects (-all: every
stack, for the drift check), writes them to -out and prints, for github, one line per group
(<group>=["batch", …], for $GITHUB_OUTPUT) or, with -format keys, the selected batches' keys
between spaces (for a condition's contains()).`,
	}, stdout, stderr)
	platform := f.String("platform", "", "github, gitlab or azure (required)")
	report := f.String("changed", "", "the report of stratum changed -json-out (or -all)")
	all := f.Bool("all", false, "every stack (the drift check) instead of a report's selection")
	dir := f.String("dir", "cdktf.out", "the synthesis whose stack graph is batched")
	layout := f.String("layout", "", "the digest of the batches the pipeline was generated with")
	out := f.String("out", "batches.json", "where to write the selected batches")
	format := f.String("format", "none", "github, keys or none: which CI outputs to print")
	f.Required("platform")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if !slices.Contains(Platforms, *platform) {
		return f.Usagef("-platform %q: want one of %s", *platform, strings.Join(Platforms, ", "))
	}
	if *format != "github" && *format != "keys" && *format != "none" {
		return f.Usagef("-format %q: want github, keys or none", *format)
	}
	if (*report == "") == !*all {
		return f.Usagef("want exactly one of -changed FILE and -all")
	}
	var r *changes.Report
	if *report != "" {
		b, err := os.ReadFile(*report)
		if err != nil {
			return f.Fail(err)
		}
		r = &changes.Report{}
		if err := json.Unmarshal(b, r); err != nil {
			return f.Fail(fmt.Errorf("%s: %v", *report, err))
		}
	}
	g, err := stackgraph.Load(*dir)
	if err != nil {
		return f.Fail(err)
	}
	in := Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings()}
	l, err := LayoutFor(in, *platform)
	if err != nil {
		return f.Fail(err)
	}
	if *layout != "" && *layout != l.Digest() {
		return f.Fail(fmt.Errorf("the pipeline was generated for other batches (layout %s) than this run's stack graph cuts (%s): run make generate and commit the pipelines", *layout, l.Digest()))
	}
	s := Select(l, r)
	b, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return f.Fail(err)
	}
	switch *format {
	case "github":
		for _, gr := range g.Groups(in.Settings.EnvironmentOrder) {
			keys, _ := json.Marshal(s.Keys(l, gr.Key()))
			fmt.Fprintf(stdout, "%s=%s\n", gr.Key(), keys)
		}
	case "keys":
		fmt.Fprintf(stdout, " %s \n", strings.Join(s.Keys(l, ""), " "))
	}
	fmt.Fprintf(stderr, "%d of %d batches selected (%s, layout %s), %s\n", len(s.Batches), len(l.Batches), *platform, l.Digest(), *out)
	return cli.ExitOK
}

// batchRun is `stratum batch run`.
func batchRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f := cli.New(cli.Command{
		Name:     "batch run",
		Synopsis: "-kind pr-plan|plan|apply|drift -batch KEY [-batches FILE] [-plans DIR] [-summary FILE]",
		About: batchAbout + `

run runs the job's script for each stack of batch KEY in FILE, one after the other, from the
repository's root (cdktf.out, stratum and changed.json there): pr-plan and plan plan it and run the
policies on the plan (plan keeps the saved plan, sealed where the environment has a state key, and
its digest), apply applies the saved plan of each stack after checking $BATCH_SHA256 against the
plans' ` + DigestsFile + ` and each plan against its line, then records it; drift writes drift/<stack>.json.
The plans (pr-plan: their text; plan: the saved plans and ` + DigestsFile + `) go to DIR, and apply reads
them from there. A stack failing does not stop the others; the run prints each stack's result,
appends them to -summary as Markdown, and exits 1 if any failed.`,
	}, stdout, stderr)
	kind := f.String("kind", "", "pr-plan, plan, apply or drift (required)")
	key := f.String("batch", "", "the batch's key (required)")
	file := f.String("batches", "batches.json", "the batches stratum batch select wrote")
	plans := f.String("plans", "plans", "where plan writes and apply reads the plans")
	summary := f.String("summary", "", "append the results as Markdown to this file (e.g. $GITHUB_STEP_SUMMARY)")
	f.Required("kind", "batch")
	if code, ok := f.Parse(args); !ok {
		return code
	}
	if !slices.Contains([]string{KindPullRequestPlan, KindPlan, KindApply, KindDrift}, *kind) {
		return f.Usagef("-kind %q: want pr-plan, plan, apply or drift", *kind)
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return f.Fail(err)
	}
	var s Selection
	if err := json.Unmarshal(b, &s); err != nil {
		return f.Fail(fmt.Errorf("%s: %v", *file, err))
	}
	batch, ok := s.Batches[*key]
	if !ok {
		return f.Fail(fmt.Errorf("%s has no batch %s", *file, *key))
	}
	env, err := config.Get(config.Environments(), batch.Environment)
	if err != nil {
		return f.Fail(err)
	}
	results, err := RunBatch(ctx, *kind, batch, env, *plans, os.Getenv("BATCH_SHA256"), stdout)
	if err != nil {
		return f.Fail(err)
	}
	md := ResultsMarkdown(*kind, batch, results)
	fmt.Fprint(stdout, ResultsTable(results))
	if *summary != "" {
		sf, err := os.OpenFile(*summary, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return f.Fail(err)
		}
		_, werr := sf.WriteString(md)
		if cerr := sf.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return f.Fail(werr)
		}
	}
	for _, r := range results {
		if r.Failed {
			return cli.ExitFailure
		}
	}
	return cli.ExitOK
}

// batchScript is the script run for each stack of a batch of kind.
func batchScript(kind string, env config.Environment) string {
	switch kind {
	case KindPullRequestPlan:
		return planScript(prPlan)
	case KindPlan:
		// planScript ends in the stack's directory, where the seal runs.
		return planScript(applyPlan) + sealScript(env)
	case KindApply:
		return applyScript(env)
	}
	return planScript(driftPlan)
}

// RunBatch runs kind's script for each stack of batch, in the working
// directory (the repository's root), and returns each stack's result. An
// apply first checks the plans' DigestsFile against batchSHA, the digest
// the plan job published, and fails before applying anything when it
// differs. Once ctx is cancelled (Ctrl-C, the runner cancelling the job)
// the stack in progress finishes, since killing terraform mid-apply
// would leave its lock and a partial state, and no other stack starts:
// each is reported "not run: cancelled" and counts as failed.
func RunBatch(ctx context.Context, kind string, batch Batch, env config.Environment, plans, batchSHA string, log io.Writer) ([]StackResult, error) {
	digests := map[string]string{}
	if kind == KindApply {
		b, err := os.ReadFile(filepath.Join(plans, DigestsFile))
		if err != nil {
			return nil, fmt.Errorf("the reviewed plans: %w", err)
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); batchSHA == "" || got != batchSHA {
			return nil, fmt.Errorf("the plans' %s has sha256 %s, not the reviewed plans' (%s): not applying", DigestsFile, got, orNone(batchSHA))
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 {
				digests[f[1]] = f[0]
			}
		}
	}
	script := batchScript(kind, env)
	var results []StackResult
	var lines []string
	for _, stack := range batch.Stacks {
		if ctx.Err() != nil {
			results = append(results, StackResult{stack, "not run: cancelled", true})
			continue
		}
		dir := filepath.Join("cdktf.out", "stacks", stack)
		extra := []string{"STACK=" + stack}
		if kind == KindApply {
			if digests[stack] == "" {
				results = append(results, StackResult{stack, "failed: no reviewed plan", true})
				continue
			}
			if err := copyDir(filepath.Join(plans, stack), dir); err != nil {
				results = append(results, StackResult{stack, "failed: " + err.Error(), true})
				continue
			}
			extra = append(extra, "TFPLAN_SHA256="+digests[stack])
		}
		fmt.Fprintf(log, "::: %s %s\n", kind, stack)
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(os.Environ(), extra...)
		cmd.Stdout, cmd.Stderr = log, log
		err := cmd.Run()
		r := StackResult{Stack: stack, Result: outcome(kind, dir, stack, err)}
		r.Failed = err != nil || strings.HasPrefix(r.Result, "failed")
		results = append(results, r)
		if kind == KindPlan || kind == KindPullRequestPlan {
			files := []string{"plan.txt"}
			if kind == KindPlan {
				files = append(savedPlanFiles(env), files...)
			}
			if err := keep(dir, filepath.Join(plans, stack), files); err != nil && !r.Failed {
				return nil, err
			}
			if kind == KindPlan && !r.Failed {
				d, err := os.ReadFile(filepath.Join(dir, "tfplan.sha256"))
				if err != nil {
					return nil, err
				}
				lines = append(lines, strings.TrimSpace(string(d))+"  "+stack)
			}
		}
	}
	if kind == KindPlan {
		if err := os.MkdirAll(plans, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(plans, DigestsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
	}
	return results, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// outcome is a stack's result from its script's error and what the
// script left: the plan's exit code, the drift check's status.
func outcome(kind, dir, stack string, err error) string {
	switch kind {
	case KindApply:
		if err != nil {
			return "failed: " + err.Error()
		}
		return "applied and recorded"
	case KindDrift:
		var d struct{ Status string }
		b, rerr := os.ReadFile(filepath.Join("drift", stack+".json"))
		if rerr != nil || json.Unmarshal(b, &d) != nil {
			return "failed: no drift result"
		}
		return d.Status
	}
	code, _ := os.ReadFile(filepath.Join(dir, "exitcode"))
	plan := map[string]string{"0": "no changes", "2": "changes"}[strings.TrimSpace(string(code))]
	switch {
	case plan == "":
		return "failed: terraform plan failed"
	case err != nil:
		return "failed: " + plan + ", refused by the policies or not kept (" + err.Error() + ")"
	}
	return plan
}

// keep copies the files of a stack's directory that leave the runner
// into out (those that exist: a failed plan has no saved plan).
func keep(dir, out string, files []string) error {
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, name), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// copyDir copies the files of src into dst.
func copyDir(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// ResultsTable is the results for the job's log.
func ResultsTable(rs []StackResult) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%-50s %s\n", r.Stack, r.Result)
	}
	return b.String()
}

// summaryBudget bounds the Markdown a batch appends to a job summary
// (GitHub keeps at most 1 MiB per step): each plan's text gets its share.
const summaryBudget = 900 * 1000

// ResultsMarkdown is the results for the job's summary: a table with a
// row per stack, then each plan's text (plans only).
func ResultsMarkdown(kind string, batch Batch, rs []StackResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s %s: %d stacks\n\n| stack | result |\n| --- | --- |\n", kind, batch.Key, len(rs))
	for _, r := range rs {
		fmt.Fprintf(&b, "| %s | %s |\n", r.Stack, r.Result)
	}
	b.WriteString("\n")
	if kind != KindPlan && kind != KindPullRequestPlan {
		return b.String()
	}
	share := min(60000, summaryBudget/max(1, len(rs)))
	for _, r := range rs {
		text, err := os.ReadFile(filepath.Join("cdktf.out", "stacks", r.Stack, "plan.txt"))
		if err != nil {
			text = []byte("no plan")
		}
		if len(text) > share {
			text = append(text[:share:share], "\n… (the whole plan is in the job's artifact)"...)
		}
		fmt.Fprintf(&b, "<details><summary>%s: %s</summary>\n\n```\n%s\n```\n</details>\n\n", r.Stack, r.Result, text)
	}
	return b.String()
}
