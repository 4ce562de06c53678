package clients

import (
	"strings"
	"testing"

	"stratum/config"
)

// stackClient is a small valid client the client-stack rules start from.
func stackClient() Client {
	return Client{
		Name: "acme", DisplayName: "Acme", CostCentre: "cc-9",
		Environments: []Environment{{Name: "dev"}},
		Buckets:      []Bucket{{Name: "data"}},
		Applications: []Application{{Name: "api", Buckets: map[string]Access{"data": ReadWrite}, Port: 8080}},
	}
}

func TestClientStackRules(t *testing.T) {
	if err := Validate([]Client{stackClient()}, config.Environments()); err != nil {
		t.Fatalf("Validate(valid) = %v, want nil", err)
	}
	cases := []struct {
		name   string
		mutate func(*Client)
		// want is a substring of the error: the field and the value.
		want string
	}{
		{"quota cpu", func(c *Client) { c.Environments[0].Quota = &Quota{CPU: "lots"} }, `Quota.CPU: "lots"`},
		{"quota memory", func(c *Client) { c.Environments[0].Quota = &Quota{Memory: "64 GB"} }, `Quota.Memory: "64 GB"`},
		{"quota pods", func(c *Client) { c.Environments[0].Quota = &Quota{Pods: -1} }, "Quota.Pods: -1"},
		{"quota load balancers", func(c *Client) { c.Environments[0].Quota = &Quota{LoadBalancers: -1} }, "Quota.LoadBalancers: -1"},
		{"app named nodes", func(c *Client) { c.Applications[0].Name = NodesName }, `Applications: "nodes"`},
		{"bucket named key", func(c *Client) {
			c.Buckets = []Bucket{{Name: KeyName}}
			c.Applications[0].Buckets = map[string]Access{KeyName: ReadWrite}
		}, `Buckets: "key"`},
		{"bad port", func(c *Client) { c.Applications[0].Port = 70000 }, "Applications[api].Port: 70000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := stackClient()
			c.Environments = append([]Environment(nil), c.Environments...)
			c.Applications = append([]Application(nil), c.Applications...)
			tc.mutate(&c)
			err := Validate([]Client{c}, config.Environments())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `client "acme"`) {
				t.Errorf("Validate = %v, want an error naming client \"acme\" and containing %q", err, tc.want)
			}
		})
	}
}

func TestValidateNameCollision(t *testing.T) {
	a := stackClient()
	a.Applications = append(a.Applications, Application{Name: "labs-api"})
	b := stackClient()
	b.Name = "acme-labs"
	err := Validate([]Client{a, b}, config.Environments())
	if err == nil || !strings.Contains(err.Error(), "stratum-dev-acme-labs-api") {
		t.Errorf("Validate = %v, want the colliding role stratum-dev-acme-labs-api named", err)
	}
}
