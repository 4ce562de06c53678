package migrate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"stratum/testkit/monolith"
	"stratum/testkit/testenv"
	"stratum/tools/tfbackend"
	"stratum/tools/tfstate"
)

// TestInterruptedApply fails the third state push (two destinations are
// written by then), before or after the write, on the in-memory store,
// and checks that both a rerun and a rollback end consistent.
// TestCrashMatrix kills the process at every push with the real terraform.
func TestInterruptedApply(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"before", "after"} {
		for _, ending := range []string{"rerun", "rollback"} {
			t.Run(mode+"/"+ending, func(t *testing.T) {
				e := newEnv(t, "fake")
				e.mustRun(2, "plan", "-json")
				before := e.pullAll()
				e.store.Fault = func(n int, _ tfbackend.Backend) string {
					if n == 3 {
						return mode
					}
					return ""
				}
				code, _, errs := e.run("apply")
				if code != 1 || !strings.Contains(errs, "injected") || !strings.Contains(errs, "nothing is lost") {
					t.Fatalf("interrupted apply: exit %d, stderr %q; want 1 with the injected failure and the recovery advice", code, errs)
				}
				e.store.Fault = nil
				written := 0
				for name, s := range e.pullAll() {
					if name != "source" && s != before[name] {
						written++
					}
				}
				if want := map[string]int{"before": 2, "after": 3}[mode]; written != want {
					t.Errorf("destinations written before the failure: got %d, want %d", written, want)
				}
				// Until the source is written every object is in it too:
				// verify sees duplicates, never a loss.
				code, out, _ := e.run("verify")
				if code != 1 || !strings.Contains(out, "DUPLICATED") || strings.Contains(out, "LOST") {
					t.Errorf("verify after the crash: exit %d\n%s\nwant 1 with duplicates and no loss", code, out)
				}
				switch ending {
				case "rerun":
					e.mustRun(0, "apply")
					e.mustRun(0, "verify")
				case "rollback":
					e.mustRun(0, "rollback")
					sameStates(t, "after rollback", e.pullAll(), before)
				}
			})
		}
	}
}

// TestLockHeld holds a destination's lock the way another Terraform run
// would (a DynamoDB item, or an S3 .tflock object) and checks that apply
// refuses, names the lock, and writes nothing.
func TestLockHeld(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"s3+dynamodb", "s3+lockfile"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			e.mustRun(2, "plan", "-json")
			before := e.pullAll()
			info := `{"ID":"6a1b7c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d","Operation":"OperationTypeApply","Info":"","Who":"deploy-bot@ci-runner-12","Version":"1.11.4","Created":"2026-11-30T21:04:05.123456Z","Path":"stratum-prod-tfstate/client-ezra-prod/terraform.tfstate"}`
			ctx := context.Background()
			if kind == "s3+dynamodb" {
				_, err := e.ddb.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("stratum-prod-tflock"), Item: map[string]ddbtypes.AttributeValue{
					"LockID": &ddbtypes.AttributeValueMemberS{Value: "stratum-prod-tfstate/client-ezra-prod/terraform.tfstate"},
					"Info":   &ddbtypes.AttributeValueMemberS{Value: info},
				}})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				c := s3.New(s3.Options{Region: testenv.Region, BaseEndpoint: aws.String(e.s3.Endpoint), UsePathStyle: true,
					Credentials: credentials.NewStaticCredentialsProvider(testenv.AccessKey, testenv.SecretKey, "")})
				_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("stratum-prod-tfstate"), Key: aws.String("client-ezra-prod/terraform.tfstate.tflock"), Body: strings.NewReader(info)})
				if err != nil {
					t.Fatal(err)
				}
			}
			code, _, errs := e.run("apply")
			for _, want := range []string{"locked by someone else", "6a1b7c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d", "deploy-bot@ci-runner-12", "2026-11-30", "client-ezra-prod"} {
				if code != 1 || !strings.Contains(errs, want) {
					t.Errorf("apply against a held lock: exit %d, want 1 and %q in:\n%s", code, want, errs)
				}
			}
			sameStates(t, "after the refused apply", e.pullAll(), before)
		})
	}
}

// TestStalePlan changes the source after plan: apply refuses and writes
// nothing (on the in-memory store: no terraform process).
func TestStalePlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "fake")
	e.mustRun(2, "plan", "-json")
	st := e.pull("source")
	st.Serial++
	st.Outputs = json.RawMessage(`{"changed":{"value":"by someone else","type":"string"}}`)
	raw, _ := st.Marshal()
	e.put("source", raw)
	before := e.pullAll()
	code, _, errs := e.run("apply")
	if code != 1 || !strings.Contains(errs, "the plan is stale") {
		t.Errorf("apply of a stale plan: exit %d, stderr %q; want 1 and a stale-plan refusal", code, errs)
	}
	sameStates(t, "after the refused apply", e.pullAll(), before)
	if _, err := os.Stat(filepath.Join(e.dir, "backups")); err == nil {
		t.Errorf("a refused apply wrote backups")
	}
}

