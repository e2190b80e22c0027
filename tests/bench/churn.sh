#!/usr/bin/env bash
# whepsink under churn: join/leave cycles against a whepsink in another
# process, and what they leave behind in it (RSS, threads, fds, CPU, from
# /proc).  Prints markdown tables.  Everything runs in a private network
# namespace (loopback and a veth address, 198.18.0.1, that exists only
# inside it), as run.sh does, and every child is killed at exit.
#
#   tests/bench/churn.sh              1000 cycles, the three kinds in turn:
#                                     full viewers (play, DELETE), HTTP-only
#                                     sessions (POST, DELETE), viewers that
#                                     vanish (reaped by idle-timeout);
#                                     sampled every 100 cycles (~7 min)
#   tests/bench/churn.sh --soak 30    30 minutes: whep-load holds 50 viewers
#                                     while the churn goes on beside them
#                                     (a cycle a second); RSS and CPU every
#                                     minute
#
# Options:
#   --cycles N            cycles (default 1000)
#   --every N             cycles between samples (default 100)
#   --soak MIN            the soak instead, for MIN minutes
#   --viewers N           viewers held during the soak (default 50)
#   --pause MS            pause after each churn cycle (default 0; soak 1000)
#   --idle-timeout S      the server's idle-timeout (default 5)
#   --connect-timeout S   the server's connect-timeout (default 5)
#   --build DIR           build directory (default build-robust)
#   --out DIR             results (default DIR/churn-results/DATE)
#
# The stream: 20 s of 720p30 snow (x264 ultrafast, 2 Mbit/s, GOP 2 s) + Opus
# in MPEG-TS, encoded once into DIR/bench-clips and replayed in a loop by
# ts-replay, over UDP into `udpsrc ! whepsink` (gst-launch-1.0).  Pinning:
# the server and the replay on CPU 0, the clients (whep-churn, whep-load) on
# CPU 1.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

