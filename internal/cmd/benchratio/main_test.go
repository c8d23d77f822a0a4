package main

import (
	"math"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkX/case/baseline-2   	   1000	      100 ns/op	  10 B/op	  2 allocs/op
BenchmarkX/case/sdk-2        	   1000	      110 ns/op	  10 B/op	  3 allocs/op
BenchmarkX/case/baseline#01-2	   1000	      200 ns/op	  10 B/op	  2 allocs/op
BenchmarkX/case/sdk#01-2     	   1000	      180 ns/op	  10 B/op	  3 allocs/op
BenchmarkX/case/baseline-2   	   1000	      100 ns/op	  10 B/op	  2 allocs/op
BenchmarkX/case/sdk-2        	   1000	      100 ns/op	  10 B/op	  3 allocs/op
BenchmarkY/alone-2           	   10	      5 ns/op	   5000 req/s
PASS
`

func TestParseAndPairedRatio(t *testing.T) {
	results, order, err := parse(strings.NewReader(sample), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "BenchmarkX/case/baseline,BenchmarkX/case/sdk,BenchmarkY/alone" {
		t.Fatalf("order = %s", got)
	}
	base, sdk := results["BenchmarkX/case/baseline"], results["BenchmarkX/case/sdk"]
	if len(base.runs) != 3 || len(sdk.runs) != 3 {
		t.Fatalf("runs: %d baseline, %d sdk; want 3 each (#NN suffixes folded)", len(base.runs), len(sdk.runs))
	}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"median ns/op of baseline", base.median("ns/op"), 100},
		{"median ns/op of sdk", sdk.median("ns/op"), 110},
		{"median allocs", sdk.median("allocs/op"), 3},
		{"req/s kept", results["BenchmarkY/alone"].median("req/s"), 5000},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	// Per-round ratios are 1.10, 0.90 and 1.00: the median is 1.00 even
	// though the medians of the values alone would give 1.10.
	med, lo, hi := pairedRatio(sdk, base, "ns/op")
	if math.Abs(med-1.0) > 1e-9 || math.Abs(lo-0.9) > 1e-9 || math.Abs(hi-1.1) > 1e-9 {
		t.Fatalf("pairedRatio = %v (%v-%v), want 1.00 (0.90-1.10)", med, lo, hi)
	}
}

func TestReport(t *testing.T) {
	results, order, err := parse(strings.NewReader(sample), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	report(&b, results, order)
	out := b.String()
	for _, want := range []string{"| sdk | 110 | 10.00 | 3.00 | 1.00x (0.90–1.10) | +1 |", "| alone | 5.00 | 5000 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
