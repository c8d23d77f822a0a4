// Command benchratio reads `go test -bench` output and prints, for each
// group of benchmarks, every variant beside the group's "baseline" as
// ratios. A group is a benchmark name without its last element, so
// BenchmarkSetPinToken/inmemory/sdk is compared with
// BenchmarkSetPinToken/inmemory/baseline.
//
// A group with a "generated" variant (the raw oapi-codegen client) gets a
// second ratio, each variant over it: the cost of the SDK's layer over the
// generator alone.
//
// Given several rounds (repeated runs, interleaved), values are medians,
// and each ratio is the median of the per-round ratios: the i-th run of a
// variant is divided by the i-th run of its baseline, measured moments
// apart, so slow drift of a shared machine cancels out. The range of the
// per-round ratios is printed too.
//
//	go test -run '^$' -bench . -count 5 ./... | go run ./internal/cmd/benchratio
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// result holds every run of one benchmark, in order.
type result struct {
	runs []map[string]float64 // unit -> value: ns/op, B/op, allocs/op, req/s, ...
}

// median returns the median of unit over the runs.
func (r *result) median(unit string) float64 {
	var vs []float64
	for _, run := range r.runs {
		if v, ok := run[unit]; ok {
			vs = append(vs, v)
		}
	}
	return medianOf(vs)
}

func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sort.Float64s(vs)
	if len(vs)%2 == 1 {
		return vs[len(vs)/2]
	}
	return (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
}

// pairedRatio returns the median and range of run i of r over run i of
// base, for unit.
func pairedRatio(r, base *result, unit string) (med, lo, hi float64) {
	var rs []float64
	for i := 0; i < len(r.runs) && i < len(base.runs); i++ {
		a, okA := r.runs[i][unit]
		b, okB := base.runs[i][unit]
		if okA && okB && b != 0 {
			rs = append(rs, a/b)
		}
	}
	if len(rs) == 0 {
		return 0, 0, 0
	}
	med = medianOf(append([]float64(nil), rs...))
	sort.Float64s(rs)
	return med, rs[0], rs[len(rs)-1]
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func parse(r io.Reader, echo io.Writer) (map[string]*result, []string, error) {
	results := map[string]*result{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		text := sc.Text()
		if echo != nil {
			fmt.Fprintln(echo, text)
		}
		m := line.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		name := regexp.MustCompile(`#\d+$`).ReplaceAllString(m[1], "")
		f := strings.Fields(m[3])
		if len(f)%2 != 0 {
			continue
		}
		run := map[string]float64{}
		for i := 0; i < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			run[f[i+1]] = v
		}
		res, ok := results[name]
		if !ok {
			res = &result{}
			results[name] = res
			order = append(order, name)
		}
		res.runs = append(res.runs, run)
	}
	return results, order, sc.Err()
}

func split(name string) (group, variant string) {
	i := strings.LastIndex(name, "/")
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i+1:]
}

func fmtNum(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func report(w io.Writer, results map[string]*result, order []string) {
	groups := map[string][]string{}
	var gorder []string
	for _, name := range order {
		g, _ := split(name)
		if _, ok := groups[g]; !ok {
			gorder = append(gorder, g)
		}
		groups[g] = append(groups[g], name)
	}
	for _, g := range gorder {
		base, ok := results[g+"/baseline"]
		if !ok {
			base = nil // no baseline: values only
		}
		units := map[string]bool{}
		for _, n := range groups[g] {
			for _, run := range results[n].runs {
				for u := range run {
					units[u] = true
				}
			}
		}
		var cols []string
		for _, u := range []string{"ns/op", "B/op", "allocs/op", "req/s", "p50-µs", "p99-µs"} {
			if units[u] {
				cols = append(cols, u)
			}
		}
		extra := []string{}
		for u := range units {
			if !contains(cols, u) {
				extra = append(extra, u)
			}
		}
		sort.Strings(extra)
		cols = append(cols, extra...)

		fmt.Fprintf(w, "\n%s\n\n| variant |", strings.TrimPrefix(g, "Benchmark"))
		for _, c := range cols {
			fmt.Fprintf(w, " %s |", c)
		}
		ratios := 0
		if base != nil {
			fmt.Fprintf(w, " ns/op ÷ baseline (range) | allocs − baseline |")
			ratios = 2
			if units["req/s"] {
				fmt.Fprintf(w, " req/s ÷ baseline (range) |")
				ratios++
			}
		}
		gen := results[g+"/generated"]
		if gen != nil {
			fmt.Fprintf(w, " ns/op ÷ generated (range) |")
			ratios++
			if units["req/s"] {
				fmt.Fprintf(w, " req/s ÷ generated (range) |")
				ratios++
			}
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(cols)+ratios))
		for _, n := range groups[g] {
			_, v := split(n)
			res := results[n]
			if v == "" {
				v = strings.TrimPrefix(g, "Benchmark")
			}
			fmt.Fprintf(w, "| %s |", v)
			for _, c := range cols {
				fmt.Fprintf(w, " %s |", fmtNum(res.median(c)))
			}
			if base != nil {
				med, lo, hi := pairedRatio(res, base, "ns/op")
				fmt.Fprintf(w, " %.2fx (%.2f–%.2f) | %+.0f |", med, lo, hi, res.median("allocs/op")-base.median("allocs/op"))
				if units["req/s"] {
					med, lo, hi := pairedRatio(res, base, "req/s")
					fmt.Fprintf(w, " %.2fx (%.2f–%.2f) |", med, lo, hi)
				}
			}
			if gen != nil {
				med, lo, hi := pairedRatio(res, gen, "ns/op")
				fmt.Fprintf(w, " %.2fx (%.2f–%.2f) |", med, lo, hi)
				if units["req/s"] {
					med, lo, hi := pairedRatio(res, gen, "req/s")
					fmt.Fprintf(w, " %.2fx (%.2f–%.2f) |", med, lo, hi)
				}
			}
			fmt.Fprintln(w)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func main() {
	var echo io.Writer
	if len(os.Args) > 1 && os.Args[1] == "-echo" {
		echo = os.Stderr
	}
	results, order, err := parse(os.Stdin, echo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
	if len(results) == 0 {
		fmt.Fprintln(os.Stderr, "benchratio: no benchmark results on stdin")
		os.Exit(1)
	}
	report(os.Stdout, results, order)
}
