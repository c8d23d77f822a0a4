package flex_test

import (
	"encoding/json"
	"fmt"

	"github.com/solidsdk/solid-go/flex"
)

func ExampleBool() {
	// Solid's reference sends has_more as a string; its guide says boolean.
	for _, body := range []string{`{"has_more":"true"}`, `{"has_more":true}`, `{"has_more":"false"}`} {
		var page struct {
			HasMore flex.Bool `json:"has_more"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(bool(page.HasMore))
	}
	// Encoding uses the reference's string form.
	b, _ := json.Marshal(struct {
		ATM flex.Bool `json:"atm_enabled"`
	}{false})
	fmt.Println(string(b))
	// Output:
	// true
	// true
	// false
	// {"atm_enabled":"false"}
}
