package tfcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Environment variables that steer the tier.
const (
	// EnvTerraform is the terraform binary to use. Default: terraform on PATH.
	EnvTerraform = "STRATUM_TERRAFORM"
	// EnvMirror is a provider filesystem mirror (Terraform's
	// <host>/<namespace>/<type>/<version>/<os_arch>/ layout) holding the
	// AWS provider. Default: DefaultMirror when it holds one, else the
	// provider is installed from the Terraform registry into the cache.
	EnvMirror = "STRATUM_TF_PROVIDER_MIRROR"
	// EnvTofu is the tofu binary to use. Default: tofu on PATH, then the
	// one `make tofu` builds.
	EnvTofu = "STRATUM_TOFU"
	// EnvCI is set to true by CI systems (GitHub Actions, GitLab, Azure
	// Pipelines set it); there the tier fails instead of skipping.
	EnvCI = "CI"
)

// DefaultMirror is where this project's machine image keeps its provider
// mirror.
const DefaultMirror = "/opt/tf-plugins"

// MinTerraform is the oldest Terraform the tier runs: `terraform test`
// with mock_provider and override blocks needs 1.7, the backends'
// use_lockfile needs 1.10.
var MinTerraform = [3]int{1, 10, 0}

// awsSource is the AWS provider's address as the synthesized stacks name
// it (source "aws"), per registry host.
const (
	terraformHost = "registry.terraform.io"
	tofuHost      = "registry.opentofu.org"
	awsNamespace  = "hashicorp"
	awsType       = "aws"
)

// Toolchain is what the tier runs: terraform, optionally tofu, and the
// filesystem mirror every scratch copy installs the AWS provider from.
type Toolchain struct {
	Terraform, TerraformVersion string
	// Tofu is "" when no tofu binary was found.
	Tofu, TofuVersion string
	// Mirror is a directory in Terraform's unpacked mirror layout holding
	// the AWS provider ProviderVersion for this platform.
	Mirror, ProviderVersion string
	// ProviderFrom says where the provider came from, for the report.
	ProviderFrom string
}

// Missing is returned when the tier cannot run on this machine: no
// terraform binary or no AWS provider. Outside CI the tier reports it as a
// SKIPPED line; in CI it is a failure.
type Missing struct{ What []string }

func (m *Missing) Error() string { return strings.Join(m.What, "; ") }

// locator finds the toolchain; its fields are the process environment
// and PATH lookup so tests can replace them.
type locator struct {
	getenv   func(string) string
	lookPath func(string) (string, error)
	// cacheDir keeps a registry-installed provider between runs.
	cacheDir string
	// tofuDefault is where `make tofu` puts its binary.
	tofuDefault string
	// pinned is the AWS provider version the stacks were synthesized with.
	pinned string
	// scratch is the run's scratch directory (CLI configs live there).
	scratch string
}

