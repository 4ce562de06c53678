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

# Provider bindings the Go proxy does not serve, generated from npm (see
# DESIGN.md, "Toolchain facts"). The stamp depends on the lock file, so a
# version bump regenerates them.
GEN      := .gen/pacmak
NPM_DONE := node_modules/.stratum-installed
GEN_DONE := $(GEN)/.stratum-generated

.PHONY: synth test update bench bench-scale bindings deps clean

synth: $(GEN_DONE)
	./scripts/synth

test: $(GEN_DONE)
	go test ./...

# Rewrite the golden files after reviewing the change (like a plan).
update: $(GEN_DONE)
	go test ./... -update

bench: $(GEN_DONE)
	./scripts/bench

# Synthesis with N generated clients (default 100), next to the jsii floor.
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

clean:
	rm -rf cdktf.out .gen node_modules .cache/synth
