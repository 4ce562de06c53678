// Package alarm provides a CloudWatch metric alarm that reaches people:
// it notifies an SNS topic when it fires and when it recovers, its name
// says what it watches, and its description says what happened and links
// the runbook for it. Every alarm Stratum creates is built here, so none
// can be created without a topic or a runbook.
package alarm

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/cloudwatchmetricalarm"
)

// Comparison operators a threshold alarm takes.
const (
	Above        = "GreaterThanThreshold"
	AtLeast      = "GreaterThanOrEqualToThreshold"
	Below        = "LessThanThreshold"
	AtMost       = "LessThanOrEqualToThreshold"
	maxNameLen   = 255
	maxDescrLen  = 1024
	runbookLabel = "Runbook: "
)

// How an alarm treats periods without data (CloudWatch's
// treat_missing_data).
const (
	MissingIsMissing     = "missing"
	MissingIsBreaching   = "breaching"
	MissingIsOK          = "notBreaching"
	MissingKeepsTheState = "ignore"
)

// Metric is one CloudWatch metric.
type Metric struct {
	Namespace, Name string
	// Dimensions select the metric's series, e.g. {"DBInstanceIdentifier": id}.
	Dimensions map[string]*string
	// Statistic is Average, Sum, Minimum, Maximum or SampleCount.
	Statistic string
}

// Query is one metric of a metric math alarm, by its id in Expression.
type Query struct {
	ID     string
	Metric Metric
}

// Props configures an Alarm.
type Props struct {
	// Name is the alarm's name: what it watches followed by the runbook's
	// name, e.g. stratum-prod-ezra-db-cpu for runbook db-cpu, so that the
	// runbook is obvious from the notification's subject. Required: at
	// most 255 characters.
	Name string
	// Summary says what the alarm means when it fires, in a sentence or
	// two, for whoever reads the notification. Required.
	Summary string
	// Runbook is the link to the runbook for this alarm; the description
	// ends with "Runbook: <Runbook>". Required.
	Runbook string
	// Topic is the SNS topic notified when the alarm fires and when it
	// recovers. Its policy must let cloudwatch.amazonaws.com publish.
	// Required.
	Topic *string

	// Metric is the metric the threshold applies to. Exactly one of
	// Metric and Expression is required.
	Metric *Metric
	// Expression is a metric math expression over Queries, e.g.
	// "100 * drops / (in + out)"; Label names its result in graphs.
	Expression, Label string
	// Queries are the metrics Expression refers to.
	Queries []Query

	// Comparison is Above, AtLeast, Below or AtMost. Required.
	Comparison string
	// Threshold is what Comparison compares with.
	Threshold float64
	// PeriodSeconds is the length of one evaluated period: 10, 30 or a
	// multiple of 60. Default: 300.
	PeriodSeconds int
	// EvaluationPeriods is how many recent periods are evaluated.
	// Default: 3.
	EvaluationPeriods int
	// DatapointsToAlarm is how many of them must breach. Default:
	// EvaluationPeriods (every one).
	DatapointsToAlarm int
	// TreatMissingData is one of the Missing* constants. Default:
	// MissingIsMissing (INSUFFICIENT_DATA, no notification).
	TreatMissingData string
}

// Alarm is one CloudWatch metric alarm.
type Alarm struct {
	Alarm cloudwatchmetricalarm.CloudwatchMetricAlarm
	// Name is the alarm's name.
	Name string
}

var (
	comparisons = []string{Above, AtLeast, Below, AtMost}
	statistics  = []string{"Average", "Sum", "Minimum", "Maximum", "SampleCount"}
	missing     = []string{MissingIsMissing, MissingIsBreaching, MissingIsOK, MissingKeepsTheState}
	queryID     = regexp.MustCompile(`^[a-z][A-Za-z0-9_]*$`)
)

func (p Props) withDefaults() Props {
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 300
	}
	if p.EvaluationPeriods == 0 {
		p.EvaluationPeriods = 3
	}
	if p.DatapointsToAlarm == 0 {
		p.DatapointsToAlarm = p.EvaluationPeriods
	}
	if p.TreatMissingData == "" {
		p.TreatMissingData = MissingIsMissing
	}
	return p
}

// Description is the alarm's description: the summary and the runbook
// link.
func (p Props) Description() string {
	return strings.TrimSpace(p.Summary) + " " + runbookLabel + p.Runbook
}

// RunbookOf returns the runbook link of an alarm description written by
// Description, and false if it has none.
func RunbookOf(description string) (string, bool) {
	i := strings.LastIndex(description, runbookLabel)
	if i < 0 {
		return "", false
	}
	link := description[i+len(runbookLabel):]
	return link, link != "" && !strings.ContainsAny(link, " \n")
}

