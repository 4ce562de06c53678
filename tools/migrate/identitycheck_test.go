package migrate_test

import (
	"os"
	"strings"
	"testing"

	"stratum/tools/migrate"
)

// TestMappedIdentity checks hand-mapped moves against their
// destination's identity (issue 19: two swapped subnets planned with no
// warning): a contradiction is an error with both values and nothing
// written; -force-identity moves it anyway, recorded in the ledger, the
// journal and the table; an override of nothing is an error.
func TestMappedIdentity(t *testing.T) {
	t.Parallel()
	// The monolith's database subnets are module.vpc.aws_subnet.database[0…2]
	// (10.10.8.0/24, 10.10.9.0/24, 10.10.10.0/24 in us-east-1a, b, c).
	swap := `{"moves": [
  {"from": "module.vpc.aws_subnet.database[0]", "to": "foundation-prod:aws_subnet.network_database-us-east-1b_57B7B5D7"},
  {"from": "module.vpc.aws_subnet.database[1]", "to": "foundation-prod:aws_subnet.network_database-us-east-1a_2E3C9D8A"},
  {"from": "module.eks.aws_eks_access_entry.admin", "to": "platform-prod:aws_eks_access_entry.cluster_admin-deployer-services_9E4C06BA"},
  {"from": "aws_instance.bastion", "action": "retire"},
  {"from": "aws_security_group.load_balancers", "action": "retire"},
  {"from": "aws_security_group.databases", "action": "retire"}
]}`
	e := newEnv(t, "fake")
	syn, err := migrate.ReadSynthesis(e.synthesis)
	if err != nil {
		t.Fatal(err)
	}
	// The destinations' names carry a hash: find them by CIDR.
	found := syn.Stacks["foundation-prod"]
	for addr, r := range found.Resources {
		if r.Type != "aws_subnet" {
			continue
		}
		switch r.Body["cidr_block"] {
		case "10.10.8.0/24":
			swap = strings.Replace(swap, "aws_subnet.network_database-us-east-1a_2E3C9D8A", addr, 1)
		case "10.10.9.0/24":
			swap = strings.Replace(swap, "aws_subnet.network_database-us-east-1b_57B7B5D7", addr, 1)
		}
	}
	if err := os.WriteFile(e.flags[1], []byte(swap), 0o644); err != nil {
		t.Fatal(err)
	}
	e.flags = e.flags[:4] // no -force-identity yet
	code, _, errs := e.run("plan")
	for _, want := range []string{
		`moves[0] (from "module.vpc.aws_subnet.database[0]"): module.vpc.aws_subnet.database[0] contradicts the identity of foundation-prod:`,
		"cidr_block: the destination declares 10.10.9.0/24, the object has 10.10.8.0/24",
		"cidr_block: the destination declares 10.10.8.0/24, the object has 10.10.9.0/24",
		"principal_arn: the destination declares arn:aws:iam::111111111111:role/stratum-ci/stratum-prod-services-deploy, the object has arn:aws:iam::111111111111:role/stratum-deployer",
		"pass -force-identity module.vpc.aws_subnet.database[0] to move it anyway",
	} {
		if code != 1 || !strings.Contains(errs, want) {
			t.Errorf("plan with swapped subnets: exit %d, want 1 and %q in:\n%s", code, want, errs)
		}
	}
	if _, err := os.Stat(e.dir + "/plan.json"); err == nil {
		t.Error("a plan.json was written despite the contradiction")
	}

	force := []string{"-force-identity", "module.vpc.aws_subnet.database[0]", "-force-identity", "module.vpc.aws_subnet.database[1]", "-force-identity", "module.eks.aws_eks_access_entry.admin"}
	e.flags = append(e.flags, force...)
	l := ledger(t, e.mustRun(2, "plan", "-json"))
	sub := entry(t, l, "module.vpc.aws_subnet.database[0]")
	if sub.IdentityCheck != migrate.IdentityForced || !strings.Contains(sub.Reason, "10.10.9.0/24") {
		t.Errorf("forced subnet entry: check %q reason %q, want forced with both values", sub.IdentityCheck, sub.Reason)
	}
	if auto := entry(t, l, "module.vpc.aws_subnet.database[2]"); auto.IdentityCheck != migrate.IdentityMatched || auto.Identity["cidr_block"] != "10.10.10.0/24" {
		t.Errorf("automatic subnet entry: check %q identity %v, want matched on its CIDR", auto.IdentityCheck, auto.Identity)
	}
	forced := 0
	for _, r := range logLines(t, e.dir) {
		if r.Step == "forced-identity" {
			forced++
		}
	}
	if forced != 3 {
		t.Errorf("journal: %d forced-identity records, want 3", forced)
	}
	table := e.mustRun(2, "plan")
	if !strings.Contains(table, "FORCED cidr_block=10.10.9.0/24") {
		t.Errorf("plan table lacks the forced row:\n%s", table)
	}
	// Every row of every stack's table names an identity.
	rows := 0
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && (f[2] == "auto" || f[2] == "mapping" || strings.HasPrefix(f[2], "auto,") || strings.HasPrefix(f[2], "mapping,")) {
			rows++
			if len(f) < 4 {
				t.Errorf("plan table row without an identity: %q", line)
			}
		}
	}
	if rows < 100 {
		t.Errorf("found %d move rows in the plan table, want every move", rows)
	}

	e.flags = append(e.flags, "-force-identity", "module.vpc.aws_subnet.database[2]")
	if code, _, errs := e.run("plan"); code != 1 || !strings.Contains(errs, "-force-identity module.vpc.aws_subnet.database[2]: no mapping-file move of that source address contradicts") {
		t.Errorf("an override of nothing: exit %d, %s; want 1 naming it", code, errs)
	}
}
