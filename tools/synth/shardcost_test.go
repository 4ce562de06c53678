package synth

import (
	"bytes"
	"testing"

	"stratum/clients"
	"stratum/config"
)

// TestShardKeysAreThePlansKeys: a shard computes the cache keys of its own
// stacks only (selectedKeys), and each is the key a synthesis of the whole
// plan computes for that stack; a key taken from another unit's reach
// would let a stack hit an entry of code it does not reach.
func TestShardKeysAreThePlansKeys(t *testing.T) {
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
