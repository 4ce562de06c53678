package deploy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"stratum/applied"
	"stratum/awsrules"
	"stratum/config"
	"stratum/contract"
)

// Statement is one IAM policy statement, in IAM's JSON grammar.
type Statement struct {
	Sid         string                         `json:"Sid"`
	Effect      string                         `json:"Effect"`
	Action      []string                       `json:"Action,omitempty"`
	NotAction   []string                       `json:"NotAction,omitempty"`
	Resource    []string                       `json:"Resource,omitempty"`
	NotResource []string                       `json:"NotResource,omitempty"`
	Condition   map[string]map[string][]string `json:"Condition,omitempty"`
}

// Document is an IAM policy document.
type Document struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// JSON is the document as IAM stores it (no whitespace).
func (d Document) JSON() string {
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // plain strings only
	}
	return string(b)
}

// MaxManagedPolicySize is the size IAM allows a managed policy, in
// characters without whitespace.
const MaxManagedPolicySize = 6144

// Scope is what a layer's patterns are expanded with.
type Scope struct {
	Env   config.Environment
	Layer Layer
}

func (s Scope) partition() string { return awsrules.Partition(s.Env.Region) }

// expandAll is expand, with {buckets} standing for each of the layer's
// buckets (Layer.Buckets): one pattern per bucket, none without buckets.
func (s Scope) expandAll(pattern string) []string {
	if !strings.Contains(pattern, "{buckets}") {
		return []string{s.expand(pattern)}
	}
	var out []string
	if s.Layer.Buckets != nil {
		for _, b := range s.Layer.Buckets(s.Env) {
			out = append(out, s.expand(strings.ReplaceAll(pattern, "{buckets}", b)))
		}
	}
	return out
}

func (s Scope) expand(pattern string) string {
	return strings.NewReplacer(
		"{partition}", s.partition(), "{account}", s.Env.AccountID, "{region}", s.Env.Region,
		"{prefix}", s.Env.Prefix(), "{cluster}", s.Env.ClusterName(),
	).Replace(pattern)
}

// State is where the environment's state is kept.
type State struct {
	Bucket, LockTable string
	// KeyARN is the state key's ARN pattern ("" without a
	// customer-managed key).
	KeyARN string
}

// StateOf is env's state backend.
func StateOf(env config.Environment) State {
	st := State{Bucket: env.State.Bucket, LockTable: env.State.LockTable}
	if env.State.CustomerManagedKey {
		st.KeyARN = fmt.Sprintf("arn:%s:kms:%s:%s:key/*", awsrules.Partition(env.Region), env.Region, env.AccountID)
	}
	return st
}

func (s Scope) bucketARN() string {
	return fmt.Sprintf("arn:%s:s3:::%s", s.partition(), s.Env.State.Bucket)
}

func (s Scope) tableARN() string {
	return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", s.partition(), s.Env.Region, s.Env.AccountID, s.Env.State.LockTable)
}

// stateKeys is the pattern of the layer's state objects in the bucket:
// <word>-*/ (every stack of the layer, and its lock files).
func (s Scope) stateKeys() string { return s.Layer.Word() + "-*" }

// ApplyPolicy is the deploy role's permissions for the layer's types
// (resource types, and data source types prefixed "data."): the grants
// of its types, its state, its SSM contract prefixes, and the denies
// every deploy role carries. It fails on a type without a grant.
func ApplyPolicy(env config.Environment, l Layer, types []string) (Document, error) {
	s := Scope{Env: env, Layer: l}
	grants, err := grantsOf(l, types)
	if err != nil {
		return Document{}, err
	}
	var out []Statement
	out = append(out, s.readStatement(grants))
	out = append(out, s.writeStatements(grants)...)
	if slices.ContainsFunc(grants, func(g Grant) bool { return g.Roles }) {
		out = append(out, s.roleStatements()...)
	}
	out = append(out, s.passStatements(grants)...)
	out = append(out, s.stateStatements(true)...)
	out = append(out, s.recordStatements(true))
	out = append(out, s.parameterStatements()...)
	out = append(out, s.denyStatements()...)
	return Document{Version: "2012-10-17", Statement: out}, nil
}

