package changes

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/testkit/clientstest"
	_ "stratum/testkit/golden" // accepts -update like every test package
	"stratum/testkit/testenv"
	"stratum/tools/synth"
)

// onboarding is the onboarding change: one client appended to
// clients.All, as docs/onboarding.md tells a newcomer to write it, under
// a name and cost centre no client of clients.All uses (%[1]q, %[2]q).
const onboarding = `	{
		Name:        %[1]q,
		DisplayName: "Newcomer",
		CostCentre:  %[2]q,
		Environments: []Environment{{Name: "prod"}, {Name: "staging"}, {Name: "dev"}},
		Buckets:      []Bucket{{Name: "data"}},
		Applications: []Application{{Name: "api", Port: 8080, Buckets: map[string]Access{"data": ReadWrite}, Database: true}},
	},
}
`

func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func commit(t *testing.T, dir, msg string) {
	t.Helper()
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", msg)
}

func edit(t *testing.T, path string, f func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(f(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestChangedInRealRepositories runs the comparison on real git history:
// a comment-only Go change selects nothing; onboarding a client selects
// exactly its new stacks (its database and client stack in each of its
// environments) and nothing else. Three syntheses, one per tree: the
// base, whole; the comment commit, the stacks whose builders' code the
// comment moves, the others reused from the synthesis cache the base
// filled (Run synthesizes the head after the base); the onboarding
// commit, its new stacks.
func TestChangedInRealRepositories(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes three revisions")
	}
	envs := config.Environments()
	c := clientstest.Fresh(t, clients.All, envs, clientstest.Newcomer(envs))
	dir := testenv.CopyRepo(t, "../..")
	edit(t, filepath.Join(dir, "stacks", "foundation.go"), func(s string) string {
		return strings.Replace(s, "package stacks\n", "package stacks\n\n// A comment that changes no synthesized byte.\n", 1)
	})
	commit(t, dir, "comment")
	edit(t, filepath.Join(dir, "clients", "clients.go"), func(s string) string {
		i := strings.LastIndex(s, "}\n")
		return s[:i] + fmt.Sprintf(onboarding, c.Name, c.CostCentre)
	})
	commit(t, dir, "onboard "+c.Name)
	ctx := context.Background()
	cache := t.TempDir()

	t.Run("comment only", func(t *testing.T) {
		var log strings.Builder
		r, err := Run(ctx, Options{Repo: dir, Base: "HEAD~2", Head: "HEAD~1", Cache: cache, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		// The head's program synthesized some stacks again and reused the
		// base's others: the two syntheses shared the cache.
		m := regexp.MustCompile(`/head: synth: \d+ stacks into [^:]+: (\d+) synthesized.*, (\d+) reused from the cache`).FindStringSubmatch(log.String())
		if m == nil || m[1] == "0" || m[2] == "0" {
			t.Errorf("the head's synthesis did not both synthesize and reuse stacks of the base's (%q):\n%s", m, log.String())
		}
		if len(r.Stacks) != 0 || len(r.Removed) != 0 {
			t.Errorf("a comment selected %v (removed %v), want nothing", r.Stacks, r.Removed)
		}
		for k, v := range r.Groups {
			if len(v) != 0 {
				t.Errorf("group %s = %v, want empty", k, v)
			}
		}
	})

	t.Run("onboarding", func(t *testing.T) {
		r, err := Run(ctx, Options{Repo: dir, Base: "HEAD~1", Head: "HEAD", Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, env := range envs {
			want = append(want, "client-"+c.Name+"-"+env.Name, "database-"+c.Name+"-"+env.Name)
		}
		sort.Strings(want)
		if !reflect.DeepEqual(r.Added, want) {
			t.Errorf("added %v, want %v", r.Added, want)
		}
		// The rule: a new client's stacks are new, its database included,
		// and no other stack's Terraform changes, so nothing else is
		// selected (no other client, no shared stack).
		var selected []string
		for _, s := range r.Stacks {
			selected = append(selected, s.Name)
			if s.Reason != Added {
				t.Errorf("%s selected (%s %v): only the new client's stacks may be", s.Name, s.Reason, s.Parameters)
			}
		}
		sort.Strings(selected)
		if !reflect.DeepEqual(selected, want) {
			t.Errorf("selected %v, want exactly the new stacks %v", selected, want)
		}
		if len(r.Changed) != 0 {
			t.Errorf("changed %v, want none: onboarding changes no byte of another stack", r.Changed)
		}
		if len(r.Removed) != 0 {
			t.Errorf("removed %v, want none", r.Removed)
		}
		if got := r.Groups["prod_2_private"]; !slices.Contains(got, "client-"+c.Name+"-prod") {
			t.Errorf("group prod_2_private = %v, want it to hold client-%s-prod", got, c.Name)
		}
	})

	// A pipeline hands changed the syntheses it already has (the head
	// merged from its shards, the base's from the base's pipeline):
	// nothing is synthesized, and the report is the same.
	t.Run("precomputed outputs", func(t *testing.T) {
		tree := func(rev string) string {
			id, err := git(ctx, dir, "rev-parse", rev+"^{tree}")
			if err != nil {
				t.Fatal(err)
			}
			return filepath.Join(cache, id)
		}
		want, err := Run(ctx, Options{Repo: dir, Base: "HEAD~1", Head: "HEAD", Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		got, err := Run(ctx, Options{Repo: dir, Base: "HEAD~1", BaseOut: tree("HEAD~1"), HeadOut: tree("HEAD"), Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("from precomputed outputs: %+v, want %+v", got, want)
		}
		if strings.Contains(log.String(), "synthesizing") {
			t.Errorf("synthesized although both outputs were given:\n%s", log.String())
		}
	})
}

func TestSynthCacheEnv(t *testing.T) {
	if synthCacheEnv != synth.CacheEnv {
		t.Errorf("synthCacheEnv = %q, synth.CacheEnv = %q: want the same variable", synthCacheEnv, synth.CacheEnv)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, "git", "init", "-q")
	if _, err := Run(context.Background(), Options{Repo: dir, Base: "origin/main"}); err == nil || !strings.Contains(err.Error(), "fetch-depth") {
		t.Errorf("unknown base: error %v, want one that says to fetch it", err)
	}
}
