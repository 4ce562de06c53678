package stacks

import (
	"testing"

	"stratum/clients"
	"stratum/config"
	"stratum/tools/stateshare"
)

// TestStateShares: no state holds more than one client's data, and the
// largest state of each environment stays within issue 12's 15 % of the
// environment's resources at 100 clients. Synthesizing 100 clients is
// the scale benchmark's job (scripts/bench-scale checks the real figure);
// this extrapolates from the real configuration, which is sound because
// no stack's content depends on the other clients (TestOnboarding): at N
// clients an environment holds its environment stacks plus N clients'
// database and client stacks, and its largest stack is the largest of
// either kind.
func TestStateShares(t *testing.T) {
	const clientsAtScale, maxShare = 100, 0.15
	s := defaultSynth(t)
	var all []stateshare.Stack
	byName := map[string]stateshare.Stack{}
	for _, name := range s.names() {
		st, err := stateshare.Describe(name, s.raw[name])
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, st)
		byName[name] = st
	}
	for _, p := range stateshare.Problems(all, 1) {
		t.Error(p)
	}
	for _, env := range config.Environments() {
		t.Run(env.Name, func(t *testing.T) {
			fixed, largest := 0, 0
			for _, l := range environmentLayers {
				n := byName[l.StackName(env.Name, "")].Resources
				fixed += n
				largest = max(largest, n)
			}
			tenancies := clients.Tenancies(clients.All, env)
			if len(tenancies) == 0 {
				t.Skipf("no client in %s to extrapolate from", env.Name)
			}
			perClient := 0
			for _, tn := range tenancies {
				for _, l := range clientLayers {
					st := byName[l.StackName(env.Name, tn.Client.Name)]
					if len(st.Clients) != 1 || st.Clients[0] != tn.Client.Name {
						t.Errorf("%s holds the data of %v, want %s's only", st.Name, st.Clients, tn.Client.Name)
					}
					perClient += st.Resources
					largest = max(largest, st.Resources)
				}
			}
			total := float64(fixed) + clientsAtScale*float64(perClient)/float64(len(tenancies))
			if share := float64(largest) / total; share > maxShare {
				t.Errorf("at %d clients the largest state would hold %.1f %% of %.0f resources, want at most %.0f %%", clientsAtScale, 100*share, total, 100*maxShare)
			}
		})
	}
}
