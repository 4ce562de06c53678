package synth

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

// TestShardKeysAreThePlansKeys: a shard computes the cache keys of its own
// stacks only (selectedKeys), and each is the key a synthesis of the whole
// plan computes for that stack; a key taken from another unit's reach
// would let a stack hit an entry of code it does not reach.
func TestShardKeysAreThePlansKeys(t *testing.T) {
	t.Parallel()
	units, inputs, err := planOf(config.Environments(), clients.All)
	if err != nil {
		t.Fatal(err)
	}
	code, err := identify(moduleSource)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	opts := Options{Source: moduleSource, Stderr: &stderr}
	want := unitKeys(opts, code, units, inputs)
	for _, k := range []int{1, 4} {
		for s, part := range shards(units, k) {
			got := selectedKeys(opts, code, units, inputs, part)
			in := map[int]bool{}
			for _, i := range part {
				in[i] = true
			}
			for i, u := range units {
				switch {
				case in[i] && got[i] != want[i]:
					t.Errorf("shard %d of %d: stack %s: key %.12s, the whole plan's %.12s", s+1, k, u.Name, got[i], want[i])
				case !in[i] && got[i] != "":
					t.Errorf("shard %d of %d: stack %s is not the shard's, and got key %.12s", s+1, k, u.Name, got[i])
				}
			}
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("the keys fell back to the whole fingerprint: %s", stderr.String())
	}
}

// TestPredictShardPaysForThePlan: a shard's process plans every stack of
// the plan before its workers start, and each worker again; without a
// plan (or with PlanCPU 0) the prediction is Predict's.
func TestPredictShardPaysForThePlan(t *testing.T) {
	m := CostModel{StartCPU: 1, ElementCPU: 1e-4, PlanCPU: 1e-4, Cores: 2, Memory: 8 << 30}
	cases := []struct {
		name              string
		cost, planStacks  int
		want, withoutPlan float64
	}{
		{"one process", 2000, 1000, 1.4, 1.2},     // (1 + 0.1 + 0.2) + 0.1; (1 + 0.2), the floor at least
		{"two processes", 10000, 1000, 1.7, 1.5},  // (2·(1 + 0.1) + 1)/2 + 0.1; (2 + 1)/2
		{"no plan around it", 10000, 0, 1.5, 1.5}, // Predict's
		{"nothing to synthesize", 0, 1000, 0, 0},  // a shard the cache holds
		{"a larger plan", 10000, 10000, 3.5, 1.5}, // (2·(1 + 1) + 1)/2 + 1
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := m.PredictShard(tc.cost, tc.planStacks); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("PredictShard(%d, %d) = %.3f, want %.3f", tc.cost, tc.planStacks, got, tc.want)
			}
			free := m
			free.PlanCPU = 0
			if got := free.PredictShard(tc.cost, tc.planStacks); math.Abs(got-tc.withoutPlan) > 1e-9 || got != free.Predict(tc.cost) {
				t.Errorf("without PlanCPU: PredictShard(%d, %d) = %.3f, Predict = %.3f, want %.3f", tc.cost, tc.planStacks, got, free.Predict(tc.cost), tc.withoutPlan)
			}
		})
	}
	// 6,000 stacks of 100 elements: 15 shards of 40,000 without the plan's
	// cost (TestChooseShards); with 0.1 floors of it per process, a shard
	// of c elements takes (2·1.1 + c·1e-4)/2 + 0.1 ≤ 3 floors only up to
	// 36,000 elements: 17 shards.
	units := make([]stacks.Unit, 6000)
	for i := range units {
		units[i] = stacks.Unit{Name: fmt.Sprintf("s%d", i), Cost: 100}
	}
	m.PlanCPU = 0.1 / 6000
	if p := ChooseShards(units, m, 3); p.Shards != 17 || p.Slowest > 3 {
		t.Errorf("with the plan's cost: got %s, want 17 shards", p)
	}
}

// TestWorkerRuleFollowsTheModel: the engine starts one process per
// elementsPerWorker elements because a process is worth starting only
// when its share of the work takes at least as long as its start; that
// share is DefaultModel's StartCPU over its ElementCPU, so refitting the
// model without the rule (or the reverse) fails here. (With 4,000 against
// the model's 2,500, a shard of 5,000 to 8,000 elements ran in one process
// on a 2-core runner, and synth-plan skipped from K = 38 to K = 80.)
func TestWorkerRuleFollowsTheModel(t *testing.T) {
	want := DefaultModel.StartCPU / DefaultModel.ElementCPU
	if r := float64(elementsPerWorker) / want; r < 0.9 || r > 1.1 {
		t.Errorf("elementsPerWorker = %d, but DefaultModel starts a process in the time of %.0f elements (StartCPU %g / ElementCPU %g)",
			elementsPerWorker, want, DefaultModel.StartCPU, DefaultModel.ElementCPU)
	}
}
