#!/bin/sh
# The scale-out proof (docs/scale-out.md, `meson test --suite scaleout`):
# three whepsink instances fed one stream over UDP multicast, HAProxy in
# front (haproxy.cfg here, the file the docs show), then nginx in its place
# (nginx.conf here, the docs' other file), real WHEP viewers
# (tests/bench/whep-load, pion) joining through the balancer.  Everything
# runs in network namespaces joined by a bridge, on 198.18.0.0/24 (a
# benchmarking range, RFC 2544):
#
#   feed   198.18.0.1   gst-launch: videotestsrc + x264enc, audiotestsrc +
#                       opusenc, mpegtsmux -> udpsink 239.255.18.1:5004
#   a/b/c  198.18.0.11-13  gst-launch: udpsrc (multicast) -> whepsink
#                       instance-id=a|b|c public-url=http://198.18.0.2:8080
#   lb     198.18.0.2   haproxy -f haproxy.cfg (signalling only); at the
#                       end nginx -c nginx.conf on the same address and port
#   view   198.18.0.3   whep-load hold: the viewers; media comes straight
#                       from the instances' own addresses
#
# Asserted, in order (every wait polls with a deadline, no fixed sleep):
#  1. 30 viewers join through the balancer: all play, spread over all three
#     instances, each instance's /health counts its own, each viewer's media
#     comes from its instance's own address; every DELETE goes
#     through the balancer to the owner (200, never a redirect or 404; the
#     balancer's log names the owner for every DELETE) and every instance's
#     /health is back at 0 viewers.
#  2. 10 viewers join instance a directly and play (the reference join
#     time); they leave, every DELETE 200; then 10 through the balancer.
#  3. 30 viewers join again; instance b is killed (SIGKILL): the viewers of
#     a and c play on, HAProxy marks b DOWN within 10 s, 12 new viewers all
#     play, none of them on b, on both a and c.
#  4. Join time of those 10 through the balancer (p50, POST to the first
#     media packet) is within 1.5x + 300 ms of the 10 direct ones.
#  5. HAProxy stops, nginx takes its address (b still dead, and nginx has
#     no active health check): 12 viewers join through nginx and all play,
#     on both a and c, none on b; the offer round robin gave to b moved on
#     to a live instance (nginx's log: b then a or c, 201); every DELETE
#     through nginx is answered 200 by its owner (nginx's log names it),
#     and a and c are back at 0 viewers.
#
# As root with ip netns; otherwise it says why and exits 77 (skipped).
# Environment (set by meson): WHEP_BUILD_ROOT, WHEP_SOURCE_ROOT,
# GST_REGISTRY_1_0; WHEP_GST_LD_PRELOAD for an ASan build; WHEP_KEEP_LOGS=1
# keeps the work directory; WHEP_SCALEOUT_VIEWERS=N makes the first round N
# viewers instead of 30 (to measure; docs/scale-out.md).
set -eu
n1=${WHEP_SCALEOUT_VIEWERS:-30}

here=$(cd "$(dirname "$0")" && pwd)
src=${WHEP_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
build=${WHEP_BUILD_ROOT:-$src/build}
plugin=$build/ext/whep

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; status=1; exit 1; }
log() { echo "# [$(elapsed)s] $*"; }

start_s=$(date +%s)
elapsed() { echo $(($(date +%s) - start_s)); }

# ---------------------------------------------------------------------------
# What it needs

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces (ip netns)"
command -v ip >/dev/null 2>&1 || skip "no ip (iproute2): scripts/install-deps.sh --tests"
command -v haproxy >/dev/null 2>&1 || skip "no haproxy: scripts/install-deps.sh --tests"
command -v nginx >/dev/null 2>&1 || skip "no nginx: scripts/install-deps.sh --tests"
command -v gst-launch-1.0 >/dev/null 2>&1 || skip "no gst-launch-1.0"
[ -f "$plugin/libgstwhep.so" ] || skip "no plugin at $plugin (build first)"
grep -qF "$(cat "$here/haproxy.cfg")" "$src/docs/scale-out.md" ||
  { echo "FAIL: docs/scale-out.md does not show tests/scaleout/haproxy.cfg as it is"; exit 1; }
grep -qF "$(cat "$here/nginx.conf")" "$src/docs/scale-out.md" ||
  { echo "FAIL: docs/scale-out.md does not show tests/scaleout/nginx.conf as it is"; exit 1; }

