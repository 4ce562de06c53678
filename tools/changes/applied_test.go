package changes

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"testing"

	"stratum/applied"
	"stratum/tools/stackgraph"
)

// fakeStack is a stack's Terraform: its provider's default tags, an
// optional backend kind, and resources.
func fakeStack(t *testing.T, env, layer, backend string, resources map[string]any, data map[string]any) []byte {
	t.Helper()
	j := map[string]any{
		"provider":  map[string]any{"aws": []any{map[string]any{"default_tags": []any{map[string]any{"tags": map[string]any{"Environment": env, "Layer": layer}}}}}},
		"terraform": map[string]any{"backend": map[string]any{backend: map[string]any{}}},
		"resource":  resources,
	}
	if data != nil {
		j["data"] = data
	}
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// revision is one commit of a fake history: foundation-dev (writes the
// VPC id), platform-dev (reads it), services-dev, bootstrap-dev (manual),
// with the given versions of each stack's own setting.
func revision(t *testing.T, foundation, platform, bootstrap int) *Side {
	t.Helper()
	return revisionWith(t, foundation, platform, bootstrap, nil)
}

// revisionWith is revision with more resources in foundation-dev, by type.
func revisionWith(t *testing.T, foundation, platform, bootstrap int, more map[string]any) *Side {
	t.Helper()
	vpc := map[string]any{"aws_vpc": map[string]any{"main": map[string]any{"cidr_block": fmt.Sprintf("10.%d.0.0/16", foundation)}},
		"aws_ssm_parameter": map[string]any{"vpc": map[string]any{"name": "/stratum/dev/foundation/vpc/id", "value": "${aws_vpc.main.id}"}}}
	maps.Copy(vpc, more)
	reads := map[string]any{"aws_ssm_parameter": map[string]any{"vpc": map[string]any{"name": "/stratum/dev/foundation/vpc/id"}}}
	in := []stackgraph.Input{
		{Name: "bootstrap-dev", JSON: fakeStack(t, "dev", "bootstrap", "local", map[string]any{"aws_s3_bucket": map[string]any{"state": map[string]any{"bucket": fmt.Sprintf("state-%d", bootstrap)}}}, nil)},
		{Name: "foundation-dev", JSON: fakeStack(t, "dev", "foundation", "s3", vpc, nil)},
		{Name: "platform-dev", Dependencies: []string{"foundation-dev"}, JSON: fakeStack(t, "dev", "platform", "s3",
			map[string]any{"aws_eks_cluster": map[string]any{"c": map[string]any{"version": fmt.Sprintf("1.%d", 30+platform), "vpc": "${data.aws_ssm_parameter.vpc.value}"}}}, reads)},
		{Name: "services-dev", Dependencies: []string{"platform-dev"}, JSON: fakeStack(t, "dev", "services", "s3", map[string]any{"aws_iam_role": map[string]any{"r": map[string]any{"name": "x"}}}, nil)},
	}
	g, err := stackgraph.New(in)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string][]byte{}
	for _, i := range in {
		raw[i.Name] = i.JSON
	}
	s, err := NewSide(g, raw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pipeline runs what the apply pipeline does with records: select against
// them, apply the selected stacks that are not blocked (those in fail
// fail), record the applied ones at commit. It returns the selection.
type pipeline struct {
	t       *testing.T
	records applied.Records
	history map[string]*Side
}

func (p *pipeline) run(commit string, head *Side, fail ...string) *Report {
	p.t.Helper()
	p.history[commit] = head
	r := CompareApplied(head, p.records, func(c string) (*Side, error) {
		if s, ok := p.history[c]; ok {
			return s, nil
		}
		return nil, fmt.Errorf("unknown commit")
	}, io.Discard)
	for _, s := range r.Stacks {
		if s.Manual || r.Blocked[s.Name] != "" || slices.Contains(fail, s.Name) {
			continue
		}
		p.records[s.Name] = applied.Record{Commit: commit, Digest: r.Digests[s.Name]}
	}
	return r
}

func names(r *Report) []string {
	var out []string
	for _, s := range r.Stacks {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return out
}

func commitID(n int) string { return fmt.Sprintf("%040x", n) }

// TestFailedApplyIsSelectedAgain simulates the apply pipeline with
// records over a history: a failed apply of one commit's change is
// selected again with the next commit's change; an unchanged history
// selects nothing; a change to the manual bootstrap stack blocks its
// environment until it is recorded as applied.
func TestFailedApplyIsSelectedAgain(t *testing.T) {
	p := &pipeline{t: t, records: applied.Records{}, history: map[string]*Side{}}

	// The first run: nothing was ever recorded, so every stack is new
	// (and bootstrap, new and manual, blocks the environment).
	r := p.run(commitID(0), revision(t, 0, 0, 0))
	if got, want := names(r), []string{"bootstrap-dev", "foundation-dev", "platform-dev", "services-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("first run selected %v, want %v", got, want)
	}
	if !reflect.DeepEqual(r.Pending, []string{"bootstrap-dev"}) || r.Blocked["foundation-dev"] != "bootstrap-dev" {
		t.Fatalf("first run: pending %v, blocked %v: the unrecorded bootstrap-dev must block dev", r.Pending, r.Blocked)
	}
	for k, v := range r.Groups {
		if len(v) > 0 {
			t.Errorf("group %s = %v while bootstrap-dev is pending, want nothing to run", k, v)
		}
	}
	// A person applies bootstrap-dev and records it.
	p.records["bootstrap-dev"] = applied.Record{Commit: commitID(0), Digest: r.Digests["bootstrap-dev"]}
	r = p.run(commitID(0), revision(t, 0, 0, 0))
	if got, want := names(r), []string{"foundation-dev", "platform-dev", "services-dev"}; !reflect.DeepEqual(got, want) || len(r.Blocked) != 0 {
		t.Fatalf("after recording bootstrap-dev: selected %v (blocked %v), want %v unblocked", got, r.Blocked, want)
	}

	// Commit 1 changes the platform; its apply fails.
	r = p.run(commitID(1), revision(t, 0, 1, 0), "platform-dev")
	if got, want := names(r), []string{"platform-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("commit 1 selected %v, want %v", got, want)
	}
	// Commit 2 changes the foundation's VPC: the next run selects it, its
	// reader, and the platform's change the failed run did not apply.
	r = p.run(commitID(2), revision(t, 1, 1, 0))
	if got, want := names(r), []string{"foundation-dev", "platform-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("commit 2 after a failed apply selected %v, want both changes %v", got, want)
	}
	// Everything applied: nothing is selected.
	if r = p.run(commitID(3), revision(t, 1, 1, 0)); len(r.Stacks) != 0 {
		t.Fatalf("an applied history selected %v", names(r))
	}
	// A revert is a change against what was applied, whatever the base.
	if r = p.run(commitID(4), revision(t, 1, 0, 0)); !reflect.DeepEqual(names(r), []string{"platform-dev"}) {
		t.Fatalf("a revert selected %v, want platform-dev", names(r))
	}

	// Commit 5 changes bootstrap-dev: dev is blocked until it is recorded.
	r = p.run(commitID(5), revision(t, 1, 0, 1))
	if !reflect.DeepEqual(r.Pending, []string{"bootstrap-dev"}) {
		t.Fatalf("commit 5: pending %v, want bootstrap-dev", r.Pending)
	}
	r = p.run(commitID(6), revision(t, 1, 2, 1))
	if r.Blocked["platform-dev"] != "bootstrap-dev" || slices.Contains(r.Groups["dev_1_hosted"], "platform-dev") {
		t.Fatalf("commit 6: platform-dev blocked by %q, in group %v: want it blocked by bootstrap-dev", r.Blocked["platform-dev"], r.Groups)
	}
	p.records["bootstrap-dev"] = applied.Record{Commit: commitID(6), Digest: r.Digests["bootstrap-dev"]}
	r = p.run(commitID(6), revision(t, 1, 2, 1))
	if !reflect.DeepEqual(names(r), []string{"platform-dev"}) || len(r.Blocked) != 0 {
		t.Fatalf("after recording bootstrap-dev: selected %v, blocked %v, want platform-dev unblocked", names(r), r.Blocked)
	}
}

// TestAppliedRecordsSelectLikeABase: a stack whose Terraform equals its
// record is not selected; a foundation change that touches no value its
// readers read selects no reader (the recorded commit is synthesized to
// tell), and one whose recorded commit cannot be had selects its readers
// (every parameter counts as changing).
func TestAppliedRecordsSelectLikeABase(t *testing.T) {
	old := revision(t, 0, 0, 0)
	recs := applied.Records{}
	r0 := Compare(&Side{Graph: old.Graph}, old)
	for n, d := range r0.Digests {
		recs[n] = applied.Record{Commit: commitID(0), Digest: d}
	}
	// The foundation gains a tag: its VPC id parameter cannot change.
	head := revisionWith(t, 0, 0, 0, map[string]any{"aws_sns_topic": map[string]any{"t": map[string]any{"name": "alarms"}}})
	load := func(c string) (*Side, error) { return old, nil }
	if r := CompareApplied(head, recs, load, io.Discard); !reflect.DeepEqual(names(r), []string{"foundation-dev"}) {
		t.Errorf("a change no reader sees selected %v, want foundation-dev", names(r))
	}
	lost := func(string) (*Side, error) { return nil, fmt.Errorf("gone") }
	if r := CompareApplied(head, recs, lost, io.Discard); !reflect.DeepEqual(names(r), []string{"foundation-dev", "platform-dev"}) {
		t.Errorf("without the recorded commit: selected %v, want the reader too", names(r))
	}
}
