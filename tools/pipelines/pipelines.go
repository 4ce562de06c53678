// Package pipelines generates Stratum's CI/CD pipelines from the stack
// graph: GitHub Actions workflows, a GitLab CI pipeline (with a child
// pipeline generated per run from `stratum changed`) and an Azure DevOps
// pipeline. Each platform has a typed model of its configuration that is
// marshalled with a YAML library; the shell steps are data in it.
//
// Every pipeline does the same things:
//
//   - pull/merge requests: make test (snapshot diffs in the log), then
//     `stratum changed` against the target branch, then terraform plan of
//     the selected stacks level by level with the read-only plan role of
//     each stack's layer (production only after an approval), on the
//     environment's pull-request runners, the plans' text (never the
//     saved plan) kept and summarized for the reviewer;
//   - the default branch: the same selection, each level planned and then
//     applied with the deploy role of each stack's layer, one writer per
//     stack, dev and staging automatically, prod behind the platform's
//     approval gate; saved plans sealed where the environment has a state
//     key, kept config.Pipelines.SavedPlanRetentionDays;
//   - a schedule: terraform plan -detailed-exitcode of every stack with
//     the plan roles; drifted stacks fail and are listed.
//
// Stacks that configure the Kubernetes or Helm provider run on private
// runners (config.Pipelines); manual stacks (bootstrap) are only listed.
//
// Plans, applies and drift checks run in batches (batch.go: the stacks of
// one environment, level and layer, cut by estimated cost within each
// platform's documented limits, limits.go), each batch's stacks one
// after the other (stratum batch run); the synthesis runs in shards, one
// runner each, merged once into cdktf.out, with the synthesis cache
// carried between runs.
package pipelines

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"stratum/applied"
	"stratum/config"
	"stratum/deploy"
	"stratum/tools/stackgraph"
)

// Input is what a generator needs.
type Input struct {
	Graph    *stackgraph.Graph
	Envs     []config.Environment
	Settings config.Pipelines
	// Shards is the number of runners the synthesis is spread over: the K
	// `stratum synth-plan` chooses for the configuration (generate sets
	// it). Default: 0, one runner. A platform runs at most its own limit
	// of parallel jobs (shardCount); any K merges to the same cdktf.out.
	Shards int
}

// shardCount is the number of synthesis shards on a platform that runs
// at most limit copies of one job.
func (in Input) shardCount(limit int) int { return max(1, min(in.Shards, limit)) }

// groups are the graph's groups in apply order.
func (in Input) groups() []stackgraph.Group { return in.Graph.Groups(in.Settings.EnvironmentOrder) }

// env returns the named environment.
func (in Input) env(name string) config.Environment {
	e, err := config.Get(in.Envs, name)
	if err != nil {
		panic(fmt.Sprintf("pipelines: the graph has stacks of %s, which is not configured", name))
	}
	return e
}

// previous returns the groups that must finish before groups[i]: those
// of the nearest lower level of the same environment or, for its lowest
// level, those of the last level of the environment applied before it.
func previous(groups []stackgraph.Group, i int) []stackgraph.Group {
	gr := groups[i]
	env, level := gr.Environment, -1
	for _, g := range groups[:i] {
		if g.Environment == gr.Environment && g.Level < gr.Level {
			level = max(level, g.Level)
		}
	}
	if level < 0 {
		env = ""
		for _, g := range groups[:i] {
			if g.Environment != gr.Environment {
				env, level = g.Environment, g.Level // groups are ordered: the last one wins
			}
		}
	}
	var out []stackgraph.Group
	for _, g := range groups[:i] {
		if g.Environment == env && g.Level == level {
			out = append(out, g)
		}
	}
	return out
}

// purpose is the role purpose of mode "plan" or "apply": each layer has
// a plan role and a deploy role (package deploy).
func purpose(mode string) string {
	if mode == "apply" {
		return string(deploy.Apply)
	}
	return string(deploy.Plan)
}

// roleARN is the ARN of the role of the layer with stack word word (may
// be a CI expression) for mode in env, in account.
func roleARN(account, env, word, mode string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role%s%s", account, config.CIRolePath, config.CIRoleName(env, word, purpose(mode)))
}

// layerWord is the stack word of stack's layer (foundation, database, …).
func layerWord(stack string) string {
	d, ok := deploy.ForStack(stack)
	if !ok {
		panic(fmt.Sprintf("pipelines: stack %s belongs to no deploy layer", stack))
	}
	return d.Word()
}

// accountVariable names the CI variable holding the account of an
// environment whose AccountID is not configured.
func accountVariable(env string) string {
	return "STRATUM_" + strings.ToUpper(env) + "_AWS_ACCOUNT_ID"
}

// Plan kinds: a pull request's plan (its text kept, never the saved
// plan), the apply pipeline's plan (the saved plan kept for its apply,
// with its digest), a drift check (the addresses that differ).
type planKind int

