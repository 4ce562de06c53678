package runbookcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var known = Known{
	Stacks:      []string{"bootstrap-prod", "foundation-prod", "platform-prod", "databases-prod", "client-ezra-prod", "client-mtn-ghana-prod", "foundation-prod-eu"},
	Layers:      []string{"bootstrap", "foundation", "platform", "services", "databases", "client"},
	ClientLayer: "client",
	NotStacks:   []string{"bootstrap-state", "platform-admins"},
	MakeTargets: []string{"generate", "synth", "test", "update"},
	Commands:    []string{"changed", "generate", "graph", "migrate"},
	CdktfVerbs:  []string{"deploy", "destroy", "diff"},
}

func TestQuotes(t *testing.T) {
	doc := "Run `make synth` and `npx cdktf deploy foundation-prod`.\n\n```sh\nmake test\n  go run . graph\n```\nnot `quoted` twice `x`\n"
	var got []string
	for _, q := range Quotes([]byte(doc)) {
		got = append(got, q.Text)
	}
	want := []string{"make synth", "npx cdktf deploy foundation-prod", "make test", "  go run . graph", "quoted", "x"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Quotes = %q, want %q", got, want)
	}
}

// TestCheckAccepts: real names, placeholders in their place, globs that
// match, and words that only look like stack names.
func TestCheckAccepts(t *testing.T) {
	doc := "```sh\n" + strings.Join([]string{
		"make synth && npx cdktf deploy foundation-prod platform-prod",
		"npx cdktf diff client-<name>-<env>",
		"npx cdktf deploy 'client-*-prod'",
		"go run . graph -format mermaid",
		"aws s3 cp bootstrap-state/bootstrap-prod.tfstate s3://stratum-prod-tfstate/bootstrap-prod/terraform.tfstate",
		"cd cdktf.out/stacks/databases-prod",
		"echo platform-oncall@example.com foundation-<env> client-ezra-<env>, databases-<env>.",
		"stratum migrate plan -source stack:databases-prod",
		"aws eks update-kubeconfig --name stratum-prod --role-arn arn:aws:iam::111111111111:role/platform-admins",
	}, "\n") + "\n```\n"
	if got := Check(map[string][]byte{"r.md": []byte(doc)}, known); len(got) != 0 {
		t.Errorf("Check found problems in a correct runbook: %v", got)
	}
}

// TestCheckRefuses: every kind of quote that names nothing is reported,
// with its file and line.
func TestCheckRefuses(t *testing.T) {
	cases := map[string]string{
		"make bulid":                        `no Makefile target "bulid"`,
		"go run . grpah":                    `no command "grpah"`,
		"stratum migrat plan":               `no command "migrat"`,
		"npx cdktf apply foundation-prod":   `cdktf verb "apply"`,
		"npx cdktf deploy foundation-stage": "no stack foundation-stage",
		"npx cdktf deploy client-acme-prod": "no stack client-acme-prod",
		"npx cdktf deploy 'client-*-qa'":    "matches no stack",
		"npx cdktf diff platform-<stage>":   "placeholder <stage>",
		"npx cdktf diff client-<env>":       "client-<name>-<env>",
		"npx cdktf diff services-<env>":     "matches no stack",
		"ls bootstrap-states":               "no stack bootstrap-states",
	}
	for quote, want := range cases {
		t.Run(quote, func(t *testing.T) {
			doc := "intro\n\n`" + quote + "`\n"
			got := Check(map[string][]byte{"docs/runbooks/x.md": []byte(doc)}, known)
			if len(got) != 1 || !strings.Contains(got[0].Why, want) || got[0].Line != 3 || got[0].File != "docs/runbooks/x.md" {
				t.Errorf("Check(%q) = %v, want one problem on docs/runbooks/x.md:3 mentioning %q", quote, got, want)
			}
		})
	}
}

func TestMakeTargets(t *testing.T) {
	mk := "SHELL := /bin/bash\nGEN := x\n.PHONY: synth test\n\nsynth: $(GEN)\n\t./scripts/synth\n\ntest: a b\n\tgo test ./...\n\n$(GEN): x\n\nbench-migrate:\n"
	if got := strings.Join(MakeTargets([]byte(mk)), " "); got != "bench-migrate synth test" {
		t.Errorf("MakeTargets = %s, want bench-migrate synth test", got)
	}
}

func TestCheckLinks(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "docs", "runbooks", "alerts"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "docs", "migration.md"), []byte("x"), 0o644)
	docs := map[string][]byte{"docs/runbooks/a.md": []byte("[ok](../migration.md#phases) [web](https://x.example) [dir](alerts)\n[gone](alerts/nope.md)\n")}
	got := CheckLinks(root, docs)
	if len(got) != 1 || got[0].Quote != "alerts/nope.md" || got[0].Line != 2 {
		t.Errorf("CheckLinks = %v, want alerts/nope.md on line 2 only", got)
	}
}
