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
// processes running at once, and never below one floor.
type CostModel struct {
	// StartCPU is the CPU time one synthesis process spends starting, in
	// floors (above 1: the floor's own process uses more than one core
	// for a while).
	StartCPU float64
	// ElementCPU is the CPU time per unit of Unit.Cost, in floors.
	ElementCPU float64
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
// side at both sizes (docs/synthesis.md, "Measured").
var DefaultModel = CostModel{StartCPU: 1.15, ElementCPU: 4.6e-4, Cores: 2, Memory: 7 << 30}

// DefaultShardTarget is the slowest shard's cold synthesis the pipelines
// aim for, in floors.
const DefaultShardTarget = 3.0

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
// elements on one runner, with the processes the engine would choose.
func (m CostModel) Predict(cost int) float64 {
	if cost <= 0 {
		return 0
	}
	parallel := chooseWorkers(cost, m.cores(), m.cores(), m.memory())
	k := processes(cost, parallel)
	cpu := float64(k)*m.StartCPU + float64(cost)*m.ElementCPU
	return max(1, cpu/float64(parallel))
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
			p.Slowest = max(p.Slowest, m.Predict(cost))
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
