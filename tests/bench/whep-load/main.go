// whep-load: a cheap WHEP load generator and the benchmark's report.
//
// Many receive-only WebRTC viewers in one process on Debian's pion (one API
// object, one shared DTLS certificate, the ICE traffic of all viewers on a
// few shared UDP sockets, no interceptors, no decoding). Each viewer does real
// WHEP: POST of an SDP offer (recvonly H.264 packetization-mode=1 + Opus), the
// 201 answer with all candidates, ICE, DTLS, SRTP, an RTCP receiver report per
// second, DELETE at the end. Media is counted without decrypting it (tap.go:
// the RTP header is in the clear; pion decrypts only each viewer's first key
// frame). Per viewer it counts RTP packets and bytes, sequence-number loss,
// missing frames (RTP timestamp gaps: also catches data a server dropped
// before payloading), how far it falls behind real time (RTP time against the
// wall clock), and with ts-replay's announcements the added latency of every
// frame (latency.go).
//
//	whep-load ramp -url URL -server-pid PID -steps 0,25,50 -out FILE
//	whep-load join -url URL -joins 30 -out FILE      (join time, time to key frame)
//	whep-load hold -url URL -joins 30 -status FILE   (viewers that stay: hold.go)
//	whep-load report -dir DIR                          (markdown tables)
//
// Only local traffic: the viewers' sockets are bound to -bind (127.0.0.1, or
// the address of run.sh's private network namespace), and remote candidates
// outside 127.0.0.0/8 and -bind's /24 are dropped from the answer.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
)

var t0 = time.Now()

func now() int64 { return int64(time.Since(t0)) }

func ms(ns int64) float64 { return float64(ns) / 1e6 }

// ---------------------------------------------------------------------------
// Per-track statistics, updated by the track's reader goroutine.

type trackStats struct {
	clock      float64 // RTP clock rate
	frameTicks float64 // RTP ticks per frame (video) or packet (audio)

	pkts, bytes uint64
	haveSeq     bool
	firstSeq    int64
	maxSeq      int64

	haveTS  bool
	ts0     int64 // first RTP timestamp, unwrapped
	wall0   int64
	maxTS   int64 // highest unwrapped timestamp seen
	frames  uint64
	missing uint64 // frames missing between timestamps seen

	minD    float64 // lowest (wall - media) time seen, seconds
	maxDWin float64 // highest in the current window
}

// update counts one packet; returns its unwrapped RTP timestamp and whether
// it is the first packet of a new (later) frame.
func (t *trackStats) update(seq uint16, ts uint32, n int, wall int64) (int64, bool) {
	t.pkts++
	t.bytes += uint64(n)
	if !t.haveSeq {
		t.haveSeq = true
		t.firstSeq, t.maxSeq = int64(seq), int64(seq)
	} else {
		ext := t.maxSeq + int64(int16(seq-uint16(t.maxSeq)))
		if ext > t.maxSeq {
			t.maxSeq = ext
		}
	}
	if !t.haveTS {
		t.haveTS = true
		t.ts0, t.maxTS, t.wall0 = int64(ts), int64(ts), wall
		t.frames = 1
		t.minD, t.maxDWin = 0, 0
		return int64(ts), true
	}
	ext := t.maxTS + int64(int32(ts-uint32(t.maxTS)))
	newFrame := false
	if ext > t.maxTS {
		gap := float64(ext - t.maxTS)
		if gap > 1.5*t.frameTicks {
			t.missing += uint64(math.Round(gap/t.frameTicks)) - 1
		}
		t.frames++
		t.maxTS = ext
		newFrame = true
	}
	d := float64(wall-t.wall0)/1e9 - float64(ext-t.ts0)/t.clock
	if d < t.minD {
		t.minD = d
	}
	if d > t.maxDWin {
		t.maxDWin = d
	}
	return ext, newFrame
}

// unwrap: the unwrapped value of a timestamp near the latest seen
func (t *trackStats) unwrap(ts uint32) int64 {
	return t.maxTS + int64(int32(ts-uint32(t.maxTS)))
}

type trackSnap struct {
	Pkts, Bytes, Frames, Missing uint64
	Expected                     int64
	MediaS                       float64
	Behind                       float64 // max (wall - media) above the lowest, seconds
}

// snap: the counters so far; bytes are of RTP payload (SRTP's tag of
// tagLen bytes taken off each packet, once known).
func (t *trackStats) snap(resetWin bool, tagLen int) trackSnap {
	s := trackSnap{Pkts: t.pkts, Bytes: t.bytes - t.pkts*uint64(tagLen), Frames: t.frames, Missing: t.missing}
	if t.haveSeq {
		s.Expected = t.maxSeq - t.firstSeq + 1
	}
	if t.haveTS {
		s.MediaS = float64(t.maxTS-t.ts0) / t.clock
		s.Behind = t.maxDWin - t.minD
	}
	if resetWin {
		t.maxDWin = t.minD
	}
	return s
}

// ---------------------------------------------------------------------------
// A viewer

