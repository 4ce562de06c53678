package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// parse runs a command with two flags, -env required, on args.
func parse(args ...string) (code int, ok bool, stdout, stderr string) {
	var out, errs bytes.Buffer
	f := New(Command{Name: "users", Synopsis: "-env ENV [-json]", About: "Prints the users.", Results: []string{"2   a user is missing"}}, &out, &errs)
	f.String("env", "", "the environment (required)")
	f.Bool("json", false, "print JSON")
	f.Required("env")
	code, ok = f.Parse(args)
	return code, ok, out.String(), errs.String()
}

func TestParse(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		ok     bool
		stdout []string
		stderr []string
	}{
		{"valid", []string{"-env", "prod"}, ExitOK, true, nil, nil},
		{"help", []string{"-h"}, ExitOK, false,
			[]string{"usage: stratum users -env ENV [-json]\n\nPrints the users.", "-env string", "exit codes:", "2   a user is missing", "64  usage error"}, nil},
		{"missing required flag", []string{"-json"}, ExitUsage, false,
			nil, []string{"stratum users: missing required flag -env: the environment\n", "usage: stratum users -env ENV [-json]", "run 'stratum help users'"}},
		{"unknown flag", []string{"-env", "prod", "-verbose"}, ExitUsage, false, nil, []string{"stratum users: flag provided but not defined: -verbose"}},
		{"flag without its value", []string{"-env"}, ExitUsage, false, nil, []string{"flag needs an argument: -env"}},
		{"unexpected argument", []string{"-env", "prod", "extra"}, ExitUsage, false, nil, []string{`unexpected argument "extra"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, ok, stdout, stderr := parse(tc.args...)
			if code != tc.code || ok != tc.ok {
				t.Errorf("Parse(%q) = %d, %t; want %d, %t\nstdout: %s\nstderr: %s", tc.args, code, ok, tc.code, tc.ok, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout %q lacks %q", stdout, w)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
			if len(tc.stdout) == 0 && stdout != "" {
				t.Errorf("stdout %q, want nothing: help goes there only when asked for", stdout)
			}
		})
	}
}

// TestArguments: a command that takes arguments gets them.
func TestArguments(t *testing.T) {
	f := New(Command{Name: "merge", Synopsis: "[-out DIR] SHARD...", Arguments: true}, &bytes.Buffer{}, &bytes.Buffer{})
	f.String("out", "cdktf.out", "the output")
	if code, ok := f.Parse([]string{"-out", "x", "a", "b"}); !ok || code != ExitOK || strings.Join(f.Args(), " ") != "a b" {
		t.Errorf("Parse = %d, %t, args %q; want the two arguments", code, ok, f.Args())
	}
}

// TestBackQuoteIsRefused: a back-quoted word in a usage string would be
// taken for the flag's argument name and garble the help, so Parse
// refuses it (every command's help runs in main's tests).
func TestBackQuoteIsRefused(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "-dir") {
			t.Errorf("recovered %v, want a panic naming -dir", r)
		}
	}()
	f := New(Command{Name: "graph"}, &bytes.Buffer{}, &bytes.Buffer{})
	f.String("dir", "cdktf.out", "the output to read (run `make synth` first)")
	f.Parse(nil)
}

func TestFail(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		want string
	}{
		{errors.New("disk full"), ExitFailure, "stratum users: disk full\n"},
		{Usage("-env: unknown environment %q: want one of prod, dev", "qa"), ExitUsage, `stratum users: -env: unknown environment "qa": want one of prod, dev`},
	} {
		var errs bytes.Buffer
		f := New(Command{Name: "users", Synopsis: "-env ENV"}, &bytes.Buffer{}, &errs)
		if code := f.Fail(tc.err); code != tc.code || !strings.Contains(errs.String(), tc.want) {
			t.Errorf("Fail(%v) = %d, %q; want %d, %q", tc.err, code, errs.String(), tc.code, tc.want)
		}
	}
}

// TestCodesAreDistinct: a usage error never shares its code with a result.
func TestCodesAreDistinct(t *testing.T) {
	seen := map[int]string{}
	for name, code := range map[string]int{"ok": ExitOK, "failure": ExitFailure, "changes": ExitChanges, "usage": ExitUsage} {
		if other, dup := seen[code]; dup {
			t.Errorf("%s and %s share exit code %d", name, other, code)
		}
		seen[code] = name
	}
}

func TestVerb(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		verb   string
		ok     bool
		stderr string
	}{
		{"none is the default", nil, "check", true, ""},
		{"the default named", []string{"check"}, "check", true, ""},
		{"another verb", []string{"apply"}, "apply", true, ""},
		{"an unknown verb", []string{"destroy"}, "", false, `unexpected arguments ["destroy"]: want check (the default) or apply`},
		{"two verbs", []string{"check", "apply"}, "", false, `unexpected arguments ["check" "apply"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			f := New(Command{Name: "settings", Synopsis: "[check|apply]", Arguments: true}, &out, &errs)
			if _, ok := f.Parse(tc.args); !ok {
				t.Fatalf("Parse(%q) failed: %s", tc.args, errs.String())
			}
			verb, code, ok := f.Verb("check", "apply")
			if verb != tc.verb || ok != tc.ok || (ok && code != ExitOK) || (!ok && code != ExitUsage) {
				t.Errorf("Verb on %q = %q, %d, %v; want %q, ok %v", tc.args, verb, code, ok, tc.verb, tc.ok)
			}
			if !strings.Contains(errs.String(), tc.stderr) {
				t.Errorf("stderr %q lacks %q", errs.String(), tc.stderr)
			}
		})
	}
}
