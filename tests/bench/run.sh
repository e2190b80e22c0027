#!/usr/bin/env bash
# whepsink benchmarks: builds what they need, then measures whepsink and the
# pion reference (pion-server/: one shared pion track per kind, fed RTP by a
# gst-launch-1.0 demuxer/payloader) on the same feed and prints a markdown
# report.  Everything runs in a private network namespace (loopback and a
# veth address, 198.18.0.1, that exists only inside it), is bounded in time,
# and every child is killed at exit.
#
#   tests/bench/run.sh --compare    side by side at 100 viewers (~3 minutes)
#   tests/bench/run.sh              the full run: side by side, then ramps,
#                                   joins per GOP, perf (~20 minutes)
#   tests/bench/run.sh --quick      a smoke run (< 4 minutes)
#
# Options:
#   --compare                       only the side-by-side table
#   --viewers N                     viewers for it (default 100; --quick 20)
#   --hold S                        its windows, seconds (default 10, 3 of them)
#   --rounds N                      run the servers in turn N times (default
#                                   1): other load on the machine then hits
#                                   both alike
#   --servers "whepsink pion"       which servers (default these two; also
#                                   baseline, the naive webrtcbin server)
#   --steps 0,10,20,...             viewer counts of the ramp
#   --repeats N                     measurement windows per step (default 3)
#   --window S                      seconds per window (default 6)
#   --build DIR                     build directory (default build-bench)
#   --out DIR                       results (default DIR/bench-results/DATE)
#   --no-ttff --no-perf --no-ramp   skip a part
#   --probes                        also the in-server latency probes (on
#                                   webrtcbin's srtpenc/nicesink: whepsink and
#                                   baseline only)
#   --perf-viewers N                load for the perf profile (default 20)
#   --nice N                        run the benchmark's processes at this
#                                   niceness (e.g. -5 on a machine others
#                                   share: their builds then preempt the
#                                   server less; CPU time is counted alike)
#
# WHEP_LOAD_EXTRA in the environment adds options to every whep-load run
# (e.g. "-cpuprofile /tmp/client.pprof").
#
# Added latency is measured at the client in every window (ts-replay tells
# whep-load when each frame left: whep-load/latency.go), so it needs nothing
# inside the server.
#
# Pinning: the server under test, the stream source (ts-replay, ~1% of a
# core) and pion's feeder on CPU 0, the load client (whep-load) and the
# decoding viewers on CPU 1.  Figures: see docs/benchmarks.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

quick=0 servers="whepsink pion" steps="" repeats=3 window=6 build="$top/build-bench"
out="" do_ttff=1 do_latency=0 do_perf=1 perf_viewers=20 compare_only=0 viewers="" hold=10 do_ramp=1 rounds=1 niceness=0
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --servers) servers=$2; shift ;;
    --steps) steps=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    --window) window=$2; shift ;;
    --build) build=$(realpath -m "$2"); shift ;;
    --out) out=$(realpath -m "$2"); shift ;;
    --no-ttff) do_ttff=0 ;;
    --no-latency) do_latency=0 ;;
    --probes) do_latency=1 ;;
    --compare) compare_only=1 ;;
    --viewers) viewers=$2; shift ;;
    --hold) hold=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --nice) niceness=$2; shift ;;
    --no-ramp) do_ramp=0 ;;
    --no-perf) do_perf=0 ;;
    --perf-viewers) perf_viewers=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$quick" = 1 ]; then
  : "${steps:=0,10,20}"
  : "${viewers:=20}"
  repeats=2 window=4 do_perf=0 hold=6
  gops="60" joins=8 decode_joins=3 lat_steps="1,10"
else
  : "${steps:=0,10,20,30,40,50,60,80,100,125,150,200,250,300,400,500}"
  gops="30 60 120" joins=24 decode_joins=6 lat_steps="1,20"
fi
: "${viewers:=100}"
if [ "$compare_only" = 1 ]; then
  do_ttff=0 do_latency=0 do_perf=0 do_ramp=0 gops=60
