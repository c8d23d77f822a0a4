package solidtest

import "testing"

func TestKeysAndCards(t *testing.T) {
	srv := NewServer(WithAPIKeys("sk_a", ""))
	defer srv.Close()
	steps := []struct {
		key, card string
		add       func()
		status    int
	}{
		{key: DefaultAPIKey, card: DefaultCardID, status: 401},
		{key: "sk_a", card: DefaultCardID, status: 200},
		{key: "sk_b", card: DefaultCardID, status: 401},
		{add: func() { srv.AddAPIKey("sk_b") }, key: "sk_b", card: DefaultCardID, status: 200},
		{key: "sk_a", card: "crd_new", status: 404},
		{add: func() { srv.AddCard("crd_new") }, key: "sk_a", card: "crd_new", status: 200},
	}
	for i, s := range steps {
		if s.add != nil {
			s.add()
		}
		if r := send(t, srv.Client(), srv.URL, "POST", pinPath(s.card), s.key); r.status != s.status {
			t.Errorf("step %d: status %d, want %d", i, r.status, s.status)
		}
	}
}
