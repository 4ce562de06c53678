// Package contract is what Stratum's stacks agree on: their names (each
// Layer's StackName, the public names users deploy and state keys use) and
// the SSM parameters that cross a layer boundary. Every such value is
// declared once, in declarations.go, with the layer that produces it. The
// producer writes it with Export; a consumer reads it with Import, which
// returns a token and records the stack dependency, so `cdktf deploy`
// orders stacks and no stack references another's resources.
package contract

import "fmt"

// Layer is one tier of the platform; each environment has one stack per
// layer, or one per client in it for a per-client layer (PerClient).
type Layer string

const (
	Bootstrap Layer = "bootstrap"
	// Audit is the record of who did what and the detection of threats:
	// the CloudTrail trail and its bucket, GuardDuty, IAM Access Analyzer,
	// AWS Config and the CIS alarms. It depends on bootstrap only, so it
	// can be deployed before every other layer, and its own team (in
	// config, CI.Teams) owns it.
	Audit      Layer = "audit"
	Foundation Layer = "foundation"
	Platform   Layer = "platform"
	// Services is the in-cluster services stack (Helm releases and
	// Kubernetes objects of the platform). It is separate from Platform
	// because its providers are configured from the cluster Platform
	// creates, which Terraform cannot know when planning Platform.
	Services Layer = "services"
	// Databases is the tier of the clients' databases: one stack per
	// client and environment, database-<client>-<env>, so that no state
	// holds more than one client's data. It was one stack per
	// environment, databases-<env>; everything its stacks write keeps the
	// layer's name (parameters under /stratum/<env>/databases/<client>/,
	// their construct ids, the Layer tag), so that splitting it per
	// client moved no parameter and no Terraform address.
	Databases Layer = "databases"
	Client    Layer = "client"
)

// PerClient reports whether the layer has one stack per client and
// environment rather than one per environment.
func (l Layer) PerClient() bool { return l == Client || l == Databases }

// StackName is the public name of the layer's stack in env: the name users
// pass to `cdktf deploy` and the key of its state, <layer>-<env>, or
// <layer>-<client>-<env> for a per-client layer (client is ignored
// otherwise), where a Databases stack is database-<client>-<env>: it
// holds one database.
func (l Layer) StackName(env, client string) string {
	if l.PerClient() {
		word := string(l)
		if l == Databases {
			word = "database"
		}
		return fmt.Sprintf("%s-%s-%s", word, client, env)
	}
	return fmt.Sprintf("%s-%s", l, env)
}

// ParameterPrefix is where the layer's parameters at at live:
// /stratum/<env>/<layer>/, or /stratum/<env>/<layer>/<client>/ for
// per-client values (the Client layer's are under
// /stratum/<env>/clients/<client>/).
func (l Layer) ParameterPrefix(at At) string {
	if at.Client == "" {
		return fmt.Sprintf("%s/%s/%s/", Prefix, at.Env, l)
	}
	layer := string(l)
	if l == Client {
		layer = "clients"
	}
	return fmt.Sprintf("%s/%s/%s/%s/", Prefix, at.Env, layer, at.Client)
}