type viewer struct {
	id       int
	pc       *webrtc.PeerConnection
	mux      ice.UDPMux // its own socket (muxes 0)
	location string

	postNs, answerNs int64
	connectedNs      int64 // atomic
	failed           int32 // atomic
	status           int
	err              string

	mu         sync.Mutex
	video      trackStats // counted by the tap (tap.go), from the clear header
	audio      trackStats
	firstRTPNs int64 // first RTP packet, either track (tap)
	firstVidNs int64 // first video packet decrypted
	keyTS      uint32
	keyState   int // 0 none, 1 key frame started, 2 complete
	keySeq     uint16
	keyFirstNs int64 // first packet of the first key frame (decrypted)
	keyNs      int64 // its last packet, the frame complete with no gap
	gotVideo   bool
	ssrcs      [2]uint32 // video, audio: for the receiver reports
	decrypt    [2]bool   // the tap still hands this track's packets to pion
	decrypted  [2]int    // packets pion decrypted, per track
	srtpLen    [16][2]int
	tagLen     int // SRTP authentication tag: 10 (AES-CM/HMAC-SHA1-80) or 16 (AES-GCM)
	record     bool
	arrivals   [2][]arrival
	ptsMaps    [2]ptsMap
}

// Live viewers, for the receiver reports.
var live sync.Map

// Every viewer sends an RTCP receiver report per second, as browsers do:
// servers take a silent viewer for gone (whepsink's idle-timeout).
func reportLoop() {
	for range time.Tick(time.Second) {
		live.Range(func(_, x interface{}) bool {
			v := x.(*viewer)
			rr := &rtcp.ReceiverReport{SSRC: uint32(v.id)*2654435761 | 1}
			v.mu.Lock()
			for i, t := range []*trackStats{&v.video, &v.audio} {
				if v.ssrcs[i] == 0 || !t.haveSeq {
					continue
				}
				lost := t.maxSeq - t.firstSeq + 1 - int64(t.pkts)
				if lost < 0 {
					lost = 0
				}
				rr.Reports = append(rr.Reports, rtcp.ReceptionReport{SSRC: v.ssrcs[i],
					TotalLost: uint32(lost), LastSequenceNumber: uint32(t.maxSeq)})
			}
			v.mu.Unlock()
			if len(rr.Reports) > 0 {
				v.pc.WriteRTCP([]rtcp.Packet{rr})
			}
			return true
		})
	}
}

type client struct {
	apis     []*webrtc.API // viewer i uses apis[i % len]; none: one socket and API per viewer
	media    *webrtc.MediaEngine
	se       webrtc.SettingEngine
	bindIP   net.IP
	taps     []*tapConn
	cfg      webrtc.Configuration
	http     *http.Client
	endpoint *url.URL
	behindS  float64
	fps      float64
	audioMs  float64
}

var allowed *net.IPNet

func newClient(endpoint string, muxes int, behindMs float64, bind string) (*client, error) {
	bindIP := net.ParseIP(bind).To4()
	if bindIP == nil {
		return nil, fmt.Errorf("-bind %q is no IPv4 address", bind)
	}
	allowed = &net.IPNet{IP: bindIP.Mask(net.CIDRMask(24, 32)), Mask: net.CIDRMask(24, 32)}
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264,
			ClockRate: 90000, SDPFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
		PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
			ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(bindIP) })
	// All viewers' ICE, DTLS and SRTP on a few shared sockets (one API
	// object each): fewer fds, one reader goroutine per socket instead of
	// one per viewer; each socket read through the tap (tap.go). With
	// muxes 0, each viewer has a socket (and API object) of its own: for a
	// server that serves all viewers from one port (pion-server -udp-mux),
	// whose viewers a shared client socket could not tell apart.
	var apis []*webrtc.API
	var taps []*tapConn
	for i := 0; i < muxes; i++ {
		tap, err := listenTap(bindIP)
		if err != nil {
			return nil, err
		}
		taps = append(taps, tap)
		se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, tap))
		apis = append(apis, webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)))
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return nil, err
	}
	return &client{
		apis:     apis,
		media:    m,
		se:       se,
		bindIP:   bindIP,
		taps:     taps,
		cfg:      webrtc.Configuration{Certificates: []webrtc.Certificate{*cert}},
		http:     &http.Client{Timeout: 30 * time.Second},
		endpoint: u,
		behindS:  behindMs / 1000,
	}, nil
}

