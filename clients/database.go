package clients

import "stratum/config"

// DatabaseConfig returns the client's database settings in this
// environment: base (the environment's Database) with the non-zero fields
// of the client's Database override applied.
func (e Environment) DatabaseConfig(base config.Database) config.Database {
	d := base
	o := e.Database
	if o == nil {
		return d
	}
	if o.InstanceClass != "" {
		d.InstanceClass = o.InstanceClass
	}
	if o.AllocatedStorageGiB != 0 {
		d.AllocatedStorageGiB = o.AllocatedStorageGiB
	}
	if o.MaxAllocatedStorageGiB != 0 {
		d.MaxAllocatedStorageGiB = o.MaxAllocatedStorageGiB
	}
	if o.BackupRetentionDays != 0 {
		d.BackupRetentionDays = o.BackupRetentionDays
	}
	return d
}
