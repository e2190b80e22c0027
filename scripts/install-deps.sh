#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages whepsink needs, and only those that
# are missing.  Quiet and quick when everything is there already.
#
#   scripts/install-deps.sh           to build whepsink and run the demo
#   scripts/install-deps.sh --tests   also what the test suite needs (chromium,
#                                     node + npm, the sanitizer runtimes)
#
# Runs as root, or through sudo when that is available.
set -euo pipefail

usage() { sed -n '2,9s/^# \{0,1\}//p' "$0"; }

want_tests=0
for arg in "$@"; do
  case $arg in
    --tests) want_tests=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

# To build: compiler, meson, and the -dev packages behind meson.build's
# dependency() calls (glib-compile-resources for the player page comes with
# libglib2.0-dev-bin; libssl-dev for libcrypto, which SRTP uses).
build_pkgs=(
  gcc meson ninja-build pkg-config libglib2.0-dev-bin
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev
  libsoup-3.0-dev libjson-glib-dev libnice-dev libssl-dev
)

# To run: gst-launch-1.0, the elements whepsink uses inside (tsdemux, parsers,
# webrtcbin, rtp payloaders, libnice), the demo's sources and encoders
# (x264enc is in -ugly, timeoverlay/clockoverlay in -x with a font to draw
# with), the decoders of the shared conversion to Opus (avdec_aac and
# avdec_ac3 in -libav, mpg123audiodec in -good; opusenc in -base) and the
# encoders its tests use (avenc_aac/mp2/ac3 in -libav, x265enc in -bad),
# decoders that the tests use, glib-networking for HTTPS
# (certificate-file/key-file), and libssl3 for libcrypto (SRTP; Debian has
# it on every system, named here as what the plugin links).
runtime_pkgs=(
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-x
  gstreamer1.0-nice gstreamer1.0-libav fonts-dejavu-core glib-networking
  libssl3
)

# To test: a real browser and the node runtime that drives it, iproute2 to
# give the browser test a network namespace of its own (tests/browser/run.sh),
# nftables to lose packets there on purpose (the NACK test), ca-certificates for npm, and the AddressSanitizer/UBSan runtimes for
# `scripts/test.sh --sanitize`, openssl to make the HTTPS test's
# certificate, PyGObject with GStreamer's typelib for the Python example's
# test (docs/examples/whep-events.py --self-test), and for the scale-out test
# (tests/scaleout/run.sh: three whepsinks behind a balancer in network
# namespaces) HAProxy and nginx (the two balancers it runs; the test starts
# its own nginx, not the system service: see below), and go with Debian's
# pion to build its viewers (tests/bench/whep-load).
test_pkgs=(chromium iproute2 nftables ca-certificates libasan8 libubsan1 openssl
  python3-gi gir1.2-gstreamer-1.0 haproxy nginx golang-go
  golang-github-pion-webrtc.v3-dev)

wanted=("${build_pkgs[@]}" "${runtime_pkgs[@]}")
if [ "$want_tests" = 1 ]; then
  wanted+=("${test_pkgs[@]}")
  # node and npm: Debian's own (Node 18) unless a node >= 18 with its npm is
  # already on the PATH (installing Debian's npm next to another vendor's
  # nodejs would conflict with it).
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$node_major" -lt 18 ]; then
    wanted+=(nodejs)
  fi
  if [ "$node_major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
    wanted+=(npm)
  fi
fi

# One dpkg-query for all; a package dpkg has never heard of prints nothing.
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${wanted[@]}" 2>/dev/null || true)"
missing=()
for pkg in "${wanted[@]}"; do
  [[ $installed == *" $pkg=installed "* ]] || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps.sh: need root to install: ${missing[*]}" >&2
  echo "  run as root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "install-deps.sh: installing (this can take a few minutes): ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's nginx starts a system nginx on port 80 when it installs (when the
# port is free) and enables it at boot.  The scale-out test runs its own, in
# a network namespace: the one installed here for it is stopped and disabled
# again, so that it holds no port.  An nginx that was there before is left
# alone.
if [[ " ${missing[*]} " == *" nginx "* ]]; then
  if [ -d /run/systemd/system ]; then
    "${as_root[@]}" systemctl disable --now --quiet nginx.service || true
  else
    "${as_root[@]}" invoke-rc.d nginx stop >/dev/null 2>&1 || true
    "${as_root[@]}" update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi
echo "install-deps.sh: done" >&2
