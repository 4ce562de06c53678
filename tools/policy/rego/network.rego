# No public ingress: nothing Stratum creates accepts traffic from the whole
# internet. Load balancers are created in the cluster by the AWS Load
# Balancer Controller, never by Terraform.
package main

open_cidrs := {"0.0.0.0/0", "::/0"}

deny contains violation("no-public-ingress", r.address, sprintf("security group ingress rule from %s", [cidr])) if {
	some r in resources_of("aws_vpc_security_group_ingress_rule")
	some cidr in [object.get(r.values, "cidr_ipv4", ""), object.get(r.values, "cidr_ipv6", "")]
	cidr in open_cidrs
}

deny contains violation("no-public-ingress", r.address, sprintf("inline ingress from %s", [cidr])) if {
	some r in resources_of("aws_security_group")
	some rule in blocks(object.get(r.values, "ingress", []))
	some cidr in array.concat(object.get(rule, "cidr_blocks", []), object.get(rule, "ipv6_cidr_blocks", []))
	cidr in open_cidrs
}

deny contains violation("no-public-ingress", r.address, sprintf("ingress rule from %s", [cidr])) if {
	some r in resources_of("aws_security_group_rule")
	r.values.type == "ingress"
	some cidr in array.concat(object.get(r.values, "cidr_blocks", []), object.get(r.values, "ipv6_cidr_blocks", []))
	cidr in open_cidrs
}

deny contains violation("no-public-ingress", r.address, "the database is publicly accessible") if {
	some r in resources_of("aws_db_instance")
	truthy(object.get(r.values, "publicly_accessible", false))
}

# The cluster's public endpoint, where an environment opens it at all,
# admits listed ranges only (the provider's default is 0.0.0.0/0).
deny contains violation("no-public-ingress", r.address, msg) if {
	some r in resources_of("aws_eks_cluster")
	some vpc in blocks(object.get(r.values, "vpc_config", []))
	truthy(object.get(vpc, "endpoint_public_access", true))
	cidrs := object.get(vpc, "public_access_cidrs", [])
	open := [c | some c in cidrs; c in open_cidrs]
	count(open) + count([1 | count(cidrs) == 0]) > 0
	msg := sprintf("the cluster's public endpoint admits %v (list the ranges that need it)", [cidrs])
}

# Every bucket blocks public access, all four settings on.
deny contains violation("no-public-ingress", b.address, "the bucket has no public access block with all four settings on") if {
	some b in resources_of("aws_s3_bucket")
	not public_access_blocked(b)
}

public_access_blocked(b) if {
	some p in resources_of("aws_s3_bucket_public_access_block")
	refers(p, "bucket", b)
	every k in ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] {
		truthy(object.get(p.values, k, false))
	}
}
