package pipelines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stratum/applied"
	"stratum/config"
)

// batchDir is a repository root for stratum batch run with fake tools
// (fakeTools) on PATH, cdktf.out/stacks/<stack> for each stack and a
// changed.json with their digests; the test runs in it.
func batchDir(t *testing.T, stacks ...string) (dir, calls string) {
	t.Helper()
	dir = t.TempDir()
	digests := map[string]string{}
	for _, s := range stacks {
		if err := os.MkdirAll(filepath.Join(dir, "cdktf.out", "stacks", s), 0o755); err != nil {
			t.Fatal(err)
		}
		digests[s] = applied.Digest("{}")
	}
	b, _ := json.Marshal(map[string]any{"digests": digests})
	if err := os.WriteFile(filepath.Join(dir, "changed.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := fakeTools(t, dir)
	if err := os.Rename(filepath.Join(bin, "stratum"), filepath.Join(dir, "stratum")); err != nil {
		t.Fatal(err)
	}
	planJSON, err := filepath.Abs("../policy/testdata/plan.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
	t.Setenv("PLAN_CODE", "2")
	t.Setenv("PLAN_JSON", planJSON)
	t.Setenv("STRATUM_COMMIT", strings.Repeat("c", 40))
	t.Chdir(dir)
	return dir, filepath.Join(dir, "calls.log")
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestBatchKeepsOnlyWhatLeavesTheRunner: a batch's plans keep, per stack,
// the plan text and, for the apply pipeline, the saved plan: sealed
// (never the clear tfplan) where the environment has a state key; a pull
// request keeps the text only; each stack has its result, and the
// digests file lists every saved plan's digest.
func TestBatchKeepsOnlyWhatLeavesTheRunner(t *testing.T) {
	for _, c := range []struct {
		env, kind string
		want      []string
	}{
		{"prod", KindPlan, []string{"plan.txt", "tfplan.enc", "tfplan.key"}},
		{"dev", KindPlan, []string{"plan.txt", "tfplan"}},
		{"prod", KindPullRequestPlan, []string{"plan.txt"}},
	} {
		t.Run(c.env+" "+c.kind, func(t *testing.T) {
			env, _ := config.Get(config.Environments(), c.env)
			stacks := []string{"database-a-" + c.env, "database-b-" + c.env}
			batchDir(t, stacks...)
			rs, err := RunBatch(context.Background(), c.kind, Batch{Key: "k", Environment: c.env, Stacks: stacks}, env, "plans", "", io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range stacks {
				if rs[i].Stack != s || rs[i].Result != "changes" || rs[i].Failed {
					t.Errorf("result %+v, want %s with changes", rs[i], s)
				}
				if got := files(t, filepath.Join("plans", s)); !slices.Equal(got, c.want) {
					t.Errorf("%s keeps %v, want %v", s, got, c.want)
				}
			}
			d, err := os.ReadFile(filepath.Join("plans", DigestsFile))
			if (err == nil) != (c.kind == KindPlan) {
				t.Fatalf("%s written: %v", DigestsFile, err == nil)
			}
			if c.kind == KindPlan && strings.Count(string(d), "\n") != 2 {
				t.Errorf("%s:\n%s\nwant a line per stack", DigestsFile, d)
			}
		})
	}
}

// TestBatchAppliesOnlyTheReviewedPlans: an apply batch applies nothing
// when the plans' digests file is not the one the plan job published;
// with it, it applies and records each stack whose saved plan is the
// reviewed one, and fails (after applying the others) a stack whose
// plan was replaced.
func TestBatchAppliesOnlyTheReviewedPlans(t *testing.T) {
	for _, envName := range []string{"prod", "dev"} {
		t.Run(envName, func(t *testing.T) {
			env, _ := config.Get(config.Environments(), envName)
			stacks := []string{"database-a-" + envName, "database-b-" + envName}
			_, calls := batchDir(t, stacks...)
			batch := Batch{Key: "k", Environment: envName, Stacks: stacks}
			if _, err := RunBatch(context.Background(), KindPlan, batch, env, "plans", "", io.Discard); err != nil {
				t.Fatal(err)
			}
			d, _ := os.ReadFile(filepath.Join("plans", DigestsFile))
			sum := sha256.Sum256(d)
			reviewed := hex.EncodeToString(sum[:])
			os.Remove(calls)

			if _, err := RunBatch(context.Background(), KindApply, batch, env, "plans", strings.Repeat("0", 64), io.Discard); err == nil {
				t.Error("applied plans whose digests are not the reviewed ones")
			}
			if b, _ := os.ReadFile(calls); strings.Contains(string(b), "terraform apply") {
				t.Errorf("terraform apply ran:\n%s", b)
			}

			// The second stack's saved plan replaced after the review.
			replaced := filepath.Join("plans", stacks[1], "tfplan")
			if env.State.CustomerManagedKey {
				replaced += ".enc"
			}
			if err := os.WriteFile(replaced, []byte("another plan\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			rs, err := RunBatch(context.Background(), KindApply, batch, env, "plans", reviewed, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if rs[0].Failed || rs[0].Result != "applied and recorded" || !rs[1].Failed {
				t.Errorf("results %+v, want the first applied and the second failed", rs)
			}
			b, _ := os.ReadFile(calls)
			if n := strings.Count(string(b), "terraform apply"); n != 1 {
				t.Errorf("%d applies, want 1:\n%s", n, b)
			}
			if n := strings.Count(string(b), "ssm put-parameter --name "+applied.ParameterName(envName, stacks[0])+" "); n != 1 {
				t.Errorf("%s recorded %d times, want once:\n%s", stacks[0], n, b)
			}
			if strings.Contains(string(b), applied.ParameterName(envName, stacks[1])) {
				t.Errorf("%s recorded without its apply:\n%s", stacks[1], b)
			}
			md := ResultsMarkdown(KindApply, batch, rs)
			for _, s := range stacks {
				if !strings.Contains(md, "| "+s+" |") {
					t.Errorf("summary lacks %s:\n%s", s, md)
				}
			}
		})
	}
}

// TestBatchStopsStartingStacksWhenCancelled: once the job is cancelled no
// further stack's script starts (the one in progress is left to finish:
// killing terraform mid-apply would leave its lock and a partial state),
// and each stack not run is a failed result that says so.
func TestBatchStopsStartingStacksWhenCancelled(t *testing.T) {
	env, _ := config.Get(config.Environments(), "dev")
	stacks := []string{"database-a-dev", "database-b-dev"}
	_, calls := batchDir(t, stacks...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs, err := RunBatch(ctx, KindPlan, Batch{Key: "k", Environment: "dev", Stacks: stacks}, env, "plans", "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range stacks {
		if rs[i].Stack != s || rs[i].Result != "not run: cancelled" || !rs[i].Failed {
			t.Errorf("result %+v, want %s not run and failed", rs[i], s)
		}
	}
	if b, err := os.ReadFile(calls); err == nil && len(b) > 0 {
		t.Errorf("tools were called after the cancellation:\n%s", b)
	}
}
