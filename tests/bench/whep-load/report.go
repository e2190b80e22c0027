package main

// The report: reads the JSON lines that run.sh collected (whep-load's windows
// and joins, the servers' latency, the decoding viewers' first frames, the
// run's description) and prints markdown tables.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type anyRec map[string]interface{}

func (r anyRec) s(k string) string {
	if v, ok := r[k].(string); ok {
		return v
	}
	return ""
}

func (r anyRec) f(k string) float64 {
	if v, ok := r[k].(float64); ok {
		return v
	}
	return math.NaN()
}

func (r anyRec) n(k string) int {
	if v, ok := r[k].([]interface{}); ok {
		return len(v)
	}
	return 0
}

func readRecords(dir string) (recs []anyRec) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	sort.Strings(files)
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var r anyRec
			if json.Unmarshal(sc.Bytes(), &r) == nil {
				recs = append(recs, r)
			}
		}
		fh.Close()
	}
	return
}

// "median (min–max)" of the values, with a format for each number
func spread(xs []float64, format string) string {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return "–"
	}
	sort.Float64s(v)
	m := fmt.Sprintf(format, median(v))
	if len(v) == 1 {
		return m
	}
	return fmt.Sprintf("%s ("+format+"–"+format+")", m, v[0], v[len(v)-1])
}

type level struct {
	n       int
	windows []anyRec
}

func (l *level) vals(k string) (xs []float64) {
	for _, w := range l.windows {
		xs = append(xs, w.f(k))
	}
	return
}

// A step is clean when no join failed and most of its windows saw no viewer
// lose data or fall behind (as whep-load decides when to stop).
func (l *level) clean() bool {
	bad := 0
	for _, w := range l.windows {
		if w.f("failed") > 0 {
			return false
		}
		if w.n("lossy") > 0 || w.n("behind") > 0 || w.n("stalled") > 0 {
			bad++
		}
	}
	return 2*bad <= len(l.windows)
}

type serverRun struct {
	name   string
	levels []*level
	zero   *level
}

func (s *serverRun) at(n int) *level {
	for _, l := range s.levels {
		if l.n == n {
			return l
		}
	}
	return nil
}

// CPU, RSS, threads, fds per viewer at a level, one value per window, with
// the no-viewer level's median subtracted.
func (s *serverRun) perViewer(l *level, k string, scale float64) []float64 {
	if s.zero == nil || l.n == 0 {
		return nil
	}
	base := median(s.zero.vals(k))
	var xs []float64
	for _, x := range l.vals(k) {
		xs = append(xs, (x-base)/float64(l.n)*scale)
	}
	return xs
}

func (s *serverRun) maxClean() (int, bool) {
	best, capped := 0, true
	for _, l := range s.levels {
		if !l.clean() {
			capped = false
			break
		}
		best = l.n
	}
	return best, capped
}

// collectRuns: the windows of one phase ("" the ramps, "hold" run.sh
// --compare) by server and level
func collectRuns(recs []anyRec, phase string) map[string]*serverRun {
	runs := map[string]*serverRun{}
	for _, r := range recs {
		if r.s("type") != "window" || r.s("phase") != phase {
			continue
		}
		name := r.s("server")
		s := runs[name]
		if s == nil {
			s = &serverRun{name: name}
			runs[name] = s
		}
		n := int(r.f("level"))
		l := s.at(n)
		if l == nil {
			l = &level{n: n}
			s.levels = append(s.levels, l)
		}
		l.windows = append(l.windows, r)
	}
	for _, s := range runs {
		sort.Slice(s.levels, func(i, j int) bool { return s.levels[i].n < s.levels[j].n })
		s.zero = s.at(0)
	}
	return runs
}

func pcts(xs []float64, ps ...float64) string {
	if len(xs) == 0 {
		return "–"
	}
	var parts []string
	for _, p := range ps {
		parts = append(parts, fmt.Sprintf("%.0f", percentile(xs, p)))
	}
	return strings.Join(parts, " / ")
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", b/a)
}

