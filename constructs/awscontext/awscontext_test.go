package awscontext

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ssmparameter"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

// use writes value into an SSM parameter under scope, so that the data
// source it references appears in the synthesized stack.
func use(scope constructs.Construct, id string, value *string) {
	ssmparameter.NewSsmParameter(scope, jsii.String(id), &ssmparameter.SsmParameterConfig{
		Name: jsii.String("/test/" + id), Type: jsii.String("String"), InsecureValue: value,
	})
}

func newStack(app cdktf.App, name string) cdktf.TerraformStack {
	s := cdktf.NewTerraformStack(app, jsii.String(name))
	provider.NewAwsProvider(s, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
	return s
}

// synthesized is a stack's Terraform JSON.
func synthesized(t *testing.T, s cdktf.TerraformStack) map[string]any {
	t.Helper()
	var j map[string]any
	if err := json.Unmarshal([]byte(*cdktf.Testing_Synth(s, jsii.Bool(false))), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

// dataOf is the names of the stack's data sources of typ.
func dataOf(j map[string]any, typ string) []string {
	byType, _ := j["data"].(map[string]any)
	all, _ := byType[typ].(map[string]any)
	var out []string
	for n := range all {
		out = append(out, n)
	}
	return out
}

// TestOnePerStack: constructs anywhere in a stack share one data source of
// each kind, at its fixed address; another stack has its own; a stack
// gets only the data sources its constructs ask for.
func TestOnePerStack(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes an app of its own (jsii loads the AWS provider: seconds); runs without -short")
	}
	app := cdktf.Testing_App(nil)
	first := newStack(app, "first")
	a := constructs.NewConstruct(first, jsii.String("a"))
	b := constructs.NewConstruct(constructs.NewConstruct(first, jsii.String("b")), jsii.String("nested"))
	use(a, "a-partition", Of(a).Partition())
	use(a, "a-account", Of(a).AccountID())
	use(b, "b-partition", Of(b).Partition())
	use(b, "b-region", Of(b).Region())
	use(b, "b-caller", Of(b).CallerARN())
	second := newStack(app, "second")
	use(second, "account", Of(second).AccountID())

	j := synthesized(t, first)
	for typ, want := range map[string]string{"aws_caller_identity": AccountID, "aws_partition": PartitionID, "aws_region": RegionID} {
		if got := dataOf(j, typ); len(got) != 1 || got[0] != want {
			t.Errorf("first: %s data sources %v, want exactly [%s]", typ, got, want)
		}
	}
	params := j["resource"].(map[string]any)["aws_ssm_parameter"].(map[string]any)
	for id, want := range map[string]string{
		"a-partition": "${data.aws_partition.aws-partition.partition}",
		"b-partition": "${data.aws_partition.aws-partition.partition}",
		"a-account":   "${data.aws_caller_identity.aws-account.account_id}",
		"b-caller":    "${data.aws_caller_identity.aws-account.arn}",
		"b-region":    "${data.aws_region.aws-region.name}",
	} {
		var got any
		for name, p := range params {
			if strings.HasPrefix(name, id) || strings.Contains(name, "_"+id+"_") {
				got = p.(map[string]any)["insecure_value"]
			}
		}
		if got != want {
			t.Errorf("%s = %v, want %s", id, got, want)
		}
	}

	j = synthesized(t, second)
	if got := dataOf(j, "aws_caller_identity"); fmt.Sprint(got) != "["+AccountID+"]" {
		t.Errorf("second: caller identities %v, want its own", got)
	}
	for _, typ := range []string{"aws_partition", "aws_region"} {
		if got := dataOf(j, typ); len(got) != 0 {
			t.Errorf("second: %s %v, but nothing asked for it", typ, got)
		}
	}
}

// TestFindsExistingDataSource: a Context that does not know the stack's
// data source (the stack reached as another Go value) finds it instead of
// creating a second, and a construct of another kind under the fixed id
// is refused with what is there.
func TestFindsExistingDataSource(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes an app of its own (jsii loads the AWS provider: seconds); runs without -short")
	}
	app := cdktf.Testing_App(nil)
	s := newStack(app, "s")
	use(s, "first", Of(s).Partition())
	fresh := &Context{stack: s}
	use(s, "second", fresh.Partition())
	j := synthesized(t, s)
	if got := dataOf(j, "aws_partition"); fmt.Sprint(got) != "["+PartitionID+"]" {
		t.Errorf("partitions %v, want the one both Contexts share", got)
	}

	other := newStack(app, "other")
	constructs.NewConstruct(other, jsii.String(RegionID))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "other/"+RegionID+" is a") {
			t.Errorf("recovered %v, want a panic naming other/%s", r, RegionID)
		}
	}()
	Of(other).Region()
}
