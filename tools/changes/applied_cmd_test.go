package changes

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stratum/applied"
)

// TestAppliedFetch: fetch writes what the AWS CLI printed for the
// environment's records, refuses a parameter that is no record, and
// names the verb on usage errors.
func TestAppliedFetch(t *testing.T) {
	good := `{"Parameters":[{"Name":"/stratum-applied/dev/foundation-dev","Value":"{\"commit\":\"` + strings.Repeat("a", 40) + `\",\"digest\":\"sha256:` + strings.Repeat("0", 64) + `\"}"}]}`
	cases := []struct {
		name, out string
		args      []string
		code      int
		stderr    string
	}{
		{"fetch", good, []string{"fetch", "-env", "dev"}, 0, ""},
		{"not a record", `{"Parameters":[{"Name":"/stratum-applied/dev/foundation-dev","Value":"main"}]}`, []string{"fetch", "-env", "dev"}, 1, "not a record"},
		{"no verb", good, []string{"-env", "dev"}, 64, "missing verb"},
		{"unknown environment", good, []string{"fetch", "-env", "qa"}, 64, "-env"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var calls []string
			aws := func(args ...string) ([]byte, error) {
				calls = append(calls, strings.Join(args, " "))
				return []byte(c.out), nil
			}
			var stdout, stderr bytes.Buffer
			code := appliedMain(context.Background(), append(c.args, "-out", dir), &stdout, &stderr, aws)
			if code != c.code || !strings.Contains(stderr.String(), c.stderr) {
				t.Fatalf("code %d, stderr %q; want %d and %q", code, stderr.String(), c.code, c.stderr)
			}
			if code != 0 {
				return
			}
			if want := "ssm get-parameters-by-path --path " + applied.Path("dev") + " --recursive"; len(calls) != 1 || calls[0] != want {
				t.Errorf("aws calls %v, want %q", calls, want)
			}
			recs, envs, err := LoadApplied(dir)
			if err != nil || len(recs) != 1 || envs[0] != "dev" {
				t.Errorf("Load after fetch: %v %v %v", recs, envs, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "dev.json")); err != nil {
				t.Error(err)
			}
		})
	}
}
