package solid_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	solid "github.com/solidsdk/solid-go"
)

// fakeSolid answers like Solid's sandbox for the seed's card and a 404
// envelope for any other.
func fakeSolid() *httptest.Server {
	ok, _ := os.ReadFile("testdata/responses/200.json")
	notFound, _ := os.ReadFile("testdata/responses/404.json")
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v2/issuing/card/crd_7948d9a96706dd05360a340002de725f/set_pin_token" {
			w.WriteHeader(http.StatusNotFound)
			w.Write(notFound)
			return
		}
		w.Write(ok)
	}))
}

func ExampleClient_CreateSetPinToken() {
	srv := fakeSolid() // in real use: solid.WithEnvironment(solid.Sandbox)
	defer srv.Close()

	c, err := solid.NewClient("sk_test_example", solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := c.CreateSetPinToken(context.Background(), "crd_7948d9a96706dd05360a340002de725f")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok)            // printing never shows the token
	fmt.Println(len(tok.Token)) // the value is there for the PIN SDK
	// Output:
	// solid.SetPinToken{CardID: "crd_7948d9a96706dd05360a340002de725f", Token: [REDACTED]}
	// 46
}

func ExampleAPIError() {
	srv := fakeSolid()
	defer srv.Close()

	c, err := solid.NewClient("sk_test_example", solid.WithBaseURL(srv.URL))
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = c.CreateSetPinToken(context.Background(), "crd_unknown")
	var apiErr *solid.APIError
	switch {
	case errors.Is(err, solid.ErrNotFound) && errors.As(err, &apiErr):
		fmt.Println("no such card:", apiErr.Code)
		fmt.Println("quote to support:", apiErr.RequestID)
	case err != nil:
		fmt.Println("other failure:", err)
	}
	fmt.Println(err)
	// Output:
	// no such card: ERROR_CODE_RESOURCE_NOT_FOUND
	// quote to support: req_01900e959896706b870affad1b4d71dd
	// solid: createSetPinToken: status 404 ERROR_CODE_RESOURCE_NOT_FOUND: cannot find card holder by id in qldb (request id req_01900e959896706b870affad1b4d71dd)
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
