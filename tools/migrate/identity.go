package migrate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// rule says how an instance of one resource type is recognised in a
// synthesized stack: every attribute of Key must be equal in the state
// and in the configuration (after resolving references through resources
// already matched). Tiebreak attributes narrow several candidates to one
// and are ignored when they cannot be resolved. An attribute ending in
// "?" is optional: when the configuration leaves it out, the state's value
// must be empty.
type rule struct {
	Key      []string
	Tiebreak []string
	// Normalize adjusts values of the named attributes on both sides
	// before comparing (e.g. a trailing dot of a DNS name).
	Normalize map[string]func(string) string
	// ImportID builds the ID `terraform import` takes from the state's
	// attributes. Default: the "id" attribute.
	ImportID func(a map[string]any) (string, error)
}

// identityRules are the per-type identity rules. Attributes are paths into
// the attributes (tags.Name, metadata[0].name). Physical names come first
// wherever a type has one, because a different name in the configuration
// would replace the real resource anyway.
var identityRules = map[string]rule{
	// Network
	"aws_vpc":                             {Key: []string{"cidr_block"}, Tiebreak: []string{"tags.Name"}},
	"aws_subnet":                          {Key: []string{"cidr_block", "vpc_id"}, Tiebreak: []string{"tags.Name", "availability_zone"}},
	"aws_internet_gateway":                {Key: []string{"vpc_id"}, Tiebreak: []string{"tags.Name"}},
	"aws_egress_only_internet_gateway":    {Key: []string{"vpc_id"}},
	"aws_eip":                             {Key: []string{"tags.Name"}, Tiebreak: []string{"domain"}},
	"aws_nat_gateway":                     {Key: []string{"subnet_id"}, Tiebreak: []string{"allocation_id", "tags.Name"}},
	"aws_route_table":                     {Key: []string{"vpc_id", "tags.Name"}},
	"aws_route":                           {Key: []string{"route_table_id", "destination_cidr_block?", "destination_ipv6_cidr_block?", "destination_prefix_list_id?"}, ImportID: routeImportID},
	"aws_route_table_association":         {Key: []string{"route_table_id", "subnet_id?", "gateway_id?"}, ImportID: routeTableAssociationImportID},
	"aws_default_security_group":          {Key: []string{"vpc_id"}},
	"aws_security_group":                  {Key: []string{"name"}, Tiebreak: []string{"vpc_id"}},
	"aws_vpc_security_group_ingress_rule": {Key: []string{"security_group_id", "ip_protocol", "from_port?", "to_port?", "cidr_ipv4?", "cidr_ipv6?", "referenced_security_group_id?", "prefix_list_id?"}},
	"aws_vpc_security_group_egress_rule":  {Key: []string{"security_group_id", "ip_protocol", "from_port?", "to_port?", "cidr_ipv4?", "cidr_ipv6?", "referenced_security_group_id?", "prefix_list_id?"}},
	"aws_security_group_rule":             {Key: []string{"security_group_id", "type", "protocol", "from_port", "to_port", "cidr_blocks?", "source_security_group_id?", "self?"}, ImportID: securityGroupRuleImportID},
	"aws_flow_log":                        {Key: []string{"vpc_id"}, Tiebreak: []string{"log_destination", "tags.Name"}},
	"aws_customer_gateway":                {Key: []string{"ip_address", "bgp_asn"}},
	"aws_vpn_gateway":                     {Key: []string{"vpc_id"}, Tiebreak: []string{"tags.Name"}},
	"aws_vpn_connection":                  {Key: []string{"customer_gateway_id", "vpn_gateway_id?", "transit_gateway_id?"}},
	"aws_vpn_gateway_route_propagation":   {Key: []string{"vpn_gateway_id", "route_table_id"}},
	"aws_vpc_endpoint":                    {Key: []string{"vpc_id", "service_name"}},
	// Auto Scaling group tags (the Cluster Autoscaler's node templates):
	// the group comes from the matched node group's resources.
	"aws_autoscaling_group_tag": {Key: []string{"autoscaling_group_name", "tag.key"}, ImportID: joinImportID(",", "autoscaling_group_name", "tag.key")},
	// Identity and keys
	"aws_iam_role":                    {Key: []string{"name"}},
	"aws_iam_policy":                  {Key: []string{"name"}, Tiebreak: []string{"path"}},
	"aws_iam_role_policy":             {Key: []string{"role", "name"}},
	"aws_iam_role_policy_attachment":  {Key: []string{"role", "policy_arn"}, ImportID: rolePolicyAttachmentImportID},
	"aws_iam_openid_connect_provider": {Key: []string{"url"}, Normalize: map[string]func(string) string{"url": trimScheme}},
	"aws_iam_instance_profile":        {Key: []string{"name"}},
	"aws_kms_key":                     {Key: []string{"description"}, Tiebreak: []string{"tags.Name"}},
	"aws_kms_alias":                   {Key: []string{"name"}},
	// Compute and Kubernetes control plane
	"aws_eks_cluster":                   {Key: []string{"name"}},
	"aws_eks_node_group":                {Key: []string{"cluster_name", "node_group_name"}},
	"aws_eks_addon":                     {Key: []string{"cluster_name", "addon_name"}},
	"aws_eks_access_entry":              {Key: []string{"cluster_name", "principal_arn"}},
	"aws_eks_access_policy_association": {Key: []string{"cluster_name", "principal_arn", "policy_arn"}},
	"aws_launch_template":               {Key: []string{"name"}},
	// DNS, logs, alarms, messaging
	"aws_route53_zone":            {Key: []string{"name"}, Normalize: map[string]func(string) string{"name": trimDot}},
	"aws_route53_record":          {Key: []string{"zone_id", "name", "type"}, Normalize: map[string]func(string) string{"name": trimDot}},
	"aws_cloudwatch_log_group":    {Key: []string{"name"}},
	"aws_cloudwatch_metric_alarm": {Key: []string{"alarm_name"}},
	"aws_cloudwatch_event_rule":   {Key: []string{"name", "event_bus_name?"}},
	// A target's id is unique within its rule (and bus).
	"aws_cloudwatch_event_target":        {Key: []string{"rule", "target_id", "event_bus_name?"}, ImportID: joinImportID("/", "rule", "target_id")},
	"aws_cloudwatch_log_resource_policy": {Key: []string{"policy_name"}, ImportID: attrImportID("policy_name")},
	"aws_sns_topic_subscription":         {Key: []string{"topic_arn", "protocol", "endpoint"}},
	"aws_ce_cost_allocation_tag":         {Key: []string{"tag_key"}, ImportID: attrImportID("tag_key")},
	"aws_budgets_budget":                 {Key: []string{"name"}},
	"aws_db_event_subscription":          {Key: []string{"name"}},
	"aws_sns_topic":                      {Key: []string{"name"}},
	"aws_sns_topic_policy":               {Key: []string{"arn"}},
	"aws_ssm_parameter":                  {Key: []string{"name"}},
	"aws_secretsmanager_secret":          {Key: []string{"name"}},
	// Data
	"aws_db_instance":          {Key: []string{"identifier"}, ImportID: attrImportID("identifier")},
	"aws_db_subnet_group":      {Key: []string{"name"}},
	"aws_db_parameter_group":   {Key: []string{"name"}},
	"aws_db_option_group":      {Key: []string{"name"}},
	"aws_s3_bucket":            {Key: []string{"bucket"}},
	"aws_s3_bucket_versioning": {Key: []string{"bucket"}},
	"aws_s3_bucket_server_side_encryption_configuration": {Key: []string{"bucket"}},
	"aws_s3_bucket_public_access_block":                  {Key: []string{"bucket"}},
	"aws_s3_bucket_ownership_controls":                   {Key: []string{"bucket"}},
	"aws_s3_bucket_lifecycle_configuration":              {Key: []string{"bucket"}},
	"aws_s3_bucket_policy":                               {Key: []string{"bucket"}},
	"aws_s3_bucket_logging":                              {Key: []string{"bucket"}},
	"aws_dynamodb_table":                                 {Key: []string{"name"}},
	"aws_backup_vault":                                   {Key: []string{"name"}},
	"aws_backup_vault_lock_configuration":                {Key: []string{"backup_vault_name"}},
	"aws_backup_plan":                                    {Key: []string{"name"}},
	// A selection's name is unique within its plan; the plan id comes
	// from another stack through SSM, so it only breaks ties.
	"aws_backup_selection": {Key: []string{"name"}, Tiebreak: []string{"plan_id"}, ImportID: backupSelectionImportID},
	// In-cluster (Helm and Kubernetes providers)
	"helm_release":                  {Key: []string{"name", "namespace"}, ImportID: joinImportID("/", "namespace", "name")},
	"kubernetes_namespace_v1":       {Key: []string{"metadata[0].name"}},
	"kubernetes_service_account_v1": {Key: []string{"metadata[0].namespace", "metadata[0].name"}},
	"kubernetes_resource_quota_v1":  {Key: []string{"metadata[0].namespace", "metadata[0].name"}},
	"kubernetes_limit_range_v1":     {Key: []string{"metadata[0].namespace", "metadata[0].name"}},
	"kubernetes_network_policy_v1":  {Key: []string{"metadata[0].namespace", "metadata[0].name"}},
	"kubernetes_storage_class_v1":   {Key: []string{"metadata[0].name"}},
	"kubernetes_manifest":           {Key: []string{"manifest.kind", "manifest.metadata.name", "manifest.metadata.namespace?"}, ImportID: kubernetesManifestImportID},
}

