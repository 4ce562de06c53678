package logalarm

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		LogGroupName: jsii.String("/stratum-test-audit-trail"),
		Patterns:     []string{`{ ($.eventName = "ConsoleLogin") && ($.errorMessage = "Failed authentication") }`},
		Namespace:    "Stratum/Audit/test", Metric: "ConsoleSigninFailures",
		Name: "stratum-test-audit-console-signin-failures", Summary: "Sign-in failed.",
		Runbook: "docs/runbooks/alerts/console-signin.md", Topic: jsii.String("arn:aws:sns:us-east-1:111111111111:stratum-test-audit-alarms"),
	}
}

func TestValidate(t *testing.T) {
	validate := func(p Props) error { return p.validate() }
	propstest.Accepts(t, validProps, validate, []propstest.Case[Props]{
		{Name: "several patterns", Mutate: func(p *Props) { p.Patterns = append(p.Patterns, `{ $.eventName = "StopLogging" }`) }},
		{Name: "threshold", Mutate: func(p *Props) { p.Threshold = 5 }},
		{Name: "longest pattern", Mutate: func(p *Props) { p.Patterns = []string{"{ " + strings.Repeat(" ", MaxPatternLength-4) + " }"} }},
	})
	propstest.Check(t, validProps, validate, []propstest.Case[Props]{
		{Name: "no log group", Mutate: func(p *Props) { p.LogGroupName = nil }, Want: "LogGroupName"},
		{Name: "no patterns", Mutate: func(p *Props) { p.Patterns = nil }, Want: "Patterns"},
		{Name: "pattern too long", Mutate: func(p *Props) { p.Patterns = []string{"{ " + strings.Repeat(" ", MaxPatternLength) + " }"} }, Want: "at most 1024"},
		{Name: "not a JSON pattern", Mutate: func(p *Props) { p.Patterns = []string{"ERROR"} }, Want: "Patterns[0]"},
		{Name: "unbalanced", Mutate: func(p *Props) { p.Patterns = []string{`{ ($.eventName = "x" }`} }, Want: "balanced"},
		{Name: "unclosed quote", Mutate: func(p *Props) { p.Patterns = []string{`{ $.eventName = "x }`} }, Want: "balanced"},
		{Name: "pattern twice", Mutate: func(p *Props) { p.Patterns = append(p.Patterns, p.Patterns[0]) }, Want: "twice"},
		{Name: "AWS namespace", Mutate: func(p *Props) { p.Namespace = "AWS/CloudTrail" }, Want: "Namespace"},
		{Name: "metric with a slash", Mutate: func(p *Props) { p.Metric = "a/b" }, Want: "Metric"},
		{Name: "negative threshold", Mutate: func(p *Props) { p.Threshold = -1 }, Want: "Threshold"},
	})
}
