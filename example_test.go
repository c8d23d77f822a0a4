package solid_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/solidtest"
)

func ExampleClient_CreateSetPinToken() {
	srv := solidtest.NewServer() // in real use: solid.WithEnvironment(solid.Sandbox)
	defer srv.Close()

	c, err := solid.NewClient(solidtest.DefaultAPIKey, solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := c.CreateSetPinToken(context.Background(), "crd_7948d9a96706dd05360a340002de725f")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok) // printing never shows the token
	fmt.Println(strings.HasPrefix(tok.Token, "card_pin_test_"), len(tok.Token))
	// Output:
	// solid.SetPinToken{CardID: "crd_7948d9a96706dd05360a340002de725f", Token: [REDACTED]}
	// true 46
}

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
	// no such card: ERROR_CODE_RESOURCE_NOT_FOUND cannot find card holder by id in qldb
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