// locate finds terraform and an AWS provider compatible with the pinned
// version: from the mirror when there is one, else from the registry,
// once, into cacheDir.
func (l locator) locate(ctx context.Context) (*Toolchain, error) {
	tc := &Toolchain{}
	var missing []string
	tf := l.getenv(EnvTerraform)
	if tf == "" {
		p, err := l.lookPath("terraform")
		if err != nil {
			missing = append(missing, fmt.Sprintf("no terraform binary (not on PATH; set %s to one, Terraform >= %s)", EnvTerraform, versionString(MinTerraform)))
		}
		tf = p
	} else if _, err := os.Stat(tf); err != nil {
		missing = append(missing, fmt.Sprintf("%s=%s: %v", EnvTerraform, tf, err))
		tf = ""
	}
	if tf != "" {
		abs, err := filepath.Abs(tf)
		if err != nil {
			return nil, err
		}
		tf = abs
	}
	if tf != "" {
		v, err := toolVersion(ctx, tf)
		switch {
		case err != nil:
			return nil, fmt.Errorf("terraform %s: %w", tf, err)
		case !atLeast(v, MinTerraform):
			// Too old to run the tier: as good as missing.
			missing = append(missing, fmt.Sprintf("terraform %s is version %s; the tier needs >= %s (mock_provider, use_lockfile)", tf, v, versionString(MinTerraform)))
		default:
			tc.Terraform, tc.TerraformVersion = tf, v
		}
	}

	mirror := l.getenv(EnvMirror)
	explicit := mirror != ""
	if !explicit {
		mirror = DefaultMirror
	} else if abs, err := filepath.Abs(mirror); err == nil {
		mirror = abs
	}
	if v, err := mirrorVersion(mirror, terraformHost, l.pinned); err == nil {
		tc.Mirror, tc.ProviderVersion = mirror, v
		tc.ProviderFrom = "mirror " + mirror
	} else if explicit || !errors.Is(err, os.ErrNotExist) {
		missing = append(missing, err.Error())
	} else if tc.Terraform != "" {
		if err := l.installFromRegistry(ctx, tc); err != nil {
			missing = append(missing, fmt.Sprintf("no AWS provider: none in a mirror (%s, or set %s) and the registry install failed: %v", DefaultMirror, EnvMirror, err))
		}
	} else {
		missing = append(missing, fmt.Sprintf("no AWS provider: none in a mirror (%s, or set %s)", DefaultMirror, EnvMirror))
	}
	if len(missing) > 0 {
		return nil, &Missing{What: missing}
	}

	tofu := l.getenv(EnvTofu)
	if tofu == "" {
		if p, err := l.lookPath("tofu"); err == nil {
			tofu = p
		} else if _, err := os.Stat(l.tofuDefault); err == nil && l.tofuDefault != "" {
			tofu = l.tofuDefault
		}
	}
	if tofu != "" {
		abs, err := filepath.Abs(tofu)
		if err != nil {
			return nil, err
		}
		tofu = abs
		v, err := toolVersion(ctx, tofu)
		if err != nil {
			return nil, fmt.Errorf("tofu %s: %w", tofu, err)
		}
		tc.Tofu, tc.TofuVersion = tofu, v
	}
	return tc, nil
}

// installFromRegistry installs the pinned AWS provider from the registry
// into the cache (kept between runs), which then serves as the mirror.
func (l locator) installFromRegistry(ctx context.Context, tc *Toolchain) error {
	if l.pinned == "" {
		return errors.New("the stacks pin no AWS provider version")
	}
	if v, err := mirrorVersion(l.cacheDir, terraformHost, l.pinned); err == nil && v == l.pinned {
		tc.Mirror, tc.ProviderVersion = l.cacheDir, v
		tc.ProviderFrom = "registry (cached in " + l.cacheDir + ")"
		return nil
	}
	dir := filepath.Join(l.scratch, "registry-install")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(l.cacheDir, 0o755); err != nil {
		return err
	}
	cfg := fmt.Sprintf("plugin_cache_dir = %q\nprovider_installation {\n  direct {}\n}\n", l.cacheDir)
	rc := filepath.Join(l.scratch, "registry.tfrc")
	if err := os.WriteFile(rc, []byte(cfg), 0o644); err != nil {
		return err
	}
	main := fmt.Sprintf(`{"terraform":{"required_providers":{"aws":{"source":"%s/%s/%s","version":%q}}}}`, terraformHost, awsNamespace, awsType, l.pinned)
	if err := os.WriteFile(filepath.Join(dir, "main.tf.json"), []byte(main), 0o644); err != nil {
		return err
	}
	tf, err := newTool(dir, tc.Terraform, childEnv(l.scratch, rc, nil))
	if err != nil {
		return err
	}
	if err := tf.Init(ctx, tfexec.Backend(false)); err != nil {
		return fmt.Errorf("terraform init: %v: %s", exitStatus(err), lastLines(append(tf.stdout.Bytes(), tf.stderr.Bytes()...), 5))
	}
	v, err := mirrorVersion(l.cacheDir, terraformHost, l.pinned)
	if err != nil {
		return err
	}
	tc.Mirror, tc.ProviderVersion = l.cacheDir, v
	tc.ProviderFrom = "registry (cached in " + l.cacheDir + ")"
	return nil
}

// platform is the provider platform directory name, e.g. linux_amd64.
func platform() string { return runtime.GOOS + "_" + runtime.GOARCH }

