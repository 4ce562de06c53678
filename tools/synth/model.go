package synth

import (
	"fmt"

	"stratum/stacks"
)

// CostModel predicts how long the engine takes to synthesize stacks on a
// CI runner, in floors: the wall time of the jsii floor (a one-stack app
// with the same providers, tools/bench/floor) measured on the same
// runner. In floors, the model holds across machines of one kind whatever
// their speed; scripts/bench-scale measures its two figures and prints the
// model it would fit, next to the shards' measured times.
//
// Synthesis is CPU-bound in the jsii runtime: a process costs StartCPU to
// start (Node.js and the providers' assemblies) and each element of its
// stacks (Unit.Cost) ElementCPU more. The engine on a runner starts
// processes as chooseWorkers and processes decide, parallel at a time,
// so the wall time is the CPU time of all of them divided by the
// processes running at once, and never below one floor. A shard also
// pays for the whole plan, whatever its own size: its own process plans
// every stack of it (validation, inputs, the plan's digest, the reach of
// every build closure) before it starts a worker, and each worker plans
// it again before it builds (PlanCPU per stack of the plan).
type CostModel struct {
	// StartCPU is the CPU time one synthesis process spends starting, in
	// floors (above 1: the floor's own process uses more than one core
	// for a while).
	StartCPU float64
	// ElementCPU is the CPU time per unit of Unit.Cost, in floors.
	ElementCPU float64
	// PlanCPU is the CPU time per stack of the whole plan that the
	// shard's process spends before it starts its workers, and each
	// worker before it builds, in floors. Default: 0 (no such cost).
	PlanCPU float64
	// Cores is the runner's number of cores. Default: 2 (GitHub's,
	// GitLab's and Azure's standard Linux runners).
	Cores int
	// Memory is the runner's memory in bytes, which bounds the processes
	// run at once. Default: 7 GB (the smallest of those runners).
	Memory int64
}

// DefaultModel is the model measured by scripts/bench-scale on the 2-core
// development machine while idle. StartCPU: the floor's CPU time over its
// wall time (5.6 s of CPU, 4.8 s of wall). ElementCPU: fitted to the
// 1,000-client shards synthesized alone (synth-shard, two processes,
// about 11,300 elements each: 16.5 to 16.9 s of wall, 3.5 floors), which
// cost more per element than 100 clients' whole synthesis did (3.2e-4,
// the previous figure, under which K = 27 shards took 3.5 floors against
// the 3.0 predicted); the larger figure keeps the prediction on the safe
// side at both sizes (docs/synthesis.md, "Measured"). PlanCPU: the Go CPU
// time a process spends on each stack of the plan, about 3e-5 s (a warm
// shard of a 6,025-stack plan, every stack from the cache and no jsii
// runtime, takes 0.38 s of CPU against 0.19 s for today's 25 stacks; a
// worker's plan, its digest and check, 0.15 to 0.17 s), over the idle
// floor's 4.8 s of wall. ElementCPU was fitted to shards that still paid
// the plan's cost before it was cut (0.63 s of CPU in the shard's process),
// so it stays on the safe side.
var DefaultModel = CostModel{StartCPU: 1.15, ElementCPU: 4.6e-4, PlanCPU: 6e-6, Cores: 2, Memory: 7 << 30}

// DefaultShardTarget is the slowest shard's cold synthesis the pipelines
// aim for, in floors: the 3× bound less 5 % for the model's error. The
// K = 40 shards this model chose for 1,000 clients at a target of 3,
// predicted at 2.98 floors, took 2.89 to 3.04 floors each alone on the
// idle machine (docs/synthesis.md, "Measured"): the prediction is close
// but not a bound, and the margin keeps the slowest shard within 3×.
const DefaultShardTarget = 2.85

func (m CostModel) cores() int {
	if m.Cores < 1 {
		return 2
	}
	return m.Cores
}

func (m CostModel) memory() int64 {
	if m.Memory <= 0 {
		return 7 << 30
	}
	return m.Memory
}

// Predict is the wall time, in floors, of a cold synthesis of cost
// elements on one runner, with the processes the engine would choose,
// leaving out what the plan around them costs (PredictShard).
func (m CostModel) Predict(cost int) float64 { return m.PredictShard(cost, 0) }

// PredictShard is Predict for a shard of cost elements out of a plan of
// planStacks stacks: the shard's process plans them before its workers
// start (serial), and each worker plans them again (in parallel with the
// other workers of its round).
func (m CostModel) PredictShard(cost, planStacks int) float64 {
	if cost <= 0 {
		return 0
	}
	parallel := chooseWorkers(cost, m.cores(), m.cores(), m.memory())
	k := processes(cost, parallel)
	plan := float64(planStacks) * m.PlanCPU
	cpu := float64(k)*(m.StartCPU+plan) + float64(cost)*m.ElementCPU
	return max(1, cpu/float64(parallel)) + plan
}

// ShardPlan is how a synthesis is spread over runners.
type ShardPlan struct {
	// Shards is K, the number of runners.
	Shards int `json:"shards"`
	// Stacks and Cost are the plan's stacks and their estimated elements.
	Stacks int `json:"stacks"`
	Cost   int `json:"cost"`
	// Slowest is the predicted cold synthesis of the slowest shard, in
	// floors, and Target what it had to stay within.
	Slowest float64 `json:"slowest_floors"`
	Target  float64 `json:"target_floors"`
	// Sizes are the stacks of each shard.
	Sizes []int `json:"shard_stacks"`
}

// maxShards bounds the search for K: no platform runs more parallel jobs
// for one pipeline than this without queueing anyway.
const maxShards = 256

// ChooseShards returns the smallest number of shards K such that every
// shard's cold synthesis (the shards Shard makes of units) is predicted
// to stay within target floors, or the number that comes closest within
// maxShards. Cold is the worst case: a warm cache only shortens shards.
func ChooseShards(units []stacks.Unit, m CostModel, target float64) ShardPlan {
	p := ShardPlan{Stacks: len(units), Target: target}
	for _, u := range units {
		p.Cost += u.Cost
	}
	best := ShardPlan{Slowest: -1}
	for k := 1; k <= max(1, min(len(units), maxShards)); k++ {
		parts := shards(units, k)
		p.Shards, p.Slowest, p.Sizes = k, 0, nil
		for _, part := range parts {
			cost := 0
			for _, i := range part {
				cost += units[i].Cost
			}
			p.Slowest = max(p.Slowest, m.PredictShard(cost, len(units)))
			p.Sizes = append(p.Sizes, len(part))
		}
		if best.Slowest < 0 || p.Slowest < best.Slowest {
			best = p
		}
		if p.Slowest <= target {
			return p
		}
	}
	return best
}

// String is the plan for people.
func (p ShardPlan) String() string {
	return fmt.Sprintf("%d stacks (%d elements) in %d shards; slowest shard predicted at %.2f× the floor (target %.2f×)",
		p.Stacks, p.Cost, p.Shards, p.Slowest, p.Target)
}
