// Package migrate moves resource instances from one Terraform state (the
// monolith of the original layout, or an existing Stratum stack) into the
// states of Stratum's synthesized stacks, like a database migration: a dry
// run first (plan, which writes a ledger), then apply (backups, the
// destinations first and the reduced source last, every step logged),
// verify (nothing lost, nothing duplicated, every object byte-identical)
// and rollback (every state back to its backup). It drives the real
// Terraform CLI, so it works with every backend Terraform supports. See
// docs/migration.md.
package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"stratum/tools/cli"
	"stratum/tools/tfbackend"
)

const usage = `usage: stratum migrate [plan] -source SOURCE [flags]   dry run: map every instance, write DIR/plan.json
       stratum migrate apply [flags]                     back up, write the destinations, then the source
       stratum migrate verify [flags]                    prove every instance is in exactly one place
       stratum migrate rollback [flags]                  restore every state to its backup
       stratum migrate retire [flags]                    remove the emptied state of a source stack no longer synthesized
       stratum migrate imports -out DIR [flags]          import and removed blocks instead of moving state

SOURCE is a state file (terraform state pull > monolith.tfstate), stack:NAME
(an existing Stratum stack's state) or backend:FILE.json (a backend block).
stratum help migrate VERB lists a verb's flags (docs/migration.md explains them).

exit codes:
  0   done, or nothing to do
  1   failed, or the plan is incomplete (unmapped, ambiguous, conflicting or
      deposed instances), or verify found a problem
  2   plan: instances to move (run apply next)
  64  usage error: nothing was done
`

// verbs are the verbs' help: synopsis after the verb, and what it does.
var verbs = map[string]cli.Command{
	"plan": {Synopsis: "-source SOURCE [-dir DIR] [-synthesis DIR] [-mapping FILE] [-stacks GLOBS] [flags]",
		About: `Dry run: reads the source state and the destinations', maps every instance of the source to
its address in a synthesized stack (automatically, or by the mapping file), and writes the
ledger DIR/plan.json that apply executes. Nothing else is written.`,
		Results: []string{"2   instances to move: run apply next (1 when the plan is incomplete)"}},
	"apply": {Synopsis: "[-dir DIR] [flags]",
		About: `Executes DIR/plan.json: backs up every state involved, writes the destinations first and the
reduced source last (a crash duplicates, never loses), and logs every step. After an interrupted
run it completes the remaining writes, or says what it found and what to run.`},
	"verify": {Synopsis: "[-dir DIR] [flags]",
		About: `Proves every instance of the plan is in exactly one place: nothing lost, nothing duplicated,
every object byte-identical to the source's. Exits 1 when it finds a problem.`},
	"rollback": {Synopsis: "[-dir DIR] [-force] [flags]",
		About: `Restores every state the migration wrote to the backup taken before the migration's first
write, however many plans, applies and interrupted runs came after.`},
	"retire": {Synopsis: "[-dir DIR] [flags]",
		About: `Removes the emptied state of a source stack that is no longer synthesized, once verify passed
and the state holds no managed resource.`},
	"imports": {Synopsis: "-out DIR [-dir DIR] [flags]",
		About: `Writes import blocks (DIR/<stack>/imports.tf) and removed blocks (DIR/source/removed.tf) for the
plan, for teams that move state with terraform plan and apply instead of migrate apply.`},
}

// Main is the `stratum migrate` command. Ctrl-C (or SIGTERM: main cancels
// ctx) asks it to stop: apply and rollback finish the write under way, record the
// interruption in the journal and stop before the next one, so that the
// next run continues.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, stdout, stderr, nil)
}

