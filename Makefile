# solid-go: every target runs offline once the Go module cache is filled.
# Tools are pinned in tools/go.mod and run with `go tool -modfile=...`.

GO       ?= go
TOOL     := $(GO) tool -modfile=tools/go.mod
GENFILES := gen/solid.gen.go gen/logvalue.gen.go internal/ops/ops.gen.go internal/spec/spec.gen.go internal/schemas/schemas.gen.go \
            methods.gen.go iterators.gen.go api.gen.go
# Spectral is pinned, with its whole dependency tree, by
# tools/spectral/package-lock.json; `npm ci` installs it on first use.
SPECTRAL := tools/spectral/node_modules/.bin/spectral

.PHONY: release-snapshot goreleaser-check test-examples check-mock conformance
all: ci

.PHONY: help check-tracked

## help: list the targets with what each does
help:
	@awk '/^## [a-z-]+:/ {sub(/^## /, ""); split($$0, a, ": "); printf "  %-18s %s\n", a[1], substr($$0, length(a[1]) + 3); prev = 1; next} /^## / && prev {sub(/^## /, ""); printf "  %-18s %s\n", "", $$0; next} {prev = 0}' $(MAKEFILE_LIST)

## check-tracked: fail if git tracks a binary or a file over 1 MiB
check-tracked:
	scripts/check-tracked.sh

.PHONY: all generate check-generated check-breaking check-goapi goapi-snapshot lint lint-spec test fuzz demo bench bench-mock ci release-check

## generate: regenerate gen/ from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail if gen/ or another generated file (the root
## *.gen.go of the typed layer too) differs from what `go generate` produces
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$$tmp" && \
	(cd "$$tmp" && $(GO) generate ./... >/dev/null) && \
	for f in $(GENFILES); do \
		diff -u "$$f" "$$tmp/$$f" || { echo "$$f is stale or edited by hand: run 'make generate'"; exit 1; }; \
	done; \
	extra=$$(cd "$$tmp" && { find gen internal/ops internal/spec internal/schemas -name '*.go'; find . -maxdepth 1 -name '*.gen.go'; } | sort) ; have=$$({ find gen internal/ops internal/spec internal/schemas -name '*.go'; find . -maxdepth 1 -name '*.gen.go'; } | sort); \
	[ "$$extra" = "$$have" ] || { echo "generated file list differs from generated: $$extra"; exit 1; }; \
	echo "gen/, internal/ops, internal/spec, internal/schemas and the root *.gen.go match openapi.yaml"

## lint: gofmt, go vet, staticcheck, actionlint on the CI workflow
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	$(TOOL) staticcheck ./...
	$(GO) tool -modfile=tools/actionlint/go.mod actionlint .github/workflows/ci.yml

## test: all tests, with the race detector
test:
	$(GO) test -race -count=1 ./...

## test-examples: the examples/otel module's tests (its own module, so
## OpenTelemetry stays out of the SDK's graph, which this checks too)
test-examples:
	cd examples/otel && $(GO) test -race -count=1 ./...
	@if $(GO) list -m all | grep -q '^go.opentelemetry.io/'; then echo "the SDK's module graph holds OpenTelemetry"; exit 1; fi
	@echo "the SDK's module graph holds no OpenTelemetry module"

## check-mock: Stoplight Prism in proxy mode with --errors in front of
## solid mock, a scripted session of every operation, then the story
## (scripts/story.sh --prism: creates, simulations, webhook events); any
## violation fails.
## Needs the npm registry the first time.
PRISM := tools/prism/node_modules/.bin/prism
check-mock: $(PRISM)
	scripts/check-mock.sh
	scripts/story.sh --prism

$(PRISM): tools/prism/package.json tools/prism/package-lock.json
	npm ci --prefix tools/prism --ignore-scripts --no-audit --no-fund
	touch $@

## conformance: does Solid's sandbox still match openapi.yaml? Runs solid
## conformance when SOLID_API_KEY and SOLID_CARD_ID are set (a team's own
## sandbox key and card), and says it skipped otherwise. Not in make ci.
conformance:
	@if [ -z "$$SOLID_API_KEY" ] || [ -z "$$SOLID_CARD_ID" ]; then \
		echo "conformance: skipped: set SOLID_API_KEY (a sandbox key) and SOLID_CARD_ID (a sandbox card) to run it"; \
	else \
		$(GO) run ./cmd/solid conformance --env sandbox --card "$$SOLID_CARD_ID"; \
	fi

