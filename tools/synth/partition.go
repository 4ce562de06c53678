package synth

import (
	"bufio"
	"os"
	"sort"
	"strconv"
	"strings"

	"stratum/stacks"
)

// What a synthesis process costs, measured with scripts/bench-scale (see
// docs/synthesis.md): starting one jsii runtime with the AWS, Kubernetes
// and Helm providers loaded (the floor) takes about as long as
// synthesizing elementsPerWorker elements (DefaultModel: StartCPU over
// ElementCPU, 1.15 / 4.6e-4 = 2,500; it was 4,000 while ElementCPU was
// 3.2e-4), and a process synthesizing a few thousand elements peaks below
// memoryPerWorker.
//
// A process's memory grows with the elements it holds (the jsii runtime
// keeps every construct until the app is synthesized): about 1.13 GB for
// the floor and 13 to 19 KB per element (scripts/bench-scale 1000: 1.62 GB
// for processes of 38,000 elements, 1.24 GB for processes of 5,700), so a
// process is given at most elementsPerProcess elements to stay under
// 1.5 GB; more work is split between more processes, of which at most
// chooseWorkers run at a time.
const (
	elementsPerWorker  = 2500
	memoryPerWorker    = 1536 << 20
	elementsPerProcess = 20000
)

// chooseWorkers is the number of synthesis processes for work of cost
// elements: one per elementsPerWorker elements, so that each process
// spends at least as long synthesizing as it did starting (below that, a
// second process costs more than it saves), and no more than there are
// cores to run them or memory to hold them. cores and procs are the
// logical CPUs and GOMAXPROCS (which follows the cgroup CPU limit);
// memAvail is MemAvailable in bytes, 0 if unknown.
func chooseWorkers(cost, cores, procs int, memAvail int64) int {
	k := min(cost/elementsPerWorker, cores, procs)
	if memAvail > 0 {
		k = min(k, int(memAvail/memoryPerWorker))
	}
	return max(k, 1)
}

// processes is the number of processes for work of cost elements run
// parallel at a time: at least parallel, and enough that none holds more
// than elementsPerProcess elements, rounded up to a multiple of parallel
// so that every round of processes is full.
func processes(cost, parallel int) int {
	parallel = max(parallel, 1)
	need := (cost + elementsPerProcess - 1) / elementsPerProcess
	rounds := max(1, (need+parallel-1)/parallel)
	return rounds * parallel
}

// partition divides the units at idx (indexes into units, in plan order)
// between at most k processes so that their costs are close: the
// costliest unit first, each to the process with the least cost so far
// (longest processing time first, within 4/3 of the best split). Each
// part lists its units in plan order, so producers are built before
// their consumers within a process. Ties go by plan order, so the split
// is the same every run.
func partition(units []stacks.Unit, idx []int, k int) [][]int {
	k = max(1, min(k, len(idx)))
	byCost := append([]int(nil), idx...)
	sort.SliceStable(byCost, func(a, b int) bool { return units[byCost[a]].Cost > units[byCost[b]].Cost })
	parts := make([][]int, k)
	load := make([]int, k)
	for _, i := range byCost {
		least := 0
		for p := 1; p < k; p++ {
			if load[p] < load[least] {
				least = p
			}
		}
		parts[least] = append(parts[least], i)
		load[least] += max(units[i].Cost, 1)
	}
	for _, p := range parts {
		sort.Ints(p)
	}
	return parts
}

// memAvailable returns MemAvailable from /proc/meminfo in bytes, or 0.
func memAvailable() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
