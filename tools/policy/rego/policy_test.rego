# The policies' own tests (opa test style, run by TestRegoTests): every
# rule passes a good input and fails, naming its rule and address, on an
# input weakened in the one way it guards against.
package main

# stack builds an input of one stack from resources.
stack(resources) := {
	"stack": "database-acme-prod", "environment": "prod", "production": true,
	"layer": "databases", "client": "acme", "source": "configuration", "labels": [],
	"ci_issuers": ["token.actions.githubusercontent.com"],
	"default_tags": {"Project": "stratum", "ManagedBy": "cdktf", "Environment": "prod", "Layer": "databases"},
	"resources": resources,
}

res(type, name, values) := {
	"address": sprintf("%s.%s", [type, name]), "type": type, "mode": "managed", "values": values,
	"tags": {"Environment": "prod", "Client": "acme"}, "refs": {}, "actions": [],
	"lifecycle": {"prevent_destroy": true},
}

# set(obj, key, value) is obj with key replaced (object.union merges
# nested objects, which would keep what a test takes away).
set(obj, key, value) := object.union(object.remove(obj, [key]), {key: value})

# denied(rule, address) with input: the rule denies at that address.
denied(rule, address) if {
	some v in deny
	v.rule == rule
	v.address == address
}

good_db := res("aws_db_instance", "db", {
	"storage_encrypted": true, "deletion_protection": true, "skip_final_snapshot": false,
	"final_snapshot_identifier": "acme-final", "publicly_accessible": false,
})

test_good_database_passes if {
	count(deny) == 0 with input as stack([good_db])
}

test_public_database_denied if {
	denied("no-public-ingress", "aws_db_instance.db") with input as stack([object.union(good_db, {"values": object.union(good_db.values, {"publicly_accessible": true})})])
}

test_unencrypted_database_denied if {
	denied("encryption", "aws_db_instance.db") with input as stack([set(good_db, "values", object.remove(good_db.values, ["storage_encrypted"]))])
}

test_unprotected_production_database_denied if {
	weak := object.union(good_db, {"values": object.union(good_db.values, {"deletion_protection": false})})
	denied("production-protection", "aws_db_instance.db") with input as stack([weak])
}

test_skipped_final_snapshot_denied if {
	weak := object.union(good_db, {"values": object.union(good_db.values, {"skip_final_snapshot": true})})
	denied("production-protection", "aws_db_instance.db") with input as stack([weak])
}

test_missing_final_snapshot_identifier_denied if {
	weak := set(good_db, "values", object.remove(good_db.values, ["final_snapshot_identifier"]))
	denied("production-protection", "aws_db_instance.db") with input as stack([weak])
}

test_missing_prevent_destroy_denied if {
	weak := set(good_db, "lifecycle", {})
	denied("production-protection", "aws_db_instance.db") with input as stack([weak])
}

test_unprotected_database_allowed_outside_production if {
	weak := object.union(good_db, {"values": object.union(good_db.values, {"deletion_protection": false, "skip_final_snapshot": true})})
	inp := object.union(stack([weak]), {"production": false, "environment": "dev"})
	count([v | some v in deny; v.rule == "production-protection"]) == 0 with input as inp
}

test_open_ingress_rule_denied if {
	r := res("aws_vpc_security_group_ingress_rule", "r", {"cidr_ipv4": "0.0.0.0/0", "from_port": 443})
	denied("no-public-ingress", "aws_vpc_security_group_ingress_rule.r") with input as stack([good_db, r])
}

test_open_ipv6_inline_ingress_denied if {
	r := res("aws_security_group", "sg", {"ingress": [{"ipv6_cidr_blocks": ["::/0"], "cidr_blocks": []}]})
	denied("no-public-ingress", "aws_security_group.sg") with input as stack([good_db, r])
}

test_private_ingress_passes if {
	r := res("aws_vpc_security_group_ingress_rule", "r", {"cidr_ipv4": "10.0.0.0/16"})
	count(deny) == 0 with input as stack([good_db, r])
}