// Keeps only local candidates of the answer: nothing leaves the machine.
func loopbackOnly(sdp string) string {
	var out []string
	for _, line := range strings.Split(sdp, "\r\n") {
		if strings.HasPrefix(line, "a=candidate:") {
			f := strings.Fields(line)
			if len(f) < 6 {
				continue
			}
			ip := net.ParseIP(f[4])
			if ip == nil || !(ip.IsLoopback() || allowed.Contains(ip)) {
				continue
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\r\n")
}

func rtpPayload(b []byte) (seq uint16, ts uint32, marker bool, payload []byte, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return
	}
	off := 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < off+4 {
			return
		}
		off += 4 + 4*int(b[off+2])<<8 + 4*int(b[off+3])
	}
	end := len(b)
	if b[0]&0x20 != 0 && end > off {
		end -= int(b[end-1])
	}
	if end < off {
		return
	}
	return uint16(b[2])<<8 | uint16(b[3]), uint32(b[4])<<24 | uint32(b[5])<<16 | uint32(b[6])<<8 | uint32(b[7]),
		b[1]&0x80 != 0, b[off:end], true
}

// Does this H.264 RTP payload start an IDR access unit (SPS, PPS or IDR)?
func startsKeyFrame(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	switch t := p[0] & 0x1f; {
	case t == 5 || t == 7 || t == 8:
		return true
	case t == 24: // STAP-A
		return len(p) > 3 && (p[3]&0x1f == 7 || p[3]&0x1f == 5)
	case t == 28: // FU-A start
		return p[1]&0x80 != 0 && p[1]&0x1f == 5
	}
	return false
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// The content key of an H.264 RTP payload that starts a slice (FU-A start
// or a single NAL unit of type 1 or 5): the 12 bytes after the NAL header.
func sliceKey(p []byte) []byte {
	switch t := p[0] & 0x1f; {
	case t == 28 && len(p) >= 14 && p[1]&0x80 != 0 && (p[1]&0x1f == 1 || p[1]&0x1f == 5):
		return p[2:14]
	case (t == 1 || t == 5) && len(p) >= 13:
		return p[1:13]
	}
	return nil
}

// readTrack: the packets pion decrypted, which the tap passes on only until
// this track has what needs the payload (tap.go): the first key frame, the
// SRTP tag's length, and for the latency figure the tie between RTP time and
// the stream's PTS (latency.go). Counting is the tap's.
func (v *viewer) readTrack(tr *webrtc.TrackRemote, video bool) {
	buf := make([]byte, 1600)
	k, t, clock := 1, &v.audio, int64(48000)
	if video {
		k, t, clock = 0, &v.video, 90000
	}
	for {
		n, _, err := tr.Read(buf)
		if err != nil {
			return
		}
		wall := now()
		seq, ts, marker, payload, ok := rtpPayload(buf[:n])
		if !ok || len(payload) == 0 {
			continue
		}
		v.mu.Lock()
		v.decrypted[k]++
		if e := v.srtpLen[seq&15]; v.tagLen == 0 && e[0] == int(seq) && e[1] > n {
			v.tagLen = e[1] - n
		}
		m := &v.ptsMaps[k]
		if anns.on && !m.ok && t.haveTS {
			key := sliceKey(payload)
			if !video && len(payload) >= 13 {
				key = payload[1:13]
			}
			// a tie holds once a second frame agrees with it: the first
			// frames a server sends may be re-stamped (whepsink's catch-up
			// burst draws an old GOP's timestamps towards the live edge)
			if key != nil {
				if pts, ok := keyPTS(key, video); ok {
					rtp := t.unwrap(ts)
					if m.cand && pts != m.pts0 && abs64(m.at(rtp)-pts) <= 45 {
						m.ok = true
					} else {
						*m = ptsMap{cand: true, rtp0: rtp, pts0: pts, clock: clock}
					}
				}
			}
		}
		if video {
			if !v.gotVideo {
				v.gotVideo = true
				v.firstVidNs = wall
			}
			// first complete key frame: from its first packet to its marker,
			// with no sequence gap in between
			switch v.keyState {
			case 0:
				if startsKeyFrame(payload) {
					v.keyState, v.keyTS, v.keySeq = 1, ts, seq
					if v.keyFirstNs == 0 {
						v.keyFirstNs = wall
					}
					if marker {
						v.keyState, v.keyNs = 2, wall
					}
				}
			case 1:
				if ts != v.keyTS || seq != v.keySeq+1 {
					v.keyState = 0 // lost or reordered: wait for the next one
				} else {
					v.keySeq = seq
					if marker {
						v.keyState, v.keyNs = 2, wall
					}
				}
			}
		}
		// enough: a key frame (video), the PTS tie if wanted; or give up on
		// the tie after ~10 s of video / 5 s of audio
		if video {
			v.decrypt[k] = !(v.keyState == 2 && (m.ok || !anns.on || v.decrypted[k] > 3000))
		} else {
			v.decrypt[k] = !(m.ok || !anns.on || v.decrypted[k] > 250)
		}
		v.mu.Unlock()
	}
}

// The answer's first a=ssrc per m-section kind: what the server sends from.
func answerSSRCs(sdp string) (ssrcs [2]uint32) {
	k := -1
	for _, line := range strings.Split(sdp, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "m=video"):
			k = 0
		case strings.HasPrefix(line, "m="):
			k = -1
			if strings.HasPrefix(line, "m=audio") {
				k = 1
			}
		case k >= 0 && ssrcs[k] == 0 && strings.HasPrefix(line, "a=ssrc:"):
			f := strings.Fields(line[7:])
			if len(f) > 0 {
				if x, err := strconv.ParseUint(f[0], 10, 32); err == nil {
					ssrcs[k] = uint32(x)
				}
			}
		}
	}
	return
}

func listenTap(ip net.IP) (*tapConn, error) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip})
	if err != nil {
		return nil, err
	}
	// room for a stall of this client of about a second at 150 viewers
	// (loopback packets take ~2.3 KB of buffer each): loss should be the
	// server's, not this client's (its sockets' drops are reported apart)
	_ = conn.SetReadBuffer(64 << 20)
	if rc, err := conn.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { // as root, past rmem_max
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 64<<20)
		})
	}
	return newTapConn(conn), nil
}

