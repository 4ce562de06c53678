package stacks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/testenv"
	"stratum/testkit/tfcheck"
)

// EnvTierReport names a file the Terraform tier writes its summary to;
// `make test` sets it and prints the file, since go test shows a passing
// test's output only with -v. EnvTierKeep names a directory the tier
// writes its scratch copies, root modules and test file into and leaves
// there, for debugging a failure.
const (
	EnvTierReport = "STRATUM_TIER_REPORT"
	EnvTierKeep   = "STRATUM_TIER_KEEP"
)

// TestTerraform runs the real Terraform CLI over every synthesized stack
// (testkit/tfcheck): validate, a mocked plan and apply, the HCL export
// validated too, and OpenTofu when a tofu binary is available. Without
// terraform or the AWS provider it skips with a SKIPPED line, except in CI.
func TestTerraform(t *testing.T) {
	testenv.Long(t, "runs the real terraform (and tofu) over every stack")
	s := defaultSynth(t)
	if s.hclErr != nil {
		t.Errorf("HCL export: %v", s.hclErr)
	}
	envs := stackEnvironments(config.Environments(), clients.All)
	var stacks []tfcheck.Stack
	for _, name := range s.names() {
		env, ok := envs[name]
		if !ok {
			t.Fatalf("stack %s is not a stack of the plan", name)
		}
		stacks = append(stacks, tfcheck.Stack{Name: name, Env: env, JSON: s.raw[name], HCL: s.hcl[name]})
	}
	before := map[string]string{}
	for name, raw := range s.raw {
		before[name] = string(raw)
	}

	r, err := tfcheck.Run(context.Background(), stacks, tfcheck.Options{
		CacheDir:    "../.gen/terraform-providers",
		TofuDefault: "../.gen/tofu/tofu",
		Scratch:     os.Getenv(EnvTierKeep),
		Keep:        os.Getenv(EnvTierKeep) != "",
	})
	var missing *tfcheck.Missing
	if errors.As(err, &missing) {
		testenv.WriteReport(t, EnvTierReport, missing.Skipped()+"\n")
		if tfcheck.InCI(os.Getenv) {
			t.Fatalf("%s\nCI=true: the Terraform tier must run in CI; install Terraform >= %d.%d and make the AWS provider available (mirror or registry)",
				missing.Skipped(), tfcheck.MinTerraform[0], tfcheck.MinTerraform[1])
		}
		t.Skip(missing.Skipped())
	}
	if err != nil {
		testenv.WriteReport(t, EnvTierReport, "terraform tier: could not run: "+err.Error()+"\n")
		t.Fatal(err)
	}
	summary := r.Summary()
	t.Log("\n" + summary)
	if err := r.Err(); err != nil {
		testenv.WriteReport(t, EnvTierReport, summary+err.Error()+"\n")
		t.Fatal(err)
	}
	testenv.WriteReport(t, EnvTierReport, summary)

	// The tier lifted prevent_destroy in its scratch copies only: the
	// synthesized stacks are byte for byte what they were and still carry
	// it on exactly the resources the tier had to lift it from.
	for name, raw := range s.raw {
		if string(raw) != before[name] {
			t.Errorf("stack %s: the tier modified the synthesized JSON", name)
		}
	}
	for _, res := range r.Stacks {
		// The HCL export configures the providers as the JSON does: the
		// tier validates the provider blocks in the HCL copy only.
		if res.HCL != nil && res.HCL.ProvidersDiffer != "" {
			t.Errorf("stack %s: the HCL export's provider blocks are not the JSON's: %s", res.Name, res.HCL.ProvidersDiffer)
		}
		got := res.Prepared.PreventDestroyLifted
		want := preventDestroyed(s.stack(t, res.Name))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stack %s: prevent_destroy lifted in the copy on %v, set in the synthesized stack on %v", res.Name, got, want)
		}
	}
}

// preventDestroyed lists the resources of a synthesized stack that carry
// lifecycle.prevent_destroy = true.
func preventDestroyed(j tfJSON) []string {
	var out []string
	byType, _ := j["resource"].(map[string]any)
	for typ, blocks := range byType {
		for name, cfg := range blocks.(map[string]any) {
			lc, _ := cfg.(map[string]any)["lifecycle"].(map[string]any)
			if lc["prevent_destroy"] == true {
				out = append(out, typ+"."+name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestPreventDestroyWhereDataLives pins where the synthesized stacks carry
// prevent_destroy, so that no change (the Terraform tier's included) can
// quietly drop a production protection: every PostgreSQL instance and the
// keys of its storage and credentials in an environment with
// Database.PreventDestroy, the backup vaults and the audit's buckets and
// trail key of every environment with DeletionProtection, and the hosted
// zone of every production environment.
func TestPreventDestroyWhereDataLives(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		for _, name := range s.names() {
			if !strings.HasSuffix(name, "-"+env.Name) {
				continue
			}
			for _, addr := range preventDestroyed(s.stack(t, name)) {
				typ := strings.SplitN(addr, ".", 2)[0]
				databases := strings.HasPrefix(name, "database-")
				audit := strings.HasPrefix(name, string(contract.Audit)+"-")
				switch {
				case databases && (typ == "aws_db_instance" || typ == "aws_kms_key") && env.Database.PreventDestroy:
				case audit && (typ == "aws_s3_bucket" || typ == "aws_kms_key") && env.DeletionProtection:
				case typ == "aws_backup_vault" && env.DeletionProtection:
				case typ == "aws_route53_zone" && env.Production && strings.HasPrefix(name, "platform-"):
				default:
					t.Errorf("stack %s: %s has prevent_destroy; want it only on databases and their keys (Database.PreventDestroy), backup vaults and the audit's buckets and key (DeletionProtection) and production hosted zones", name, addr)
				}
			}
			j := s.stack(t, name)
			want := map[string]bool{"aws_backup_vault": env.DeletionProtection, "aws_route53_zone": env.Production}
			if strings.HasPrefix(name, "database-") {
				want["aws_db_instance"] = env.Database.PreventDestroy
				want["aws_kms_key"] = env.Database.PreventDestroy
			}
			if strings.HasPrefix(name, string(contract.Audit)+"-") {
				// The trail's bucket and key, and AWS Config's bucket: the
				// record of who did what. (The audit topic's key is not.)
				want["aws_s3_bucket"] = env.DeletionProtection
				for rname, cfg := range j.resources("aws_kms_key") {
					lc, _ := cfg["lifecycle"].(map[string]any)
					trailKey := strings.HasPrefix(rname, "trail_")
					if got := lc["prevent_destroy"] == true; got != (trailKey && env.DeletionProtection) {
						t.Errorf("stack %s: aws_kms_key.%s prevent_destroy = %t, want %t", name, rname, got, trailKey && env.DeletionProtection)
					}
				}
			}
			for kind, want := range want {
				for rname, cfg := range j.resources(kind) {
					lc, _ := cfg["lifecycle"].(map[string]any)
					if got := lc["prevent_destroy"] == true; got != want {
						t.Errorf("stack %s: %s.%s prevent_destroy = %t, want %t", name, kind, rname, got, want)
					}
				}
			}
		}
	}
}
