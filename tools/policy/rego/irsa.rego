# IRSA trust pinned: a role assumed with a web identity token of the
# cluster's OIDC provider admits exactly one service account of one
# namespace, for STS: StringEquals on <issuer>:aud = sts.amazonaws.com and
# on <issuer>:sub = system:serviceaccount:<namespace>:<name>, nothing
# looser. (The CI platforms' trust, on the roles of bootstrap-<env>, is
# proved by evaluating it in the stacks' tests.)
package main

service_account := `^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`

# irsa_statements are the web identity statements of the roles, with
# their role's address.
irsa_statements contains [r.address, st] if {
	some r in resources_of("aws_iam_role")
	some st in r.trust
	irsa(st)
}

deny contains trust_violation(addr, st, "no StringEquals condition on the token's aud = sts.amazonaws.com") if {
	some [addr, st] in irsa_statements
	not pinned_aud(st)
}

deny contains trust_violation(addr, st, "no StringEquals condition on the token's sub") if {
	some [addr, st] in irsa_statements
	count([c | some c in conditions_on(st, "sub"); c.test == "StringEquals"]) == 0
}

deny contains trust_violation(addr, st, sprintf("%s on %s: only StringEquals pins a claim", [c.test, c.variable])) if {
	some [addr, st] in irsa_statements
	some c in array.concat(conditions_on(st, "sub"), conditions_on(st, "aud"))
	c.test != "StringEquals"
}

deny contains trust_violation(addr, st, sprintf("sub %v: want exactly one system:serviceaccount:<namespace>:<name>", [c.values])) if {
	some [addr, st] in irsa_statements
	some c in conditions_on(st, "sub")
	c.test == "StringEquals"
	not one_service_account(c.values)
}

trust_violation(addr, st, problem) := violation("irsa-trust-pinned", addr, sprintf("statement %q: %s", [object.get(st, "sid", ""), problem]))

deny contains violation("irsa-trust-pinned", r.address, "its trust policy cannot be read (assume_role_policy is neither a policy document nor a reference to one)") if {
	some r in resources_of("aws_iam_role")
	r.trust_unreadable
}

irsa(st) if {
	st.effect == "Allow"
	"sts:AssumeRoleWithWebIdentity" in st.actions
	not ci_trust(st)
}

# A CI platform's token: every condition names a CI issuer.
ci_trust(st) if {
	count(st.conditions) > 0
	every c in st.conditions {
		issuer(c.variable) in input.ci_issuers
	}
}

issuer(variable) := substring(variable, 0, i) if {
	i := indexof_last(variable, ":")
	i > 0
}

indexof_last(s, c) := n - 1 - indexof(strings.reverse(s), c) if {
	n := count(s)
	indexof(s, c) >= 0
}

conditions_on(st, claim) := [c | some c in st.conditions; endswith(c.variable, concat("", [":", claim]))]

pinned_aud(st) if {
	some c in conditions_on(st, "aud")
	c.test == "StringEquals"
	c.values == ["sts.amazonaws.com"]
}

one_service_account(values) if {
	count(values) == 1
	regex.match(service_account, values[0])
}