func (c *client) connect(v *viewer) error {
	var api *webrtc.API
	if len(c.apis) > 0 {
		api = c.apis[v.id%len(c.apis)]
	} else {
		tap, err := listenTap(c.bindIP)
		if err != nil {
			return err
		}
		v.mux = webrtc.NewICEUDPMux(nil, tap)
		se := c.se
		se.SetICEUDPMux(v.mux)
		api = webrtc.NewAPI(webrtc.WithMediaEngine(c.media), webrtc.WithSettingEngine(se))
	}
	pc, err := api.NewPeerConnection(c.cfg)
	if err != nil {
		return err
	}
	v.pc = pc
	v.video = trackStats{clock: 90000, frameTicks: 90000 / c.fps}
	v.audio = trackStats{clock: 48000, frameTicks: 48 * c.audioMs}
	v.decrypt = [2]bool{true, anns.on}
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{
			Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			return err
		}
	}
	pc.OnTrack(func(tr *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		i := 1
		if tr.Kind() == webrtc.RTPCodecTypeVideo {
			i = 0
		}
		v.mu.Lock()
		if v.ssrcs[i] == 0 { // not in the answer: count from now on
			v.ssrcs[i] = uint32(tr.SSRC())
			tapSet(v.ssrcs[i], &tapTrack{v: v, video: i == 0})
		}
		v.mu.Unlock()
		go v.readTrack(tr, tr.Kind() == webrtc.RTPCodecTypeVideo)
		go func() { // RTCP: read and drop
			b := make([]byte, 1500)
			for {
				if _, _, err := r.Read(b); err != nil {
					return
				}
			}
		}()
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			atomic.CompareAndSwapInt64(&v.connectedNs, 0, now())
		case webrtc.PeerConnectionStateFailed:
			atomic.StoreInt32(&v.failed, 1)
		}
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		return err
	}
	<-gathered

	req, _ := http.NewRequest("POST", c.endpoint.String(), strings.NewReader(pc.LocalDescription().SDP))
	req.Header.Set("Content-Type", "application/sdp")
	v.postNs = now()
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	v.answerNs = now()
	v.status = resp.StatusCode
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST answered %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if loc, err := c.endpoint.Parse(resp.Header.Get("Location")); err == nil {
		v.location = loc.String()
	}
	// the tap counts these SSRCs' packets from the first one on
	ssrcs := answerSSRCs(string(body))
	v.mu.Lock()
	for i, x := range ssrcs {
		if x != 0 && tapSet(x, &tapTrack{v: v, video: i == 0}) {
			v.ssrcs[i] = x
		}
	}
	v.mu.Unlock()
	live.Store(v, v)
	return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer,
		SDP: loopbackOnly(string(body))})
}

func (c *client) stop(v *viewer) {
	live.Delete(v)
	v.mu.Lock()
	for _, x := range v.ssrcs {
		if x != 0 {
			if t := tapLookup(x); t != nil && t.v == v {
				tapSet(x, nil)
			}
		}
	}
	v.mu.Unlock()
	if v.location != "" {
		req, _ := http.NewRequest("DELETE", v.location, nil)
		if resp, err := c.http.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	if v.pc != nil {
		v.pc.Close()
	}
	if v.mux != nil {
		v.mux.Close()
	}
}

// ---------------------------------------------------------------------------
// /proc

type procSample struct {
	CPUTicks uint64
	RSSKB    uint64
	Threads  uint64
	FDs      uint64
}

func readProc(pid int) (p procSample) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		s := string(b)
		if i := strings.LastIndexByte(s, ')'); i > 0 {
			f := strings.Fields(s[i+2:])
			if len(f) > 13 {
				u, _ := strconv.ParseUint(f[11], 10, 64)
				st, _ := strconv.ParseUint(f[12], 10, 64)
				p.CPUTicks = u + st
			}
		}
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "VmRSS:":
				p.RSSKB, _ = strconv.ParseUint(f[1], 10, 64)
			case "Threads:":
				p.Threads, _ = strconv.ParseUint(f[1], 10, 64)
			}
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		p.FDs = uint64(len(ents))
	}
	return
}

// USER_HZ is 100 on Linux for everything /proc exports.
const userHZ = 100.0

// Socket receive-buffer drops of a process's UDP sockets (/proc/net/udp).
func sockDrops(pid int) uint64 {
	inodes := map[string]bool{}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if l, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[l[8:len(l)-1]] = true
		}
	}
	var total uint64
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fl := strings.Fields(line)
			if len(fl) < 13 || !inodes[fl[9]] {
				continue
			}
			d, _ := strconv.ParseUint(fl[len(fl)-1], 10, 64)
			total += d
		}
	}
	return total
}

// Busy and total ticks of each CPU (/proc/stat): what else ran on the
// server's and the client's cores.
func cpuTicks() (busy, total []uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		var t, idle uint64
		for i, x := range f[1:] {
			v, _ := strconv.ParseUint(x, 10, 64)
			if i < 8 { // user nice system idle iowait irq softirq steal
				t += v
			}
			if i == 3 || i == 4 {
				idle += v
			}
		}
		busy = append(busy, t-idle)
		total = append(total, t)
	}
	return
}

func udpRcvbufErrors() uint64 {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0
	}
	var names []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "Udp: ") {
			continue
		}
		f := strings.Fields(line)
		if names == nil {
			names = f
			continue
		}
		for i, n := range names {
			if n == "RcvbufErrors" && i < len(f) {
				v, _ := strconv.ParseUint(f[i], 10, 64)
				return v
			}
		}
	}
	return 0
}

// ---------------------------------------------------------------------------
// Records written as JSON lines

