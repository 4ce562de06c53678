package deploy

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"stratum/config"
)

// TablePath is the document whose generated section RoleTable fills.
const TablePath = "docs/cicd-integration.md"

// RoleTable is the generated section of TablePath: every deploy and plan
// role of every environment, who may assume it, from where, and what it
// may do, from the same data the roles are built from.
func RoleTable(envs []config.Environment) []byte {
	var b bytes.Buffer
	b.WriteString("### Every deploy and plan role\n\n")
	b.WriteString("Each role is `arn:aws:iam::<account>:role" + config.CIRolePath + "<name>`, carries the boundary `stratum-<env>-boundary` and the SSM contract guard. " +
		"Services are those of the layer's resource types (`deploy/types_generated.go`); resources are the layer's own (names, tags, its state objects `<word>-*/`, its contract prefixes).\n\n")
	b.WriteString("| role | assumed by | runs on | may |\n| --- | --- | --- | --- |\n")
	for _, env := range envs {
		if !env.CI.Enabled() || env.AssumeRoleARN != "" {
			continue
		}
		for _, d := range Layers {
			for _, p := range []Purpose{Apply, Plan} {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.RoleName(env.Name, p), assumedBy(env, d, p), runsOn(env, p), may(env, d, p))
			}
		}
	}
	return b.Bytes()
}

func assumedBy(env config.Environment, d Layer, p Purpose) string {
	var who []string
	pr := env.PullRequestPlanPolicy()
	if g := env.CI.GitHub; g != nil {
		if p == Apply {
			who = append(who, fmt.Sprintf("GitHub: jobs in environment `%s` on `%s`", g.Environment(env.Name), g.Branch()))
		} else {
			s := fmt.Sprintf("GitHub: `%s` without an environment", g.Branch())
			switch pr {
			case config.PlansAlways:
				s += "; pull requests"
			case config.PlansAfterApproval:
				s += fmt.Sprintf("; pull requests approved in environment `%s`", g.PlanEnvironment(env.Name))
			}
			who = append(who, s)
		}
	}
	if g := env.CI.GitLab; g != nil {
		s := fmt.Sprintf("GitLab: `%s`", g.Branch())
		if p == Plan && pr == config.PlansAlways {
			s += ", any branch (merge requests)"
		}
		who = append(who, s)
	}
	if a := env.CI.AzureDevOps; a != nil {
		if p == Apply {
			who = append(who, fmt.Sprintf("Azure DevOps: connection `%s`", a.ConnectionName(env.Name, d.Word(), config.AzureDeploy)))
		} else {
			s := fmt.Sprintf("Azure DevOps: connection `%s`", a.ConnectionName(env.Name, d.Word(), config.AzurePlan))
			if pr != config.PlansNever {
				s += fmt.Sprintf(", `%s`", a.ConnectionName(env.Name, d.Word(), config.AzurePullRequest))
			}
			who = append(who, s)
		}
	}
	for _, t := range env.CI.Teams {
		if slices.Contains(t.Layers, d.Word()) {
			who = append(who, "team "+t.Name)
		}
	}
	return strings.Join(who, "<br>")
}

func runsOn(env config.Environment, p Purpose) string {
	if p == Apply {
		return "`" + config.RunnerLabel(env.Name, config.RunnerDeploy) + "`"
	}
	return "`" + config.RunnerLabel(env.Name, config.RunnerDeploy) + "`, pull requests `" + config.RunnerLabel(env.Name, config.RunnerPullRequest) + "`"
}

func may(env config.Environment, d Layer, p Purpose) string {
	var write, read []string
	roles := false
	for _, t := range Types(d.Word()) {
		g, _ := GrantOf(t)
		write = append(write, services(g.Write)...)
		read = append(read, services(g.Read)...)
		roles = roles || g.Roles
	}
	slices.Sort(write)
	slices.Sort(read)
	write, read = slices.Compact(write), slices.Compact(read)
	if p == Plan {
		s := fmt.Sprintf("read %s; read its state; no secret value (`deploy.SecretReads`)", strings.Join(read, ", "))
		if d.Kubernetes {
			s += "; view the cluster without Secrets"
		}
		return s
	}
	var parts []string
	if len(write) > 0 {
		parts = append(parts, "change "+strings.Join(write, ", "))
	}
	if roles {
		parts = append(parts, "its layer's roles under the boundary")
	}
	if len(d.Writes) > 0 {
		var prefixes []string
		for _, w := range d.Writes {
			prefixes = append(prefixes, "`/stratum/"+env.Name+"/"+w+"/`")
		}
		parts = append(parts, "write "+strings.Join(prefixes, ", "))
	}
	if d.Kubernetes {
		parts = append(parts, "cluster-admin")
	}
	return strings.Join(append(parts, "write and lock its state"), "; ")
}
