package backup

import (
	"strings"
	"testing"

	"stratum/constructs/kms"
)

func TestValidate(t *testing.T) {
	valid := func() Props {
		return Props{Name: "stratum-test", Key: &kms.Key{}, Schedule: "cron(0 3 * * ? *)", RetentionDays: 7}
	}
	ok := valid()
	if err := ok.validate(); err != nil {
		t.Fatalf("valid props: %v", err)
	}
	bad := []struct {
		name   string
		mutate func(*Props)
		want   string
	}{
		{"no name", func(p *Props) { p.Name = "" }, "Name"},
		{"no key", func(p *Props) { p.Key = nil }, "Key"},
		{"rate schedule", func(p *Props) { p.Schedule = "rate(1 day)" }, "Schedule"},
		{"no retention", func(p *Props) { p.RetentionDays = 0 }, "RetentionDays"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.mutate(&p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("validate() = %v, want an error naming %s", err, tc.want)
			}
		})
	}
}
