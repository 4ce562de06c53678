package stacks

import (
	"maps"
	"slices"
	"testing"

	"stratum/constructs/awscontext"
)

// TestOneAccountPartitionRegionPerStack: every stack reads its account,
// partition and region once, through the data sources awscontext shares
// between its constructs, and no construct reads them on its own.
func TestOneAccountPartitionRegionPerStack(t *testing.T) {
	s := defaultSynth(t)
	want := map[string]string{"aws_caller_identity": awscontext.AccountID, "aws_partition": awscontext.PartitionID, "aws_region": awscontext.RegionID}
	seen := map[string]int{}
	for _, name := range s.names() {
		j := s.stack(t, name)
		for typ, id := range want {
			got := j.block("data", typ)
			if len(got) > 1 {
				t.Errorf("%s: %d %s data sources %v, want at most one", name, len(got), typ, slices.Sorted(maps.Keys(got)))
			}
			for addr := range got {
				seen[typ]++
				if addr != id {
					t.Errorf("%s: data.%s.%s, want the shared data.%s.%s", name, typ, addr, typ, id)
				}
			}
		}
	}
	for typ := range want {
		if seen[typ] == 0 {
			t.Errorf("no stack reads %s: the check ran on nothing", typ)
		}
	}
}