## fuzz: run each fuzz target for a bounded number of inputs (FUZZTIME)
# An execution count, not a duration: with a duration, Go 1.26's fuzzing
# coordinator can report a bare "context deadline exceeded" at the deadline
# on a loaded machine (golang/go#75804, fixed in Go 1.27), seen here once.
FUZZTIME ?= 30000x
# PACKAGE:Target, one per fuzz target.
FUZZ_TARGETS := .:FuzzResponseDecoding .:FuzzCardIDPath .:FuzzListPages ./webhook:FuzzConstructEvent
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		p=$${t%%:*}; f=$${t#*:}; \
		echo "fuzz $$f ($$p) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	done

## check-breaking: fail if openapi.yaml breaks clients of the released spec
## (api/released.yaml), unless CHANGELOG.md's [Unreleased] says BREAKING
check-breaking:
	scripts/check-breaking.sh api/released.yaml openapi.yaml CHANGELOG.md

## check-goapi: fail if the exported Go API breaks callers of the last
## release (the newest api/go/v*.export), unless CHANGELOG.md's
## [Unreleased] says "BREAKING (Go API)"
VERSION       := $(shell sed -n 's/^const Version = "\(.*\)"$$/\1/p' solid.go)
GOAPI_BASELINE = $(shell ls api/go/v*.export | sort -V | tail -n 1)
check-goapi:
	scripts/check-goapi.sh $(GOAPI_BASELINE) CHANGELOG.md

## goapi-snapshot: record the Go API of the working tree as the baseline
## of this release (api/go/v$(VERSION).export); part of cutting a release
goapi-snapshot:
	scripts/goapi-snapshot.sh - api/go/v$(VERSION).export

## lint-spec: Spectral's recommended OpenAPI rules (.spectral.yaml) on openapi.yaml
## and the spec-evolution fixture (openapi.yaml + its overlay); any warning fails.
## Needs the npm registry the first time.
# The fixture is merged by internal/cmd/specoverlay into a temporary file.
lint-spec: $(SPECTRAL)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	mkdir -p "$$tmp/spec-evolution" && \
	$(GO) run ./internal/cmd/specoverlay -out "$$tmp/spec-evolution/openapi.yaml" openapi.yaml testdata/spec-evolution/overlay.yaml && \
	echo "$(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity warn openapi.yaml spec-evolution/openapi.yaml (openapi.yaml + testdata/spec-evolution/overlay.yaml)" && \
	$(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity warn openapi.yaml "$$tmp/spec-evolution/openapi.yaml"

$(SPECTRAL): tools/spectral/package.json tools/spectral/package-lock.json
	npm ci --prefix tools/spectral --ignore-scripts --no-audit --no-fund
	touch $@

## demo: the card program's story against an in-process mock: a card holder,
## a virtual card, a PIN, a webhook on a local listener, an authorization and
## its settlement, a freeze, and the signed events verified (no key, no network)
demo:
	$(GO) run ./cmd/solid demo

## bench: client and mock benchmarks beside their hand-written baselines,
## BENCH_ROUNDS interleaved rounds, one table of ratios (medians of the
## per-round ratios); the raw output stays in bench.out
BENCH_ROUNDS ?= 5
bench:
	@: > bench.out; \
	for i in $$(seq $(BENCH_ROUNDS)); do \
		echo "round $$i of $(BENCH_ROUNDS)" >&2; \
		$(GO) test -run '^$$' -bench 'SetPinToken' -benchtime 20000x . >> bench.out && \
		$(GO) test -run '^$$' -bench 'Serve|Handler' -benchtime 10000x ./solidtest >> bench.out && \
		$(GO) test -run '^$$' -bench 'Startup' -benchtime 50x ./solidtest >> bench.out || exit 1; \
	done; \
	grep -E '^(goos|goarch|cpu):' bench.out | sort -u; $(GO) version; \
	$(GO) run ./internal/cmd/benchratio < bench.out

## bench-mock: the mock as a process under load beside a constant server
## (scripts/bench-mock.sh with internal/cmd/loadgen; PRISM=1 adds Prism;
## MIX=1 sends every operation of testdata/bench/mix.json instead of one,
## to constant, solid mock --quiet (also with a webhook on every event)
## and Prism -v error; CLIENT=http loads through Go's http.Client).
## Loopback only; not in make ci
bench-mock:
	scripts/bench-mock.sh

## ci: everything CI runs
ci: check-tracked check-generated check-breaking check-goapi lint lint-spec test test-examples check-mock fuzz

## release-snapshot: build the `solid` binaries of .goreleaser.yaml (linux,
## macOS, Windows; amd64, arm64) and checksums.txt into dist/, untagged
GORELEASER := $(GO) run github.com/goreleaser/goreleaser/v2@v2.15.1
release-snapshot:
	SOLID_VERSION=$(VERSION) $(GORELEASER) release --snapshot --clean

## goreleaser-check: validate .goreleaser.yaml
goreleaser-check:
	$(GORELEASER) check

## release-check: everything before tagging a release: ci (which includes
## check-breaking and lint-spec), and the released spec recorded
release-check: ci goreleaser-check
	@cmp -s openapi.yaml api/released.yaml || { echo "release-check: copy openapi.yaml to api/released.yaml (see README, Spec lifecycle)"; exit 1; }
	@[ -f api/go/v$(VERSION).export ] || { echo "release-check: record the Go API: make goapi-snapshot (see README, Spec lifecycle)"; exit 1; }
	@echo "release-check: ready to tag v$(VERSION)"
