package stacks

import (
	"fmt"
	"strings"
	"testing"
)

// TestBackupCopies: a production environment copies every recovery point
// to a vault in its second region (a provider configuration of that
// region, the same account pin), encrypted with a key of that region,
// kept Backup.CopyRetention days and as protected as the vault itself;
// environments without Backup.CopyRegion copy nothing.
func TestBackupCopies(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			plan := f.exactly(t, 1, "aws_backup_plan")
			var rule map[string]any
			for _, p := range plan {
				rule = jsonObject(p["rule"])
			}
			copies := jsonList(rule["copy_action"])
			if f.env.Backup.CopyRegion == "" {
				if f.env.Production {
					t.Fatal("a production environment without backup copies")
				}
				if len(copies) != 0 || len(f.resources("aws_backup_vault")) != 1 {
					t.Errorf("copies %v and %d vaults without CopyRegion, want none and one", copies, len(f.resources("aws_backup_vault")))
				}
				return
			}
			if len(copies) != 1 {
				t.Fatalf("copy actions %v, want one", copies)
			}
			cp := jsonObject(copies[0])
			if d := jsonObject(cp["lifecycle"])["delete_after"]; d != float64(f.env.Backup.CopyRetention()) {
				t.Errorf("copies kept %v days, want %d", d, f.env.Backup.CopyRetention())
			}
			vaultName := refName(t, cp["destination_vault_arn"], "aws_backup_vault")
			vault := f.resources("aws_backup_vault")[vaultName]
			alias := strings.TrimPrefix(fmt.Sprint(vault["provider"]), "aws.")
			region := ""
			for _, p := range jsonList(jsonObject(f.tfJSON["provider"])["aws"]) {
				if p := jsonObject(p); p["alias"] == alias {
					region = fmt.Sprint(p["region"])
					if fmt.Sprint(jsonStrings(p["allowed_account_ids"])) != fmt.Sprint([]string{f.env.AccountID}) {
						t.Errorf("copies' provider pins accounts %v, want %s", p["allowed_account_ids"], f.env.AccountID)
					}
				}
			}
			if region != f.env.Backup.CopyRegion || region == f.env.Region {
				t.Fatalf("copies' vault %s in region %q (provider %v), want %s, not %s", vaultName, region, vault["provider"], f.env.Backup.CopyRegion, f.env.Region)
			}
			key := f.resources("aws_kms_key")[refName(t, vault["kms_key_arn"], "aws_kms_key")]
			if key["provider"] != vault["provider"] || key["enable_key_rotation"] != true {
				t.Errorf("copies' key provider %v rotation %v, want a rotated key of %s", key["provider"], key["enable_key_rotation"], region)
			}
			primary := f.resources("aws_backup_vault")
			delete(primary, vaultName)
			for _, v := range primary {
				if v["kms_key_arn"] == vault["kms_key_arn"] {
					t.Error("the copies share the primary vault's key")
				}
			}
			protected := jsonObject(vault["lifecycle"])["prevent_destroy"] == true
			locked := false
			for _, l := range f.resources("aws_backup_vault_lock_configuration") {
				if strings.Contains(fmt.Sprint(l["backup_vault_name"]), vaultName) && l["provider"] == vault["provider"] {
					locked = l["min_retention_days"] == float64(f.env.Backup.CopyRetention())
				}
			}
			if f.env.DeletionProtection && (!protected || !locked) {
				t.Errorf("copies' vault prevent_destroy %t locked %t, want both with deletion protection", protected, locked)
			}
		})
	}
}

// TestBackupRoleTrust: only AWS Backup acting for the environment's own
// account may assume the backup role (confused deputy protection).
func TestBackupRoleTrust(t *testing.T) {
	for _, f := range foundations(t) {
		t.Run(f.env.Name, func(t *testing.T) {
			var trust map[string]any
			for _, r := range f.resources("aws_iam_role") {
				if strings.HasSuffix(fmt.Sprint(r["name"]), "-backup") {
					trust, _, _ = f.resolve(t, r["assume_role_policy"])
				}
			}
			if trust == nil {
				t.Fatal("no backup role")
			}
			sts := jsonList(trust["statement"])
			if len(sts) != 1 {
				t.Fatalf("%d trust statements, want 1", len(sts))
			}
			st := jsonObject(sts[0])
			if p := jsonObject(st["principals"]); fmt.Sprint(jsonStrings(p["identifiers"])) != "[backup.amazonaws.com]" {
				t.Errorf("trusted %v, want backup.amazonaws.com", p)
			}
			var pinned bool
			for _, c := range jsonList(st["condition"]) {
				c := jsonObject(c)
				if c["test"] == "StringEquals" && c["variable"] == "aws:SourceAccount" {
					v := jsonStrings(c["values"])
					pinned = len(v) == 1 && strings.Contains(v[0], "data.aws_caller_identity.")
				}
			}
			if !pinned {
				t.Errorf("trust conditions %v, want aws:SourceAccount = the account", st["condition"])
			}
		})
	}
}
