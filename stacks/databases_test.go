package stacks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"stratum/awsrules"
	"stratum/clients"
	"stratum/config"
	"stratum/contract"
	"stratum/testkit/clientstest"
	"stratum/testkit/testenv"
)

// constructPath is the construct path cdktf records for a resource
// ("database-ezra-prod/ezra/instance").
func constructPath(res map[string]any) string {
	meta, _ := res["//"].(map[string]any)
	md, _ := meta["metadata"].(map[string]any)
	path, _ := md["path"].(string)
	return path
}

// owner is the client a database stack's resource belongs to: the first
// construct under the stack in its path ("database-ezra-prod/ezra/instance";
// the client's name, as when one stack held every client's database).
func owner(res map[string]any) string {
	parts := strings.Split(constructPath(res), "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[1]
}

// owned returns the resources of typ that belong to client.
func owned(j tfJSON, typ, client string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for addr, r := range j.resources(typ) {
		if owner(r) == client {
			out[addr] = r
		}
	}
	return out
}

// only returns the single element of m or fails.
func only(t *testing.T, what string, m map[string]map[string]any) (string, map[string]any) {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("got %d %s, want 1", len(m), what)
	}
	for k, v := range m {
		return k, v
	}
	return "", nil
}

// clientDatabases runs f for every client database of every environment
// of the onboarded synthesis: the real clients' and the newcomer's, so
// that every environment has one whatever the real slice holds.
func clientDatabases(t *testing.T, f func(t *testing.T, tn clients.Tenancy, j tfJSON, instance map[string]any, addr string)) {
	s, all := onboarded(t)
	runs := 0
	defer func() {
		if runs == 0 {
			t.Error("no client database: the checks ran on nothing")
		}
	}()
	for _, env := range config.Environments() {
		for _, tn := range clients.Tenancies(all, env) {
			runs++
			j := s.stack(t, contract.Databases.StackName(env.Name, tn.Client.Name))
			t.Run(env.Name+"/"+tn.Client.Name, func(t *testing.T) {
				addr, inst := only(t, "instances of "+tn.Client.Name, owned(j, "aws_db_instance", tn.Client.Name))
				f(t, tn, j, inst, addr)
			})
		}
	}
}

// TestDatabaseStackPerClient: every environment has exactly one database
// stack per client in it, database-<client>-<env>, depending on the
// foundation only; each holds one instance, its client's, sized by the
// environment and the client's override, and nothing of another client.
func TestDatabaseStackPerClient(t *testing.T) {
	s := defaultSynth(t)
	want := map[string]config.Environment{}
	for _, env := range config.Environments() {
		for _, tn := range clients.Tenancies(clients.All, env) {
			want[contract.Databases.StackName(env.Name, tn.Client.Name)] = env
		}
	}
	for _, name := range s.names() {
		if _, ok := want[name]; strings.HasPrefix(name, "database") && !ok {
			t.Errorf("database stack %s, but it is no client's in any environment", name)
		}
	}
	for name, env := range want {
		if got := s.deps[name]; !slices.Equal(got, []string{contract.Foundation.StackName(env.Name, "")}) {
			t.Errorf("%s depends on %v, want only the foundation", name, got)
		}
	}
	clientDatabases(t, func(t *testing.T, tn clients.Tenancy, j tfJSON, inst map[string]any, _ string) {
		if got, want := inst["identifier"], tn.Names.DatabaseIdentifier; got != want {
			t.Errorf("identifier = %v, want %s", got, want)
		}
		for _, p := range foreignResources(j, tn) {
			t.Error(p)
		}
	})
	clientDatabases(t, func(t *testing.T, tn clients.Tenancy, j tfJSON, inst map[string]any, _ string) {
		db := tn.Database
		checks := map[string]any{
			"engine":                  "postgres",
			"engine_version":          db.EngineVersion,
			"instance_class":          db.InstanceClass,
			"allocated_storage":       float64(db.AllocatedStorageGiB),
			"max_allocated_storage":   float64(db.MaxAllocatedStorageGiB),
			"backup_retention_period": float64(db.BackupRetentionDays),
			"backup_window":           db.BackupWindow,
			"maintenance_window":      db.MaintenanceWindow,
			"db_name":                 tn.Names.DatabaseName,
		}
		for k, want := range checks {
			if inst[k] != want {
				t.Errorf("%s = %v, want %v", k, inst[k], want)
			}
		}
	})
}

