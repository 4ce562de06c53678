# Stratum. The two commands a newcomer needs:
#   make synth   synthesize every stack into cdktf.out/ (no AWS account needed)
#   make test    run every test (snapshots, behaviour, validation)
# Each target installs what it needs first and is quick when nothing changed.

SHELL := /bin/bash
# Node 20 is past its end of life: jsii prints a banner per process unless
# its major version is listed here (the DEPRECATED variable covers a release
# nearing its end of life).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CHECKPOINT_DISABLE := 1
# Every target compiles with -trimpath, as the pipelines build stratum
# (tools/pipelines, buildScript) and as `stratum changed` builds each
# revision it compares: one set of compiled packages in the Go build cache
# then serves make synth, make test, the revisions changed builds and a
# copy of the repository anywhere (make onboarding-check), where without
# it the tests of changed compiled every dependency a second time (about
# 80 s on 2 cores with an empty cache). A plain `go test` outside make
# keeps its own set.
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)

# Provider bindings the Go proxy does not serve (the Kubernetes and Helm
# providers'), generated from their npm packages with jsii-pacmak; go.mod
# points at them with a replace (README.md, "The two commands"). The stamp
# depends on the lock file, so a version bump regenerates them.
GEN      := .gen/pacmak
NPM_DONE := node_modules/.stratum-installed
GEN_DONE := $(GEN)/.stratum-generated
# Published schemas the pipeline tests validate against (scripts/fetch-schemas).
SCHEMAS  := .gen/schemas/gitlab-ci.json

# The Terraform tier (go test ./stacks, TestTerraform) and the Kubernetes
# tier (go test ./testkit/kubecheck) write their summaries here; go test
# shows a passing test's output only with -v.
TIER_REPORT      := .gen/terraform-tier.txt
KUBE_TIER_REPORT := .gen/kubernetes-tier.txt

# In CI the Kubernetes tier must run, so make test builds the API server
# first (once per release: a no-op when it is there); elsewhere the tier
# skips without it and `make kube-apiserver` builds it.
ifeq ($(CI),true)
TEST_SERVERS := kube-apiserver
endif

.PHONY: synth test update onboarding-check placeholders generate support scan bench bench-changed bench-migrate bench-scale bindings deps hcl tofu kube-apiserver clean

synth: $(GEN_DONE)
	./scripts/synth

test: $(GEN_DONE) $(SCHEMAS) $(TEST_SERVERS)
	@rm -f $(TIER_REPORT) $(KUBE_TIER_REPORT)
	STRATUM_TIER_REPORT=$(CURDIR)/$(TIER_REPORT) STRATUM_KUBE_TIER_REPORT=$(CURDIR)/$(KUBE_TIER_REPORT) go test -timeout 30m ./...
	@cat $(TIER_REPORT) 2>/dev/null || echo "terraform tier: go test reused its cached result (nothing it checks changed); go test -count=1 ./stacks runs it again"
	@cat $(KUBE_TIER_REPORT) 2>/dev/null || echo "kubernetes tier: go test reused its cached result (nothing it checks changed); go test -count=1 ./testkit/kubecheck runs it again"

# Every stack as plain Terraform HCL, the way out of cdktf (docs/exit.md).
hcl: $(GEN_DONE)
	go run . hcl

# trivy's misconfiguration scan of the HCL export, judged against
# .trivyignore.yaml (unaccepted HIGH/CRITICAL findings and stale entries
# fail); trivy is built once into .gen/trivy/ (about 15 minutes the first
# time), too slow for make test: the pull-request pipelines run it.
scan: $(GEN_DONE)
	./scripts/scan

# OpenTofu, built once from the Go module proxy; the Terraform tier then
# checks every stack with tofu too.
tofu:
	./scripts/tofu

# The Kubernetes API server of each release the environments' cluster
# versions pin, built once from the Go module proxy into .gen/; the
# Kubernetes tier starts it.
kube-apiserver:
	./scripts/kube-apiserver

# After a change (onboarding a client is one): rewrite the snapshots and
# every committed generated file (make generate's files), then print the
# review summary against HEAD: added stacks with their resources by type,
# changed stacks address by address, generated files changed
# (docs/onboarding.md). GOLDEN_TESTS are the tests that rewrite golden files
# under -update, in GOLDEN_DIRS; TestGoldenTestsAreListed keeps both lists
# complete.
GOLDEN_DIRS  := ./stacks ./tools/synthesis
GOLDEN_TESTS := TestSnapshots|TestGeneratedFilesAreCurrent|TestIndexFormatPinned

update: $(GEN_DONE)
	go test $(GOLDEN_DIRS) -count=1 -run '^($(GOLDEN_TESTS))$$' -update
	@go run . review

# docs/onboarding.md followed in a copy of the repository: its entry under
# a fresh name, make update, its summary checked, then the tests of the
# packages an onboarding can change (onboarding_test.go). CI runs it after
# make test.
onboarding-check: $(GEN_DONE) $(SCHEMAS)
	STRATUM_ONBOARDING_CHECK=1 go test . -count=1 -timeout 60m -run '^TestOnboardingEndToEnd$$' -v

# Every configuration value still set to this repository's examples
# (accounts, domains, addresses, the repository): replace them before
# deploying.
placeholders: $(GEN_DONE)
	go run . placeholders

# Rewrite every committed generated file (the CI pipelines, the diagrams
# of docs/architecture.md); a test fails when one is stale.
generate: $(GEN_DONE)
	go run . generate

# Which configured Kubernetes and PostgreSQL versions leave AWS standard
# support within the window (exit 2 if any); the pipelines' scheduled
# support job runs it. WITHIN=90d widens the window.
WITHIN ?= 60d
support: $(GEN_DONE)
	go run . support -within $(WITHIN)

# How long `stratum changed` takes, as a ratio to one synthesis.
bench-changed: $(GEN_DONE)
	./scripts/bench-changed

bench: $(GEN_DONE)
	./scripts/bench

# stratum migrate on a generated 5,000-instance monolith (needs terraform).
bench-migrate: $(GEN_DONE)
	./scripts/bench-migrate

# Synthesis with N generated clients (default 100) on this machine and in the
# shards a pipeline would choose, changed and graph, next to the jsii floor.
bench-scale: $(GEN_DONE)
	./scripts/bench-scale $(N)

deps: $(NPM_DONE)
bindings: $(GEN_DONE)

$(NPM_DONE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@# Some npm packages ship .go files; a go.mod keeps them out of ./...
	echo 'module stratum.invalid/node_modules' > node_modules/go.mod
	touch $@

$(GEN_DONE): $(NPM_DONE)
	rm -rf $(GEN)
	npx --no-install jsii-pacmak --targets go --code-only --outdir $(GEN) \
		node_modules/@cdktf/provider-kubernetes node_modules/@cdktf/provider-helm
	./scripts/check-bindings $(GEN)
	touch $@

$(SCHEMAS): scripts/fetch-schemas $(NPM_DONE)
	./scripts/fetch-schemas

clean:
	rm -rf cdktf.out hcl.out .gen node_modules .cache/synth
