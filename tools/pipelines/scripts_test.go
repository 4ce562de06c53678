package pipelines

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stratum/applied"
	"stratum/config"
	"stratum/tools/changes"
	"stratum/tools/drift"
	"stratum/tools/stackgraph"
)

// fakeTools writes fake terraform, aws and stratum programs into a bin
// directory: each appends its arguments to calls.log; terraform plan
// exits $PLAN_CODE, terraform apply $APPLY_CODE, terraform show -json
// prints $PLAN_JSON's file; stratum exits $POLICY_CODE.
func fakeTools(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "calls.log")
	tools := map[string]string{
		"terraform": `echo "terraform $*" >> ` + log + `
case "$1" in
  plan) for a in "$@"; do case "$a" in -out=*) echo plan > "${a#-out=}" ;; esac; done; exit "${PLAN_CODE:-0}" ;;
  apply) exit "${APPLY_CODE:-0}" ;;
  show) if [ "$2" = -json ]; then cat "$PLAN_JSON"; else echo "the plan's text"; fi ;;
esac
exit 0`,
		// kms: a fixed data key, so that a sealed plan opens again.
		"aws": `echo "aws $*" >> ` + log + `
key=$(printf '%032d' 7 | base64)
case "$1 $2" in
  "kms generate-data-key") echo "{\"CiphertextBlob\": \"$(echo sealed | base64)\", \"Plaintext\": \"$key\"}" ;;
  "kms decrypt") echo "$key" ;;
esac`,
		"stratum": `echo "stratum $*" >> ` + log + `; test -f plan.json || { echo "no plan.json" >&2; exit 3; }; exit "${POLICY_CODE:-0}"`,
	}
	for name, body := range tools {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/usr/bin/env bash\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// runScript runs a generated script in dir with the fake tools first on
// PATH, returning its exit code and the tools' calls.
func runScript(t *testing.T, dir, script string, env ...string) (int, string) {
	t.Helper()
	bin := fakeTools(t, dir)
	// The policy check runs $root/stratum.
	if err := os.Rename(filepath.Join(bin, "stratum"), filepath.Join(dir, "stratum")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "PATH="+bin+":"+os.Getenv("PATH"))...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "calls.log"))
	t.Logf("%s", out)
	return code, string(calls)
}

func stackDir(t *testing.T, stack string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cdktf.out", "stacks", stack), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestApplyScript runs the apply jobs' script with fake tools: it applies
// only the saved plan whose digest the plan job published, and records
// the stack (a record package applied reads) only after the apply
// succeeded.
func TestApplyScript(t *testing.T) {
	env, _ := config.Get(config.Environments(), "dev")
	digest := applied.Digest("{}")
	sum := sha256.Sum256([]byte("plan\n"))
	planSHA := hex.EncodeToString(sum[:])
	commit := strings.Repeat("c", 40)
	cases := []struct {
		name, sha, applyCode string
		code                 int
		applied, recorded    bool
	}{
		{"the reviewed plan", planSHA, "0", 0, true, true},
		{"another plan", strings.Repeat("0", 64), "0", 1, false, false},
		{"a stale plan", planSHA, "1", 1, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := stackDir(t, "foundation-dev")
			os.WriteFile(filepath.Join(dir, "cdktf.out", "stacks", "foundation-dev", "tfplan"), []byte("plan\n"), 0o644)
			b, _ := json.Marshal(map[string]any{"digests": map[string]string{"foundation-dev": digest}})
			os.WriteFile(filepath.Join(dir, "changed.json"), b, 0o644)
			code, calls := runScript(t, dir, applyScript(env), "STACK=foundation-dev", "TFPLAN_SHA256="+c.sha, "STRATUM_COMMIT="+commit, "APPLY_CODE="+c.applyCode)
			if (code == 0) != (c.code == 0) {
				t.Errorf("exit %d, want %d\n%s", code, c.code, calls)
			}
			if got := strings.Contains(calls, "terraform apply"); got != c.applied {
				t.Errorf("terraform apply ran: %v, want %v\n%s", got, c.applied, calls)
			}
			var put string
			for _, l := range strings.Split(calls, "\n") {
				if strings.HasPrefix(l, "aws ssm put-parameter") {
					put = l
				}
			}
			if (put != "") != c.recorded {
				t.Fatalf("recorded: %q, want recorded %v", put, c.recorded)
			}
			if put == "" {
				return
			}
			name := applied.ParameterName("dev", "foundation-dev")
			if !strings.Contains(put, "--name "+name+" ") {
				t.Errorf("recorded %q, want the parameter %s", put, name)
			}
			value := put[strings.Index(put, "--value ")+len("--value "):]
			out, _ := json.Marshal(map[string]any{"Parameters": []any{map[string]string{"Name": name, "Value": value}}})
			recs, err := applied.ParseParameters("dev", out)
			if err != nil {
				t.Fatal(err)
			}
			if r := recs["foundation-dev"]; r.Commit != commit || r.Digest != digest {
				t.Errorf("record %+v, want commit %s digest %s", r, commit, digest)
			}
		})
	}
}

