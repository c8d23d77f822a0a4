package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/ops"
	"github.com/solidsdk/solid-go/internal/specval"
)

// A command per operation of openapi.yaml, built from the generated
// operation table and the spec: its name is the operationId in kebab-case
// (getCard is get-card), path parameters are arguments, query and header
// parameters are flags, a JSON body comes from --data. Each runs through
// the generated client (c.API()), found by the operationId, so a new
// operation in the spec is a new command with no code here.

// opCommand is the command of one operation.
type opCommand struct {
	name    string
	op      ops.Operation
	summary string
	path    []string              // path parameters, in order
	flags   []*openapi3.Parameter // query and header parameters
	body    bool                  // the operation takes a JSON body
}

// opCommands lists the operations' commands, sorted by name.
func opCommands() ([]*opCommand, error) {
	v, err := specval.Default()
	if err != nil {
		return nil, err
	}
	doc := v.Doc()
	var out []*opCommand
	for _, op := range ops.Operations {
		item := doc.Paths.Find(op.Path)
		if item == nil {
			return nil, fmt.Errorf("%s: no path %s in the spec", op.ID, op.Path)
		}
		so := item.GetOperation(op.Method)
		if so == nil {
			return nil, fmt.Errorf("%s: no %s %s in the spec", op.ID, op.Method, op.Path)
		}
		c := &opCommand{name: kebab(op.ID), op: op, summary: so.Summary, body: so.RequestBody != nil}
		for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), so.Parameters...) {
			switch p.Value.In {
			case openapi3.ParameterInPath:
				c.path = append(c.path, p.Value.Name)
			case openapi3.ParameterInQuery, openapi3.ParameterInHeader:
				c.flags = append(c.flags, p.Value)
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// kebab turns an operationId into a command name: getCardHolder is
// get-card-holder.
func kebab(id string) string {
	var b strings.Builder
	for i, r := range id {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c *opCommand) synopsis() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solid %s [--env sandbox|production] [--base-url URL]", c.name)
	for _, f := range c.flags {
		fmt.Fprintf(&b, " [--%s V]", f.Name)
	}
	if c.body {
		b.WriteString(" [--data JSON|@FILE|-]")
	}
	for _, p := range c.path {
		b.WriteString(" " + strings.ToUpper(p))
	}
	return b.String()
}

func (c *opCommand) usage() string {
	return "Usage: " + c.synopsis() + "\n\n" + c.summary + ": " + c.op.Method + " " + c.op.Path + `

Prints the answer's JSON on stdout. The API key is read from SOLID_API_KEY,
never from a flag. On an API error the status, code, message and request id
go to stderr. Flags may come before or after the arguments; --env and
--base-url also before the command.
Exit status: 0 success, 1 API or network error, 2 usage error.

Flags:
`
}

// runOperation runs one operation's command.
func runOperation(ctx context.Context, c *opCommand, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	envName, baseURL := clientFlags(fs, env)
	values := map[string]*string{}
	for _, p := range c.flags {
		desc := p.Description
		if desc == "" {
			desc = p.In + " parameter " + p.Name
		}
		values[p.Name] = fs.String(p.Name, "", strings.TrimSpace(strings.SplitN(desc, "\n", 2)[0]))
	}
	var data *string
	if c.body {
		data = fs.String("data", "", "the JSON body: inline, @FILE to read a file, or - for stdin")
	}
	pos, code, ok := parseInterspersed(fs, c.usage(), args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != len(c.path) {
		return usageError(fs, c.usage(), stderr, "want %d arguments (%s), got %d", len(c.path), strings.ToUpper(strings.Join(c.path, " ")), len(pos))
	}
	var body []byte
	if data != nil && *data != "" {
		var err error
		if body, err = readData(*data, stdin); err != nil {
			return usageError(fs, c.usage(), stderr, "--data: %v", err)
		}
	}
	client, code := newCLIClient(c.name, *envName, *baseURL, env, stderr)
	if client == nil {
		return code
	}
	set := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if _, ok := values[f.Name]; ok {
			set[f.Name] = f.Value.String()
		}
	})
	resp, err := call(ctx, client.API().ClientInterface, c.op.ID, pos, set, body)
	if err != nil {
		return reportError(c.name, err, stderr)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		fmt.Fprintf(stderr, "solid %s: reading the answer: %v\n", c.name, err)
		return 1
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		out = []byte("{}")
	}
	fmt.Fprintf(stdout, "%s\n", out)
	return 0
}

// call invokes the generated client's method for operationId: the
// ...WithBody variant when the operation takes a body. Its arguments are
// built from the method's own signature: path parameters in order, the
// params struct filled from the flags by their spec names, the body.
func call(ctx context.Context, api gen.ClientInterface, operationID string, path []string, flags map[string]string, body []byte) (*http.Response, error) {
	name := strings.ToUpper(operationID[:1]) + operationID[1:]
	v := reflect.ValueOf(api)
	m := v.MethodByName(name + "WithBody")
	if !m.IsValid() {
		m = v.MethodByName(name)
	}
	if !m.IsValid() {
		return nil, fmt.Errorf("the generated client has no method %s: run go generate", name)
	}
	t := m.Type()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	readerType := reflect.TypeFor[io.Reader]()
	for i := 1; i < t.NumIn(); i++ {
		in := t.In(i)
		switch {
		case t.IsVariadic() && i == t.NumIn()-1:
			// request editors: none
		case in.Kind() == reflect.String && len(path) > 0:
			// Left to the SDK, "." and ".." would be resolved out of the
			// URL, leaving a path that matches no operation.
			if s := path[0]; s == "" || s == "." || s == ".." {
				return nil, fmt.Errorf("%w: %q is not an id", solid.ErrInvalidInput, s)
			}
			args = append(args, reflect.ValueOf(path[0]).Convert(in))
			path = path[1:]
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("application/json").Convert(in))
		case in == readerType:
			args = append(args, reflect.ValueOf(io.Reader(bytes.NewReader(body))))
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			p, err := fillParams(in.Elem(), flags)
			if err != nil {
				return nil, err
			}
			args = append(args, p)
		default:
			return nil, fmt.Errorf("%s: argument %d of type %s is not supported", name, i, in)
		}
	}
	out := m.Call(args)
	resp, _ := out[0].Interface().(*http.Response)
	err, _ := out[1].Interface().(error)
	return resp, err
}

