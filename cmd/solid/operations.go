package main

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	name        string
	op          ops.Operation
	summary     string
	description string
	path        []string    // path parameters, in order
	flags       []paramFlag // query and header parameters
	body        bool        // the operation takes a JSON body
}

// paramFlag is the flag of a query or header parameter.
type paramFlag struct {
	name  string // the parameter's name in kebab-case
	param *openapi3.Parameter
}

// reservedFlags are the flags every operation's command has, which a
// parameter's flag must not shadow.
var reservedFlags = map[string]bool{"env": true, "base-url": true, "data": true, "help": true, "h": true}

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
		c := &opCommand{name: kebab(op.ID), op: op, summary: so.Summary, description: so.Description, body: so.RequestBody != nil}
		taken := map[string]bool{}
		for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), so.Parameters...) {
			switch p.Value.In {
			case openapi3.ParameterInPath:
				c.path = append(c.path, p.Value.Name)
			case openapi3.ParameterInQuery, openapi3.ParameterInHeader:
				name := kebab(p.Value.Name)
				if reservedFlags[name] || taken[name] {
					// e.g. a query parameter "data": --query-data.
					name = kebab(p.Value.In + "_" + p.Value.Name)
				}
				taken[name] = true
				c.flags = append(c.flags, paramFlag{name: name, param: p.Value})
			}
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// kebab turns an operationId or a parameter name into a command or flag
// name: getCardHolder is get-card-holder, starting_after is
// starting-after, cardHolderID is card-holder-id.
func kebab(id string) string {
	rs := []rune(id)
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || unicode.IsSpace(r):
			sep()
			continue
		case unicode.IsUpper(r):
			// A word starts at an upper-case letter after a lower-case one
			// or a digit, or at the last capital of an acronym (IDType).
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) ||
				unicode.IsUpper(rs[i-1]) && i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				sep()
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return strings.TrimSuffix(b.String(), "-")
}

// placeholder is what the help writes for a parameter flag's value.
func placeholder(p *openapi3.Parameter) string {
	if p.Schema == nil || p.Schema.Value == nil {
		return "VALUE"
	}
	s := p.Schema.Value
	if len(s.Enum) > 0 && len(s.Enum) <= 8 {
		vals := make([]string, len(s.Enum))
		for i, e := range s.Enum {
			vals[i] = fmt.Sprint(e)
		}
		return strings.Join(vals, "|")
	}
	switch {
	case s.Type.Is("integer"):
		return "N"
	case s.Type.Is("number"):
		return "NUMBER"
	case s.Type.Is("boolean"):
		return "true|false"
	case s.Type.Is("array"):
		return "A,B,..."
	}
	return "VALUE"
}

