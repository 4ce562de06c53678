package kubecheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Object is one Kubernetes object a stack declares, as the Terraform
// kubernetes provider (v2) sends it to the API server.
type Object struct {
	// Address is the resource's Terraform address in its stack.
	Address string
	// Body is the API object: apiVersion, kind, metadata and the rest.
	Body map[string]any
	// Apply says the provider sends it by server-side apply
	// (kubernetes_manifest), as FieldManager (its field_manager block's
	// name, or "Terraform"), forcing conflicts when Force; the typed
	// resources (kubernetes_namespace_v1, …) are created with POST.
	Apply        bool
	FieldManager string
	Force        bool
	// DependsOn are the addresses of the stack's objects this one waits
	// for in Terraform's graph: the ones it references and its depends_on.
	DependsOn []string
}

// APIVersion, Kind, Name and Namespace read the object's identity.
func (o Object) APIVersion() string { return str(o.Body["apiVersion"]) }
func (o Object) Kind() string       { return str(o.Body["kind"]) }
func (o Object) Name() string       { return str(asMap(o.Body["metadata"])["name"]) }
func (o Object) Namespace() string  { return str(asMap(o.Body["metadata"])["namespace"]) }

// Lookup resolves a plain reference to another block of the stack (a
// namespace's name, an AWS role's ARN, an SSM parameter's value) to the
// value Terraform would give it at apply time; tfcheck.Resolver's Lookup
// is one.
type Lookup func(expr string) (string, error)

// Translation is what Translate makes of a stack.
type Translation struct {
	Objects []Object
	// LeftOut counts the blocks of the Kubernetes and Helm providers the
	// tier does not create, by resource type (helm_release: a chart's
	// objects come from the chart, not from the stack).
	LeftOut map[string]int
}

// translators make the API object of each resource type of the
// kubernetes provider that Stratum uses. A type without one fails the
// tier by name: a guessed translation would check nothing.
var translators = map[string]func(cfg map[string]any) (map[string]any, error){
	"kubernetes_namespace_v1":       namespaceV1,
	"kubernetes_resource_quota_v1":  resourceQuotaV1,
	"kubernetes_limit_range_v1":     limitRangeV1,
	"kubernetes_network_policy_v1":  networkPolicyV1,
	"kubernetes_service_account_v1": serviceAccountV1,
	"kubernetes_storage_class_v1":   storageClassV1,
}

// leftOutTypes are resource types the tier counts and does not create.
var leftOutTypes = map[string]bool{"helm_release": true}

