package solid

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestWalk(t *testing.T) {
	three := []page[int]{
		{items: []int{1, 2}, hasMore: true, next: "c2"},
		{items: []int{3, 4}, hasMore: true, next: "c4"},
		{items: []int{5}, hasMore: false},
	}
	boom := errors.New("boom")
	tests := []struct {
		name      string
		pages     []page[int]
		fetchErr  int // fail the fetch of this page (1-based), if set
		limit     *int
		start     string
		stopAfter int // the caller breaks after this many items, if set
		cancelAt  int // cancel the context after this many items, if set
		want      []int
		wantErr   error
		wantText  string
		wantAfter []string // the cursors passed to fetch, in order
		hidden    string   // a secret the error must not hold any piece of
	}{
		{name: "three pages", pages: three, want: []int{1, 2, 3, 4, 5}, wantAfter: []string{"", "c2", "c4"}},
		{name: "from a cursor", pages: three, start: "c0", want: []int{1, 2, 3, 4, 5}, wantAfter: []string{"c0", "c2", "c4"}},
		{name: "caller stops early: no further page fetched", pages: three, stopAfter: 3, want: []int{1, 2, 3}, wantAfter: []string{"", "c2"}},
		{name: "error on page 2", pages: three, fetchErr: 2, want: []int{1, 2}, wantErr: boom, wantAfter: []string{"", "c2"}},
		{name: "repeated cursor", pages: []page[int]{{items: []int{1}, hasMore: true, next: "c1"}, {items: []int{2}, hasMore: true, next: "c1"}},
			want: []int{1, 2}, wantErr: ErrMalformedResponse, wantText: "repeats the cursor", wantAfter: []string{"", "c1"}},
		{name: "repeated cursor holding the key, past the quote's cut", pages: []page[int]{{items: []int{1}, hasMore: true, next: strings.Repeat("c", 50) + walkKey}, {items: []int{2}, hasMore: true, next: strings.Repeat("c", 50) + walkKey}},
			want: []int{1, 2}, wantErr: ErrMalformedResponse, wantText: "repeats the cursor", wantAfter: []string{"", strings.Repeat("c", 50) + walkKey}, hidden: walkKey},
		{name: "repeated cursor holding a token", pages: []page[int]{{items: []int{1}, hasMore: true, next: "card_pin_test_0123456789abcdef"}, {items: []int{2}, hasMore: true, next: "card_pin_test_0123456789abcdef"}},
			want: []int{1, 2}, wantErr: ErrMalformedResponse, wantText: "repeats the cursor", wantAfter: []string{"", "card_pin_test_0123456789abcdef"}, hidden: "0123456789abcdef"},
		{name: "cursor equal to the start", pages: []page[int]{{items: []int{1}, hasMore: true, next: "c0"}}, start: "c0",
			want: []int{1}, wantErr: ErrMalformedResponse, wantText: "repeats the cursor", wantAfter: []string{"c0"}},
		{name: "empty page with has_more", pages: []page[int]{{hasMore: true, next: "c1"}},
			wantErr: ErrMalformedResponse, wantText: "empty but has_more", wantAfter: []string{""}},
		{name: "has_more without a cursor", pages: []page[int]{{items: []int{1}, hasMore: true}},
			want: []int{1}, wantErr: ErrMalformedResponse, wantText: "no cursor", wantAfter: []string{""}},
		{name: "empty list", pages: []page[int]{{}}, wantAfter: []string{""}},
		{name: "limit 0", pages: three, limit: ptr(0), wantErr: ErrInvalidInput, wantText: "limit 0, want 1 to 100"},
		{name: "limit 101", pages: three, limit: ptr(101), wantErr: ErrInvalidInput},
		{name: "limit 100", pages: three, limit: ptr(100), want: []int{1, 2, 3, 4, 5}, wantAfter: []string{"", "c2", "c4"}},
		{name: "context canceled between pages", pages: three, cancelAt: 2, want: []int{1, 2}, wantErr: context.Canceled, wantAfter: []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var after []string
			fetch := func(_ context.Context, a string) (page[int], error) {
				after = append(after, a)
				n := len(after)
				if n == tt.fetchErr {
					return page[int]{}, boom
				}
				if n > len(tt.pages) {
					t.Fatalf("fetch of page %d: only %d pages", n, len(tt.pages))
				}
				return tt.pages[n-1], nil
			}
			var got []int
			var err error
			for v, e := range walk(ctx, "listThings", walkKey, tt.limit, tt.start, fetch) {
				if e != nil {
					if err != nil {
						t.Fatalf("a second error after %v: %v", err, e)
					}
					err = e
					continue
				}
				got = append(got, v)
				if len(got) == tt.cancelAt {
					cancel()
				}
				if len(got) == tt.stopAfter {
					break
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("items %v, want %v", got, tt.want)
			}
			if (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "solid: listThings: ") && !errors.Is(err, boom) {
				t.Errorf("err %q lacks the operation prefix", err)
			}
			if tt.wantText != "" && (err == nil || !strings.Contains(err.Error(), tt.wantText)) {
				t.Errorf("err = %v, want it to say %q", err, tt.wantText)
			}
			for n := len(tt.hidden); tt.hidden != "" && err != nil && n >= 6; n-- {
				if strings.Contains(err.Error(), tt.hidden[:n]) {
					t.Errorf("err %q holds %q", err, tt.hidden[:n])
					break
				}
			}
			if fmt.Sprint(after) != fmt.Sprint(tt.wantAfter) {
				t.Errorf("fetched after %q, want %q", after, tt.wantAfter)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// walkKey is the API key TestWalk's errors must hide.
const walkKey = "sk_test_walk_key_0123456789"
