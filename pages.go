package solid

import (
	"context"
	"fmt"
	"iter"

	"github.com/solidsdk/solid-go/flex"
	"github.com/solidsdk/solid-go/internal/redact"
)

// Solid pages its lists with cursors: limit (1 to 100, default 25),
// starting_after (the cursor of the last record received: the next page)
// and ending_before (the previous page); each page says has_more and gives
// the cursors. The iterators walk forward.

// maxPageLimit and minPageLimit bound a list's limit, as Solid documents.
const (
	minPageLimit = 1
	maxPageLimit = 100
)

// page is one page of a list, as walk needs it.
type page[T any] struct {
	items   []T
	hasMore bool
	// next is the cursor for the page after this one: the envelope's
	// starting_after, or else the last item's id.
	next string
}

// walk yields the items of every page from the one after start, fetching
// the next page only when the caller asks for more. It yields the first
// error and stops; it checks ctx between pages; and it ends with an error,
// never a loop, when a server repeats a cursor or sends an empty page
// with has_more set. key is the API key, scrubbed from a quoted cursor.
func walk[T any](ctx context.Context, op, key string, limit *int, start string, fetch func(ctx context.Context, after string) (page[T], error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if limit != nil && (*limit < minPageLimit || *limit > maxPageLimit) {
			yield(zero, &callError{op: op, err: fmt.Errorf("%w: limit %d, want %d to %d", ErrInvalidInput, *limit, minPageLimit, maxPageLimit)})
			return
		}
		seen := map[string]bool{}
		if start != "" {
			seen[start] = true
		}
		after := start
		for n := 1; ; n++ {
			if err := ctx.Err(); err != nil {
				yield(zero, &callError{op: op, err: fmt.Errorf("before page %d: %w", n, err)})
				return
			}
			p, err := fetch(ctx, after)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range p.items {
				if !yield(it, nil) {
					return
				}
			}
			if !p.hasMore {
				return
			}
			switch {
			case len(p.items) == 0:
				yield(zero, malformed(op, "page %d is empty but has_more is true", n))
				return
			case p.next == "":
				yield(zero, malformed(op, "page %d has has_more true but no cursor", n))
				return
			case seen[p.next]:
				// The cursor is the server's text: scrub it, then shorten it.
				yield(zero, malformed(op, "page %d repeats the cursor %q: the list would never end", n, truncate(redact.Secrets(p.next, key))))
				return
			}
			seen[p.next] = true
			after = p.next
		}
	}
}

// list adapts walk to the generated list parameters: it refuses a
// backward walk, and passes nil rather than an empty cursor.
func list[T any](ctx context.Context, op, key string, limit *int, start, endingBefore *string, fetch func(context.Context, *string) (page[T], error)) iter.Seq2[T, error] {
	if endingBefore != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, &callError{op: op, err: fmt.Errorf("%w: ending_before walks backward, the iterator forward from starting_after; fetch a previous page with c.API()", ErrInvalidInput)})
		}
	}
	s := ""
	if start != nil {
		s = *start
	}
	return walk(ctx, op, key, limit, s, func(ctx context.Context, after string) (page[T], error) {
		if after == "" {
			return fetch(ctx, nil)
		}
		return fetch(ctx, &after)
	})
}

// pageOf reads a generated list envelope. The cursor for the next page is
// the envelope's starting_after, else the id of the page's last item (id
// may be nil for items without one: then only the envelope's cursor).
func pageOf[T any](data *[]T, hasMore *flex.Bool, startingAfter *string, id func(T) *string) page[T] {
	var p page[T]
	if data != nil {
		p.items = *data
	}
	p.hasMore = hasMore != nil && bool(*hasMore)
	switch {
	case startingAfter != nil && *startingAfter != "":
		p.next = *startingAfter
	case len(p.items) > 0 && id != nil:
		if v := id(p.items[len(p.items)-1]); v != nil {
			p.next = *v
		}
	}
	return p
}
