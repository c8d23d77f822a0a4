package flex_test

import (
	"encoding/json"
	"testing"

	"github.com/solidsdk/solid-go/flex"
)

func TestBoolDecodesBothForms(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{in: `{"v":"true"}`, want: true},
		{in: `{"v":"false"}`, want: false},
		{in: `{"v":true}`, want: true},
		{in: `{"v":false}`, want: false},
		{in: `{"v": true }`, want: true},
		{in: `{"v":null}`, want: false},
		{in: `{}`, want: false},
		{in: `{"v":"TRUE"}`, wantErr: true},
		{in: `{"v":"yes"}`, wantErr: true},
		{in: `{"v":1}`, wantErr: true},
		{in: `{"v":""}`, wantErr: true},
	}
	for _, tt := range tests {
		var v struct{ V flex.Bool }
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && bool(v.V) != tt.want {
			t.Errorf("%s: got %v, want %v", tt.in, v.V, tt.want)
		}
	}
}

func TestBoolEncodesTheStringForm(t *testing.T) {
	for v, want := range map[flex.Bool]string{true: `{"V":"true"}`, false: `{"V":"false"}`} {
		b, err := json.Marshal(struct{ V flex.Bool }{v})
		if err != nil || string(b) != want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", v, b, err, want)
		}
	}
}
