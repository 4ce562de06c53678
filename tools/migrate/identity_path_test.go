package migrate

import (
	"strings"
	"testing"
)

func TestSplitPath(t *testing.T) {
	for in, want := range map[string]string{
		"name": "name", "tags.Name": "tags|Name", "metadata[0].name": "metadata|0|name",
		"identity[0].oidc[0].issuer": "identity|0|oidc|0|issuer", "aws_vpc.v.id": "aws_vpc|v|id",
	} {
		if got := strings.Join(splitPath(in), "|"); got != want {
			t.Errorf("splitPath(%q) = %q, want %q", in, got, want)
		}
	}
}
