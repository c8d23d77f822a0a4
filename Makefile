# solid-go: every target runs offline once the Go module cache is filled.
# Tools are pinned in tools/go.mod and run with `go tool -modfile=...`.

GO       ?= go
TOOL     := $(GO) tool -modfile=tools/go.mod
GENFILES := gen/solid.gen.go gen/operations.gen.go

.PHONY: all generate check-generated lint test fuzz ci

all: ci

## generate: regenerate gen/ from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail if gen/ differs from what `go generate` produces
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$$tmp" && \
	(cd "$$tmp" && $(GO) generate ./... >/dev/null) && \
	for f in $(GENFILES); do \
		diff -u "$$f" "$$tmp/$$f" || { echo "$$f is stale or edited by hand: run 'make generate'"; exit 1; }; \
	done; \
	extra=$$(cd "$$tmp" && ls gen/*.go | sort) ; have=$$(ls gen/*.go | sort); \
	[ "$$extra" = "$$have" ] || { echo "gen/ file list differs from generated: $$extra"; exit 1; }; \
	echo "gen/ matches openapi.yaml"

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

## test: all tests, with the race detector
test:
	$(GO) test -race -count=1 ./...

## fuzz: run each fuzz target for a short bounded time (FUZZTIME)
FUZZTIME ?= 10s
FUZZ_TARGETS := FuzzResponseDecoding FuzzCardIDPath
fuzz:
	@for f in $(FUZZ_TARGETS); do \
		echo "fuzz $$f for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) . || exit 1; \
	done

## ci: everything CI runs
ci: check-generated lint test fuzz