// PlanPolicy is the plan role's permissions: the read actions of the
// layer's types, reading (never locking) its own state, and the denies
// of every secret a plan could read (SecretReads).
func PlanPolicy(env config.Environment, l Layer, types []string) (Document, error) {
	s := Scope{Env: env, Layer: l}
	grants, err := grantsOf(l, types)
	if err != nil {
		return Document{}, err
	}
	out := []Statement{s.readStatement(grants)}
	out = append(out, s.stateStatements(false)...)
	out = append(out, s.recordStatements(false))
	out = append(out, Statement{Sid: "DenySecretReads", Effect: "Deny", Action: SecretReads, Resource: []string{"*"}})
	out = append(out, Statement{
		// SecureString parameters and Secrets Manager values are
		// decrypted by KMS on the caller's behalf through those services.
		Sid: "DenyDecryptingSecrets", Effect: "Deny", Action: []string{"kms:Decrypt"}, Resource: []string{"*"},
		Condition: map[string]map[string][]string{"StringLike": {"kms:ViaService": {"ssm.*.amazonaws.com", "secretsmanager.*.amazonaws.com"}}},
	})
	return Document{Version: "2012-10-17", Statement: out}, nil
}

// grantsOf are the grants of a layer's types; a type without one is an
// error naming it and the layer.
func grantsOf(l Layer, types []string) ([]Grant, error) {
	var out []Grant
	for _, t := range types {
		g, ok := GrantOf(t)
		if !ok {
			return nil, fmt.Errorf("layer %s: resource type %s has no grant in deploy.Grants: add one (the actions creating, changing and deleting it, and where)", l.Word(), t)
		}
		out = append(out, g)
	}
	return out, nil
}

// SecretReads are the API calls that return secret values or data
// rather than configuration: a plan role never needs them, and the code
// of a pull request must not reach them.
var SecretReads = []string{
	"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue",
	"ssm:GetParameterHistory",
	"rds:DownloadDBLogFilePortion", "rds:DownloadCompleteDBLogFile",
	"ec2:GetLaunchTemplateData", "ec2:DescribeInstanceAttribute", "ec2:GetPasswordData", "ec2:GetConsoleOutput",
	"ec2:GetConsoleScreenshot",
	"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery", "logs:GetQueryResults", "logs:GetLogRecord",
	"s3:GetObjectVersion",
	"eks:DescribeIdentityProviderConfig",
}

// readStatement allows every Read action of the grants, on every
// resource: Describe and List calls take no resource.
func (s Scope) readStatement(grants []Grant) Statement {
	var actions []string
	for _, g := range grants {
		actions = append(actions, g.Read...)
	}
	if s.Layer.Kubernetes {
		// The Kubernetes and Helm providers' token.
		actions = append(actions, "eks:DescribeCluster")
	}
	slices.Sort(actions)
	actions = slices.Compact(actions)
	return Statement{Sid: "Read", Effect: "Allow", Action: actions, Resource: []string{"*"}}
}

