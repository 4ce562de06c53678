// Package runbookcheck checks that what runbooks quote exists: every stack
// name (concrete, with placeholders such as <env> and <client>, or a glob
// such as client-*-staging), every `make <target>`, every `go run .
// <command>` and `stratum <command>`, every `npx cdktf <verb>`, and every
// relative link. A runbook is read at three in the morning; a name that
// drifted from the code costs minutes nobody has.
package runbookcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Known is what exists, to check quotes against.
type Known struct {
	// Stacks are every stack name the configuration builds.
	Stacks []string
	// Layers are the layers stack names start with (client stacks are
	// client-<name>-<env>, the others <layer>-<env>).
	Layers []string
	// ClientLayer is the per-client layer's name ("client").
	ClientLayer string
	// NotStacks are words that start like a stack name and are not one
	// (bootstrap-state, the directory of the bootstrap stacks' local
	// state): listed, so that every other such word is checked.
	NotStacks []string
	// MakeTargets are the Makefile's targets.
	MakeTargets []string
	// Commands are the program's subcommands (main.go's commands table).
	Commands []string
	// CdktfVerbs are the cdktf CLI verbs runbooks may use.
	CdktfVerbs []string
}

// Placeholders are the words a quoted stack name may hold in angle
// brackets instead of a real value.
var Placeholders = map[string]bool{"<env>": true, "<client>": true, "<name>": true}

// Problem is one quote that does not exist.
type Problem struct {
	File string
	Line int
	// Quote is what the runbook says; Why what is wrong with it.
	Quote, Why string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Quote, p.Why) }

// Quote is one piece of code a runbook quotes: an inline code span or a
// line of a fenced block.
type Quote struct {
	Line int
	Text string
}

var inline = regexp.MustCompile("`([^`]+)`")

// Quotes returns the code a Markdown document quotes, line by line.
func Quotes(doc []byte) []Quote {
	var out []Quote
	fenced := false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			out = append(out, Quote{n, line})
			continue
		}
		for _, m := range inline.FindAllStringSubmatch(line, -1) {
			out = append(out, Quote{n, m[1]})
		}
	}
	return out
}

var (
	makeTarget = regexp.MustCompile(`(?:^|[\s;&|(])make\s+([A-Za-z0-9_-]+)`)
	command    = regexp.MustCompile(`(?:^|[\s;&|(])(?:go run \.|stratum)\s+([A-Za-z][A-Za-z0-9_-]*)`)
	cdktfVerb  = regexp.MustCompile(`(?:^|[\s;&|(])(?:npx\s+)?cdktf\s+([a-z]+)`)
	// stackChars are the characters of a stack name as runbooks write
	// it, with placeholders (<env>) and globs (*).
	stackChars = regexp.MustCompile(`[a-z0-9<>*-]+`)
)

// stackTokens returns the words of text that could be stack names: runs
// of stackChars not glued to other word characters (so that
// platform-oncall@example.com or ci/stratum-prod-deploy are not taken for
// stacks), without trailing punctuation.
func stackTokens(text string) []string {
	var out []string
	for _, ix := range stackChars.FindAllStringIndex(text, -1) {
		start, end := ix[0], ix[1]
		if start > 0 && strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZ_.@$", rune(text[start-1])) {
			continue
		}
		if end < len(text) && strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZ_@$", rune(text[end])) {
			continue
		}
		tok := strings.TrimRight(text[start:end], "-")
		if strings.Contains(tok, "-") {
			out = append(out, tok)
		}
	}
	return out
}

// Check checks the Markdown documents docs (path → content) against k.
func Check(docs map[string][]byte, k Known) []Problem {
	var out []Problem
	files := slices.Sorted(maps.Keys(docs))
	for _, f := range files {
		for _, q := range Quotes(docs[f]) {
			for _, why := range checkQuote(q.Text, k) {
				out = append(out, Problem{File: f, Line: q.Line, Quote: why.quote, Why: why.why})
			}
		}
	}
	return out
}

type finding struct{ quote, why string }

