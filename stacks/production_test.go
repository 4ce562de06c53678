package stacks

import (
	"fmt"
	"slices"
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/configtest"
	"stratum/testkit/testenv"
)

// TestProductionProtections: the synthesized stacks of every production
// environment of the real configuration carry every production protection
// (TestSecondProductionEnvironment checks one never named in code). A
// non-production environment lacks them, so the checker can fail.
func TestProductionProtections(t *testing.T) {
	s := defaultSynth(t)
	for _, env := range config.Environments() {
		problems := productionProblems(t, s, env, clients.Tenancies(clients.All, env))
		switch {
		case env.Production && len(problems) > 0:
			t.Errorf("%s is production but lacks protections:\n%v", env.Name, problems)
		case !env.Production && env.Name == "staging" && len(problems) == 0:
			t.Errorf("staging is not production, yet the checker finds every production protection: it cannot fail")
		}
	}
}

// TestSecondProductionEnvironment: a second production environment
// (prod-eu), never named in code, with a client, carries every production
// protection too.
func TestSecondProductionEnvironment(t *testing.T) {
	testenv.Long(t, "synthesizes a second production environment")
	second := configtest.SecondProduction(config.Environments())
	client := clients.Client{
		Name: "acme", DisplayName: "Acme", CostCentre: "cc-1999",
		Environments: []clients.Environment{{Name: second.Name}},
		Buckets:      []clients.Bucket{{Name: "data"}},
		Applications: []clients.Application{{Name: "api", Buckets: map[string]clients.Access{"data": clients.ReadWrite}, Database: true}},
	}
	eu := synth(t, []config.Environment{second}, []clients.Client{client})
	if problems := productionProblems(t, eu, second, clients.Tenancies([]clients.Client{client}, second)); len(problems) > 0 {
		t.Errorf("%s is production but lacks protections:\n%v", second.Name, problems)
	}
}

// productionProblems lists the production protections that env's stacks
// in s lack: the account pin on every provider, the customer-managed
// state key, a NAT gateway per zone, locked backup vaults with copies in a
// second region, a hosted zone that cannot be destroyed, retained volumes, and client databases that are Multi-AZ, deletion-protected,
// guarded by prevent_destroy (with their keys), kept with a final
// snapshot and backed up at least ProductionMinBackupRetentionDays.
func productionProblems(t *testing.T, s *synthesized, env config.Environment, tenancies []clients.Tenancy) []string {
	t.Helper()
	var out []string
	problem := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, name := range StackNames(env, tenancies) {
		j := s.stack(t, name)
		// Every AWS provider configuration (foundation has one per region).
		for _, aws := range jsonList(jsonObject(j["provider"])["aws"]) {
			if ids := jsonStrings(jsonObject(aws)["allowed_account_ids"]); !slices.Equal(ids, []string{env.AccountID}) || env.AccountID == "" {
				problem("%s: allowed_account_ids %v, want the production account", name, ids)
			}
		}
		if name == contract.Bootstrap.StackName(env.Name, "") {
			continue
		}
		if backend := jsonObject(jsonObject(j["terraform"])["backend"])["s3"]; jsonObject(backend)["kms_key_id"] != env.StateKeyAliasARN() {
			problem("%s: backend kms_key_id %v, want the state key %s", name, jsonObject(backend)["kms_key_id"], env.StateKeyAliasARN())
		}
	}

	foundation := s.stack(t, contract.Foundation.StackName(env.Name, ""))
	if n, zones := len(foundation.resources("aws_nat_gateway")), len(env.Network.AvailabilityZones); n != zones {
		problem("foundation-%s: %d NAT gateways for %d zones, want one per zone", env.Name, n, zones)
	}
	for addr, v := range foundation.mustResources(t, "aws_backup_vault") {
		if jsonObject(v["lifecycle"])["prevent_destroy"] != true {
			problem("foundation-%s: backup vault %s without prevent_destroy", env.Name, addr)
		}
	}
	if len(foundation.resources("aws_backup_vault_lock_configuration")) != len(foundation.resources("aws_backup_vault")) {
		problem("foundation-%s: a backup vault not locked", env.Name)
	}
	for _, p := range foundation.resources("aws_backup_plan") {
		if len(jsonList(jsonObject(p["rule"])["copy_action"])) == 0 {
			problem("foundation-%s: recovery points not copied to a second region", env.Name)
		}
	}
	for addr, z := range s.stack(t, contract.Platform.StackName(env.Name, "")).mustResources(t, "aws_route53_zone") {
		if jsonObject(z["lifecycle"])["prevent_destroy"] != true {
			problem("platform-%s: hosted zone %s without prevent_destroy", env.Name, addr)
		}
	}
	for addr, sc := range s.stack(t, contract.Services.StackName(env.Name, "")).mustResources(t, "kubernetes_storage_class_v1") {
		if sc["reclaim_policy"] != "Retain" {
			problem("services-%s: storage class %s reclaims %v, want Retain", env.Name, addr, sc["reclaim_policy"])
		}
	}

	if len(tenancies) == 0 {
		t.Fatalf("no client in %s: the database protections would be checked on nothing", env.Name)
	}
	for _, tn := range tenancies {
		where := contract.Databases.StackName(env.Name, tn.Client.Name)
		databases := s.stack(t, where)
		_, inst := only(t, "instances of "+tn.Client.Name, owned(databases, "aws_db_instance", tn.Client.Name))
		for attr, want := range map[string]any{"multi_az": true, "deletion_protection": true, "skip_final_snapshot": false} {
			if inst[attr] != want {
				problem("%s: %s = %v, want %v", where, attr, inst[attr], want)
			}
		}
		if inst["final_snapshot_identifier"] == nil {
			problem("%s: no final snapshot identifier", where)
		}
		if r, _ := inst["backup_retention_period"].(float64); r < config.ProductionMinBackupRetentionDays {
			problem("%s: backup_retention_period %v, want at least %d", where, r, config.ProductionMinBackupRetentionDays)
		}
		for path, guarded := range preventDestroy(t, databases, tn.Client.Name, inst) {
			if !guarded {
				problem("%s: %s without prevent_destroy", where, path)
			}
		}
	}
	return out
}
