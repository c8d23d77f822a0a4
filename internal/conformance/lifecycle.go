package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	solid "github.com/solidsdk/solid-go"
	"github.com/solidsdk/solid-go/gen"
)

// lifecycle runs, through the SDK's typed methods, the writes of a card
// program's life in the sandbox: a card holder under the first sub
// account listed, a virtual card for it, a new label for the card, an
// authorization on it, and a webhook, created then deleted. Each request
// body is the spec's documented request example (the schema's field
// examples where the operation documents none), with the ids made along
// the way put in. Each answer is captured with solid.WithResponseInto and
// checked strictly. A step that makes no id skips the steps that need it,
// saying why; the others go on.
func (r *runner) lifecycle(ctx context.Context, c *solid.Client, doc *openapi3.T, w *walker) {
	ops := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	// needs reports whether id, made by the step prev, is there, and
	// skips op saying why when it is not.
	needs := func(op, prev, id, why string) bool {
		if id == "" {
			r.skip(op, prev+" made none: "+why)
		}
		return id != ""
	}

	// A card holder, a virtual card, a label, an authorization.
	var holder, holderWhy string
	if sub, why := w.idFor("sub_account_id"); sub == "" {
		holderWhy = "no sub account to create it under: " + why
		r.skip("createCardHolder", holderWhy)
	} else {
		op := ops["createCardHolder"]
		var in gen.CardHolderCreate
		if holderWhy = r.body(op, nil, map[string]any{"sub_account_id": sub}, &in); holderWhy == "" {
			holder, holderWhy = r.step(op, func(o ...solid.RequestOption) error {
				_, err := c.CreateCardHolder(ctx, in, o...)
				return err
			})
		}
	}
	var card, cardWhy string
	if needs("createCard", "createCardHolder", holder, holderWhy) {
		op := ops["createCard"]
		var in gen.CardCreate
		set := map[string]any{"cardholder_id": holder, "type": string(gen.CardTypeVirtual), "card_fulfilment": nil}
		if cardWhy = r.body(op, nil, set, &in); cardWhy == "" {
			card, cardWhy = r.step(op, func(o ...solid.RequestOption) error {
				_, err := c.CreateCard(ctx, in, o...)
				return err
			})
		}
	} else {
		cardWhy = "createCardHolder made none"
	}
	if needs("updateCard", "createCard", card, cardWhy) {
		op := ops["updateCard"]
		label := "solid-go conformance"
		if ex := requestExample(op, nil); ex != nil {
			if l, ok := ex["label"].(string); ok && l != "" {
				label = l
			}
		}
		r.step(op, func(o ...solid.RequestOption) error {
			_, err := c.UpdateCard(ctx, card, gen.CardUpdate{Label: &label}, o...)
			return err
		})
	}
	if needs("simulateCardTransaction", "createCard", card, cardWhy) {
		op := ops["simulateCardTransaction"]
		auth := func(ex map[string]any) bool { return ex["type"] == "auth" && ex["status"] == "pending" }
		var in gen.CardTransactionSimulation
		if why := r.body(op, auth, map[string]any{"card_id": card}, &in); why != "" {
			r.skip("simulateCardTransaction", why)
		} else {
			r.step(op, func(o ...solid.RequestOption) error {
				_, err := c.SimulateCardTransaction(ctx, in, o...)
				return err
			})
		}
	}

	// A webhook, created then deleted.
	var hook, hookWhy string
	op := ops["createWebhook"]
	var in gen.WebhookCreate
	if hookWhy = r.body(op, nil, nil, &in); hookWhy != "" {
		r.skip("createWebhook", hookWhy)
	} else {
		hook, hookWhy = r.step(op, func(o ...solid.RequestOption) error {
			_, err := c.CreateWebhook(ctx, in, o...)
			return err
		})
	}
	if needs("deleteWebhook", "createWebhook", hook, hookWhy) {
		r.step(ops["deleteWebhook"], func(o ...solid.RequestOption) error {
			return c.DeleteWebhook(ctx, hook, o...)
		})
	}
}

