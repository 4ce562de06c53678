package stacks

import (
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/constructs/alarm"
)

// alertRunbooks is where the runbook of each alert lives, relative to the
// repository root (config.RunbookPath).
const alertRunbooks = "docs/runbooks/alerts"

// alertLink is one alert of a stack and the runbook it links.
type alertLink struct {
	stack, kind, name, link string
}

// alertLinks returns every alert of the stacks with the runbook it links:
// alarms and EventBridge rules in their description, budgets and RDS
// event subscriptions (whose notifications carry no description of ours)
// in their Runbook tag.
func alertLinks(stacks map[string]tfJSON) []alertLink {
	var out []alertLink
	for _, name := range slices.Sorted(maps.Keys(stacks)) {
		j := stacks[name]
		for _, a := range j.resources("aws_cloudwatch_metric_alarm") {
			link, _ := alarm.RunbookOf(fmt.Sprint(a["alarm_description"]))
			out = append(out, alertLink{name, "alarm", fmt.Sprint(a["alarm_name"]), link})
		}
		for _, r := range j.resources("aws_cloudwatch_event_rule") {
			link, _ := alarm.RunbookOf(fmt.Sprint(r["description"]))
			out = append(out, alertLink{name, "EventBridge rule", fmt.Sprint(r["name"]), link})
		}
		for typ, kind := range map[string]string{"aws_budgets_budget": "budget", "aws_db_event_subscription": "RDS event subscription"} {
			for _, r := range j.resources(typ) {
				tags, _ := r["tags"].(map[string]any)
				out = append(out, alertLink{name, kind, fmt.Sprint(r["name"]), fmt.Sprint(tags["Runbook"])})
			}
		}
	}
	return out
}

// runbookProblems: every alert links, under its environment's
// RunbookBaseURL, a runbook in alertRunbooks that exists (files), and is
// named so that the runbook is obvious (every word of the runbook's name
// is in the alert's name); every runbook in alertRunbooks belongs to an
// alert.
func runbookProblems(links []alertLink, envOf map[string]config.Environment, files []string) []string {
	var out []string
	used := map[string]bool{}
	for _, l := range links {
		base := envOf[l.stack].Alerts.RunbookBaseURL + alertRunbooks + "/"
		runbook, ok := strings.CutPrefix(l.link, base)
		if !ok || !strings.HasSuffix(runbook, ".md") || strings.Contains(runbook, "/") {
			out = append(out, fmt.Sprintf("%s: %s %s links %q, want %s<runbook>.md", l.stack, l.kind, l.name, l.link, base))
			continue
		}
		kind := strings.TrimSuffix(runbook, ".md")
		if !slices.Contains(files, kind) {
			out = append(out, fmt.Sprintf("%s: %s %s links %s, which does not exist in %s", l.stack, l.kind, l.name, runbook, alertRunbooks))
		}
		words := strings.Split(l.name, "-")
		for _, w := range strings.Split(kind, "-") {
			if !slices.Contains(words, w) {
				out = append(out, fmt.Sprintf("%s: %s %s links runbook %s, but its name lacks %q: name alerts after their runbook", l.stack, l.kind, l.name, kind, w))
			}
		}
		used[kind] = true
	}
	for _, f := range files {
		if !used[f] {
			out = append(out, fmt.Sprintf("%s/%s.md belongs to no alert: remove it, or link it from the alert it is for", alertRunbooks, f))
		}
	}
	return out
}

// alertTable is the document whose "Alerts" table lists every alert with
// its runbook and the stacks it comes from.
const alertTable = "docs/architecture.md"

// parseAlertTable reads the rows of doc's "## Alerts" section that link an
// alert runbook: runbook name → the stack patterns of its "from" column
// (`audit-<env>`, `client-<client>-<env>`, …).
func parseAlertTable(doc []byte) map[string][]string {
	out := map[string][]string{}
	_, section, _ := strings.Cut(string(doc), "\n## Alerts\n")
	section, _, _ = strings.Cut(section, "\n## ")
	link := regexp.MustCompile(`\]\(runbooks/alerts/([a-z0-9-]+)\.md\)`)
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if !strings.HasPrefix(line, "| ") || len(cells) != 3 {
			continue
		}
		m := link.FindStringSubmatch(cells[1])
		if m == nil {
			continue
		}
		for _, c := range code.FindAllStringSubmatch(cells[2], -1) {
			out[m[1]] = append(out[m[1]], c[1])
		}
	}
	return out
}