const (
	prPlan planKind = iota
	applyPlan
	driftPlan
)

// planScript plans $STACK in the synthesized output without taking the
// lock (the plan role cannot write it; an apply of a saved plan fails if
// the state moved since) and writes plan.txt and exitcode. The plan's
// JSON (plan.json) holds the state's values in clear: it is read on the
// runner — the policies (stratum policy, with the change's labels in
// $LABELS) for pull requests and applies, the drifted addresses for
// drift — and removed, never kept. An apply plan also writes its digest
// (tfplan.sha256), which the apply checks before applying. A drift
// check writes drift/$STACK.json for stratum drift and exits 0: the
// report job says what drifted.
func planScript(kind planKind) string {
	keep := "plan.json"
	if kind == prPlan {
		keep = "plan.json tfplan" // a pull request keeps no saved plan, whatever happens
	}
	s := `set -euo pipefail
root=$PWD
cd "cdktf.out/stacks/$STACK"
trap 'rm -f ` + keep + `' EXIT
terraform init -input=false -no-color
set +e
terraform plan -input=false -no-color -lock=false -detailed-exitcode -out=tfplan
code=$?
set -e
echo "$code" > exitcode
`
	if kind == driftPlan {
		return s + `mkdir -p "$root/drift"
if [ "$code" -eq 1 ]; then
  jq -n --arg s "$STACK" '{stack: $s, status: "failed", changes: []}' > "$root/drift/$STACK.json"
  exit 0
fi
terraform show -no-color tfplan > plan.txt
terraform show -json tfplan > plan.json
jq --arg s "$STACK" --argjson code "$code" '{stack: $s, status: (if $code == 2 then "drifted" else "in-sync" end), changes: [(.resource_changes // [])[] | select(.change.actions != ["no-op"] and .change.actions != ["read"]) | {address, actions: .change.actions}]}' plan.json > "$root/drift/$STACK.json"
rm -f tfplan
`
	}
	s += `if [ "$code" -eq 1 ]; then exit 1; fi
terraform show -no-color tfplan > plan.txt
terraform show -json tfplan > plan.json
"$root/stratum" policy -plan plan.json -stack "$STACK" -labels "${LABELS:-}"
`
	if kind == prPlan {
		return s
	}
	return s + `sha256sum tfplan | cut -d' ' -f1 > tfplan.sha256
echo "saved plan sha256 $(cat tfplan.sha256)"
`
}

// supportScript runs the support check with window and fails when a
// version needs an upgrade (exit 2) or the check fails (1); summary (may
// be "") publishes its report, support.txt, first.
func supportScript(window, summary string) string {
	s := `code=0
make --no-print-directory support WITHIN=` + window + ` > support.txt 2>&1 || code=$?
cat support.txt
`
	if summary != "" {
		s += summary + "\n"
	}
	return s + `exit "$code"
`
}

// applyScript applies the reviewed saved plan of $STACK: it opens it
// when it was sealed (sealScript), checks that its digest is
// $TFPLAN_SHA256, the digest the plan job published (a job output, not
// a file of the artifact), applies it — Terraform refuses a plan whose
// state moved since (a stale plan: start a new run, which plans again
// and asks for a new approval) — and records the stack as applied at
// $STRATUM_COMMIT with the digest of its Terraform from changed.json
// (package applied), with the deploy role, which may write its own
// layer's records only.
func applyScript(env config.Environment) string {
	return `set -euo pipefail
root=$PWD
cd "cdktf.out/stacks/$STACK"
` + openScript(env) + `got=$(sha256sum tfplan | cut -d' ' -f1)
if [ -z "${TFPLAN_SHA256:-}" ] || [ "$got" != "$TFPLAN_SHA256" ]; then
  echo "the saved plan's sha256 $got is not the reviewed plan's (${TFPLAN_SHA256:-none}): not applying" >&2
  exit 1
fi
terraform init -input=false -no-color
terraform apply -input=false -no-color tfplan
digest=$(jq -er --arg s "$STACK" '.digests[$s]' "$root/changed.json")
aws ssm put-parameter --name "` + applied.Path(env.Name) + `/$STACK" --type String --overwrite \
  --value "$(jq -nc --arg c "$STRATUM_COMMIT" --arg d "$digest" '{commit: $c, digest: $d}')" > /dev/null
echo "recorded $STACK as applied at $STRATUM_COMMIT ($digest)"
`
}

// savedPlanContext is the KMS encryption context of a sealed plan: the
// plan role may generate data keys, and the deploy role decrypt them,
// only with it (package deploy).
const savedPlanContext = "purpose=saved-plan,stack=$STACK"

