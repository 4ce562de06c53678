package postgres

import (
	"fmt"
	"math"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbeventsubscription"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/dbinstance"

	"stratum/awsrules"
	"stratum/constructs/alarm"
)

// The instance's alerts, by the name of their runbook: alarm <Identifier>-
// <kind> links docs/runbooks/alerts/<kind>.md.
const (
	AlarmCPU            = "db-cpu"
	AlarmFreeStorage    = "db-free-storage"
	AlarmFreeableMemory = "db-freeable-memory"
	AlarmConnections    = "db-connections"
	// AlarmCPUCredits exists only for burstable classes (db.t3, db.t4g).
	AlarmCPUCredits = "db-cpu-credits"
	// Events is the instance's RDS event subscription; RDS writes its
	// messages itself, so the runbook is in the subscription's Runbook
	// tag.
	Events = "db-events"
)

// EventCategories are the RDS event categories the instance's event
// subscription forwards: everything that says the database is or will be
// unavailable, is failing over, running out of storage (RDS-EVENT-0007,
// and RDS-EVENT-0089 before each storage autoscaling step), reaching its
// storage autoscaling ceiling (RDS-EVENT-0225 at 80 % of it, in
// notification; RDS-EVENT-0223 and -0224, in failure) or due for
// maintenance. Backup and configuration change are left out: they report
// every automated backup and every apply and autoscaling step.
var EventCategories = []string{"availability", "deletion", "failover", "failure", "low storage", "maintenance", "notification", "recovery"}

// Alarms configures the instance's CloudWatch alarms and its RDS event
// subscription. Thresholds are percentages, each 1–99.
type Alarms struct {
	// Topic is the SNS topic every alarm and RDS event notifies; its
	// policies must admit cloudwatch.amazonaws.com and
	// events.rds.amazonaws.com. Required.
	Topic *string
	// Runbook returns the link to an alert's runbook from its kind (e.g.
	// AlarmCPU). Required.
	Runbook func(kind string) string
	// CPUPercent: CPUUtilization above it for 15 minutes. Required.
	CPUPercent int
	// FreeStoragePercent: FreeStorageSpace below this percentage of
	// AllocatedStorageGiB for 15 minutes. Keep it below 10, where storage
	// autoscaling grows the volume, so that it fires only when autoscaling
	// cannot. Required.
	FreeStoragePercent int
	// FreeMemoryPercent: FreeableMemory below this percentage of the
	// class's memory for 15 minutes. Required.
	FreeMemoryPercent int
	// ConnectionsPercent: DatabaseConnections above this percentage of the
	// class's default max_connections (awsrules.PostgresMaxConnections)
	// for 10 minutes. Required.
	ConnectionsPercent int
	// CPUCreditsPercent: for burstable classes, CPUCreditBalance below
	// this percentage of what the class can bank for 15 minutes.
	// Required.
	CPUCreditsPercent int
}

func (a *Alarms) validate() error {
	switch {
	case a.Topic == nil:
		return fmt.Errorf("Alarms.Topic is required: alarms that notify nobody fail silently")
	case a.Runbook == nil:
		return fmt.Errorf("Alarms.Runbook is required: every alarm links its runbook")
	}
	for _, c := range []struct {
		name  string
		value int
	}{
		{"CPUPercent", a.CPUPercent}, {"FreeStoragePercent", a.FreeStoragePercent}, {"FreeMemoryPercent", a.FreeMemoryPercent},
		{"ConnectionsPercent", a.ConnectionsPercent}, {"CPUCreditsPercent", a.CPUCreditsPercent},
	} {
		if c.value < 1 || c.value > 99 {
			return fmt.Errorf("Alarms.%s %d is invalid: want a percentage 1–99", c.name, c.value)
		}
	}
	if a.FreeStoragePercent >= 10 {
		return fmt.Errorf("Alarms.FreeStoragePercent %d is invalid: want 1–9, below the 10 %% at which storage autoscaling grows the volume", a.FreeStoragePercent)
	}
	return nil
}

// AlarmNames are the names of the alarms Props creates for the instance,
// by kind.
func (p Props) AlarmNames() map[string]string {
	out := map[string]string{}
	if p.Alarms == nil {
		return out
	}
	kinds := []string{AlarmCPU, AlarmFreeStorage, AlarmFreeableMemory, AlarmConnections}
	if c, _ := awsrules.LookupRDSClass(p.withDefaults().InstanceClass); c.Burstable() {
		kinds = append(kinds, AlarmCPUCredits)
	}
	for _, k := range kinds {
		out[k] = p.Identifier + "-" + k
	}
	return out
}

