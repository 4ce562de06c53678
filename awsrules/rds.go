package awsrules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
)

// RDSAllocatedStorageProblem returns "" if gib is an initial gp3 size RDS
// for PostgreSQL accepts, and otherwise what is allowed.
func RDSAllocatedStorageProblem(gib int) string {
	if gib < 20 || gib > 65536 {
		return "20–65536 GiB (RDS for PostgreSQL on gp3)"
	}
	return ""
}

// RDSMaxAllocatedStorageProblem returns "" if maxGiB is a storage
// autoscaling ceiling RDS accepts for allocated GiB (0 turns autoscaling
// off), and otherwise what is allowed. RDS requires the ceiling to be at
// least 10% above the allocated storage.
func RDSMaxAllocatedStorageProblem(allocated, maxGiB int) string {
	least := (allocated*11 + 9) / 10
	switch {
	case maxGiB == 0 || (maxGiB >= least && maxGiB <= 65536):
		return ""
	case least > 65536:
		return fmt.Sprintf("0 (no storage autoscaling): AllocatedStorageGiB (%d) leaves no room for a ceiling 10%% above it within 65536 GiB", allocated)
	}
	return fmt.Sprintf("0 (no storage autoscaling) or %d–65536 GiB: at least 10%% above AllocatedStorageGiB (%d)", least, allocated)
}

// RDSBackupRetentionProblem returns "" if days is an RDS automated backup
// retention with backups on, and otherwise what is allowed. RDS also
// accepts 0, which turns automated backups and point-in-time recovery
// off; Stratum does not offer that.
func RDSBackupRetentionProblem(days int) string {
	if days < 1 || days > 35 {
		return "1–35 days (RDS automated backups; 0 would turn them and point-in-time recovery off)"
	}
	return ""
}

const minutesPerDay, minutesPerWeek = 24 * 60, 7 * 24 * 60

// Window is a recurring span of UTC time: Length minutes from Start, on a
// cycle of Period minutes (a day for the backup window, a week starting
// Monday 00:00 for the maintenance window). It may wrap past the end of
// its period, e.g. 23:30-00:30 or sun:23:00-mon:01:00.
type Window struct{ Start, Length, Period int }

var (
	weekdays      = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	hhmm          = `([01][0-9]|2[0-3]):([0-5][0-9])`
	ddd           = `(mon|tue|wed|thu|fri|sat|sun)`
	backupRE      = regexp.MustCompile(`^` + hhmm + `-` + hhmm + `$`)
	maintenanceRE = regexp.MustCompile(`^` + ddd + `:` + hhmm + `-` + ddd + `:` + hhmm + `$`)
)

func minuteOfDay(h, m string) int {
	hour, _ := strconv.Atoi(h)
	minute, _ := strconv.Atoi(m)
	return hour*60 + minute
}

// ParseBackupWindow parses an RDS backup window, "hh24:mi-hh24:mi" in UTC.
func ParseBackupWindow(s string) (Window, bool) {
	m := backupRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, false
	}
	start, end := minuteOfDay(m[1], m[2]), minuteOfDay(m[3], m[4])
	return Window{Start: start, Length: (end - start + minutesPerDay) % minutesPerDay, Period: minutesPerDay}, true
}

// ParseMaintenanceWindow parses an RDS maintenance window,
// "ddd:hh24:mi-ddd:hh24:mi" in UTC with lowercase days.
func ParseMaintenanceWindow(s string) (Window, bool) {
	m := maintenanceRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, false
	}
	start := slices.Index(weekdays, m[1])*minutesPerDay + minuteOfDay(m[2], m[3])
	end := slices.Index(weekdays, m[4])*minutesPerDay + minuteOfDay(m[5], m[6])
	return Window{Start: start, Length: (end - start + minutesPerWeek) % minutesPerWeek, Period: minutesPerWeek}, true
}

// weekly returns the window's occurrences within one week.
func (w Window) weekly() []Window {
	if w.Period != minutesPerDay {
		return []Window{w}
	}
	out := make([]Window, 0, 7)
	for d := range 7 {
		out = append(out, Window{Start: d*minutesPerDay + w.Start, Length: w.Length, Period: minutesPerWeek})
	}
	return out
}

// spans returns the window as half-open [start, end) ranges inside one
// period, split in two where it wraps.
func (w Window) spans() [][2]int {
	end := w.Start + w.Length
	if end <= w.Period {
		return [][2]int{{w.Start, end}}
	}
	return [][2]int{{w.Start, w.Period}, {0, end - w.Period}}
}

// Overlaps reports whether the two windows share any minute of the week.
// Windows that only touch (one ends when the other starts) do not overlap.
func (w Window) Overlaps(o Window) bool {
	for _, a := range w.weekly() {
		for _, b := range o.weekly() {
			for _, x := range a.spans() {
				for _, y := range b.spans() {
					if x[0] < y[1] && y[0] < x[1] {
						return true
					}
				}
			}
		}
	}
	return false
}

// BackupWindowProblem returns "" if s is an RDS backup window of at least
// RDS's 30 minutes, and otherwise what is allowed.
func BackupWindowProblem(s string) string {
	w, ok := ParseBackupWindow(s)
	switch {
	case !ok:
		return `"hh24:mi-hh24:mi" in UTC, such as "03:00-04:00"`
	case w.Length < 30:
		return "a window of at least 30 minutes (RDS minimum)"
	}
	return ""
}

// MaintenanceWindowProblem returns "" if s is an RDS maintenance window of
// at least RDS's 30 minutes, and otherwise what is allowed.
func MaintenanceWindowProblem(s string) string {
	w, ok := ParseMaintenanceWindow(s)
	switch {
	case !ok:
		return `"ddd:hh24:mi-ddd:hh24:mi" in UTC with days mon…sun, such as "sun:05:00-sun:06:00"`
	case w.Length < 30:
		return "a window of at least 30 minutes (RDS minimum)"
	}
	return ""
}

// WindowsOverlap reports whether the daily backup window ("hh:mm-hh:mm",
// UTC) shares a minute with the weekly maintenance window
// ("ddd:hh:mm-ddd:hh:mm", UTC). Windows that only touch do not overlap.
func WindowsOverlap(backup, maintenance string) (bool, error) {
	b, ok := ParseBackupWindow(backup)
	if !ok {
		return false, fmt.Errorf("backup window %q: want hh24:mi-hh24:mi", backup)
	}
	m, ok := ParseMaintenanceWindow(maintenance)
	if !ok {
		return false, fmt.Errorf("maintenance window %q: want ddd:hh24:mi-ddd:hh24:mi", maintenance)
	}
	return b.Overlaps(m), nil
}

// WindowsOverlapProblem returns "" unless both windows parse and overlap
// (RDS rejects that), and then what the maintenance window must be.
func WindowsOverlapProblem(backup, maintenance string) string {
	if overlap, err := WindowsOverlap(backup, maintenance); err == nil && overlap {
		return fmt.Sprintf("a window that does not overlap the daily BackupWindow %q (RDS rejects overlapping windows)", backup)
	}
	return ""
}
