package main

// The cheap receive path. Every viewer's ICE, DTLS and SRTP arrive on a few
// shared UDP sockets (-muxes); each is wrapped in a tapConn before pion's ICE
// UDP mux sees it. The tap reads datagrams in batches (recvmmsg) and looks at
// every RTP packet's header, which SRTP leaves in the clear: by SSRC (from the
// answer's a=ssrc lines) it finds the viewer and track, counts the packet and
// its bytes, tracks loss from sequence numbers, frames from timestamp changes
// and how far behind real time the track is, notes frame arrival times for the
// latency figure, and then drops the packet: pion never decrypts it. STUN,
// DTLS and SRTCP (the server's sender reports) pass through to pion, so ICE
// keep-alives, the DTLS handshake and the viewers' receiver reports (sent
// through pion's SRTCP context, whepsink ends silent viewers) work as before.
//
// Only what needs the payload is decrypted: a viewer's packets go on to pion
// (SRTP, then readTrack) until its first complete key frame has arrived and,
// when ts-replay's frame announcements are on, until one packet per track has
// been matched by content to the frame it came from. Then the tap drops them
// too. At 2 Mbit/s and a 2 s GOP that is about 1 s of media per join.

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
)

type tapTrack struct {
	v     *viewer
	video bool
}

var (
	tapMu    sync.Mutex
	tapTable atomic.Value // map[uint32]*tapTrack, replaced whole on change
)

// t0 as unix ns: kernel receive times (CLOCK_REALTIME) as now() values
var t0Unix = t0.UnixNano()

func init() { tapTable.Store(map[uint32]*tapTrack{}) }

func tapLookup(ssrc uint32) *tapTrack {
	return tapTable.Load().(map[uint32]*tapTrack)[ssrc]
}

// tapSet registers (t != nil) or forgets an SSRC. Returns false when another
// viewer already has it (an SSRC collision: that track is not counted).
func tapSet(ssrc uint32, t *tapTrack) bool {
	tapMu.Lock()
	defer tapMu.Unlock()
	old := tapTable.Load().(map[uint32]*tapTrack)
	if t != nil {
		if o := old[ssrc]; o != nil && o.v != t.v {
			return false
		}
	} else if _, ok := old[ssrc]; !ok {
		return true
	}
	m := make(map[uint32]*tapTrack, len(old)+1)
	for k, x := range old {
		m[k] = x
	}
	if t != nil {
		m[ssrc] = t
	} else {
		delete(m, ssrc)
	}
	tapTable.Store(m)
	return true
}

const tapBatch = 64

// tapPause: whep-load -read-pause
var tapPause = 2 * time.Millisecond

type tapConn struct {
	*net.UDPConn
	pc      *ipv4.PacketConn
	msgs    []ipv4.Message
	n, next int
	dropped uint64 // atomic: RTP packets counted and dropped
}

func newTapConn(c *net.UDPConn) *tapConn {
	t := &tapConn{UDPConn: c, pc: ipv4.NewPacketConn(c), msgs: make([]ipv4.Message, tapBatch)}
	for i := range t.msgs {
		t.msgs[i].Buffers = [][]byte{make([]byte, 1600)}
		t.msgs[i].OOB = make([]byte, 64)
	}
	// the kernel's receive time of each datagram (CLOCK_REALTIME), so that
	// the latency figure does not include this client's own scheduling
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
		})
	}
	return t
}

// kernelTime: the SCM_TIMESTAMPNS in a datagram's control messages, unix
// ns; 0 without one. (cmsghdr on 64-bit Linux: len u64, level i32, type
// i32, then the timespec.)
func kernelTime(oob []byte) int64 {
	for len(oob) >= 16 {
		l := int(binary.LittleEndian.Uint64(oob))
		if l < 16 || l > len(oob) {
			break
		}
		if int32(binary.LittleEndian.Uint32(oob[8:])) == syscall.SOL_SOCKET &&
			int32(binary.LittleEndian.Uint32(oob[12:])) == syscall.SCM_TIMESTAMPNS && l >= 32 {
			return int64(binary.LittleEndian.Uint64(oob[16:]))*1e9 + int64(binary.LittleEndian.Uint64(oob[24:]))
		}
		oob = oob[(l+7)&^7:]
	}
	return 0
}