func report(dir string) int {
	recs := readRecords(dir)
	if len(recs) == 0 {
		fmt.Fprintln(os.Stderr, "report: no records in", dir)
		return 1
	}
	runs := collectRuns(recs, "")
	// the ramps' table compares the first two servers run
	var servers []string
	for _, name := range []string{"whepsink", "pion", "baseline"} {
		if runs[name] != nil {
			servers = append(servers, name)
		}
	}
	for len(servers) < 2 {
		servers = append(servers, "-")
	}
	servers = servers[:2]

	// the run's description
	for _, r := range recs {
		if r.s("type") == "meta" {
			fmt.Printf("Machine: %s, %s cores, kernel %s; GStreamer %s; client: %s.\n",
				r.s("cpu"), r.s("cores"), r.s("kernel"), r.s("gstreamer"), r.s("client"))
			fmt.Printf("Pinning: %s. Run: %s, %s.\n", r.s("pinning"), r.s("date"), r.s("mode"))
			fmt.Printf("Stream: %s\n\n", r.s("stream"))
		}
	}

	// the rate the viewers actually received, from the ramp windows
	for _, name := range servers {
		s := runs[name]
		if s == nil {
			continue
		}
		var vk, vp, ak, ap []float64
		for _, l := range s.levels {
			if l.n == 0 {
				continue
			}
			vk = append(vk, l.vals("video_kbps")...)
			vp = append(vp, l.vals("video_pps")...)
			ak = append(ak, l.vals("audio_kbps")...)
			ap = append(ap, l.vals("audio_pps")...)
		}
		fmt.Printf("Received per viewer from %s (RTP payload, median viewer, all windows): video %s kbit/s in %s pkt/s, audio %s kbit/s in %s pkt/s.\n",
			name, spread(vk, "%.0f"), spread(vp, "%.0f"), spread(ak, "%.0f"), spread(ap, "%.0f"))
	}
	fmt.Println()

	compareTable(recs)
	if runs[servers[0]] == nil {
		return 0 // --compare: nothing else ran
	}

	// the level both servers served cleanly, for a fair CPU comparison
	cmp := 0
	if w, b := runs[servers[0]], runs[servers[1]]; w != nil && b != nil {
		wm, _ := w.maxClean()
		bm, _ := b.maxClean()
		for _, l := range w.levels {
			if l.n > 0 && l.n <= wm && l.n <= bm && b.at(l.n) != nil {
				cmp = l.n
			}
		}
	}

	fmt.Println("## The ramps")
	fmt.Println()
	fmt.Printf("| figure | %s | %s | %s / %s |\n", servers[0], servers[1], servers[1], servers[0])
	fmt.Println("|---|---|---|---|")
	row := func(label string, f func(s *serverRun) ([]float64, string)) {
		var meds [2]float64
		var cells [2]string
		for i, name := range servers {
			meds[i], cells[i] = math.NaN(), "–"
			if s := runs[name]; s != nil {
				xs, format := f(s)
				cells[i] = spread(xs, format)
				if len(xs) > 0 {
					meds[i] = median(xs)
				}
			}
		}
		fmt.Printf("| %s | %s | %s | %s |\n", label, cells[0], cells[1], ratio(meds[0], meds[1]))
	}
	if cmp > 0 {
		row(fmt.Sprintf("server CPU per viewer at %d viewers (ms of CPU per viewer-second)", cmp),
			func(s *serverRun) ([]float64, string) { return s.perViewer(s.at(cmp), "server_cpu", 1000), "%.1f" })
		row(fmt.Sprintf("viewers per core at %d viewers (1 / CPU per viewer)", cmp),
			func(s *serverRun) ([]float64, string) {
				var xs []float64
				for _, x := range s.perViewer(s.at(cmp), "server_cpu", 1) {
					xs = append(xs, 1/x)
				}
				return xs, "%.0f"
			})
	}
	for _, name := range servers {
		if s := runs[name]; s != nil {
			top := s.levels[len(s.levels)-1]
			_ = top
		}
	}
	fmt.Printf("| most viewers with none behind or losing data (ramp steps) | %s | %s | |\n",
		cleanCell(runs[servers[0]]), cleanCell(runs[servers[1]]))
	for _, k := range []struct {
		key, label, format string
		scale              float64
	}{
		{"server_cpu", "server CPU per viewer at the highest clean step (ms/viewer-s)", "%.1f", 1000},
		{"server_rss_kb", "RSS per viewer at the highest clean step (MB)", "%.2f", 1.0 / 1024},
		{"server_threads", "threads per viewer at the highest clean step", "%.1f", 1},
		{"server_fds", "fds per viewer at the highest clean step", "%.1f", 1},
	} {
		k := k
		row(k.label, func(s *serverRun) ([]float64, string) {
			n, _ := s.maxClean()
			if l := s.at(n); l != nil {
				return s.perViewer(l, k.key, k.scale), k.format
			}
			return nil, k.format
		})
	}

	// joins
	joins := map[string]map[string][]anyRec{}
	for _, r := range recs {
		if r.s("type") != "join" {
			continue
		}
		if joins[r.s("server")] == nil {
			joins[r.s("server")] = map[string][]anyRec{}
		}
		joins[r.s("server")][r.s("tag")] = append(joins[r.s("server")][r.s("tag")], r)
	}
	field := func(rs []anyRec, k string) (xs []float64) {
		for _, r := range rs {
			if v := r.f(k); !math.IsNaN(v) && v > 0 {
				xs = append(xs, v)
			}
		}
		return
	}
	pctRow := func(label string, get func(name string) []float64, ps ...float64) {
		var cells [2]string
		var meds [2]float64
		for i, name := range servers {
			xs := get(name)
			cells[i] = pcts(xs, ps...)
			if len(xs) > 0 {
				cells[i] += fmt.Sprintf(" (n=%d)", len(xs))
			}
			meds[i] = percentile(xs, ps[0])
		}
		fmt.Printf("| %s | %s | %s | %s |\n", label, cells[0], cells[1], ratio(meds[0], meds[1]))
	}
	pctRow("session setup POST → 201, p50 / p95 (ms), all joins", func(name string) []float64 {
		var all []float64
		for _, rs := range joins[name] {
			all = append(all, field(rs, "post_to_201_ms")...)
		}
		return all
	}, 50, 95)
	pctRow("POST → ICE+DTLS connected, p50 / p95 (ms), all joins", func(name string) []float64 {
		var all []float64
		for _, rs := range joins[name] {
			all = append(all, field(rs, "post_to_connected_ms")...)
		}
		return all
	}, 50, 95)
	var tags []string
	seen := map[string]bool{}
	for _, m := range joins {
		for t := range m {
			if strings.HasPrefix(t, "gop") && !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	sort.Strings(tags)
	for _, t := range tags {
		t := t
		pctRow(fmt.Sprintf("POST → first complete key frame received, %s, p50 / p95 (ms)", t),
			func(name string) []float64 { return field(joins[name][t], "post_to_keyframe_ms") }, 50, 95)
	}
	// decoded first frames (webrtcbin + avdec_h264 viewers)
	dec := map[string]map[string][]float64{}
	for _, r := range recs {
		if r.s("type") != "ttff" {
			continue
		}
		if dec[r.s("server")] == nil {
			dec[r.s("server")] = map[string][]float64{}
		}
		if v := r.f("ms"); v > 0 {
			dec[r.s("server")][r.s("tag")] = append(dec[r.s("server")][r.s("tag")], v)
		}
	}
	var dtags []string
	seen = map[string]bool{}
	for _, m := range dec {
		for t := range m {
			if !seen[t] {
				seen[t] = true
				dtags = append(dtags, t)
			}
		}
	}
	sort.Strings(dtags)
	for _, t := range dtags {
		t := t
		pctRow(fmt.Sprintf("first decoded frame (webrtcbin viewer: offer → POST → decoded), %s, p50 / p95 (ms)", t),
			func(name string) []float64 { return dec[name][t] }, 50, 95)
	}
	// latency
	lat := map[string]map[string]anyRec{}
	var lkeys []string
	seen = map[string]bool{}
	for _, r := range recs {
		if r.s("type") != "latency" || r.f("n") == 0 {
			continue
		}
		if lat[r.s("server")] == nil {
			lat[r.s("server")] = map[string]anyRec{}
		}
		k := fmt.Sprintf("%s, %d viewers", r.s("media"), int(r.f("viewers")))
		lat[r.s("server")][k] = r
		if !seen[k] {
			seen[k] = true
			lkeys = append(lkeys, k)
		}
	}
	sort.Strings(lkeys)
	for _, k := range lkeys {
		var cells [2]string
		var meds [2]float64
		for i, name := range servers {
			cells[i], meds[i] = "–", math.NaN()
			if r, ok := lat[name][k]; ok {
				cells[i] = fmt.Sprintf("%.1f / %.1f / %.1f (n=%d)", r.f("p50_ms"), r.f("p95_ms"), r.f("p99_ms"), int(r.f("n")))
				meds[i] = r.f("p95_ms")
			}
		}
		fmt.Printf("| added latency TS in → SRTP out (%s), p50 / p95 / p99 (ms) | %s | %s | %s |\n", k, cells[0], cells[1], ratio(meds[0], meds[1]))
	}
	fmt.Println()

	// where the latency is added
	var lrecs []anyRec
	for _, r := range recs {
		if r.s("type") == "latency" && r.f("n") > 0 {
			lrecs = append(lrecs, r)
		}
	}
	if len(lrecs) > 0 {
		stages := []string{"demux", "parse", "sync", "pay", "srtpenc", "out"}
		fmt.Println("Added latency by stage: ms from the TS buffer into the server to the unit leaving each stage, p50 / p95 (tsdemux output, parser output, clocksync before the tee, payloader output, srtpenc input, SRTP handed to nicesink):")
		fmt.Println()
		fmt.Println("| server | media | viewers | " + strings.Join(stages, " | ") + " |")
		fmt.Println("|---|---|---|" + strings.Repeat("---|", len(stages)))
		for _, r := range lrecs {
			var cells []string
			for _, st := range stages {
				a, ok := r[st].([]interface{})
				if !ok || len(a) < 4 || a[3].(float64) == 0 {
					cells = append(cells, "–")
					continue
				}
				cells = append(cells, fmt.Sprintf("%.1f / %.1f", a[0].(float64), a[1].(float64)))
			}
			fmt.Printf("| %s | %s | %d | %s |\n", r.s("server"), r.s("media"), int(r.f("viewers")), strings.Join(cells, " | "))
		}
		fmt.Println()
	}

	// the ramps in detail
	for _, name := range servers {
		s := runs[name]
		if s == nil {
			continue
		}
		note := ""
		if name == "pion" {
			note = "; server: pion-server alone, its feeder (~0.02 core, whatever the viewers) not included"
		}
		fmt.Printf("Ramp, %s (each cell: median (min–max) over the windows at that step%s):\n\n", name, note)
		fmt.Println("| viewers | server cores | ms CPU per viewer-s | RSS MB | threads | fds | client cores | video kbit/s per viewer | seq lost | missing frames | viewers behind | max behind (ms) |")
		fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, l := range s.levels {
			var lost, miss, behind []float64
			for _, w := range l.windows {
				lost = append(lost, w.f("seq_lost"))
				miss = append(miss, w.f("missing_frames"))
				behind = append(behind, float64(w.n("behind")+w.n("stalled")))
			}
			var rss []float64
			for _, x := range l.vals("server_rss_kb") {
				rss = append(rss, x/1024)
			}
			mark := ""
			if !l.clean() {
				mark = " ✗"
			}
			fmt.Printf("| %d%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l.n, mark,
				spread(l.vals("server_cpu"), "%.3f"), spread(s.perViewer(l, "server_cpu", 1000), "%.1f"),
				spread(rss, "%.0f"), spread(l.vals("server_threads"), "%.0f"), spread(l.vals("server_fds"), "%.0f"),
				spread(l.vals("client_cpu"), "%.2f"), spread(l.vals("video_kbps"), "%.0f"),
				spread(lost, "%.0f"), spread(miss, "%.0f"), spread(behind, "%.0f"), spread(l.vals("max_behind_ms"), "%.0f"))
		}
		fmt.Println()
	}
	fmt.Println("✗: a join failed, or in most windows of that step a viewer lost packets or frames or fell behind real time (more than 200 ms behind its best); a single bad window is shown in the columns but is not the limit.")
	return 0
}

func cleanCell(s *serverRun) string {
	if s == nil {
		return "–"
	}
	n, capped := s.maxClean()
	if capped {
		return fmt.Sprintf("≥ %d (the highest step run)", n)
	}
	for i, l := range s.levels {
		if !l.clean() {
			return fmt.Sprintf("%d (not at %d)", n, s.levels[i].n)
		}
	}
	return fmt.Sprint(n)
}

// compareTable: run.sh --compare, the servers side by side at one viewer
// count on the same feed, from the "hold" windows (each server: windows with
// no viewer, then windows with N) and that phase's joins.
func compareTable(recs []anyRec) {
	runs := collectRuns(recs, "hold")
	var names []string
	for _, name := range []string{"whepsink", "pion", "baseline"} {
		if s := runs[name]; s != nil && len(s.levels) > 0 && s.levels[len(s.levels)-1].n > 0 {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return
	}
	top := func(s *serverRun) *level { return s.levels[len(s.levels)-1] }
	n := top(runs[names[0]]).n
	joins := map[string][]anyRec{}
	for _, r := range recs {
		if r.s("type") == "join" && r.s("tag") == "hold" {
			joins[r.s("server")] = append(joins[r.s("server")], r)
		}
	}
	// server + feeder cores per window
	total := func(l *level) (xs []float64) {
		for _, w := range l.windows {
			x := w.f("server_cpu")
			if f := w.f("feeder_cpu"); !math.IsNaN(f) {
				x += f
			}
			xs = append(xs, x)
		}
		return
	}
	perViewerCPU := func(s *serverRun) (xs []float64) {
		if s.zero == nil {
			return nil
		}
		base := median(total(s.zero))
		l := top(s)
		for _, x := range total(l) {
			xs = append(xs, (x-base)/float64(l.n))
		}
		return
	}
	sum := func(l *level, k string) (t float64) {
		for _, w := range l.windows {
			t += w.f(k)
		}
		return
	}
	maxOf := func(l *level, f func(anyRec) float64) (m float64) {
		for _, w := range l.windows {
			if x := f(w); x > m {
				m = x
			}
		}
		return
	}
	// a latency figure: the median over windows of each percentile
	lat := func(l *level, k string) string {
		var p50, p95, p99 []float64
		cnt := 0
		for _, w := range l.windows {
			a, ok := w[k].([]interface{})
			if !ok || len(a) < 4 {
				continue
			}
			p50 = append(p50, a[0].(float64))
			p95 = append(p95, a[1].(float64))
			p99 = append(p99, a[2].(float64))
			cnt += int(a[3].(float64))
		}
		if cnt == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f / %.1f / %.1f (n=%d)", median(p50), median(p95), median(p99), cnt)
	}
	field := func(rs []anyRec, k string) (xs []float64) {
		for _, r := range rs {
			if v := r.f(k); !math.IsNaN(v) && v > 0 {
				xs = append(xs, v)
			}
		}
		return
	}

	fmt.Printf("## Side by side: %d viewers, the same feed\n\n", n)
	head := "| figure |"
	sep := "|---|"
	for _, name := range names {
		head += " " + name + " |"
		sep += "---|"
	}
	if len(names) > 1 {
		head += fmt.Sprintf(" %s / %s |", names[1], names[0])
		sep += "---|"
	}
	fmt.Println(head)
	fmt.Println(sep)
	type cell struct {
		text string
		val  float64
	}
	row := func(label string, f func(name string, s *serverRun) cell) {
		line := "| " + label + " |"
		var vals []float64
		for _, name := range names {
			c := f(name, runs[name])
			if c.text == "" {
				c.text = "–"
			}
			line += " " + c.text + " |"
			vals = append(vals, c.val)
		}
		if len(names) > 1 {
			r := ""
			if vals[0] != 0 && !math.IsNaN(vals[0]) && !math.IsNaN(vals[1]) {
				r = fmt.Sprintf("%.2f×", vals[1]/vals[0])
			}
			line += " " + r + " |"
		}
		fmt.Println(line)
	}
	med := func(xs []float64, format string) cell {
		if len(xs) == 0 {
			return cell{"–", math.NaN()}
		}
		return cell{spread(xs, format), median(xs)}
	}
	scaled := func(xs []float64, k float64) (ys []float64) {
		for _, x := range xs {
			ys = append(ys, x*k)
		}
		return
	}
	row("viewers receiving (failed joins), each round", func(name string, s *serverRun) cell {
		var parts []string
		for _, w := range top(s).windows {
			if w.f("rep") == 0 {
				parts = append(parts, fmt.Sprintf("%d (%d)", int(w.f("viewers")), int(w.f("failed"))))
			}
		}
		return cell{strings.Join(parts, ", "), math.NaN()}
	})
	row("server cores, 0 viewers → N viewers (process under test; pion: pion-server + its feeder)", func(name string, s *serverRun) cell {
		if s.zero == nil {
			return cell{}
		}
		return cell{fmt.Sprintf("%.3f → %.3f", median(total(s.zero)), median(total(top(s)))), median(total(top(s)))}
	})
	row("of which the feeder (gst-launch-1.0: tsdemux, h264parse, payloaders), cores at N", func(name string, s *serverRun) cell {
		xs := top(s).vals("feeder_cpu")
		if len(xs) == 0 || math.IsNaN(xs[0]) {
			return cell{"– (in the process)", math.NaN()}
		}
		return med(xs, "%.3f")
	})
	// a core that was full, or viewers that lost data, make the per-viewer
	// CPU that of what was delivered: an upper bound on viewers per core
	degraded := func(s *serverRun) string {
		l := top(s)
		var why []string
		if median(total(l)) >= 0.9 {
			why = append(why, fmt.Sprintf("its core was full (%.2f)", median(total(l))))
		}
		// packets the load client's own sockets dropped are its loss, not
		// the server's
		if lost := sum(l, "seq_lost"); lost > sum(l, "client_sock_drops") {
			why = append(why, "viewers lost data")
		}
		if maxOf(l, func(w anyRec) float64 { return w.f("failed") }) > 0 {
			why = append(why, "joins failed")
		}
		return strings.Join(why, ", ")
	}
	row("**viewers per core** (1 / marginal CPU per viewer: cores at N − cores at 0, over N)", func(name string, s *serverRun) cell {
		var xs []float64
		for _, x := range perViewerCPU(s) {
			xs = append(xs, 1/x)
		}
		c := med(xs, "%.0f")
		if why := degraded(s); why != "" && len(xs) > 0 {
			c.text = "≤ " + c.text + " (" + why + ": an upper bound)"
		}
		return c
	})
	row("marginal CPU per viewer (ms of CPU per viewer-second)", func(name string, s *serverRun) cell {
		return med(scaled(perViewerCPU(s), 1000), "%.2f")
	})
	for _, k := range []struct {
		key, label, format string
		scale              float64
	}{
		{"server_rss_kb", "RSS per viewer (MB; server process)", "%.2f", 1.0 / 1024},
		{"server_threads", "threads per viewer", "%.2f", 1},
		{"server_fds", "fds per viewer", "%.2f", 1},
	} {
		k := k
		row(k.label, func(name string, s *serverRun) cell {
			return med(s.perViewer(top(s), k.key, k.scale), k.format)
		})
	}
	row("RTP packets lost (sequence numbers), all viewers, all windows", func(name string, s *serverRun) cell {
		l := top(s)
		x := sum(l, "seq_lost")
		var pk float64
		for _, w := range l.windows {
			pk += (w.f("video_pps") + w.f("audio_pps")) * w.f("viewers") * w.f("wall_s")
		}
		if x > 0 && pk > 0 {
			t := fmt.Sprintf("%.0f (%.1f %%)", x, 100*x/(x+pk))
			if d := sum(l, "client_sock_drops"); d > 0 {
				t += fmt.Sprintf(", %.0f of them dropped by the load client's own sockets (the client stalled, not the server)", d)
			}
			return cell{t, math.NaN()}
		}
		return cell{fmt.Sprintf("%.0f", x), math.NaN()}
	})
	row("frames missing (RTP timestamp gaps), all viewers, all windows", func(name string, s *serverRun) cell {
		x := sum(top(s), "missing_frames")
		return cell{fmt.Sprintf("%.0f", x), math.NaN()}
	})
	row("viewers behind (> 200 ms behind their best) or stalled, worst window; max behind (ms)", func(name string, s *serverRun) cell {
		l := top(s)
		b := maxOf(l, func(w anyRec) float64 { return float64(w.n("behind") + w.n("stalled")) })
		return cell{fmt.Sprintf("%.0f; %.0f ms", b, maxOf(l, func(w anyRec) float64 { return w.f("max_behind_ms") })), math.NaN()}
	})
	row("added latency, TS sent → a frame's first RTP packet at the viewer, video, p50 / p95 / p99 (ms)", func(name string, s *serverRun) cell {
		return cell{lat(top(s), "lat_video"), math.NaN()}
	})
	row("… → the frame's last packet (complete), video, p50 / p95 / p99 (ms)", func(name string, s *serverRun) cell {
		return cell{lat(top(s), "lat_video_end"), math.NaN()}
	})
	row("… → the Opus packet at the viewer, audio, p50 / p95 / p99 (ms)", func(name string, s *serverRun) cell {
		return cell{lat(top(s), "lat_audio"), math.NaN()}
	})
	for _, j := range []struct{ key, label string }{
		{"post_to_201_ms", "POST → 201 answer"},
		{"post_to_first_rtp_ms", "POST → first RTP packet"},
		{"post_to_first_keyframe_packet_ms", "POST → first packet of a key frame"},
		{"post_to_keyframe_ms", "POST → first complete key frame"},
	} {
		j := j
		row(j.label+fmt.Sprintf(", %d joins at 25/s, p50 / p95 (ms)", n), func(name string, s *serverRun) cell {
			xs := field(joins[name], j.key)
			if len(xs) == 0 {
				return cell{}
			}
			return cell{fmt.Sprintf("%s (n=%d)", pcts(xs, 50, 95), len(xs)), percentile(xs, 95)}
		})
	}
	row("received per viewer: video kbit/s (RTP payload), packets/s; audio kbit/s", func(name string, s *serverRun) cell {
		l := top(s)
		return cell{fmt.Sprintf("%.0f, %.0f; %.0f", median(l.vals("video_kbps")), median(l.vals("video_pps")), median(l.vals("audio_kbps"))), math.NaN()}
	})
	row("SRTP profile negotiated (from the tag length)", func(name string, s *serverRun) cell {
		switch int(median(top(s).vals("srtp_tag_len"))) {
		case 10:
			return cell{"AES-CM + HMAC-SHA1-80", math.NaN()}
		case 16:
			return cell{"AES-128-GCM", math.NaN()}
		}
		return cell{}
	})
	row("load client cores at N (its own core)", func(name string, s *serverRun) cell {
		return med(top(s).vals("client_cpu"), "%.2f")
	})
	row("other processes on CPU 0 at N, cores (CPU 0 busy − server − feeder; ts-replay ~0.01): what preempted the server", func(name string, s *serverRun) cell {
		var xs []float64
		for i, w := range top(s).windows {
			if a, ok := w["cpu_busy"].([]interface{}); ok && len(a) >= 1 {
				xs = append(xs, math.Max(0, a[0].(float64)-total(top(s))[i]))
			}
		}
		c := med(xs, "%.2f")
		c.val = math.NaN()
		return c
	})
	row("CPU 0 / CPU 1 busy at N, all processes (more than server + client: other load on the machine)", func(name string, s *serverRun) cell {
		var c0, c1 []float64
		for _, w := range top(s).windows {
			if a, ok := w["cpu_busy"].([]interface{}); ok && len(a) >= 2 {
				c0 = append(c0, a[0].(float64))
				c1 = append(c1, a[1].(float64))
			}
		}
		if len(c0) == 0 {
			return cell{}
		}
		return cell{fmt.Sprintf("%.2f / %.2f", median(c0), median(c1)), math.NaN()}
	})
	fmt.Println()
	fmt.Printf("Each cell: median (min–max) over the %d-viewer windows unless it says otherwise; per-viewer figures subtract the median of the no-viewer windows. Latency: every frame at every viewer, ts-replay's send time of the frame's first TS datagram to the viewer's receipt (whep-load/latency.go); p50 / p95 / p99 are medians over the windows.\n\n", n)
}
