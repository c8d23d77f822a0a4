package solid_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

func ExampleAPIError() {
	srv := solidtest.NewServer()
	defer srv.Close()

	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.CreateSetPinToken(context.Background(), "crd_unknown")
	var apiErr *solid.APIError
	switch {
	case errors.Is(err, solid.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println("no such card:", apiErr.Code, apiErr.Message)
		fmt.Println("request id to quote to support:", strings.HasPrefix(apiErr.RequestID, "req_"))
	case errors.Is(err, solid.ErrUnauthorized):
		fmt.Println("check SOLID_API_KEY")
	case err != nil:
		fmt.Println("other failure:", err)
	}
	// Output:
	// no such card: ERROR_CODE_RESOURCE_NOT_FOUND cannot find card by id crd_unknown
	// request id to quote to support: true
}

func ExampleNewClient() {
	// No environment: refused, so production is never reached by accident.
	_, err := solid.NewClient("sk_test_example")
	fmt.Println(err)

	c, err := solid.NewClient("sk_test_example", solid.WithEnvironment(solid.Sandbox))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL())
	fmt.Printf("%+v\n", c) // the key stays hidden
	// Output:
	// solid: no environment: use WithEnvironment(solid.Sandbox), WithEnvironment(solid.Production) or WithBaseURL
	// https://api.sandbox.solidfi.com/
	// solid.Client{BaseURL: "https://api.sandbox.solidfi.com/", APIKey: [REDACTED]}
}

func ExampleClient_API() {
	srv := solidtest.NewServer()
	defer srv.Close()
	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Every generated operation, with the same key, retries and limits.
	resp, err := c.API().CreateSetPinTokenWithResponse(context.Background(), solidtest.DefaultCardID, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode(), resp.JSON200.Id)
	// Output:
	// 200 crd_7948d9a96706dd05360a340002de725f
}

// The options a service usually sets; each is validated by NewClient.
func ExampleNewClient_options() {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil)) // your logger: one record per attempt, no secrets
	c, err := solid.NewClient("sk_test_example",
		solid.WithEnvironment(solid.Sandbox),
		solid.WithTimeout(10*time.Second),                           // the whole call, retries included
		solid.WithMaxRetries(3),                                     // at most 4 attempts
		solid.WithRetryBackoff(200*time.Millisecond, 2*time.Second), // doubling, with jitter
		solid.WithMaxResponseBytes(256<<10),                         // a cap on any answer's body
		solid.WithUserAgent("card-service/1.4"),                     // before the SDK's own
		solid.WithLogger(logger),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL())

	_, err = solid.NewClient("sk_test_example", solid.WithEnvironment(solid.Sandbox), solid.WithMaxRetries(-1))
	fmt.Println(err)
	// Output:
	// https://api.sandbox.solidfi.com/
	// solid: WithMaxRetries(-1): want 0 to 10
}

// NewClientFromEnv reads SOLID_API_KEY, SOLID_ENV and SOLID_BASE_URL, so a
// deployment chooses the environment, never the code.
func ExampleNewClientFromEnv() {
	for k, v := range map[string]string{"SOLID_API_KEY": "sk_test_example", "SOLID_ENV": "sandbox", "SOLID_BASE_URL": ""} {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	c, err := solid.NewClientFromEnv()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.BaseURL())
	// Output:
	// https://api.sandbox.solidfi.com/
}

// OpenAPISpec gives the document the client was generated from, for a
// validator or a mock of your own.
func ExampleOpenAPISpec() {
	spec := solid.OpenAPISpec()
	fmt.Println(strings.HasPrefix(string(spec), "openapi: 3.0.3"))
	fmt.Println(strings.Contains(string(spec), "operationId: createShowToken"))
	// Output:
	// true
	// true
}
