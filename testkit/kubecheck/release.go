package kubecheck

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stratum/config"
)

// Releases pins, for each Kubernetes minor version an environment may
// run (config.Cluster.Version), the upstream kube-apiserver release the
// tier builds and starts: the k8s.io/kubernetes module the Go proxy
// serves. EKS runs its own patch releases of the same minor; what the
// tier checks (API schemas, defaulting, admission) is fixed per minor.
// An environment on a minor without an entry fails the tier and names
// this table.
var Releases = map[string]string{
	"1.35": "v1.35.4",
}

// Release is the pinned kube-apiserver release for a Kubernetes minor
// version.
func Release(version string) (string, error) {
	r, ok := Releases[version]
	if !ok {
		return "", fmt.Errorf("Kubernetes %s has no kube-apiserver release pinned in testkit/kubecheck Releases (pinned: %s): add the newest v%s.x the Go proxy serves",
			version, strings.Join(slices.Sorted(maps.Keys(Releases)), ", "), version)
	}
	return r, nil
}

// EnvironmentReleases maps every environment of envs to the release its
// cluster version pins, or names each environment whose version has none.
func EnvironmentReleases(envs []config.Environment) (map[string]string, error) {
	out := map[string]string{}
	var problems []string
	for _, env := range envs {
		r, err := Release(env.Cluster.Version)
		if err != nil {
			problems = append(problems, fmt.Sprintf("environment %s: Cluster.Version %q: %v", env.Name, env.Cluster.Version, err))
			continue
		}
		out[env.Name] = r
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return out, nil
}

// BinaryDir is where `make kube-apiserver` builds releases, relative to
// the repository root.
const BinaryDir = ".gen/kube-apiserver"

// Binary is the path of release's kube-apiserver under root (the
// repository's top directory).
func Binary(root, release string) string {
	return filepath.Join(root, BinaryDir, release, "kube-apiserver")
}

// MissingServers names, for each environment (name -> release) whose
// kube-apiserver is not built under root, the release, the environment and
// the path it is expected at.
func MissingServers(root string, releases map[string]string) []string {
	var out []string
	for _, env := range slices.Sorted(maps.Keys(releases)) {
		bin := Binary(root, releases[env])
		if _, err := os.Stat(bin); err != nil {
			rel, _ := filepath.Rel(root, bin)
			out = append(out, fmt.Sprintf("kube-apiserver %s (environment %s) at %s", releases[env], env, rel))
		}
	}
	return out
}

// Skipped is the one line the tier prints when servers are missing.
func Skipped(missing []string) string {
	return "SKIPPED: kubernetes tier: no " + strings.Join(missing, ", no ") + "; `make kube-apiserver` builds it"
}
