package config

import (
	"fmt"
	"strings"

	"stratum/awsrules"
)

// This file holds the checks of Validate that clients.Validate applies to a
// client's overrides too, so both hold them to exactly the same rules. What
// AWS accepts is in package awsrules; these add the field names and
// Stratum's own policy.

// CheckRDSInstanceClass records a problem unless class is an RDS class.
func CheckRDSInstanceClass(p *Problems, owner, field, class string) {
	if problem := awsrules.RDSInstanceClassProblem(class); problem != "" {
		p.Add(owner, field, class, problem)
	}
}

// CheckNodeGroup records every problem of an EKS managed node group's
// settings under field (e.g. Cluster.SystemNodes).
func CheckNodeGroup(p *Problems, owner, field string, ng NodeGroup) {
	if len(ng.InstanceTypes) == 0 {
		p.Add(owner, field+".InstanceTypes", ng.InstanceTypes, "at least one EC2 instance type such as m6i.large")
	}
	seen := map[string]bool{}
	for i, t := range ng.InstanceTypes {
		f := fmt.Sprintf("%s.InstanceTypes[%d]", field, i)
		switch {
		case strings.HasPrefix(t, "db."):
			p.Add(owner, f, t, "an EC2 instance type <family>.<size> such as m6i.large (db. classes are for RDS)")
		case !awsrules.IsEC2InstanceType(t):
			p.Add(owner, f, t, "an EC2 instance type <family>.<size> such as m6i.large or t3.large")
		case seen[t]:
			p.Add(owner, f, t, "each instance type once")
		}
		seen[t] = true
	}
	if ng.MinSize < 0 {
		p.Add(owner, field+".MinSize", ng.MinSize, "0 or more")
	}
	if ng.MaxSize < 1 {
		p.Add(owner, field+".MaxSize", ng.MaxSize, "at least 1 (EKS rejects a node group that can have no node)")
	}
	switch {
	case ng.MinSize > ng.MaxSize:
		p.Add(owner, field+".MinSize", ng.MinSize, fmt.Sprintf("at most MaxSize (%d)", ng.MaxSize))
	case ng.DesiredSize < ng.MinSize || ng.DesiredSize > ng.MaxSize:
		p.Add(owner, field+".DesiredSize", ng.DesiredSize,
			fmt.Sprintf("between MinSize (%d) and MaxSize (%d)", ng.MinSize, ng.MaxSize))
	}
	if problem := awsrules.NodeDiskSizeProblem(ng.DiskSizeGiB); problem != "" {
		p.Add(owner, field+".DiskSizeGiB", ng.DiskSizeGiB, problem)
	}
}

// CheckPostgresVersion records a problem unless v is "<major>" or
// "<major>.<minor>" with a major in awsrules.PostgresSupport.
func CheckPostgresVersion(p *Problems, owner, field, v string) {
	if problem := awsrules.PostgresVersionProblem(v); problem != "" {
		p.Add(owner, field, v, problem)
	}
}

// CheckStorage records problems of RDS gp3 storage sizes under field
// (…AllocatedStorageGiB, …MaxAllocatedStorageGiB). maxAllocated 0 turns storage
// autoscaling off.
func CheckStorage(p *Problems, owner, field string, allocated, maxAllocated int) {
	if problem := awsrules.RDSAllocatedStorageProblem(allocated); problem != "" {
		p.Add(owner, field+".AllocatedStorageGiB", allocated, problem)
		return
	}
	if problem := awsrules.RDSMaxAllocatedStorageProblem(allocated, maxAllocated); problem != "" {
		p.Add(owner, field+".MaxAllocatedStorageGiB", maxAllocated, problem)
	}
}

// CheckBackupRetention records a problem unless days is an RDS automated
// backup retention that the environment's policy allows: at least
// ProductionMinBackupRetentionDays in a production environment.
func CheckBackupRetention(p *Problems, owner, field string, production bool, days int) {
	switch problem := awsrules.RDSBackupRetentionProblem(days); {
	case problem != "":
		p.Add(owner, field, days, problem)
	case production && days < ProductionMinBackupRetentionDays:
		p.Add(owner, field, days, fmt.Sprintf("%d–35 days in production (policy: two weeks of point-in-time recovery)", ProductionMinBackupRetentionDays))
	}
}

// CheckWindows records problems of the RDS backup and maintenance windows
// under field (…BackupWindow, …MaintenanceWindow): their format, RDS's
// 30-minute minimum, and overlap (the backup window recurs daily).
func CheckWindows(p *Problems, owner, field, backup, maintenance string) {
	if problem := awsrules.BackupWindowProblem(backup); problem != "" {
		p.Add(owner, field+".BackupWindow", backup, problem)
	}
	if problem := awsrules.MaintenanceWindowProblem(maintenance); problem != "" {
		p.Add(owner, field+".MaintenanceWindow", maintenance, problem)
	}
	if problem := awsrules.WindowsOverlapProblem(backup, maintenance); problem != "" {
		p.Add(owner, field+".MaintenanceWindow", maintenance, problem)
	}
}
