package hclexport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stackJSON and cdktfHCL are a stack as synthesized and as cdktf 0.20
// renders it: a string with quotes and an interpolation left unescaped,
// a list written as an object keyed "0", and quoted references.
const stackJSON = `{
  "//": {"metadata": {"stackName": "client-ezra-prod"}},
  "terraform": {
    "backend": {"s3": {"bucket": "stratum-prod-tfstate", "key": "client-ezra-prod/terraform.tfstate", "encrypt": true}},
    "required_providers": {"aws": {"source": "aws", "version": "5.84.0"}}
  },
  "provider": {"aws": [{"region": "us-east-1", "default_tags": [{"tags": {"Project": "stratum"}}]}]},
  "resource": {
    "aws_ssm_parameter": {
      "buckets": {
        "//": {"metadata": {"path": "client-ezra-prod/buckets"}},
        "name": "/stratum/prod/clients/ezra/buckets",
        "type": "String",
        "insecure_value": "{\"uploads\":\"${aws_s3_bucket.uploads.bucket}\"}",
        "depends_on": ["aws_s3_bucket.uploads"]
      }
    },
    "aws_s3_bucket": {"uploads": {"bucket": "stratum-prod-ezra-uploads", "tags": {"a.b/c": "x \\ y"}}},
    "kubernetes_manifest": {"policy": {"manifest": {"spec": {"validationActions": ["Deny"]}}}}
  }
}`

const cdktfHCL = `terraform {
required_providers {
  aws = {
version = "5.84.0"
source = "aws"
}
}
backend "s3" {
bucket = "stratum-prod-tfstate"
key = "client-ezra-prod/terraform.tfstate"
encrypt = true
}
}

provider "aws" {
region = "us-east-1"
default_tags {
tags = {
Project = "stratum"
}
}
}
resource "aws_ssm_parameter" "buckets" {
name = "/stratum/prod/clients/ezra/buckets"
type = "String"
insecure_value = "{"uploads":"${aws_s3_bucket.uploads.bucket}"}"
depends_on = [
"aws_s3_bucket.uploads",
]
}
resource "aws_s3_bucket" "uploads" {
bucket = "stratum-prod-ezra-uploads"
tags = {
"a.b/c" = "x \ y"
}
}
resource "kubernetes_manifest" "policy" {
manifest = {
spec = {
validationActions = {
0 = "Deny"
}
}
}
}
`

func TestRender(t *testing.T) {
	out, err := Render("client-ezra-prod", []byte(stackJSON), []byte(cdktfHCL))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{
		`insecure_value = "{\"uploads\":\"${aws_s3_bucket.uploads.bucket}\"}"`,
		`depends_on     = [aws_s3_bucket.uploads]`,
		"validationActions = [",
		"\n}\n\nresource \"aws_s3_bucket\" \"uploads\" {",
		`"a.b/c" = "x \\ y"`,
		`backend "s3" {`,
		"default_tags {",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered HCL lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "0 = ") {
		t.Errorf("a list is still written as an object:\n%s", got)
	}
}

func TestRenderFailsWhenHCLAndJSONDiffer(t *testing.T) {
	cases := []struct{ name, hcl, want string }{
		{"block missing from the HCL", strings.Replace(cdktfHCL, `resource "aws_s3_bucket" "uploads" {
bucket = "stratum-prod-ezra-uploads"
tags = {
"a.b/c" = "x \ y"
}
}`, "", 1), "resource.aws_s3_bucket.uploads: only in the JSON"},
		{"attribute only in the HCL", strings.Replace(cdktfHCL, `type = "String"`, "type = \"String\"\ntier = \"Advanced\"", 1), "resource.aws_ssm_parameter.buckets.tier: attribute only in the HCL"},
		{"attribute missing from the HCL", strings.Replace(cdktfHCL, `type = "String"`, "", 1), "resource.aws_ssm_parameter.buckets.type: only in the JSON"},
		{"nested block missing", strings.Replace(cdktfHCL, "default_tags {\ntags = {\nProject = \"stratum\"\n}\n}\n", "", 1), "provider.aws.default_tags: only in the JSON"},
		{"block type not compared", cdktfHCL + "moved {\nfrom = a.b\nto = a.c\n}\n", "moved: block type not compared"},
		{"unparseable", cdktfHCL + "resource {\n", "cannot be parsed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Render("client-ezra-prod", []byte(stackJSON), []byte(c.hcl))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "client-ezra-prod") {
				t.Errorf("got %v, want an error naming the stack and containing %q", err, c.want)
			}
		})
	}
}