func (c *opCommand) synopsis() string {
	var b strings.Builder
	fmt.Fprintf(&b, "solid %s [--env sandbox|production] [--base-url URL]", c.name)
	for _, f := range c.flags {
		if f.param.Required {
			fmt.Fprintf(&b, " --%s %s", f.name, placeholder(f.param))
		} else {
			fmt.Fprintf(&b, " [--%s %s]", f.name, placeholder(f.param))
		}
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
	desc := ""
	if d := strings.TrimSpace(c.description); d != "" && d != c.summary {
		// In full, as the spec wraps it: help never cuts it.
		lines := strings.Split(d, "\n")
		for i, l := range lines {
			if l != "" {
				lines[i] = "  " + l
			}
		}
		desc = "\n" + strings.Join(lines, "\n") + "\n"
	}
	return "Usage: " + c.synopsis() + "\n\n" + c.summary + ": " + c.op.Method + " " + c.op.Path + "\n" + desc + `
Prints the answer's JSON on stdout. The API key is read from SOLID_API_KEY,
never from a flag. On an API error the status, code, message and request id
go to stderr. Flags may come before or after the arguments; --env and
--base-url also before the command.
Exit status: 0 success, 1 API or network error, 2 usage error.

Flags:
`
}

// paramValue is a parameter flag's text; it is checked against the Go
// type of its field once all flags are parsed.
type paramValue struct {
	s    *string
	hint string
}

func (v paramValue) String() string {
	if v.s == nil {
		return ""
	}
	return *v.s
}

func (v paramValue) Set(s string) error { *v.s = s; return nil }

func (v paramValue) placeholder() string { return v.hint }

// hiddenValue is a flag the help does not list: a parameter's spelling
// in the spec (starting_after), kept for scripts written before the flags
// became kebab-case.
type hiddenValue struct{ flag.Value }

// runOperation runs one operation's command.
func runOperation(ctx context.Context, c *opCommand, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	envName, baseURL := clientFlags(fs, env)
	byFlag := map[string]paramFlag{} // flag name, old spelling too -> parameter
	for _, f := range c.flags {
		v := paramValue{s: new(string), hint: placeholder(f.param)}
		fs.Var(v, f.name, paramUsage(f))
		byFlag[f.name] = f
		if old := f.param.Name; old != f.name && !reservedFlags[old] && fs.Lookup(old) == nil {
			fs.Var(hiddenValue{v}, old, "")
			byFlag[old] = f
		}
	}
	var data *string
	if c.body {
		data = fs.String("data", "", "the body: inline `JSON`, @FILE to read a file, or - for stdin")
	}
	pos, code, ok := parseInterspersed(fs, c.usage(), args, stdout, stderr)
	if !ok {
		return code
	}
	if len(pos) != len(c.path) {
		return usageError(fs, c.usage(), stderr, "want %d arguments (%s), got %d", len(c.path), strings.ToUpper(strings.Join(c.path, " ")), len(pos))
	}
	params := map[string]string{} // parameter name -> value
	var problem string
	dataSet := false
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "data" {
			dataSet = true
		}
		f, ok := byFlag[fl.Name]
		if !ok {
			return
		}
		s := fl.Value.String()
		if s == "" && problem == "" {
			// Sent as is, an empty idempotency key would be replaced by a
			// random one, an empty cursor would mean none: refuse it.
			problem = "--" + fl.Name + " is empty: give a value, or leave the flag out"
			if c.op.IdempotencyKey && f.param.In == openapi3.ParameterInHeader && strings.EqualFold(f.param.Name, "idempotency-key") {
				problem = "--" + fl.Name + " is empty: give a key, or leave the flag out for a new random key per call"
			}
		}
		params[f.param.Name] = s
	})
	if problem != "" {
		return usageError(fs, c.usage(), stderr, "%s", problem)
	}
	for _, f := range c.flags {
		if _, ok := params[f.param.Name]; f.param.Required && !ok {
			return usageError(fs, c.usage(), stderr, "--%s is required", f.name)
		}
	}
	var body []byte
	if dataSet {
		var err error
		if body, err = readData(*data, stdin); err != nil {
			return usageError(fs, c.usage(), stderr, "--data: %v", err)
		}
		if err := checkJSON(body); err != nil {
			return usageError(fs, c.usage(), stderr, "--data is not valid JSON: %v", err)
		}
	}
	req, err := prepare(c, pos, params, body)
	if errors.Is(err, errUnsupported) {
		fmt.Fprintf(stderr, "solid %s: %v\n", c.name, err)
		return 1
	}
	if err != nil {
		return usageError(fs, c.usage(), stderr, "%v", err)
	}
	client, code := newCLIClient(c.name, *envName, *baseURL, env, stderr)
	if client == nil {
		return code
	}
	resp, err := req.call(ctx, client.API().ClientInterface)
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

// paramUsage is a parameter flag's line of help: the first sentence of
// its description.
func paramUsage(f paramFlag) string {
	if d := brief(f.param.Description); d != "" {
		// Go's flag package reads a back-quoted word of a usage as the
		// value's name and drops the quotes: the spec's `code` marks go.
		return strings.ReplaceAll(d, "`", "")
	}
	return f.param.In + " parameter " + f.param.Name
}

// brief is the first sentence of s, whitespace collapsed, or all of s if
// it has no sentence end: help shows whole sentences, never a fragment. A
// period ends a sentence when a space follows it outside parentheses and
// the next word does not start in lower case (e.g. and URLs do not end one).
func brief(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	depth := 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case '.', '!', '?':
			if depth > 0 || i+2 >= len(s) || s[i+1] != ' ' {
				continue
			}
			if next, _ := utf8.DecodeRuneInString(s[i+2:]); !unicode.IsLower(next) {
				return s[:i+1]
			}
		}
	}
	return s
}

// checkJSON says why body is not one JSON value, if it is not.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("empty")
	}
	var v any
	return json.Unmarshal(body, &v)
}

// errUnsupported is a parameter the CLI cannot set: a spec change needs
// code here.
var errUnsupported = errors.New("the CLI cannot set a parameter of Go type")

// request is a call of the generated client with its arguments built,
// before any client exists, so that a bad value is a usage error.
type request struct {
	method string
	args   []reflect.Value // after the context
}