# The viewers: whep-load (Go, Debian's pion), built here when missing or older
# than its sources.
load=$build/tests/scaleout/whep-load
if [ ! -x "$load" ] || [ -n "$(find "$src/tests/bench/whep-load" -newer "$load" -name '*.go' 2>/dev/null)" ]; then
  command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/pion/webrtc ] ||
    skip "no go or pion to build the viewers: scripts/install-deps.sh --tests"
  mkdir -p "$(dirname "$load")"
  sh "$src/tests/bench/build-go.sh" "$load" "$src/tests/bench/whep-load" \
    "$build/tests/scaleout/go" || skip "could not build whep-load"
fi

work=$(mktemp -d /tmp/whep-scaleout.XXXXXX)
ns=wsc$$
pids=""
status=0

cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  for n in feed a b c lb view br; do ip netns del "$ns$n" 2>/dev/null || true; done
  if [ "$status" != 0 ] || [ "${WHEP_KEEP_LOGS:-0}" = 1 ]; then
    for f in "$work"/*.log "$work"/*.status; do
      [ -f "$f" ] || continue
      echo "----- $(basename "$f") (last 30 lines)"
      tail -n 30 "$f"
    done
    echo "# logs kept in $work"
  else
    rm -rf "$work"
  fi
}
trap 'status=$?; cleanup' EXIT
trap 'exit 1' INT TERM

# ---------------------------------------------------------------------------
# The network: a bridge in a namespace of its own, a veth from it into each
# other namespace.

ip netns add "${ns}br" 2>/dev/null || skip "cannot make network namespaces (ip netns add failed)"
ip -n "${ns}br" link add br0 type bridge || skip "cannot make a bridge in a namespace"
# no IGMP snooping: the bridge floods the multicast feed to every port
ip -n "${ns}br" link set br0 type bridge mcast_snooping 0
ip -n "${ns}br" link set br0 up
ip -n "${ns}br" link set lo up

addr_feed=198.18.0.1 addr_lb=198.18.0.2 addr_view=198.18.0.3
addr_a=198.18.0.11 addr_b=198.18.0.12 addr_c=198.18.0.13
group=239.255.18.1

# attach NAME ADDRESS: namespace $ns$NAME with eth0 at ADDRESS/24 on the bridge
attach() {
  ip netns add "$ns$1"
  ip -n "$ns$1" link set lo up
  ip link add "${ns}$1" type veth peer name eth0 netns "$ns$1"
  ip link set "${ns}$1" netns "${ns}br"
  ip -n "${ns}br" link set "${ns}$1" master br0 up
  ip -n "$ns$1" addr add "$2/24" dev eth0
  ip -n "$ns$1" link set eth0 up
  ip -n "$ns$1" route add 224.0.0.0/4 dev eth0
}
attach feed $addr_feed
attach lb $addr_lb
attach view $addr_view
attach a $addr_a
attach b $addr_b
attach c $addr_c
log "network: bridge with feed $addr_feed, lb $addr_lb, viewers $addr_view, instances $addr_a $addr_b $addr_c"

# run NAME LOG CMD...: CMD in namespace $ns$NAME in the background
run() {
  n=$1 out=$2
  shift 2
  ip netns exec "$ns$n" "$@" >"$out" 2>&1 &
  pids="$pids $!"
  last_pid=$!
}

# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s until it succeeds
wait_for() {
  limit=$(($(date +%s) + $1)) what=$2
  shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "$limit" ] || fail "$what: not within the time allowed"
    sleep 0.2
  done
}

# run_gst NAME LOG PIPELINE...: gst-launch-1.0 with this build's plugin
run_gst() {
  n=$1 out=$2
  shift 2
  run "$n" "$out" env GST_PLUGIN_PATH="$plugin" GST_DEBUG="${GST_DEBUG:-*:2,whepsink:4}" \
    ${WHEP_GST_LD_PRELOAD:+LD_PRELOAD=$WHEP_GST_LD_PRELOAD} gst-launch-1.0 "$@"
}

# ---------------------------------------------------------------------------
# The feed, the instances, the balancer

run_gst feed "$work/feed.log" -q \
  videotestsrc is-live=true pattern=ball \
  ! video/x-raw,width=640,height=360,framerate=30/1 \
  ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=800 key-int-max=60 \
  ! video/x-h264,profile=constrained-baseline ! queue ! mux. \
  audiotestsrc is-live=true wave=sine freq=440 ! opusenc ! queue ! mux. \
  mpegtsmux name=mux alignment=7 \
  ! udpsink host=$group port=5004 multicast-iface=eth0 ttl-mc=1 auto-multicast=true sync=false
feed_pid=$last_pid

# instance NAME ADDRESS
instance() {
  run_gst "$1" "$work/instance-$1.log" \
    udpsrc address=$group port=5004 multicast-iface=eth0 auto-multicast=true \
      caps="video/mpegts,systemstream=true,packetsize=188" \
    ! queue ! whepsink port=8889 address="$2" instance-id="$1" \
      public-url=http://$addr_lb:8080 ice-tcp=false
}
instance a $addr_a; pid_a=$last_pid
instance b $addr_b; pid_b=$last_pid
instance c $addr_c; pid_c=$last_pid

# health NAME ADDRESS [URL]: "status ready|not-ready viewers instance-id" of
# GET /whep/health, straight at the instance (or at URL)
health() {
  ip netns exec "${ns}view" python3 - "${3:-http://$2:8889/whep/health}" <<'PY' 2>/dev/null
import json, sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=3)
    code, body = r.status, r.read()
except urllib.error.HTTPError as e:
    code, body = e.code, e.read()
h = json.loads(body)
print(code, "ready" if h["ready"] else "not-ready", h["viewers"], h["instance-id"])
PY
}
healthy() { health "$1" "$2" | grep -q "^200 ready 0 $1\$"; }

wait_for 60 "instance a ready (its /health 200)" healthy a $addr_a
wait_for 30 "instance b ready" healthy b $addr_b
wait_for 30 "instance c ready" healthy c $addr_c
# Started once all are healthy, haproxy takes every server for up at once.
run lb "$work/haproxy.log" haproxy -db -f "$here/haproxy.cfg"
lb_pid=$last_pid
lb_healthy() { health lb $addr_lb "http://$addr_lb:8080/whep/health" | grep -q "^200 ready 0 "; }
wait_for 30 "haproxy answers" lb_healthy
! grep -q 'is DOWN' "$work/haproxy.log" || fail "haproxy took a server for down: $(grep 'is DOWN' "$work/haproxy.log")"
log "feed, instances a b c and haproxy running"

# ---------------------------------------------------------------------------
# Viewers

# hold NAME URL JOINS: whep-load hold in the viewers' namespace; status file
# $work/NAME.status
hold() {
  run view "$work/$1.log" "$load" hold -url "$2" -bind $addr_view -joins "$3" \
    -parallel 6 -ready-wait 60s -status "$work/$1.status"
  eval "hold_$1=$last_pid"
}
# field NAME KEY [N]: the Nth number after KEY in NAME's status (default 1)
field() {
  awk -v k="$2" -v n="${3:-1}" '$1 == k { print $(n + 1); exit }' "$work/$1.status" 2>/dev/null
}
inst_field() { # NAME INSTANCE joined|playing
  awk -v i="$2" -v k="$3" '$1 == "instance" && $2 == i {
      for (f = 3; f < NF; f++) if ($f == k) print $(f + 1) }' "$work/$1.status" 2>/dev/null
}
all_play() { # NAME N: N joined, none failed, N playing
  [ "$(field "$1" joined)" = "$2" ] && [ "$(field "$1" playing)" = "$2" ]
}
no_failure() { [ "$(field "$1" failed)" = 0 ] || fail "$1: $(field "$1" failed) viewers failed: $(cat "$work/$1.status")"; }
# leave NAME: SIGTERM, wait until every viewer has DELETEd
leave() {
  eval "p=\$hold_$1"
  kill -TERM "$p"
  wait_for 60 "$1: viewers leave" grep -q '^done$' "$work/$1.status"
}
deleted() { # NAME INSTANCE STATUS: how many DELETEs got STATUS
  awk -v i="$2" -v s="$3" '$1 == "deleted" && $2 == i && $3 == s { print $4 }' "$work/$1.status"
}

# 1. Through the balancer: spread, play, DELETE reaches the owner.
hold lb1 "http://$addr_lb:8080/whep" $n1
wait_for 300 "$n1 viewers through the balancer play" all_play lb1 $n1
no_failure lb1
lb_join=$(field lb1 join_ms 2)
for i in a b c; do
  n=$(inst_field lb1 $i joined)
  [ "${n:-0}" -ge $((n1 / 6)) ] || fail "lb1: only ${n:-0} of $n1 viewers on instance $i: $(grep instance "$work/lb1.status")"
done
[ "$(inst_field lb1 a joined)" -eq "$(health a $addr_a | cut -d' ' -f3)" ] &&
  [ "$(inst_field lb1 b joined)" -eq "$(health b $addr_b | cut -d' ' -f3)" ] &&
  [ "$(inst_field lb1 c joined)" -eq "$(health c $addr_c | cut -d' ' -f3)" ] ||
  fail "lb1: the instances' /health do not count the viewers the client sees on them"
# media straight from each instance's own address, never the balancer's
for i in a b c; do
  eval "addr=\$addr_$i"
  m=$(awk -v i=$i '$1 == "media" && $2 == i { print $3 }' "$work/lb1.status" | sort -u | tr '\n' ' ')
  [ "$m" = "$addr " ] || fail "lb1: media of $i's viewers from '$m', not from $addr alone"
done
log "balancer: $n1 viewers play: a $(inst_field lb1 a joined), b $(inst_field lb1 b joined), c $(inst_field lb1 c joined); join p50 ${lb_join} ms, p95 $(field lb1 join_ms 4) ms"
leave lb1
for i in a b c; do
  [ "$(deleted lb1 $i 200)" = "$(inst_field lb1 $i joined)" ] ||
    fail "lb1: DELETEs of $i's sessions: $(grep deleted "$work/lb1.status")"
done
# the balancer's own log: each DELETE went to the server its path names
bad=$(awk '/"DELETE \/whep\// { split($0, q, "\""); split(q[2], r, " "); split(r[2], p, "/");
        for (f = 1; f <= NF; f++) if ($f ~ /^whepsink\//) { s = substr($f, 10) }
        if (s != p[3]) print }' "$work/haproxy.log")
[ -z "$bad" ] || fail "DELETEs routed to another server than the owner: $bad"
[ "$(grep -c '"DELETE /whep/' "$work/haproxy.log")" -ge $n1 ] || fail "haproxy logged fewer than $n1 DELETEs"
for i in a b c; do
  eval "addr=\$addr_$i"
  wait_for 30 "$i back at 0 viewers after the DELETEs" healthy $i $addr
done
log "$n1 DELETEs through the balancer, each to its owner (200); every instance at 0 viewers"

# The reference join time: as many viewers straight at one instance as
# each got through the balancer, on warm instances as theirs were.
hold direct "http://$addr_a:8889/whep" 10
wait_for 120 "10 viewers straight at instance a play" all_play direct 10
no_failure direct
direct_join=$(field direct join_ms 2)
log "direct: 10 viewers play on a; join p50 ${direct_join} ms, p95 $(field direct join_ms 4) ms"
leave direct
[ "$(deleted direct a 200)" = 10 ] || fail "direct: DELETEs: $(grep deleted "$work/direct.status")"
wait_for 30 "a back at 0 viewers" healthy a $addr_a
# and as many through the balancer, the same way: the hop is the difference
hold lbref "http://$addr_lb:8080/whep" 10
wait_for 120 "10 viewers through the balancer play" all_play lbref 10
no_failure lbref
ref_join=$(field lbref join_ms 2)
log "balancer: 10 viewers play; join p50 ${ref_join} ms, p95 $(field lbref join_ms 4) ms"
leave lbref

# 2. One instance dies.
hold lb2 "http://$addr_lb:8080/whep" 30
wait_for 180 "30 viewers play again" all_play lb2 30
no_failure lb2
on_b=$(inst_field lb2 b joined)
[ "${on_b:-0}" -gt 0 ] || fail "lb2: no viewer on b, whose death would show nothing"
kill -KILL "$pid_b"
killed_at=$(date +%s)
log "killed instance b ($on_b viewers on it)"
survivors=$((30 - on_b))
# b's viewers stop; a's and c's play on
wait_for 30 "b's viewers stop, the others play on" \
  sh -c "[ \"\$(awk '\$1 == \"playing\" { print \$2 }' '$work/lb2.status')\" = $survivors ]"
wait_for 20 "haproxy marks b DOWN" grep -q 'Server whepsink/b is DOWN' "$work/haproxy.log"
down_s=$(($(date +%s) - killed_at))
[ "$down_s" -le 10 ] || fail "haproxy took $down_s s to mark b down"
log "haproxy marked b DOWN after ~${down_s} s"

hold lb3 "http://$addr_lb:8080/whep" 12
wait_for 120 "12 new viewers play" all_play lb3 12
no_failure lb3
[ -z "$(inst_field lb3 b joined)" ] || fail "lb3: new viewers sent to the dead b"
[ "$(inst_field lb3 a joined)" -gt 0 ] && [ "$(inst_field lb3 c joined)" -gt 0 ] ||
  fail "lb3: new viewers not on both a and c: $(grep instance "$work/lb3.status")"
# and the survivors of lb2 still play
[ "$(field lb2 playing)" = "$survivors" ] || fail "lb2: $(field lb2 playing) of $survivors survivors play"
log "12 new viewers play: a $(inst_field lb3 a joined), c $(inst_field lb3 c joined); the $survivors on a and c play on"
leave lb3
leave lb2
for i in a c; do
  [ "$(deleted lb2 $i 200)" = "$(inst_field lb2 $i joined)" ] ||
    fail "lb2: DELETEs of $i's sessions: $(grep deleted "$work/lb2.status")"
  [ "$(deleted lb3 $i 200)" = "$(inst_field lb3 $i joined)" ] ||
    fail "lb3: DELETEs of $i's sessions: $(grep deleted "$work/lb3.status")"
done

# 3. Joining through the balancer costs about what joining directly does.
limit=$((direct_join * 3 / 2 + 300))
[ "$ref_join" -le "$limit" ] ||
  fail "join through the balancer p50 $ref_join ms, direct $direct_join ms (limit $limit)"
log "10 joins, p50 direct ${direct_join} ms, through the balancer ${ref_join} ms"

# 4. nginx (nginx.conf) in HAProxy's place, on its address (the instances'
# public-url), b still dead: nginx has no health check of its own.
kill -TERM "$lb_pid"
wait "$lb_pid" 2>/dev/null || true
run lb "$work/nginx.log" nginx -p "$work/" -c "$here/nginx.conf" -e stderr
ngx_listens() { ip netns exec "${ns}lb" ss -Hltn "sport = 8080" | grep -q .; }
wait_for 30 "nginx listens on $addr_lb:8080" ngx_listens
hold ngx "http://$addr_lb:8080/whep" 12
wait_for 120 "12 viewers through nginx play" all_play ngx 12
no_failure ngx
[ -z "$(inst_field ngx b joined)" ] || fail "ngx: viewers sent to the dead b"
[ "$(inst_field ngx a joined)" -gt 0 ] && [ "$(inst_field ngx c joined)" -gt 0 ] ||
  fail "ngx: viewers not on both a and c: $(grep instance "$work/ngx.status")"
# round robin tried b with an offer, which moved on to a live instance
grep -Eq '"POST /whep HTTP/1\.[01]" 201 upstream 198\.18\.0\.12:8889, 198\.18\.0\.1[13]:8889$' "$work/access.log" ||
  fail "nginx did not move an offer from the dead b on to a live instance: $(grep '"POST' "$work/access.log")"
log "nginx: 12 viewers play: a $(inst_field ngx a joined), c $(inst_field ngx c joined), none on the dead b; join p50 $(field ngx join_ms 2) ms"
leave ngx
for i in a c; do
  [ "$(deleted ngx $i 200)" = "$(inst_field ngx $i joined)" ] ||
    fail "ngx: DELETEs of $i's sessions: $(grep deleted "$work/ngx.status")"
done
# nginx's log: each DELETE went to the instance its path names, and got 200
bad=$(awk -v a=$addr_a -v b=$addr_b -v c=$addr_c '/"DELETE \/whep\// {
        split($0, q, "\""); split(q[2], r, " "); split(r[2], p, "/");
        owner = p[3] == "a" ? a : p[3] == "b" ? b : p[3] == "c" ? c : "?";
        if ($NF != owner ":8889" || $(NF - 2) != 200) print }' "$work/access.log")
[ -z "$bad" ] || fail "nginx: DELETEs not answered 200 by their owner: $bad"
[ "$(grep -c '"DELETE /whep/' "$work/access.log")" = 12 ] || fail "nginx logged $(grep -c '"DELETE /whep/' "$work/access.log") DELETEs, not 12"
wait_for 30 "a back at 0 viewers" healthy a $addr_a
wait_for 30 "c back at 0 viewers" healthy c $addr_c
log "PASS: 12 DELETEs through nginx, each to its owner (200); a and c at 0 viewers"
