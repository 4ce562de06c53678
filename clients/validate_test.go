package clients

import (
	"strings"
	"testing"

	"stratum/config"
	_ "stratum/internal/golden" // accepts -update
)

func TestAllIsValid(t *testing.T) {
	if err := Validate(All, config.Environments()); err != nil {
		t.Fatalf("Validate(All) = %v, want nil", err)
	}
}

// valid is a small client every error case starts from.
func valid() Client {
	return Client{
		Name: "acme", DisplayName: "Acme", CostCentre: "cc-9",
		Environments: []Environment{{Name: "dev"}},
		Buckets:      []Bucket{{Name: "data"}},
		Applications: []Application{{Name: "api", Buckets: map[string]Access{"data": ReadWrite}, Port: 8080}},
	}
}

func TestValidClient(t *testing.T) {
	if err := Validate([]Client{valid()}, config.Environments()); err != nil {
		t.Fatalf("Validate(valid) = %v, want nil", err)
	}
}

func TestValidateResourcesErrors(t *testing.T) {
	long := strings.Repeat("a", 50)
	cases := []struct {
		name   string
		mutate func(*Client)
		// want is a substring of the error: the field and the value.
		want string
	}{
		{"duplicate environment", func(c *Client) { c.Environments = append(c.Environments, Environment{Name: "dev"}) }, `Environments: "dev"`},
		{"nodes min above desired", func(c *Client) {
			c.Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"m6i.large"}, MinSize: 3, DesiredSize: 2, MaxSize: 4, DiskSizeGiB: 50}
		}, "Environments[dev].Nodes"},
		{"nodes without instance types", func(c *Client) {
			c.Environments[0].Nodes = &config.NodeGroup{MinSize: 1, DesiredSize: 1, MaxSize: 1, DiskSizeGiB: 50}
		}, "Nodes.InstanceTypes"},
		{"nodes small disk", func(c *Client) {
			c.Environments[0].Nodes = &config.NodeGroup{InstanceTypes: []string{"m6i.large"}, MinSize: 1, DesiredSize: 1, MaxSize: 1, DiskSizeGiB: 8}
		}, "Nodes.DiskSizeGiB: 8"},
		{"bucket name", func(c *Client) { c.Buckets[0].Name = "Data_1" }, `Buckets: "Data_1"`},
		{"duplicate bucket", func(c *Client) { c.Buckets = append(c.Buckets, Bucket{Name: "data"}) }, `Buckets: "data"`},
		{"bucket name too long", func(c *Client) {
			c.Buckets[0].Name = long
			c.Applications[0].Buckets = nil
		}, "S3 bucket name stratum-dev-acme-" + long},
		{"storage class", func(c *Client) {
			c.Buckets[0].Lifecycle.Transitions = []Transition{{Days: 30, StorageClass: "COLD"}}
		}, `Transitions[0].StorageClass: "COLD"`},
		{"transitions out of order", func(c *Client) {
			c.Buckets[0].Lifecycle.Transitions = []Transition{{Days: 90, StorageClass: "GLACIER"}, {Days: 60, StorageClass: "DEEP_ARCHIVE"}}
		}, "Transitions[1].Days: 60"},
		{"standard-ia too early", func(c *Client) {
			c.Buckets[0].Lifecycle.Transitions = []Transition{{Days: 7, StorageClass: "STANDARD_IA"}}
		}, "Transitions[0].Days: 7"},
		{"expiration before transition", func(c *Client) {
			c.Buckets[0].Lifecycle = Lifecycle{Transitions: []Transition{{Days: 90, StorageClass: "GLACIER"}}, ExpirationDays: 30}
		}, "ExpirationDays: 30"},
		{"app name", func(c *Client) { c.Applications[0].Name = "API" }, `Applications: "API"`},
		{"duplicate app", func(c *Client) { c.Applications = append(c.Applications, Application{Name: "api"}) }, `Applications: "api"`},
		{"role name too long", func(c *Client) { c.Applications[0].Name = long }, "IAM role name"},
		{"unknown bucket", func(c *Client) { c.Applications[0].Buckets = map[string]Access{"logs": ReadOnly} }, `Applications[api].Buckets: "logs"`},
		{"bad access", func(c *Client) { c.Applications[0].Buckets = map[string]Access{"data": "admin"} }, `Applications[api].Buckets[data]: "admin"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			// Copy what mutate may change in place.
			c.Environments = append([]Environment(nil), c.Environments...)
			tc.mutate(&c)
			err := Validate([]Client{c}, config.Environments())
			if err == nil {
				t.Fatalf("Validate = nil, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `client "`) {
				t.Errorf("Validate = %q, want it to name the client and contain %q", err, tc.want)
			}
		})
	}
}
