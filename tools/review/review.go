// Package review summarizes what a change does to the synthesized stacks
// (their snapshots in __snapshots__) and to the committed generated files,
// compared with a git revision: the page `make update` prints after
// rewriting them, so that a reviewer reads every stack's Terraform change
// as terraform plan would name it — a stack added with its resources by
// type, the addresses a changed stack adds, removes and changes — and
// which generated files moved, instead of thousands of lines of JSON.
// `stratum review` prints it on its own (-json for machines).
package review

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"stratum/tools/changes"
)

// SnapshotDir is where the stacks' snapshots live, relative to the
// repository's root.
const SnapshotDir = "__snapshots__"

// Options say what to compare.
type Options struct {
	// Repo is the repository's root.
	Repo string
	// Base is the git revision to compare the working tree with.
	// Default: HEAD (what the change has not committed yet).
	Base string
	// Generated are the committed generated files (generate.Paths),
	// relative to Repo.
	Generated []string
}

// Status says what happened to a stack or a file.
type Status string

const (
	Added   Status = "added"
	Changed Status = "changed"
	Removed Status = "removed"
)

// Stack is one stack whose snapshot differs from the base's.
type Stack struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Resources counts, for an added or removed stack, its resources by
	// type; DataSources its data sources.
	Resources   map[string]int `json:"resources,omitempty"`
	DataSources int            `json:"data_sources,omitempty"`
	// Diff is, for a changed stack, its addresses that changed; empty
	// when only cdktf's metadata changed.
	Diff *changes.StackDiff `json:"diff,omitempty"`
}

// File is one file that differs from the base's.
type File struct {
	Path   string `json:"path"`
	Status Status `json:"status"`
	// Added and Removed count lines (git diff --numstat); -1 for a binary
	// file.
	Added   int `json:"added_lines"`
	Removed int `json:"removed_lines"`
}

// Summary is the review of a change.
type Summary struct {
	Base       string `json:"base"`
	BaseCommit string `json:"base_commit"`
	// Stacks are the stacks whose snapshot was added, changed or
	// removed, by name; Unchanged counts the others.
	Stacks    []Stack `json:"stacks"`
	Unchanged int     `json:"unchanged_stacks"`
	// Generated are the committed generated files that changed; Other
	// every other file that changed (the edit itself, such as
	// clients/clients.go).
	Generated []File `json:"generated"`
	Other     []File `json:"other"`
}

// Count returns how many stacks have status s.
func (s *Summary) Count(st Status) int {
	n := 0
	for _, x := range s.Stacks {
		if x.Status == st {
			n++
		}
	}
	return n
}

// Run compares the working tree of o.Repo with o.Base.
func Run(ctx context.Context, o Options) (*Summary, error) {
	if o.Base == "" {
		o.Base = "HEAD"
	}
	commit, err := changes.Git(ctx, o.Repo, "rev-parse", "--verify", "--quiet", o.Base+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("base %q is not a commit of %s: %w", o.Base, o.Repo, err)
	}
	files, err := changedFiles(ctx, o.Repo, commit)
	if err != nil {
		return nil, err
	}
	s := &Summary{Base: o.Base, BaseCommit: commit, Stacks: []Stack{}, Generated: []File{}, Other: []File{}}
	generated := map[string]bool{}
	for _, p := range o.Generated {
		generated[filepath.ToSlash(p)] = true
	}
	var snapshots []File
	for _, f := range files {
		switch {
		case isSnapshot(f.Path):
			snapshots = append(snapshots, f)
		case generated[f.Path]:
			s.Generated = append(s.Generated, f)
		default:
			s.Other = append(s.Other, f)
		}
	}
	if s.Stacks, err = stacks(ctx, o.Repo, commit, snapshots); err != nil {
		return nil, err
	}
	current, err := filepath.Glob(filepath.Join(o.Repo, SnapshotDir, "*.json"))
	if err != nil {
		return nil, err
	}
	s.Unchanged = len(current) - s.Count(Added) - s.Count(Changed)
	return s, nil
}

func isSnapshot(path string) bool {
	dir, file := filepath.Split(path)
	return dir == SnapshotDir+"/" && strings.HasSuffix(file, ".json")
}