// sealScript, run in the stack's directory after the plan, encrypts the
// saved plan of an environment with a customer-managed state key (every
// production one) under a data key of that key, and removes the clear
// copy: the plan holds the state's values, and only the encrypted one
// leaves the runner. Environments without that key keep the plan clear,
// for SavedPlanRetentionDays.
func sealScript(env config.Environment) string {
	if !env.State.CustomerManagedKey {
		return ""
	}
	return `aws kms generate-data-key --key-id "alias/` + env.StateKeyAlias() + `" --key-spec AES_256 --encryption-context "` + savedPlanContext + `" --output json > /tmp/dk.json
jq -r .CiphertextBlob /tmp/dk.json > tfplan.key
jq -r .Plaintext /tmp/dk.json | base64 -d > /tmp/dk.bin
openssl enc -aes-256-cbc -pbkdf2 -salt -in tfplan -out tfplan.enc -pass file:/tmp/dk.bin
rm -f tfplan /tmp/dk.json /tmp/dk.bin
`
}

// openScript is sealScript's inverse, in the apply job.
func openScript(env config.Environment) string {
	if !env.State.CustomerManagedKey {
		return ""
	}
	return `base64 -d tfplan.key > /tmp/dk.enc
aws kms decrypt --ciphertext-blob fileb:///tmp/dk.enc --encryption-context "` + savedPlanContext + `" --query Plaintext --output text | base64 -d > /tmp/dk.bin
openssl enc -d -aes-256-cbc -pbkdf2 -in tfplan.enc -out tfplan -pass file:/tmp/dk.bin
rm -f /tmp/dk.enc /tmp/dk.bin tfplan.enc tfplan.key
`
}

// savedPlanFiles are the files of a saved plan that leave the runner.
func savedPlanFiles(env config.Environment) []string {
	if env.State.CustomerManagedKey {
		return []string{"tfplan.enc", "tfplan.key"}
	}
	return []string{"tfplan"}
}

// recordsScript fetches env's applied records into applied/ with the
// credentials in the environment (a plan role's).
func recordsScript(env string) string {
	return "./stratum applied fetch -env " + env + " -out applied\n"
}

// buildScript builds the stratum program the jobs run, the same way in
// every job: the shards, the merge and the synthesis cache's keys must
// come from one build (synth-merge refuses shards of another program),
// and the jobs after the selection run the binary the synthesis
// artifact carries (policy, batch, drift).
const buildScript = "make bindings\nCGO_ENABLED=0 go build -trimpath -o stratum .\n"

// changedScript runs stratum changed once (the table into the log, the
// JSON into changed.json) with the selection's base flags, on the merged
// synthesis of the head (cdktf.out).
func changedScript(baseFlags string) string {
	return `./stratum changed ` + baseFlags + ` -head-out cdktf.out -json-out changed.json | tee changed.txt
`
}

// shardScript synthesizes shard i of k (shell expressions) into
// shard-<i>, with the synthesis cache restored into .cache/synth.
func shardScript(i, k string) string {
	return "./stratum synth-shard -shard " + i + "/" + k + " -out shard-" + i + "\n"
}

// mergeScript assembles cdktf.out from the shard directories that glob
// names, and stores their stacks in the synthesis cache, which the job
// then saves for the next run.
func mergeScript(glob string) string {
	return "./stratum synth-merge -out cdktf.out " + glob + "\n"
}

// batchRunScript runs one batch of kind (pr-plan, plan, apply, drift)
// with stratum batch run, its results appended to summary (may be "").
func batchRunScript(kind, batch, summary string) string {
	s := "./stratum batch run -kind " + kind + " -batch \"" + batch + "\" -plans plans"
	if summary != "" {
		s += " -summary \"" + summary + "\""
	}
	return s + "\n"
}

// pullRequestPlans is whether pull requests plan env at all.
func pullRequestPlans(env config.Environment) bool {
	return env.PullRequestPlanPolicy() != config.PlansNever
}

// marshal renders v as YAML with a header saying how it is made.
func marshal(v any) []byte {
	var b bytes.Buffer
	b.WriteString("# Generated by `stratum generate` (make generate) from the stack graph and\n")
	b.WriteString("# config/pipelines.go. Do not edit: a test fails when this file is stale.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("pipelines: marshal: %v", err))
	}
	enc.Close()
	return b.Bytes()
}

// ordered is a YAML mapping that keeps its keys in insertion order (jobs,
// stages): yaml.v3 sorts Go maps.
type ordered[V any] struct {
	keys   []string
	values map[string]V
}

func (o *ordered[V]) set(k string, v V) {
	if o.values == nil {
		o.values = map[string]V{}
	}
	if _, ok := o.values[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.values[k] = v
}

func (o ordered[V]) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range o.keys {
		v, err := toNode(o.values[k])
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, v)
	}
	return n, nil
}

// toNode is v as a YAML node, comments included: yaml.Node.Encode drops
// the comments of the nodes v's marshalers return (it parses its own
// output without them), so v is encoded and parsed back in full.
func toNode(v any) (*yaml.Node, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b.Bytes(), &doc); err != nil {
		return nil, err
	}
	return doc.Content[0], nil
}