test_open_cluster_endpoint_denied if {
	open := res("aws_eks_cluster", "c", {"vpc_config": {"endpoint_public_access": true}, "encryption_config": {"resources": ["secrets"]}})
	denied("no-public-ingress", "aws_eks_cluster.c") with input as stack([good_db, open])
	listed := res("aws_eks_cluster", "c", {"vpc_config": [{"endpoint_public_access": true, "public_access_cidrs": ["192.0.2.0/24"]}], "encryption_config": [{"resources": ["secrets"]}]})
	count(deny) == 0 with input as stack([good_db, listed])
}

test_unencrypted_cluster_secrets_denied if {
	c := res("aws_eks_cluster", "c", {"vpc_config": {"endpoint_public_access": false}})
	denied("encryption", "aws_eks_cluster.c") with input as stack([good_db, c])
}

bucket := res("aws_s3_bucket", "b", {"bucket": "acme-data"})

bucket_refs := {"bucket": ["aws_s3_bucket.b"]}

pab := object.union(res("aws_s3_bucket_public_access_block", "p", {"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}), {"refs": bucket_refs})

sse := object.union(res("aws_s3_bucket_server_side_encryption_configuration", "e", {"rule": [{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms"}}]}), {"refs": bucket_refs})

test_protected_bucket_passes if {
	count(deny) == 0 with input as stack([good_db, bucket, pab, sse])
}

test_bucket_without_encryption_denied if {
	denied("encryption", "aws_s3_bucket.b") with input as stack([good_db, bucket, pab])
}

test_bucket_with_a_weak_public_access_block_denied if {
	weak := object.union(pab, {"values": object.union(pab.values, {"restrict_public_buckets": false})})
	denied("no-public-ingress", "aws_s3_bucket.b") with input as stack([good_db, bucket, weak, sse])
}

test_public_access_block_of_another_bucket_does_not_count if {
	other := object.union(pab, {"refs": {"bucket": ["aws_s3_bucket.other"]}})
	denied("no-public-ingress", "aws_s3_bucket.b") with input as stack([good_db, bucket, other, sse])
}

test_unencrypted_volume_denied if {
	lt := res("aws_launch_template", "lt", {"block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {"encrypted": "false"}}]})
	denied("encryption", "aws_launch_template.lt") with input as stack([good_db, lt])
}

test_unencrypted_topic_log_group_table_and_unrotated_key_denied if {
	inp := stack([
		good_db,
		res("aws_sns_topic", "t", {}),
		res("aws_cloudwatch_log_group", "l", {}),
		res("aws_dynamodb_table", "d", {"deletion_protection_enabled": true}),
		res("aws_kms_key", "k", {"enable_key_rotation": false}),
	])
	denied("encryption", "aws_sns_topic.t") with input as inp
	denied("encryption", "aws_cloudwatch_log_group.l") with input as inp
	denied("encryption", "aws_dynamodb_table.d") with input as inp
	denied("encryption", "aws_kms_key.k") with input as inp
}

test_unknown_key_in_a_plan_is_not_a_violation if {
	t := object.union(res("aws_sns_topic", "t", {}), {"unknown": {"kms_master_key_id": true}})
	count(deny) == 0 with input as stack([good_db, t])
}

test_missing_default_tags_denied if {
	inp := set(stack([good_db]), "default_tags", {"Project": "stratum", "Environment": "prod"})
	denied("required-tags", "provider.aws") with input as inp
}

test_client_stack_needs_its_client_tags if {
	inp := object.union(stack([good_db]), {"layer": "client", "stack": "client-acme-prod"})
	denied("required-tags", "provider.aws") with input as inp
}

test_plan_resource_without_tags_denied if {
	r := res("aws_sns_topic", "t", {"kms_master_key_id": "k", "tags_all": {"Project": "stratum"}})
	inp := object.union(stack([good_db, r]), {"source": "plan"})
	denied("required-tags", "aws_sns_topic.t") with input as inp
}

test_wrong_environment_tag_denied if {
	r := object.union(res("aws_sns_topic", "t", {"kms_master_key_id": "k"}), {"tags": {"Environment": "dev"}})
	denied("required-tags", "aws_sns_topic.t") with input as stack([good_db, r])
}

test_another_clients_resource_denied if {
	other := object.union(good_db, {"address": "aws_db_instance.other", "tags": {"Environment": "prod", "Client": "globex"}})
	denied("one-client-per-state", "aws_db_instance.other") with input as stack([good_db, other])
}

test_untagged_data_store_in_a_client_stack_denied if {
	untagged := set(bucket, "tags", {"Environment": "prod"})
	denied("one-client-per-state", "aws_s3_bucket.b") with input as stack([good_db, untagged, pab, sse])
}

test_database_outside_a_database_stack_denied if {
	inp := object.union(stack([good_db]), {"layer": "foundation", "stack": "foundation-prod", "client": ""})
	denied("one-client-per-state", "aws_db_instance.db") with input as inp
}

irsa_trust(conditions) := [{
	"sid": "ServiceAccountWebIdentity", "effect": "Allow", "actions": ["sts:AssumeRoleWithWebIdentity"],
	"principals": [{"type": "Federated", "identifiers": ["${data.aws_ssm_parameter.oidc-provider-arn.insecure_value}"]}],
	"conditions": conditions,
}]

aud := {"test": "StringEquals", "variable": "${data.aws_ssm_parameter.oidc-issuer.insecure_value}:aud", "values": ["sts.amazonaws.com"]}

sub := {"test": "StringEquals", "variable": "${data.aws_ssm_parameter.oidc-issuer.insecure_value}:sub", "values": ["system:serviceaccount:acme:web"]}

role(conditions) := object.union(res("aws_iam_role", "r", {}), {"trust": irsa_trust(conditions)})

test_pinned_irsa_trust_passes if {
	count(deny) == 0 with input as stack([good_db, role([aud, sub])])
}

test_irsa_trust_without_sub_denied if {
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, role([aud])])
}

test_irsa_trust_without_aud_denied if {
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, role([sub])])
}

test_irsa_trust_with_a_wildcard_subject_denied if {
	like := object.union(sub, {"test": "StringLike", "values": ["system:serviceaccount:acme:*"]})
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, role([aud, like])])
}

test_irsa_trust_of_two_service_accounts_denied if {
	two := object.union(sub, {"values": ["system:serviceaccount:acme:web", "system:serviceaccount:globex:web"]})
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, role([aud, two])])
}

test_irsa_trust_without_conditions_denied if {
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, role([])])
}