// mirrorVersion is the newest AWS provider in mirror (unpacked layout, for
// this platform) that is compatible with pinned: same major version, not
// older. An error wrapping os.ErrNotExist means the mirror holds no AWS
// provider at all.
func mirrorVersion(mirror, host, pinned string) (string, error) {
	dir := filepath.Join(mirror, host, awsNamespace, awsType)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("no AWS provider in mirror %s: %w", mirror, os.ErrNotExist)
	}
	var found []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), platform())); err == nil {
			found = append(found, e.Name())
		}
	}
	if len(found) == 0 {
		return "", fmt.Errorf("no AWS provider for %s in mirror %s: %w", platform(), mirror, os.ErrNotExist)
	}
	sort.Slice(found, func(i, j int) bool { return less(parseVersion(found[j]), parseVersion(found[i])) })
	want := parseVersion(pinned)
	for _, v := range found {
		pv := parseVersion(v)
		if pinned == "" || (pv[0] == want[0] && !less(pv, want)) {
			return v, nil
		}
	}
	return "", fmt.Errorf("mirror %s has AWS provider %s, none compatible with the pinned %s (%s)", mirror, strings.Join(found, ", "), pinned, relaxedConstraint(pinned))
}

// relaxedConstraint is the constraint the scratch copies use instead of
// the pinned version: any later release of the same major version, which
// keeps the schema compatible with what the stack was written against.
func relaxedConstraint(pinned string) string {
	v := parseVersion(pinned)
	return fmt.Sprintf(">= %s, < %d.0.0", pinned, v[0]+1)
}

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`)

func parseVersion(s string) [3]int {
	m := versionRE.FindStringSubmatch(s)
	if m == nil {
		return [3]int{}
	}
	var v [3]int
	for i := range v {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v
}

func less(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func atLeast(v string, min [3]int) bool { return !less(parseVersion(v), min) }

func versionString(v [3]int) string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// toolVersion is the version `<bin> version -json` reports (tofu reports
// its own under the same terraform_version field).
func toolVersion(ctx context.Context, bin string) (string, error) {
	tf, err := newTool(os.TempDir(), bin, map[string]string{"CHECKPOINT_DISABLE": "1", "PATH": os.Getenv("PATH")})
	if err != nil {
		return "", err
	}
	v, _, err := tf.Version(ctx, true)
	if err != nil {
		return "", fmt.Errorf("version -json: %w", err)
	}
	return v.String(), nil
}

// cliConfig is the CLI configuration every command of the tier uses: the
// provider comes only from the mirror, so nothing reaches a registry.
func cliConfig(mirror, host string) string {
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["%s/%s/%s"]
  }
}
`, mirror, host, awsNamespace, awsType)
}

// childEnv is the whole environment of a terraform or tofu process: the
// tier's own CLI configuration and home, nothing of the user's (no
// credentials, no TF_CLI_ARGS, no TF_DATA_DIR). extra is added. tfexec
// adds TF_IN_AUTOMATION and blanks TF_LOG*; it passes -input=false where
// a command could ask.
func childEnv(scratch, rc string, extra map[string]string) map[string]string {
	home := filepath.Join(scratch, "home")
	_ = os.MkdirAll(home, 0o755)
	env := map[string]string{
		"PATH":                 os.Getenv("PATH"),
		"HOME":                 home,
		"TMPDIR":               os.TempDir(),
		"TF_CLI_CONFIG_FILE":   rc,
		"TOFU_CLI_CONFIG_FILE": rc,
		"CHECKPOINT_DISABLE":   "1",
	}
	maps.Copy(env, extra)
	return env
}

// tool is terraform or tofu in one directory, driven through tfexec,
// with what its commands print kept.
type tool struct {
	*tfexec.Terraform
	stdout, stderr bytes.Buffer
}

// newTool runs bin in dir with env as its whole environment.
func newTool(dir, bin string, env map[string]string) (*tool, error) {
	tf, err := tfexec.NewTerraform(dir, bin)
	if err != nil {
		return nil, err
	}
	if err := tf.SetEnv(env); err != nil {
		return nil, err
	}
	t := &tool{Terraform: tf}
	tf.SetStdout(&t.stdout)
	tf.SetStderr(&t.stderr)
	return t, nil
}

// exitStatus is err without the stderr tfexec appends to it: the tier
// quotes the last lines of stderr itself.
func exitStatus(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee
	}
	return err
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// InCI reports whether the process runs in CI (CI=true or CI=1, as GitHub
// Actions, GitLab CI and Azure Pipelines set it); there a missing
// toolchain fails the tier instead of skipping it.
func InCI(getenv func(string) string) bool {
	v := strings.ToLower(strings.TrimSpace(getenv(EnvCI)))
	return v == "true" || v == "1"
}

// Skipped is the line the tier prints when it cannot run here.
func (m *Missing) Skipped() string { return "SKIPPED: terraform tier: " + m.Error() }