// fallbackRules are tried, in order, for types without a rule: the first
// whose attributes the configuration sets is used.
var fallbackRules = []rule{
	{Key: []string{"name"}},
	{Key: []string{"bucket"}},
	{Key: []string{"identifier"}},
	{Key: []string{"tags.Name"}},
}

// ruleFor returns the rule for a resource type and whether it is a
// type-specific one. body is the configuration, for choosing a fallback.
func ruleFor(typ string, body map[string]any) (rule, bool) {
	if r, ok := identityRules[typ]; ok && len(r.Key) > 0 {
		return r, true
	} else if ok {
		return rule{}, true
	}
	for _, r := range fallbackRules {
		if _, ok := lookupPath(body, strings.TrimSuffix(r.Key[0], "?")); ok {
			return r, false
		}
	}
	return rule{}, false
}

func trimScheme(s string) string {
	return strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
}
func trimDot(s string) string { return strings.TrimSuffix(s, ".") }

func attrImportID(attr string) func(map[string]any) (string, error) {
	return func(a map[string]any) (string, error) { return requireAttr(a, attr) }
}

func joinImportID(sep string, attrs ...string) func(map[string]any) (string, error) {
	return func(a map[string]any) (string, error) {
		var parts []string
		for _, at := range attrs {
			v, err := requireAttr(a, at)
			if err != nil {
				return "", err
			}
			parts = append(parts, v)
		}
		return strings.Join(parts, sep), nil
	}
}

