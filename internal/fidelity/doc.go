// Package fidelity holds the check that openapi.yaml carries every fact
// Solid's pages document (api/solid-docs/facts.json, rebuilt by
// internal/cmd/docfacts), except the differences decided in
// api/solid-docs/decisions.yaml. It has no code outside its tests.
package fidelity