// TestClientOverridesDatabaseSize: a client's database override reaches
// its instance and no other, in the environment where the newcomer
// overrides its class (clientstest.Newcomer: the first one), for every
// client of the onboarded synthesis.
func TestClientOverridesDatabaseSize(t *testing.T) {
	s, all := onboarded(t)
	c, env := all[len(all)-1], config.Environments()[0]
	if c.Environments[0].Name != env.Name || c.Environments[0].Database == nil || c.Environments[0].Database.InstanceClass == env.Database.InstanceClass {
		t.Fatalf("the newcomer does not override its database class in %s: the test checks nothing", env.Name)
	}
	for _, tn := range clients.Tenancies(all, env) {
		want := env.Database.InstanceClass
		for _, ce := range tn.Client.Environments {
			if ce.Name == env.Name && ce.Database != nil && ce.Database.InstanceClass != "" {
				want = ce.Database.InstanceClass
			}
		}
		name := contract.Databases.StackName(env.Name, tn.Client.Name)
		if _, inst := only(t, "instances in "+name, s.stack(t, name).resources("aws_db_instance")); inst["instance_class"] != want {
			t.Errorf("%s: instance_class = %v, want %s", name, inst["instance_class"], want)
		}
	}
}

// foreignResources lists the resources of tn's database stack that are
// not tn's client's: every resource must be under the client's construct
// (its name, the construct id of its database) or be one of its own
// parameters (/stratum/<env>/databases/<client>/…).
func foreignResources(j tfJSON, tn clients.Tenancy) []string {
	var out []string
	own := contract.Databases.ParameterPrefix(contract.At{Env: tn.Env.Name, Client: tn.Client.Name})
	byType, _ := j["resource"].(map[string]any)
	for _, typ := range slices.Sorted(maps.Keys(byType)) {
		for addr, r := range j.resources(typ) {
			switch {
			case owner(r) == tn.Client.Name:
			case typ == "aws_ssm_parameter" && strings.HasPrefix(fmt.Sprint(r["name"]), own):
			default:
				out = append(out, fmt.Sprintf("%s.%s (%s) is not %s's", typ, addr, constructPath(r), tn.Client.Name))
			}
		}
	}
	return out
}

// TestForeignResourcesFindsOtherClients proves foreignResources finds a
// resource or a parameter of another client in a database stack.
func TestForeignResourcesFindsOtherClients(t *testing.T) {
	s, c := onboardedSynth(t)
	env := config.Environments()[0]
	tn, ok := c.In(env)
	if !ok {
		t.Fatalf("%s is not in %s", c.Name, env.Name)
	}
	name := contract.Databases.StackName(env.Name, tn.Client.Name)
	j := s.stack(t, name)
	if p := foreignResources(j, tn); len(p) != 0 {
		t.Fatalf("the real stack has foreign resources: %v", p)
	}
	other := clientstest.Unknown
	for name, plant := range map[string]func(j tfJSON){
		"another client's instance": func(j tfJSON) {
			j.set("resource", "aws_db_instance", "other_instance_1", map[string]any{"//": map[string]any{"metadata": map[string]any{"path": name + "/" + other + "/instance"}}})
		},
		"another client's parameter": func(j tfJSON) {
			j.set("resource", "aws_ssm_parameter", "param-databases-other-endpoint", map[string]any{"name": contract.DatabaseEndpoint.Name(contract.At{Env: env.Name, Client: other}),
				"//": map[string]any{"metadata": map[string]any{"path": name + "/param-databases-other-endpoint"}}})
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := tfJSON(deepCopy(map[string]any(j)).(map[string]any))
			plant(c)
			if p := foreignResources(c, tn); len(p) != 1 {
				t.Errorf("found %v, want the planted resource", p)
			}
		})
	}
}

