package kubecheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// interpolation finds ${…} sequences in a configuration string.
var interpolation = regexp.MustCompile(`\$\{([^{}]*)\}`)

// kubernetesRef is a reference to a Kubernetes or Helm block: its
// address, then attribute and index steps.
var kubernetesRef = regexp.MustCompile(`^((?:kubernetes|helm)_[a-z0-9_]+\.[A-Za-z_][A-Za-z0-9_-]*)[.\[]`)

// resolve returns cfg with every reference replaced by lookup's value
// and without Terraform's meta-arguments, and the Kubernetes blocks of
// the stack (cfgs) it references.
func resolve(cfg map[string]any, cfgs map[string]map[string]any, lookup Lookup) (map[string]any, []string, error) {
	var deps, errs []string
	var walk func(v any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				switch k {
				case "//", "depends_on", "lifecycle", "provider", "count", "for_each", "timeouts":
					// Terraform's, not sent to the API.
				default:
					out[k] = walk(e)
				}
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				out[i] = walk(e)
			}
			return out
		case string:
			return interpolation.ReplaceAllStringFunc(t, func(in string) string {
				expr := strings.TrimSpace(in[2 : len(in)-1])
				if m := kubernetesRef.FindStringSubmatch(expr); m != nil {
					if cfgs[m[1]] == nil {
						errs = append(errs, fmt.Sprintf("${%s}: the stack declares no Kubernetes object %s", expr, m[1]))
						return in
					}
					if !slices.Contains(deps, m[1]) {
						deps = append(deps, m[1])
					}
				}
				val, err := lookup(expr)
				if err != nil {
					errs = append(errs, fmt.Sprintf("${%s}: %v", expr, err))
					return in
				}
				return val
			})
		}
		return v
	}
	out := walk(cfg).(map[string]any)
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, deps, nil
}
