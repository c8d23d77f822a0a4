package solid

// The generator is pinned in tools/go.mod, a module of its own, so that it
// stays out of the dependency graph of services that import this SDK.
//go:generate go tool -modfile=tools/go.mod oapi-codegen -config gen/oapi-codegen.yaml openapi.yaml
//go:generate go run ./internal/opsgen -spec openapi.yaml -out internal/ops/ops.gen.go -spec-out internal/spec/spec.gen.go -gen gen/solid.gen.go -logvalue-out gen/logvalue.gen.go -schemas-out internal/schemas/schemas.gen.go -typed-dir .
