// pion-server: the reference a whepsink benchmark compares against, a WHEP
// server on Debian's pion (golang-github-pion-webrtc.v3-dev) built as a
// pion-based server would build it (go-livepeer's WHEP output, pion's
// broadcast examples): ONE TrackLocalStaticRTP per kind (H.264, Opus) that
// every viewer's PeerConnection adds, fed RTP over UDP. Each RTP packet read
// from the feed is written once to the shared track, and pion fans it out:
// per viewer it rewrites SSRC and payload type, SRTP-protects and sends it,
// in the reading goroutine.
//
//	pion-server -http 198.18.0.1:8889 -bind 198.18.0.1 -video 5006 -audio 5008
//
// The feed comes from another process (run.sh: gst-launch-1.0 udpsrc !
// tsdemux ! h264parse ! rtph264pay ! udpsink, and opusparse ! rtpopuspay),
// whose CPU is the reference's demux and payloading cost: measure both.
//
// WHEP: POST an SDP offer -> 201 with the answer once ICE gathering is
// complete (all candidates in it) and a Location; DELETE that Location ends
// the session. No trickle (PATCH answers 405). ICE: UDP over IPv4 on -bind
// only, no mDNS; each PeerConnection has its own UDP socket, as libnice
// gives each of whepsink's viewers (go-livepeer shares one socket through an
// ICE UDP mux; a load client whose viewers share sockets cannot tell its
// viewers apart behind one server port, see -udp-mux). No interceptors (no
// NACK, no reports of its own), as go-livepeer. A viewer whose ICE fails is
// closed (pion's default timeouts: disconnected after 5 s, failed after 25 s
// without a check or a packet from the viewer).
package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/pion/ice/v2"
	"github.com/pion/webrtc/v3"
)

const h264Fmtp = "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"

type server struct {
	api          *webrtc.API
	video, audio *webrtc.TrackLocalStaticRTP
	mu           sync.Mutex
	sessions     map[string]*webrtc.PeerConnection
	viewers      int64
}

func newID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *server) remove(id string) *webrtc.PeerConnection {
	s.mu.Lock()
	defer s.mu.Unlock()
	pc := s.sessions[id]
	if pc != nil {
		delete(s.sessions, id)
		atomic.AddInt64(&s.viewers, -1)
	}
	return pc
}

func (s *server) post(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/sdp") {
		http.Error(w, "expected application/sdp", http.StatusUnsupportedMediaType)
		return
	}
	offer, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "bad offer", http.StatusBadRequest)
		return
	}
	pc, err := s.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fail := func(code int, err error) {
		pc.Close()
		http.Error(w, err.Error(), code)
	}
	for _, t := range []*webrtc.TrackLocalStaticRTP{s.video, s.audio} {
		sender, err := pc.AddTrack(t)
		if err != nil {
			fail(http.StatusInternalServerError, err)
			return
		}
		// read the viewer's RTCP (receiver reports), as pion's examples do
		go func() {
			b := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(b); err != nil {
					return
				}
			}
		}()
	}
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer,
		SDP: string(offer)}); err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		fail(http.StatusBadRequest, err)
		return
	}
	gathered := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		fail(http.StatusInternalServerError, err)
		return
	}
	<-gathered
	id := newID()
	s.mu.Lock()
	s.sessions[id] = pc
	atomic.AddInt64(&s.viewers, 1)
	s.mu.Unlock()
	pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
		if st == webrtc.PeerConnectionStateFailed {
			if p := s.remove(id); p != nil {
				p.Close()
			}
		}
	})
	w.Header().Set("Content-Type", "application/sdp")
	w.Header().Set("Location", "/whep/"+id)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, pc.LocalDescription().SDP)
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && (r.URL.Path == "/whep" || r.URL.Path == "/whep/"):
		s.post(w, r)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/whep/"):
		pc := s.remove(strings.TrimPrefix(r.URL.Path, "/whep/"))
		if pc == nil {
			http.Error(w, "no such session", http.StatusNotFound)
			return
		}
		pc.Close()
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", "OPTIONS, POST, DELETE")
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// feed reads RTP from a local UDP port and writes each packet to the shared
// track: pion fans it out to every bound viewer.
func feed(port int, track *webrtc.TrackLocalStaticRTP, count *uint64) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		log.Fatalf("pion-server: feed port %d: %v", port, err)
	}
	_ = conn.SetReadBuffer(4 << 20)
	b := make([]byte, 1600)
	for {
		n, _, err := conn.ReadFrom(b)
		if err != nil {
			log.Fatalf("pion-server: feed port %d: %v", port, err)
		}
		atomic.AddUint64(count, 1)
		// errors are per viewer (one that is closing): the others got it
		_, _ = track.Write(b[:n])
	}
}

func main() {
	httpAddr := flag.String("http", "127.0.0.1:8889", "HTTP listen address (WHEP endpoint at /whep)")
	bind := flag.String("bind", "127.0.0.1", "the only local address ICE gathers")
	videoPort := flag.Int("video", 5006, "UDP port on 127.0.0.1 for the H.264 RTP feed")
	audioPort := flag.Int("audio", 5008, "UDP port on 127.0.0.1 for the Opus RTP feed")
	udpMux := flag.Bool("udp-mux", false, "all viewers on one UDP socket (an ICE UDP mux, as go-livepeer); the load client then needs a socket per viewer (whep-load -muxes 0)")
	flag.Parse()

	bindIP := net.ParseIP(*bind)
	if bindIP == nil || bindIP.To4() == nil {
		log.Fatalf("pion-server: -bind %q is no IPv4 address", *bind)
	}
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264, ClockRate: 90000,
			SDPFmtpLine: h264Fmtp},
		PayloadType: 102}, webrtc.RTPCodecTypeVideo); err != nil {
		log.Fatal(err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000,
			Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType: 111}, webrtc.RTPCodecTypeAudio); err != nil {
		log.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(bindIP.IsLoopback())
	se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(bindIP) })
	if *udpMux {
		conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: bindIP})
		if err != nil {
			log.Fatal(err)
		}
		se.SetICEUDPMux(webrtc.NewICEUDPMux(nil, conn))
	}
	video, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeH264,
		ClockRate: 90000, SDPFmtpLine: h264Fmtp}, "video", "pion")
	if err != nil {
		log.Fatal(err)
	}
	audio, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
		ClockRate: 48000, Channels: 2}, "audio", "pion")
	if err != nil {
		log.Fatal(err)
	}
	s := &server{
		api:      webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithSettingEngine(se)),
		video:    video,
		audio:    audio,
		sessions: map[string]*webrtc.PeerConnection{},
	}
	var vPkts, aPkts uint64
	go feed(*videoPort, video, &vPkts)
	go feed(*audioPort, audio, &aPkts)

	ln, err := net.Listen("tcp4", *httpAddr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		fmt.Fprintf(os.Stderr, "pion-server: %d viewers at exit; fed %d video and %d audio RTP packets\n",
			atomic.LoadInt64(&s.viewers), atomic.LoadUint64(&vPkts), atomic.LoadUint64(&aPkts))
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, s))
}
