#!/usr/bin/env bash
# perf-summary.sh PERF_DATA [CORES PACKETS_PER_S]: where a server's CPU went,
# from `perf record -e cpu-clock -g` (self time only: Debian's libraries have
# no frame pointers, so call chains through them are not trusted).
# Groups samples by library into categories, by thread (GStreamer names a
# streaming thread after its element's pad, e.g. queue12:src), and lists the
# top symbols.  With CORES (the server's CPU during the profile) and
# PACKETS_PER_S (RTP packets sent per second, all viewers), it also prints
# microseconds of CPU per RTP packet per category.
set -euo pipefail
data=$1 cores=${2:-} pps=${3:-}

dso=$(perf report -i "$data" --no-children --sort dso --stdio -q 2>/dev/null | awk 'NF>=2 && $1 ~ /%$/')

echo "### CPU by library group (self time, % of the server's samples)"
echo
echo "| group | % | µs per RTP packet | libraries |"
echo "|---|---|---|---|"
echo "$dso" | awk -v cores="$cores" -v pps="$pps" '
function group(d) {
  if (d ~ /kernel/) return "kernel (syscalls: send, futex, epoll, scheduling)"
  if (d ~ /libsrtp/) return "SRTP: libsrtp2"
  if (d ~ /libfreebl|libnss|libsoftokn|libnspr/) return "SRTP crypto: NSS (AES-CM, HMAC-SHA1)"
  if (d ~ /libcrypto|libssl/) return "OpenSSL (SRTP of the shared send path, DTLS)"
  if (d ~ /libgstreamer-1.0/) return "GStreamer core (pads, events, buffers)"
  if (d ~ /libgstbase|libgstcoreelements|libgstdebug|libgstcoretracers/) return "GStreamer base elements (queue, tee, capssetter, clocksync)"
  if (d ~ /libglib|libgobject|libgio|libgmodule/) return "GLib / GObject"
  if (d ~ /libc\.so|libc-|ld-linux|libm\.so|libpthread/) return "libc (malloc, memcpy, locks)"
  if (d ~ /libgstrtp-1.0|libgstrtpmanager|libgstrtp\.so/) return "RTP: payloaders, rtpbin/rtpsession, FEC"
  if (d ~ /libgstwebrtc|libgstnice|libnice|libgstdtls|libgstsrtp/) return "webrtcbin, libnice, dtls/srtp elements"
  if (d ~ /mpegts|videoparsers|libgstopus|codecparsers|libgstaudio|libgstvideo/) return "demux and parsers (shared)"
  if (d ~ /libgstwhep/) return "whepsink itself"
  return "other"
}
{
  pct = $1; sub(/%/, "", pct); d = $2
  g = group(d); sum[g] += pct
  n = split(d, parts, "/"); libs[g] = libs[g] (libs[g] ? ", " : "") parts[n]
}
END {
  for (g in sum) {
    us = (cores != "" && pps != "" && pps > 0) ? sprintf("%.1f", sum[g] / 100 * cores * 1e6 / pps) : "–"
    printf "| %s | %.1f | %s | %s |\n", g, sum[g], us, libs[g]
  }
}' | sort -t'|' -k3 -rn
if [ -n "$cores" ] && [ -n "$pps" ]; then
  awk -v c="$cores" -v p="$pps" 'BEGIN{printf "\nIn all: %.3f cores for %.0f RTP packets/s = %.1f µs of server CPU per packet sent.\n", c, p, c*1e6/p}'
fi

echo
echo "### CPU by thread (self time; digits folded)"
echo
echo "| thread | % |"
echo "|---|---|"
perf report -i "$data" --no-children --sort comm --stdio -q 2>/dev/null | awk 'NF>=2 && $1 ~ /%$/' | awk '
{ pct = $1; sub(/%/, "", pct); $1 = ""; t = substr($0, 2); gsub(/[0-9]+/, "N", t); sum[t] += pct }
END { for (t in sum) printf "| %s | %.1f |\n", t, sum[t] }' | sort -t'|' -k3 -rn | head -15

echo
echo "### Top symbols (self time)"
echo
echo '```'
perf report -i "$data" --no-children --sort dso,sym --stdio -q 2>/dev/null | awk 'NF>=2 && $1 ~ /%$/' | head -40
echo '```'
