package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// MinProdBackupRetentionDays is the shortest RDS backup retention
// production accepts, for the environment default and every client
// override.
const MinProdBackupRetentionDays = 14

// MinPostgresMajor is the oldest PostgreSQL major version accepted.
const MinPostgresMajor = 13

var (
	engineVersion = regexp.MustCompile(`^([1-9][0-9]*)(\.[0-9]+)?$`)
	instanceClass = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	backupWindow  = regexp.MustCompile(`^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$`)
	maintWindow   = regexp.MustCompile(`^([a-z]{3}):([0-9]{2}):([0-9]{2})-([a-z]{3}):([0-9]{2}):([0-9]{2})$`)
	weekdays      = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
	// minWindowMinutes is the shortest backup or maintenance window RDS accepts.
	minWindowMinutes = 30
	// gp3 storage limits of RDS for PostgreSQL, in GiB.
	minStorageGiB = 20
	maxStorageGiB = 65536
)

// validateDatabase records the problems of an environment's database
// settings, and refuses a production environment whose data could be lost
// by one mistaken plan.
func validateDatabase(p *Problems, owner string, e Environment) {
	ValidateDatabase(p, owner, "Database", e.Name, e.Database)
	if e.Name != "prod" {
		return
	}
	const want = "true in prod: production data must be hard to lose"
	if !e.DeletionProtection {
		p.Add(owner, "DeletionProtection", e.DeletionProtection, want)
	}
	if !e.Database.MultiAZ {
		p.Add(owner, "Database.MultiAZ", e.Database.MultiAZ, want)
	}
	if !e.Database.PreventDestroy {
		p.Add(owner, "Database.PreventDestroy", e.Database.PreventDestroy, want)
	}
	if e.Database.SkipFinalSnapshot {
		p.Add(owner, "Database.SkipFinalSnapshot", e.Database.SkipFinalSnapshot, "false in prod: production keeps a final snapshot")
	}
}

// ValidateDatabase records every problem of d, the database settings used
// in environment env, naming field (e.g. "Database") as their prefix.
func ValidateDatabase(p *Problems, owner, field, env string, d Database) {
	if m := engineVersion.FindStringSubmatch(d.EngineVersion); m == nil {
		p.Add(owner, field+".EngineVersion", d.EngineVersion, `a PostgreSQL major version such as "17" or an exact version such as "17.4"`)
	} else if major, _ := strconv.Atoi(m[1]); major < MinPostgresMajor {
		p.Add(owner, field+".EngineVersion", d.EngineVersion, fmt.Sprintf("PostgreSQL %d or later", MinPostgresMajor))
	}
	ValidateDatabaseSizes(p, owner, field, env, d)
	_, _, berr := parseBackupWindow(d.BackupWindow)
	if berr != nil {
		p.Add(owner, field+".BackupWindow", d.BackupWindow, berr.Error())
	}
	_, _, merr := parseMaintenanceWindow(d.MaintenanceWindow)
	if merr != nil {
		p.Add(owner, field+".MaintenanceWindow", d.MaintenanceWindow, merr.Error())
	}
	if berr == nil && merr == nil {
		if overlap, _ := WindowsOverlap(d.BackupWindow, d.MaintenanceWindow); overlap {
			p.Add(owner, field+".BackupWindow", d.BackupWindow, fmt.Sprintf("a window that does not overlap MaintenanceWindow %q", d.MaintenanceWindow))
		}
	}
}

