package pipelines

import "strings"

// ScanIgnoreFile is the committed list of trivy findings that are
// accepted, each with its check ID, the paths it applies to and the
// reason (trivy's own YAML ignore format; stratum scan checks it).
const ScanIgnoreFile = ".trivyignore.yaml"

// trivyInstall installs the trivy release version (v0.74.0) into dir from
// its GitHub release, its checksum verified; sudo is "sudo " where the
// job is not root.
func trivyInstall(version, dir, sudo string) string {
	v := strings.TrimPrefix(version, "v")
	return `set -euo pipefail
cd "$(mktemp -d)"
base=https://github.com/aquasecurity/trivy/releases/download/v` + v + `
curl -fsSLO "$base/trivy_` + v + `_Linux-64bit.tar.gz"
curl -fsSL "$base/trivy_` + v + `_checksums.txt" | grep ' trivy_` + v + `_Linux-64bit.tar.gz$' | sha256sum -c -
tar -xzf "trivy_` + v + `_Linux-64bit.tar.gz" trivy
` + sudo + `install -m 0755 trivy "` + dir + `/trivy"
trivy --version
`
}

// scanScript runs trivy's misconfiguration scan over the HCL export
// (trivy's reader of .tf.json misses nested blocks) with the checks
// built into the pinned release, and lets stratum scan judge it: it fails
// on a HIGH or CRITICAL finding the ignore file does not accept, and on
// an ignore entry that matches no finding any more.
func scanScript() string {
	return `set -euo pipefail
trivy config --quiet --skip-check-update --format json --severity HIGH,CRITICAL --output trivy.json hcl.out/stacks
go run . scan -report trivy.json -ignore ` + ScanIgnoreFile + `
`
}
