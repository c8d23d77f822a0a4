package solid

import "github.com/solidsdk/solid-go/gen"

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
