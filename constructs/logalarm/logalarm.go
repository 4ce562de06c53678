// Package logalarm provides an alarm on the events of a CloudWatch Logs
// group: metric filters that count every event matching their patterns
// into one metric, and an alarm (package alarm: it notifies its topic and
// links its runbook) that fires when the metric counts at least Threshold
// events in five minutes. The CIS monitoring controls and Stratum's own
// detections on the trail's log group are built with it.
package logalarm

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchlogmetricfilter"

	"stratum/constructs/alarm"
)

// MaxPatternLength is the longest filter pattern CloudWatch Logs accepts.
const MaxPatternLength = 1024

// Props configures a LogAlarm.
type Props struct {
	// LogGroupName is the group whose events are counted. Required.
	LogGroupName *string
	// Patterns are CloudWatch Logs filter patterns; each is a metric
	// filter counting 1 into the metric for every event it matches, so
	// an event matched by several counts several times. Several patterns
	// serve one alarm where one would exceed MaxPatternLength. Required.
	Patterns []string
	// Namespace and Metric name the metric. Required.
	Namespace, Metric string
	// Name, Summary, Runbook and Topic are the alarm's (alarm.Props).
	// Required. The filters are named Name, or Name-<n> for several.
	Name, Summary, Runbook string
	Topic                  *string
	// Threshold is how many matching events in five minutes fire the
	// alarm. Default: 1 (every one).
	Threshold int
}

// LogAlarm is the metric filters and their alarm.
type LogAlarm struct {
	Filters []cloudwatchlogmetricfilter.CloudwatchLogMetricFilter
	Alarm   *alarm.Alarm
}

var metricName = regexp.MustCompile(`^[A-Za-z0-9._/#:-]{1,255}$`)

func (p Props) validate() error {
	switch {
	case p.LogGroupName == nil:
		return fmt.Errorf("LogGroupName is required")
	case len(p.Patterns) == 0:
		return fmt.Errorf("Patterns are required")
	case !metricName.MatchString(p.Namespace) || strings.HasPrefix(p.Namespace, "AWS/"):
		return fmt.Errorf("Namespace %q is invalid: want 1–255 letters, digits and . _ / # : -, not starting with AWS/", p.Namespace)
	case !metricName.MatchString(p.Metric) || strings.ContainsAny(p.Metric, "/#"):
		return fmt.Errorf("Metric %q is invalid: want 1–255 letters, digits and . _ : -", p.Metric)
	case p.Threshold < 0:
		return fmt.Errorf("Threshold %d is invalid: want at least 1 (0 for the default, 1)", p.Threshold)
	}
	seen := map[string]bool{}
	for i, pat := range p.Patterns {
		t := strings.TrimSpace(pat)
		switch {
		case len(pat) > MaxPatternLength:
			return fmt.Errorf("Patterns[%d] has %d characters: want at most %d (CloudWatch Logs' limit)", i, len(pat), MaxPatternLength)
		case !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") || strings.Count(t, "(") != strings.Count(t, ")") || strings.Count(t, `"`)%2 != 0:
			return fmt.Errorf("Patterns[%d] %q is invalid: want a JSON filter pattern { … } with balanced parentheses and quotes", i, pat)
		case seen[pat]:
			return fmt.Errorf("Patterns[%d] is given twice: an event it matches would count twice", i)
		}
		seen[pat] = true
	}
	return nil
}

// New creates the filters and the alarm as id in scope.
func New(scope constructs.Construct, id string, props *Props) *LogAlarm {
	if props == nil {
		props = &Props{}
	}
	p := *props
	if p.Threshold == 0 {
		p.Threshold = 1
	}
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("logalarm.New %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	out := &LogAlarm{}
	for i, pat := range p.Patterns {
		name, fid := p.Name, "filter"
		if len(p.Patterns) > 1 {
			name, fid = fmt.Sprintf("%s-%d", p.Name, i+1), fmt.Sprintf("filter-%d", i+1)
		}
		out.Filters = append(out.Filters, cloudwatchlogmetricfilter.NewCloudwatchLogMetricFilter(c, jsii.String(fid), &cloudwatchlogmetricfilter.CloudwatchLogMetricFilterConfig{
			Name:         jsii.String(name),
			LogGroupName: p.LogGroupName,
			Pattern:      jsii.String(pat),
			MetricTransformation: &cloudwatchlogmetricfilter.CloudwatchLogMetricFilterMetricTransformation{
				Name:      jsii.String(p.Metric),
				Namespace: jsii.String(p.Namespace),
				Value:     jsii.String("1"),
			},
		}))
	}
	out.Alarm = alarm.New(c, "alarm", &alarm.Props{
		Name: p.Name, Summary: p.Summary, Runbook: p.Runbook, Topic: p.Topic,
		Metric:     &alarm.Metric{Namespace: p.Namespace, Name: p.Metric, Statistic: "Sum"},
		Comparison: alarm.AtLeast, Threshold: float64(p.Threshold),
		PeriodSeconds: 300, EvaluationPeriods: 1,
		// No matching event, no data point: nothing happened.
		TreatMissingData: alarm.MissingIsOK,
	})
	return out
}
