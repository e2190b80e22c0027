package main

// Added latency, measured at the client: from the moment ts-replay sends the
// UDP datagram that starts a frame's PES packet (into the server) to the
// moment the first RTP packet of that frame (and, for video, its last, the
// marker) reaches a viewer — the server's whole path, for every viewer and
// every frame, whatever the server does inside (webrtcbin's elements, its own
// fan-out, pion). It does not depend on probes in the server.
//
// How a packet is tied to its frame without decrypting it:
//   - ts-replay announces each PES it sends (-ts-tap): kind, PTS (as sent,
//     after its loop rewrite), CLOCK_REALTIME just before the sendto, and the
//     first 12 bytes after the NAL header of the first slice (video) or after
//     the TOC byte (Opus): a content key, as the old in-server probes used.
//   - While a viewer still decrypts (until its first complete key frame, see
//     tap.go), a slice start or Opus packet whose key is announced ties that
//     packet's RTP timestamp to a PTS, once a later frame agrees (the first
//     frames may be re-stamped: whepsink's catch-up burst). Live, servers
//     keep RTP time locked to the PTS (a constant offset, whatever
//     re-timing), so from then on every RTP timestamp maps to a PTS:
//     ts_rtp - ts0 ticks later, at the track's clock rate. The frame's send
//     time is the announcement with that PTS.
//   - Arrivals are the kernel's receive time of each datagram at the
//     client's socket (SO_TIMESTAMPNS, CLOCK_REALTIME like ts-replay's), so
//     the client's own scheduling delay is not in the figure; they are
//     matched at each window's end.
// Both ends run on this machine, so one clock serves both.

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sort"
	"sync"
	"time"
)

type announce struct {
	pts, t int64
}

var anns struct {
	mu   sync.Mutex
	on   bool
	list [2][]announce // by kind (0 video, 1 audio), in order sent
	keys map[[12]byte]keyAnn
}

type keyAnn struct {
	pts, t int64
	kind   int
}

const annMagic = 0x54535241 // "TSRA"

// listenAnnouncements: ts-replay's datagrams on 127.0.0.1:port, each
// magic u32, kind u8, 3 bytes padding, pts i64, t_ns i64, key [12]: little
// endian, 36 bytes.
func listenAnnouncements(port int) error {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		return err
	}
	_ = c.SetReadBuffer(1 << 20)
	anns.keys = map[[12]byte]keyAnn{}
	anns.on = true
	go func() {
		b := make([]byte, 64)
		for {
			n, _, err := c.ReadFromUDP(b)
			if err != nil {
				fmt.Fprintln(os.Stderr, "whep-load: announcements:", err)
				return
			}
			if n < 36 || binary.LittleEndian.Uint32(b) != annMagic || b[4] > 1 {
				continue
			}
			k := int(b[4])
			a := announce{pts: int64(binary.LittleEndian.Uint64(b[8:])), t: int64(binary.LittleEndian.Uint64(b[16:]))}
			var key [12]byte
			copy(key[:], b[24:36])
			anns.mu.Lock()
			l := anns.list[k]
			// keep two minutes (the clip loops every 20 s: a key seen again
			// is a later pass, and the latest is the one that counts)
			if len(l) > 0 && a.pts-l[0].pts > 120*90000 {
				drop := sort.Search(len(l), func(i int) bool { return a.pts-l[i].pts <= 60*90000 })
				l = append(l[:0], l[drop:]...)
			}
			anns.list[k] = append(l, a)
			anns.keys[key] = keyAnn{pts: a.pts, t: a.t, kind: k}
			anns.mu.Unlock()
		}
	}()
	return nil
}

// keyPTS: the PTS of the latest announced frame with this content key, if
// it was sent in the last 10 s. (The clip loops every 20 s: an older one is
// the previous pass, and this pass's announcement is still on its way.)
func keyPTS(key []byte, video bool) (int64, bool) {
	var k [12]byte
	if len(key) < 12 {
		return 0, false
	}
	copy(k[:], key)
	anns.mu.Lock()
	x, ok := anns.keys[k]
	anns.mu.Unlock()
	if !ok || (x.kind == 0) != video || time.Now().UnixNano()-x.t > 10e9 {
		return 0, false
	}
	return x.pts, true
}

// sendTime: when ts-replay sent the frame with this PTS (within half a
// millisecond: RTP clocks round).
func sendTime(video bool, pts int64) (int64, bool) {
	k := 1
	if video {
		k = 0
	}
	anns.mu.Lock()
	defer anns.mu.Unlock()
	l := anns.list[k]
	i := sort.Search(len(l), func(i int) bool { return l[i].pts >= pts-45 })
	if i < len(l) && l[i].pts <= pts+45 {
		return l[i].t, true
	}
	return 0, false
}

// The tie between a track's RTP time and the stream's PTS.
type ptsMap struct {
	ok, cand   bool // confirmed, candidate
	rtp0, pts0 int64
	clock      int64
}

func (m *ptsMap) at(rtp int64) int64 { return m.pts0 + (rtp-m.rtp0)*90000/m.clock }

// latency samples of one window, ms
type latSamples struct {
	video, videoEnd, audio []float64
	unmatched              int
}

// resolve the arrivals noted since the last call, up to 200 ms ago (the
// announcements of later ones may still be on their way); call with v.mu
// held
func (v *viewer) resolveArrivals(s *latSamples) {
	horizon := time.Now().UnixNano() - 200e6
	for k := 0; k < 2; k++ {
		m := &v.ptsMaps[k]
		keep := v.arrivals[k][:0]
		for _, a := range v.arrivals[k] {
			if a.rt > horizon {
				keep = append(keep, a)
				continue
			}
			if !m.ok {
				s.unmatched++
				continue
			}
			t, ok := sendTime(k == 0, m.at(a.ts))
			if !ok {
				s.unmatched++
				continue
			}
			ms := float64(a.rt-t) / 1e6
			switch {
			case k == 1:
				s.audio = append(s.audio, ms)
			case a.last:
				s.videoEnd = append(s.videoEnd, ms)
			default:
				s.video = append(s.video, ms)
			}
		}
		v.arrivals[k] = keep
	}
}
