package monolith

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// GoldenSynthesis lays the golden files out as a cdktf.out directory:
// out/stacks/<stack>/cdk.tf.json, a copy of snapshots/<stack>.json
// (byte for byte what synthesis writes, which the stacks package's
// snapshot tests prove), and out/manifest.json naming each stack's file
// and working directory, as cdktf writes it. Tests and the migration
// benchmark read the real stacks this way without starting jsii. With
// names, only those stacks are laid out, and each must have a golden file.
func GoldenSynthesis(snapshots, out string, names ...string) error {
	files, err := filepath.Glob(filepath.Join(snapshots, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no golden files", snapshots)
	}
	if names != nil {
		files = files[:0]
		for _, n := range names {
			files = append(files, filepath.Join(snapshots, n+".json"))
		}
	}
	sort.Strings(files)
	stacks := map[string]any{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		dir := filepath.Join(out, "stacks", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), raw, 0o644); err != nil {
			return err
		}
		stacks[name] = map[string]any{"name": name, "synthesizedStackPath": "stacks/" + name + "/cdk.tf.json", "workingDirectory": "stacks/" + name}
	}
	raw, err := json.MarshalIndent(map[string]any{"version": "0.20.11", "stacks": stacks}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "manifest.json"), raw, 0o644)
}
