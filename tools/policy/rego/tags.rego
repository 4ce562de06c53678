# Required tags: every resource says what it is part of, so that cost,
# ownership and the deploy roles' tag conditions work. In the
# configuration they come from the stack's AWS provider default tags; in a
# plan every taggable resource shows them in tags_all.
package main

required_tags := {"Project", "ManagedBy", "Environment", "Layer"}

# Client stacks also say whose they are and who pays.
required_client_tags := {"Client", "CostCentre"}

deny contains violation("required-tags", "provider.aws", sprintf("the AWS provider's default tags lack %v", [sort(missing)])) if {
	input.source == "configuration"
	missing := required_tags - object.keys(input.default_tags)
	count(missing) > 0
}

deny contains violation("required-tags", "provider.aws", sprintf("the client stack's default tags lack %v", [sort(missing)])) if {
	input.source == "configuration"
	input.layer == "client"
	missing := required_client_tags - object.keys(input.default_tags)
	count(missing) > 0
}

deny contains violation("required-tags", r.address, sprintf("tags_all lacks %v", [sort(missing)])) if {
	input.source == "plan"
	some r in managed
	is_object(r.values.tags_all)
	missing := required_tags - object.keys(r.values.tags_all)
	count(missing) > 0
}

deny contains violation("required-tags", r.address, sprintf("tag Environment is %q, not %q", [r.tags.Environment, input.environment])) if {
	some r in managed
	r.tags.Environment != input.environment
}