test_ci_trust_is_not_irsa if {
	ci := [{"test": "StringLike", "variable": "token.actions.githubusercontent.com:sub", "values": ["repo:o/r:pull_request:ref:refs/pull/*"]}]
	count(deny) == 0 with input as stack([good_db, role(ci)])
}

test_unreadable_trust_denied if {
	r := object.union(res("aws_iam_role", "r", {}), {"trust_unreadable": true})
	denied("irsa-trust-pinned", "aws_iam_role.r") with input as stack([good_db, r])
}

planned(r, actions) := object.union(r, {"actions": actions})

test_destroy_in_production_denied if {
	inp := object.union(stack([planned(good_db, ["delete"])]), {"source": "plan"})
	denied("no-destroy-in-production", "aws_db_instance.db") with input as inp
}

test_replacement_in_production_denied if {
	inp := object.union(stack([planned(good_db, ["delete", "create"])]), {"source": "plan"})
	denied("no-destroy-in-production", "aws_db_instance.db") with input as inp
}

test_destroy_allowed_by_its_stack_label if {
	inp := object.union(stack([planned(good_db, ["delete"])]), {"source": "plan", "labels": ["allow-destroy:database-acme-prod"]})
	count(deny) == 0 with input as inp
}

test_label_of_another_stack_does_not_allow if {
	inp := object.union(stack([planned(good_db, ["delete"])]), {"source": "plan", "labels": ["allow-destroy:database-globex-prod"]})
	denied("no-destroy-in-production", "aws_db_instance.db") with input as inp
}

test_destroy_outside_production_warns if {
	inp := object.union(stack([planned(good_db, ["delete"])]), {"source": "plan", "production": false, "environment": "dev"})
	not denied("no-destroy-in-production", "aws_db_instance.db") with input as inp
	warnings := warn with input as inp
	some w in warnings
	w.rule == "destroy"
}
