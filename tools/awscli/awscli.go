// Package awscli runs the AWS CLI for the commands that ask AWS
// something with the caller's credentials (scp-check, applied): one
// command, JSON output, its error with what the CLI said. Tests pass a
// fake Runner instead.
package awscli

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Runner runs one `aws` command and returns its standard output.
type Runner func(args ...string) ([]byte, error)

// CLI runs the AWS CLI binary bin with --output json; cancelling ctx
// (the command's: Ctrl-C) kills a call under way and fails it.
func CLI(ctx context.Context, bin string) Runner {
	return func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, bin, append(args, "--output", "json")...)
		out, err := cmd.Output()
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(ee.Stderr)))
		}
		if err != nil {
			return nil, fmt.Errorf("aws %s: %w", strings.Join(args, " "), err)
		}
		return out, nil
	}
}
