package config

import "regexp"

// CodeOwners is who reviews which change: `make generate` writes
// CODEOWNERS from it (GitHub and GitLab read the same file), one line per
// layer's files and per stack's snapshot, so that a change to a layer or
// to one client's stacks asks for its owners' review. It binds only with
// the branch protection docs/cicd-integration.md ("Layer owners")
// describes. Separate from CI.Teams (who may assume a layer's roles in
// AWS), whose team names it reuses.
type CodeOwners struct {
	// Default owns every file no other line names, and the files that
	// decide how changes reach AWS: config/, deploy/, policy/, the
	// bootstrap stack, the pipelines and CODEOWNERS itself. Handles are
	// @org/team, @user or an email address. Default: none (no catch-all
	// line: such files need no code owner's approval).
	Default []string
	// Teams are the handles of each team of CI.Teams, by team name: the
	// team reviews the files and snapshots of the layers it owns in an
	// environment (CI.Teams[].Layers). A team without handles leaves its
	// layers to Default. Default: none.
	Teams map[string][]string
}

// Owners returns the repository's code owners. Edit the handles here
// and run `make generate`.
func Owners() CodeOwners {
	// Placeholders, like the repository in environments.go: replace
	// them with your organization's teams (`make placeholders` lists
	// them). Each team needs write access to the repository, or GitHub
	// ignores its lines.
	return CodeOwners{
		Default: []string{"@example-org/platform-leads"},
		Teams: map[string][]string{
			"platform":        {"@example-org/platform"},
			"data":            {"@example-org/data"},
			"client-delivery": {"@example-org/client-delivery"},
		},
	}
}

var (
	ownerHandle = regexp.MustCompile(`^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9][A-Za-z0-9._-]*)*$`)
	ownerEmail  = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
)

// IsCodeOwner reports whether h is an owner CODEOWNERS accepts: @user,
// @org/team (GitLab: @group/subgroup) or an email address.
func IsCodeOwner(h string) bool { return ownerHandle.MatchString(h) || ownerEmail.MatchString(h) }