// TestConcurrentWriter has someone else write the source while apply is
// writing the destinations: apply notices before it writes the source,
// stops, and leaves the other writer's state alone.
func TestConcurrentWriter(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "fake")
	e.mustRun(2, "plan", "-json")
	st := e.pull("source")
	st.Serial += 5
	st.Outputs = json.RawMessage(`{"hotfix":{"value":"applied meanwhile","type":"string"}}`)
	raw, _ := st.Marshal()
	e.store.Fault = func(n int, _ tfbackend.Backend) string {
		if n == 1 {
			e.put("source", raw)
		}
		return ""
	}
	code, _, errs := e.run("apply")
	if code != 1 || !strings.Contains(errs, "someone else wrote it") {
		t.Fatalf("apply with a concurrent writer: exit %d, stderr %q; want 1 naming the concurrent write", code, errs)
	}
	e.store.Fault = nil
	got := e.pull("source")
	if got.Serial != st.Serial || !strings.Contains(string(got.Outputs), "hotfix") {
		t.Errorf("the other writer's source state was overwritten: serial %d, outputs %s", got.Serial, got.Outputs)
	}
}

// TestBadBackup corrupts or truncates a backup after apply: rollback
// refuses and writes nothing.
func TestBadBackup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, want string
		damage           func([]byte) []byte
	}{
		{"corrupted", "source.tfstate", "corrupted", func(b []byte) []byte { c := bytes.Clone(b); c[len(c)/2] ^= 0x20; return c }},
		{"truncated", "source.tfstate", "truncated", func(b []byte) []byte { return b[:len(b)/3] }},
		{"manifest", "manifest.json", "corrupted", func(b []byte) []byte { return bytes.Replace(b, []byte(`"exists": true`), []byte(`"exists": false`), 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "fake")
			e.mustRun(2, "plan", "-json")
			e.mustRun(0, "apply")
			after := e.pullAll()
			folders, _ := filepath.Glob(filepath.Join(e.dir, "backups", "*"))
			if len(folders) != 1 {
				t.Fatalf("backup folders: %v, want one", folders)
			}
			p := filepath.Join(folders[0], tt.file)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, tt.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, errs := e.run("rollback")
			if code != 1 || !strings.Contains(errs, tt.want) || !strings.Contains(errs, tt.file) || !strings.Contains(errs, "nothing was written") {
				t.Errorf("rollback with a %s backup: exit %d, stderr %q; want 1 naming %s as %s and nothing written", tt.name, code, errs, tt.file, tt.want)
			}
			sameStates(t, "after the refused rollback", e.pullAll(), after)
		})
	}
}