// ValidateDatabaseSizes records the problems of the fields a client may
// override: instance class, storage and backup retention.
func ValidateDatabaseSizes(p *Problems, owner, field, env string, d Database) {
	if !instanceClass.MatchString(d.InstanceClass) {
		p.Add(owner, field+".InstanceClass", d.InstanceClass, "an RDS instance class such as db.t4g.medium")
	}
	if d.AllocatedStorageGiB < minStorageGiB || d.AllocatedStorageGiB > maxStorageGiB {
		p.Add(owner, field+".AllocatedStorageGiB", d.AllocatedStorageGiB, fmt.Sprintf("%d to %d (gp3)", minStorageGiB, maxStorageGiB))
	}
	// RDS refuses a storage autoscaling limit less than 10% above the
	// allocated storage.
	if least := (d.AllocatedStorageGiB*11 + 9) / 10; d.MaxAllocatedStorageGiB < least || d.MaxAllocatedStorageGiB > maxStorageGiB {
		p.Add(owner, field+".MaxAllocatedStorageGiB", d.MaxAllocatedStorageGiB,
			fmt.Sprintf("%d to %d: at least 10%% above AllocatedStorageGiB (%d)", least, maxStorageGiB, d.AllocatedStorageGiB))
	}
	least := 1
	if env == "prod" {
		least = MinProdBackupRetentionDays
	}
	if d.BackupRetentionDays < least || d.BackupRetentionDays > 35 {
		p.Add(owner, field+".BackupRetentionDays", d.BackupRetentionDays, fmt.Sprintf("%d to 35 days in %s", least, env))
	}
}

// WindowsOverlap reports whether the daily backup window ("hh:mm-hh:mm",
// UTC) shares a minute with the weekly maintenance window
// ("ddd:hh:mm-ddd:hh:mm", UTC). Both are half-open, so a window may start
// the minute the other ends. Either may wrap past midnight or the end of
// the week.
func WindowsOverlap(backup, maintenance string) (bool, error) {
	bs, be, err := parseBackupWindow(backup)
	if err != nil {
		return false, fmt.Errorf("backup window %q: %v", backup, err)
	}
	ms, me, err := parseMaintenanceWindow(maintenance)
	if err != nil {
		return false, fmt.Errorf("maintenance window %q: %v", maintenance, err)
	}
	var inMaintenance [minutesPerWeek]bool
	for m := ms; m != me; m = (m + 1) % minutesPerWeek {
		inMaintenance[m] = true
	}
	for day := 0; day < 7; day++ {
		for m := bs; m != be; m = (m + 1) % minutesPerDay {
			if inMaintenance[(day*minutesPerDay+m)%minutesPerWeek] {
				return true, nil
			}
		}
	}
	return false, nil
}

// parseBackupWindow returns the window's start and end in minutes of the day.
func parseBackupWindow(s string) (start, end int, err error) {
	m := backupWindow.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf(`want "hh:mm-hh:mm" in UTC, e.g. "01:00-02:00"`)
	}
	if start, err = clock(m[1], m[2]); err == nil {
		end, err = clock(m[3], m[4])
	}
	if err != nil {
		return 0, 0, err
	}
	if (end-start+minutesPerDay)%minutesPerDay < minWindowMinutes {
		return 0, 0, fmt.Errorf("want a window of at least %d minutes", minWindowMinutes)
	}
	return start, end, nil
}

// parseMaintenanceWindow returns the window's start and end in minutes of
// the week, Monday 00:00 being 0.
func parseMaintenanceWindow(s string) (start, end int, err error) {
	m := maintWindow.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf(`want "ddd:hh:mm-ddd:hh:mm" in UTC, e.g. "sun:05:00-sun:06:00"`)
	}
	if start, err = weekMinute(m[1], m[2], m[3]); err == nil {
		end, err = weekMinute(m[4], m[5], m[6])
	}
	if err != nil {
		return 0, 0, err
	}
	if (end-start+minutesPerWeek)%minutesPerWeek < minWindowMinutes {
		return 0, 0, fmt.Errorf("want a window of at least %d minutes", minWindowMinutes)
	}
	return start, end, nil
}

func clock(hh, mm string) (int, error) {
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if h > 23 || m > 59 {
		return 0, fmt.Errorf("%s:%s is not a time of day (00:00 to 23:59)", hh, mm)
	}
	return h*60 + m, nil
}

func weekMinute(day, hh, mm string) (int, error) {
	for i, d := range weekdays {
		if d == day {
			c, err := clock(hh, mm)
			return i*minutesPerDay + c, err
		}
	}
	return 0, fmt.Errorf("%q is not a day: want one of %s", day, strings.Join(weekdays, ", "))
}