// run is Main with its context and, for tests, a Store (nil: the
// Terraform CLI named by -terraform).
func run(ctx context.Context, args []string, stdout, stderr io.Writer, store Store) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		// stratum migrate -h: the overview; stratum migrate plan -h is
		// plan's flags.
		fmt.Fprint(stdout, usage)
		return cli.ExitOK
	}
	verb := "plan"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		verb, args = args[0], args[1:]
	}
	if verb == "help" {
		if len(args) > 0 {
			// stratum migrate help VERB: that verb's help.
			return run(ctx, []string{args[0], "-h"}, stdout, stderr, store)
		}
		fmt.Fprint(stdout, usage)
		return cli.ExitOK
	}
	cmd, known := verbs[verb]
	if !known {
		fmt.Fprintf(stderr, "stratum migrate: unknown verb %q: want one of plan, apply, verify, rollback, retire, imports\nrun 'stratum help migrate' for what each does\n", verb)
		return cli.ExitUsage
	}
	cmd.Name = "migrate " + verb
	fs := cli.New(cmd, stdout, stderr)
	dir := fs.String("dir", "migration", "the migration directory: plan.json, migration.log.jsonl, backups/")
	asJSON := fs.Bool("json", false, "print JSON instead of tables")
	binary := fs.String("terraform", "terraform", "the terraform binary (1.5 or later)")
	lockTimeout := fs.Duration("lock-timeout", 0, "how long terraform state push waits for a state lock held by someone else")
	var o Options
	var force bool
	var out string
	switch verb {
	case "plan":
		fs.StringVar(&o.Source, "source", "", "the state to split: FILE, stack:NAME or backend:FILE.json (required)")
		fs.StringVar(&o.Synthesis, "synthesis", "cdktf.out", "the synthesized stacks (make synth writes cdktf.out)")
		fs.StringVar(&o.Mapping, "mapping", "", "mapping file for what automatic matching cannot decide")
		fs.StringVar(&o.Stacks, "stacks", "", "comma-separated globs of destination stacks, e.g. '*-prod' (default: all but the source)")
		fs.Var((*listFlag)(&o.BackendConfig), "backend-config", "-backend-config for every stack's backend (repeatable; KEY=VALUE or a file)")
		fs.BoolVar(&o.SkipDestinations, "skip-destinations", false, "do not read the destination states (faster with many stacks; conflicts are then found by apply, before it writes anything)")
		fs.Var((*listFlag)(&o.SourceBackendConfig), "source-backend-config", "-backend-config for a backend:FILE.json source (repeatable)")
		fs.Var((*listFlag)(&o.ForceIdentity), "force-identity", "move this mapping-file source address although its identity contradicts its destination's (repeatable; recorded)")
		fs.Required("source")
	case "rollback":
		fs.BoolVar(&force, "force", false, "restore states that someone else changed after the migration (their changes are lost)")
	case "imports":
		fs.StringVar(&out, "out", "", "the directory for <stack>/imports.tf and source/removed.tf (required)")
		fs.Required("out")
	}
	if code, ok := fs.Parse(args); !ok {
		return code
	}
	if store == nil {
		tf := &tfbackend.Terraform{Binary: *binary, LockTimeout: *lockTimeout}
		// Once the migration directory exists (plan creates it only when
		// it succeeds), the states' initialised backends are kept in it:
		// the commands after the first open the same states.
		if fi, err := os.Stat(*dir); err == nil && fi.IsDir() {
			tf.InitCache = filepath.Join(*dir, initCacheDir)
		}
		store = CLI(tf)
	}
	o.Dir, o.Store = *dir, store
	fail := func(err error) int {
		fmt.Fprintf(stderr, "stratum migrate %s: %v\n", verb, err)
		return 1
	}
	// show prints v as JSON with -json, else for people with table.
	show := func(v any, table func()) {
		if *asJSON {
			writeJSON(stdout, v)
		} else {
			table()
		}
	}
	switch verb {
	case "plan":
		start := time.Now()
		l, err := Plan(ctx, o)
		if err != nil {
			return fail(err)
		}
		show(l, func() { printPlan(stdout, l, *dir, time.Since(start)) })
		switch {
		case len(l.Blocked()) > 0:
			return cli.ExitFailure
		case l.Pending() > 0:
			return cli.ExitChanges
		}
		return cli.ExitOK
	case "apply":
		rep, err := Apply(ctx, *dir, store)
		if err != nil {
			return fail(err)
		}
		show(rep, func() { printApply(stdout, rep) })
		return 0
	case "verify":
		rep, err := Verify(ctx, *dir, store)
		if err != nil {
			return fail(err)
		}
		show(rep, func() { printVerify(stdout, rep) })
		if !rep.OK() {
			return 1
		}
		return 0
	case "rollback":
		rep, err := Rollback(ctx, *dir, store, RollbackOptions{Force: force})
		if err != nil {
			return fail(err)
		}
		show(rep, func() { printRollback(stdout, rep) })
		return 0
	case "retire":
		rep, err := Retire(ctx, *dir, store)
		if err != nil {
			return fail(err)
		}
		show(rep, func() { printRetire(stdout, rep) })
		return 0
	case "imports":
		rep, err := WriteImports(*dir, out)
		if err != nil {
			return fail(err)
		}
		show(rep, func() {
			for _, w := range rep.Warnings {
				fmt.Fprintln(stdout, "warning:", w)
			}
			fmt.Fprintf(stdout, "wrote %d import blocks and %d removed blocks:\n  %s\n", rep.Imports, rep.Removed, strings.Join(rep.Files, "\n  "))
		})
		return 0
	}
	return 1
}

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func writeJSON(w io.Writer, v any) {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	e.SetEscapeHTML(false)
	e.Encode(v)
}