// TestPlanScripts: a plan runs the policies on its JSON and removes the
// JSON, whatever their verdict; a denial fails the job; an apply plan
// writes its digest; a drift check writes the result stratum drift
// reads, with the addresses from the plan's JSON.
func TestPlanScripts(t *testing.T) {
	planJSON, err := filepath.Abs("../policy/testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		kind   planKind
		policy string
		code   int
	}{
		{"pull request", prPlan, "0", 0},
		{"pull request denied", prPlan, "1", 1},
		{"apply plan", applyPlan, "0", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := stackDir(t, "database-ezra-prod")
			code, calls := runScript(t, dir, planScript(c.kind), "STACK=database-ezra-prod", "PLAN_CODE=2", "PLAN_JSON="+planJSON, "POLICY_CODE="+c.policy, "LABELS=allow-destroy")
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, calls)
			}
			if !strings.Contains(calls, "stratum policy -plan plan.json -stack database-ezra-prod -labels allow-destroy") {
				t.Errorf("the policies did not run on the plan:\n%s", calls)
			}
			sd := filepath.Join(dir, "cdktf.out", "stacks", "database-ezra-prod")
			if _, err := os.Stat(filepath.Join(sd, "plan.json")); err == nil {
				t.Error("plan.json (the state's values in clear) was left on the runner")
			}
			_, err := os.Stat(filepath.Join(sd, "tfplan.sha256"))
			if (err == nil) != (c.kind == applyPlan && c.code == 0) {
				t.Errorf("tfplan.sha256 present: %v", err == nil)
			}
			_, err = os.Stat(filepath.Join(sd, "tfplan"))
			if (err == nil) != (c.kind == applyPlan && c.code == 0) {
				t.Errorf("the saved plan kept: %v (a pull request keeps none)", err == nil)
			}
		})
	}
	t.Run("drift", func(t *testing.T) {
		dir := stackDir(t, "database-ezra-prod")
		code, calls := runScript(t, dir, planScript(driftPlan), "STACK=database-ezra-prod", "PLAN_CODE=2", "PLAN_JSON="+planJSON)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, calls)
		}
		in := []stackgraph.Input{{Name: "database-ezra-prod", JSON: []byte(`{"provider":{"aws":[{"default_tags":[{"tags":{"Environment":"prod","Layer":"databases"}}]}]},"terraform":{"backend":{"s3":{}}}}`)}}
		g, err := stackgraph.New(in)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := drift.Collect(filepath.Join(dir, "drift"), g)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Status != drift.Drifted || len(rs[0].Changes) != 6 || rs[0].Changes[0].Address != "aws_db_instance.legacy" {
			t.Errorf("drift result %+v, want drifted with the plan's 6 changes", rs)
		}
		if _, err := os.Stat(filepath.Join(dir, "cdktf.out", "stacks", "database-ezra-prod", "plan.json")); err == nil {
			t.Error("the drift check left plan.json on the runner")
		}
	})
}

// TestManualScript runs the GitHub job that reports changed manual
// stacks: in a pull request a notice, in the apply pipeline it stops the
// line (exit 1); either way the summary names each stack and the command
// that applies and records it by hand, and the shell reads the script as
// written (a stray backquote would start a command substitution).
func TestManualScript(t *testing.T) {
	in := sampleInput(t)
	for _, c := range []struct {
		name string
		stop bool
		code int
	}{
		{"pull request", false, 0},
		{"apply stops the line", true, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			summary := filepath.Join(dir, "summary.md")
			job := in.ghManual(c.stop)
			code, _ := runScript(t, dir, "set -euo pipefail\n"+job.Steps[0].Run, `STACKS=["bootstrap-dev","bootstrap-prod"]`, "GITHUB_STEP_SUMMARY="+summary)
			if code != c.code {
				t.Errorf("exit %d, want %d", code, c.code)
			}
			got, _ := os.ReadFile(summary)
			for _, want := range []string{
				"- `bootstrap-dev`: ", "`" + changes.ManualCommand("bootstrap-dev", "dev") + "`",
				"- `bootstrap-prod`: ", "`" + changes.ManualCommand("bootstrap-prod", "prod") + "`",
			} {
				if !strings.Contains(string(got), want) {
					t.Errorf("summary lacks %q:\n%s", want, got)
				}
			}
		})
	}
}
