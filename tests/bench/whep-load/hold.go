// hold: viewers that join and stay until told to leave, for the scale-out
// test (tests/scaleout/run.sh), where they join through a load balancer.
//
//	whep-load hold -url URL -bind IP -joins 30 -status FILE
//
// A viewer plays while SRTP media reaches it (the tap counts packets from
// their clear RTP header; nothing is decoded). Every 500 ms FILE is
// rewritten (written aside, then renamed) with lines a shell can read:
//
//	joined 30            POSTs answered 201
//	failed 0             POSTs answered otherwise, or connections that failed
//	playing 30           viewers whose packet count grew in the last 2 s
//	instance a joined 10 playing 10   per instance (the Location's segment
//	                                  before the session id)
//	media a 198.18.0.11               where that instance's media comes from:
//	                                  the remote address of each viewer's
//	                                  selected ICE pair (one line per address)
//	join_ms p50 412 p95 980 n 30      POST to the first media packet
//	answer_ms p50 40 p95 90 n 30      POST to the 201
//
// SIGTERM or SIGINT: every viewer DELETEs its session, without following
// redirects (a DELETE that reaches an instance that does not own the session
// shows as its 307 or 404), the file gets a line per instance and status,
//
//	deleted a 200 10
//
// and "done"; then the program exits.
package main

import (
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The segment before the session id in a session URL: the instance id.
func instanceOf(location string) string {
	parts := strings.Split(strings.TrimRight(location, "/"), "/")
	if len(parts) < 2 {
		return "?"
	}
	return parts[len(parts)-2]
}

type holdViewer struct {
	v          *viewer
	instance   string
	media      string // remote address of the selected ICE pair, once known
	lastPkts   uint64
	lastGrowth time.Time
}

func (c *client) runHold(joins, parallel int, statusPath string, stop <-chan struct{}) int {
	// a DELETE must reach the owner itself: no redirect is followed
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	var mu sync.Mutex
	var viewers []*holdViewer
	var failed int32
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := 0; i < joins; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(id int) {
			defer wg.Done()
			defer func() { <-sem }()
			v := &viewer{id: id}
			if err := c.connect(v); err != nil {
				atomic.AddInt32(&failed, 1)
				fmt.Fprintf(os.Stderr, "whep-load hold: viewer %d: %v\n", id, err)
				c.stop(v)
				return
			}
			mu.Lock()
			viewers = append(viewers, &holdViewer{v: v, instance: instanceOf(v.location)})
			mu.Unlock()
		}(i)
	}

	joinsDone := make(chan struct{})
	go func() { wg.Wait(); close(joinsDone) }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			<-joinsDone
			mu.Lock()
			vs := append([]*holdViewer(nil), viewers...)
			mu.Unlock()
			holdWrite(statusPath, holdStatus(vs, atomic.LoadInt32(&failed))+c.holdLeave(vs)+"done\n")
			return 0
		case <-tick.C:
			mu.Lock()
			vs := append([]*holdViewer(nil), viewers...)
			mu.Unlock()
			holdWrite(statusPath, holdStatus(vs, atomic.LoadInt32(&failed)))
		}
	}
}

// The status lines; updates each viewer's last growth.
func holdStatus(vs []*holdViewer, failed int32) string {
	type inst struct{ joined, playing int }
	insts := map[string]*inst{}
	media := map[string]bool{}
	playing := 0
	var joinMs, answerMs []float64
	t := time.Now()
	for _, h := range vs {
		h.v.mu.Lock()
		pkts := h.v.video.pkts + h.v.audio.pkts
		first := h.v.firstRTPNs
		h.v.mu.Unlock()
		if pkts > h.lastPkts {
			h.lastPkts, h.lastGrowth = pkts, t
		}
		if h.media == "" && atomic.LoadInt64(&h.v.connectedNs) != 0 {
			h.media = selectedRemote(h.v)
		}
		if h.media != "" {
			media[h.instance+" "+h.media] = true
		}
		if atomic.LoadInt32(&h.v.failed) != 0 {
			failed++
		}
		in := insts[h.instance]
		if in == nil {
			in = &inst{}
			insts[h.instance] = in
		}
		in.joined++
		if pkts > 0 && t.Sub(h.lastGrowth) < 2*time.Second {
			in.playing++
			playing++
		}
		answerMs = append(answerMs, ms(h.v.answerNs-h.v.postNs))
		if first > 0 {
			joinMs = append(joinMs, ms(first-h.v.postNs))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "joined %d\nfailed %d\nplaying %d\n", len(vs), failed, playing)
	names := make([]string, 0, len(insts))
	for n := range insts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "instance %s joined %d playing %d\n", n, insts[n].joined, insts[n].playing)
	}
	pairs := make([]string, 0, len(media))
	for m := range media {
		pairs = append(pairs, m)
	}
	sort.Strings(pairs)
	for _, m := range pairs {
		fmt.Fprintf(&b, "media %s\n", m)
	}
	fmt.Fprintf(&b, "join_ms p50 %.0f p95 %.0f n %d\n", percentile(joinMs, 50), percentile(joinMs, 95), len(joinMs))
	fmt.Fprintf(&b, "answer_ms p50 %.0f p95 %.0f n %d\n", percentile(answerMs, 50), percentile(answerMs, 95), len(answerMs))
	return b.String()
}

// Every viewer DELETEs its session; "deleted <instance> <status> <count>"
// lines (status 0: no answer).
func (c *client) holdLeave(vs []*holdViewer) string {
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range vs {
		wg.Add(1)
		go func(h *holdViewer) {
			defer wg.Done()
			status := 0
			if h.v.location != "" {
				req, _ := http.NewRequest("DELETE", h.v.location, nil)
				if resp, err := c.http.Do(req); err == nil {
					status = resp.StatusCode
					resp.Body.Close()
				}
			}
			h.v.location = "" // deleted here, not again by stop()
			c.stop(h.v)
			mu.Lock()
			counts[fmt.Sprintf("%s %d", h.instance, status)]++
			mu.Unlock()
		}(h)
	}
	wg.Wait()
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "deleted %s %d\n", k, counts[k])
	}
	return b.String()
}

// The address media comes from: the remote side of the viewer's selected
// ICE candidate pair ("" until there is one).
func selectedRemote(v *viewer) string {
	for _, t := range v.pc.GetTransceivers() {
		if t.Receiver() == nil || t.Receiver().Transport() == nil {
			continue
		}
		pair, err := t.Receiver().Transport().ICETransport().GetSelectedCandidatePair()
		if err == nil && pair != nil && pair.Remote != nil {
			return pair.Remote.Address
		}
	}
	return ""
}

func holdWrite(path, text string) {
	if path == "" {
		fmt.Print(text)
		return
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0644); err == nil {
		os.Rename(tmp, path)
	}
}
