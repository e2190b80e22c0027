#!/usr/bin/env bash
# Installs what is missing, builds whepsink and serves a test stream (a moving
# ball with a clock, and a 440 Hz tone) over WHEP until Ctrl-C.
#
#   scripts/demo.sh                 serves on port 8889
#   PORT=9000 scripts/demo.sh       or: scripts/demo.sh --port 9000
#
# Then open http://127.0.0.1:PORT/ in a browser (the player page), or point
# any WHEP client at http://HOST:PORT/whep.
set -euo pipefail

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }

port=${PORT:-8889}
while [ $# -gt 0 ]; do
  case $1 in
    --port) [ $# -ge 2 ] || { usage >&2; exit 2; }; port=$2; shift 2 ;;
    --port=*) port=${1#--port=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case $port in
  '' | *[!0-9]*) echo "demo.sh: PORT must be a number, not '$port'" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."

scripts/install-deps.sh

if [ ! -f build/build.ninja ]; then
  if [ -f build/meson-private/coredata.dat ]; then
    meson setup --reconfigure build
  else
    meson setup build
  fi
fi
meson compile -C build

export GST_PLUGIN_PATH="$PWD/build/ext/whep${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
if ! gst-inspect-1.0 whepsink >/dev/null 2>&1; then
  echo "demo.sh: GStreamer cannot load whepsink from build/ext/whep:" >&2
  gst-inspect-1.0 whepsink >&2 || true
  exit 1
fi

echo
echo "open http://127.0.0.1:$port/ in a browser  (WHEP endpoint: http://HOST:$port/whep; Ctrl-C stops)"
echo

exec gst-launch-1.0 \
  videotestsrc is-live=true pattern=ball \
  ! video/x-raw,width=1280,height=720,framerate=30/1 \
  ! timeoverlay halignment=left valignment=top \
  ! clockoverlay halignment=right valignment=top time-format="%H:%M:%S" \
  ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=60 bitrate=2000 \
  ! video/x-h264,profile=constrained-baseline ! mux. \
  audiotestsrc is-live=true wave=sine freq=440 volume=0.2 \
  ! audioconvert ! audioresample ! opusenc ! mux. \
  mpegtsmux name=mux ! whepsink port="$port"
