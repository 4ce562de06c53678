package tfcheck

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeMirror lays out a filesystem mirror holding the given AWS versions.
func fakeMirror(t *testing.T, versions ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, v := range versions {
		p := filepath.Join(dir, terraformHost, awsNamespace, awsType, v, platform())
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, "terraform-provider-aws_v"+v+"_x5"), []byte("#!/bin/false\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMirrorVersion(t *testing.T) {
	cases := []struct {
		name     string
		versions []string
		pinned   string
		want     string
		wantErr  string
	}{
		{"newer minor", []string{"5.100.0"}, "5.84.0", "5.100.0", ""},
		{"exact", []string{"5.84.0"}, "5.84.0", "5.84.0", ""},
		{"newest compatible of several", []string{"5.84.0", "5.100.0", "6.2.0"}, "5.84.0", "5.100.0", ""},
		{"only older", []string{"5.80.0"}, "5.84.0", "", "none compatible with the pinned 5.84.0"},
		{"only next major", []string{"6.0.0"}, "5.84.0", "", `>= 5.84.0, < 6.0.0`},
		{"empty mirror", nil, "5.84.0", "", "no AWS provider in mirror"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := mirrorVersion(fakeMirror(t, c.versions...), terraformHost, c.pinned)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func noBinaries(string) (string, error) { return "", exec.ErrNotFound }

// fakeTerraform is a terraform that reports version v.
func fakeTerraform(t *testing.T, v string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "terraform")
	script := "#!/bin/sh\necho '{\"terraform_version\":\"" + v + "\"}'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLocateMissing covers the SKIPPED line: it names what is missing.
func TestLocateMissing(t *testing.T) {
	cases := []struct {
		name string
		vars map[string]string
		want []string
	}{
		{"nothing at all", map[string]string{EnvMirror: filepath.Join(t.TempDir(), "none")},
			[]string{"no terraform binary", EnvTerraform, "no AWS provider in mirror"}},
		{"terraform too old", map[string]string{EnvTerraform: fakeTerraform(t, "1.5.7"), EnvMirror: fakeMirror(t, "5.100.0")},
			[]string{"is version 1.5.7; the tier needs >= 1.10.0"}},
		{"terraform path that does not exist", map[string]string{EnvTerraform: "/nonexistent/terraform", EnvMirror: fakeMirror(t, "5.100.0")},
			[]string{EnvTerraform + "=/nonexistent/terraform"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := locator{getenv: env(c.vars), lookPath: noBinaries, cacheDir: t.TempDir(), pinned: "5.84.0", scratch: t.TempDir()}
			_, err := l.locate(context.Background())
			var m *Missing
			if !errors.As(err, &m) {
				t.Fatalf("got %v, want *Missing", err)
			}
			for _, w := range c.want {
				if !strings.Contains(m.Skipped(), w) {
					t.Errorf("%q does not name %q", m.Skipped(), w)
				}
			}
			if !strings.HasPrefix(m.Skipped(), "SKIPPED: terraform tier: ") {
				t.Errorf("got %q, want a SKIPPED line", m.Skipped())
			}
		})
	}
}

func TestLocateFindsTheMirrorAndTerraform(t *testing.T) {
	tf, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no terraform on PATH")
	}
	l := locator{getenv: env(map[string]string{EnvMirror: fakeMirror(t, "5.100.0")}), lookPath: exec.LookPath, cacheDir: t.TempDir(), pinned: "5.84.0", scratch: t.TempDir()}
	tc, err := l.locate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tc.Terraform != tf || tc.ProviderVersion != "5.100.0" || !strings.HasPrefix(tc.ProviderFrom, "mirror ") {
		t.Errorf("got %+v, want %s with AWS 5.100.0 from the mirror", tc, tf)
	}
}

func TestInCI(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "TRUE": true, "1": true, "": false, "false": false, "0": false} {
		if got := InCI(env(map[string]string{EnvCI: v})); got != want {
			t.Errorf("CI=%q: InCI = %t, want %t", v, got, want)
		}
	}
}

func TestRelaxedConstraint(t *testing.T) {
	if got, want := relaxedConstraint("5.84.0"), ">= 5.84.0, < 6.0.0"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCLIConfigReadsOnlyTheMirror(t *testing.T) {
	cfg := cliConfig("/opt/tf-plugins", terraformHost)
	for _, want := range []string{`path    = "/opt/tf-plugins"`, `include = ["registry.terraform.io/hashicorp/aws"]`} {
		if !strings.Contains(cfg, want) {
			t.Errorf("CLI config lacks %s:\n%s", want, cfg)
		}
	}
	if strings.Contains(cfg, "direct") {
		t.Errorf("CLI config falls back to the registry:\n%s", cfg)
	}
}

func TestChildEnvIsOurs(t *testing.T) {
	t.Setenv("TF_CLI_ARGS", "-lock=false")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	env := childEnv(t.TempDir(), "/x/terraform.tfrc", nil)
	for k := range env {
		if strings.HasPrefix(k, "TF_CLI_ARGS") || strings.HasPrefix(k, "AWS_") {
			t.Errorf("child environment passes %s on", k)
		}
	}
	// tfexec refuses an environment that sets what it sets itself.
	if _, err := newTool(t.TempDir(), "/bin/true", env); err != nil {
		t.Errorf("tfexec refuses the child environment: %v", err)
	}
}