// TestDatabaseDataIsHardToLose: every instance has the deletion
// protection, final snapshot, prevent_destroy and windows its environment
// configures (TestProductionProtections checks what production demands).
func TestDatabaseDataIsHardToLose(t *testing.T) {
	clientDatabases(t, func(t *testing.T, tn clients.Tenancy, j tfJSON, inst map[string]any, _ string) {
		env, c := tn.Env, tn.Client
		id := inst["identifier"].(string)
		if inst["deletion_protection"] != env.DeletionProtection {
			t.Errorf("deletion_protection = %v, want %t", inst["deletion_protection"], env.DeletionProtection)
		}
		keep := !env.Database.SkipFinalSnapshot
		if inst["skip_final_snapshot"] != !keep || inst["delete_automated_backups"] != !keep {
			t.Errorf("skip_final_snapshot = %v, delete_automated_backups = %v, want %t", inst["skip_final_snapshot"], inst["delete_automated_backups"], !keep)
		}
		if keep {
			// Stable (no timestamp or other expression) and unique (the
			// identifier is unique in the account and region).
			if got, want := inst["final_snapshot_identifier"], id+"-final"; got != want {
				t.Errorf("final_snapshot_identifier = %v, want %s", got, want)
			}
		} else if _, ok := inst["final_snapshot_identifier"]; ok {
			t.Errorf("final_snapshot_identifier set although the final snapshot is skipped")
		}

		for path, got := range preventDestroy(t, j, c.Name, inst) {
			if got != env.Database.PreventDestroy {
				t.Errorf("%s: prevent_destroy = %t, want %t", path, got, env.Database.PreventDestroy)
			}
		}
		if inst["multi_az"] != env.Database.MultiAZ {
			t.Errorf("multi_az = %v, want %t", inst["multi_az"], env.Database.MultiAZ)
		}
		overlap, err := awsrules.WindowsOverlap(inst["backup_window"].(string), inst["maintenance_window"].(string))
		if err != nil || overlap {
			t.Errorf("backup window %v and maintenance window %v overlap (err %v)", inst["backup_window"], inst["maintenance_window"], err)
		}
	})
}

// preventDestroy says, by construct path, whether the client's instance and
// each of its keys (a destroyed key makes every snapshot unreadable) have
// lifecycle prevent_destroy.
func preventDestroy(t *testing.T, j tfJSON, client string, inst map[string]any) map[string]bool {
	t.Helper()
	keys := owned(j, "aws_kms_key", client)
	if len(keys) != 2 {
		t.Errorf("client %s has %d keys in its database stack, want 2 (storage, secret)", client, len(keys))
	}
	out := map[string]bool{}
	for _, r := range append([]map[string]any{inst}, slices.Collect(maps.Values(keys))...) {
		lc, _ := r["lifecycle"].(map[string]any)
		out[constructPath(r)] = lc["prevent_destroy"] == true
	}
	return out
}

