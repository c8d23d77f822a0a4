// Command benchratio reads `go test -bench` output and prints, for each
// group of benchmarks, every variant beside the group's "baseline" as
// ratios. A group is a benchmark name without its last element, so
// BenchmarkSetPinToken/inmemory/sdk is compared with
// BenchmarkSetPinToken/inmemory/baseline. With -count > 1 it keeps the
// fastest run of each (the least disturbed on a noisy machine).
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

// result is the best run of one benchmark.
type result struct {
	metrics map[string]float64 // unit -> value: ns/op, B/op, allocs/op, req/s, ...
}

// higherIsBetter lists the units where the best run is the largest value.
var higherIsBetter = map[string]bool{"req/s": true}

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
			res = &result{metrics: map[string]float64{}}
			results[name] = res
			order = append(order, name)
		}
		for unit, v := range run {
			old, seen := res.metrics[unit]
			if !seen || (higherIsBetter[unit] && v > old) || (!higherIsBetter[unit] && v < old) {
				res.metrics[unit] = v
			}
		}
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
			for u := range results[n].metrics {
				units[u] = true
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
			fmt.Fprintf(w, " ns/op ÷ baseline | allocs − baseline |")
			ratios = 2
			if units["req/s"] {
				fmt.Fprintf(w, " req/s ÷ baseline |")
				ratios++
			}
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(cols)+ratios))
		for _, n := range groups[g] {
			_, v := split(n)
			m := results[n].metrics
			fmt.Fprintf(w, "| %s |", v)
			for _, c := range cols {
				fmt.Fprintf(w, " %s |", fmtNum(m[c]))
			}
			if base != nil {
				fmt.Fprintf(w, " %.2fx | %+.0f |", ratio(m["ns/op"], base.metrics["ns/op"]), m["allocs/op"]-base.metrics["allocs/op"])
				if units["req/s"] {
					fmt.Fprintf(w, " %.2fx |", ratio(m["req/s"], base.metrics["req/s"]))
				}
			}
			fmt.Fprintln(w)
		}
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
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