// writeStatements group the grants' Write actions by service and by the
// resources and conditions they apply to.
func (s Scope) writeStatements(grants []Grant) []Statement {
	type key struct{ resources, condition string }
	byKey := map[key]*Statement{}
	var order []key
	add := func(action string, resources []string, cond map[string]map[string][]string) {
		cb, _ := json.Marshal(cond)
		k := key{strings.Join(resources, " "), string(cb)}
		st, ok := byKey[k]
		if !ok {
			st = &Statement{Effect: "Allow", Resource: resources, Condition: cond}
			byKey[k] = st
			order = append(order, k)
		}
		if !slices.Contains(st.Action, action) {
			st.Action = append(st.Action, action)
		}
	}
	for _, g := range grants {
		for _, w := range g.Write {
			action, override, hasOverride := strings.Cut(w, "@")
			var resources []string
			switch {
			case hasOverride:
				resources = []string{s.expand(override)}
			default:
				resources = s.resourcesFor(g, service(action))
			}
			var cond map[string]map[string][]string
			if g.Tagged && service(action) == "kms" {
				if action == "kms:CreateKey" || action == "kms:TagResource" {
					cond = map[string]map[string][]string{"StringEquals": {"aws:RequestTag/Layer": {string(s.Layer.Layer)}}}
					resources = []string{"*"}
				} else {
					cond = map[string]map[string][]string{"StringEquals": {"aws:ResourceTag/Layer": {string(s.Layer.Layer)}}}
				}
			}
			add(action, resources, cond)
		}
	}
	var out []Statement
	for i, k := range order {
		st := byKey[k]
		slices.Sort(st.Action)
		st.Sid = fmt.Sprintf("Write%d", i+1)
		out = append(out, *st)
	}
	var linked []string
	for _, g := range grants {
		linked = append(linked, g.ServiceLinked...)
	}
	slices.Sort(linked)
	if linked = slices.Compact(linked); len(linked) > 0 {
		out = append(out, Statement{
			Sid: "CreateServiceLinkedRoles", Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole"},
			Resource:  []string{s.expand("arn:{partition}:iam::{account}:role/aws-service-role/*")},
			Condition: map[string]map[string][]string{"StringEquals": {"iam:AWSServiceName": linked}},
		})
	}
	return out
}

// resourcesFor are the resources of a grant's actions of one service:
// its patterns naming that service, else the service's resources in the
// account.
func (s Scope) resourcesFor(g Grant, svc string) []string {
	var out []string
	for _, r := range g.Resources {
		if r == "*" || arnService(r) == svc {
			out = append(out, s.expandAll(r)...)
		}
	}
	if len(out) == 0 {
		out = []string{s.expand(fmt.Sprintf(regional, svc))}
	}
	return out
}

