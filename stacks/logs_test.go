package stacks

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"stratum/config"
	"stratum/contract"
	"stratum/deploy"
)

// TestBucketsLogToTheAccessLogBucket: the state bucket, every client
// bucket and the audit layer's buckets send their S3 server access logs to
// the environment's access log bucket, each under its own prefix; the
// client and audit stacks know that bucket from bootstrap's SSM parameter,
// and it accepts their logs.
func TestBucketsLogToTheAccessLogBucket(t *testing.T) {
	s := defaultSynth(t)
	checked := 0
	for _, name := range s.names() {
		j := s.stacks[name]
		bootstrap := strings.HasPrefix(name, string(contract.Bootstrap)+"-")
		if !bootstrap && !strings.HasPrefix(name, string(contract.Client)+"-") && !strings.HasPrefix(name, string(contract.Audit)+"-") {
			if n := len(j.resources("aws_s3_bucket")); n != 0 {
				t.Errorf("%s: %d buckets outside the bootstrap and client stacks: give them access logs and a test", name, n)
			}
			continue
		}
		logging := map[string]map[string]any{}
		for _, l := range j.resources("aws_s3_bucket_logging") {
			logging[refName(t, l["bucket"], "aws_s3_bucket")] = l
		}
		for addr, b := range j.resources("aws_s3_bucket") {
			env, _ := config.Get(config.Environments(), fmt.Sprint(j.tags()["Environment"]))
			if bootstrap && b["bucket"] == env.State.AccessLogBucket {
				if _, logs := logging[addr]; logs {
					t.Errorf("%s: the access log bucket logs to itself", name)
				}
				continue
			}
			checked++
			l, ok := logging[addr]
			if !ok {
				t.Errorf("%s: bucket %v has no access logging", name, b["bucket"])
				continue
			}
			if l["target_prefix"] != fmt.Sprint(b["bucket"])+"/" {
				t.Errorf("%s: %v logs under %v, want its own prefix %v/", name, b["bucket"], l["target_prefix"], b["bucket"])
			}
			target := fmt.Sprint(l["target_bucket"])
			if bootstrap {
				logBucket := j.resources("aws_s3_bucket")[refName(t, l["target_bucket"], "aws_s3_bucket")]
				if logBucket["bucket"] != env.State.AccessLogBucket {
					t.Errorf("%s: state bucket logs to %v, want %s", name, logBucket["bucket"], env.State.AccessLogBucket)
				}
			} else if !strings.Contains(target, "import-bootstrap-logs-access-log-bucket") {
				t.Errorf("%s: %v logs to %s, want the bucket bootstrap-%s publishes", name, b["bucket"], target, env.Name)
			}
		}
	}
	// Every state bucket, every audit trail bucket, prod's AWS Config
	// bucket and client buckets.
	if want := 2*len(config.Environments()) + 3; checked < want {
		t.Errorf("checked %d buckets, want at least %d (every state bucket, audit bucket and client buckets)", checked, want)
	}
}

// tags are the stack's AWS provider default tags.
func (j tfJSON) tags() map[string]any {
	aws := jsonObject(jsonObject(j["provider"])["aws"])
	return jsonObject(jsonObject(aws["default_tags"])["tags"])
}

