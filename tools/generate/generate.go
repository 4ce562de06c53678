// Package generate writes every generated file the repository commits:
// `stratum generate` (make generate) is the one command that rewrites
// them, and a test fails when a committed copy is stale. To add a
// generated file, add an entry to Artifacts; a generated section of a
// file people write too (between markers) is an Artifact with Sections.
package generate

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/terraform-cdk-go/cdktf"

	"stratum/cis"
	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
	"stratum/stacks"
	"stratum/tools/architecture"
	"stratum/tools/codeowners"
	"stratum/tools/durable"
	"stratum/tools/pipelines"
	"stratum/tools/stackgraph"
	"stratum/tools/synth"
)

// Artifact produces files (path relative to the repository root →
// content) from the stack graph and the configuration: whole files
// (Generate) or the generated section of files people write the rest of
// (Sections: path → section, spliced between the file's markers).
type Artifact struct {
	// Name says what the files are, for messages.
	Name     string
	Generate func(in pipelines.Input) (map[string][]byte, error)
	Sections func(in pipelines.Input) (map[string][]byte, error)
}

// Artifacts are every generated file the repository commits: the CI
// pipelines, and the service control policy guarding the SSM contract.
var Artifacts = []Artifact{
	{Name: "GitHub Actions workflows", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		out := map[string][]byte{}
		for name, b := range pipelines.GitHub(in) {
			out[filepath.Join(".github", "workflows", name)] = b
		}
		return out, nil
	}},
	{Name: "actionlint configuration (the workflows' self-hosted runner labels)", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		return map[string][]byte{filepath.Join(".github", "actionlint.yaml"): pipelines.ActionlintConfig(in)}, nil
	}},
	{Name: "CODEOWNERS (the owners of each layer and client)", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		b, err := codeowners.File(in.Graph, in.Envs, config.Owners(), clients.All)
		return map[string][]byte{codeowners.Path: b}, err
	}},
	{Name: "GitLab CI pipeline", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		return map[string][]byte{".gitlab-ci.yml": pipelines.GitLab(in)}, nil
	}},
	{Name: "Azure DevOps pipeline", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		return map[string][]byte{"azure-pipelines.yml": pipelines.Azure(in)}, nil
	}},
	{Name: "SSM contract service control policy", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		scp, err := contract.SCP(in.Envs, deploy.ContractWriters)
		return map[string][]byte{"docs/scp-ssm-contract.json": scp}, err
	}},
	{Name: "the resource types of each layer, which its deploy role is granted", Generate: func(in pipelines.Input) (map[string][]byte, error) {
		byStack := map[string][]string{}
		for _, s := range in.Graph.Stacks {
			byStack[s.Name] = s.Types
		}
		b, err := deploy.TypesFile(byStack)
		return map[string][]byte{deploy.TypesPath: b}, err
	}},
	{Name: "the table of deploy and plan roles", Sections: func(in pipelines.Input) (map[string][]byte, error) {
		return map[string][]byte{deploy.TablePath: deploy.RoleTable(in.Envs)}, nil
	}},
	{Name: "the CIS benchmark's Logging and Monitoring controls", Sections: func(pipelines.Input) (map[string][]byte, error) {
		return map[string][]byte{cis.TablePath: cis.Table()}, nil
	}},
	{Name: "architecture diagrams (stack graph and SSM contract)", Sections: func(in pipelines.Input) (map[string][]byte, error) {
		section, err := architecture.Section(in.Graph)
		if err != nil {
			return nil, err
		}
		return map[string][]byte{architecture.Path: section}, nil
	}},
}

// Files generates every artifact from the graph and the configuration.
// root is the repository's root, where the files with generated sections
// are read from.
func Files(root string, g *stackgraph.Graph, envs []config.Environment) (map[string][]byte, error) {
	shards, err := ShardCount(envs, clients.All)
	if err != nil {
		return nil, err
	}
	in := pipelines.Input{Graph: g, Envs: envs, Settings: config.PipelineSettings(), Shards: shards}
	out := map[string][]byte{}
	for _, a := range Artifacts {
		files := map[string][]byte{}
		if a.Generate != nil {
			generated, err := a.Generate(in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Name, err)
			}
			maps.Copy(files, generated)
		}
		if a.Sections != nil {
			sections, err := a.Sections(in)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.Name, err)
			}
			for p, section := range sections {
				doc, err := os.ReadFile(filepath.Join(root, p))
				if err != nil {
					return nil, fmt.Errorf("%s: %w", a.Name, err)
				}
				if files[p], err = architecture.Splice(doc, section); err != nil {
					return nil, fmt.Errorf("%s: %w", a.Name, err)
				}
			}
		}
		for p, b := range files {
			if _, dup := out[p]; dup {
				return nil, fmt.Errorf("%s: %s is generated twice", a.Name, p)
			}
			out[p] = b
		}
	}
	return out, nil
}

// ShardCount is the number of runners the pipelines spread the
// synthesis of envs and all over: the K of stratum synth-plan with its
// defaults (each shard's cold synthesis within synth.DefaultShardTarget
// floors on a 2-core runner).
func ShardCount(envs []config.Environment, all []clients.Client) (int, error) {
	units, err := stacks.Plan(envs, all)
	if err != nil {
		return 0, err
	}
	return synth.ChooseShards(units, synth.DefaultModel, synth.DefaultShardTarget).Shards, nil
}

// Graph synthesizes the real configuration into a temporary directory
// and returns its stack graph: exactly the manifest's.
func Graph() (*stackgraph.Graph, error) {
	envs := config.Environments()
	if err := stacks.Validate(envs, clients.All); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	dir, err := os.MkdirTemp("", "stratum-generate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	app := cdktf.NewApp(stacks.AppConfig(dir))
	if err := stacks.Build(app, envs, clients.All); err != nil {
		return nil, err
	}
	app.Synth()
	return stackgraph.Load(dir)
}

// Write writes files under root, each atomically and durably
// (tools/durable: a temporary file fsync'd, renamed, the directory
// fsync'd), so a failure or a crash leaves each file old or new, never
// half-written.
func Write(root string, files map[string][]byte) error {
	for _, p := range slices.Sorted(maps.Keys(files)) {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := durable.WriteFile(dst, files[p], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	return nil
}

// Paths are the files Files writes, relative to the repository's root.
// Which files there are depends on the configuration, not on the stacks,
// so no synthesis is needed: an empty graph gives the same paths
// (TestGeneratedPaths proves it on the real graph).
func Paths(root string, envs []config.Environment) ([]string, error) {
	g, err := stackgraph.New(nil)
	if err != nil {
		return nil, err
	}
	files, err := Files(root, g, envs)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(files)), nil
}
