package backup

import (
	"testing"

	"stratum/constructs/kms"
	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{Name: "stratum-test", Key: &kms.Key{}, Schedule: "cron(0 3 * * ? *)", RetentionDays: 7}
}

func TestValidate(t *testing.T) {
	propstest.Check(t, validProps, func(p Props) error { return p.validate() }, []propstest.Case[Props]{
		{Name: "no name", Mutate: func(p *Props) { p.Name = "" }, Want: "Name"},
		{Name: "no key", Mutate: func(p *Props) { p.Key = nil }, Want: "Key"},
		{Name: "rate schedule", Mutate: func(p *Props) { p.Schedule = "rate(1 day)" }, Want: "Schedule"},
		{Name: "no retention", Mutate: func(p *Props) { p.RetentionDays = 0 }, Want: "RetentionDays"},
	})
}
