# Where data lives in production it is hard to lose: databases have
# deletion protection, take a final snapshot and (in the configuration)
# prevent_destroy; the state lock table has deletion protection.
package main

deny contains violation("production-protection", r.address, "deletion_protection is not true in production") if {
	input.production
	some r in resources_of("aws_db_instance")
	not truthy(object.get(r.values, "deletion_protection", false))
}

deny contains violation("production-protection", r.address, "skip_final_snapshot is true in production: destroying it would lose its data") if {
	input.production
	some r in resources_of("aws_db_instance")
	truthy(object.get(r.values, "skip_final_snapshot", false))
}

deny contains violation("production-protection", r.address, "no final_snapshot_identifier in production") if {
	input.production
	some r in resources_of("aws_db_instance")
	object.get(r.values, "final_snapshot_identifier", "") == ""
	not r.unknown.final_snapshot_identifier
}

# The configuration also carries lifecycle.prevent_destroy, which a plan's
# JSON does not show.
deny contains violation("production-protection", r.address, "lifecycle.prevent_destroy is not true in production") if {
	input.production
	input.source == "configuration"
	some r in resources_of("aws_db_instance")
	not truthy(object.get(object.get(r, "lifecycle", {}), "prevent_destroy", false))
}

deny contains violation("production-protection", r.address, "deletion_protection_enabled is not true in production") if {
	input.production
	some r in resources_of("aws_dynamodb_table")
	not truthy(object.get(r.values, "deletion_protection_enabled", false))
}

# No resource is destroyed in production unless the change carries an
# explicit allow label: allow-destroy:<stack> for one stack, allow-destroy
# for every stack of the change. Replacements destroy too.
deny contains violation("no-destroy-in-production", r.address, msg) if {
	input.production
	some r in managed
	destroys(r)
	not destroy_allowed
	msg := sprintf("the plan destroys it (%v); label the pull request allow-destroy:%s if that is intended", [r.actions, input.stack])
}

destroy_allowed if "allow-destroy" in input.labels

destroy_allowed if sprintf("allow-destroy:%s", [input.stack]) in input.labels

# Outside production a destroy is allowed, and said.
warn contains violation("destroy", r.address, sprintf("the plan destroys it (%v)", [r.actions])) if {
	not input.production
	some r in managed
	destroys(r)
}