// newAlarms creates the instance's alarms and event subscription in c.
// p has its defaults applied and is valid.
func newAlarms(c constructs.Construct, p Props, instance dbinstance.DbInstance, tags *map[string]*string) {
	a := p.Alarms
	class, _ := awsrules.LookupRDSClass(p.InstanceClass)
	names := p.AlarmNames()
	metric := func(name, statistic string) *alarm.Metric {
		// The identifier comes from the instance, so no alarm is created
		// before the metrics' source exists.
		return &alarm.Metric{Namespace: "AWS/RDS", Name: name, Statistic: statistic,
			Dimensions: map[string]*string{"DBInstanceIdentifier": instance.Identifier()}}
	}
	newAlarm := func(kind string, props alarm.Props) {
		props.Name, props.Runbook, props.Topic = names[kind], a.Runbook(kind), a.Topic
		alarm.New(c, "alarm-"+kind, &props)
	}

	newAlarm(AlarmCPU, alarm.Props{
		Summary: fmt.Sprintf("PostgreSQL instance %s has used more than %d %% CPU for 15 minutes: queries slow down and queue.",
			p.Identifier, a.CPUPercent),
		Metric:     metric("CPUUtilization", "Average"),
		Comparison: alarm.Above, Threshold: float64(a.CPUPercent),
	})

	// Storage autoscaling grows the volume whenever free space falls to
	// 10 % of it (and at most every six hours), so free space below a
	// smaller share of the initial allocation means autoscaling cannot
	// help: the ceiling is reached, it is cooling down while the disk
	// fills, or it is off. The warning before the ceiling is RDS's event
	// RDS-EVENT-0225, which the event subscription below forwards.
	ceiling := "storage autoscaling is off"
	if p.MaxAllocatedStorageGiB > 0 {
		ceiling = fmt.Sprintf("storage autoscaling could not grow it (ceiling %d GiB reached, or cooling down)", p.MaxAllocatedStorageGiB)
	}
	freeGiB := float64(p.AllocatedStorageGiB) * float64(a.FreeStoragePercent) / 100
	newAlarm(AlarmFreeStorage, alarm.Props{
		Summary: fmt.Sprintf("PostgreSQL instance %s has less than %.1f GiB of free storage (%d %% of its %d GiB) and %s: when it is full, the database stops.",
			p.Identifier, freeGiB, a.FreeStoragePercent, p.AllocatedStorageGiB, ceiling),
		Metric:     metric("FreeStorageSpace", "Minimum"),
		Comparison: alarm.Below, Threshold: math.Round(freeGiB * alarm.GiB),
	})

	freeMemory := class.MemoryGiB * float64(a.FreeMemoryPercent) / 100
	newAlarm(AlarmFreeableMemory, alarm.Props{
		Summary: fmt.Sprintf("PostgreSQL instance %s (%s, %g GiB) has had less than %.2f GiB (%d %%) of freeable memory for 15 minutes: it swaps, and connections may be refused.",
			p.Identifier, p.InstanceClass, class.MemoryGiB, freeMemory, a.FreeMemoryPercent),
		Metric:     metric("FreeableMemory", "Average"),
		Comparison: alarm.Below, Threshold: math.Round(freeMemory * alarm.GiB),
	})

	limit := awsrules.PostgresMaxConnections(class)
	connections := float64(limit * a.ConnectionsPercent / 100)
	newAlarm(AlarmConnections, alarm.Props{
		Summary: fmt.Sprintf("PostgreSQL instance %s has had more than %.0f connections for 10 minutes (%d %% of the roughly %d its class %s allows by default): new connections will soon be refused.",
			p.Identifier, connections, a.ConnectionsPercent, limit, p.InstanceClass),
		Metric:     metric("DatabaseConnections", "Maximum"),
		Comparison: alarm.Above, Threshold: connections,
		EvaluationPeriods: 2,
	})

	// gp3 storage does not burst (its IOPS and throughput are
	// provisioned, so there is no BurstBalance metric); the CPU of the
	// burstable classes does. RDS runs them in unlimited mode: an empty
	// balance costs surplus credits rather than throttling.
	if class.Burstable() {
		credits := float64(class.MaxCPUCredits * a.CPUCreditsPercent / 100)
		newAlarm(AlarmCPUCredits, alarm.Props{
			Summary: fmt.Sprintf("PostgreSQL instance %s (%s) has had fewer than %.0f CPU credits (%d %% of the %d it can bank) for 15 minutes: it runs above its baseline and will be billed for surplus credits; it needs a larger or non-burstable class.",
				p.Identifier, p.InstanceClass, credits, a.CPUCreditsPercent, class.MaxCPUCredits),
			Metric:     metric("CPUCreditBalance", "Minimum"),
			Comparison: alarm.Below, Threshold: credits,
		})
	}

	subscriptionTags := map[string]*string{"Runbook": jsii.String(a.Runbook(Events))}
	if tags != nil {
		for k, v := range *tags {
			subscriptionTags[k] = v
		}
	}
	dbeventsubscription.NewDbEventSubscription(c, jsii.String("events"), &dbeventsubscription.DbEventSubscriptionConfig{
		Name:            jsii.String(p.Identifier + "-" + Events),
		SnsTopic:        a.Topic,
		SourceType:      jsii.String("db-instance"),
		SourceIds:       &[]*string{instance.Identifier()},
		EventCategories: jsii.Strings(EventCategories...),
		Enabled:         jsii.Bool(true),
		Tags:            &subscriptionTags,
	})
}
