package changes

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stratum/applied"
	"stratum/tools/awscli"
)

// FetchRecords reads an environment's applied records with the AWS CLI:
// what `aws ssm get-parameters-by-path` printed (the form `stratum applied
// fetch` writes and LoadApplied reads) and the records parsed from it.
func FetchRecords(aws awscli.Runner, env string) ([]byte, applied.Records, error) {
	b, err := aws("ssm", "get-parameters-by-path", "--path", applied.Path(env), "--recursive")
	if err != nil {
		return nil, nil, err
	}
	recs, err := applied.ParseParameters(env, b)
	return b, recs, err
}

// OtherEnvironmentError is RecordApplied's error for a stack the
// synthesis built for another environment than the one named.
type OtherEnvironmentError struct {
	Stack       string
	Environment string // the stack's, from the synthesis
	Want        string // the one named
}

func (e *OtherEnvironmentError) Error() string {
	return fmt.Sprintf("%s is a stack of %s, not of %s", e.Stack, e.Environment, e.Want)
}

// RecordApplied records the stack of the synthesis side as applied in env
// at the commit checked out in repo, and returns the record written. The
// synthesis says which environment a stack was built for (its tags); a
// name cannot be split into it. It refuses a working tree with
// uncommitted changes to tracked files: a record names what a commit
// synthesizes.
func RecordApplied(ctx context.Context, aws awscli.Runner, side *Side, repo, env, stack string) (applied.Record, error) {
	st, ok := side.Graph.Stack(stack)
	if !ok {
		return applied.Record{}, fmt.Errorf("the synthesis holds no stack %s", stack)
	}
	if st.Environment != env {
		return applied.Record{}, &OtherEnvironmentError{Stack: stack, Environment: st.Environment, Want: env}
	}
	commit, err := git(ctx, repo, "rev-parse", "HEAD")
	if err != nil {
		return applied.Record{}, err
	}
	if dirty, _ := git(ctx, repo, "status", "--porcelain", "--untracked-files=no"); dirty != "" {
		return applied.Record{}, fmt.Errorf("the working tree has uncommitted changes: record what a commit synthesizes (commit or stash them, make synth, apply, record)")
	}
	rec := applied.Record{Commit: commit, Digest: side.Digest(stack)}
	if _, err := aws("ssm", "put-parameter", "--name", applied.ParameterName(env, stack), "--type", "String", "--overwrite", "--value", rec.JSON()); err != nil {
		return applied.Record{}, err
	}
	return rec, nil
}

// The states AppliedStates gives a stack.
const (
	StateApplied = "applied"                             // its Terraform is what was last applied
	StatePending = "pending"                             // its Terraform differs from its record
	StateNever   = "never applied"                       // no record
	StateRemoved = "removed (recorded, not synthesized)" // a record, no stack
)

// AppliedStack is one stack's state against its record.
type AppliedStack struct {
	Name  string
	State string // one of the State constants
	// Commit is the recorded commit, empty when there is no record.
	Commit string
}

// Pending reports whether something is to be applied to the stack.
func (s AppliedStack) Pending() bool { return s.State == StatePending || s.State == StateNever }

// AppliedStates compares env's stacks of the synthesis side with their
// records: each stack of the environment in the synthesis's order, then
// the recorded stacks the synthesis no longer holds, by name.
func AppliedStates(side *Side, env string, recs applied.Records) []AppliedStack {
	var out []AppliedStack
	for _, name := range side.Graph.Names() {
		if st, _ := side.Graph.Stack(name); st.Environment != env {
			continue
		}
		rec, ok := recs[name]
		s := AppliedStack{Name: name, State: StateApplied, Commit: rec.Commit}
		switch {
		case !ok:
			s.State = StateNever
		case rec.Digest != side.Digest(name):
			s.State = StatePending
		}
		out = append(out, s)
	}
	for _, name := range slices.Sorted(maps.Keys(recs)) {
		if !side.Has(name) {
			out = append(out, AppliedStack{Name: name, State: StateRemoved, Commit: recs[name].Commit})
		}
	}
	return out
}

// LoadApplied reads the records of a directory of files written by `aws ssm
// get-parameters-by-path` (or `stratum applied fetch`), one per
// environment, named <env>.json.
func LoadApplied(dir string) (applied.Records, []string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, nil, err
	}
	if len(paths) == 0 {
		return nil, nil, fmt.Errorf("%s holds no <env>.json file of records", dir)
	}
	all := applied.Records{}
	var envs []string
	for _, p := range paths {
		env := strings.TrimSuffix(filepath.Base(p), ".json")
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, err
		}
		recs, err := applied.ParseParameters(env, b)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p, err)
		}
		for k, v := range recs {
			all[k] = v
		}
		envs = append(envs, env)
	}
	slices.Sort(envs)
	return all, envs, nil
}
