// Command releases prints the kube-apiserver releases the environments'
// cluster versions pin (testkit/kubecheck Releases), one per line and
// each once, for scripts/kube-apiserver (make kube-apiserver).
package main

import (
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/aws/jsii-runtime-go"

	"stratum/config"
	"stratum/testkit/kubecheck"
)

func main() {
	byEnv, err := kubecheck.EnvironmentReleases(config.Environments())
	// The bindings this program links unpacked jsii's runtime into $TMPDIR
	// while they initialized; only jsii.Close removes it.
	jsii.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-apiserver releases: %v\n", err)
		os.Exit(1)
	}
	for _, r := range slices.Compact(slices.Sorted(maps.Values(byEnv))) {
		fmt.Println(r)
	}
}
