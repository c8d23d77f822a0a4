package main

// The record: facts only (no descriptions), sorted, so that a refresh reads
// as a diff.

// Record is what facts.json holds.
type Record struct {
	Comment    string      `json:"comment"`
	Operations []Operation `json:"operations"`
}

// Source values of an Operation.
const (
	SourceOpenAPI  = "openapi"   // a raw OpenAPI 3.0.3 fragment
	SourceMintlify = "mintlify"  // Mintlify's resolved form
	SourceNoPage   = "no_page"   // Solid publishes no API page for it
	SourceNotSaved = "not_saved" // a page exists but was not saved (noStoredCopy, or -allow-missing)
)

// Operation is one documented operation and what its page says.
type Operation struct {
	OperationID string     `json:"operation_id"`
	Tag         string     `json:"tag"`
	Method      string     `json:"method"`
	Path        string     `json:"path"`
	Page        string     `json:"page"`
	Source      string     `json:"source"`
	Parameters  []Param    `json:"parameters,omitempty"`
	Request     *Body      `json:"request,omitempty"`
	Responses   []Response `json:"responses,omitempty"`
	Examples    []Example  `json:"examples,omitempty"`
}

// Param is a documented parameter.
type Param struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required,omitempty"`
	Type     string `json:"type,omitempty"`
	Format   string `json:"format,omitempty"`
	Enum     []any  `json:"enum,omitempty"`
}

// Body is a documented request body.
type Body struct {
	ContentType string  `json:"content_type"`
	Fields      []Field `json:"fields,omitempty"`
}

// Response is a documented status, with its body's fields if it has one.
type Response struct {
	Status      string  `json:"status"`
	ContentType string  `json:"content_type,omitempty"`
	Fields      []Field `json:"fields,omitempty"`
}

// Field is one documented property at its flattened JSON path: "a.b" for a
// nested object, "a[]" for the items of an array, "a[].b" inside them.
type Field struct {
	Path     string `json:"path"`
	Type     string `json:"type,omitempty"`
	Format   string `json:"format,omitempty"`
	Enum     []any  `json:"enum,omitempty"`
	Required bool   `json:"required,omitempty"`
}

// Example is a named example: In is "request" or the response status.
type Example struct {
	In    string `json:"in"`
	Name  string `json:"name"`
	Value any    `json:"value"`
}
