#!/usr/bin/env bash
# What the shared H.265 -> H.264 conversion costs before, during and after
# its viewers: whepsink-server's CPU (cores) serving a 720p30 H.265 clip
# with no viewer, with one viewer whose offer has no H.265 (whep-view: the
# conversion runs), and after that viewer left (the conversion rests).
# Each phase is a window of WINDOW seconds; ROUNDS rounds, medians printed
# as a markdown row (docs/benchmarks.md).  --plugin DIR measures another
# build of the plugin (an older commit's, to compare).
#
#   tests/bench/transcode-rest.sh [--build DIR] [--plugin DIR]
#                                 [--rounds N] [--window S]
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/build-bench plugin="" rounds=3 window=10
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$(realpath -m "$2"); shift ;;
    --plugin) plugin=$(realpath "$2"); shift ;;
    --rounds) rounds=$2; shift ;;
    --window) window=$2; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "transcode-rest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

"$top/scripts/install-deps.sh" >/dev/null
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$top" -Dtests=enabled -Dbench=enabled \
    -Dbrowser-tests=disabled >/dev/null
fi
ninja -C "$build" ext/whep/libgstwhep.so tests/bench/whepsink-server \
  tests/bench/ts-replay tests/tools/whep-view >/dev/null
bin=$build/tests/bench
export GST_PLUGIN_PATH=${plugin:-$build/ext/whep} GST_DEBUG=${GST_DEBUG:-*:1}

# 20 s of 1280x720 snow at 2 Mbit/s, a keyframe every 2 s, encoded once
clip=$build/bench-clips/snow-720p30-2M-h265-gop60.ts
if [ ! -s "$clip" ]; then
  echo "== encoding $clip (once)"
  mkdir -p "$(dirname "$clip")"
  gst-launch-1.0 -q videotestsrc pattern=snow num-buffers=600 \
    ! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 \
    ! x265enc speed-preset=ultrafast tune=zerolatency bitrate=2000 key-int-max=60 \
    ! h265parse config-interval=-1 ! mpegtsmux ! filesink location="$clip.tmp"
  mv "$clip.tmp" "$clip"
fi

udp_port=5998 http_port=8898
children=()
cleanup() {
  local p
  for p in "${children[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# the server's CPU time in ticks (user + system)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cores the server used over the next $window seconds
cores() {
  local a z
  a=$(ticks "$1"); sleep "$window"; z=$(ticks "$1")
  echo "scale=4; ($z - $a) / $(getconf CLK_TCK) / $window" | bc
}

before=() during=() after=()
for round in $(seq "$rounds"); do
  "$bin/whepsink-server" $udp_port $http_port 2>/dev/null &
  server=$!
  "$bin/ts-replay" "$clip" 127.0.0.1 $udp_port 0 2>/dev/null &
  replay=$!
  children=("$server" "$replay")
  for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/$http_port) 2>/dev/null && break
    sleep 0.1
  done
  sleep 3
  before+=("$(cores "$server")")
  "$build/tests/tools/whep-view" "http://127.0.0.1:$http_port/whep" \
    $((window + 10)) >"$build/transcode-rest-view.log" 2>&1 &
  view=$!
  sleep 6
  during+=("$(cores "$server")")
  wait "$view" || { echo "round $round: the viewer did not play" >&2; exit 1; }
  sleep 3
  after+=("$(cores "$server")")
  echo "round $round: ${before[-1]} / ${during[-1]} / ${after[-1]} cores" >&2
  cleanup
done

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "| no viewer | one H.264 viewer | after it left |"
echo "| --- | --- | --- |"
printf '| %.3f | %.3f | %.3f |\n' "$(median "${before[@]}")" \
  "$(median "${during[@]}")" "$(median "${after[@]}")"
