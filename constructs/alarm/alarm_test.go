package alarm

import (
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"

	"stratum/testkit/propstest"
)

func validProps() Props {
	return Props{
		Name:       "stratum-test-ezra-db-cpu",
		Summary:    "CPU is high.",
		Runbook:    "docs/runbooks/alerts/db-cpu.md",
		Topic:      jsii.String("arn:aws:sns:us-east-1:111111111111:stratum-test-alarms"),
		Metric:     &Metric{Namespace: "AWS/RDS", Name: "CPUUtilization", Statistic: "Average", Dimensions: map[string]*string{"DBInstanceIdentifier": jsii.String("db")}},
		Comparison: Above,
		Threshold:  80,
	}
}

func TestValidate(t *testing.T) {
	validate := func(p Props) error { return p.withDefaults().validate() }
	math := func(p *Props) {
		p.Metric = nil
		p.Expression = "a / 5"
		p.Queries = []Query{{ID: "a", Metric: Metric{Namespace: "AWS/EC2", Name: "StatusCheckFailed", Statistic: "SampleCount"}}}
	}
	propstest.Accepts(t, validProps, validate, []propstest.Case[Props]{
		{Name: "metric math", Mutate: math},
		{Name: "one minute", Mutate: func(p *Props) { p.PeriodSeconds, p.EvaluationPeriods, p.DatapointsToAlarm = 60, 5, 3 }},
		{Name: "longest name", Mutate: func(p *Props) { p.Name = strings.Repeat("n", 255) }},
	})
	propstest.Check(t, validProps, validate, []propstest.Case[Props]{
		{Name: "no name", Mutate: func(p *Props) { p.Name = "" }, Want: "Name"},
		{Name: "long name", Mutate: func(p *Props) { p.Name = strings.Repeat("n", 256) }, Want: "Name"},
		{Name: "no summary", Mutate: func(p *Props) { p.Summary = " " }, Want: "Summary"},
		{Name: "no runbook", Mutate: func(p *Props) { p.Runbook = "" }, Want: "Runbook"},
		{Name: "runbook with spaces", Mutate: func(p *Props) { p.Runbook = "see the wiki" }, Want: "Runbook"},
		{Name: "long description", Mutate: func(p *Props) { p.Summary = strings.Repeat("s", 1000) }, Want: "at most 1024"},
		{Name: "no topic", Mutate: func(p *Props) { p.Topic = nil }, Want: "Topic"},
		{Name: "comparison", Mutate: func(p *Props) { p.Comparison = ">" }, Want: "Comparison"},
		{Name: "period", Mutate: func(p *Props) { p.PeriodSeconds = 90 }, Want: "PeriodSeconds"},
		{Name: "more than a day", Mutate: func(p *Props) { p.PeriodSeconds, p.EvaluationPeriods = 3600, 25 }, Want: "EvaluationPeriods"},
		{Name: "datapoints", Mutate: func(p *Props) { p.DatapointsToAlarm = 4 }, Want: "DatapointsToAlarm"},
		{Name: "missing data", Mutate: func(p *Props) { p.TreatMissingData = "zero" }, Want: "TreatMissingData"},
		{Name: "statistic", Mutate: func(p *Props) { p.Metric.Statistic = "p99" }, Want: "Statistic"},
		{Name: "dimension without value", Mutate: func(p *Props) { p.Metric.Dimensions["DBInstanceIdentifier"] = nil }, Want: "dimension"},
		{Name: "metric and expression", Mutate: func(p *Props) { p.Expression = "m / 2" }, Want: "exactly one"},
		{Name: "neither", Mutate: func(p *Props) { p.Metric = nil }, Want: "exactly one"},
		{Name: "expression without queries", Mutate: func(p *Props) { math(p); p.Queries = nil }, Want: "no Queries"},
		{Name: "query id", Mutate: func(p *Props) { math(p); p.Queries[0].ID = "Drops" }, Want: "id"},
		{Name: "query id result", Mutate: func(p *Props) { math(p); p.Queries[0].ID = "result" }, Want: "id"},
	})
}

func TestRunbookOf(t *testing.T) {
	p := validProps()
	if got, ok := RunbookOf(p.Description()); !ok || got != p.Runbook {
		t.Errorf("RunbookOf(%q) = %q, %t; want %q, true", p.Description(), got, ok, p.Runbook)
	}
	for _, d := range []string{"", "CPU is high.", "CPU is high. Runbook: "} {
		if got, ok := RunbookOf(d); ok {
			t.Errorf("RunbookOf(%q) = %q, true; want false", d, got)
		}
	}
}
