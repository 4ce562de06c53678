# Encryption at rest: every store of data Stratum creates is encrypted,
# with a customer-managed key where the resource takes one.
package main

deny contains violation("encryption", r.address, "storage_encrypted is not true") if {
	some r in resources_of("aws_db_instance")
	not truthy(object.get(r.values, "storage_encrypted", false))
}

deny contains violation("encryption", b.address, "the bucket has no server-side encryption configuration") if {
	some b in resources_of("aws_s3_bucket")
	not bucket_encrypted(b)
}

bucket_encrypted(b) if {
	some e in resources_of("aws_s3_bucket_server_side_encryption_configuration")
	refers(e, "bucket", b)
	some rule in blocks(object.get(e.values, "rule", []))
	some d in blocks(object.get(rule, "apply_server_side_encryption_by_default", []))
	d.sse_algorithm in {"aws:kms", "aws:kms:dsse", "AES256"}
}

deny contains violation("encryption", r.address, "the cluster does not encrypt Kubernetes secrets with a KMS key") if {
	some r in resources_of("aws_eks_cluster")
	not cluster_secrets_encrypted(r)
}

cluster_secrets_encrypted(r) if {
	some e in blocks(object.get(r.values, "encryption_config", []))
	"secrets" in e.resources
}

deny contains violation("encryption", r.address, "the table's server-side encryption is not enabled") if {
	some r in resources_of("aws_dynamodb_table")
	not dynamodb_encrypted(r)
}

dynamodb_encrypted(r) if {
	some s in blocks(object.get(r.values, "server_side_encryption", []))
	truthy(s.enabled)
}

deny contains violation("encryption", r.address, sprintf("volume %s is not encrypted", [object.get(m, "device_name", "?")])) if {
	some r in resources_of("aws_launch_template")
	some m in blocks(object.get(r.values, "block_device_mappings", []))
	some ebs in blocks(object.get(m, "ebs", []))
	not truthy(object.get(ebs, "encrypted", false))
}

deny contains violation("encryption", r.address, "the topic has no KMS key (kms_master_key_id)") if {
	some r in resources_of("aws_sns_topic")
	object.get(r.values, "kms_master_key_id", "") == ""
	not r.unknown.kms_master_key_id
}

deny contains violation("encryption", r.address, "the log group has no KMS key (kms_key_id)") if {
	some r in resources_of("aws_cloudwatch_log_group")
	object.get(r.values, "kms_key_id", "") == ""
	not r.unknown.kms_key_id
}

deny contains violation("encryption", r.address, "key rotation is off (enable_key_rotation)") if {
	some r in resources_of("aws_kms_key")
	not truthy(object.get(r.values, "enable_key_rotation", false))
}