func (p Props) validate() error {
	switch {
	case p.Name == "" || len(p.Name) > maxNameLen:
		return fmt.Errorf("Name %q is invalid: want 1 to %d characters", p.Name, maxNameLen)
	case strings.TrimSpace(p.Summary) == "":
		return fmt.Errorf("Summary is required: the notification must say what happened")
	case p.Runbook == "" || strings.ContainsAny(p.Runbook, " \n"):
		return fmt.Errorf("Runbook %q is invalid: want the link to the alarm's runbook, without spaces", p.Runbook)
	case len(p.Description()) > maxDescrLen:
		return fmt.Errorf("Summary and Runbook are %d characters together: want at most %d (CloudWatch's limit on descriptions)", len(p.Description()), maxDescrLen)
	case p.Topic == nil:
		return fmt.Errorf("Topic is required: an alarm that notifies nobody fails silently")
	case !slices.Contains(comparisons, p.Comparison):
		return fmt.Errorf("Comparison %q is invalid: want one of %v", p.Comparison, comparisons)
	case p.PeriodSeconds != 10 && p.PeriodSeconds != 30 && (p.PeriodSeconds < 60 || p.PeriodSeconds%60 != 0):
		return fmt.Errorf("PeriodSeconds %d is invalid: want 10, 30 or a multiple of 60", p.PeriodSeconds)
	case p.EvaluationPeriods < 1 || p.EvaluationPeriods*p.PeriodSeconds > 24*3600:
		return fmt.Errorf("EvaluationPeriods %d is invalid: want at least 1, and at most a day of periods", p.EvaluationPeriods)
	case p.DatapointsToAlarm < 1 || p.DatapointsToAlarm > p.EvaluationPeriods:
		return fmt.Errorf("DatapointsToAlarm %d is invalid: want 1 to EvaluationPeriods (%d)", p.DatapointsToAlarm, p.EvaluationPeriods)
	case !slices.Contains(missing, p.TreatMissingData):
		return fmt.Errorf("TreatMissingData %q is invalid: want one of %v", p.TreatMissingData, missing)
	case (p.Metric == nil) == (p.Expression == ""):
		return fmt.Errorf("exactly one of Metric and Expression is required")
	case p.Expression == "" && len(p.Queries) > 0:
		return fmt.Errorf("Queries are set without an Expression")
	case p.Expression != "" && len(p.Queries) == 0:
		return fmt.Errorf("Expression %q has no Queries", p.Expression)
	}
	metrics := []Metric{}
	if p.Metric != nil {
		metrics = append(metrics, *p.Metric)
	}
	ids := map[string]bool{}
	for _, q := range p.Queries {
		if !queryID.MatchString(q.ID) || ids[q.ID] || q.ID == "result" {
			return fmt.Errorf("Queries: id %q is invalid: want a unique id starting with a lowercase letter (not \"result\")", q.ID)
		}
		ids[q.ID] = true
		metrics = append(metrics, q.Metric)
	}
	for _, m := range metrics {
		if m.Namespace == "" || m.Name == "" {
			return fmt.Errorf("metric %+v: Namespace and Name are required", m)
		}
		if !slices.Contains(statistics, m.Statistic) {
			return fmt.Errorf("metric %s: Statistic %q is invalid: want one of %v", m.Name, m.Statistic, statistics)
		}
		for k, v := range m.Dimensions {
			if k == "" || v == nil {
				return fmt.Errorf("metric %s: dimension %q has no value", m.Name, k)
			}
		}
	}
	return nil
}

// New creates the alarm as id in scope.
func New(scope constructs.Construct, id string, props *Props) *Alarm {
	if props == nil {
		panic(fmt.Sprintf("alarm.New %q: props are required", id))
	}
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("alarm.New %q: %v", id, err))
	}
	cfg := &cloudwatchmetricalarm.CloudwatchMetricAlarmConfig{
		AlarmName:          jsii.String(p.Name),
		AlarmDescription:   jsii.String(p.Description()),
		ComparisonOperator: jsii.String(p.Comparison),
		Threshold:          jsii.Number(p.Threshold),
		EvaluationPeriods:  jsii.Number(float64(p.EvaluationPeriods)),
		DatapointsToAlarm:  jsii.Number(float64(p.DatapointsToAlarm)),
		TreatMissingData:   jsii.String(p.TreatMissingData),
		// Recovery is news too: whoever was paged learns the alarm is
		// over without opening the console.
		AlarmActions: &[]*string{p.Topic},
		OkActions:    &[]*string{p.Topic},
	}
	if m := p.Metric; m != nil {
		cfg.Namespace = jsii.String(m.Namespace)
		cfg.MetricName = jsii.String(m.Name)
		cfg.Statistic = jsii.String(m.Statistic)
		cfg.Period = jsii.Number(float64(p.PeriodSeconds))
		cfg.Dimensions = dimensions(m.Dimensions)
	} else {
		result := &cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQuery{
			Id:         jsii.String("result"),
			Expression: jsii.String(p.Expression),
			ReturnData: jsii.Bool(true),
		}
		if p.Label != "" {
			result.Label = jsii.String(p.Label)
		}
		queries := []*cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQuery{result}
		for _, q := range p.Queries {
			queries = append(queries, &cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQuery{
				Id: jsii.String(q.ID),
				Metric: &cloudwatchmetricalarm.CloudwatchMetricAlarmMetricQueryMetric{
					Namespace:  jsii.String(q.Metric.Namespace),
					MetricName: jsii.String(q.Metric.Name),
					Stat:       jsii.String(q.Metric.Statistic),
					Period:     jsii.Number(float64(p.PeriodSeconds)),
					Dimensions: dimensions(q.Metric.Dimensions),
				},
				ReturnData: jsii.Bool(false),
			})
		}
		cfg.MetricQuery = queries
	}
	return &Alarm{Alarm: cloudwatchmetricalarm.NewCloudwatchMetricAlarm(scope, jsii.String(id), cfg), Name: p.Name}
}

// dimensions copies d in key order (so the synthesized JSON is stable).
func dimensions(d map[string]*string) *map[string]*string {
	if len(d) == 0 {
		return nil
	}
	out := make(map[string]*string, len(d))
	for _, k := range slices.Sorted(maps.Keys(d)) {
		out[k] = d[k]
	}
	return &out
}

// GiB is a GiB in bytes, the unit of RDS's storage and memory metrics.
const GiB = 1 << 30
