package stacks

import (
	"fmt"
	"strings"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
)

func TestStateBucketIsSecure(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		t.Run(env.Name, func(t *testing.T) {
			j := s.stack(t, contract.Bootstrap.StackName(env.Name, ""))
			// The state bucket and the access log bucket
			// (TestAccessLogBucketIsLockedDown checks that one).
			buckets := j.exactly(t, 2, "aws_s3_bucket")
			var state string
			for addr, b := range buckets {
				if b["bucket"] == env.State.Bucket {
					state = addr
				}
			}
			if state == "" {
				t.Fatalf("no bucket %s", env.State.Bucket)
			}
			if b := buckets[state]; b["force_destroy"] != false {
				t.Errorf("force_destroy = %v, want false", b["force_destroy"])
			}
			// Only the state bucket's companion resources from here on.
			j = stateBucketOnly(t, j, state)
			for _, v := range j.mustResources(t, "aws_s3_bucket_versioning") {
				if got := v["versioning_configuration"].(map[string]any)["status"]; got != "Enabled" {
					t.Errorf("versioning status = %v, want Enabled", got)
				}
			}
			if n := len(j.resources("aws_s3_bucket_versioning")); n != 1 {
				t.Errorf("got %d versioning resources, want 1", n)
			}
			for _, e := range j.mustResources(t, "aws_s3_bucket_server_side_encryption_configuration") {
				rule := e["rule"].([]any)[0].(map[string]any)
				def := rule["apply_server_side_encryption_by_default"].(map[string]any)
				if def["sse_algorithm"] != "aws:kms" {
					t.Errorf("sse_algorithm = %v, want aws:kms", def["sse_algorithm"])
				}
				_, cmk := def["kms_master_key_id"]
				if cmk != env.State.CustomerManagedKey {
					t.Errorf("customer-managed key = %t, want %t", cmk, env.State.CustomerManagedKey)
				}
			}
			pabs := j.exactly(t, 1, "aws_s3_bucket_public_access_block")
			for _, p := range pabs {
				for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
					if p[k] != true {
						t.Errorf("%s = %v, want true", k, p[k])
					}
				}
			}
			for _, o := range j.mustResources(t, "aws_s3_bucket_ownership_controls") {
				if got := o["rule"].(map[string]any)["object_ownership"]; got != "BucketOwnerEnforced" {
					t.Errorf("object_ownership = %v", got)
				}
			}
			if !hasTLSOnlyDeny(j) {
				t.Error("no policy statement denies aws:SecureTransport=false")
			}
			for _, lc := range j.mustResources(t, "aws_s3_bucket_lifecycle_configuration") {
				rule := lc["rule"].([]any)[0].(map[string]any)
				got := rule["noncurrent_version_expiration"].(map[string]any)["noncurrent_days"]
				if got != float64(env.State.NoncurrentVersionDays) {
					t.Errorf("noncurrent_days = %v, want %d", got, env.State.NoncurrentVersionDays)
				}
			}
			tables := j.exactly(t, 1, "aws_dynamodb_table")
			for _, tb := range tables {
				if tb["name"] != env.State.LockTable || tb["hash_key"] != "LockID" {
					t.Errorf("lock table name=%v hash_key=%v", tb["name"], tb["hash_key"])
				}
				if tb["point_in_time_recovery"].(map[string]any)["enabled"] != true {
					t.Error("point-in-time recovery off")
				}
				if tb["server_side_encryption"].(map[string]any)["enabled"] != true {
					t.Error("server-side encryption off")
				}
			}
			if backend := j["terraform"].(map[string]any)["backend"].(map[string]any); backend["local"] == nil {
				t.Errorf("bootstrap backend = %v, want local", backend)
			}
		})
	}
}

// TestStateRetentionLongestInProduction: production environments keep old
// state versions at least as long as any other environment.
func TestStateRetentionLongestInProduction(t *testing.T) {
	var production, others []config.Environment
	for _, e := range config.Environments() {
		if e.Production {
			production = append(production, e)
		} else {
			others = append(others, e)
		}
	}
	if len(production) == 0 || len(others) == 0 {
		t.Fatalf("%d production and %d other environments, want some of each", len(production), len(others))
	}
	for _, p := range production {
		for _, e := range others {
			if e.State.NoncurrentVersionDays > p.State.NoncurrentVersionDays {
				t.Errorf("%s keeps state versions %d days, longer than production %s's %d", e.Name, e.State.NoncurrentVersionDays, p.Name, p.State.NoncurrentVersionDays)
			}
		}
	}
}

func hasTLSOnlyDeny(j tfJSON) bool {
	for _, doc := range j.data("aws_iam_policy_document") {
		sts, _ := doc["statement"].([]any)
		for _, st := range sts {
			m := st.(map[string]any)
			if m["effect"] != "Deny" {
				continue
			}
			conds, _ := m["condition"].([]any) // the CI roles' denies have none
			for _, c := range conds {
				c := c.(map[string]any)
				if c["variable"] == "aws:SecureTransport" && fmt.Sprint(c["values"]) == "[false]" && c["test"] == "Bool" {
					return true
				}
			}
		}
	}
	return false
}

// TestBackends: every stack but bootstrap keeps its state in its
// environment's bucket under its own key, encrypted and locked.
func TestBackends(t *testing.T) {
	s := defaultSynth(t)
	keys := map[string]string{}
	envOf := stackEnvironments(config.Environments(), clients.All)
	for _, name := range s.names() {
		j := s.stacks[name]
		backend := j["terraform"].(map[string]any)["backend"].(map[string]any)
		e := envOf[name]
		if name == contract.Bootstrap.StackName(e.Name, "") {
			continue
		}
		s3, ok := backend["s3"].(map[string]any)
		if !ok {
			t.Errorf("%s: backend %v, want s3", name, backend)
			continue
		}
		if s3["bucket"] != e.State.Bucket || s3["dynamodb_table"] != e.State.LockTable || s3["encrypt"] != true {
			t.Errorf("%s: backend %v", name, s3)
		}
		// Both locks while runners move to S3-native locking: a runner on
		// an older commit takes only the DynamoDB lock, and still excludes
		// (and is excluded by) one on this commit.
		if s3["use_lockfile"] != true {
			t.Errorf("%s: backend use_lockfile = %v, want true (alongside dynamodb_table)", name, s3["use_lockfile"])
		}
		key := s3["key"].(string)
		if key != name+"/terraform.tfstate" {
			t.Errorf("%s: key %q, want %q", name, key, name+"/terraform.tfstate")
		}
		if other, dup := keys[e.State.Bucket+"/"+key]; dup {
			t.Errorf("%s and %s share state key %s", name, other, key)
		}
		keys[e.State.Bucket+"/"+key] = name
	}
}

// stateBucketOnly is j with the resources of the S3 companion types
// (versioning, encryption, …) that belong to other buckets than state left
// out.
func stateBucketOnly(t *testing.T, j tfJSON, state string) tfJSON {
	t.Helper()
	out := tfJSON{}
	for k, v := range j {
		out[k] = v
	}
	byType := map[string]any{}
	for typ, blocks := range jsonObject(j["resource"]) {
		if !strings.HasPrefix(typ, "aws_s3_bucket_") {
			byType[typ] = blocks
			continue
		}
		kept := map[string]any{}
		for name, r := range jsonObject(blocks) {
			if refName(t, jsonObject(r)["bucket"], "aws_s3_bucket") == state {
				kept[name] = r
			}
		}
		byType[typ] = kept
	}
	out["resource"] = byType
	return out
}