func TestEscapeBackslashes(t *testing.T) {
	cases := []struct {
		in, want string
		changed  bool
	}{
		{`plain`, `plain`, false},
		{`kept: \n \t \" \\ \u0074 \U0001F600`, `kept: \n \t \" \\ \u0074 \U0001F600`, false},
		{`a\b`, `a\\b`, true},
		{`hold \u escapes`, `hold \\u escapes`, true},
		{`contains('\\u')`, `contains('\\u')`, false},
		{`\u00`, `\\u00`, true},
		{`end\`, `end\\`, true},
	}
	for _, c := range cases {
		if got, changed := escapeBackslashes(c.in); got != c.want || changed != c.changed {
			t.Errorf("escapeBackslashes(%s) = %s, %t; want %s, %t", c.in, got, changed, c.want, c.changed)
		}
	}
}

func TestTemplateText(t *testing.T) {
	cases := []struct{ in, want string }{
		{`plain`, `plain`},
		{`say "hi"`, `say \"hi\"`},
		{`a\b`, `a\\b`},
		{"two\nlines", `two\nlines`},
		{`{"k":"${replace(x, "https://", "")}"}`, `{\"k\":\"${replace(x, "https://", "")}\"}`},
		{`$${literal} and %%{literal}`, `$${literal} and %%{literal}`},
		{`${a}-${b}`, `${a}-${b}`},
	}
	for _, c := range cases {
		if got := templateText(c.in); got != c.want {
			t.Errorf("templateText(%s) = %s, want %s", c.in, got, c.want)
		}
	}
	if expr, ok := singleInterpolation("${aws_x.y.arn}"); !ok || expr != "aws_x.y.arn" {
		t.Errorf("singleInterpolation = %q %t", expr, ok)
	}
	for _, s := range []string{"${a}-${b}", "x${a}", "${a}x"} {
		if _, ok := singleInterpolation(s); ok {
			t.Errorf("singleInterpolation(%s) = true, want false", s)
		}
	}
}

func TestReplaceDir(t *testing.T) {
	dir := t.TempDir()
	out, next, old := dir+"/hcl.out", dir+"/next", dir+"/old"
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(out+"/stacks/a/cdk.tf", "old")
	write(next+"/stacks/b/cdk.tf", "new")
	if err := replaceDir(out, next, old); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(out + "/stacks/b/cdk.tf"); err != nil || string(b) != "new" {
		t.Errorf("out/stacks/b/cdk.tf = %q, %v; want the new directory in place", b, err)
	}
	if _, err := os.Stat(out + "/stacks/a"); !os.IsNotExist(err) {
		t.Errorf("a stack of the old directory survived in out: %v", err)
	}
	// A failed swap puts the old directory back.
	write(out+"/stacks/c/cdk.tf", "kept")
	if err := replaceDir(out, dir+"/missing", dir+"/old2"); err == nil {
		t.Fatal("replaceDir with a missing next directory succeeded")
	}
	if b, err := os.ReadFile(out + "/stacks/c/cdk.tf"); err != nil || string(b) != "kept" {
		t.Errorf("after a failed swap out/stacks/c/cdk.tf = %q, %v; want it kept", b, err)
	}
}
