package bucket

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/testkit/propstest"
)

// TestNewRefusesBadNames: a name S3 would refuse panics before anything is
// created, naming the prop and S3's rule (awsrules.S3BucketNameProblem).
func TestNewRefusesBadNames(t *testing.T) {
	for name, want := range map[string]string{
		"":                          "Name is required",
		"Stratum_State":             "3–63 characters",
		"stratum-prod-acme-x--x-s3": `"--x-s3"`,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), want) {
					t.Errorf("New(Name %q): recovered %v, want a panic mentioning %q", name, r, want)
				}
			}()
			New(nil, "b", &Props{Name: name})
		})
	}
}

// TestPropsValidation: object lock, access logs and the log target's
// rules are checked before anything is created.
func TestPropsValidation(t *testing.T) {
	valid := func() Props {
		return Props{Name: "stratum-prod-audit-trail", Lifecycle: Lifecycle{ExpirationDays: 400},
			ObjectLock: &ObjectLock{Mode: Compliance, Days: 365}, AccessLogs: &AccessLogs{Bucket: jsii.String("logs")}}
	}
	validate := func(p Props) error { return p.validate() }
	propstest.Check(t, valid, validate, []propstest.Case[Props]{
		{Name: "lock mode", Mutate: func(p *Props) { p.ObjectLock.Mode = "compliance" }, Want: "ObjectLock.Mode"},
		{Name: "lock days", Mutate: func(p *Props) { p.ObjectLock.Days = 0 }, Want: "ObjectLock.Days"},
		{Name: "lock outlives expiration", Mutate: func(p *Props) { p.ObjectLock.Days = 401 }, Want: "Lifecycle.ExpirationDays (400)"},
		{Name: "locked log target", Mutate: func(p *Props) {
			p.ReceivesAccessLogs = &AccessLogSources{Account: jsii.String("1"), BucketARNs: []*string{jsii.String("arn:aws:s3:::x")}}
		}, Want: "ReceivesAccessLogs"},
		{Name: "access log bucket", Mutate: func(p *Props) { p.AccessLogs.Bucket = nil }, Want: "AccessLogs.Bucket"},
	})
	propstest.Accepts(t, valid, validate, []propstest.Case[Props]{
		{Name: "lock without expiration", Mutate: func(p *Props) { p.Lifecycle.ExpirationDays, p.ObjectLock.Days = 0, 3650 }},
		{Name: "governance", Mutate: func(p *Props) { p.ObjectLock.Mode = Governance }},
	})
}