func arnService(pattern string) string {
	parts := strings.SplitN(pattern, ":", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// RoleWriteActions are the IAM actions that create or change a role or
// its permissions. A deploy role may use them only on roles of its own
// layer (Layer tag) at the root path, named <prefix>-*, and only when the
// role carries the environment's boundary.
var RoleWriteActions = []string{
	"iam:CreateRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
	"iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
}

// roleStatements let the layer manage its own roles under the boundary.
func (s Scope) roleStatements() []Statement {
	layer := string(s.Layer.Layer)
	boundary := BoundaryARN(s.Env)
	return []Statement{
		{
			// CreateRole is authorized against the new role: it must be
			// tagged with the layer and carry the boundary.
			Sid: "CreateBoundedRoles", Effect: "Allow", Action: []string{"iam:CreateRole"},
			Resource: []string{s.expand(roles)},
			Condition: map[string]map[string][]string{"StringEquals": {
				"iam:PermissionsBoundary": {boundary}, "aws:RequestTag/Layer": {layer},
			}},
		},
		{
			Sid: "ManageBoundedRoles", Effect: "Allow",
			Action:   slices.DeleteFunc(slices.Clone(RoleWriteActions), func(a string) bool { return a == "iam:CreateRole" }),
			Resource: []string{s.expand(roles)},
			Condition: map[string]map[string][]string{"StringEquals": {
				"iam:PermissionsBoundary": {boundary}, "iam:ResourceTag/Layer": {layer},
			}},
		},
		{
			// Creating a role with tags is also tagging it (the new role
			// has no tags yet), and default tags change: a Layer tag may
			// only name this layer. Another layer's role keeps its tags
			// (DenyRetaggingOtherLayersRoles).
			Sid: "TagRoles", Effect: "Allow", Action: []string{"iam:TagRole"},
			Resource:  []string{s.expand(roles)},
			Condition: map[string]map[string][]string{"StringEqualsIfExists": {"aws:RequestTag/Layer": {layer}}},
		},
		{
			Sid: "UntagOwnRoles", Effect: "Allow", Action: []string{"iam:UntagRole"},
			Resource: []string{s.expand(roles)},
			Condition: map[string]map[string][]string{
				"StringEquals":                 {"iam:ResourceTag/Layer": {layer}},
				"ForAllValues:StringNotEquals": {"aws:TagKeys": {"Layer"}},
			},
		},
	}
}

// passStatements are iam:PassRole of the grants' roles, each to its
// service only.
func (s Scope) passStatements(grants []Grant) []Statement {
	byRole := map[string][]string{}
	for _, g := range grants {
		for _, p := range g.Pass {
			if !slices.Contains(byRole[p.Role], p.Service) {
				byRole[p.Role] = append(byRole[p.Role], p.Service)
			}
		}
	}
	var out []Statement
	for i, role := range slices.Sorted(maps.Keys(byRole)) {
		svcs := byRole[role]
		slices.Sort(svcs)
		st := Statement{
			Sid: fmt.Sprintf("PassRoles%d", i+1), Effect: "Allow", Action: []string{"iam:PassRole"},
			Condition: map[string]map[string][]string{"StringEquals": {"iam:PassedToService": svcs}},
		}
		if role == "" {
			st.Resource = []string{s.expand(roles)}
			st.Condition["StringEquals"]["iam:ResourceTag/Layer"] = []string{string(s.Layer.Layer)}
		} else {
			st.Resource = []string{s.expand("arn:{partition}:iam::{account}:role/" + role)}
		}
		out = append(out, st)
	}
	return out
}

// stateStatements let the role read (and, to apply, write and lock) the
// states of its layer's stacks only: objects <word>-*/… of the bucket,
// lock items of those keys.
func (s Scope) stateStatements(write bool) []Statement {
	objects := s.bucketARN() + "/" + s.stateKeys()
	lockKey := s.Env.State.Bucket + "/" + s.stateKeys()
	objActions := []string{"s3:GetObject"}
	lockActions := []string{"dynamodb:GetItem"}
	if write {
		objActions = append(objActions, "s3:PutObject", "s3:DeleteObject")
		lockActions = append(lockActions, "dynamodb:PutItem", "dynamodb:DeleteItem")
	}
	out := []Statement{
		{Sid: "ListState", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{s.bucketARN()}},
		{Sid: "LayerState", Effect: "Allow", Action: objActions, Resource: []string{objects}},
		{
			Sid: "LayerLocks", Effect: "Allow", Action: append(lockActions, "dynamodb:DescribeTable"), Resource: []string{s.tableARN()},
			// The lock table's keys are <bucket>/<state key> (and its -md5
			// digest): the layer's stacks only.
			Condition: map[string]map[string][]string{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": {lockKey}}},
		},
	}
	if st := StateOf(s.Env); st.KeyARN != "" {
		actions := []string{"kms:Decrypt"}
		if write {
			actions = append(actions, "kms:Encrypt", "kms:GenerateDataKey")
		}
		out = append(out, Statement{
			Sid: "StateKey", Effect: "Allow", Action: actions, Resource: []string{st.KeyARN},
			Condition: map[string]map[string][]string{
				"StringEquals": {"kms:ViaService": {"s3." + s.Env.Region + ".amazonaws.com", "dynamodb." + s.Env.Region + ".amazonaws.com"}},
				// Only the state key: it carries the bootstrap layer's tag.
				"StringLike": {"kms:ResourceAliases": {"alias/" + s.Env.StateKeyAlias()}},
			},
		})
		// Saved plans hold the state's values: the plan job seals them
		// with a data key of the state key, the apply job opens them
		// (pipelines' sealScript), under the saved-plan context only.
		sid, action := "SealSavedPlans", "kms:GenerateDataKey"
		if write {
			sid, action = "OpenSavedPlans", "kms:Decrypt"
		}
		out = append(out, Statement{
			Sid: sid, Effect: "Allow", Action: []string{action}, Resource: []string{st.KeyARN},
			Condition: map[string]map[string][]string{
				"StringEquals": {SavedPlanContextKey: {SavedPlanPurpose}},
				"StringLike":   {"kms:ResourceAliases": {"alias/" + s.Env.StateKeyAlias()}},
			},
		})
	}
	return out
}

// recordStatements are the applied records (package applied): a deploy
// role writes its own layer's stacks' records after a successful apply
// (its state's pattern, <word>-*), a plan role reads the environment's
// records, which stratum changed selects against (they hold a commit and
// a digest, nothing secret).
func (s Scope) recordStatements(write bool) Statement {
	arn := func(path string) string {
		return fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", s.partition(), s.Env.Region, s.Env.AccountID, path)
	}
	if write {
		return Statement{Sid: "RecordOwnApplies", Effect: "Allow", Action: []string{"ssm:PutParameter"},
			Resource: []string{arn(applied.Path(s.Env.Name) + "/" + s.stateKeys())}}
	}
	return Statement{Sid: "ReadAppliedRecords", Effect: "Allow", Action: []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
		Resource: []string{arn(applied.Path(s.Env.Name)), arn(applied.Path(s.Env.Name) + "/*")}}
}

// SavedPlanContextKey and SavedPlanPurpose are the KMS encryption
// context under which saved plans are sealed.
const (
	SavedPlanContextKey = "kms:EncryptionContext:purpose"
	SavedPlanPurpose    = "saved-plan"
)

// parameterStatements let the layer write its own SSM contract prefixes.
func (s Scope) parameterStatements() []Statement {
	var res []string
	for _, w := range s.Layer.Writes {
		res = append(res, fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s/%s/%s/*", s.partition(), s.Env.Region, s.Env.AccountID, contract.Prefix, s.Env.Name, w))
	}
	if len(res) == 0 {
		return nil
	}
	return []Statement{{Sid: "WriteOwnParameters", Effect: "Allow", Action: contract.WriteActions, Resource: res}}
}

// ProtectedKeyAliases are the aliases of the keys no deploy role may
// delete, disable or re-police: the backup keys (and copies) and the
// state key.
func ProtectedKeyAliases(env config.Environment) []string {
	return []string{"alias/" + env.Prefix() + "-backup*", "alias/" + env.StateKeyAlias()}
}

// KeyDestruction are the KMS calls that destroy or lock out a key.
var KeyDestruction = []string{"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"}

// VaultDestruction are the AWS Backup calls that remove a vault's lock or
// its access policy, or delete what it holds.
var VaultDestruction = []string{
	"backup:DeleteBackupVaultLockConfiguration", "backup:DeleteBackupVaultAccessPolicy", "backup:PutBackupVaultAccessPolicy",
	"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle",
}

// denyStatements are what no deploy role may do, whatever it is
// allowed: assume roles (a role it created would escape its layer),
// change the CI roles, the boundary or the contract guard, destroy the
// backup and state keys or the vaults' locks, change how state is kept.
func (s Scope) denyStatements() []Statement {
	p, acct := s.partition(), s.Env.AccountID
	aliasARNs := []string{}
	for _, a := range ProtectedKeyAliases(s.Env) {
		aliasARNs = append(aliasARNs, fmt.Sprintf("arn:%s:kms:*:%s:%s", p, acct, a))
	}
	layer := string(s.Layer.Layer)
	return []Statement{
		{
			// A role or key of another layer stays that layer's: its Layer
			// tag is what the allows above test.
			Sid: "DenyRetaggingOtherLayersRoles", Effect: "Deny", Action: []string{"iam:TagRole", "iam:UntagRole"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"Null": {"iam:ResourceTag/Layer": {"false"}}, "StringNotEquals": {"iam:ResourceTag/Layer": {layer}}},
		},
		{
			Sid: "DenyRetaggingOtherLayersKeys", Effect: "Deny", Action: []string{"kms:TagResource", "kms:UntagResource"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"Null": {"aws:ResourceTag/Layer": {"false"}}, "StringNotEquals": {"aws:ResourceTag/Layer": {layer}}},
		},
		{Sid: "DenyAssumingRoles", Effect: "Deny", Action: []string{"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"}, Resource: []string{"*"}},
		{
			Sid: "DenyChangingDeployIdentities", Effect: "Deny", NotAction: []string{"iam:Get*", "iam:List*"},
			Resource: []string{
				CIRoles(s.Env),
				BoundaryARN(s.Env),
				fmt.Sprintf("arn:%s:iam::%s:policy/%s", p, acct, s.Env.ContractGuardPolicyName()),
				fmt.Sprintf("arn:%s:iam::%s:policy%s*", p, acct, config.CIRolePath),
				fmt.Sprintf("arn:%s:iam::%s:oidc-provider/token.actions.githubusercontent.com", p, acct),
				fmt.Sprintf("arn:%s:iam::%s:oidc-provider/vstoken.dev.azure.com/*", p, acct),
				fmt.Sprintf("arn:%s:iam::%s:oidc-provider/gitlab*", p, acct),
			},
		},
		{Sid: "DenyRemovingBoundaries", Effect: "Deny", Action: []string{"iam:DeleteRolePermissionsBoundary"}, Resource: []string{"*"}},
		{
			Sid: "DenyDestroyingProtectedKeys", Effect: "Deny", Action: KeyDestruction, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"ForAnyValue:StringLike": {"kms:ResourceAliases": ProtectedKeyAliases(s.Env)}},
		},
		{Sid: "DenyMovingProtectedAliases", Effect: "Deny", Action: []string{"kms:DeleteAlias", "kms:UpdateAlias"}, Resource: aliasARNs},
		{Sid: "DenyUnlockingBackups", Effect: "Deny", Action: VaultDestruction, Resource: []string{"*"}},
		{
			Sid: "DenyChangingStateBucket", Effect: "Deny",
			Action: []string{
				"s3:DeleteBucket", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketVersioning",
				"s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketPublicAccessBlock",
				"s3:PutBucketOwnershipControls", "s3:PutBucketAcl", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketLogging",
			},
			Resource: []string{s.bucketARN(), fmt.Sprintf("arn:%s:s3:::%s", p, s.Env.State.AccessLogBucket)},
		},
		{Sid: "DenyDeletingStateVersions", Effect: "Deny", Action: []string{"s3:DeleteObjectVersion", "s3:PutObjectAcl", "s3:PutObjectVersionAcl"}, Resource: []string{s.bucketARN() + "/*"}},
	}
}

// Split cuts a document into documents of at most MaxManagedPolicySize
// characters each, keeping statements whole and in order.
func Split(d Document) ([]Document, error) {
	var out []Document
	cur := Document{Version: d.Version}
	for _, st := range d.Statement {
		next := Document{Version: d.Version, Statement: append(slices.Clone(cur.Statement), st)}
		if len(next.JSON()) <= MaxManagedPolicySize {
			cur = next
			continue
		}
		if len(cur.Statement) == 0 {
			return nil, fmt.Errorf("statement %s alone is larger than %d characters", st.Sid, MaxManagedPolicySize)
		}
		out = append(out, cur)
		cur = Document{Version: d.Version, Statement: []Statement{st}}
		if len(cur.JSON()) > MaxManagedPolicySize {
			return nil, fmt.Errorf("statement %s alone is larger than %d characters", st.Sid, MaxManagedPolicySize)
		}
	}
	if len(cur.Statement) > 0 {
		out = append(out, cur)
	}
	return out, nil
}
