// Command stratum synthesizes every Stratum stack for every environment.
// Run it through `make synth` (cdktf synth); see README.md.
//
//	stratum          validate the configuration, then synthesize
//	stratum -check   only validate the configuration
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

func main() {
	check := flag.Bool("check", false, "validate the configuration and exit without synthesizing")
	flag.Parse()
	envs := config.Environments()
	// Validate before starting jsii: errors come fast and nothing is written.
	if err := stacks.Validate(envs, clients.All); err != nil {
		fmt.Fprintf(os.Stderr, "stratum: invalid configuration, nothing was synthesized:\n%v\n", err)
		os.Exit(1)
	}
	if *check {
		return
	}
	app := cdktf.NewApp(nil)
	if err := stacks.Build(app, envs, clients.All); err != nil {
		fmt.Fprintf(os.Stderr, "stratum: %v\n", err)
		os.Exit(1)
	}
	app.Synth()
}
