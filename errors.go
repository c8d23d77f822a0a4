package solid

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Match them with [errors.Is].
var (
	// ErrUnauthorized matches any *APIError with status 401: the API key is
	// missing, wrong or revoked.
	ErrUnauthorized = errors.New("solid: unauthorized")
	// ErrNotFound matches any *APIError with status 404.
	ErrNotFound = errors.New("solid: not found")
	// ErrInvalidInput is wrapped by errors for arguments refused before any
	// request is sent, such as a card ID that could change the request path.
	ErrInvalidInput = errors.New("solid: invalid input")
	// ErrResponseTooLarge is wrapped when a response body exceeds the
	// client's size cap.
	ErrResponseTooLarge = errors.New("solid: response body too large")
	// ErrMalformedResponse is wrapped when a successful response cannot be
	// decoded or lacks a required field.
	ErrMalformedResponse = errors.New("solid: malformed response")
	// ErrRedirectRefused is wrapped when the server redirects to another
	// host or scheme; following it would send the API key there.
	ErrRedirectRefused = errors.New("solid: redirect to another host refused")
)

// APIError is a non-2xx response from Solid. When the body is Solid's error
// envelope its fields are decoded; otherwise Body holds a short excerpt.
type APIError struct {
	// Operation is the operationId of the call, e.g. "createSetPinToken".
	Operation string
	// StatusCode is the HTTP status, e.g. 401 or 404.
	StatusCode int
	// Code is Solid's machine-readable code, e.g. "ERROR_CODE_RESOURCE_NOT_FOUND".
	Code string
	// Message is Solid's human-readable explanation.
	Message string
	// FieldName names the request field the error is about, if any.
	FieldName string
	// RequestID identifies the request; Solid support asks for it.
	RequestID string
	// Body is a short excerpt of a body that was not the error envelope,
	// with anything that looks like a secret removed.
	Body string
	// Attempts is how many requests were sent, retries included.
	Attempts int
}

// Error reports the operation, status, code, message and request id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solid: %s: status %d", e.Operation, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Code == "" && e.Body != "" {
		fmt.Fprintf(&b, ": body %q", e.Body)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnauthorized) and errors.Is(err, ErrNotFound)
// match by status code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == 401
	case ErrNotFound:
		return e.StatusCode == 404
	}
	return false
}