// TestDatabaseIsSecure checks encryption, credentials, network exposure,
// TLS and monitoring of every instance.
func TestDatabaseIsSecure(t *testing.T) {
	clientDatabases(t, func(t *testing.T, tn clients.Tenancy, j tfJSON, inst map[string]any, addr string) {
		env, c := tn.Env, tn.Client
		want := map[string]any{
			"storage_encrypted":                     true,
			"storage_type":                          "gp3",
			"manage_master_user_password":           true,
			"publicly_accessible":                   false,
			"iam_database_authentication_enabled":   true,
			"ca_cert_identifier":                    "rds-ca-rsa2048-g1",
			"copy_tags_to_snapshot":                 true,
			"auto_minor_version_upgrade":            true,
			"performance_insights_enabled":          true,
			"performance_insights_retention_period": float64(7),
			"monitoring_interval":                   float64(60),
		}
		for k, v := range want {
			if inst[k] != v {
				t.Errorf("%s = %v, want %v", k, inst[k], v)
			}
		}
		if _, ok := inst["password"]; ok {
			t.Error("a master password is in the configuration")
		}
		if inst["max_allocated_storage"].(float64) <= inst["allocated_storage"].(float64) {
			t.Errorf("storage autoscaling off: max_allocated_storage %v <= allocated_storage %v", inst["max_allocated_storage"], inst["allocated_storage"])
		}

		// The client's own keys: one for storage, Performance Insights
		// and logs, another only for the credentials secret.
		keys := owned(j, "aws_kms_key", c.Name)
		keyOf := func(attr string) string {
			for a := range keys {
				if inst[attr] == tfExpr("aws_kms_key", a, "arn") {
					return a
				}
			}
			t.Errorf("%s = %v, not an ARN of one of %s's keys", attr, inst[attr], c.Name)
			return ""
		}
		storage, secret := keyOf("kms_key_id"), keyOf("master_user_secret_kms_key_id")
		if pi := keyOf("performance_insights_kms_key_id"); pi != storage {
			t.Errorf("Performance Insights key %s, want the storage key %s", pi, storage)
		}
		if storage == secret {
			t.Errorf("storage and secret share key %s", storage)
		}
		for a, k := range keys {
			if k["enable_key_rotation"] != true {
				t.Errorf("key %s: rotation off", a)
			}
		}

		logs := owned(j, "aws_cloudwatch_log_group", c.Name)
		exports := fmt.Sprint(inst["enabled_cloudwatch_logs_exports"])
		if exports != "[postgresql upgrade]" {
			t.Errorf("enabled_cloudwatch_logs_exports = %s, want [postgresql upgrade]", exports)
		}
		for _, log := range []string{"postgresql", "upgrade"} {
			name := fmt.Sprintf("/aws/rds/instance/%s/%s", inst["identifier"], log)
			found := false
			for _, g := range logs {
				if g["name"] == name {
					found = true
					if g["kms_key_id"] != tfExpr("aws_kms_key", storage, "arn") || g["retention_in_days"] != float64(env.LogRetentionDays) {
						t.Errorf("log group %s: kms_key_id %v, retention %v", name, g["kms_key_id"], g["retention_in_days"])
					}
				}
			}
			if !found {
				t.Errorf("no log group %s: RDS would create it unencrypted, kept forever", name)
			}
		}

		// Enhanced monitoring role, trusted by RDS monitoring for this
		// instance only.
		roleAddr, role := only(t, "monitoring roles", owned(j, "aws_iam_role", c.Name))
		if inst["monitoring_role_arn"] != tfExpr("aws_iam_role", roleAddr, "arn") {
			t.Errorf("monitoring_role_arn = %v, want role %s", inst["monitoring_role_arn"], roleAddr)
		}
		_, att := only(t, "monitoring policy attachments", owned(j, "aws_iam_role_policy_attachment", c.Name))
		if !strings.HasSuffix(att["policy_arn"].(string), ":iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole") ||
			att["role"] != tfExpr("aws_iam_role", roleAddr, "name") {
			t.Errorf("monitoring policy attachment %v", att)
		}
		doc, _, _ := j.resolve(t, role["assume_role_policy"])
		trust := fmt.Sprint(doc)
		for _, s := range []string{"monitoring.rds.amazonaws.com", "aws:SourceAccount", "aws:SourceArn", ":db:" + inst["identifier"].(string)} {
			if !strings.Contains(trust, s) {
				t.Errorf("monitoring trust policy lacks %q: %s", s, trust)
			}
		}

		// TLS only, slow statements logged, family matching the version.
		pgAddr, pg := only(t, "parameter groups", owned(j, "aws_db_parameter_group", c.Name))
		if inst["parameter_group_name"] != tfExpr("aws_db_parameter_group", pgAddr, "name") {
			t.Errorf("parameter_group_name = %v", inst["parameter_group_name"])
		}
		major, _, _ := strings.Cut(inst["engine_version"].(string), ".")
		if pg["family"] != "postgres"+major {
			t.Errorf("family = %v, want postgres%s", pg["family"], major)
		}
		set := map[string]string{}
		for _, p := range pg["parameter"].([]any) {
			p := p.(map[string]any)
			set[p["name"].(string)] = p["value"].(string)
		}
		if set["rds.force_ssl"] != "1" {
			t.Errorf("rds.force_ssl = %q, want 1", set["rds.force_ssl"])
		}
		if _, ok := set["log_min_duration_statement"]; !ok {
			t.Error("log_min_duration_statement not set")
		}

		// Its own subnet group on the foundation's database subnets and
		// its own security group.
		sgAddr, _ := only(t, "security groups", owned(j, "aws_security_group", c.Name))
		if fmt.Sprint(inst["vpc_security_group_ids"]) != fmt.Sprint([]any{tfExpr("aws_security_group", sgAddr, "id")}) {
			t.Errorf("vpc_security_group_ids = %v, want only %s", inst["vpc_security_group_ids"], sgAddr)
		}
		sgNetAddr, sn := only(t, "subnet groups", owned(j, "aws_db_subnet_group", c.Name))
		if inst["db_subnet_group_name"] != tfExpr("aws_db_subnet_group", sgNetAddr, "name") {
			t.Errorf("db_subnet_group_name = %v", inst["db_subnet_group_name"])
		}
		if !strings.Contains(fmt.Sprint(sn["subnet_ids"]), "data.aws_ssm_parameter.import-foundation-subnets-database") {
			t.Errorf("subnet_ids = %v, want the foundation's database subnets through SSM", sn["subnet_ids"])
		}

		// In the foundation's backup plan, selected by ARN.
		_, sel := only(t, "backup selections", owned(j, "aws_backup_selection", c.Name))
		if fmt.Sprint(sel["resources"]) != fmt.Sprint([]any{tfExpr("aws_db_instance", addr, "arn")}) {
			t.Errorf("backup selection resources = %v, want this instance's ARN", sel["resources"])
		}
		if !strings.Contains(fmt.Sprint(sel["plan_id"]), "import-foundation-backup-plan-id") ||
			!strings.Contains(fmt.Sprint(sel["iam_role_arn"]), "import-foundation-backup-role-arn") {
			t.Errorf("backup selection plan_id %v, iam_role_arn %v: want the foundation's through SSM", sel["plan_id"], sel["iam_role_arn"])
		}
	})
}

