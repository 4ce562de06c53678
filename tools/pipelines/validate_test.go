package pipelines

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"stratum/config"
	_ "stratum/testkit/golden" // accepts -update like every test package
	"stratum/tools/changes"
	"stratum/tools/stackgraph"
)

func stackJSON(env, layer, backend string, providers ...string) []byte {
	p := map[string]any{"aws": []any{map[string]any{
		"default_tags": []any{map[string]any{"tags": map[string]any{"Environment": env, "Layer": layer}}},
	}}}
	for _, extra := range providers {
		p[extra] = []any{map[string]any{}}
	}
	b, _ := json.Marshal(map[string]any{"provider": p, "terraform": map[string]any{"backend": map[string]any{backend: map[string]any{}}}})
	return b
}

// sampleInput is a graph shaped like Stratum's in every environment.
func sampleInput(t *testing.T) Input {
	t.Helper()
	var in []stackgraph.Input
	for _, env := range []string{"prod", "staging", "dev"} {
		in = append(in,
			stackgraph.Input{Name: "bootstrap-" + env, JSON: stackJSON(env, "bootstrap", "local")},
			stackgraph.Input{Name: "foundation-" + env, JSON: stackJSON(env, "foundation", "s3")},
			stackgraph.Input{Name: "platform-" + env, Dependencies: []string{"foundation-" + env}, JSON: stackJSON(env, "platform", "s3")},
			stackgraph.Input{Name: "database-a-" + env, Dependencies: []string{"foundation-" + env}, JSON: stackJSON(env, "databases", "s3")},
			stackgraph.Input{Name: "services-" + env, Dependencies: []string{"platform-" + env}, JSON: stackJSON(env, "services", "s3", "helm")},
			stackgraph.Input{Name: "client-a-" + env, Dependencies: []string{"platform-" + env, "database-a-" + env}, JSON: stackJSON(env, "client", "s3", "kubernetes")},
		)
	}
	g, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	return Input{Graph: g, Envs: config.Environments(), Settings: config.PipelineSettings()}
}

// lintWorkflow runs actionlint on one workflow and returns its errors.
func lintWorkflow(t *testing.T, in Input, name string, content []byte) []string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "actionlint.yaml")
	b, _ := yaml.Marshal(map[string]any{"self-hosted-runner": map[string]any{"labels": in.ghPrivateLabels()}})
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{ConfigFile: cfg, Oneline: true})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(".github/workflows/"+name, content, nil)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	return msgs
}

// TestGitHubWorkflowsPassActionlint lints every generated workflow, and
// proves the check can fail on a workflow reading an output no job sets.
func TestGitHubWorkflowsPassActionlint(t *testing.T) {
	in := sampleInput(t)
	files := GitHub(in)
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			for _, e := range lintWorkflow(t, in, name, content) {
				t.Error(e)
			}
		})
	}
	t.Run("negative", func(t *testing.T) {
		bad := bytes.Replace(files["stratum-pull-request.yml"], []byte("needs.changed.outputs.dev_1_hosted != '[]'"), []byte("needs.changed.outputs.no_such_group != '[]'"), 1)
		if bytes.Equal(bad, files["stratum-pull-request.yml"]) {
			t.Fatal("the mutation did not apply")
		}
		if errs := lintWorkflow(t, in, "bad.yml", bad); len(errs) == 0 {
			t.Error("actionlint accepted a reference to an output no job declares")
		}
	})
}

// TestGitHubActionsArePinnedToCommits: every step's action is pinned to a
// full commit SHA with its release tag as the line's comment (a tag can
// be moved to other code; a commit cannot).
func TestGitHubActionsArePinnedToCommits(t *testing.T) {
	pinned := regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*@[0-9a-f]{40}$`)
	tag := regexp.MustCompile(`^# v[0-9]+\.[0-9]+\.[0-9]+$`)
	for name, content := range GitHub(sampleInput(t)) {
		t.Run(name, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal(content, &doc); err != nil {
				t.Fatal(err)
			}
			seen := 0
			var walk func(n *yaml.Node)
			walk = func(n *yaml.Node) {
				if n.Kind == yaml.MappingNode {
					for i := 0; i+1 < len(n.Content); i += 2 {
						if k, v := n.Content[i], n.Content[i+1]; k.Value == "uses" {
							seen++
							if !pinned.MatchString(v.Value) || !tag.MatchString(v.LineComment) {
								t.Errorf("line %d: uses: %s %s, want <owner>/<repo>@<40-hex commit> # v<release tag>", v.Line, v.Value, v.LineComment)
							}
						}
					}
				}
				for _, c := range n.Content {
					walk(c)
				}
			}
			walk(&doc)
			if seen == 0 {
				t.Error("no step uses an action")
			}
		})
	}
}

