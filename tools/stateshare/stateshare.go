// Package stateshare measures how a synthesis spreads each environment
// over its states: how many resources each stack's state holds, as a share
// of its environment's resources, and whose data it holds (the clients
// its resources are tagged with or whose parameters it writes). Issue 12
// asks that no state hold more than one client's data, nor more than 15 %
// of an environment's resources at 100 clients; scripts/bench-scale
// reports both (tools/bench/shares), and a stacks test extrapolates
// them from the real configuration.
package stateshare

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"stratum/tools/synthesis"
)

// Stack is what one stack's state holds.
type Stack struct {
	Name        string
	Environment string
	// Resources are its managed resources (data sources hold nothing).
	Resources int
	// Clients are the clients whose data it holds, sorted.
	Clients []string
}

// Environment sums up one environment's stacks.
type Environment struct {
	Name      string
	Stacks    int
	Resources int
	// Largest is the stack holding the most resources.
	Largest Stack
}

// Share is the largest stack's share of the environment's resources.
func (e Environment) Share() float64 {
	if e.Resources == 0 {
		return 0
	}
	return float64(e.Largest.Resources) / float64(e.Resources)
}

// clientParameter matches the SSM parameters written for one client:
// /stratum/<env>/databases/<client>/… and /stratum/<env>/clients/<client>/….
var clientParameter = regexp.MustCompile(`^/[^/]+/[^/]+/(?:databases|clients)/([^/]+)/`)

// Describe reads one stack's cdk.tf.json.
func Describe(name string, raw []byte) (Stack, error) {
	var j struct {
		Provider struct {
			AWS []struct {
				DefaultTags []struct {
					Tags map[string]any `json:"tags"`
				} `json:"default_tags"`
			} `json:"aws"`
		} `json:"provider"`
		Resource map[string]map[string]map[string]any `json:"resource"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return Stack{}, fmt.Errorf("stack %s: %w", name, err)
	}
	s := Stack{Name: name}
	clients := map[string]bool{}
	for _, p := range j.Provider.AWS {
		for _, dt := range p.DefaultTags {
			if e, ok := dt.Tags["Environment"].(string); ok {
				s.Environment = e
			}
			if c, ok := dt.Tags["Client"].(string); ok && c != "" {
				clients[c] = true
			}
		}
	}
	if s.Environment == "" {
		return Stack{}, fmt.Errorf("stack %s: its AWS provider has no Environment default tag", name)
	}
	for typ, byName := range j.Resource {
		for _, r := range byName {
			s.Resources++
			tags, _ := r["tags"].(map[string]any)
			if c, ok := tags["Client"].(string); ok && c != "" && !strings.Contains(c, "${") {
				clients[c] = true
			}
			if n, ok := r["name"].(string); ok && typ == "aws_ssm_parameter" {
				if m := clientParameter.FindStringSubmatch(n); m != nil {
					clients[m[1]] = true
				}
			}
		}
	}
	for c := range clients {
		s.Clients = append(s.Clients, c)
	}
	sort.Strings(s.Clients)
	return s, nil
}

// Read describes every stack of a synthesized output directory
// (cdktf.out), sorted by name.
func Read(dir string) ([]Stack, error) {
	syn, err := synthesis.Read(dir)
	if err != nil {
		return nil, err
	}
	var out []Stack
	for _, st := range syn.Stacks {
		s, err := Describe(st.Name, st.JSON)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Environments sums the stacks up per environment, sorted by name.
func Environments(stacks []Stack) []Environment {
	by := map[string]*Environment{}
	for _, s := range stacks {
		e := by[s.Environment]
		if e == nil {
			e = &Environment{Name: s.Environment}
			by[s.Environment] = e
		}
		e.Stacks++
		e.Resources += s.Resources
		if s.Resources > e.Largest.Resources || s.Resources == e.Largest.Resources && s.Name < e.Largest.Name {
			e.Largest = s
		}
	}
	var out []Environment
	for _, e := range by {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Problems lists every stack holding more than one client's data, and
// every environment whose largest stack holds more than maxShare of its
// resources.
func Problems(stacks []Stack, maxShare float64) []string {
	var out []string
	for _, s := range stacks {
		if len(s.Clients) > 1 {
			out = append(out, fmt.Sprintf("%s holds the data of %d clients (%s), want at most one", s.Name, len(s.Clients), strings.Join(s.Clients, ", ")))
		}
	}
	for _, e := range Environments(stacks) {
		if e.Share() > maxShare {
			out = append(out, fmt.Sprintf("%s: %s holds %d of the environment's %d resources (%.1f %%), want at most %.0f %%",
				e.Name, e.Largest.Name, e.Largest.Resources, e.Resources, 100*e.Share(), 100*maxShare))
		}
	}
	return out
}
