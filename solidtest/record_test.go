package solidtest

import (
	"context"
	"slices"
	"testing"
	"time"
)

// waitForRecord reads the request record until cond holds of it, and
// returns it. The record is how the mock shows that a request is waiting
// out its latency, so tests gate on it rather than sleep: the ticker only
// sets how often the record is read. The test fails if cond has not held
// within a minute.
func waitForRecord(t *testing.T, h *Handler, cond func([]Request) bool) []Request {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	for {
		if rs := h.Requests(); cond(rs) {
			return rs
		}
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("the record never got there; it holds %+v", h.Requests())
		}
	}
}

// unanswered is a condition for waitForRecord: n requests recorded, none
// of them answered yet.
func unanswered(n int) func([]Request) bool {
	return func(rs []Request) bool {
		return len(rs) == n && !slices.ContainsFunc(rs, func(r Request) bool { return r.Status != 0 })
	}
}

// TestRequests checks what the record holds of each kind of request:
// rejected ones and faults included, in the order they arrived, with the
// status they were answered with, 0 for a dropped connection.
func TestRequests(t *testing.T) {
	srv := NewServer(WithCards("a/b"))
	defer srv.Close()
	srv.QueueFault(Fault{Status: 503})
	steps := []struct {
		method, path, key string
		drop              bool
	}{
		{method: "POST", path: setPinPath, key: DefaultAPIKey}, // the 503 fault
		{method: "GET", path: "/v2/nope"},
		{method: "GET", path: setPinPath, key: DefaultAPIKey},
		{method: "POST", path: setPinPath},
		{method: "POST", path: pinPath("crd_nope"), key: DefaultAPIKey},
		{method: "POST", path: pinPath("a%2Fb"), key: "sk_wrong"},
		{method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey, drop: true},
		{method: "POST", path: pinPath("a%2Fb"), key: DefaultAPIKey},
	}
	for _, s := range steps {
		if s.drop {
			srv.QueueFault(Fault{Drop: true})
			if err := <-goPost(context.Background(), srv.Client(), srv.URL+s.path, s.key); err == nil {
				t.Fatal("a dropped request was answered")
			}
			continue
		}
		send(t, srv.Client(), srv.URL, s.method, s.path, s.key)
	}
	want := []Request{
		{Method: "POST", Path: setPinPath, Operation: "createSetPinToken", CardID: DefaultCardID, HasAPIKey: true, Status: 503},
		{Method: "GET", Path: "/v2/nope", Status: 404},
		{Method: "GET", Path: setPinPath, HasAPIKey: true, Status: 405},
		{Method: "POST", Path: setPinPath, Operation: "createSetPinToken", CardID: DefaultCardID, Status: 401},
		{Method: "POST", Path: pinPath("crd_nope"), Operation: "createSetPinToken", CardID: "crd_nope", HasAPIKey: true, Status: 404},
		{Method: "POST", Path: pinPath("a%2Fb"), Operation: "createSetPinToken", CardID: "a/b", HasAPIKey: true, Status: 401},
		{Method: "POST", Path: pinPath("a%2Fb"), Operation: "createSetPinToken", CardID: "a/b", HasAPIKey: true, Status: 0},
		{Method: "POST", Path: pinPath("a%2Fb"), Operation: "createSetPinToken", CardID: "a/b", HasAPIKey: true, Status: 200},
	}
	if got := srv.Requests(); !slices.Equal(got, want) {
		t.Errorf("record:\n got %+v\nwant %+v", got, want)
	}
}

// TestResetForgetsWaitingRequests: a request that arrived before Reset is
// not in the record after it, not even once it ends.
func TestResetForgetsWaitingRequests(t *testing.T) {
	h := NewHandler()
	ts, ended := serveSignalling(t, h)
	h.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := goPost(ctx, ts.Client(), ts.URL+setPinPath, DefaultAPIKey)
	waitForRecord(t, h, unanswered(1))

	h.Reset() // latency off for new requests; the waiting one keeps waiting
	if got := h.Requests(); len(got) != 0 {
		t.Fatalf("record after Reset %+v, want empty", got)
	}
	send(t, ts.Client(), ts.URL, "POST", pinPath("crd_nope"), DefaultAPIKey)
	<-ended
	cancel()
	<-errc
	<-ended
	want := []Request{{Method: "POST", Path: pinPath("crd_nope"), Operation: "createSetPinToken", CardID: "crd_nope", HasAPIKey: true, Status: 404}}
	if got := h.Requests(); !slices.Equal(got, want) {
		t.Errorf("record %+v, want %+v", got, want)
	}
}

func TestRequestRecordIsBounded(t *testing.T) {
	h := NewHandler()
	for i := range MaxRecordedRequests + 5 {
		h.record(Request{Status: i})
	}
	got := h.Requests()
	if len(got) != MaxRecordedRequests || got[0].Status != 5 || got[len(got)-1].Status != MaxRecordedRequests+4 {
		t.Fatalf("len %d first %d last %d", len(got), got[0].Status, got[len(got)-1].Status)
	}
}

// TestRecordAfterReset checks that the record starts over after Reset:
// answers are recorded with their own statuses, latency or not, and the
// ring keeps the most recent requests in order.
func TestRecordAfterReset(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	for range 3 {
		send(t, srv.Client(), srv.URL, "POST", setPinPath, DefaultAPIKey)
	}
	srv.Reset()
	// With latency on, each request is recorded on arrival and its status
	// filled in when answered. time.Nanosecond keeps the waits short.
	srv.SetLatency(time.Nanosecond)
	srv.QueueFault(Fault{Status: 503})
	for _, p := range []string{setPinPath, pinPath("crd_nope"), setPinPath} {
		send(t, srv.Client(), srv.URL, "POST", p, DefaultAPIKey)
	}
	var got []int
	for _, r := range srv.Requests() {
		got = append(got, r.Status)
	}
	if want := []int{503, 404, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses after Reset %v, want %v", got, want)
	}

	h := NewHandler()
	for i := range 3 {
		h.record(Request{Status: -1 - i})
	}
	h.Reset()
	for i := range MaxRecordedRequests + 5 {
		h.record(Request{Status: i})
	}
	rs := h.Requests()
	if len(rs) != MaxRecordedRequests {
		t.Fatalf("%d requests recorded, want %d", len(rs), MaxRecordedRequests)
	}
	for i, r := range rs {
		if r.Status != i+5 {
			t.Fatalf("after Reset and a full ring, record %d has status %d, want %d", i, r.Status, i+5)
		}
	}
}

// TestFinishAcrossReset checks that a request recorded before Reset and
// answered after it leaves the new record alone.
func TestFinishAcrossReset(t *testing.T) {
	h := NewHandler()
	old := h.record(Request{Path: "/old"})
	h.Reset()
	cur := h.record(Request{Path: "/new"})
	h.finish(old, 503, false)
	if got := h.Requests(); len(got) != 1 || got[0].Path != "/new" || got[0].Status != 0 {
		t.Fatalf("after a stale finish: %+v, want /new with status 0", got)
	}
	h.finish(cur, 200, false)
	if got := h.Requests(); len(got) != 1 || got[0].Status != 200 {
		t.Fatalf("after finish: %+v, want status 200", got)
	}
}