// gitlabSchema compiles GitLab's published CI schema (make test fetches it).
func gitlabSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join("..", "..", ".gen", "schemas", "gitlab-ci.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v: run `make test` (or ./scripts/fetch-schemas) to fetch the GitLab CI schema", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("gitlab-ci.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("gitlab-ci.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSONValue decodes YAML into the values the schema validator expects.
func asJSONValue(t *testing.T, y []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sampleReport(in Input) *changes.Report {
	r := &changes.Report{Manual: []string{"bootstrap-prod"}}
	for _, n := range []string{"bootstrap-prod", "database-a-prod", "client-a-prod", "database-a-dev", "client-a-dev"} {
		s, _ := in.Graph.Stack(n)
		r.Stacks = append(r.Stacks, changes.Selected{Name: n, Environment: s.Environment, Level: s.Level, Runner: s.Runner, Manual: s.Manual, Reason: changes.Changed})
	}
	return r
}

// TestGitLabPipelinesMatchTheSchema validates the parent pipeline and the
// child pipelines of a selection (plan and apply) and of no selection
// against GitLab's schema, and proves an unknown job keyword fails.
func TestGitLabPipelinesMatchTheSchema(t *testing.T) {
	in := sampleInput(t)
	schema := gitlabSchema(t)
	docs := map[string][]byte{"parent": GitLab(in)}
	for _, mode := range []string{"plan", "apply"} {
		for _, env := range in.glEnvironments() {
			b, err := GitLabChild(in, sampleReport(in), mode, env)
			if err != nil {
				t.Fatal(err)
			}
			docs["child "+mode+" "+env] = b
		}
	}
	empty, err := GitLabChild(in, &changes.Report{}, "apply", "dev")
	if err != nil {
		t.Fatal(err)
	}
	docs["child of nothing"] = empty
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if err := schema.Validate(asJSONValue(t, doc)); err != nil {
				t.Errorf("%v\n%s", err, doc)
			}
		})
	}
	t.Run("negative", func(t *testing.T) {
		bad := bytes.Replace(docs["parent"], []byte("  stage: test\n"), []byte("  stage: test\n  retries: 2\n"), 1)
		if bytes.Equal(bad, docs["parent"]) {
			t.Fatal("the mutation did not apply")
		}
		if err := schema.Validate(asJSONValue(t, bad)); err == nil {
			t.Error("the schema accepted an unknown job keyword")
		}
	})
	if _, err := GitLabChild(in, &changes.Report{}, "destroy", "dev"); err == nil {
		t.Error("GitLabChild accepted mode destroy")
	}
	child := string(docs["child apply prod"]) + string(docs["child apply dev"])
	for _, want := range []string{"resource_group: stratum-batch-prod_2_private_client_1", "when: manual", "name: prod", "apply:dev_2_private_client_1"} {
		if !strings.Contains(child, want) {
			t.Errorf("apply child lacks %q", want)
		}
	}
	if strings.Contains(child, "plan:bootstrap-prod") {
		t.Error("the child plans a manual stack")
	}
}

var azIdentifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// azureProblems checks an Azure pipeline beyond its shape: names are
// identifiers and unique, dependsOn names earlier stages or jobs of the
// stage, deployment jobs have an environment and a strategy, every step
// does one thing, and each stageDependencies reference in a condition
// names a stage the stage depends on, a job of it and an output variable
// one of its named steps sets.
func azureProblems(p AzurePipeline) []string {
	var out []string
	stages := map[string]azStage{}
	for _, st := range p.Stages {
		if !azIdentifier.MatchString(st.Stage) || stages[st.Stage].Stage != "" {
			out = append(out, fmt.Sprintf("stage %q: want a unique identifier", st.Stage))
		}
		for _, d := range st.DependsOn {
			if _, ok := stages[d]; !ok {
				out = append(out, fmt.Sprintf("stage %s depends on %q, no earlier stage", st.Stage, d))
			}
		}
		jobs := map[string]azJob{}
		for _, j := range st.Jobs {
			name := j.Job + j.Deployment
			if (j.Job == "") == (j.Deployment == "") || !azIdentifier.MatchString(name) || jobs[name].Job+jobs[name].Deployment != "" {
				out = append(out, fmt.Sprintf("stage %s: job %q: want exactly one unique job or deployment identifier", st.Stage, name))
			}
			for _, d := range j.DependsOn {
				if _, ok := jobs[d]; !ok {
					out = append(out, fmt.Sprintf("stage %s job %s depends on %q, no earlier job of the stage", st.Stage, name, d))
				}
			}
			steps := j.Steps
			if j.Deployment != "" {
				if j.Environment == "" || j.Strategy == nil || j.Strategy.RunOnce == nil || len(j.Steps) > 0 {
					out = append(out, fmt.Sprintf("deployment %s: want an environment and a runOnce strategy holding the steps", name))
				} else {
					steps = j.Strategy.RunOnce.Deploy.Steps
				}
			} else if j.Environment != "" || (j.Strategy != nil && (j.Strategy.RunOnce != nil || j.Strategy.Parallel < 2)) {
				out = append(out, fmt.Sprintf("job %s: environment and a runOnce strategy belong to deployment jobs (a job's strategy is parallel: 2 or more)", name))
			}
			if len(steps) == 0 {
				out = append(out, fmt.Sprintf("job %s has no steps", name))
			}
			for i, s := range steps {
				n := 0
				for _, v := range []string{s.Checkout, s.Download, s.Task, s.Script} {
					if v != "" {
						n++
					}
				}
				if n != 1 {
					out = append(out, fmt.Sprintf("job %s step %d: want exactly one of checkout, download, task, script", name, i))
				}
			}
			for _, m := range regexp.MustCompile(`stageDependencies\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.outputs\['([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)'\]`).FindAllStringSubmatch(j.Condition, -1) {
				src, ok := stages[m[1]]
				if !ok || !contains(st.DependsOn, m[1]) {
					out = append(out, fmt.Sprintf("job %s reads stage %s, which stage %s does not depend on", name, m[1], st.Stage))
					continue
				}
				set := false
				for _, sj := range src.Jobs {
					if sj.Job != m[2] {
						continue
					}
					for _, s := range sj.Steps {
						if s.Name == m[3] && strings.Contains(s.Script, "variable="+m[4]+";isOutput=true") {
							set = true
						}
					}
				}
				if !set {
					out = append(out, fmt.Sprintf("job %s reads %s.%s.%s.%s, which no step sets as an output", name, m[1], m[2], m[3], m[4]))
				}
			}
			jobs[name] = j
		}
		stages[st.Stage] = st
	}
	return out
}

// decodeAzure decodes azure-pipelines.yml, refusing keys the model lacks.
func decodeAzure(b []byte) (AzurePipeline, error) {
	var p AzurePipeline
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	return p, dec.Decode(&p)
}

