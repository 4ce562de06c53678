// Command floor is the jsii floor of Stratum's benchmarks: a one-stack
// cdktf app with the same providers as Stratum (AWS, Kubernetes, Helm) and
// a single resource. Everything Stratum's synthesis costs beyond this
// program is Stratum's own; scripts/bench and scripts/bench-scale report
// ratios to it. Like the synthesis engine's processes, it stops the jsii
// runtime before exiting (jsii.Close waits for Node.js to exit and
// removes the runtime's temporary directory).
package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/provider"
	"github.com/cdktf/cdktf-provider-aws-go/aws/v19/ssmparameter"
	helmprovider "github.com/cdktf/cdktf-provider-helm-go/helm/v10/provider"
	k8sprovider "github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11/provider"
	"github.com/hashicorp/terraform-cdk-go/cdktf"
)

func main() {
	defer jsii.Close()
	app := cdktf.NewApp(nil)
	stack := cdktf.NewTerraformStack(app, jsii.String("floor"))
	provider.NewAwsProvider(stack, jsii.String("aws"), &provider.AwsProviderConfig{Region: jsii.String("us-east-1")})
	k8sprovider.NewKubernetesProvider(stack, jsii.String("kubernetes"), &k8sprovider.KubernetesProviderConfig{})
	helmprovider.NewHelmProvider(stack, jsii.String("helm"), &helmprovider.HelmProviderConfig{})
	ssmparameter.NewSsmParameter(stack, jsii.String("floor"), &ssmparameter.SsmParameterConfig{
		Name: jsii.String("/floor"), Type: jsii.String("String"), InsecureValue: jsii.String("floor"),
	})
	app.Synth()
}
