package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/constructs/policy"
)

func TestUserProblem(t *testing.T) {
	for _, tc := range []struct{ user, want string }{
		{"app_api", ""},
		{"app_" + strings.Repeat("x", 59), ""},
		{"app_" + strings.Repeat("x", 60), "63"},
		{"App_api", "lowercase"},
		{"app-api", "lowercase"},
		{"1app", "starting with a letter"},
		{MasterUsername, "master user"},
		{"pg_monitor", "reserve"},
		{"rdsadmin", "reserve"},
	} {
		t.Run(tc.user, func(t *testing.T) {
			got := UserProblem(tc.user)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("UserProblem(%q) = %q, want %q", tc.user, got, tc.want)
			}
		})
	}
}

// TestGrantConnect: the grant is rds-db:connect on the one user's ARN.
func TestGrantConnect(t *testing.T) {
	auth := IAMAuth{Partition: "aws", Region: "eu-west-1", Account: "111111111111", ResourceID: jsii.String("db-ABC")}
	var st policy.Statements
	auth.GrantConnect(&st, "app_api")
	got := st.List()
	if len(got) != 1 || *got[0].Effect != "Allow" || fmt.Sprint(strs(got[0].Actions)) != "[rds-db:connect]" ||
		fmt.Sprint(strs(got[0].Resources)) != "[arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABC/app_api]" {
		t.Errorf("statements %+v, want rds-db:connect on arn:aws:rds-db:eu-west-1:111111111111:dbuser:db-ABC/app_api", got)
	}
	for _, tc := range []struct {
		name string
		auth IAMAuth
		user string
	}{
		{"master user", auth, MasterUsername},
		{"no resource id", IAMAuth{Partition: "aws", Region: "eu-west-1", Account: "111111111111"}, "app_api"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("GrantConnect(%q) with %+v did not panic", tc.user, tc.auth)
				}
			}()
			tc.auth.GrantConnect(&policy.Statements{}, tc.user)
		})
	}
}

func strs(l *[]*string) []string {
	var out []string
	for _, p := range *l {
		out = append(out, *p)
	}
	return out
}
