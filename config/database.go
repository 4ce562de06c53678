package config

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