type windowRec struct {
	Type        string    `json:"type"` // "window"
	Server      string    `json:"server"`
	Phase       string    `json:"phase,omitempty"` // "hold": run.sh --compare
	Level       int       `json:"level"`
	Rep         int       `json:"rep"`
	Viewers     int       `json:"viewers"` // viewers receiving in this window
	Failed      int       `json:"failed"`  // joins that did not get media
	WallS       float64   `json:"wall_s"`
	ServerCPU   float64   `json:"server_cpu"` // cores
	ServerRSSKB uint64    `json:"server_rss_kb"`
	ServerThr   uint64    `json:"server_threads"`
	ServerFDs   uint64    `json:"server_fds"`
	ClientCPU   float64   `json:"client_cpu"`
	ClientRSSKB uint64    `json:"client_rss_kb"`
	CPUBusy     []float64 `json:"cpu_busy,omitempty"`   // each CPU's busy share, all processes
	FeederCPU   float64   `json:"feeder_cpu,omitempty"` // -feeder-pid: the reference's demuxer/payloader process
	FeederRSSKB uint64    `json:"feeder_rss_kb,omitempty"`
	TagLen      int       `json:"srtp_tag_len,omitempty"` // median viewer
	Decrypting  int       `json:"viewers_decrypting"`     // viewers whose packets pion still decrypts
	// added latency at the client (latency.go), ms: p50, p95, p99, n
	LatVideo     []float64 `json:"lat_video,omitempty"`     // frame's first packet
	LatVideoEnd  []float64 `json:"lat_video_end,omitempty"` // frame's last packet
	LatAudio     []float64 `json:"lat_audio,omitempty"`
	LatUnmatch   int       `json:"lat_unmatched,omitempty"`
	ServerDrops  uint64    `json:"server_sock_drops"`
	ClientDrops  uint64    `json:"client_sock_drops"`
	RcvbufErrors uint64    `json:"udp_rcvbuf_errors"`
	VideoKbps    float64   `json:"video_kbps"` // RTP payload, median viewer
	AudioKbps    float64   `json:"audio_kbps"`
	VideoPPS     float64   `json:"video_pps"` // median viewer
	AudioPPS     float64   `json:"audio_pps"`
	SeqLost      int64     `json:"seq_lost"`       // all viewers
	MissFrames   uint64    `json:"missing_frames"` // all viewers
	MaxBehindMs  float64   `json:"max_behind_ms"`
	Lossy        []int     `json:"lossy,omitempty"`  // viewer ids with loss
	Behind       []int     `json:"behind,omitempty"` // viewer ids behind real time
	Stalled      []int     `json:"stalled,omitempty"`
}

type joinRec struct {
	Type       string  `json:"type"` // "join"
	Server     string  `json:"server"`
	Tag        string  `json:"tag,omitempty"`
	ID         int     `json:"id"`
	Status     int     `json:"status"`
	Err        string  `json:"err,omitempty"`
	AnswerMs   float64 `json:"post_to_201_ms"`
	FirstRTP   float64 `json:"post_to_first_rtp_ms,omitempty"`
	FirstKey   float64 `json:"post_to_first_keyframe_packet_ms,omitempty"`
	ConnMs     float64 `json:"post_to_connected_ms,omitempty"`
	FirstVid   float64 `json:"post_to_first_video_ms,omitempty"`
	KeyMs      float64 `json:"post_to_keyframe_ms,omitempty"`
	Concurrent int     `json:"viewers_before"`
}

type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) write(v interface{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.enc != nil {
		o.enc.Encode(v)
	}
}

func joinRecord(server, tag string, v *viewer, before int) joinRec {
	r := joinRec{Type: "join", Server: server, Tag: tag, ID: v.id, Status: v.status, Err: v.err,
		Concurrent: before}
	if v.answerNs > 0 {
		r.AnswerMs = ms(v.answerNs - v.postNs)
	}
	if c := atomic.LoadInt64(&v.connectedNs); c > 0 {
		r.ConnMs = ms(c - v.postNs)
	}
	v.mu.Lock()
	if v.firstRTPNs > 0 {
		r.FirstRTP = ms(v.firstRTPNs - v.postNs)
	}
	if v.keyFirstNs > 0 {
		r.FirstKey = ms(v.keyFirstNs - v.postNs)
	}
	if v.gotVideo {
		r.FirstVid = ms(v.firstVidNs - v.postNs)
	}
	if v.keyState == 2 {
		r.KeyMs = ms(v.keyNs - v.postNs)
	}
	v.mu.Unlock()
	return r
}

// ---------------------------------------------------------------------------
// ramp

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	r := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(r))
	hi := int(math.Ceil(r))
	return s[lo] + (s[hi]-s[lo])*(r-float64(lo))
}

type rampCfg struct {
	server    string
	phase     string
	serverPID int
	feederPID int
	steps     []int
	settle    time.Duration
	window    time.Duration
	repeats   int
	zeroReps  int // windows at a level of 0 viewers
	joinRate  float64
	parallel  int
	readyWait time.Duration
	noStop    bool
	maxClient float64
	signals   bool // SIGUSR1 to the server before a level's windows, SIGUSR2 after
}

type snapAll struct {
	wall   int64
	server procSample
	feeder procSample
	client procSample
	lat    latSamples
	busy   []uint64
	total  []uint64
	tags   []float64
	decr   int
	sDrops uint64
	cDrops uint64
	rcvbuf uint64
	v, a   map[int]trackSnap
}