// TestAzurePipelineIsValid checks azure-pipelines.yml against the strict
// model (no published Azure Pipelines schema is on a registry reachable
// here; see scripts/fetch-schemas) and azureProblems, and proves both
// fail on bad input.
func TestAzurePipelineIsValid(t *testing.T) {
	in := sampleInput(t)
	doc := Azure(in)
	p, err := decodeAzure(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range azureProblems(p) {
		t.Error(pr)
	}
	if n := strings.Count(string(doc), "deployment: apply_prod_2_private_client_1"); n != 1 {
		t.Errorf("%d deployment jobs for client-a-prod's batch, want 1", n)
	}
	t.Run("unknown key", func(t *testing.T) {
		bad := bytes.Replace(doc, []byte("    dependsOn:\n"), []byte("    dependson:\n"), 1)
		if _, err := decodeAzure(bad); err == nil {
			t.Error("the strict model accepted dependson")
		}
	})
	t.Run("dangling reference", func(t *testing.T) {
		bad := bytes.ReplaceAll(doc, []byte("outputs['select.BATCHES']"), []byte("outputs['select.NOPE']"))
		p, err := decodeAzure(bad)
		if err != nil {
			t.Fatal(err)
		}
		if len(azureProblems(p)) == 0 {
			t.Error("azureProblems accepted a condition reading an output no step sets")
		}
	})
	t.Run("missing stage", func(t *testing.T) {
		p, _ := decodeAzure(doc)
		p.Stages[2].DependsOn = append(p.Stages[2].DependsOn, "nowhere")
		if len(azureProblems(p)) == 0 {
			t.Error("azureProblems accepted a dependency on a missing stage")
		}
	})
}

func TestPrevious(t *testing.T) {
	in := sampleInput(t)
	groups := in.groups()
	keys := func(gs []stackgraph.Group) []string {
		var out []string
		for _, g := range gs {
			out = append(out, g.Key())
		}
		return out
	}
	want := map[string]string{
		"dev_0_hosted":     "[]",
		"dev_1_hosted":     "[dev_0_hosted]",
		"dev_2_private":    "[dev_1_hosted]",
		"staging_0_hosted": "[dev_2_private]",
		"prod_0_hosted":    "[staging_2_private]",
	}
	for i, g := range groups {
		if w, ok := want[g.Key()]; ok {
			if got := fmt.Sprint(keys(previous(groups, i))); got != w {
				t.Errorf("previous(%s) = %s, want %s", g.Key(), got, w)
			}
		}
	}
}

// TestScheduledSupportCheck: every platform's scheduled pipeline runs the
// support check (make support with the configured window), only on the
// schedule, and fails with it.
func TestScheduledSupportCheck(t *testing.T) {
	in := sampleInput(t)
	want := "make --no-print-directory support WITHIN=" + in.Settings.SupportWindow
	t.Run("github", func(t *testing.T) {
		w := ghDrift(in, MustLayout(in, GitHubPlatform))
		job, ok := w.Jobs.values["support"]
		if !ok || len(w.On.Schedule) == 0 || w.On.PullRequest != nil || w.On.Push != nil {
			t.Fatalf("the scheduled workflow has no support job (or runs on more than its schedule)")
		}
		last := job.Steps[len(job.Steps)-1].Run
		if !strings.Contains(last, want) || !strings.Contains(last, `exit "$code"`) {
			t.Errorf("support step runs\n%s\nwant %q and its exit code", last, want)
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		var p map[string]any
		if err := yaml.Unmarshal(GitLab(in), &p); err != nil {
			t.Fatal(err)
		}
		job, _ := p["support"].(map[string]any)
		if job == nil {
			t.Fatal("no support job")
		}
		if rules := fmt.Sprint(job["rules"]); rules != `[map[if:$CI_PIPELINE_SOURCE == "schedule"]]` {
			t.Errorf("support job rules %s, want only the schedule", rules)
		}
		if s := fmt.Sprint(job["script"]); !strings.Contains(s, want) {
			t.Errorf("support job script %s, want %q", s, want)
		}
	})
	t.Run("azure", func(t *testing.T) {
		var p AzurePipeline
		if err := yaml.Unmarshal(Azure(in), &p); err != nil {
			t.Fatal(err)
		}
		for _, st := range p.Stages {
			for _, j := range st.Jobs {
				if j.Job != "support" {
					continue
				}
				if st.Condition != "eq(variables['Build.Reason'], 'Schedule')" {
					t.Errorf("support job in stage %s with condition %q, want the scheduled stage", st.Stage, st.Condition)
				}
				if s := j.Steps[len(j.Steps)-1].Script; !strings.Contains(s, want) {
					t.Errorf("support step %q, want %q", s, want)
				}
				return
			}
		}
		t.Error("no support job")
	})
}

// mergedChild is the child pipelines of every environment of one run,
// their jobs in one mapping (job names are unique across environments).
func mergedChild(in Input, r *changes.Report, mode string) ([]byte, error) {
	all := map[string]any{}
	for _, env := range in.glEnvironments() {
		b, err := GitLabChild(in, r, mode, env)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		for k, v := range m {
			all[k] = v
		}
	}
	return yaml.Marshal(all)
}
