package pipelines

import (
	"slices"
	"strings"
	"testing"
)

// azSegments splits a Cache@2 key as the agent does: at "|", each
// segment trimmed (PipelineCacheTaskPluginBase.ParseIntoSegments).
func azSegments(key string) []string {
	var out []string
	for _, s := range strings.Split(key, "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// azRestores reports whether a Cache@2 restore key restores a cache
// saved under key: the agent appends a wildcard segment to a restore key,
// so its segments must be the key's first segments, whole (a string
// prefix of one segment is no match).
func azRestores(restore, key string) bool {
	r, k := azSegments(restore), azSegments(key)
	return len(r) < len(k) && slices.Equal(r, k[:len(r)])
}

// azCacheSteps returns, for each job of p with a Cache@2 step, that step
// and the job's last step.
func azCacheSteps(p AzurePipeline) map[string][2]azStep {
	out := map[string][2]azStep{}
	for _, st := range p.Stages {
		for _, j := range st.Jobs {
			for _, s := range j.Steps {
				if s.Task == "Cache@2" {
					out[st.Stage+"."+j.Job] = [2]azStep{s, j.Steps[len(j.Steps)-1]}
				}
			}
		}
	}
	return out
}

// TestAzureCacheKeys checks the Azure pipeline's synthesis cache against
// how Cache@2 works (docs/synthesis.md, "The cache between CI runs"):
// the merging jobs' restore keys restore a cache saved under another
// plan's key and under another code's; no restore key restores what a
// shard job saves (an empty directory under its own key); and no job
// removes the cache's path, which would fail its post-job save.
func TestAzureCacheKeys(t *testing.T) {
	p, err := decodeAzure(Azure(sampleInput(t)))
	if err != nil {
		t.Fatal(err)
	}
	steps := azCacheSteps(p)
	if len(steps) < 2 {
		t.Fatalf("%d jobs with Cache@2, want the shards and the merges", len(steps))
	}
	// What synth-plan prints for one code and plan, and another of each,
	// in the variables the keys step sets.
	vars := func(code, plan string) *strings.Replacer {
		return strings.NewReplacer("$(CACHE_FORMAT)", "stratum-synth-2", "$(CACHE_CODE)", code, "$(CACHE_PLAN)", plan,
			"$(Build.BuildId)", "7", "$(System.JobPositionInPhase)", "1", "$(System.JobAttempt)", "1")
	}
	now, otherPlan, otherCode := vars("c0de", "p1a0"), vars("c0de", "p1a1"), vars("c0d1", "p1a1")
	var saved []string // the keys jobs save under, other code and plan
	for _, s := range steps {
		saved = append(saved, otherCode.Replace(s[0].Inputs["key"]))
	}
	merges := 0
	for job, s := range steps {
		cache, last := s[0], s[1]
		restores := strings.Split(cache.Inputs["restoreKeys"], "\n")
		if strings.Contains(last.Script, "rm -rf "+cache.Inputs["path"]) && !strings.Contains(last.Script, "mkdir -p "+cache.Inputs["path"]) {
			t.Errorf("%s: its last step removes %s: Cache@2's post-job save fails on a missing path", job, cache.Inputs["path"])
		}
		if len(restores) != 2 {
			t.Errorf("%s: restore keys %q, want the code's and any", job, restores)
			continue
		}
		// Whatever a job saved, no restore key brings back a shard's.
		for _, key := range saved {
			if strings.Contains(key, "-shard") && (azRestores(now.Replace(restores[0]), key) || azRestores(now.Replace(restores[1]), key)) {
				t.Errorf("%s: restore keys %q restore a shard's empty cache %q", job, restores, key)
			}
		}
		if strings.Contains(cache.Inputs["key"], "-shard") {
			continue
		}
		merges++
		key := otherPlan.Replace(cache.Inputs["key"])
		if !azRestores(now.Replace(restores[0]), key) {
			t.Errorf("%s: restore key %q does not restore the same code's cache %q", job, now.Replace(restores[0]), key)
		}
		if !azRestores(now.Replace(restores[1]), otherCode.Replace(cache.Inputs["key"])) {
			t.Errorf("%s: restore key %q does not restore another code's cache", job, now.Replace(restores[1]))
		}
	}
	if merges == 0 {
		t.Error("no merging job saves the synthesis cache under its key")
	}
}

// TestAzRestores: the model of Cache@2's matching.
func TestAzRestores(t *testing.T) {
	for _, c := range []struct {
		restore, key string
		want         bool
	}{
		{`"a" | "b"`, `"a" | "b" | "c"`, true},
		{`"a"`, `"a" | "b" | "c"`, true},
		{`"a-b-"`, `"a-b-c"`, false}, // a string prefix of a segment is no match
		{`"a" | "b"`, `"a" | "b"`, false},
		{`"a-shard"`, `"a" | "b"`, false},
	} {
		if got := azRestores(c.restore, c.key); got != c.want {
			t.Errorf("azRestores(%s, %s) = %v, want %v", c.restore, c.key, got, c.want)
		}
	}
}
