package solid_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	solid "github.com/solidsdk/solid-go"
)

// semverPattern is the regular expression semver.org suggests for a
// Semantic Versioning 2.0.0 version (without a leading "v").
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

func TestVersionIsSemver(t *testing.T) {
	tests := []struct {
		v    string
		want bool
	}{
		{solid.Version, true},
		{"1.2.3-rc.1+build.5", true},
		{"v0.1.0", false},
		{"0.1", false},
		{"01.0.0", false},
	}
	for _, tt := range tests {
		if got := semverPattern.MatchString(tt.v); got != tt.want {
			t.Errorf("semver(%q) = %t, want %t", tt.v, got, tt.want)
		}
	}
}

// TestChangelogHasVersion checks that CHANGELOG.md keeps an [Unreleased]
// section and has a dated section for the version the SDK reports.
func TestChangelogHasVersion(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^## \[Unreleased\]$`),
		regexp.MustCompile(`(?m)^## \[` + regexp.QuoteMeta(solid.Version) + `\] - \d{4}-\d{2}-\d{2}$`),
		regexp.MustCompile(`(?m)^\[` + regexp.QuoteMeta(solid.Version) + `\]: \S+$`),
	} {
		if !want.MatchString(log) {
			t.Errorf("CHANGELOG.md has no line matching %s", want)
		}
	}
	if u, v := strings.Index(log, "## [Unreleased]"), strings.Index(log, "## ["+solid.Version+"]"); u > v {
		t.Errorf("CHANGELOG.md: [Unreleased] must come before [%s]", solid.Version)
	}
}

// TestUserAgent checks the User-Agent every request carries.
func TestUserAgent(t *testing.T) {
	tests := []struct {
		name string
		opts []solid.Option
		want string
	}{
		{"default", nil, "solid-go/" + solid.Version},
		{"with WithUserAgent", []solid.Option{solid.WithUserAgent("acme-app/2.1")}, "acme-app/2.1 solid-go/" + solid.Version},
		// "" leaves the SDK's own alone: no stray space.
		{"WithUserAgent empty", []solid.Option{solid.WithUserAgent("")}, "solid-go/" + solid.Version},
		// Options do not stack: the last one wins.
		{"WithUserAgent twice", []solid.Option{solid.WithUserAgent("first/1"), solid.WithUserAgent("second/2")}, "second/2 solid-go/" + solid.Version},
		{"WithUserAgent set, then cleared", []solid.Option{solid.WithUserAgent("first/1"), solid.WithUserAgent("")}, "solid-go/" + solid.Version},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				got []string
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Header.Get("User-Agent"))
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"id":"` + seedCard + `","set_pin_token":"` + seedTok + `"}`))
			}))
			defer srv.Close()
			c, err := solid.NewClient(testKey, append([]solid.Option{solid.WithBaseURL(srv.URL)}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateSetPinToken(context.Background(), seedCard); err != nil {
				t.Fatal(err)
			}
			if _, err := c.API().CreateSetPinTokenWithResponse(context.Background(), seedCard, nil); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(got))
			}
			for i, ua := range got {
				if ua != tt.want {
					t.Errorf("request %d User-Agent %q, want %q", i+1, ua, tt.want)
				}
			}
		})
	}
}