// prepare builds the call of the generated client's method for c: the
// ...WithBody variant when the operation takes a body. Its arguments
// follow the method's own signature: path parameters in order, the params
// struct filled from the flags by their spec names, the body.
func prepare(c *opCommand, path []string, params map[string]string, body []byte) (request, error) {
	name := strings.ToUpper(c.op.ID[:1]) + c.op.ID[1:]
	api := reflect.TypeFor[gen.ClientInterface]()
	m, ok := api.MethodByName(name + "WithBody")
	if !ok {
		m, ok = api.MethodByName(name)
	}
	if !ok {
		return request{}, fmt.Errorf("%w: the generated client has no method %s: run go generate", errUnsupported, name)
	}
	req := request{method: m.Name}
	t := m.Type // an interface method: no receiver, In(0) is the context
	readerType := reflect.TypeFor[io.Reader]()
	for i := 1; i < t.NumIn(); i++ {
		in := t.In(i)
		switch {
		case t.IsVariadic() && i == t.NumIn()-1:
			// request editors: none
		case i <= len(path):
			// Left to the SDK, "." and ".." would be resolved out of the
			// URL, leaving a path that matches no operation.
			if s := path[i-1]; s == "" || s == "." || s == ".." {
				return request{}, fmt.Errorf("%s %q is not an id", strings.ToUpper(c.path[i-1]), s)
			}
			v := reflect.New(in).Elem()
			if err := setValue(v, path[i-1], strings.ToUpper(c.path[i-1])); err != nil {
				return request{}, err
			}
			req.args = append(req.args, v)
		case in.Kind() == reflect.String:
			req.args = append(req.args, reflect.ValueOf("application/json").Convert(in))
		case in == readerType:
			req.args = append(req.args, reflect.ValueOf(io.Reader(bytes.NewReader(body))))
		case in.Kind() == reflect.Pointer && in.Elem().Kind() == reflect.Struct:
			p, err := fillParams(in.Elem(), params)
			if err != nil {
				return request{}, err
			}
			req.args = append(req.args, p)
		default:
			return request{}, fmt.Errorf("%w %s (argument %d of %s)", errUnsupported, in, i, name)
		}
	}
	return req, nil
}

// call sends req through api.
func (req request) call(ctx context.Context, api gen.ClientInterface) (*http.Response, error) {
	m := reflect.ValueOf(api).MethodByName(req.method)
	out := m.Call(append([]reflect.Value{reflect.ValueOf(ctx)}, req.args...))
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
		if err := setValue(p.Elem().Field(i), s, "--"+kebab(name)); err != nil {
			return reflect.Value{}, err
		}
	}
	return p, nil
}

// setValue parses s into v by v's Go type, whatever the generator chose
// for the parameter: pointers or not, named types (enums), any size of
// number, lists as A,B. label names the flag or argument in errors.
func setValue(v reflect.Value, s, label string) error {
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := setValue(p.Elem(), s, label); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	// Dates, UUIDs and the like parse themselves.
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok && t.Kind() != reflect.String {
		if err := u.UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("%s %q: %v", label, s, err)
		}
		return nil
	}
	bad := func(err error, what string) error {
		if errors.Is(err, strconv.ErrRange) {
			return fmt.Errorf("%s %q is out of range for %s", label, s, t)
		}
		return fmt.Errorf("%s %q is not %s", label, s, what)
	}
	switch t.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return bad(err, "a whole number")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return bad(err, "a whole number")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(s, t.Bits())
		if err == nil && (math.IsNaN(n) || math.IsInf(n, 0)) {
			err = strconv.ErrSyntax // no API takes these
		}
		if err != nil {
			return bad(err, "a number")
		}
		v.SetFloat(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad(err, "true or false")
		}
		v.SetBool(b)
	case reflect.Slice:
		parts := strings.Split(s, ",")
		sl := reflect.MakeSlice(t, len(parts), len(parts))
		for i, part := range parts {
			if err := setValue(sl.Index(i), part, label); err != nil {
				return err
			}
		}
		v.Set(sl)
	default:
		if u, ok := v.Addr().Interface().(json.Unmarshaler); ok {
			q, _ := json.Marshal(s)
			if err := u.UnmarshalJSON(q); err != nil {
				return fmt.Errorf("%s %q: %v", label, s, err)
			}
			return nil
		}
		return fmt.Errorf("%s: %w %s", label, errUnsupported, t)
	}
	return nil
}

func tagName(tag string) string {
	name, _, _ := strings.Cut(tag, ",")
	return name
}

// maxData bounds --data: Solid's bodies are small, and the mock refuses
// bodies over 1 MiB.
const maxData = 1 << 20

// readData reads --data: inline JSON, @FILE, or - for stdin. A body over
// maxData is refused rather than cut, which would read as broken JSON.
func readData(s string, stdin io.Reader) ([]byte, error) {
	var r io.Reader
	switch {
	case s == "-":
		r = stdin
	case strings.HasPrefix(s, "@"):
		f, err := os.Open(s[1:])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	default:
		r = strings.NewReader(s)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxData+1))
	if err == nil && len(b) > maxData {
		err = fmt.Errorf("over %d bytes", maxData)
	}
	return b, err
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
