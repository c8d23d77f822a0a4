package specoverlay

import (
	"strings"
	"testing"
)

const base = `openapi: 3.0.3
info:
  title: t
  version: "1"
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
components:
  schemas:
    A:
      type: object
`

func TestMerge(t *testing.T) {
	tests := []struct {
		name, overlay string
		want          []string // substrings of the merged document, in order
		err           string
	}{
		{
			name: "adds a path and a schema",
			overlay: `# a comment
paths:
  /b:
    get:
      operationId: getB
      responses:
        "200":
          description: ok
components:
  schemas:
    B:
      type: string
`,
			want: []string{"paths:\n  /b:\n", "operationId: getB", "  /a:\n", "schemas:\n    B:\n      type: string\n    A:\n"},
		},
		{name: "an existing path is not replaced", overlay: "paths:\n  /a:\n    post:\n      operationId: postA\n      responses:\n        \"200\":\n          description: ok\n", err: "already has"},
		{name: "an existing schema is not replaced", overlay: "components:\n  schemas:\n    A:\n      type: string\n", err: "already has"},
		{name: "a block the base lacks", overlay: "components:\n  examples:\n    e:\n      value: 1\n", err: "no such block"},
		{name: "another top-level key", overlay: "info:\n  title: x\n", err: "only paths and components"},
		{name: "nothing", overlay: "# empty\n", err: "no paths or components"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Merge([]byte(base), []byte(tt.overlay))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q; merged:\n%s", err, tt.err, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := string(got)
			if !strings.HasPrefix(s, base[:strings.Index(base, "paths:")]) {
				t.Errorf("the base's head changed:\n%s", s)
			}
			at := 0
			for _, w := range tt.want {
				i := strings.Index(s[at:], w)
				if i < 0 {
					t.Fatalf("merged document lacks %q after offset %d:\n%s", w, at, s)
				}
				at += i
			}
		})
	}
}
