#!/usr/bin/env bash
# The shared audio conversion's cost: whepsink-server's CPU with the same
# clip's audio as Opus (sent as it is) and as AAC, MP2 and AC-3 (converted
# to Opus once, issue 17), at 0, 1 and N viewers (whep-load).  The
# conversion should add a constant, and the cost per viewer should be the
# same as for Opus.  Runs in a private network namespace like run.sh, the
# server and ts-replay on CPU 0, whep-load on CPU 1; prints a markdown
# table (docs/benchmarks.md).
#
#   tests/bench/transcode.sh [--build DIR] [--viewers N] [--window S]
#                            [--codecs "opus aac mp2 ac3"]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-bench viewers=20 window=6 codecs="opus aac mp2 ac3"
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$(realpath -m "$2"); shift ;;
    --viewers) viewers=$2; shift ;;
    --window) window=$2; shift ;;
    --codecs) codecs=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "transcode.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
bin=$build/tests/bench
clips=$build/bench-clips
out=$build/bench-results/transcode-$(date +%Y%m%d-%H%M%S)

# The clips: 20 s of 640x360 H.264 (a moving ball, ~0.3 Mbit/s: the video
# is not what is measured) with 48 kHz stereo pink noise in each codec.
audio_enc() {
  case $1 in
    opus) echo "opusenc bitrate=96000" ;;
    aac) echo "avenc_aac bitrate=128000 ! aacparse" ;;
    mp2) echo "avenc_mp2 bitrate=192000 ! mpegaudioparse" ;;
    ac3) echo "avenc_ac3 bitrate=192000 ! ac3parse" ;;
  esac
}

if [ -z "${WHEP_BENCH_IN_NETNS:-}" ]; then
  "$top/scripts/install-deps.sh" >/dev/null
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" -Dtests=enabled -Dbench=enabled \
      -Dbrowser-tests=disabled >/dev/null
  fi
  ninja -C "$build" ext/whep/libgstwhep.so tests/bench/whepsink-server \
    tests/bench/ts-replay tests/bench/whep-load >/dev/null
  mkdir -p "$clips" "$out"
  for c in $codecs; do
    f=$clips/ball-360p-$c.ts
    [ -s "$f" ] && continue
    echo "== encoding $f (once)"
    gst-launch-1.0 -q videotestsrc pattern=ball num-buffers=600 \
      ! video/x-raw,width=640,height=360,framerate=30/1,format=I420 \
      ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000 key-int-max=60 \
      ! queue ! mux. \
      audiotestsrc num-buffers=1000 samplesperbuffer=960 wave=pink-noise volume=0.3 \
      ! audio/x-raw,rate=48000,channels=2 ! $(audio_enc "$c") ! queue ! mux. \
      mpegtsmux name=mux alignment=7 ! filesink location="$f.tmp"
    mv "$f.tmp" "$f"
  done
  if [ "$(id -u)" = 0 ]; then netns=(unshare --net); else netns=(unshare --net --map-root-user); fi
  WHEP_BENCH_IN_NETNS=1 WHEP_BENCH_OUT=$out exec "${netns[@]}" "$0" --build "$build" \
    --viewers "$viewers" --window "$window" --codecs "$codecs"
fi

out=$WHEP_BENCH_OUT
ip link set lo up
ip link add whep0 type veth peer name whep1
ip link set whep0 up
ip link set whep1 up
ip addr add 198.18.0.1/24 dev whep0
export GST_PLUGIN_PATH=$build/ext/whep GST_DEBUG=${GST_DEBUG:-*:1}
udp_port=5004 http_port=8889
children=()
cleanup() {
  local p
  for p in "${children[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${children[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

for c in $codecs; do
  echo "== $c: 0, 1, $viewers viewers, 2 x ${window}s windows each"
  taskset -c 0 "$bin/whepsink-server" $udp_port $http_port 2>>"$out/server-$c.log" &
  server_pid=$!
  taskset -c 0 "$bin/ts-replay" "$clips/ball-360p-$c.ts" 127.0.0.1 $udp_port 0 \
    2>>"$out/stream.txt" &
  replay_pid=$!
  children+=("$server_pid" "$replay_pid")
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/198.18.0.1/$http_port) 2>/dev/null && break
    sleep 0.1
  done
  sleep 2
  taskset -c 1 "$bin/whep-load" ramp -url "http://198.18.0.1:$http_port/whep" \
    -bind 198.18.0.1 -server "$c" -server-pid "$server_pid" \
    -steps "0,1,$viewers" -repeats 2 -window "${window}s" -settle 4s \
    -out "$out/transcode.jsonl" >>"$out/load.log" 2>&1 || true
  kill -TERM "$server_pid" "$replay_pid" 2>/dev/null || true
  wait "$server_pid" "$replay_pid" 2>/dev/null || true
done

# One row per codec: the server's CPU (cores, mean of the windows) at each
# level, and what the viewers received.
python3 - "$out/transcode.jsonl" "$viewers" <<'EOF'
import json, sys, collections
rows = collections.defaultdict(lambda: collections.defaultdict(list))
recv = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") != "window":
        continue
    rows[r["server"]][r["level"]].append(r["server_cpu"])
    if r["level"] == int(sys.argv[2]):
        recv[r["server"]] = (r["viewers"], r["audio_pps"], r["audio_kbps"])
n = int(sys.argv[2])
print(f"| audio in | 0 viewers | 1 viewer | {n} viewers | per viewer (1 to {n}) | viewers receiving at {n}, audio pkt/s, kbit/s |")
print("| --- | --- | --- | --- | --- | --- |")
for s, lv in rows.items():
    m = {k: sum(v) / len(v) for k, v in lv.items()}
    per = (m.get(n, 0) - m.get(1, 0)) / (n - 1) if n > 1 else 0
    v = recv.get(s, ("?", 0, 0))
    print(f"| {s} | {m.get(0, 0):.3f} | {m.get(1, 0):.3f} | {m.get(n, 0):.3f} | {per * 1000:.2f} m | {v[0]}, {v[1]:.0f}, {v[2]:.0f} |")
EOF
echo "(records: $out)"