// step runs one lifecycle call, which sends with the options it is
// given, and checks the answer it captured. It returns the id in the
// answer, or why there is none. An answer the SDK could not decode is
// filed like any other (a finding), and its id still read.
func (r *runner) step(op *openapi3.Operation, call func(...solid.RequestOption) error) (id, why string) {
	name := op.OperationID
	var resp solid.Response
	from := r.rec.len()
	err := call(solid.WithResponseInto(&resp))
	if r.rec.len() == from {
		why = "not sent: " + errText(err)
		r.problem(name + ": " + why)
		return "", why
	}
	last := r.rec.len() - 1
	if x := r.rec.at(last); x.err != nil {
		why = "no answer: " + x.err.Error()
		r.problem(name + ": " + why)
		return "", why
	}
	r.checked[last] = Check(op, resp.StatusCode, resp.Header, resp.Body, r.key)
	var v any
	json.Unmarshal(resp.Body, &v)
	if s := successSchema2xx(op); s != nil {
		r.secrets = append(r.secrets, secretsIn(v, s, 0)...)
	}
	var apiErr *solid.APIError
	switch {
	case err == nil:
	case errors.As(err, &apiErr):
		return "", fmt.Sprintf("it answered %d%s", resp.StatusCode, errorCode(resp.Body))
	default:
		r.undecoded[last] = err // the run goes on with the raw answer
	}
	if m, ok := v.(map[string]any); ok {
		id, _ = m["id"].(string)
	}
	if id == "" {
		return "", "its answer has no id"
	}
	return id, ""
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return strings.TrimPrefix(err.Error(), "solid: ")
}

// body fills dst (a generated request type) from op's documented request
// example (the first, by name, that fit accepts; nil accepts any), or
// else from its schema's field examples, with set put over it (a nil
// value removes the field). It says why when it cannot.
func (r *runner) body(op *openapi3.Operation, fit func(map[string]any) bool, set map[string]any, dst any) string {
	ex := requestExample(op, fit)
	if ex == nil {
		ex = fieldExamples(op)
	}
	if ex == nil {
		return "openapi.yaml documents no request example for it"
	}
	for k, v := range set {
		if v == nil {
			delete(ex, k)
		} else {
			ex[k] = v
		}
	}
	b, err := json.Marshal(ex)
	if err == nil {
		err = json.Unmarshal(b, dst)
	}
	if err != nil {
		return "its request example does not fit the SDK's request type: " + err.Error()
	}
	return ""
}

// requestExample returns a copy of op's first JSON request example (by
// name) that fit accepts, or nil.
func requestExample(op *openapi3.Operation, fit func(map[string]any) bool) map[string]any {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil {
		return nil
	}
	names := make([]string, 0, len(mt.Examples))
	for name := range mt.Examples {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ex := mt.Examples[name]
		if ex == nil || ex.Value == nil {
			continue
		}
		m, ok := copyJSON(ex.Value.Value).(map[string]any)
		if ok && (fit == nil || fit(m)) {
			return m
		}
	}
	if mt.Example != nil {
		if m, ok := copyJSON(mt.Example).(map[string]any); ok && (fit == nil || fit(m)) {
			return m
		}
	}
	return nil
}

// fieldExamples is a request body made of the examples of the request
// schema's top-level fields that have one (Create a Card documents no
// request example), or nil.
func fieldExamples(op *openapi3.Operation) map[string]any {
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	out := map[string]any{}
	for name, p := range mt.Schema.Value.Properties {
		if p.Value != nil && p.Value.Example != nil && !p.Value.ReadOnly {
			out[name] = copyJSON(p.Value.Example)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func copyJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// successSchema2xx is the JSON schema of op's first 2xx answer, or nil.
func successSchema2xx(op *openapi3.Operation) *openapi3.Schema {
	for _, code := range []int{200, 201, 202} {
		resp := op.Responses.Status(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			return mt.Schema.Value
		}
	}
	return nil
}

// secretsIn returns the strings of v that s declares secret (format:
// password): a webhook's signing secret, so no report shows it.
func secretsIn(v any, s *openapi3.Schema, depth int) []string {
	if s == nil || depth > 32 {
		return nil
	}
	var out []string
	if str, ok := v.(string); ok && s.Format == "password" && str != "" {
		out = append(out, str)
	}
	for _, all := range append(append(append(openapi3.SchemaRefs{}, s.AllOf...), s.AnyOf...), s.OneOf...) {
		out = append(out, secretsIn(v, all.Value, depth+1)...)
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if p := s.Properties[k]; p != nil {
				out = append(out, secretsIn(e, p.Value, depth+1)...)
			}
		}
	case []any:
		if s.Items != nil {
			for _, e := range x {
				out = append(out, secretsIn(e, s.Items.Value, depth+1)...)
			}
		}
	}
	return out
}