// stackPattern is how the alert table names the stacks like stack in env:
// <layer>-<env>, or <layer>-<client>-<env> for a client's stacks.
func stackPattern(stack string, env config.Environment) string {
	rest := strings.TrimSuffix(stack, "-"+env.Name)
	if layer, _, perClient := strings.Cut(rest, "-"); perClient {
		return layer + "-<client>-<env>"
	}
	return rest + "-<env>"
}

// alertTableProblems: every alert's runbook has a row in the alert table,
// whose "from" column names the alert's stack.
func alertTableProblems(links []alertLink, envOf map[string]config.Environment, table map[string][]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range links {
		kind := strings.TrimSuffix(path.Base(l.link), ".md")
		from := stackPattern(l.stack, envOf[l.stack])
		if seen[kind+" "+from] {
			continue
		}
		seen[kind+" "+from] = true
		switch stacks, ok := table[kind]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: %s %s (runbook %s) is not in the alert table of %s", l.stack, l.kind, l.name, kind, alertTable))
		case !slices.Contains(stacks, from):
			out = append(out, fmt.Sprintf("%s: %s %s (runbook %s): the alert table of %s says it comes from %v, not %s", l.stack, l.kind, l.name, kind, alertTable, stacks, from))
		}
	}
	return out
}

// runbookFiles are the alert runbooks' names in the repository.
func runbookFiles(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", alertRunbooks, "*.md"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no runbooks in %s: %v", alertRunbooks, err)
	}
	var out []string
	for _, p := range paths {
		out = append(out, strings.TrimSuffix(filepath.Base(p), ".md"))
	}
	return out
}

// TestAlertsLinkTheirRunbooks: every alarm, EventBridge rule, budget and
// RDS event subscription of every stack links a runbook that exists and
// is named after it, and every alert runbook is some alert's.
func TestAlertsLinkTheirRunbooks(t *testing.T) {
	s := defaultSynth(t)
	links := alertLinks(s.stacks)
	if len(links) < 50 {
		t.Fatalf("only %d alerts in the synthesis", len(links))
	}
	envOf := stackEnvironments(config.Environments(), clients.All)
	for _, p := range runbookProblems(links, envOf, runbookFiles(t)) {
		t.Error(p)
	}
	doc, err := os.ReadFile(filepath.Join("..", alertTable))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range alertTableProblems(links, envOf, parseAlertTable(doc)) {
		t.Error(p)
	}
	// The EventBridge messages name their runbook too: they are what the
	// reader of the notification sees.
	for _, name := range s.names() {
		env := envOf[name]
		for addr, tg := range s.stacks[name].resources("aws_cloudwatch_event_target") {
			tr, _ := tg["input_transformer"].(map[string]any)
			if !strings.Contains(fmt.Sprint(tr["input_template"]), "Runbook: "+env.Alerts.RunbookBaseURL+alertRunbooks+"/") {
				t.Errorf("%s: target %s's message %v links no runbook", name, addr, tr["input_template"])
			}
		}
	}
	// The links are the configured URL followed by the path in this
	// repository, so each opens the file the test just found.
	if _, err := os.Stat(filepath.Join("..", config.RunbookPath(AlertBudget))); err != nil {
		t.Errorf("config.RunbookPath(%q): %v", AlertBudget, err)
	}
}

