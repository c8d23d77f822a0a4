package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// errorBody is a copy of the spec's component example name (an error
// envelope).
func errorBody(t *testing.T, name string) map[string]any {
	return example(t, name)
}

// emptyList makes a's list envelope one with no items.
func emptyList(a *answer) {
	m := a.body.(map[string]any)
	m["data"], m["total"], m["has_more"] = []any{}, 0, "false"
	delete(m, "starting_after")
	delete(m, "ending_before")
}

func skipped(res *Result) []string {
	var out []string
	for _, s := range res.Skipped {
		out = append(out, s.Operation)
	}
	sort.Strings(out)
	return out
}

// TestRunWalkReportsEachDriftOnce: a server that plants a wrong type in
// a list item and in an item GET, answers one list 401 and another with
// no items: each is reported once, in its place, and the run goes on
// through every other GET and, with writes, the whole lifecycle.
func TestRunWalkReportsEachDriftOnce(t *testing.T) {
	total, _ := specGETCount(t)
	unauth := errorBody(t, "unauth_error")
	plant := func(op string, a *answer) {
		switch op {
		case "listTransactions":
			set(a.body, 12, "data", 0, "amount")
		case "getWebhook":
			set(a.body, 7, "description")
		case "listAttachments":
			a.status, a.body = http.StatusUnauthorized, unauth
		case "listCounterparties":
			emptyList(a)
		}
	}
	for _, writes := range []bool{false, true} {
		srv := plantedServer(t, plant)
		res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: reportKey, Card: "crd_7948d9a96706dd05360a340002de725f", Writes: writes})
		if err != nil {
			t.Fatalf("writes=%v: Run stopped: %v", writes, err)
		}
		if got, want := strings.Join(keys(res.Findings), ","), "getWebhook /description,listTransactions /data/0/amount"; got != want {
			t.Errorf("writes=%v: findings %q, want %q", writes, got, want)
		}
		if len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "401 on 1 of") || !strings.Contains(res.Problems[0], "(listAttachments)") {
			t.Errorf("writes=%v: problems %q, want the one 401 of listAttachments", writes, res.Problems)
		}
		if got, want := strings.Join(skipped(res), ","), "getAttachment,getCounterparty"; got != want {
			t.Errorf("writes=%v: skipped %q, want %q", writes, got, want)
		}
		for _, s := range res.Skipped {
			want := map[string]string{
				"getAttachment":   "listAttachments gave no attachment_id: it answered 401",
				"getCounterparty": "listCounterparties gave no counterparty_id: it has no items",
			}[s.Operation]
			if s.Reason != want {
				t.Errorf("writes=%v: %s skipped for %q, want %q", writes, s.Operation, s.Reason, want)
			}
		}
		if res.GETs != (Coverage{Reached: total - 2, Total: total}) {
			t.Errorf("writes=%v: GETs %+v, want %d of %d", writes, res.GETs, total-2, total)
		}
		ran := map[string]int{}
		for _, c := range res.Calls {
			ran[c.Operation]++
		}
		for _, op := range []string{"listAttachments", "listCounterparties", "listTransactions", "getTransaction", "getWebhook", "getBankInfo"} {
			if ran[op] != 1 {
				t.Errorf("writes=%v: %s called %d times, want once", writes, op, ran[op])
			}
		}
		for _, op := range lifecycle {
			if writes != (ran[op] == 1) {
				t.Errorf("writes=%v: %s called %d times", writes, op, ran[op])
			}
		}
	}
}

