module stratum

go 1.26

require (
	github.com/aws/constructs-go/constructs/v10 v10.4.2
	github.com/aws/jsii-runtime-go v1.106.0
	github.com/cdktf/cdktf-provider-aws-go/aws/v19 v19.50.0
	github.com/cdktf/cdktf-provider-helm-go/helm/v10 v10.5.0
	github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 v11.12.1
	github.com/google/go-cmp v0.7.0
	github.com/hashicorp/terraform-cdk-go/cdktf v0.20.11
	github.com/rhysd/actionlint v1.7.12
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/Masterminds/semver/v3 v3.3.1 // indirect
	github.com/bmatcuk/doublestar/v4 v4.10.0 // indirect
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/fatih/color v1.19.0 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/mattn/go-runewidth v0.0.21 // indirect
	github.com/mattn/go-shellwords v1.0.12 // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	github.com/yuin/goldmark v1.7.17 // indirect
	go.yaml.in/yaml/v4 v4.0.0-rc.3 // indirect
	golang.org/x/lint v0.0.0-20210508222113-6edffad5e616 // indirect
	golang.org/x/mod v0.22.0 // indirect
	golang.org/x/sync v0.20.0 // indirect
	golang.org/x/sys v0.42.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	golang.org/x/tools v0.28.0 // indirect
)

// The Go module proxy does not serve these provider bindings; `make bindings`
// generates them from the pinned npm packages with jsii-pacmak.
replace github.com/cdktf/cdktf-provider-kubernetes-go/kubernetes/v11 => ./.gen/pacmak/go/kubernetes

replace github.com/cdktf/cdktf-provider-helm-go/helm/v10 => ./.gen/pacmak/go/helm
