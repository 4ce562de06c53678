// Command gen writes the generated monolith's state and mapping file, and
// for benchmarks a copy of a synthesis with one client stack per
// generated client (cloned from client-ezra-prod) and every backend made
// local; -snapshots takes the synthesis from the golden files instead of
// cdktf.out. -realistic writes the realistic monolith of the prod stacks
// (monolith.tfstate and truth.json), and -score says how well a plan
// mapped it:
//
//	go run ./testkit/monolith/gen -state monolith.tfstate -mapping mapping.json
//	go run ./testkit/monolith/gen -extra-clients 270 -snapshots __snapshots__ -synthesis-out /tmp/syn -state-dir /tmp/states …
//	go run ./testkit/monolith/gen -snapshots __snapshots__ -realistic /tmp/real
//	go run ./testkit/monolith/gen -snapshots __snapshots__ -score /tmp/real/migration/plan.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"stratum/testkit/monolith"
	"stratum/tools/synthesis"
)

func main() {
	state := flag.String("state", "monolith.tfstate", "where to write the state")
	mapping := flag.String("mapping", "", "where to write the mapping file")
	extra := flag.Int("extra-clients", 0, "generated clients to add (each like ezra)")
	synIn := flag.String("synthesis", "", "a synthesis to copy (with -synthesis-out)")
	synOut := flag.String("synthesis-out", "", "write a copy of -synthesis with a client stack per generated client and local backends")
	stateDir := flag.String("state-dir", "", "directory of the local backends' state files (with -synthesis-out)")
	snapshots := flag.String("snapshots", "", "the golden files (__snapshots__), as the synthesis to copy or to generate the realistic monolith from")
	realistic := flag.String("realistic", "", "write the realistic monolith of the prod stacks into this directory (monolith.tfstate, truth.json) and stop")
	score := flag.String("score", "", "print how well this plan.json mapped the realistic monolith, and stop")
	flag.Parse()
	var err error
	switch {
	case *realistic != "" || *score != "":
		err = realisticMain(*snapshots, *realistic, *score)
	case *snapshots != "" && *synIn == "":
		var dir string
		if dir, err = os.MkdirTemp("", "stratum-golden-"); err == nil {
			defer os.RemoveAll(dir)
			if err = monolith.GoldenSynthesis(*snapshots, dir); err == nil {
				err = run(*state, *mapping, *extra, dir, *synOut, *stateDir)
			}
		}
	default:
		err = run(*state, *mapping, *extra, *synIn, *synOut, *stateDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// realisticMain writes the realistic monolith into dir, or scores plan
// (a ledger) against it.
func realisticMain(snapshots, dir, plan string) error {
	if snapshots == "" {
		return fmt.Errorf("-realistic and -score need -snapshots")
	}
	r, err := monolith.GenerateRealistic(snapshots, "prod")
	if err != nil {
		return err
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "monolith.tfstate"), monolith.Marshal(r.State), 0o600); err != nil {
			return err
		}
		fmt.Printf("wrote %s: %d instances\n", filepath.Join(dir, "monolith.tfstate"), len(r.Truth))
		return nil
	}
	raw, err := os.ReadFile(plan)
	if err != nil {
		return err
	}
	var l struct {
		Entries []struct {
			Source, Action, Stack, Destination, By string
		} `json:"entries"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return fmt.Errorf("%s: %w", plan, err)
	}
	auto := map[string]string{}
	for _, e := range l.Entries {
		if e.Action == "move" && e.By == "auto" {
			auto[e.Source] = e.Stack + ":" + e.Destination
		}
	}
	s := r.ScoreAgainst(auto)
	fmt.Println(s)
	for _, w := range s.WrongMoves {
		fmt.Println("  wrong:", w)
	}
	return nil
}

func run(state, mapping string, extra int, synIn, synOut, stateDir string) error {
	st := monolith.Generate(monolith.Options{ExtraClients: extra})
	if err := os.WriteFile(state, monolith.Marshal(st), 0o600); err != nil {
		return err
	}
	n := 0
	for _, r := range st.Resources {
		n += len(r.Instances)
	}
	fmt.Printf("wrote %s: %d resources, %d instances\n", state, len(st.Resources), n)
	if mapping != "" {
		if err := os.WriteFile(mapping, monolith.MappingFile(), 0o644); err != nil {
			return err
		}
	}
	if synOut == "" {
		return nil
	}
	if synIn == "" || stateDir == "" {
		return fmt.Errorf("-synthesis-out needs -synthesis and -state-dir")
	}
	return cloneSynthesis(synIn, synOut, stateDir, extra)
}

// cloneSynthesis copies the synthesis in (read through package
// synthesis) to out with every backend made local (a state file per stack
// in stateDir), and adds a client stack per generated client, each
// client-ezra-prod with monolith.ExtraBuckets buckets and the generated
// client's names.
func cloneSynthesis(in, out, stateDir string, extra int) error {
	syn, err := synthesis.Read(in)
	if err != nil {
		return err
	}
	ezra, ok := syn.Stack("client-ezra-prod")
	if !ok {
		return fmt.Errorf("%s holds no stack client-ezra-prod to clone", in)
	}
	multi, err := withBuckets(ezra.JSON, monolith.ExtraBuckets)
	if err != nil {
		return err
	}
	all := slices.Clone(syn.Stacks)
	for i := 1; i <= extra; i++ {
		c := monolith.ExtraClient(i)
		s := ezra
		s.Name, s.Client = "client-"+c.Name+"-prod", c.Name
		s.JSON = []byte(strings.NewReplacer("ezra", c.Name, "cc-1002", c.CostCentre).Replace(string(multi)))
		all = append(all, s)
	}
	for i, s := range all {
		if all[i].JSON, err = localBackend(s.JSON, filepath.Join(stateDir, s.Name+".tfstate")); err != nil {
			return fmt.Errorf("stack %s: %w", s.Name, err)
		}
	}
	return monolith.WriteSynthesis(out, all)
}

// localBackend is a stack's JSON with its backend replaced by a local one
// at path.
func localBackend(doc []byte, path string) ([]byte, error) {
	var j map[string]any
	if err := json.Unmarshal(doc, &j); err != nil {
		return nil, err
	}
	tf, ok := j["terraform"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("no terraform block")
	}
	tf["backend"] = map[string]any{"local": map[string]any{"path": path}}
	return json.MarshalIndent(j, "", "  ")
}

// withBuckets copies the resources of ezra's bucket "uploads" so that the
// stack has n buckets: uploads, uploads2, … uploadsN.
func withBuckets(doc []byte, n int) ([]byte, error) {
	var j map[string]any
	if err := json.Unmarshal(doc, &j); err != nil {
		return nil, err
	}
	for _, v := range j["resource"].(map[string]any) {
		byName := v.(map[string]any)
		for name, body := range byName {
			if !strings.HasPrefix(name, "bucket-uploads_") {
				continue
			}
			raw, _ := json.Marshal(body)
			for k := 2; k <= n; k++ {
				r := strings.NewReplacer("bucket-uploads_", fmt.Sprintf("bucket-uploads%d_", k), "ezra-uploads", fmt.Sprintf("ezra-uploads%d", k))
				var cp any
				if err := json.Unmarshal([]byte(r.Replace(string(raw))), &cp); err != nil {
					return nil, err
				}
				byName[r.Replace(name)] = cp
			}
		}
	}
	return json.Marshal(j)
}