// fillParams makes a *T whose fields are set from flags, matched by the
// parameter name in the field's form or json tag.
func fillParams(t reflect.Type, flags map[string]string) (reflect.Value, error) {
	p := reflect.New(t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := tagName(f.Tag.Get("form"))
		if name == "" {
			name = tagName(f.Tag.Get("json"))
		}
		s, ok := flags[name]
		if !ok {
			continue
		}
		ft := f.Type
		if ft.Kind() != reflect.Pointer {
			return reflect.Value{}, fmt.Errorf("--%s: unsupported field type %s", name, ft)
		}
		val := reflect.New(ft.Elem())
		switch ft.Elem().Kind() {
		case reflect.String:
			val.Elem().SetString(s)
		case reflect.Int, reflect.Int32, reflect.Int64:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("%w: --%s %q is not a whole number", solid.ErrInvalidInput, name, s)
			}
			val.Elem().SetInt(n)
		case reflect.Bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("%w: --%s %q is not true or false", solid.ErrInvalidInput, name, s)
			}
			val.Elem().SetBool(b)
		default:
			return reflect.Value{}, fmt.Errorf("--%s: unsupported field type %s", name, ft)
		}
		p.Elem().Field(i).Set(val)
	}
	return p, nil
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// readData reads --data: inline JSON, @FILE, or - for stdin.
func readData(s string, stdin io.Reader) ([]byte, error) {
	switch {
	case s == "-":
		return io.ReadAll(io.LimitReader(stdin, 1<<20))
	case strings.HasPrefix(s, "@"):
		return os.ReadFile(s[1:])
	}
	return []byte(s), nil
}

// parseInterspersed parses flags that may come before, between or after
// the arguments, and returns the arguments. --help prints the usage to
// stdout (exit 0); a bad flag prints it to stderr (exit 2).
func parseInterspersed(fs *flag.FlagSet, synopsis string, args []string, stdout, stderr io.Writer) (pos []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, synopsis, args, stdout, stderr); !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			// Everything after "--" is an argument.
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// reportError prints an SDK error the way every command does, and returns
// the exit status: 2 for an argument refused before any request, else 1.
func reportError(cmd string, err error, stderr io.Writer) int {
	var apiErr *solid.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Fprintf(stderr, "solid %s: status %d\n", cmd, apiErr.StatusCode)
		if apiErr.Code != "" {
			fmt.Fprintf(stderr, "  code:       %s\n  message:    %s\n", apiErr.Code, apiErr.Message)
			if apiErr.FieldName != "" {
				fmt.Fprintf(stderr, "  field:      %s\n", apiErr.FieldName)
			}
		} else if apiErr.Body != "" {
			fmt.Fprintf(stderr, "  body:       %s\n", apiErr.Body)
		}
		if apiErr.RequestID != "" {
			fmt.Fprintf(stderr, "  request id: %s (quote it to Solid support)\n", apiErr.RequestID)
		}
		if apiErr.Attempts > 1 {
			fmt.Fprintf(stderr, "  attempts:   %d\n", apiErr.Attempts)
		}
	case errors.Is(err, solid.ErrInvalidInput):
		fmt.Fprintf(stderr, "solid %s: %s\n", cmd, errText(err))
		return 2
	default:
		fmt.Fprintf(stderr, "solid %s: %s\n", cmd, errText(err))
	}
	return 1
}