// changedFiles lists every file of the working tree that differs from
// commit: tracked changes and deletions (git diff --numstat) and the
// files git does not track yet that it does not ignore, all added.
func changedFiles(ctx context.Context, repo, commit string) ([]File, error) {
	numstat, err := changes.Git(ctx, repo, "diff", "--numstat", "--no-renames", "-z", commit, "--")
	if err != nil {
		return nil, err
	}
	deleted, err := changes.Git(ctx, repo, "diff", "--name-only", "--diff-filter=D", "--no-renames", "-z", commit, "--")
	if err != nil {
		return nil, err
	}
	added, err := changes.Git(ctx, repo, "diff", "--name-only", "--diff-filter=A", "--no-renames", "-z", commit, "--")
	if err != nil {
		return nil, err
	}
	untracked, err := changes.Git(ctx, repo, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, err
	}
	status := map[string]Status{}
	for _, p := range split(deleted) {
		status[p] = Removed
	}
	for _, p := range split(added) {
		status[p] = Added
	}
	var out []File
	for _, rec := range split(numstat) {
		// "<added>\t<removed>\t<path>"; "-" for binary files.
		fields := strings.SplitN(rec, "\t", 3)
		if len(fields) != 3 {
			return nil, fmt.Errorf("git diff --numstat: unexpected record %q", rec)
		}
		f := File{Path: fields[2], Status: Changed, Added: lines(fields[0]), Removed: lines(fields[1])}
		if st, ok := status[f.Path]; ok {
			f.Status = st
		}
		out = append(out, f)
	}
	for _, p := range split(untracked) {
		b, err := os.ReadFile(filepath.Join(repo, p))
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: p, Status: Added, Added: countLines(b)})
	}
	slices.SortFunc(out, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func split(z string) []string {
	var out []string
	for _, p := range strings.Split(z, "\x00") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func lines(n string) int {
	v, err := strconv.Atoi(n)
	if err != nil {
		return -1 // "-": binary
	}
	return v
}

func countLines(b []byte) int {
	if bytes.IndexByte(b, 0) >= 0 {
		return -1
	}
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// stacks reads each changed snapshot at commit and in the working tree
// and says what changed, as Terraform sees it.
func stacks(ctx context.Context, repo, commit string, files []File) ([]Stack, error) {
	var old []string
	for _, f := range files {
		if f.Status != Added {
			old = append(old, f.Path)
		}
	}
	before, err := blobs(ctx, repo, commit, old)
	if err != nil {
		return nil, err
	}
	out := []Stack{}
	for _, f := range files {
		st := Stack{Name: strings.TrimSuffix(filepath.Base(f.Path), ".json"), Status: f.Status}
		var was, now map[string]any
		if f.Status != Added {
			if was, err = changes.ParseStack(before[f.Path]); err != nil {
				return nil, fmt.Errorf("%s at %s: %w", f.Path, commit[:min(12, len(commit))], err)
			}
		}
		if f.Status != Removed {
			raw, err := os.ReadFile(filepath.Join(repo, f.Path))
			if err != nil {
				return nil, err
			}
			if now, err = changes.ParseStack(raw); err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
		}
		switch f.Status {
		case Added:
			st.Resources, st.DataSources = changes.ResourceCounts(now)
		case Removed:
			st.Resources, st.DataSources = changes.ResourceCounts(was)
		default:
			d := changes.DiffStacks(was, now)
			st.Diff = &d
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// blobs reads paths at commit with one git cat-file process.
func blobs(ctx context.Context, repo, commit string, paths []string) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(paths) == 0 {
		return out, nil
	}
	var in bytes.Buffer
	for _, p := range paths {
		fmt.Fprintf(&in, "%s:%s\n", commit, p)
	}
	cmd := exec.CommandContext(ctx, "git", "-C", repo, "cat-file", "--batch")
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git cat-file: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	r := bufio.NewReader(bytes.NewReader(raw))
	for _, p := range paths {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %w", p, err)
		}
		// "<sha> blob <size>" or "<object> missing".
		fields := strings.Fields(header)
		if len(fields) != 3 || fields[1] != "blob" {
			return nil, fmt.Errorf("git cat-file: %s at %s: %s", p, commit, strings.TrimSpace(header))
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: %s: size %q", p, fields[2])
		}
		b := make([]byte, size+1) // the content and its newline
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, fmt.Errorf("git cat-file: %s: %w", p, err)
		}
		out[p] = b[:size]
	}
	return out, nil
}

// Write prints the summary for people.
func (s *Summary) Write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	short := s.BaseCommit[:min(12, len(s.BaseCommit))]
	fmt.Fprintf(bw, "Review against %s (%s): %s added, %d changed, %d removed, %d unchanged; %s changed.\n",
		s.Base, short, plural(s.Count(Added), "stack"), s.Count(Changed), s.Count(Removed), s.Unchanged, plural(len(s.Generated), "generated file"))
	section := func(title string, st Status, each func(Stack)) {
		if s.Count(st) == 0 {
			return
		}
		fmt.Fprintf(bw, "\n%s\n", title)
		for _, x := range s.Stacks {
			if x.Status == st {
				each(x)
			}
		}
	}
	width := 0
	for _, x := range s.Stacks {
		width = max(width, len(x.Name))
	}
	section("Added stacks (each a new state: terraform plan will create every resource):", Added, func(x Stack) {
		writeCounts(bw, "+", x, width)
	})
	section("Changed stacks (read each address as terraform plan would: - destroys, + creates, ~ updates or replaces):", Changed, func(x Stack) {
		d := x.Diff
		if d.Empty() {
			fmt.Fprintf(bw, "  ~ %s: cdktf metadata only, no Terraform change\n", x.Name)
			return
		}
		fmt.Fprintf(bw, "  ~ %s: %d to add, %d to change, %d to destroy\n", x.Name, len(d.Added), len(d.Changed), len(d.Removed))
		for _, b := range d.Blocks {
			fmt.Fprintf(bw, "      ~ %s (a top-level block: it can touch every resource of the stack)\n", b)
		}
		for _, a := range d.Removed {
			fmt.Fprintf(bw, "      - %s\n", a)
		}
		for _, a := range d.Added {
			fmt.Fprintf(bw, "      + %s\n", a)
		}
		for _, a := range d.Changed {
			fmt.Fprintf(bw, "      ~ %s\n", a)
		}
	})
	section("Removed stacks (no longer synthesized: what their states hold stays in AWS until destroyed, see docs/onboarding.md):", Removed, func(x Stack) {
		writeCounts(bw, "-", x, width)
	})
	files := func(title string, fs []File) {
		if len(fs) == 0 {
			return
		}
		fmt.Fprintf(bw, "\n%s\n", title)
		w := 0
		for _, f := range fs {
			w = max(w, len(f.Path))
		}
		for _, f := range fs {
			mark := map[Status]string{Added: "+", Changed: "~", Removed: "-"}[f.Status]
			if f.Added < 0 {
				fmt.Fprintf(bw, "  %s %-*s  binary\n", mark, w, f.Path)
				continue
			}
			fmt.Fprintf(bw, "  %s %-*s  +%d -%d lines\n", mark, w, f.Path, f.Added, f.Removed)
		}
	}
	files("Generated files (review them with git diff; make generate writes them):", s.Generated)
	files("Other files changed:", s.Other)
	if len(s.Stacks) == 0 && len(s.Generated) == 0 {
		fmt.Fprintln(bw, "\nNo stack and no generated file changed.")
	}
	return bw.Flush()
}

// plural is n and the noun, in the plural unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeCounts prints an added or removed stack with its resources by
// type, wrapped.
func writeCounts(w io.Writer, mark string, x Stack, width int) {
	total := 0
	for _, n := range x.Resources {
		total += n
	}
	head := fmt.Sprintf("  %s %-*s  %s, %s:", mark, width, x.Name, plural(total, "resource"), plural(x.DataSources, "data source"))
	fmt.Fprintln(w, head)
	var line strings.Builder
	line.WriteString("      ")
	types := slices.Sorted(maps.Keys(x.Resources))
	for i, typ := range types {
		item := fmt.Sprintf("%d %s", x.Resources[typ], typ)
		if i < len(types)-1 {
			item += ","
		}
		if line.Len() > 6 && line.Len()+1+len(item) > 118 {
			fmt.Fprintln(w, line.String())
			line.Reset()
			line.WriteString("      ")
		}
		if line.Len() > 6 {
			line.WriteByte(' ')
		}
		line.WriteString(item)
	}
	if line.Len() > 6 {
		fmt.Fprintln(w, line.String())
	}
}