// TestRunbookCheckerFails: the checker finds a link to a missing runbook,
// an alert not named after its runbook, a link without the configured
// base and a runbook no alert links.
func TestRunbookCheckerFails(t *testing.T) {
	env := envByName(t, "prod")
	envOf := map[string]config.Environment{"foundation-prod": env}
	base := env.Alerts.RunbookBaseURL + alertRunbooks + "/"
	good := alertLink{"foundation-prod", "alarm", "stratum-prod-nat-us-east-1a-port-allocation", base + "nat-port-allocation.md"}
	if got := runbookProblems([]alertLink{good}, envOf, []string{"nat-port-allocation"}); len(got) != 0 {
		t.Fatalf("a correct link: %v", got)
	}
	for name, tc := range map[string]struct {
		link  alertLink
		files []string
		want  string
	}{
		"missing runbook": {alertLink{good.stack, good.kind, good.name, base + "nat-port-allocation.md"}, []string{"nat-packets-dropped"}, "does not exist"},
		"misnamed alert":  {alertLink{good.stack, good.kind, "stratum-prod-nat-us-east-1a-ports", good.link}, []string{"nat-port-allocation"}, `lacks "port"`},
		"no base":         {alertLink{good.stack, good.kind, good.name, "docs/runbooks/alerts/nat-port-allocation.md"}, []string{"nat-port-allocation"}, "want https://"},
		"orphan runbook":  {good, []string{"nat-port-allocation", "db-cpu"}, "db-cpu.md belongs to no alert"},
		"no link":         {alertLink{good.stack, good.kind, good.name, ""}, []string{"nat-port-allocation"}, "links \"\""},
	} {
		t.Run(name, func(t *testing.T) {
			got := runbookProblems([]alertLink{tc.link}, envOf, tc.files)
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("runbookProblems = %v, want a problem mentioning %q", got, tc.want)
			}
		})
	}
}

// TestAlertTableCheckerFails: the alert table checker finds an alert
// whose runbook has no row, and one whose row names other stacks; and it
// reads the rows of the real table.
func TestAlertTableCheckerFails(t *testing.T) {
	env := envByName(t, "prod")
	envOf := map[string]config.Environment{"audit-prod": env, "client-ezra-prod": env}
	base := env.Alerts.RunbookBaseURL + alertRunbooks + "/"
	audit := alertLink{"audit-prod", "alarm", "stratum-prod-audit-root-usage", base + "root-usage.md"}
	client := alertLink{"client-ezra-prod", "budget", "stratum-prod-ezra-budget", base + "budget.md"}
	doc := []byte("# x\n\n## Alerts\n\n| alert | runbook | from |\n| --- | --- | --- |\n" +
		"| `stratum-<env>-audit-root-usage` | [root-usage](runbooks/alerts/root-usage.md) | `audit-<env>` |\n" +
		"| `stratum-<env>-budget` | [budget](runbooks/alerts/budget.md) | `foundation-<env>`, `client-<client>-<env>` |\n\n## Next\n" +
		"| `x` | [db-cpu](runbooks/alerts/db-cpu.md) | `database-<client>-<env>` |\n")
	table := parseAlertTable(doc)
	if got := alertTableProblems([]alertLink{audit, client}, envOf, table); len(got) != 0 {
		t.Fatalf("alerts in the table: %v", got)
	}
	if _, ok := table["db-cpu"]; ok {
		t.Errorf("parseAlertTable read a row after the Alerts section: %v", table)
	}
	for name, tc := range map[string]struct {
		link alertLink
		want string
	}{
		"no row":      {alertLink{"audit-prod", "alarm", "stratum-prod-audit-kms-key-deletion", base + "kms-key-deletion.md"}, "not in the alert table"},
		"other stack": {alertLink{"audit-prod", "budget", "stratum-prod-audit-budget", base + "budget.md"}, "not audit-<env>"},
	} {
		t.Run(name, func(t *testing.T) {
			got := alertTableProblems([]alertLink{tc.link}, envOf, table)
			if !strings.Contains(strings.Join(got, "\n"), tc.want) {
				t.Errorf("alertTableProblems = %v, want a problem mentioning %q", got, tc.want)
			}
		})
	}
	real, err := os.ReadFile(filepath.Join("..", alertTable))
	if err != nil {
		t.Fatal(err)
	}
	if rows := parseAlertTable(real); len(rows) < 20 || !slices.Contains(rows["root-usage"], "audit-<env>") {
		t.Errorf("%s: read %d runbooks from the alert table (%v), want every alert's", alertTable, len(rows), rows)
	}
}
