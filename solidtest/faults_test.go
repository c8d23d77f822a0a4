package solidtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.QueueFault(Fault{Status: 503, RetryAfter: "1", Count: 2})
	srv.QueueFault(Fault{Status: 429})
	srv.QueueFault(Fault{Drop: true})
	want := []struct {
		status     int
		retryAfter string
		code       string
		dropped    bool
	}{
		{status: 503, retryAfter: "1", code: "ERROR_CODE_SERVICE_UNAVAILABLE"},
		{status: 503, retryAfter: "1", code: "ERROR_CODE_SERVICE_UNAVAILABLE"},
		{status: 429, code: "ERROR_CODE_TOO_MANY_REQUESTS"},
		{dropped: true},
		{status: 200},
	}
	for i, w := range want {
		if w.dropped {
			req, _ := http.NewRequest("POST", srv.URL+setPinPath, nil)
			req.Header.Set("api-key", DefaultAPIKey)
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("request %d: got %d, want a dropped connection", i, resp.StatusCode)
			}
			continue
		}
		r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
		if r.status != w.status || r.header.Get("Retry-After") != w.retryAfter {
			t.Fatalf("request %d: %d Retry-After %q, want %d %q", i, r.status, r.header.Get("Retry-After"), w.status, w.retryAfter)
		}
		var env envelope
		json.Unmarshal(r.body, &env)
		if env.Error.Code != w.code {
			t.Errorf("request %d: code %q, want %q", i, env.Error.Code, w.code)
		}
	}
	got := srv.Requests()
	wantStatus := []int{503, 503, 429, 0, 200}
	if len(got) != len(wantStatus) {
		t.Fatalf("recorded %d requests, want %d: %+v", len(got), len(wantStatus), got)
	}
	for i, r := range got {
		if r.Status != wantStatus[i] || r.Method != "POST" || r.Path != setPinPath || r.CardID != DefaultCardID || !r.HasAPIKey {
			t.Errorf("record %d = %+v", i, r)
		}
	}
	srv.QueueFault(Fault{Status: 500, Count: 3})
	srv.Reset()
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
	if r := send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 {
		t.Errorf("after Reset: %d", r.status)
	}
}

func TestQueueFaultRefusesMistakes(t *testing.T) {
	h := NewHandler()
	for _, f := range []Fault{{Status: 200}, {Status: 0}, {Status: 600}, {Status: 503, Count: -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("QueueFault(%+v) did not panic", f)
				}
			}()
			h.QueueFault(f)
		}()
	}
}

// TestLatencyClientGivesUp: a request waiting out the latency is in the
// record with Status 0; when its client gives up it ends unanswered and
// keeps Status 0.
func TestLatencyClientGivesUp(t *testing.T) {
	h := NewHandler()
	ts, ended := serveSignalling(t, h)
	h.SetLatency(time.Hour)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := goPost(ctx, ts.Client(), ts.URL+setPinPath, DefaultAPIKey)
	held := waitForRecord(t, h, unanswered(1))
	if want := (Request{Method: "POST", Path: setPinPath, Operation: "createSetPinToken", CardID: DefaultCardID, HasAPIKey: true}); held[0] != want {
		t.Errorf("record while waiting %+v, want %+v", held[0], want)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	<-ended

	h.SetLatency(0)
	if r := send(t, ts.Client(), ts.URL, "POST", setPinPath, DefaultAPIKey); r.status != 200 {
		t.Fatalf("without latency: %d", r.status)
	}
	<-ended
	var got []int
	for _, r := range h.Requests() {
		got = append(got, r.Status)
	}
	if want := []int{0, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}