func checkQuote(text string, k Known) []finding {
	var out []finding
	for _, m := range makeTarget.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(k.MakeTargets, m[1]) {
			out = append(out, finding{"make " + m[1], fmt.Sprintf("no Makefile target %q; targets: %v", m[1], k.MakeTargets)})
		}
	}
	for _, m := range command.FindAllStringSubmatch(text, -1) {
		if m[1] != "help" && !slices.Contains(k.Commands, m[1]) {
			out = append(out, finding{strings.TrimSpace(m[0]), fmt.Sprintf("no command %q in main.go's commands table: %v", m[1], k.Commands)})
		}
	}
	for _, m := range cdktfVerb.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(k.CdktfVerbs, m[1]) {
			out = append(out, finding{strings.TrimSpace(m[0]), fmt.Sprintf("cdktf verb %q is not one of %v", m[1], k.CdktfVerbs)})
		}
	}
	for _, tok := range stackTokens(text) {
		if why := checkStack(tok, k); why != "" {
			out = append(out, finding{tok, why})
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`<[a-z]+>`)

// checkStack returns why token, which starts like a stack name, names no
// stack, or "" if it does (or is not a stack name at all).
func checkStack(token string, k Known) string {
	layer, _, _ := strings.Cut(token, "-")
	if !slices.Contains(k.Layers, layer) || slices.Contains(k.NotStacks, token) {
		return "" // a word that is not a stack name (bucket-key, node-group, …)
	}
	for _, p := range placeholder.FindAllString(token, -1) {
		if !Placeholders[p] {
			return fmt.Sprintf("placeholder %s: stack names use %v", p, slices.Sorted(maps.Keys(Placeholders)))
		}
	}
	generic := placeholder.MatchString(token) || strings.Contains(token, "*")
	if !generic {
		if slices.Contains(k.Stacks, token) {
			return ""
		}
		return fmt.Sprintf("no stack %s; stacks: %v", token, k.Stacks)
	}
	// The shape: <layer>-<env>, or <client layer>-<name>-<env>.
	parts := strings.Split(placeholder.ReplaceAllString(token, "X"), "-")
	want := 2
	if layer == k.ClientLayer {
		want = 3
	}
	if !strings.Contains(token, "*") && len(parts) < want {
		return fmt.Sprintf("a %s stack name is %s", layer, map[bool]string{true: "client-<name>-<env>", false: layer + "-<env>"}[layer == k.ClientLayer])
	}
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(token), `\*`, ".*") + "$"
	re = placeholder.ReplaceAllString(re, "[a-z0-9-]+")
	pattern, err := regexp.Compile(re)
	if err != nil {
		return fmt.Sprintf("not a stack name pattern: %v", err)
	}
	for _, s := range k.Stacks {
		if pattern.MatchString(s) {
			return ""
		}
	}
	return fmt.Sprintf("matches no stack; stacks: %v", k.Stacks)
}

var link = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)

// CheckLinks returns the relative links of docs (path → content, paths
// relative to root) whose target does not exist under root.
func CheckLinks(root string, docs map[string][]byte) []Problem {
	var out []Problem
	files := slices.Sorted(maps.Keys(docs))
	for _, f := range files {
		for n, line := range strings.Split(string(docs[f]), "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				p := path.Join(path.Dir(f), target)
				if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
					out = append(out, Problem{File: f, Line: n + 1, Quote: target, Why: "the link's target does not exist"})
				}
			}
		}
	}
	return out
}

// MakeTargets returns the targets a Makefile defines.
func MakeTargets(makefile []byte) []string {
	re := regexp.MustCompile(`(?m)^([A-Za-z0-9][A-Za-z0-9_-]*)\s*:([^=]|$)`)
	var out []string
	for _, m := range re.FindAllSubmatch(makefile, -1) {
		if t := string(m[1]); !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// ReadDocs reads every .md file under dir (relative to root), by its path
// relative to root with forward slashes.
func ReadDocs(root, dir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".md" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	return out, err
}
