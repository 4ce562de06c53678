package hclexport

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// DefaultOut is where `stratum hcl` writes by default (git-ignored).
const DefaultOut = "hcl.out"

// Export writes every stack as HCL into out/stacks/<stack>/cdk.tf. It
// builds the next directory beside out and swaps it in only when every
// stack rendered, so a failure leaves out as it was.
func Export(out string, build func(outdir string) (cdktf.App, error)) (int, error) {
	parent := filepath.Dir(filepath.Clean(out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".new-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	synthDir := filepath.Join(tmp, "synth")
	app, err := build(synthDir)
	if err != nil {
		return 0, err
	}
	app.Synth()
	rendered, err := RenderApp(app, synthDir)
	if err != nil {
		return 0, err
	}
	next := filepath.Join(tmp, "out")
	names := slices.Sorted(maps.Keys(rendered))
	for _, name := range names {
		dir := filepath.Join(next, "stacks", name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, "cdk.tf"), rendered[name], 0o644); err != nil {
			return 0, err
		}
	}
	if err := replaceDir(out, next, filepath.Join(tmp, "old")); err != nil {
		return 0, err
	}
	return len(names), nil
}

// replaceDir puts next in out's place: the old directory moves aside (to
// old, on the same file system), the new one takes its place, and the old
// one is removed with the temporary directory. A crash in between leaves
// one of them complete; a failed rename puts the old one back.
func replaceDir(out, next, old string) error {
	if _, err := os.Stat(out); err == nil {
		if err := os.Rename(out, old); err != nil {
			return err
		}
	}
	if err := os.Rename(next, out); err != nil {
		if _, statErr := os.Stat(old); statErr == nil {
			_ = os.Rename(old, out)
		}
		return err
	}
	return nil
}

// RenderApp renders every stack of a synthesized app as HCL: cdktf's own
// HCL rendering of each stack, its values written again from the JSON the
// app wrote into synthDir (see Render).
func RenderApp(app cdktf.App, synthDir string) (map[string][]byte, error) {
	out := map[string][]byte{}
	var errs []error
	for _, c := range *app.Node().Children() {
		if !*cdktf.TerraformStack_IsStack(c) {
			continue
		}
		st := c.(cdktf.TerraformStack)
		name := *st.Node().Id()
		jsonDoc, err := os.ReadFile(filepath.Join(synthDir, "stacks", name, "cdk.tf.json"))
		if err != nil {
			errs = append(errs, fmt.Errorf("stack %s: %w", name, err))
			continue
		}
		raw, _ := (*st.ToHclTerraform())["hcl"].(string)
		h, err := Render(name, jsonDoc, []byte(raw))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[name] = h
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%d stacks could not be written as HCL: %v", len(errs), errs)
	}
	return out, nil
}
