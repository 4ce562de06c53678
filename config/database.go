package config

import "fmt"

// checkDatabaseProtection refuses a production environment whose data
// could be lost by one mistaken plan. (Formats, sizes and windows are
// checked by checkDatabase; deletion protection by checkDeletionProtection.)
func checkDatabaseProtection(p *Problems, owner string, e Environment) {
	if e.Name != Prod {
		return
	}
	const want = "true in prod: production data must be hard to lose"
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
