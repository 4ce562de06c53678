// Command stratum synthesizes every Stratum stack for every environment.
// Run it through `make synth` (cdktf synth); see README.md.
package main

import (
	"fmt"
	"os"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/clients"
	"stratum/config"
	"stratum/stacks"
)

func main() {
	app := cdktf.NewApp(nil)
	if err := stacks.Build(app, config.Environments(), clients.All); err != nil {
		fmt.Fprintf(os.Stderr, "stratum: invalid configuration, nothing was synthesized:\n%v\n", err)
		os.Exit(1)
	}
	app.Synth()
}
