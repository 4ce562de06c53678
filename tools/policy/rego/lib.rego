# Helpers shared by Stratum's policies. The input is one stack, normalized
# by the Go package stratum/policy from either its synthesized
# configuration (cdk.tf.json: what make test checks) or the JSON of its
# plan (terraform show -json: what the pull-request pipelines check), so
# every rule reads one shape:
#
#   stack, environment, production, layer, client   the stack and its place
#   source                                          "configuration" or "plan"
#   labels                                          the pull request's labels (plans only)
#   ci_issuers                                      the CI platforms' OIDC issuers
#   default_tags                                    the AWS provider's default tags (configuration)
#   resources[]: address, type, mode ("managed"/"data"), values,
#                tags (effective: default tags and the resource's own),
#                refs (attribute -> addresses it refers to), actions (plans),
#                trust (an IAM role's trust statements, normalized),
#                lifecycle (configuration)
package main

# managed are the stack's resources (not its data sources).
managed contains r if {
	some r in input.resources
	r.mode == "managed"
}

# resources_of(type) are the managed resources of one type.
resources_of(t) := {r | some r in managed; r.type == t}

# blocks(x) is a nested block as a list: cdk.tf.json writes a single block
# as an object, terraform show -json always as a list.
blocks(x) := x if is_array(x)

blocks(x) := [x] if is_object(x)

blocks(x) := [] if {
	not is_array(x)
	not is_object(x)
}

# truthy(v): true, or cdktf's "true" (a boolean inside a block rendered as a string).
truthy(v) if v == true

truthy(v) if v == "true"

# refers(r, attr, target): r's attribute attr refers to resource target.
refers(r, attr, target) if {
	some a in r.refs[attr]
	a == target.address
}

# violation builds the object every deny and warn rule returns: the rule
# that failed, the address it failed on and what is wrong (conftest reads
# msg).
violation(rule, address, msg) := {"rule": rule, "address": address, "msg": msg}

# destroys(r): the plan destroys r (a delete, or a replacement).
destroys(r) if "delete" in r.actions
