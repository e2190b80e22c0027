#!/bin/sh
# Runs the real-browser tests (play.mjs) for `meson test` (test browser-player):
# installs playwright-core from package-lock.json with `npm ci` when it is
# missing or stale, then runs the cases, in a private network namespace when
# one can be made, so that neither the browser's nor whepsink's ICE traffic
# leaves a loopback and a veth pair (198.18.0.1, a benchmarking address) that
# exist only for the test.  WHEP_TEST_NETNS=0 runs on the host's
# network instead.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [ -z "${WHEP_IN_NETNS:-}" ]; then
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi

  if [ "${WHEP_TEST_NETNS:-1}" != 0 ] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
      netns="unshare --net"
    else
      netns="unshare --net --map-root-user"
    fi
    if $netns true 2>/dev/null; then
      export WHEP_IN_NETNS=1
      exec $netns "$here/run.sh"
    fi
  fi
  echo "# network: this machine's own interfaces (no private network namespace)"
else
  ip link set lo up
  ip link add whep0 type veth peer name whep1
  ip link set whep0 up
  ip link set whep1 up
  ip addr add 198.18.0.1/24 dev whep0
  # Chromium gathers no ICE candidate on a host without a default route.  This
  # one leads to an address nobody has: what is sent there ends at whep1.
  ip route add default via 198.18.0.2 dev whep0
  echo "# network: a private namespace (lo, and veth whep0 198.18.0.1)"
fi

exec node play.mjs
