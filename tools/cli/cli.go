// Package cli is how every stratum command reads its command line and
// how it ends: one help layout (`stratum help <command>`, or -h), usage
// errors that name the flag and what is allowed, and exit codes in which a
// usage error never looks like a result. The README's exit code table is
// this file's constants.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit codes of every command.
const (
	// ExitOK: the command did what was asked and nothing needs
	// attention.
	ExitOK = 0
	// ExitFailure: the command failed, or what it checked failed (an
	// invalid configuration, a verification that found a problem).
	ExitFailure = 1
	// ExitChanges: the command succeeded and found something to act on.
	// Only commands whose help says so (Command.Results) use it, like
	// terraform plan -detailed-exitcode; the README's table names them
	// all (TestExitCodeTable keeps the two equal).
	ExitChanges = 2
	// ExitUsage: the command line is wrong — an unknown command, verb or
	// flag, a missing required flag, a flag value that is not allowed, an
	// unexpected argument — and nothing was done (64 is EX_USAGE of
	// sysexits.h).
	ExitUsage = 64
)

// Run is the one shape of every stratum command: it gets the program's
// context (cancelled on Ctrl-C or SIGTERM, which it passes to what it
// runs), its arguments without its name, and where to print; it returns
// the exit code. A tool's package exports its command as Main, or, when
// the command needs a part of the program the package cannot import (the
// configuration, the app build, the embedded source), as a function of
// those parts returning a Run. The package parses its flags with New in
// the command and leaves the work to its exported functions.
type Run = func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Command describes a command for its help.
type Command struct {
	// Name is the command as typed after stratum ("changed", "migrate
	// plan").
	Name string
	// Synopsis is the command line after the name, e.g.
	// "-base REV [-json]".
	Synopsis string
	// Arguments says the command takes arguments after its flags (named
	// in Synopsis). Default: false, an argument is a usage error.
	Arguments bool
	// About says what the command does, in plain sentences.
	About string
	// Results are the exit codes the command has besides 0, 1 and 64,
	// e.g. "2  stacks are selected (with -detailed-exitcode)".
	Results []string
}

// FlagSet is a command's flags with the conventions above.
type FlagSet struct {
	*flag.FlagSet
	cmd            Command
	stdout, stderr io.Writer
	required       []string
}

// New returns cmd's flag set: help goes to stdout, errors to stderr.
func New(cmd Command, stdout, stderr io.Writer) *FlagSet {
	fs := flag.NewFlagSet(strings.TrimSpace("stratum "+cmd.Name), flag.ContinueOnError)
	// Parse's own messages are replaced by Parse's below.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &FlagSet{FlagSet: fs, cmd: cmd, stdout: stdout, stderr: stderr}
}

// Required marks flags (names without the dash) that must be set to a
// non-empty value.
func (f *FlagSet) Required(names ...string) { f.required = append(f.required, names...) }

// Parse parses args. When ok is false the command stops and returns code:
// ExitOK after -h or -help (the help is on stdout), ExitUsage after a
// usage error (said on stderr, naming the flag).
func (f *FlagSet) Parse(args []string) (code int, ok bool) {
	f.VisitAll(func(fl *flag.Flag) {
		// The flag package takes a back-quoted word of a usage string
		// as the flag's argument name and drops the quotes, which
		// garbles a quoted command ("-dir make synth").
		if strings.Contains(fl.Usage, "`") {
			panic(fmt.Sprintf("cli: %s: the usage of -%s has a back-quote, which the flag package would garble: %q", f.Name(), fl.Name, fl.Usage))
		}
	})
	if err := f.FlagSet.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.Help(f.stdout)
			return ExitOK, false
		}
		return f.Usagef("%v", err), false
	}
	for _, name := range f.required {
		if fl := f.Lookup(name); fl != nil && fl.Value.String() == "" {
			return f.Usagef("missing required flag -%s: %s", name, strings.TrimSuffix(fl.Usage, " (required)")), false
		}
	}
	if f.NArg() > 0 && !f.cmd.Arguments {
		return f.Usagef("unexpected argument %q: %s takes flags only", f.Arg(0), f.Name()), false
	}
	return ExitOK, true
}

// Verb returns the one argument after the flags, one of verbs, or
// verbs[0] when there is none (check|apply commands); otherwise it reports
// the usage error and returns ExitUsage with ok false. Call it after Parse.
func (f *FlagSet) Verb(verbs ...string) (verb string, code int, ok bool) {
	switch {
	case f.NArg() == 0:
		return verbs[0], ExitOK, true
	case f.NArg() == 1 && slices.Contains(verbs, f.Arg(0)):
		return f.Arg(0), ExitOK, true
	}
	return "", f.Usagef("unexpected arguments %q: want %s (the default) or %s", f.Args(), verbs[0], strings.Join(verbs[1:], " or ")), false
}

// Usagef reports a usage error found after parsing (a flag value the
// command refuses) and returns ExitUsage.
func (f *FlagSet) Usagef(format string, args ...any) int {
	fmt.Fprintf(f.stderr, "%s: %s\n%s\nrun '%s' for every flag\n",
		f.Name(), fmt.Sprintf(format, args...), f.synopsis(), strings.Replace(f.Name(), "stratum", "stratum help", 1))
	return ExitUsage
}

// Fail reports err and returns ExitUsage when it is a usage error
// (Usage), ExitFailure otherwise.
func (f *FlagSet) Fail(err error) int {
	var u *UsageError
	if errors.As(err, &u) {
		return f.Usagef("%s", u.msg)
	}
	fmt.Fprintf(f.stderr, "%s: %v\n", f.Name(), err)
	return ExitFailure
}

// synopsis is the usage line.
func (f *FlagSet) synopsis() string {
	return strings.TrimSpace("usage: " + f.Name() + " " + f.cmd.Synopsis)
}

// Help prints the command's help: synopsis, what it does, its flags and
// its exit codes.
func (f *FlagSet) Help(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n%s\n", f.synopsis(), strings.TrimSpace(f.cmd.About))
	n := 0
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
	}
	fmt.Fprintln(w, "\nexit codes:")
	fmt.Fprintln(w, "  0   done")
	fmt.Fprintln(w, "  1   failed")
	for _, r := range f.cmd.Results {
		fmt.Fprintf(w, "  %s\n", r)
	}
	fmt.Fprintln(w, "  64  usage error: nothing was done")
}

// UsageError is an error in the command line found by the command's own
// code (a flag value it refuses); Fail turns it into ExitUsage.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

// Usage returns a UsageError.
func Usage(format string, args ...any) error {
	return &UsageError{msg: fmt.Sprintf(format, args...)}
}
