package monolith

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"stratum/tools/synthesis"
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
	var stacks []synthesis.Stack
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s, err := synthesis.New(strings.TrimSuffix(filepath.Base(f), ".json"), nil, raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		stacks = append(stacks, s)
	}
	return WriteSynthesis(out, stacks)
}

// WriteSynthesis writes stacks as a cdktf output directory out, the
// layout package synthesis reads: out/stacks/<stack>/cdk.tf.json (each
// stack's JSON as it is) and out/manifest.json with each stack's file,
// working directory and dependencies (when it has any).
func WriteSynthesis(out string, stacks []synthesis.Stack) error {
	entries := map[string]any{}
	for _, s := range stacks {
		dir := filepath.Join(out, "stacks", s.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), s.JSON, 0o644); err != nil {
			return err
		}
		e := map[string]any{"name": s.Name, "synthesizedStackPath": "stacks/" + s.Name + "/cdk.tf.json", "workingDirectory": "stacks/" + s.Name}
		if len(s.Dependencies) > 0 {
			e["dependencies"] = s.Dependencies
		}
		entries[s.Name] = e
	}
	raw, err := json.MarshalIndent(map[string]any{"version": "0.20.11", "stacks": entries}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, synthesis.ManifestFile), raw, 0o644)
}