// TestDatabaseSecurityGroupsAdmitNothing: no rule in a database stack
// lets anything reach its database; the client stack adds its own nodes.
func TestDatabaseSecurityGroupsAdmitNothing(t *testing.T) {
	clientDatabases(t, func(t *testing.T, _ clients.Tenancy, j tfJSON, _ map[string]any, _ string) {
		for addr, sg := range j.mustResources(t, "aws_security_group") {
			for _, k := range []string{"ingress", "egress"} {
				if rules, ok := sg[k]; ok && len(rules.([]any)) > 0 {
					t.Errorf("%s has %s rules %v", addr, k, rules)
				}
			}
		}
		for _, typ := range []string{"aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
			if n := len(j.resources(typ)); n > 0 {
				t.Errorf("%d %s resources, want none", n, typ)
			}
		}
	})
}

// TestDatabaseExports: each client's connection details are written to its
// own parameters, from its own instance.
func TestDatabaseExports(t *testing.T) {
	clientDatabases(t, func(t *testing.T, tn clients.Tenancy, j tfJSON, inst map[string]any, addr string) {
		env, c := tn.Env, tn.Client
		byName := map[string]map[string]any{}
		for _, p := range j.resources("aws_ssm_parameter") {
			byName[p["name"].(string)] = p
		}
		at := contract.At{Env: env.Name, Client: c.Name}
		sgAddr, _ := only(t, "security groups", owned(j, "aws_security_group", c.Name))
		want := map[contract.String]string{
			contract.DatabaseEndpoint:        tfExpr("aws_db_instance", addr, "address"),
			contract.DatabasePort:            tfExpr("aws_db_instance", addr, "port"),
			contract.DatabaseName:            tfExpr("aws_db_instance", addr, "db_name"),
			contract.DatabaseSecretARN:       tfExpr("aws_db_instance", addr, "master_user_secret[0].secret_arn"),
			contract.DatabaseSecretKMSKeyARN: inst["master_user_secret_kms_key_id"].(string),
			contract.DatabaseSecurityGroupID: tfExpr("aws_security_group", sgAddr, "id"),
		}
		for p, value := range want {
			got, ok := byName[p.Name(at)]
			if !ok {
				t.Errorf("parameter %s not written", p.Name(at))
				continue
			}
			if got["insecure_value"] != value {
				t.Errorf("%s = %v, want %s", p.Name(at), got["insecure_value"], value)
			}
		}
	})
}

// TestNoDatabaseStackWithoutClients: an environment without clients has
// its environment stacks and no database stack (nor databases-<env>, the
// stack one state per client replaced).
func TestNoDatabaseStackWithoutClients(t *testing.T) {
	testenv.Long(t, "synthesizes dev without clients")
	dev, err := config.Get(config.Environments(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	s := synth(t, []config.Environment{dev}, nil)
	var want []string
	for _, l := range environmentLayers {
		want = append(want, l.StackName(dev.Name, ""))
	}
	sort.Strings(want)
	if got := s.names(); !slices.Equal(got, want) {
		t.Errorf("stacks %v, want only the environment stacks %v", got, want)
	}
	if got := StackNames(dev, nil); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
		t.Errorf("StackNames = %v, want %v", got, want)
	}
}