// TestAccessLogBucketIsLockedDown: each environment's access log bucket
// accepts writes only from S3's logging service for this account's state
// bucket and the environment's client buckets, over TLS; it is SSE-S3
// encrypted (S3 delivers server access logs to no SSE-KMS bucket), private,
// owner-enforced, versioned, and its logs expire after LogRetentionDays.
func TestAccessLogBucketIsLockedDown(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Bootstrap, func(t *testing.T, env config.Environment, j tfJSON) {
		var addr string
		for a, b := range j.resources("aws_s3_bucket") {
			if b["bucket"] == env.State.AccessLogBucket {
				addr = a
			}
		}
		if addr == "" {
			t.Fatalf("no bucket %s", env.State.AccessLogBucket)
		}
		of := func(typ string) map[string]any {
			t.Helper()
			for _, r := range j.resources(typ) {
				if refName(t, r["bucket"], "aws_s3_bucket") == addr {
					return r
				}
			}
			t.Fatalf("no %s of the access log bucket", typ)
			return nil
		}
		sse := jsonObject(jsonObject(of("aws_s3_bucket_server_side_encryption_configuration")["rule"])["apply_server_side_encryption_by_default"])
		if sse["sse_algorithm"] != "AES256" || sse["kms_master_key_id"] != nil {
			t.Errorf("encryption %v, want SSE-S3 (AES256)", sse)
		}
		pab := of("aws_s3_bucket_public_access_block")
		for _, k := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
			if pab[k] != true {
				t.Errorf("public access block %s = %v", k, pab[k])
			}
		}
		if own := jsonObject(of("aws_s3_bucket_ownership_controls")["rule"]); own["object_ownership"] != "BucketOwnerEnforced" {
			t.Errorf("object ownership %v, want BucketOwnerEnforced", own["object_ownership"])
		}
		if v := jsonObject(of("aws_s3_bucket_versioning")["versioning_configuration"]); v["status"] != "Enabled" {
			t.Errorf("versioning %v", v)
		}
		rule := jsonObject(of("aws_s3_bucket_lifecycle_configuration")["rule"])
		if exp := jsonObject(rule["expiration"]); exp["days"] != float64(env.LogRetentionDays) {
			t.Errorf("logs expire after %v days, want LogRetentionDays (%d)", exp["days"], env.LogRetentionDays)
		}

		doc, _, _ := j.resolve(t, of("aws_s3_bucket_policy")["policy"])
		var allows int
		for _, st := range jsonList(doc["statement"]) {
			st := jsonObject(st)
			if st["effect"] == "Deny" {
				if st["sid"] != "DenyInsecureTransport" {
					t.Errorf("unexpected deny %v", st["sid"])
				}
				continue
			}
			allows++
			principals := jsonObject(st["principals"])
			if principals["type"] != "Service" || fmt.Sprint(jsonStrings(principals["identifiers"])) != "[logging.s3.amazonaws.com]" {
				t.Errorf("%v allows %v, want the S3 logging service only", st["sid"], principals)
			}
			if fmt.Sprint(jsonStrings(st["actions"])) != "[s3:PutObject]" {
				t.Errorf("%v allows %v, want s3:PutObject only", st["sid"], st["actions"])
			}
			conds := map[string][]string{}
			for _, c := range jsonList(st["condition"]) {
				c := jsonObject(c)
				conds[fmt.Sprint(c["test"])+" "+fmt.Sprint(c["variable"])] = jsonStrings(c["values"])
			}
			if account := conds["StringEquals aws:SourceAccount"]; len(account) != 1 || !strings.Contains(account[0], "aws_caller_identity") {
				t.Errorf("aws:SourceAccount %v, want the account", account)
			}
			sources := conds["ArnLike aws:SourceArn"]
			if len(sources) < 2 || !strings.HasSuffix(sources[0], ":s3:::"+env.State.Bucket) || !strings.HasSuffix(sources[1], ":s3:::"+env.Prefix()+"-*") {
				t.Errorf("aws:SourceArn %v, want the state bucket and the environment's client buckets", sources)
			}
			// The audit buckets: by the prefix, or by name.
			for _, b := range deploy.AuditBuckets(env) {
				if !slices.ContainsFunc(sources, func(s string) bool {
					pattern := strings.TrimPrefix(s, "arn:${data.aws_partition.aws-partition.partition}:s3:::")
					return pattern == b || (strings.HasSuffix(pattern, "*") && strings.HasPrefix(b, strings.TrimSuffix(pattern, "*")))
				}) {
					t.Errorf("aws:SourceArn %v does not admit the audit bucket %s", sources, b)
				}
			}
			if len(sources) != 2+len(auditLogSources(env, func(s string) *string { return &s })) {
				t.Errorf("aws:SourceArn %v: want the state bucket, the client buckets and the audit buckets outside the prefix only", sources)
			}
		}
		if allows != 1 {
			t.Errorf("%d allow statements, want the log delivery only", allows)
		}
		if got := contract.AccessLogBucket.Name(contract.At{Env: env.Name}); !slices.Contains(paramNames(j), got) {
			t.Errorf("bootstrap-%s does not publish %s", env.Name, got)
		}
	})
}

func paramNames(j tfJSON) []string {
	var out []string
	for _, p := range j.resources("aws_ssm_parameter") {
		out = append(out, fmt.Sprint(p["name"]))
	}
	return out
}

// TestProductionZonesCannotBeDestroyed: a plan that would destroy (or
// replace) a production environment's hosted zone fails; other zones are
// disposable.
func TestProductionZonesCannotBeDestroyed(t *testing.T) {
	s := defaultSynth(t)
	eachStackOf(t, s, contract.Platform, func(t *testing.T, env config.Environment, j tfJSON) {
		for _, z := range j.exactly(t, 1, "aws_route53_zone") {
			got := jsonObject(z["lifecycle"])["prevent_destroy"] == true
			if got != env.Production {
				t.Errorf("zone %v prevent_destroy %t, want %t (Production)", z["name"], got, env.Production)
			}
		}
	})
}