func isRTP(b []byte) bool {
	// RTP and RTCP begin with version 2 (128-191; STUN is 0-3, DTLS 20-63);
	// RTCP's packet types 192-223 take the place of marker + payload type.
	return len(b) >= 12 && b[0]>>6 == 2 && (b[1] < 192 || b[1] > 223)
}

// ReadFrom hands pion the next datagram that is not an RTP packet already
// dealt with. Only pion's UDP mux reads this socket, from one goroutine.
func (c *tapConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		if c.next >= c.n {
			// A short batch means the socket is drained: wait a little
			// before the next read rather than be woken for every packet.
			// Arrival times come from the kernel, so this delays nothing
			// that is measured (ICE and DTLS wait at most this long).
			if c.n > 0 && c.n < tapBatch/2 && tapPause > 0 {
				time.Sleep(tapPause)
			}
			n, err := c.pc.ReadBatch(c.msgs, 0)
			if err != nil {
				return 0, nil, err
			}
			c.n, c.next = n, 0
			// one clock reading per batch for the counters; each packet's
			// arrival for the latency figure from the kernel
			tm := time.Now()
			wall, rt := int64(tm.Sub(t0)), tm.UnixNano()
			for i := 0; i < n; i++ {
				m := &c.msgs[i]
				p := m.Buffers[0][:m.N]
				if !isRTP(p) {
					continue
				}
				if tt := tapLookup(binary.BigEndian.Uint32(p[8:12])); tt != nil {
					// the kernel's time for the counters too: loss, frames and
					// behind then describe the server, not this client's turn
					// on its core
					pw, krt := wall, kernelTime(m.OOB[:m.NN])
					if krt == 0 {
						krt = rt
					} else {
						pw = krt - t0Unix
					}
					if !tt.v.onRTP(tt.video, p, pw, krt) {
						m.N = -1 // consumed
						atomic.AddUint64(&c.dropped, 1)
					}
				}
			}
		}
		m := &c.msgs[c.next]
		c.next++
		if m.N < 0 {
			continue
		}
		return copy(b, m.Buffers[0][:m.N]), m.Addr, nil
	}
}

// rtpHeader: sequence number, timestamp, marker and the header's length
// (fixed part, CSRCs, extension), all in the clear in SRTP.
func rtpHeader(b []byte) (seq uint16, ts uint32, marker bool, hdr int, ok bool) {
	if len(b) < 12 || b[0]>>6 != 2 {
		return
	}
	hdr = 12 + 4*int(b[0]&0x0f)
	if b[0]&0x10 != 0 {
		if len(b) < hdr+4 {
			return
		}
		hdr += 4 + 4*(int(b[hdr+2])<<8|int(b[hdr+3]))
	}
	if hdr > len(b) {
		return
	}
	return binary.BigEndian.Uint16(b[2:4]), binary.BigEndian.Uint32(b[4:8]), b[1]&0x80 != 0, hdr, true
}

// A frame's arrival: the first packet with a new (later) RTP timestamp, or
// a video frame's last packet (marker bit).
type arrival struct {
	ts   int64 // unwrapped RTP timestamp
	rt   int64 // arrival at the socket, unix ns (CLOCK_REALTIME, as ts-replay's announcements)
	last bool
}

// onRTP: one RTP packet of this viewer, still encrypted. Returns true when
// pion must see it too (to decrypt it).
func (v *viewer) onRTP(video bool, p []byte, wall, rt int64) bool {
	seq, ts, marker, hdr, ok := rtpHeader(p)
	if !ok {
		return false
	}
	k := 1
	t := &v.audio
	if video {
		k, t = 0, &v.video
	}
	v.mu.Lock()
	ext, newFrame := t.update(seq, ts, len(p)-hdr, wall)
	if v.firstRTPNs == 0 {
		v.firstRTPNs = wall
	}
	if v.record && (newFrame || (video && marker)) {
		if newFrame {
			v.arrivals[k] = append(v.arrivals[k], arrival{ts: ext, rt: rt})
		}
		if video && marker {
			v.arrivals[k] = append(v.arrivals[k], arrival{ts: ext, rt: rt, last: true})
		}
	}
	pass := v.decrypt[k]
	if pass {
		v.srtpLen[seq&15] = [2]int{int(seq), len(p)}
	}
	v.mu.Unlock()
	return pass
}