func printPlan(w io.Writer, l *Ledger, dir string, took time.Duration) {
	byStack := map[string][]Entry{}
	var retired, kept, data []Entry
	for _, e := range l.Entries {
		switch {
		case e.Action == ActionMove:
			byStack[e.Stack] = append(byStack[e.Stack], e)
		case e.Action == ActionRetire:
			retired = append(retired, e)
		case e.Mode == "data":
			data = append(data, e)
		default:
			kept = append(kept, e)
		}
	}
	creates := map[string][]Create{}
	for _, c := range l.Create {
		creates[c.Stack] = append(creates[c.Stack], c)
	}
	stacks := map[string]bool{}
	for s := range byStack {
		stacks[s] = true
	}
	for s := range creates {
		stacks[s] = true
	}
	fmt.Fprintf(w, "Source %s: lineage %s, serial %d, %d instances\n", describeBackend(l.Source.Backend), l.Source.Lineage, l.Source.Serial, len(l.Entries)+len(l.Unmapped)+countSources(l.Ambiguous))
	if l.Source.Inferred != "" {
		fmt.Fprintf(w, "  (%s)\n", l.Source.Inferred)
	}
	for _, s := range slices.Sorted(maps.Keys(stacks)) {
		es := byStack[s]
		state := "new state"
		if d := l.Destinations[s]; d != nil && d.Exists {
			state = fmt.Sprintf("existing state, serial %d", d.Serial)
		}
		fmt.Fprintf(w, "\n== %s: %d to move in, %d to create", s, len(es), len(creates[s]))
		if d := l.Destinations[s]; d != nil {
			fmt.Fprintf(w, " (%s, %s)", describeBackend(d.Backend), state)
		}
		fmt.Fprintln(w)
		if len(es) > 0 {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  SOURCE\tDESTINATION\tBY\tIDENTITY")
			for _, e := range es {
				by := e.By
				if e.Done {
					by += ", already there"
				}
				if e.Tainted {
					by += ", TAINTED: replaced on the next apply of " + s
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", e.Source, e.Destination, by, describeIdentity(e))
			}
			tw.Flush()
		}
		if cs := creates[s]; len(cs) > 0 {
			fmt.Fprintf(w, "  will be created by %s (the source does not have them):\n", s)
			for _, c := range cs {
				fmt.Fprintf(w, "    + %s\n", c.Address)
			}
		}
	}
	section := func(title string, es []Entry) {
		if len(es) == 0 {
			return
		}
		fmt.Fprintf(w, "\n== %s\n", title)
		for _, e := range es {
			r := e.Reason
			if r != "" {
				r = " (" + r + ")"
			}
			fmt.Fprintf(w, "  %s%s\n", e.Source, r)
		}
	}
	section("retired: removed from the source, left alone in AWS, managed by no stack", retired)
	section("kept in the source", kept)
	section("data sources: stay in the source", data)
	problems := func(title string, ps []Problem) {
		if len(ps) == 0 {
			return
		}
		fmt.Fprintf(w, "\n== %s (%d)\n", title, len(ps))
		for _, p := range ps {
			fmt.Fprintf(w, "  %s: %s\n", p.Source, p.Message)
			for _, c := range p.Candidates {
				fmt.Fprintf(w, "      candidate %s\n", c)
			}
		}
	}
	problems("UNMAPPED", l.Unmapped)
	problems("AMBIGUOUS", l.Ambiguous)
	problems("CONFLICTS", l.Conflicts)
	problems("DEPOSED", l.Deposed)
	moves, done := 0, 0
	for _, e := range l.Entries {
		if e.Action == ActionMove {
			moves++
			if e.Done {
				done++
			}
		}
	}
	fmt.Fprintf(w, "\nPlan %s (%s): %d to move into %d stacks (%d already there), %d to retire, %d kept, %d data sources; %d unmapped, %d ambiguous, %d conflicts, %d deposed. Planned in %s.\n",
		l.ID, dir+"/plan.json", moves, len(byStack), done, len(retired), len(kept), len(data), len(l.Unmapped), len(l.Ambiguous), len(l.Conflicts), len(l.Deposed), took.Round(time.Millisecond))
	if why := l.Blocked(); len(why) > 0 {
		fmt.Fprintf(w, "apply will refuse this plan (%s): %s\n", strings.Join(why, ", "), blockedAdvice(l))
	} else if l.Pending() > 0 {
		fmt.Fprintf(w, "Next: stratum migrate apply -dir %s\n", dir)
	}
}

// describeIdentity is the IDENTITY column of a move: the attributes
// compared, and how.
func describeIdentity(e Entry) string {
	id := match{Identity: e.Identity}.describe()
	switch e.IdentityCheck {
	case IdentityUnchecked:
		return "unchecked (the destination declares no identity)"
	case IdentityReferenced:
		if id == "" {
			return "by reference from a matched resource"
		}
		return id + " (by reference)"
	case IdentityForced:
		return "FORCED " + id + ": " + e.Reason
	}
	return id
}

// blockedAdvice says what to do about a blocked plan: mapping entries for
// what is unmapped or ambiguous, and what each other kind of problem
// needs.
func blockedAdvice(l *Ledger) string {
	var do []string
	if len(l.Unmapped)+len(l.Ambiguous) > 0 {
		do = append(do, "add the missing entries to the mapping file")
	}
	if len(l.Conflicts) > 0 {
		do = append(do, "resolve each conflict as it says")
	}
	if len(l.Deposed) > 0 {
		do = append(do, "run `terraform apply` on the source until no deposed object is left")
	}
	return strings.Join(do, "; ") + ", then plan again."
}

func countSources(ps []Problem) int {
	n := 0
	for _, p := range ps {
		if !strings.Contains(p.Source, ":") {
			n++
		}
	}
	return n
}

func describeBackend(b BackendRef) string {
	return b.backend("").String()
}

func printApply(w io.Writer, r *ApplyReport) {
	switch {
	case r.AlreadyApplied:
		fmt.Fprintf(w, "Plan %s was already applied; nothing was written.\n", r.Plan)
		return
	case r.Nothing:
		fmt.Fprintf(w, "Plan %s moves and retires nothing; nothing was written.\n", r.Plan)
		return
	case r.Completed:
		fmt.Fprintf(w, "An earlier run of plan %s wrote every state and stopped before recording it; checked every state and recorded it (backup %s):\n", r.Plan, r.Backup)
	default:
		fmt.Fprintf(w, "Backed up every state into %s\n", r.Backup)
	}
	for _, s := range r.Written {
		switch {
		case s.Name == "source":
			fmt.Fprintf(w, "  source: %d instances removed, now serial %d\n", s.Removed, s.Serial)
		default:
			fmt.Fprintf(w, "  %s: %d instances added, now lineage %s serial %d\n", s.Name, s.Added, s.Lineage, s.Serial)
		}
	}
	fmt.Fprintf(w, "Applied plan %s: %d moved, %d retired.\n", r.Plan, r.Moved, r.Retired)
	fmt.Fprintln(w, "Next: stratum migrate verify; then, with AWS credentials, check that no stack would change a migrated resource:")
	sort.Strings(r.Check)
	for _, c := range r.Check {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

func printVerify(w io.Writer, r *VerifyReport) {
	for _, kind := range []struct {
		label string
		addrs []string
	}{{"LOST", r.Lost}, {"DUPLICATED", r.Duplicate}, {"CHANGED", r.Changed}, {"PENDING", r.Pending}} {
		for _, a := range kind.addrs {
			fmt.Fprintf(w, "%-10s %s\n", kind.label, a)
		}
	}
	fmt.Fprintf(w, "verified %d of %d instances against backup %s: %d moved into %d stacks, %d retired, %d kept, %d data sources; %d lost, %d duplicated, %d changed, %d pending\n",
		r.Verified, r.Instances, r.Backup, r.Moved, r.Stacks, r.Retired, r.Kept, r.Data, len(r.Lost), len(r.Duplicate), len(r.Changed), len(r.Pending))
	if r.SourceRetired {
		fmt.Fprintln(w, "the source's state was retired (removed): its data sources went with it")
	}
	if len(r.Pending) > 0 {
		fmt.Fprintln(w, "an apply was interrupted: run `stratum migrate apply` again to finish it, or `stratum migrate rollback`")
	}
}

func printRetire(w io.Writer, r *RetireReport) {
	if r.AlreadyRetired {
		fmt.Fprintf(w, "The source of plan %s (stack %s) was already retired; nothing was done.\n", r.Plan, r.Stack)
		return
	}
	if r.Completed {
		fmt.Fprintf(w, "Retired stack %s: an earlier retire removed its state %s (%d data sources, no managed resource) and stopped before recording it; recorded now, backed up to %s.\n", r.Stack, r.State, r.DataSources, r.Backup)
	} else {
		fmt.Fprintf(w, "Retired stack %s: removed its state %s (%d data sources, no managed resource), backed up to %s.\n", r.Stack, r.State, r.DataSources, r.Backup)
	}
	fmt.Fprintln(w, "`stratum migrate rollback` still restores it with every moved object.")
}

func printRollback(w io.Writer, r *RollbackReport) {
	if r.Nothing {
		fmt.Fprintf(w, "Nothing to roll back: no apply of this migration wrote anything since its last rollback; every state is as it was.\n")
		return
	}
	fmt.Fprintf(w, "Rolled back plan %s from %s\n", r.Plan, strings.Join(r.Backups, ", "))
	for _, s := range r.Restored {
		fmt.Fprintf(w, "  restored  %s\n", s)
	}
	for _, s := range r.Removed {
		fmt.Fprintf(w, "  removed   %s (it did not exist before)\n", s)
	}
	for _, s := range r.Unchanged {
		fmt.Fprintf(w, "  unchanged %s\n", s)
	}
}
