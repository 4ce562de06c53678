# One client's data per state: a client's database and client stacks hold
# that client's resources only, and no other stack holds a client's data.
package main

# The stores of a client's data.
data_stores := {"aws_db_instance", "aws_s3_bucket"}

deny contains violation("one-client-per-state", r.address, msg) if {
	some r in managed
	owner := r.tags.Client
	owner != input.client
	msg := sprintf("tagged Client %q in a stack of %s", [owner, stack_owner])
}

stack_owner := sprintf("client %q", [input.client]) if input.client != ""

stack_owner := "no client" if input.client == ""

deny contains violation("one-client-per-state", r.address, sprintf("a %s of no client tag in client %q's stack", [r.type, input.client])) if {
	input.client != ""
	some r in managed
	r.type in data_stores
	not r.tags.Client
}

deny contains violation("one-client-per-state", r.address, "a database outside its client's database stack") if {
	some r in resources_of("aws_db_instance")
	input.layer != "databases"
}