func takeSnap(cfg *rampCfg, viewers []*viewer) snapAll {
	s := snapAll{wall: now(), v: map[int]trackSnap{}, a: map[int]trackSnap{}}
	for _, v := range viewers {
		v.mu.Lock()
		s.v[v.id] = v.video.snap(true, v.tagLen)
		s.a[v.id] = v.audio.snap(true, v.tagLen)
		v.resolveArrivals(&s.lat)
		if v.tagLen > 0 {
			s.tags = append(s.tags, float64(v.tagLen))
		}
		if v.decrypt[0] || v.decrypt[1] {
			s.decr++
		}
		v.mu.Unlock()
	}
	s.busy, s.total = cpuTicks()
	s.server = readProc(cfg.serverPID)
	if cfg.feederPID > 0 {
		s.feeder = readProc(cfg.feederPID)
	}
	s.client = readProc(os.Getpid())
	s.sDrops = sockDrops(cfg.serverPID)
	s.cDrops = sockDrops(os.Getpid())
	s.rcvbuf = udpRcvbufErrors()
	return s
}

func (c *client) runRamp(cfg *rampCfg, o *out, stop <-chan struct{}) int {
	var active, failed []*viewer
	nextID := 0
	status := 0
	defer func() {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, v := range append(active, failed...) {
			wg.Add(1)
			sem <- struct{}{}
			go func(v *viewer) { defer wg.Done(); c.stop(v); <-sem }(v)
		}
		wg.Wait()
	}()

	for li, level := range cfg.steps {
		// join the new viewers, paced and a few at a time
		var added []*viewer
		var wg sync.WaitGroup
		sem := make(chan struct{}, cfg.parallel)
		tick := time.Duration(float64(time.Second) / cfg.joinRate)
		before := len(active)
		for len(active)+len(added) < level {
			v := &viewer{id: nextID}
			nextID++
			added = append(added, v)
			wg.Add(1)
			sem <- struct{}{}
			go func(v *viewer) {
				defer wg.Done()
				if err := c.connect(v); err != nil {
					v.err = err.Error()
					atomic.StoreInt32(&v.failed, 1)
				}
				<-sem
			}(v)
			select {
			case <-stop:
				return 1
			case <-time.After(tick):
			}
		}
		wg.Wait()
		// wait until each new viewer has a complete key frame, or gives up
		deadline := time.Now().Add(cfg.readyWait)
		for _, v := range added {
			for time.Now().Before(deadline) && atomic.LoadInt32(&v.failed) == 0 {
				v.mu.Lock()
				ok := v.keyState == 2
				v.mu.Unlock()
				if ok {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			v.mu.Lock()
			ok := v.keyState == 2
			v.mu.Unlock()
			if !ok && v.err == "" {
				v.err = "no complete key frame in time"
			}
			tag := "ramp"
			if cfg.phase != "" {
				tag = cfg.phase
			}
			o.write(joinRecord(cfg.server, tag, v, before))
			if ok {
				active = append(active, v)
			} else {
				failed = append(failed, v)
			}
		}
		fmt.Fprintf(os.Stderr, "[%s] level %d: %d viewers receiving, %d failed joins\n",
			cfg.server, level, len(active), len(failed))
		select {
		case <-stop:
			return 1
		case <-time.After(cfg.settle):
		}

		// a step fails on a failed join, or when most of its windows saw a
		// viewer lose data or fall behind (one window alone is a transient,
		// reported but not the limit)
		badWindows := 0
		if cfg.signals {
			syscall.Kill(cfg.serverPID, syscall.SIGUSR1)
		}
		for _, v := range active { // frame arrivals for the latency figure
			v.mu.Lock()
			v.record = anns.on
			v.arrivals = [2][]arrival{}
			v.mu.Unlock()
		}
		prev := takeSnap(cfg, active)
		reps := cfg.repeats
		if level == 0 && cfg.zeroReps > 0 {
			reps = cfg.zeroReps
		}
		for r := 0; r < reps; r++ {
			select {
			case <-stop:
				return 1
			case <-time.After(cfg.window):
			}
			cur := takeSnap(cfg, active)
			w := windowFrom(cfg, level, r, len(failed), prev, cur, active, c.behindS)
			o.write(w)
			lat := ""
			if len(w.LatVideo) > 0 {
				lat = fmt.Sprintf("; latency video p50 %.1f p95 %.1f ms", w.LatVideo[0], w.LatVideo[1])
			}
			if len(w.LatAudio) > 0 {
				lat += fmt.Sprintf(", audio p50 %.1f p95 %.1f ms", w.LatAudio[0], w.LatAudio[1])
			}
			feeder := ""
			if cfg.feederPID > 0 {
				feeder = fmt.Sprintf(" + feeder %.3f", w.FeederCPU)
			}
			fmt.Fprintf(os.Stderr, "[%s] level %d rep %d: server %.3f%s cores, rss %d MB, %d threads, %d fds; client %.2f cores; video %.0f kbit/s %.0f pkt/s per viewer; lost %d, missing frames %d, behind %d, max behind %.0f ms%s\n",
				cfg.server, level, r, w.ServerCPU, feeder, w.ServerRSSKB/1024, w.ServerThr, w.ServerFDs, w.ClientCPU,
				w.VideoKbps, w.VideoPPS, w.SeqLost, w.MissFrames, len(w.Behind), w.MaxBehindMs, lat)
			if len(w.Lossy) > 0 || len(w.Behind) > 0 || len(w.Stalled) > 0 {
				badWindows++
			}
			if w.ClientCPU > cfg.maxClient {
				fmt.Fprintf(os.Stderr, "[%s] the client used %.2f cores: it, not the server, may be the limit\n",
					cfg.server, w.ClientCPU)
			}
			prev = cur
			if syscall.Kill(cfg.serverPID, 0) != nil {
				fmt.Fprintf(os.Stderr, "[%s] the server process %d is gone\n", cfg.server, cfg.serverPID)
				return 4
			}
		}
		if cfg.signals {
			syscall.Kill(cfg.serverPID, syscall.SIGUSR2)
			time.Sleep(200 * time.Millisecond)
		}
		bad := len(failed) > 0 || 2*badWindows > reps
		if bad && !cfg.noStop && li > 0 {
			fmt.Fprintf(os.Stderr, "[%s] viewers fell behind or lost data at %d: stopping the ramp\n", cfg.server, level)
			status = 3
			break
		}
	}
	return status
}

func windowFrom(cfg *rampCfg, level, rep, nfailed int, a, b snapAll, viewers []*viewer, behindS float64) windowRec {
	dt := float64(b.wall-a.wall) / 1e9
	w := windowRec{Type: "window", Server: cfg.server, Phase: cfg.phase, Level: level, Rep: rep, Viewers: len(viewers),
		Failed: nfailed, WallS: dt,
		ServerCPU:    float64(b.server.CPUTicks-a.server.CPUTicks) / userHZ / dt,
		ServerRSSKB:  b.server.RSSKB,
		ServerThr:    b.server.Threads,
		ServerFDs:    b.server.FDs,
		ClientCPU:    float64(b.client.CPUTicks-a.client.CPUTicks) / userHZ / dt,
		ClientRSSKB:  b.client.RSSKB,
		ServerDrops:  b.sDrops - a.sDrops,
		ClientDrops:  b.cDrops - a.cDrops,
		RcvbufErrors: b.rcvbuf - a.rcvbuf,
		Decrypting:   b.decr,
		LatUnmatch:   b.lat.unmatched,
	}
	if cfg.feederPID > 0 {
		w.FeederCPU = float64(b.feeder.CPUTicks-a.feeder.CPUTicks) / userHZ / dt
		w.FeederRSSKB = b.feeder.RSSKB
	}
	if len(b.tags) > 0 {
		w.TagLen = int(median(b.tags))
	}
	for i := range b.busy {
		if i < len(a.busy) && b.total[i] > a.total[i] {
			w.CPUBusy = append(w.CPUBusy, float64(b.busy[i]-a.busy[i])/float64(b.total[i]-a.total[i]))
		}
	}
	pq := func(xs []float64) []float64 {
		if len(xs) == 0 {
			return nil
		}
		return []float64{percentile(xs, 50), percentile(xs, 95), percentile(xs, 99), float64(len(xs))}
	}
	w.LatVideo, w.LatVideoEnd, w.LatAudio = pq(b.lat.video), pq(b.lat.videoEnd), pq(b.lat.audio)
	var vk, ak, vp, ap []float64
	for _, v := range viewers {
		va, vb := a.v[v.id], b.v[v.id]
		aa, ab := a.a[v.id], b.a[v.id]
		vk = append(vk, float64(vb.Bytes-va.Bytes)*8/1000/dt)
		ak = append(ak, float64(ab.Bytes-aa.Bytes)*8/1000/dt)
		vp = append(vp, float64(vb.Pkts-va.Pkts)/dt)
		ap = append(ap, float64(ab.Pkts-aa.Pkts)/dt)
		lost := (vb.Expected - va.Expected) - int64(vb.Pkts-va.Pkts) +
			(ab.Expected - aa.Expected) - int64(ab.Pkts-aa.Pkts)
		miss := vb.Missing - va.Missing + ab.Missing - aa.Missing
		if lost > 0 {
			w.SeqLost += lost
		}
		w.MissFrames += miss
		if lost > 0 || miss > 0 {
			w.Lossy = append(w.Lossy, v.id)
		}
		behind := math.Max(vb.Behind, ab.Behind)
		if behind*1000 > w.MaxBehindMs {
			w.MaxBehindMs = behind * 1000
		}
		if behind > behindS {
			w.Behind = append(w.Behind, v.id)
		}
		// media time must keep up with the wall clock
		if vb.MediaS-va.MediaS < 0.8*dt || ab.MediaS-aa.MediaS < 0.8*dt {
			w.Stalled = append(w.Stalled, v.id)
		}
	}
	w.VideoKbps, w.AudioKbps = median(vk), median(ak)
	w.VideoPPS, w.AudioPPS = median(vp), median(ap)
	if len(viewers) == 0 {
		w.VideoKbps, w.AudioKbps, w.VideoPPS, w.AudioPPS = 0, 0, 0, 0
	}
	return w
}

// ---------------------------------------------------------------------------
// join: viewers join one after another, each until its first key frame

func (c *client) runJoin(server, tag string, joins int, interval, timeout time.Duration, o *out) {
	var wg sync.WaitGroup
	var live int32
	var answer, key []float64
	var mu sync.Mutex
	for i := 0; i < joins; i++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			before := int(atomic.AddInt32(&live, 1)) - 1
			defer atomic.AddInt32(&live, -1)
			v := &viewer{id: id}
			if err := c.connect(v); err != nil {
				v.err = err.Error()
			} else {
				deadline := time.Now().Add(timeout)
				for time.Now().Before(deadline) && atomic.LoadInt32(&v.failed) == 0 {
					v.mu.Lock()
					done := v.keyState == 2
					v.mu.Unlock()
					if done {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			r := joinRecord(server, tag, v, before)
			if r.KeyMs == 0 && r.Err == "" {
				r.Err = "no complete key frame in time"
			}
			o.write(r)
			mu.Lock()
			if r.AnswerMs > 0 {
				answer = append(answer, r.AnswerMs)
			}
			if r.KeyMs > 0 {
				key = append(key, r.KeyMs)
			}
			mu.Unlock()
			c.stop(v)
		}(i)
		time.Sleep(interval)
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "[%s %s] %d joins: POST->201 p50 %.1f p95 %.1f ms; POST->first complete key frame p50 %.0f p95 %.0f ms (%d ok)\n",
		server, tag, joins, percentile(answer, 50), percentile(answer, 95), percentile(key, 50), percentile(key, 95), len(key))
}

// ---------------------------------------------------------------------------

func parseSteps(s string) (steps []int) {
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			steps = append(steps, n)
		}
	}
	return
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: whep-load ramp|join|hold|report [flags]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	endpoint := fs.String("url", "http://127.0.0.1:8889/whep", "WHEP endpoint")
	server := fs.String("server", "whepsink", "name of the server, for the records")
	tag := fs.String("tag", "", "tag for join records (e.g. gop2)")
	pid := fs.Int("server-pid", 0, "server process to sample in /proc")
	feederPID := fs.Int("feeder-pid", 0, "ramp: another process of the server's to sample (pion-server's demuxer/payloader)")
	phase := fs.String("phase", "", "ramp: a label for the windows (run.sh --compare: hold)")
	tsTap := fs.Int("ts-tap", 0, "UDP port on 127.0.0.1 for ts-replay's frame announcements: the latency figure (0: none)")
	steps := fs.String("steps", "0,25,50,100", "viewer counts to ramp through")
	settle := fs.Duration("settle", 3*time.Second, "wait after joins before measuring")
	window := fs.Duration("window", 8*time.Second, "measurement window")
	repeats := fs.Int("repeats", 3, "windows per level")
	zeroReps := fs.Int("zero-repeats", 0, "windows at a level of 0 viewers (0: -repeats)")
	joinRate := fs.Float64("join-rate", 25, "joins per second while ramping")
	parallel := fs.Int("parallel", 8, "joins in flight at once")
	readyWait := fs.Duration("ready-wait", 15*time.Second, "how long a new viewer may take to its first key frame")
	noStop := fs.Bool("no-stop", false, "do not stop the ramp when viewers fall behind")
	behindMs := fs.Float64("behind-ms", 200, "a viewer this far behind real time is behind")
	fs.DurationVar(&tapPause, "read-pause", tapPause, "after a short batch from a socket, wait this long before reading it again (fewer wake-ups; 0: none)")
	muxes := fs.Int("muxes", 2, "shared client UDP sockets (0: one socket per viewer, for a server with one port for all)")
	bind := fs.String("bind", "127.0.0.1", "local address of the viewers")
	joins := fs.Int("joins", 30, "join mode: viewers that join")
	interval := fs.Duration("interval", 370*time.Millisecond, "join mode: time between joins")
	timeout := fs.Duration("timeout", 10*time.Second, "join mode: time to wait for a key frame")
	fps := fs.Float64("fps", 30, "video frame rate of the stream")
	audioMs := fs.Float64("audio-ms", 20, "audio packet duration")
	outPath := fs.String("out", "", "JSON lines output (appends)")
	dir := fs.String("dir", ".", "report: directory with the records")
	maxClient := fs.Float64("max-client-cpu", 0.85, "warn when the client uses more cores than this")
	signals := fs.Bool("latency-signals", false, "ramp: SIGUSR1 to the server before each step's windows, SIGUSR2 after (latency probes)")
	cpuprofile := fs.String("cpuprofile", "", "write a Go CPU profile of the client")
	statusPath := fs.String("status", "", "hold mode: status file, rewritten every 500 ms (none: stdout)")
	fs.Parse(os.Args[2:])
	if *cpuprofile != "" {
		if f, err := os.Create(*cpuprofile); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}

	if mode == "report" {
		os.Exit(report(*dir))
	}

	o := &out{}
	if *outPath != "" {
		f, err := os.OpenFile(*outPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0644)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		o.enc = json.NewEncoder(f)
	}
	if *tsTap > 0 {
		if err := listenAnnouncements(*tsTap); err != nil {
			fmt.Fprintln(os.Stderr, "whep-load: -ts-tap:", err)
			os.Exit(1)
		}
	}
	c, err := newClient(*endpoint, *muxes, *behindMs, *bind)
	if err != nil {
		fmt.Fprintln(os.Stderr, "whep-load:", err)
		os.Exit(1)
	}
	c.fps, c.audioMs = *fps, *audioMs

	go reportLoop()
	stop := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sig; close(stop) }()

	switch mode {
	case "ramp":
		cfg := &rampCfg{server: *server, phase: *phase, serverPID: *pid, feederPID: *feederPID, steps: parseSteps(*steps), settle: *settle,
			window: *window, repeats: *repeats, zeroReps: *zeroReps, joinRate: *joinRate, parallel: *parallel,
			readyWait: *readyWait, noStop: *noStop, maxClient: *maxClient, signals: *signals}
		status := c.runRamp(cfg, o, stop)
		pprof.StopCPUProfile()
		os.Exit(status)
	case "join":
		c.runJoin(*server, *tag, *joins, *interval, *timeout, o)
	case "hold":
		os.Exit(c.runHold(*joins, *parallel, *statusPath, stop))
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		os.Exit(2)
	}
}
