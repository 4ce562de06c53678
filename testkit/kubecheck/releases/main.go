// Command releases prints the kube-apiserver releases the environments'
// cluster versions pin (testkit/kubecheck Releases), one per line and
// each once, for scripts/kube-apiserver (make kube-apiserver).
package main

import (
	"fmt"
	"maps"
	"os"
	"slices"

	"stratum/config"
	"stratum/testkit/kubecheck"
)

func main() {
	byEnv, err := kubecheck.EnvironmentReleases(config.Environments())
	if err != nil {
		fmt.Fprintf(os.Stderr, "kube-apiserver releases: %v\n", err)
		os.Exit(1)
	}
	for _, r := range slices.Compact(slices.Sorted(maps.Values(byEnv))) {
		fmt.Println(r)
	}
}
