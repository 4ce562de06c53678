package contract

import (
	"encoding/json"
	"strings"
	"testing"

	"stratum/config"
)

func TestGuard(t *testing.T) {
	env, _ := config.Get(config.Environments(), "staging")
	if got, want := ParametersARN(env), "arn:aws:ssm:us-east-1:222222222222:parameter/stratum/staging/*"; got != want {
		t.Errorf("ParametersARN = %s, want %s", got, want)
	}
	if got, want := PrefixARN(env, "clients"), "arn:aws:ssm:us-east-1:222222222222:parameter/stratum/staging/clients/*"; got != want {
		t.Errorf("PrefixARN = %s, want %s", got, want)
	}
	// The parameters of every stack are under the guarded path.
	for id, layer := range Declared() {
		at := At{Env: env.Name}
		if declared[id].perClient {
			at.Client = "acme"
		}
		if name := declared[id].Name(at); !strings.HasPrefix(name, Prefix+"/"+env.Name+"/") {
			t.Errorf("%s (%s): %s is outside the guarded path", id, layer, name)
		}
	}
}

func TestSCP(t *testing.T) {
	envs := config.Environments()
	writers := func(config.Environment) []string { return []string{"arn:aws:iam::1:role/w"} }
	b, err := SCP(envs, writers)
	if err != nil {
		t.Fatal(err)
	}
	var doc Policy
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Statement) != len(envs) || doc.Statement[0].Sid != "StratumContractProd" || doc.Statement[0].Resource != ParametersARN(envs[0]) {
		t.Errorf("SCP statements %+v, want one per environment", doc.Statement)
	}
	for range 40 {
		envs = append(envs, envs[0])
	}
	if _, err := SCP(envs, writers); err == nil || !strings.Contains(err.Error(), "5120") {
		t.Errorf("SCP of %d environments = %v, want an error naming the limit", len(envs), err)
	}
	if got := sidWord("prod-eu2"); got != "ProdEu2" {
		t.Errorf("sidWord(prod-eu2) = %s", got)
	}
}