// TestRunLifecycleGoesOnPastAFailedStep: a step that fails skips the
// steps that need what it was to make, says why, and the others run.
func TestRunLifecycleGoesOnPastAFailedStep(t *testing.T) {
	tests := []struct {
		name    string
		plant   func(op string, a *answer)
		skipped map[string]string // operation: reason
		ran     []string          // lifecycle steps sent
		problem string
		finding string // "operation pointer", the only finding
	}{
		{
			name: "createCard answers 400",
			plant: func(op string, a *answer) {
				if op == "createCard" {
					a.status, a.body = http.StatusBadRequest, example(t, "card_bad_request_error")
				}
			},
			skipped: map[string]string{
				"updateCard":              "createCard made none: it answered 400 ERROR_CODE_INVALID_FIELD",
				"simulateCardTransaction": "createCard made none: it answered 400 ERROR_CODE_INVALID_FIELD",
			},
			ran:     []string{"createCardHolder", "createCard", "createWebhook", "deleteWebhook"},
			problem: "createCard answered 400 ERROR_CODE_INVALID_FIELD",
		},
		{
			name: "no sub account to create the card holder under",
			plant: func(op string, a *answer) {
				if op == "listSubAccounts" {
					emptyList(a)
				}
			},
			skipped: map[string]string{
				"getSubAccount":           "listSubAccounts gave no sub_account_id: it has no items",
				"createCardHolder":        "no sub account to create it under: listSubAccounts gave none: it has no items",
				"createCard":              "createCardHolder made none: no sub account to create it under: listSubAccounts gave none: it has no items",
				"updateCard":              "createCard made none: createCardHolder made none",
				"simulateCardTransaction": "createCard made none: createCardHolder made none",
			},
			ran: []string{"createWebhook", "deleteWebhook"},
		},
		{
			name: "createCard answers what the SDK cannot decode: its id is read raw",
			plant: func(op string, a *answer) {
				if op == "createCard" {
					set(a.body, 5275, "last4")
				}
			},
			ran:     lifecycle,
			finding: "createCard /last4",
		},
		{
			name: "createWebhook answers without an id",
			plant: func(op string, a *answer) {
				if op == "createWebhook" {
					delete(a.body.(map[string]any), "id")
				}
			},
			skipped: map[string]string{"deleteWebhook": "createWebhook made none: its answer has no id"},
			ran:     []string{"createCardHolder", "createCard", "updateCard", "simulateCardTransaction", "createWebhook"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := plantedServer(t, tt.plant)
			res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: reportKey, Card: "crd_7948d9a96706dd05360a340002de725f", Writes: true})
			if err != nil {
				t.Fatalf("Run stopped: %v", err)
			}
			got := map[string]string{}
			for _, s := range res.Skipped {
				got[s.Operation] = s.Reason
			}
			if len(got) != len(tt.skipped) {
				t.Errorf("skipped %q, want %q", got, tt.skipped)
			}
			for op, why := range tt.skipped {
				if got[op] != why {
					t.Errorf("%s skipped for %q, want %q", op, got[op], why)
				}
			}
			var ran []string
			for _, c := range res.Calls {
				for _, op := range lifecycle {
					if c.Operation == op {
						ran = append(ran, op)
					}
				}
			}
			if strings.Join(ran, " ") != strings.Join(tt.ran, " ") {
				t.Errorf("lifecycle ran %v, want %v", ran, tt.ran)
			}
			if got := strings.Join(keys(res.Findings), ","); got != tt.finding {
				t.Errorf("findings %q, want %q", got, tt.finding)
			}
			problems := strings.Join(res.Problems, "\n")
			if (tt.problem == "") != (problems == "") || !strings.Contains(problems, tt.problem) {
				t.Errorf("problems %q, want %q", res.Problems, tt.problem)
			}
		})
	}
}

// TestRunKeepsTheWebhookSecret: the signing secret createWebhook answers
// with appears nowhere in the report, wherever the server echoes it: in
// a value shown by a finding (before and after it was created), in a
// request id.
func TestRunKeepsTheWebhookSecret(t *testing.T) {
	const secret = "pPibTgWHeiAAlJR7I0gzuXJpU3iNcwlz"
	srv := plantedServer(t, func(op string, a *answer) {
		switch op {
		case "createWebhook":
			set(a.body, secret, "secret")
			set(a.body, "x"+secret, "status")
			a.header.Set("X-Request-Id", "req_"+secret)
		case "getWebhook":
			set(a.body, secret, "status")
		}
	})
	res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: reportKey, Card: "crd_7948d9a96706dd05360a340002de725f", Writes: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys(res.Findings), ","); got != "createWebhook /status,getWebhook /status" {
		t.Errorf("findings %q", got)
	}
	out, _ := json.Marshal(res)
	for _, f := range res.Findings {
		out = append(out, f.String()...)
	}
	if frag := keyFragment(string(out), secret); frag != "" {
		t.Errorf("the report holds %q of the webhook's secret: %s", frag, out)
	}
	if !strings.Contains(string(out), "req_[REDACTED]") {
		t.Errorf("the secret in a request id is not masked: %s", out)
	}
}

// TestRunWalkSkipsAnIDTheSDKRefuses: a list whose first id would change
// the path of its item GET: the SDK refuses it before any request, and
// the item GET is skipped, saying so.
func TestRunWalkSkipsAnIDTheSDKRefuses(t *testing.T) {
	srv := plantedServer(t, func(op string, a *answer) {
		if op == "listWebhooks" {
			set(a.body, "..", "data", 0, "id")
		}
	})
	res, err := Run(context.Background(), Config{BaseURL: srv.URL, APIKey: reportKey, Card: "crd_7948d9a96706dd05360a340002de725f"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || res.Skipped[0].Operation != "getWebhook" || !strings.Contains(res.Skipped[0].Reason, "the SDK refuses the id the list gave") {
		t.Errorf("skipped %v, want getWebhook for its id", res.Skipped)
	}
	for _, c := range res.Calls {
		if c.Operation == "getWebhook" {
			t.Errorf("getWebhook was sent: %+v", c)
		}
	}
}
