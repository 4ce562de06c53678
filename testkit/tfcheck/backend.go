package tfcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// StepBackend initializes each stack's real backend configuration.
const StepBackend = "terraform init (backend)"

// emulatorOverrides point the S3 backend at the in-process emulator
// without changing what the stack configures: they are merged over the
// stack's own backend block with -backend-config, like a partial
// configuration, so every argument of the stack is still checked by the
// real S3 backend (bucket, key, region, encrypt, kms_key_id, use_lockfile,
// dynamodb_table) and its warnings are Terraform's.
const emulatorOverrides = `endpoints = { s3 = %q }
use_path_style              = true
skip_credentials_validation = true
skip_requesting_account_id  = true
skip_metadata_api_check     = true
skip_region_validation      = true
skip_s3_checksum            = true
access_key                  = "stratum-tier"
secret_key                  = "stratum-tier"
`

// checkBackends runs `terraform init` with each stack's backend exactly
// as synthesized, against an S3 emulator started for the run (gofakes3);
// no lock is taken (see initJSON). It is how the tier sees the backend's
// own diagnostics (the deprecation of dynamodb_table, say), which
// `init -backend=false` never shows.
func (rt *runtimeState) checkBackends(ctx context.Context, stacks []Stack) ([]Diagnostic, error) {
	mem := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(mem).Server())
	defer srv.Close()
	overrides := filepath.Join(rt.scratch, "emulator.s3.tfbackend")
	if err := os.WriteFile(overrides, []byte(fmt.Sprintf(emulatorOverrides, srv.URL)), 0o644); err != nil {
		return nil, err
	}
	buckets := map[string]bool{}
	var all []Diagnostic
	for _, s := range stacks {
		backend, err := backendOf(s.JSON)
		if err != nil {
			all = append(all, Diagnostic{Severity: "error", Summary: err.Error(), File: s.Name + "/cdk.tf.json"})
			continue
		}
		// Local backends (bootstrap) resolve their path against the
		// stack directory: keep it three levels down, as in cdktf.out,
		// so the path stays inside the scratch directory.
		dir := filepath.Join(rt.scratch, "backend", "a", "b", s.Name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		doc := map[string]any{"terraform": map[string]any{"backend": backend}}
		b, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile(filepath.Join(dir, "cdk.tf.json"), b, 0o644); err != nil {
			return nil, err
		}
		var opts []tfexec.InitOption
		if s3, ok := asMap(backend)["s3"].(map[string]any); ok {
			if bucket, _ := s3["bucket"].(string); bucket != "" && !buckets[bucket] {
				if err := mem.CreateBucket(bucket); err != nil {
					return nil, fmt.Errorf("emulator: create bucket %s: %w", bucket, err)
				}
				buckets[bucket] = true
			}
			if _, ok := s3["assume_role"]; ok {
				all = append(all, Diagnostic{Severity: "warning", Summary: "assume_role not exercised",
					Detail: "the S3 emulator cannot assume roles; the block is validated but no role is assumed", File: s.Name + "/cdk.tf.json"})
			}
			opts = append(opts, tfexec.BackendConfig(overrides))
		}
		out, errOut, err := rt.initJSON(ctx, dir, opts...)
		ds := parseInitJSON(out)
		for i := range ds {
			ds[i].File = s.Name + "/cdk.tf.json"
		}
		all = append(all, ds...)
		if err != nil && !hasError(ds) {
			all = append(all, Diagnostic{Severity: "error", Summary: fmt.Sprintf("terraform init: %v", err), Detail: lastLines(append(errOut, out...), 5), File: s.Name + "/cdk.tf.json"})
		}
		if err == nil && asMap(backend)["s3"] != nil {
			warnings, err := rt.backendWarnings(ctx, dir, s.Name)
			if err != nil {
				return nil, err
			}
			all = append(all, warnings...)
		}
	}
	return all, nil
}

// probeOverrides send the S3 backend to an address that refuses
// connections, with no retries.
const probeOverrides = `endpoints = { s3 = "http://127.0.0.1:1" }
max_retries = 1
`

// backendWarnings collects the backend's warnings. Terraform (1.11)
// prints the S3 backend's configuration warnings, such as the
// deprecation of dynamodb_table, only when initializing the backend
// fails; a successful init keeps them to itself. So, once the backend has
// initialized against the emulator, it is initialized again pointing at
// an address that refuses connections: everything up to the first request
// (decoding, validation, warnings) is Terraform's own, and the only error
// accepted is the failed request.
func (rt *runtimeState) backendWarnings(ctx context.Context, dir, stack string) ([]Diagnostic, error) {
	probe := filepath.Join(rt.scratch, "probe.s3.tfbackend")
	if _, err := os.Stat(probe); err != nil {
		if err := os.WriteFile(probe, []byte(probeOverrides), 0o644); err != nil {
			return nil, err
		}
	}
	emulator := filepath.Join(rt.scratch, "emulator.s3.tfbackend")
	out, _, _ := rt.initJSON(ctx, dir, tfexec.Reconfigure(true), tfexec.BackendConfig(emulator), tfexec.BackendConfig(probe))
	var warnings []Diagnostic
	for _, d := range parseInitJSON(out) {
		d.File = stack + "/cdk.tf.json"
		switch {
		case d.Severity != "error":
			warnings = append(warnings, d)
		case strings.Contains(d.Summary+d.Detail, "127.0.0.1:1"):
			// The refused request: expected.
		default:
			warnings = append(warnings, Diagnostic{Severity: "error", Summary: "backend probe: " + d.Summary, Detail: d.Detail, File: d.File})
		}
	}
	return warnings, nil
}

// initJSON runs `terraform init -json` in dir and returns what it printed.
// It passes no -lock=false (tfexec refuses the flag from Terraform 0.15
// on): init takes the state lock only to migrate state from another
// backend, and these directories have none.
func (rt *runtimeState) initJSON(ctx context.Context, dir string, opts ...tfexec.InitOption) (stdout, stderr []byte, err error) {
	tf, err := newTool(dir, rt.tc.Terraform, rt.env())
	if err != nil {
		return nil, nil, err
	}
	var out bytes.Buffer
	err = tf.InitJSON(ctx, &out, opts...)
	return out.Bytes(), tf.stderr.Bytes(), exitStatus(err)
}

// backendOf is the terraform.backend block of a stack's JSON.
func backendOf(raw []byte) (map[string]any, error) {
	var doc struct {
		Terraform struct {
			Backend map[string]any `json:"backend"`
		} `json:"terraform"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if len(doc.Terraform.Backend) != 1 {
		kinds := slices.Sorted(maps.Keys(doc.Terraform.Backend))
		return nil, fmt.Errorf("want exactly one backend, got %v", kinds)
	}
	return doc.Terraform.Backend, nil
}

// parseInitJSON reads the diagnostics of `terraform init -json`.
func parseInitJSON(out []byte) []Diagnostic {
	var ds []Diagnostic
	for _, line := range strings.Split(string(out), "\n") {
		var l struct {
			Type       string             `json:"type"`
			Diagnostic *tfjson.Diagnostic `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &l) != nil || l.Diagnostic == nil {
			continue
		}
		ds = append(ds, diagnosticOf(*l.Diagnostic, ""))
	}
	return ds
}