// TestBadInput: each bad input is a clear error naming the file and the
// entry, and nothing is written (no ledger, no state).
func TestBadInput(t *testing.T) {
	t.Parallel()
	writeMapping := func(e *env, body string) {
		p := e.flags[1]
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		setup func(e *env)
		want  []string
	}{
		{"unreadable state", func(e *env) { os.WriteFile(e.source, []byte("{\"version\": 4, \"lineage\": "), 0o600) }, []string{"terraform.tfstate", "invalid JSON"}},
		{"empty state", func(e *env) { os.WriteFile(e.source, nil, 0o600) }, []string{"terraform.tfstate", "empty file"}},
		{"format version 3", func(e *env) {
			os.WriteFile(e.source, []byte(`{"version": 3, "terraform_version": "0.11.14", "serial": 9, "lineage": "x", "modules": []}`), 0o600)
		}, []string{"terraform.tfstate", "state format version 3", "only version 4"}},
		{"missing state", func(e *env) { os.Remove(e.source) }, []string{"terraform.tfstate", "no such file"}},
		{"mapping: unknown stack", func(e *env) {
			writeMapping(e, `{"moves": [{"from": "module.eks.aws_eks_access_entry.admin", "to": "platfrom-prod:aws_eks_access_entry.cluster_admin-deployer-services_9E4C06BA"}]}`)
		}, []string{"mapping.json", "moves[0]", "module.eks.aws_eks_access_entry.admin", `stack "platfrom-prod" is not synthesized`}},
		{"mapping: unknown source address", func(e *env) {
			writeMapping(e, `{"moves": [{"from": "aws_instance.bastoin", "action": "retire"}]}`)
		}, []string{"mapping.json", "moves[0]", "aws_instance.bastoin", "not in the source state"}},
		{"mapping: unknown destination address", func(e *env) {
			writeMapping(e, `{"moves": [{"from": "module.eks.aws_eks_access_entry.admin", "to": "platform-prod:aws_eks_access_entry.admin"}]}`)
		}, []string{"mapping.json", "moves[0]", "platform-prod declares no resource aws_eks_access_entry.admin", "cluster_admin-deployer-services_9E4C06BA"}},
		{"mapping: type mismatch", func(e *env) {
			writeMapping(e, `{"moves": [{"from": "aws_instance.bastion", "to": "platform-prod:aws_eks_cluster.cluster_A4C38409"}]}`)
		}, []string{"mapping.json", "moves[0]", "does not change their type"}},
		{"mapping: bad JSON", func(e *env) { writeMapping(e, "{\n  \"moves\": [\n    {\"from\": \"x\",}\n  ]\n}") }, []string{"mapping.json:3", "invalid JSON"}},
		{"mapping: unknown field", func(e *env) { writeMapping(e, `{"moves": [{"form": "aws_instance.bastion", "action": "retire"}]}`) }, []string{"mapping.json", `unknown field "form"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "fake")
			tt.setup(e)
			srcBefore, _ := os.ReadFile(e.source)
			code, _, errs := e.run("plan")
			for _, w := range tt.want {
				if code != 1 || !strings.Contains(errs, w) {
					t.Errorf("exit %d, stderr %q; want 1 and %q", code, errs, w)
				}
			}
			if _, err := os.Stat(e.dir); err == nil {
				t.Errorf("the migration directory %s was created despite the error", e.dir)
			}
			srcAfter, _ := os.ReadFile(e.source)
			if !bytes.Equal(srcBefore, srcAfter) {
				t.Errorf("the source file changed")
			}
			delete(e.states, "source")
			for name, s := range e.pullAll() {
				if s != "" {
					t.Errorf("state %s was written", name)
				}
			}
		})
	}
}

// TestBlockedPlans: a deposed object in the source, or a destination that
// already holds a different object at the target address, is reported by
// plan (exit 1) and refused by apply.
func TestBlockedPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		// advice is what the plan says to do, which must fit the problem.
		advice string
		setup  func(e *env)
	}{
		{"deposed", "DEPOSED", "1 deposed objects): run `terraform apply` on the source until no deposed object is left, then plan again.", func(e *env) {
			st := monolith.Generate(monolith.Options{})
			for _, r := range st.Resources {
				if r.Type == "aws_launch_template" && strings.Contains(r.Module, "ezra") {
					d := r.Instances[0].Clone()
					d.Deposed = "a1b2c3d4"
					r.Instances = append(r.Instances, d)
				}
			}
			os.WriteFile(e.source, monolith.Marshal(st), 0o600)
		}},
		{"conflict", "CONFLICTS", "destination conflicts): resolve each conflict as it says, then plan again.", func(e *env) {
			other := &tfstate.State{TerraformVersion: "1.11.4", Serial: 3, Lineage: "0d9c8b7a-6f5e-4d3c-8b2a-190817263544", Resources: []*tfstate.Resource{{
				Mode: "managed", Type: "aws_vpc", Name: "network_vpc_4E8F0223", Provider: `provider["registry.terraform.io/hashicorp/aws"]`,
				Instances: []*tfstate.Instance{{SchemaVersion: 1, Attributes: json.RawMessage(`{"id":"vpc-0somethingelse","cidr_block":"10.10.0.0/16"}`), SensitiveAttributes: json.RawMessage("[]")}},
			}}}
			raw, _ := other.Marshal()
			e.put("foundation-prod", raw)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "fake")
			tt.setup(e)
			code, out, _ := e.run("plan")
			if code != 1 || !strings.Contains(out, tt.want) || !strings.Contains(out, "apply will refuse this plan") || !strings.Contains(out, tt.advice) || strings.Contains(out, "mapping file") {
				t.Errorf("plan: exit %d, want 1 listing %s and advising %q (not the mapping file):\n%s", code, tt.want, tt.advice, out)
			}
			before := e.pullAll()
			code, _, errs := e.run("apply")
			if code != 1 || !strings.Contains(errs, "cannot be applied") {
				t.Errorf("apply: exit %d, stderr %q; want 1 and a refusal", code, errs)
			}
			sameStates(t, "after the refused apply", e.pullAll(), before)
		})
	}
}
