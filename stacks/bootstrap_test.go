package stacks

import (
	"fmt"
	"strings"
	"testing"

	"stratum/config"
)

func TestStateBucketIsSecure(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		t.Run(env.Name, func(t *testing.T) {
			j := s.stack(t, "bootstrap-"+env.Name)
			buckets := j.resources("aws_s3_bucket")
			if len(buckets) != 1 {
				t.Fatalf("got %d buckets, want 1", len(buckets))
			}
			for _, b := range buckets {
				if b["bucket"] != env.State.Bucket {
					t.Errorf("bucket = %v, want %s", b["bucket"], env.State.Bucket)
				}
				if b["force_destroy"] != false {
					t.Errorf("force_destroy = %v, want false", b["force_destroy"])
				}
			}
			for _, v := range j.resources("aws_s3_bucket_versioning") {
				if got := v["versioning_configuration"].(map[string]any)["status"]; got != "Enabled" {
					t.Errorf("versioning status = %v, want Enabled", got)
				}
			}
			if n := len(j.resources("aws_s3_bucket_versioning")); n != 1 {
				t.Errorf("got %d versioning resources, want 1", n)
			}
			for _, e := range j.resources("aws_s3_bucket_server_side_encryption_configuration") {
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
			pabs := j.resources("aws_s3_bucket_public_access_block")
			if len(pabs) != 1 {
				t.Fatalf("got %d public access blocks, want 1", len(pabs))
			}
			for _, p := range pabs {
				for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
					if p[k] != true {
						t.Errorf("%s = %v, want true", k, p[k])
					}
				}
			}
			for _, o := range j.resources("aws_s3_bucket_ownership_controls") {
				if got := o["rule"].(map[string]any)["object_ownership"]; got != "BucketOwnerEnforced" {
					t.Errorf("object_ownership = %v", got)
				}
			}
			if !hasTLSOnlyDeny(j) {
				t.Error("no policy statement denies aws:SecureTransport=false")
			}
			for _, lc := range j.resources("aws_s3_bucket_lifecycle_configuration") {
				rule := lc["rule"].([]any)[0].(map[string]any)
				got := rule["noncurrent_version_expiration"].(map[string]any)["noncurrent_days"]
				if got != float64(env.State.NoncurrentVersionDays) {
					t.Errorf("noncurrent_days = %v, want %d", got, env.State.NoncurrentVersionDays)
				}
			}
			tables := j.resources("aws_dynamodb_table")
			if len(tables) != 1 {
				t.Fatalf("got %d lock tables, want 1", len(tables))
			}
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

// TestStateRetentionLongestInProd: production keeps old state versions at
// least as long as any other environment.
func TestStateRetentionLongestInProd(t *testing.T) {
	var prod config.Environment
	for _, e := range config.Environments() {
		if e.Name == "prod" {
			prod = e
		}
	}
	for _, e := range config.Environments() {
		if e.State.NoncurrentVersionDays > prod.State.NoncurrentVersionDays {
			t.Errorf("%s keeps state versions %d days, longer than prod's %d", e.Name, e.State.NoncurrentVersionDays, prod.State.NoncurrentVersionDays)
		}
	}
	if !prod.State.CustomerManagedKey {
		t.Error("prod state is not encrypted with a customer-managed key")
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
			for _, c := range m["condition"].([]any) {
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
	for _, name := range s.names() {
		j := s.stacks[name]
		backend := j["terraform"].(map[string]any)["backend"].(map[string]any)
		if strings.HasPrefix(name, "bootstrap-") {
			continue
		}
		s3, ok := backend["s3"].(map[string]any)
		if !ok {
			t.Errorf("%s: backend %v, want s3", name, backend)
			continue
		}
		env := name[strings.LastIndex(name, "-")+1:]
		e, err := config.Get(config.Environments(), env)
		if err != nil {
			t.Fatal(err)
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
