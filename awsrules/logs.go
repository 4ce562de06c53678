package awsrules

import "slices"

// CloudWatchRetentionDays are the retention values CloudWatch Logs accepts
// (PutRetentionPolicy). 0, "never expire", is not offered: logs must expire.
var CloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// IsCloudWatchRetention reports whether days is one of CloudWatchRetentionDays.
func IsCloudWatchRetention(days int) bool { return slices.Contains(CloudWatchRetentionDays, days) }
