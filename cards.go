package solid

import (
	"context"
	"fmt"
	"iter"

	"github.com/solidsdk/solid-go/flex"
	"github.com/solidsdk/solid-go/gen"
	"github.com/solidsdk/solid-go/internal/redact"
)

// Cards walks every card, page by page, from params.StartingAfter (or the
// first card) to the end of the list, fetching the next page only when the
// loop asks for more:
//
//	for card, err := range c.Cards(ctx, &gen.ListCardsParams{Limit: &limit}) {
//		if err != nil {
//			return err
//		}
//		...
//	}
//
// Each page is one listCards call through c.API(), with the client's
// retries and timeout. The first error is yielded and ends the walk: an
// *APIError, the context's error between pages, ErrInvalidInput for a
// Limit outside 1 to 100 or an EndingBefore (the walk goes forward only)
// before any request, or ErrMalformedResponse for a server that repeats a
// cursor or sends an empty page with has_more set, so a broken server
// cannot make the loop endless. params may be nil; it is not modified.
func (c *Client) Cards(ctx context.Context, params *gen.ListCardsParams) iter.Seq2[gen.Card, error] {
	var p gen.ListCardsParams
	if params != nil {
		p = *params
	}
	return list(ctx, "listCards", c.tr.key.v, p.Limit, p.StartingAfter, p.EndingBefore,
		func(ctx context.Context, after *string) (page[gen.Card], error) {
			q := p
			q.StartingAfter = after
			resp, err := c.api.ListCardsWithResponse(ctx, &q)
			if err != nil {
				return page[gen.Card]{}, opError("listCards", err)
			}
			if resp.JSON200 == nil {
				return page[gen.Card]{}, malformed("listCards", "status %d with content type %q, want a JSON CardList", resp.StatusCode(), truncate(redact.Secrets(resp.ContentType(), c.tr.key.v)))
			}
			l := resp.JSON200
			return pageOf(l.Data, l.HasMore, l.StartingAfter, func(c gen.Card) *string { return c.Id }), nil
		})
}

// CardHolders walks every card holder, page by page, as Cards walks cards.
func (c *Client) CardHolders(ctx context.Context, params *gen.ListCardHoldersParams) iter.Seq2[gen.CardHolder, error] {
	var p gen.ListCardHoldersParams
	if params != nil {
		p = *params
	}
	return list(ctx, "listCardHolders", c.tr.key.v, p.Limit, p.StartingAfter, p.EndingBefore,
		func(ctx context.Context, after *string) (page[gen.CardHolder], error) {
			q := p
			q.StartingAfter = after
			resp, err := c.api.ListCardHoldersWithResponse(ctx, &q)
			if err != nil {
				return page[gen.CardHolder]{}, opError("listCardHolders", err)
			}
			if resp.JSON200 == nil {
				return page[gen.CardHolder]{}, malformed("listCardHolders", "status %d with content type %q, want a JSON CardHolderList", resp.StatusCode(), truncate(redact.Secrets(resp.ContentType(), c.tr.key.v)))
			}
			l := resp.JSON200
			return pageOf(l.Data, l.HasMore, l.StartingAfter, func(h gen.CardHolder) *string { return h.Id }), nil
		})
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
// the envelope's starting_after, else the id of the page's last item.
func pageOf[T any](data *[]T, hasMore *flex.Bool, startingAfter *string, id func(T) *string) page[T] {
	var p page[T]
	if data != nil {
		p.items = *data
	}
	p.hasMore = hasMore != nil && bool(*hasMore)
	switch {
	case startingAfter != nil && *startingAfter != "":
		p.next = *startingAfter
	case len(p.items) > 0:
		if v := id(p.items[len(p.items)-1]); v != nil {
			p.next = *v
		}
	}
	return p
}

// CardHolderID returns the id of card's card holder, whichever spelling
// the answer used: Solid's examples say card_holder_id, its schema
// cardholder_id (openapi.yaml declares both). It returns "" when neither
// is set.
func CardHolderID(card gen.Card) string {
	switch {
	case card.CardHolderId != nil && *card.CardHolderId != "":
		return *card.CardHolderId
	case card.CardholderId != nil:
		return *card.CardholderId
	}
	return ""
}
