package trail

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		Name: "stratum-test-audit-trail", BucketName: "stratum-test-audit-trail", KeyAlias: "stratum-test-audit-trail",
		Region: "us-east-1", RetentionDays: 365, ObjectLockDays: 365, AccessLogBucket: jsii.String("stratum-test-s3-access-logs"),
		LogGroupRetentionDays: 90,
		DataEvents: []DataEvents{
			{Name: "State bucket", Objects: []string{"arn:aws:s3:::stratum-test-tfstate/"}},
			{Name: "Client buckets", Objects: []string{"arn:aws:s3:::stratum-test-"}, Except: []string{"arn:aws:s3:::stratum-test-tfstate/"}, WritesOnly: true},
		},
	}
}

func TestValidate(t *testing.T) {
	validate := func(p Props) error { return p.validate() }
	propstest.Accepts(t, validProps, validate, []propstest.Case[Props]{
		{Name: "no object lock", Mutate: func(p *Props) { p.ObjectLockDays = 0 }},
		{Name: "no data events", Mutate: func(p *Props) { p.DataEvents = nil }},
		{Name: "longest name", Mutate: func(p *Props) { p.Name = strings.Repeat("t", 128) }},
	})
	propstest.Check(t, validProps, validate, []propstest.Case[Props]{
		{Name: "short name", Mutate: func(p *Props) { p.Name = "ab" }, Want: "Name"},
		{Name: "long name", Mutate: func(p *Props) { p.Name = strings.Repeat("t", 129) }, Want: "Name"},
		{Name: "name with a slash", Mutate: func(p *Props) { p.Name = "stratum/trail" }, Want: "Name"},
		{Name: "no bucket", Mutate: func(p *Props) { p.BucketName = "" }, Want: "BucketName"},
		{Name: "no key alias", Mutate: func(p *Props) { p.KeyAlias = "" }, Want: "KeyAlias"},
		{Name: "no retention", Mutate: func(p *Props) { p.RetentionDays = 0; p.ObjectLockDays = 0 }, Want: "RetentionDays"},
		{Name: "lock past retention", Mutate: func(p *Props) { p.ObjectLockDays = 366 }, Want: "ObjectLockDays"},
		{Name: "negative lock", Mutate: func(p *Props) { p.ObjectLockDays = -1 }, Want: "ObjectLockDays"},
		{Name: "no access logs", Mutate: func(p *Props) { p.AccessLogBucket = nil }, Want: "AccessLogBucket"},
		{Name: "log group retention", Mutate: func(p *Props) { p.LogGroupRetentionDays = 100 }, Want: "LogGroupRetentionDays"},
		{Name: "unnamed data events", Mutate: func(p *Props) { p.DataEvents[0].Name = "" }, Want: "DataEvents[0]"},
		{Name: "data events named twice", Mutate: func(p *Props) { p.DataEvents[1].Name = p.DataEvents[0].Name }, Want: "DataEvents[1]"},
		{Name: "no objects", Mutate: func(p *Props) { p.DataEvents[0].Objects = nil }, Want: "DataEvents[0]"},
		{Name: "not an S3 ARN", Mutate: func(p *Props) { p.DataEvents[1].Except = []string{"stratum-test-tfstate"} }, Want: "not an S3 object ARN"},
	})
}