// routeImportID: ROUTETABLEID_DESTINATION (aws_route import).
func routeImportID(a map[string]any) (string, error) {
	rt, err := requireAttr(a, "route_table_id")
	if err != nil {
		return "", err
	}
	for _, d := range []string{"destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id"} {
		if v, _ := stateString(a, d); v != "" {
			return rt + "_" + v, nil
		}
	}
	return "", fmt.Errorf("no destination_cidr_block, destination_ipv6_cidr_block or destination_prefix_list_id")
}

// routeTableAssociationImportID: SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID.
func routeTableAssociationImportID(a map[string]any) (string, error) {
	rt, err := requireAttr(a, "route_table_id")
	if err != nil {
		return "", err
	}
	for _, d := range []string{"subnet_id", "gateway_id"} {
		if v, _ := stateString(a, d); v != "" {
			return v + "/" + rt, nil
		}
	}
	return "", fmt.Errorf("neither subnet_id nor gateway_id is set")
}

// rolePolicyAttachmentImportID: ROLENAME/POLICYARN.
func rolePolicyAttachmentImportID(a map[string]any) (string, error) {
	return joinImportID("/", "role", "policy_arn")(a)
}

// backupSelectionImportID: PLANID|SELECTIONID.
func backupSelectionImportID(a map[string]any) (string, error) {
	return joinImportID("|", "plan_id", "id")(a)
}

// securityGroupRuleImportID: SGID_TYPE_PROTOCOL_FROM_TO_SOURCE[_SOURCE…].
func securityGroupRuleImportID(a map[string]any) (string, error) {
	parts := []string{}
	for _, at := range []string{"security_group_id", "type", "protocol", "from_port", "to_port"} {
		v, err := requireAttr(a, at)
		if err != nil {
			return "", err
		}
		parts = append(parts, v)
	}
	var sources []string
	for _, list := range []string{"cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"} {
		if l, ok := a[list].([]any); ok {
			for _, v := range l {
				sources = append(sources, fmt.Sprint(v))
			}
		}
	}
	if v, _ := stateString(a, "source_security_group_id"); v != "" {
		sources = append(sources, v)
	}
	if v, _ := stateString(a, "self"); v == "true" {
		sources = append(sources, "self")
	}
	if len(sources) == 0 {
		return "", fmt.Errorf("no source (cidr_blocks, source_security_group_id, self, …)")
	}
	return strings.Join(append(parts, sources...), "_"), nil
}

// kubernetesManifestImportID: apiVersion=…,kind=…[,namespace=…],name=….
func kubernetesManifestImportID(attrs map[string]any) (string, error) {
	a := map[string]any{"manifest": attrs["manifest"]}
	if dyn, ok := attrs["manifest"].(map[string]any); ok {
		if v, ok := dyn["value"]; ok {
			a["manifest"] = v
		}
	}
	api, err := requireAttr(a, "manifest.apiVersion")
	if err != nil {
		return "", err
	}
	kind, err := requireAttr(a, "manifest.kind")
	if err != nil {
		return "", err
	}
	name, err := requireAttr(a, "manifest.metadata.name")
	if err != nil {
		return "", err
	}
	id := "apiVersion=" + api + ",kind=" + kind
	if ns, _ := stateString(a, "manifest.metadata.namespace"); ns != "" {
		id += ",namespace=" + ns
	}
	return id + ",name=" + name, nil
}