fi
bin=$build/tests/bench
[ -n "$out" ] || out=$build/bench-results/$(date +%Y%m%d-%H%M%S)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------------------
# Outside the namespace: packages, build, clips
if [ -z "${WHEP_BENCH_IN_NETNS:-}" ]; then
  need=()
  command -v go >/dev/null || need+=(golang-go)
  [ -f /usr/share/gocode/src/github.com/pion/webrtc/peerconnection.go ] || need+=(golang-github-pion-webrtc.v3-dev)
  [ "$do_perf" = 0 ] || command -v perf >/dev/null || need+=(linux-perf)
  command -v unshare >/dev/null && command -v ip >/dev/null || need+=(util-linux iproute2)
  pkg-config --exists libsrtp2 || need+=(libsrtp2-dev)
  if [ ${#need[@]} -gt 0 ]; then
    echo "== installing ${need[*]} (Debian packages)"
    as_root apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
  fi
  "$top/scripts/install-deps.sh" >/dev/null

  echo "== building in $build"
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" -Dtests=enabled -Dbench=enabled -Dbrowser-tests=disabled >/dev/null
  fi
  ninja -C "$build" >/dev/null
  ninja -C "$build" tests/bench/whep-load tests/bench/pion-server >/dev/null

  # The stream: 20 s of 720p30 snow (x264 ultrafast, zerolatency, 2 Mbit/s,
  # GOP as asked) + Opus, in MPEG-TS, encoded once and replayed in a loop.
  clips=$build/bench-clips
  mkdir -p "$clips"
  pids=()
  for gop in $gops; do
    f=$clips/snow-720p30-420-2M-gop$gop.ts
    [ -s "$f" ] && continue
    echo "== encoding $f (once)"
    gst-launch-1.0 -q videotestsrc pattern=snow num-buffers=600 \
      ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 \
      ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=2000 key-int-max=$gop \
      ! queue ! mux. \
      audiotestsrc num-buffers=1000 samplesperbuffer=960 wave=pink-noise volume=0.3 \
      ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 ! queue ! mux. \
      mpegtsmux name=mux alignment=7 ! filesink location="$f.tmp" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for gop in $gops; do
    f=$clips/snow-720p30-420-2M-gop$gop.ts
    [ -f "$f.tmp" ] && mv "$f.tmp" "$f"
  done

  mkdir -p "$out"
  if [ "$(id -u)" = 0 ]; then netns=(unshare --net); else netns=(unshare --net --map-root-user); fi
  export WHEP_BENCH_IN_NETNS=1
  exec "${netns[@]}" "$0" --servers "$servers" --steps "$steps" --repeats "$repeats" \
    --window "$window" --build "$build" --out "$out" --perf-viewers "$perf_viewers" \
    --viewers "$viewers" --hold "$hold" --rounds "$rounds" --nice "$niceness" \
    $([ "$quick" = 1 ] && echo --quick) $([ "$do_ttff" = 0 ] && echo --no-ttff) \
    $([ "$do_latency" = 1 ] && echo --probes) $([ "$do_perf" = 0 ] && echo --no-perf) \
    $([ "$compare_only" = 1 ] && echo --compare) $([ "$do_ramp" = 0 ] && echo --no-ramp)
fi

# ---------------------------------------------------------------------------
# Inside the namespace
ip link set lo up
ip link add whep0 type veth peer name whep1
ip link set whep0 up
ip link set whep1 up
ip addr add 198.18.0.1/24 dev whep0
# generous socket buffers: loss should come from who falls behind, not from
# defaults (these are this namespace's own settings)
sysctl -qw net.core.rmem_max=67108864 net.core.wmem_max=33554432 2>/dev/null || true

export GST_PLUGIN_PATH=$build/ext/whep
export GST_REGISTRY_1_0=$build/bench-registry.bin
export GST_DEBUG=${GST_DEBUG:-*:1}
clips=$build/bench-clips
udp_port=5004 http_port=8889 pion_video=5006 pion_audio=5008 tap_port=5010
url=http://198.18.0.1:$http_port/whep
# pinning, and --nice (arrays, not functions: nice and taskset exec the
# program, so $! is its pid)
on0=(nice -n "$niceness" taskset -c 0)
on1=(nice -n "$niceness" taskset -c 1)
load=("${on1[@]}" "$bin/whep-load")
# WHEP_LOAD_EXTRA: more whep-load options, e.g. "-cpuprofile FILE"
load_opts=(-url "$url" -bind 198.18.0.1 -ts-tap $tap_port ${WHEP_LOAD_EXTRA:-})

children=()
cleanup() {
  local p
  for p in "${children[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${children[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# in the foreground, but a signal to run.sh still ends it at once
fg() {
  "$@" &
  local p=$!
  children+=("$p")
  wait "$p"
}

server_pid="" replay_pid="" feeder_pid=""
# The pion reference's demuxer and payloaders, a process of their own: the
# same elements whepsink uses inside (tsdemux, h264parse taking each PES as an
# access unit and repeating SPS/PPS before each IDR, rtph264pay at MTU 1200,
# opusparse, rtpopuspay), sending RTP as it arrives (no clock sync).
start_feeder() {
  "${on0[@]}" gst-launch-1.0 -q udpsrc port=$udp_port buffer-size=4194304 \
    caps="video/mpegts, systemstream=(boolean)true" ! tsdemux name=d latency=0 \
    d. ! video/x-h264,alignment=au ! h264parse config-interval=-1 \
    ! video/x-h264,stream-format=byte-stream,alignment=au ! rtph264pay pt=102 mtu=1200 \
    ! udpsink host=127.0.0.1 port=$pion_video sync=false async=false \
    d. ! opusparse ! rtpopuspay pt=111 mtu=1200 \
    ! udpsink host=127.0.0.1 port=$pion_audio sync=false async=false \
    2>>"$out/pion-feeder.log" &
  feeder_pid=$!
  children+=("$feeder_pid")
}
# start_server NAME GOP [LATENCY_FILE]
start_server() {
  local name=$1 gop=$2 i
  feeder_pid=""
  if [ "$name" = pion ]; then
    "${on0[@]}" "$bin/pion-server" -http 198.18.0.1:$http_port -bind 198.18.0.1 \
      -video $pion_video -audio $pion_audio 2>>"$out/pion-server.log" &
    server_pid=$!
    children+=("$server_pid")
    start_feeder
  else
    "${on0[@]}" "$bin/$name-server" $udp_port $http_port ${3:-} 2>>"$out/$name-server.log" &
    server_pid=$!
    children+=("$server_pid")
  fi
  "${on0[@]}" "$bin/ts-replay" "$clips/snow-720p30-420-2M-gop$gop.ts" 127.0.0.1 $udp_port 0 \
    $tap_port 2>>"$out/stream.txt" &
  replay_pid=$!
  children+=("$replay_pid")
  for i in $(seq 50); do
    (exec 3<>/dev/tcp/198.18.0.1/$http_port) 2>/dev/null && break
    sleep 0.1
  done
  sleep 1.5  # the stream's tracks are known after its first PMT and key frame
}
stop_server() {
  kill -TERM "$server_pid" "$replay_pid" $feeder_pid 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" "$replay_pid" $feeder_pid 2>/dev/null || true
  wait "$server_pid" "$replay_pid" $feeder_pid 2>/dev/null || true
}
# the load client's options for the server running now
server_opts() {
  echo -server-pid "$server_pid"
  [ -z "$feeder_pid" ] || echo -feeder-pid "$feeder_pid"
}

gst_version=$(gst-launch-1.0 --version | sed -n 's/.*GStreamer \([0-9.]*\).*/\1/p' | head -1)
pion_version=$(dpkg-query -W -f='${Version}' golang-github-pion-webrtc.v3-dev 2>/dev/null || echo '?')
srtp_version=$(dpkg-query -W -f='${Version}' libsrtp2-1 2>/dev/null || echo '?')
start_time=$(date +%s)
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "${WHEP_BENCH_REV:-unknown}")
{
  echo "# whepsink benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
  echo "# whepsink $rev; GStreamer $gst_version, libsrtp2 $srtp_version, pion $pion_version, $(go version | cut -d' ' -f3)"
  echo "# pinning: server (pion: + its feeder) + stream source on CPU 0, load client on CPU 1 (taskset); niceness $niceness"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (others' work on this machine skews CPU figures: see the CPU busy row)"
  echo "# results: $out"
} | tee "$out/header.txt"

meta() {
  local stream
  stream=$(grep -m1 'gop60' "$out/stream.txt" 2>/dev/null | sed 's/^stream: //; s/"//g' || true)
  printf '{"type":"meta","cpu":"%s","cores":"%s","kernel":"%s","gstreamer":"%s","client":"whep-load on pion %s (Debian), %s","pinning":"server (pion: and its feeder) and stream source (ts-replay) on CPU 0, load client on CPU 1","date":"%s","mode":"%s","stream":"%s"}\n' \
    "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(nproc)" "$(uname -r)" "$gst_version" \
    "$pion_version" "$(go version | cut -d' ' -f3)" "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$([ "$compare_only" = 1 ] && echo "compare: $viewers viewers, $rounds round(s) of 3 windows of ${hold}s" || { [ "$quick" = 1 ] && echo "quick: steps $steps, $repeats windows of ${window}s" || echo "full: steps $steps, $repeats windows of ${window}s"; })" \
    "$stream" > "$out/meta.jsonl"
}

# --- 0. side by side: each server with no viewer, then N viewers that join
# at 25/s; 3 windows of --hold seconds once they all have had a key frame
for round in $(seq "$rounds"); do
  for s in $servers; do
    echo "== $s: 0 then $viewers viewers, 3 x ${hold}s windows (round $round of $rounds)"
    start_server "$s" 60
    fg "${load[@]}" ramp "${load_opts[@]}" -server "$s" -phase hold $(server_opts) \
      -steps "0,$viewers" -repeats 3 -zero-repeats 2 -window "${hold}s" -settle 5s -no-stop \
      -out "$out/hold-$s.jsonl" || true
    stop_server
  done
done
meta

# --- 1. ramp: CPU, memory, threads, fds, most viewers, setup time
if [ "$do_ramp" = 1 ]; then
  for s in $servers; do
    echo "== $s: ramp $steps, $repeats x ${window}s windows"
    start_server "$s" 60
    fg "${load[@]}" ramp "${load_opts[@]}" -server "$s" $(server_opts) -steps "$steps" \
      -repeats "$repeats" -window "${window}s" -settle 4s -out "$out/ramp-$s.jsonl" || true
    stop_server
  done
fi

# --- 2. time to first frame per GOP
if [ "$do_ttff" = 1 ]; then
  for gop in $gops; do
    tag=gop$(awk "BEGIN{print $gop/30}")
    for s in $servers; do
      echo "== $s: joins at GOP ${gop} frames ($tag)"
      start_server "$s" "$gop"
      fg "${load[@]}" join "${load_opts[@]}" -server "$s" -tag "$tag" -joins "$joins" \
        -interval 290ms -out "$out/join-$s-$tag.jsonl" || true
      fg "${on1[@]}" "$bin/ttff-decode" "$url" "$decode_joins" "$s" "$tag" \
        "$out/ttff-$s-$tag.jsonl" || true
      stop_server
    done
  done
fi

# --- 3. added latency, in-process probes, at a light and a moderate load
if [ "$do_latency" = 1 ]; then
  for s in $servers; do
    [ "$s" != pion ] || continue
    echo "== $s: latency at $lat_steps viewers"
    start_server "$s" 60 "$out/latency-$s.jsonl"
    fg "${load[@]}" ramp "${load_opts[@]}" -server "$s-latency" $(server_opts) \
      -steps "$lat_steps" -repeats 2 -window "${window}s" -latency-signals -no-stop \
      -out "$out/latency-ramp-$s.jsonl" >/dev/null 2>&1 || true
    stop_server
  done
fi

# --- 4. where whepsink's CPU goes
if [ "$do_perf" = 1 ] && [[ " $servers " == *" whepsink "* ]] && command -v perf >/dev/null; then
  echo "== whepsink: perf at $perf_viewers viewers"
  start_server whepsink 60
  "${load[@]}" ramp "${load_opts[@]}" -server whepsink-perf -server-pid "$server_pid" \
    -steps "$perf_viewers" -repeats 1 -window 30s -out "$out/perf-ramp.jsonl" >/dev/null 2>&1 &
  lp=$!
  children+=("$lp")
  for _ in $(seq 300); do
    [ "$(grep -c '"type":"join"' "$out/perf-ramp.jsonl" 2>/dev/null || echo 0)" -ge "$perf_viewers" ] && break
    sleep 0.1
  done
  sleep 4
  fg perf record -e cpu-clock -F 999 -g -p "$server_pid" -o "$out/perf.data" -- sleep 15 \
    >/dev/null 2>"$out/perf-record.log" || true
  wait "$lp" || true
  stop_server
  # the server's cores and RTP packets/s during the profile, from its window
  w=$(grep -m1 '"type":"window"' "$out/perf-ramp.jsonl" || true)
  jnum() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" <<<"$w"; }
  cores=$(jnum server_cpu) pps=$(awk -v n="$(jnum viewers)" -v v="$(jnum video_pps)" -v a="$(jnum audio_pps)" 'BEGIN{print n*(v+a)}')
  {
    echo "## Where whepsink's CPU goes ($perf_viewers viewers, perf record -e cpu-clock -g, 15 s)"
    echo
    "$here/perf-summary.sh" "$out/perf.data" "$cores" "$pps"
  } > "$out/perf.txt" 2>/dev/null || true
fi

# --- SRTP per packet with Debian's libsrtp2 (NSS) and with OpenSSL
if [ -x "$bin/srtp-bench" ] && [ "$quick" = 0 ] && [ "$compare_only" = 0 ]; then
  echo "== SRTP per packet"
  taskset -c 0 "$bin/srtp-bench" 2 > "$out/srtp.txt" || true
fi

# --- report
{
  cat "$out/header.txt"
  echo
  "$bin/whep-load" report -dir "$out"
  if [ -s "$out/perf.txt" ]; then
    echo
    cat "$out/perf.txt"
  fi
  if [ -s "$out/srtp.txt" ]; then
    echo
    echo "## SRTP protect per packet (srtp-bench, CPU 0)"
    echo
    cat "$out/srtp.txt"
  fi
  echo
  echo "# took $(( $(date +%s) - start_time )) s"
} > "$out/report.md"
echo
cat "$out/report.md"
