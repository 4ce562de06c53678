package awsrules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// cronField describes one field of an AWS cron expression: numbers in
// [lo, hi], the names it accepts and its special characters.
type cronField struct {
	name    string
	lo, hi  int
	names   []string
	special string
}

var cronFields = []cronField{
	{name: "minutes", lo: 0, hi: 59, special: ",-*/"},
	{name: "hours", lo: 0, hi: 23, special: ",-*/"},
	{name: "day-of-month", lo: 1, hi: 31, special: ",-*/?LW"},
	{name: "month", lo: 1, hi: 12, special: ",-*/",
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: "day-of-week", lo: 1, hi: 7, special: ",-*?L#",
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
	{name: "year", lo: 1970, hi: 2199, special: ",-*/"},
}

// CronProblem says what is wrong with an AWS Backup schedule, or returns
// "". It must be cron(minutes hours day-of-month month day-of-week year)
// with "?" in exactly one of the two day fields, and run at most hourly
// (AWS Backup's minimum frequency), which a single minute value ensures.
func CronProblem(s string) string {
	const shape = "cron(minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *)"
	inner, ok := strings.CutPrefix(s, "cron(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")")
	}
	if !ok {
		return shape
	}
	f := strings.Fields(inner)
	if len(f) != len(cronFields) {
		return fmt.Sprintf("%s: 6 fields, not %d", shape, len(f))
	}
	for i, spec := range cronFields {
		if problem := spec.problem(f[i]); problem != "" {
			return fmt.Sprintf("%s: %s", shape, problem)
		}
	}
	if (f[2] == "?") == (f[4] == "?") {
		return fmt.Sprintf("%s: \"?\" in exactly one of day-of-month and day-of-week", shape)
	}
	if _, err := strconv.Atoi(f[0]); err != nil {
		return fmt.Sprintf("%s: a single minute (0-59), since AWS Backup runs a rule at most once an hour", shape)
	}
	return ""
}

func (c cronField) problem(v string) string {
	for _, r := range v {
		if !strings.ContainsRune(c.special, r) && !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return fmt.Sprintf("%s %q may only use digits, names and %q", c.name, v, c.special)
		}
	}
	for _, item := range strings.Split(v, ",") {
		base, step, hasStep := strings.Cut(item, "/")
		if n, err := strconv.Atoi(step); hasStep && (err != nil || n < 1 || n > c.hi) {
			return fmt.Sprintf("%s %q: the step after \"/\" must be 1-%d", c.name, v, c.hi)
		}
		base, nth, hasNth := strings.Cut(base, "#")
		if n, err := strconv.Atoi(nth); hasNth && (err != nil || n < 1 || n > 5) {
			return fmt.Sprintf("%s %q: the week after \"#\" must be 1-5", c.name, v)
		}
		for _, token := range strings.Split(base, "-") {
			if problem := c.tokenProblem(token); problem != "" {
				return fmt.Sprintf("%s %q: %s", c.name, v, problem)
			}
		}
	}
	return ""
}

// tokenProblem checks one value of a field: a wildcard, a name, or a
// number in range (with an L or W suffix where the field allows them).
func (c cronField) tokenProblem(token string) string {
	if token == "*" || token == "?" || token == "L" || slices.Contains(c.names, token) {
		return ""
	}
	digits := strings.TrimRight(token, "LW")
	if suffix := token[len(digits):]; strings.Trim(suffix, c.special) != "" {
		return fmt.Sprintf("%q: %s is not allowed in this field", token, suffix)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return fmt.Sprintf("%q is not a number or name", token)
	}
	if n < c.lo || n > c.hi {
		return fmt.Sprintf("%d is outside %d-%d", n, c.lo, c.hi)
	}
	return ""
}