func requireAttr(a map[string]any, p string) (string, error) {
	v, ok := stateString(a, p)
	if !ok || v == "" {
		return "", fmt.Errorf("attribute %s is empty", p)
	}
	return v, nil
}

// ImportID is the ID `terraform import` takes for a resource of typ with
// the given state attributes.
func ImportID(typ string, attrs map[string]any) (string, error) {
	if r, ok := identityRules[typ]; ok && r.ImportID != nil {
		return r.ImportID(attrs)
	}
	return requireAttr(attrs, "id")
}

// lookupPath follows a path such as tags.Name or metadata[0].name through
// decoded JSON, in the configuration or the state alike: a nested block
// is a one-element list in state and an object in cdktf's JSON, so an
// index 0 on an object stays on it and a name on a one-element list
// looks inside; a dynamic value (kubernetes_manifest's manifest) is
// {"value": …, "type": …} in state, and a name looks inside its value.
func lookupPath(v any, p string) (any, bool) {
	if p == "" {
		return v, true
	}
	for _, step := range splitPath(p) {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[step]
			if !ok {
				if inner, dyn := dynamicValue(x); dyn {
					if next, ok = inner[step]; ok {
						v = next
						continue
					}
				}
				if step == "0" {
					continue
				}
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil {
				if len(x) != 1 {
					return nil, false
				}
				m, ok := x[0].(map[string]any)
				if !ok {
					return nil, false
				}
				if v, ok = m[step]; !ok {
					return nil, false
				}
				continue
			}
			if i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// dynamicValue is the value of a dynamic attribute as state keeps it,
// {"value": …, "type": …}.
func dynamicValue(m map[string]any) (map[string]any, bool) {
	if len(m) != 2 {
		return nil, false
	}
	if _, ok := m["type"]; !ok {
		return nil, false
	}
	inner, ok := m["value"].(map[string]any)
	return inner, ok
}

// splitPath splits a.b[0].c into a, b, 0, c.
func splitPath(p string) []string {
	if !strings.ContainsAny(p, ".[") {
		return []string{p}
	}
	out := make([]string, 0, 4)
	start := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '.', '[':
			if i > start {
				out = append(out, p[start:i])
			}
			start = i + 1
		case ']':
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	if start < len(p) {
		out = append(out, p[start:])
	}
	return out
}

// scalar renders a decoded JSON scalar as a string; ok is false for
// objects and lists (and for lists of strings, which compare as their
// sorted join so that ordering from sets does not matter).
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case []any:
		var parts []string
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		sort.Strings(parts)
		return strings.Join(parts, "\x00"), true
	}
	return "", false
}

// stateString is the scalar value at path p of a state's attributes;
// absent counts as empty.
func stateString(a map[string]any, p string) (string, bool) {
	v, ok := lookupPath(a, p)
	if !ok {
		return "", true
	}
	return scalar(v)
}

var (
	interpolation = regexp.MustCompile(`\$\{`)
	simpleRef     = regexp.MustCompile(`^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])+$`)
)

// template is a configuration string split into literal text and
// interpolations.
type template struct {
	parts []tmplPart
}

type tmplPart struct {
	lit  string
	expr string
	isEx bool
}

// parseTemplate splits s into literals and ${…} interpolations; ok is
// false when the braces do not balance.
func parseTemplate(s string) (template, bool) {
	var t template
	for {
		loc := interpolation.FindStringIndex(s)
		if loc == nil {
			if s != "" {
				t.parts = append(t.parts, tmplPart{lit: s})
			}
			return t, true
		}
		if loc[0] > 0 {
			t.parts = append(t.parts, tmplPart{lit: s[:loc[0]]})
		}
		depth, end := 1, -1
		inStr := false
		for i := loc[1]; i < len(s); i++ {
			switch c := s[i]; {
			case inStr && c == '\\':
				i++
			case c == '"':
				inStr = !inStr
			case !inStr && c == '{':
				depth++
			case !inStr && c == '}':
				depth--
			}
			if depth == 0 {
				end = i
				break
			}
		}
		if end < 0 {
			return t, false
		}
		t.parts = append(t.parts, tmplPart{expr: strings.TrimSpace(s[loc[1]:end]), isEx: true})
		s = s[end+1:]
	}
}

// cfgValue is a configuration value as far as it could be resolved: an
// exact string, or a pattern when parts of a template refer to data
// sources whose values only exist at plan time.
type cfgValue struct {
	exact   string
	pattern *regexp.Regexp
	// show is how the value is printed in the ledger.
	show string
}

func (v cfgValue) matches(s string) bool {
	if v.pattern != nil {
		return v.pattern.MatchString(s)
	}
	return v.exact == s
}