cycles=1000 every=100 soak=0 viewers=50 pause="" idle=5 connect=5
build="$top/build-robust" out=""
while [ $# -gt 0 ]; do
  case $1 in
    --cycles) cycles=$2; shift ;;
    --every) every=$2; shift ;;
    --soak) soak=$2; shift ;;
    --viewers) viewers=$2; shift ;;
    --pause) pause=$2; shift ;;
    --idle-timeout) idle=$2; shift ;;
    --connect-timeout) connect=$2; shift ;;
    --build) build=$(realpath -m "$2"); shift ;;
    --out) out=$(realpath -m "$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "churn.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$pause" ] || { [ "$soak" -gt 0 ] && pause=1000 || pause=0; }
bin=$build/tests/bench
clip=$build/bench-clips/snow-720p30-420-2M-gop60.ts
[ -n "$out" ] || out=$build/churn-results/$(date +%Y%m%d-%H%M%S)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------------------
# Outside the namespace: packages, build, the clip
if [ -z "${WHEP_CHURN_IN_NETNS:-}" ]; then
  need=()
  command -v unshare >/dev/null && command -v ip >/dev/null || need+=(util-linux iproute2)
  if [ "$soak" -gt 0 ]; then
    command -v go >/dev/null || need+=(golang-go)
    [ -f /usr/share/gocode/src/github.com/pion/webrtc/peerconnection.go ] || need+=(golang-github-pion-webrtc.v3-dev)
  fi
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
  [ "$soak" = 0 ] || ninja -C "$build" tests/bench/whep-load >/dev/null

  if [ ! -s "$clip" ]; then
    echo "== encoding $clip (once)"
    mkdir -p "$(dirname "$clip")"
    gst-launch-1.0 -q videotestsrc pattern=snow num-buffers=600 \
      ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1 \
      ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=2000 key-int-max=60 \
      ! queue ! mux. \
      audiotestsrc num-buffers=1000 samplesperbuffer=960 wave=pink-noise volume=0.3 \
      ! audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=64000 ! queue ! mux. \
      mpegtsmux name=mux alignment=7 ! filesink location="$clip.tmp"
    mv "$clip.tmp" "$clip"
  fi

  mkdir -p "$out"
  if [ "$(id -u)" = 0 ]; then netns=(unshare --net); else netns=(unshare --net --map-root-user); fi
  export WHEP_CHURN_IN_NETNS=1
  exec "${netns[@]}" "$0" --cycles "$cycles" --every "$every" --soak "$soak" \
    --viewers "$viewers" --pause "$pause" --idle-timeout "$idle" \
    --connect-timeout "$connect" --build "$build" --out "$out"
fi

# ---------------------------------------------------------------------------
# Inside the namespace
ip link set lo up
ip link add whep0 type veth peer name whep1
ip link set whep0 up
ip link set whep1 up
ip addr add 198.18.0.1/24 dev whep0
sysctl -qw net.core.rmem_max=67108864 net.core.wmem_max=33554432 2>/dev/null || true

export GST_PLUGIN_PATH=$build/ext/whep
export GST_REGISTRY_1_0=$build/churn-registry.bin
export GST_DEBUG=${GST_DEBUG:-*:1}
udp_port=5004 http_port=8889
url=http://198.18.0.1:$http_port/whep

children=()
cleanup() {
  local p
  for p in "${children[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${children[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

taskset -c 0 gst-launch-1.0 -q udpsrc port=$udp_port buffer-size=4194304 \
  caps="video/mpegts, systemstream=(boolean)true" \
  ! whepsink port=$http_port idle-timeout="$idle" connect-timeout="$connect" \
  2>>"$out/server.log" &
server_pid=$!
children+=("$server_pid")
taskset -c 0 "$bin/ts-replay" "$clip" 127.0.0.1 $udp_port 0 2>>"$out/stream.txt" &
children+=($!)
for _ in $(seq 50); do
  (exec 3<>/dev/tcp/198.18.0.1/$http_port) 2>/dev/null && break
  sleep 0.1
done

gst_version=$(gst-launch-1.0 --version | sed -n 's/.*GStreamer \([0-9.]*\).*/\1/p' | head -1)
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
{
  echo "# whepsink churn, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "# machine: $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(nproc) cores, kernel $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# whepsink $rev, GStreamer $gst_version; server: gst-launch-1.0 udpsrc ! whepsink idle-timeout=$idle connect-timeout=$connect (CPU 0), stream: ts-replay $(basename "$clip") (CPU 0), clients on CPU 1"
} | tee "$out/header.txt"

if [ "$soak" = 0 ]; then
  echo "== $cycles cycles (full, http-only, vanish in turn), a sample every $every"
  status=0
  taskset -c 1 "$bin/whep-churn" "$url" "$server_pid" --cycles "$cycles" \
    --every "$every" --pause "$pause" --settle $((idle * 3 + 30)) \
    >"$out/churn.md" 2> >(tee "$out/churn.log" >&2) || status=$?
  {
    cat "$out/header.txt"
    echo
    echo "## $cycles join/leave cycles: the server process"
    echo
    cat "$out/churn.md"
  } > "$out/report.md"
  echo
  cat "$out/report.md"
  exit "$status"
fi

# --- the soak: whep-load holds the viewers, the churn goes on beside them
echo "== soak: $soak min, $viewers viewers held, churn a cycle every ~$((pause / 1000)) s + its own time"
taskset -c 1 "$bin/whep-load" ramp -url "$url" -bind 198.18.0.1 -server whepsink-soak \
  -server-pid "$server_pid" -steps "$viewers" -repeats "$soak" -window 60s -settle 2s \
  -no-stop -out "$out/soak-load.jsonl" 2>"$out/soak-load.log" &
load_pid=$!
children+=("$load_pid")
# the held viewers first, then the churn beside them
for _ in $(seq 300); do
  joined=$(grep -c '"type":"join"' "$out/soak-load.jsonl" 2>/dev/null || true)
  [ "${joined:-0}" -ge "$viewers" ] && break
  sleep 0.2
done
status=0
taskset -c 1 "$bin/whep-churn" "$url" "$server_pid" --minutes "$soak" --interval 60 \
  --pause "$pause" --settle $((idle * 3 + 30)) \
  >"$out/churn.md" 2> >(tee "$out/churn.log" >&2) || status=$?
wait "$load_pid" || true

# whep-load's windows: the held viewers, minute by minute
jnum() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p" <<<"$2"; }
{
  cat "$out/header.txt"
  echo
  echo "## Soak, $soak minutes: the server process (whep-churn's samples)"
  echo
  cat "$out/churn.md"
  echo
  echo "## The $viewers held viewers (whep-load, 60 s windows)"
  echo
  echo "| window | viewers receiving | server CPU (cores) | server RSS (MB) | threads | fds | video kbit/s per viewer | packets lost | frames missing | most behind (ms) |"
  echo "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
  grep '"type":"window"' "$out/soak-load.jsonl" 2>/dev/null | while read -r w; do
    printf '| %s | %s | %.3f | %.1f | %s | %s | %.0f | %s | %s | %.0f |\n' \
      "$(( $(jnum rep "$w") + 1 ))" "$(jnum viewers "$w")" "$(jnum server_cpu "$w")" \
      "$(awk -v k="$(jnum server_rss_kb "$w")" 'BEGIN{print k/1024}')" \
      "$(jnum server_threads "$w")" "$(jnum server_fds "$w")" "$(jnum video_kbps "$w")" \
      "$(jnum seq_lost "$w")" "$(jnum missing_frames "$w")" "$(jnum max_behind_ms "$w")"
  done
} > "$out/report.md"
echo
cat "$out/report.md"
exit "$status"