// Translate turns every Kubernetes resource of a synthesized stack (its
// cdk.tf.json) into the object the provider would send, its references
// resolved by lookup. An object depends on the Kubernetes blocks it
// refers to and those its depends_on names.
func Translate(raw []byte, lookup Lookup) (*Translation, error) {
	var doc struct {
		Resource map[string]map[string]json.RawMessage `json:"resource"`
		Data     map[string]map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	tr := &Translation{LeftOut: map[string]int{}}
	cfgs := map[string]map[string]any{}
	var problems []string
	for _, typ := range sortedKeys(doc.Resource) {
		if leftOutTypes[typ] {
			tr.LeftOut[typ] += len(doc.Resource[typ])
			continue
		}
		if !strings.HasPrefix(typ, "kubernetes_") {
			continue
		}
		if _, ok := translators[typ]; !ok && typ != "kubernetes_manifest" {
			problems = append(problems, fmt.Sprintf("%s: no translation to an API object in testkit/kubecheck (translate.go translators): add one from the provider's expand functions", typ))
			continue
		}
		for _, name := range sortedKeys(doc.Resource[typ]) {
			var cfg map[string]any
			if err := json.Unmarshal(doc.Resource[typ][name], &cfg); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", typ, name, err)
			}
			cfgs[typ+"."+name] = cfg
		}
	}
	for typ := range doc.Data {
		if strings.HasPrefix(typ, "kubernetes_") || strings.HasPrefix(typ, "helm_") {
			problems = append(problems, fmt.Sprintf("data source %s: reading the cluster is not part of the tier; add it to testkit/kubecheck", typ))
		}
	}
	for _, addr := range sortedKeys(cfgs) {
		cfg := cfgs[addr]
		typ := addr[:strings.Index(addr, ".")]
		resolved, deps, err := resolve(cfg, cfgs, lookup)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", addr, err))
			continue
		}
		// depends_on on AWS resources orders nothing the tier creates.
		for _, d := range asList(cfg["depends_on"]) {
			if d := str(d); cfgs[d] != nil && !slices.Contains(deps, d) {
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		obj := Object{Address: addr, DependsOn: deps}
		if typ == "kubernetes_manifest" {
			m := asMap(resolved["manifest"])
			if m == nil {
				problems = append(problems, fmt.Sprintf("%s: no manifest", addr))
				continue
			}
			obj.Apply, obj.FieldManager = true, FieldManager
			if fm := block(cfg["field_manager"]); fm != nil {
				obj.FieldManager = strOr(fm["name"], FieldManager)
				obj.Force, _ = fm["force_conflicts"].(bool)
			}
			obj.Body = removeNulls(m).(map[string]any)
		} else if obj.Body, err = translators[typ](resolved); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", addr, err))
			continue
		}
		tr.Objects = append(tr.Objects, obj)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return tr, nil
}

// The translators follow terraform-provider-kubernetes v2.37.1 (the
// version the stacks pin): kubernetes/structures.go expandMetadata and
// expandMapToResourceList, structure_network_policy.go, structure_label_
// selector.go, and each resource's Create function, with the schema
// defaults the provider fills in (a namespaced object's namespace
// "default", a service account's automount_service_account_token true, a
// storage class's reclaim_policy Delete, volume_binding_mode Immediate and
// allow_volume_expansion true).

// metadata is expandMetadata: annotations and labels only when non-empty.
func metadata(cfg map[string]any, namespaced bool) (map[string]any, error) {
	in := block(cfg["metadata"])
	if in == nil {
		return nil, fmt.Errorf("no metadata block")
	}
	out := map[string]any{}
	for _, k := range []string{"annotations", "labels"} {
		if m := asMap(in[k]); len(m) > 0 {
			sm, err := stringMap(m)
			if err != nil {
				return nil, fmt.Errorf("metadata.%s: %w", k, err)
			}
			out[k] = sm
		}
	}
	for tf, api := range map[string]string{"name": "name", "generate_name": "generateName"} {
		if v, ok := in[tf]; ok {
			out[api] = str(v)
		}
	}
	if namespaced {
		ns := "default"
		if v, ok := in["namespace"]; ok {
			ns = str(v)
		}
		out["namespace"] = ns
	}
	return out, nil
}

// object is an API object of kind with the block's metadata.
func object(cfg map[string]any, apiVersion, kind string, namespaced bool) (map[string]any, error) {
	md, err := metadata(cfg, namespaced)
	if err != nil {
		return nil, err
	}
	return map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": md}, nil
}

func namespaceV1(cfg map[string]any) (map[string]any, error) {
	return object(cfg, "v1", "Namespace", false)
}

func resourceQuotaV1(cfg map[string]any) (map[string]any, error) {
	o, err := object(cfg, "v1", "ResourceQuota", true)
	if err != nil {
		return nil, err
	}
	spec := map[string]any{}
	if in := block(cfg["spec"]); in != nil {
		if h, ok := in["hard"]; ok {
			hard, err := resourceList(asMap(h))
			if err != nil {
				return nil, fmt.Errorf("spec.hard: %w", err)
			}
			spec["hard"] = hard
		}
		if s, ok := in["scopes"]; ok {
			spec["scopes"] = stringList(s)
		}
		if sel := block(in["scope_selector"]); sel != nil {
			var exprs []any
			for _, e := range blocks(sel["match_expression"]) {
				exprs = append(exprs, map[string]any{"scopeName": str(e["scope_name"]), "operator": str(e["operator"]), "values": stringList(e["values"])})
			}
			spec["scopeSelector"] = map[string]any{"matchExpressions": exprs}
		}
	}
	o["spec"] = spec
	return o, nil
}

func limitRangeV1(cfg map[string]any) (map[string]any, error) {
	o, err := object(cfg, "v1", "LimitRange", true)
	if err != nil {
		return nil, err
	}
	var limits []any
	if in := block(cfg["spec"]); in != nil {
		for i, l := range blocks(in["limit"]) {
			item := map[string]any{"type": str(l["type"])}
			for tf, api := range map[string]string{"default": "default", "default_request": "defaultRequest", "max": "max", "min": "min", "max_limit_request_ratio": "maxLimitRequestRatio"} {
				v, ok := l[tf]
				if !ok {
					continue
				}
				if tf == "default_request" && item["type"] == "Pod" && len(asMap(v)) > 0 {
					return nil, fmt.Errorf("spec.limit.%d.default_request cannot be set for Pod limit (the provider refuses it)", i)
				}
				rl, err := resourceList(asMap(v))
				if err != nil {
					return nil, fmt.Errorf("spec.limit.%d.%s: %w", i, tf, err)
				}
				item[api] = rl
			}
			limits = append(limits, item)
		}
	}
	o["spec"] = map[string]any{"limits": limits}
	return o, nil
}

func networkPolicyV1(cfg map[string]any) (map[string]any, error) {
	o, err := object(cfg, "networking.k8s.io/v1", "NetworkPolicy", true)
	if err != nil {
		return nil, err
	}
	in := block(cfg["spec"])
	if in == nil {
		return nil, fmt.Errorf("failed to expand NetworkPolicy.Spec: null or empty input")
	}
	spec := map[string]any{"podSelector": labelSelector(in["pod_selector"])}
	for tf, peersKey := range map[string]string{"ingress": "from", "egress": "to"} {
		rules := blocks(in[tf])
		if len(rules) == 0 {
			continue
		}
		var out []any
		for _, rule := range rules {
			r := map[string]any{}
			if ports := blocks(rule["ports"]); len(ports) > 0 {
				var ps []any
				for _, p := range ports {
					pm := map[string]any{}
					if v := str(p["port"]); v != "" {
						pm["port"] = intOrString(v)
					}
					if v, ok := number(p["end_port"]); ok && v != 0 {
						pm["endPort"] = v
					}
					if v := str(p["protocol"]); v != "" {
						pm["protocol"] = v
					}
					ps = append(ps, pm)
				}
				r["ports"] = ps
			}
			if peers := blocks(rule[peersKey]); len(peers) > 0 {
				var out []any
				for _, p := range peers {
					pm := map[string]any{}
					if ipb := block(p["ip_block"]); ipb != nil {
						b := map[string]any{}
						if v := str(ipb["cidr"]); v != "" {
							b["cidr"] = v
						}
						if ex := stringList(ipb["except"]); len(ex) > 0 {
							b["except"] = ex
						}
						pm["ipBlock"] = b
					}
					if _, ok := p["namespace_selector"]; ok && len(blocks(p["namespace_selector"])) > 0 {
						pm["namespaceSelector"] = labelSelector(p["namespace_selector"])
					}
					if _, ok := p["pod_selector"]; ok && len(blocks(p["pod_selector"])) > 0 {
						pm["podSelector"] = labelSelector(p["pod_selector"])
					}
					out = append(out, pm)
				}
				r[peersKey] = out
			}
			out = append(out, r)
		}
		spec[tf] = out
	}
	types := []any{}
	for _, t := range asList(in["policy_types"]) {
		types = append(types, str(t))
	}
	spec["policyTypes"] = types
	o["spec"] = spec
	return o, nil
}

func serviceAccountV1(cfg map[string]any) (map[string]any, error) {
	o, err := object(cfg, "v1", "ServiceAccount", true)
	if err != nil {
		return nil, err
	}
	automount := true
	if v, ok := cfg["automount_service_account_token"].(bool); ok {
		automount = v
	}
	o["automountServiceAccountToken"] = automount
	for tf, api := range map[string]string{"image_pull_secret": "imagePullSecrets", "secret": "secrets"} {
		if refs := blocks(cfg[tf]); len(refs) > 0 {
			var out []any
			for _, r := range refs {
				out = append(out, map[string]any{"name": str(r["name"])})
			}
			o[api] = out
		}
	}
	return o, nil
}

func storageClassV1(cfg map[string]any) (map[string]any, error) {
	o, err := object(cfg, "storage.k8s.io/v1", "StorageClass", false)
	if err != nil {
		return nil, err
	}
	o["provisioner"] = str(cfg["storage_provisioner"])
	o["reclaimPolicy"] = strOr(cfg["reclaim_policy"], "Delete")
	o["volumeBindingMode"] = strOr(cfg["volume_binding_mode"], "Immediate")
	expand := true
	if v, ok := cfg["allow_volume_expansion"].(bool); ok {
		expand = v
	}
	o["allowVolumeExpansion"] = expand
	if p := asMap(cfg["parameters"]); len(p) > 0 {
		sm, err := stringMap(p)
		if err != nil {
			return nil, fmt.Errorf("parameters: %w", err)
		}
		o["parameters"] = sm
	}
	if mo := stringList(cfg["mount_options"]); len(mo) > 0 {
		o["mountOptions"] = mo
	}
	if at := block(cfg["allowed_topologies"]); at != nil {
		var exprs []any
		for _, e := range blocks(at["match_label_expressions"]) {
			exprs = append(exprs, map[string]any{"key": str(e["key"]), "values": stringList(e["values"])})
		}
		o["allowedTopologies"] = []any{map[string]any{"matchLabelExpressions": exprs}}
	}
	return o, nil
}

// labelSelector is expandLabelSelector: an empty block selects all.
func labelSelector(v any) map[string]any {
	out := map[string]any{}
	in := block(v)
	if in == nil {
		return out
	}
	if ml := asMap(in["match_labels"]); len(ml) > 0 {
		sm, _ := stringMap(ml)
		out["matchLabels"] = sm
	}
	if exprs := blocks(in["match_expressions"]); len(exprs) > 0 {
		var out2 []any
		for _, e := range exprs {
			out2 = append(out2, map[string]any{"key": str(e["key"]), "operator": str(e["operator"]), "values": stringList(e["values"])})
		}
		out["matchExpressions"] = out2
	}
	return out
}

// resourceList is expandMapToResourceList: quantities, which the
// server parses (and refuses when malformed).
func resourceList(m map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range m {
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case float64:
			s = strconv.FormatFloat(t, 'f', -1, 64)
		default:
			return nil, fmt.Errorf("%s: unexpected value %#v", k, v)
		}
		out[k] = s
	}
	return out, nil
}

// intOrString is intstr.Parse: a number is an integer port.
func intOrString(s string) any {
	if i, err := strconv.Atoi(s); err == nil {
		return i
	}
	return s
}

func stringMap(m map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range m {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("%s: %#v is not a string", k, v)
		}
		out[k] = s
	}
	return out, nil
}

func stringList(v any) []any {
	out := []any{}
	for _, e := range asList(v) {
		out = append(out, str(e))
	}
	return out
}

// removeNulls is the manifest provider's mapRemoveNulls: the API refuses
// requests with null attributes.
func removeNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if e == nil {
				continue
			}
			out[k] = removeNulls(e)
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			if e != nil {
				out = append(out, removeNulls(e))
			}
		}
		return out
	}
	return v
}

// block is a nested block that appears at most once: cdktf writes it as
// an object or as a list of one.
func block(v any) map[string]any {
	if l := blocks(v); len(l) > 0 {
		return l[0]
	}
	return nil
}

// blocks are a nested block's entries, written as a list or (one) as an
// object.
func blocks(v any) []map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return []map[string]any{t}
	case []any:
		var out []map[string]any
		for _, e := range t {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func strOr(v any, def string) string {
	if s := str(v); s != "" {
		return s
	}
	return def
}

func number(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
