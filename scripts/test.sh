#!/usr/bin/env bash
# Installs what is missing, builds whepsink with its tests and runs all of them
# (unit, element and real-browser tests).
#
#   scripts/test.sh                  builds in build/ and runs the suite
#   scripts/test.sh --sanitize       the same with AddressSanitizer + UBSan
#                                    (and LeakSanitizer), in build-asan/
#   scripts/test.sh [--sanitize] -- ARGS   passes ARGS to `meson test`
#                                    (e.g. -- --suite browser, or a test name)
#
# The exit code is the test run's.
set -euo pipefail

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }

sanitize=0
test_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --sanitize) sanitize=1; shift ;;
    --) shift; test_args=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    *) echo "test.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
top=$PWD

scripts/install-deps.sh --tests

opts=(-Dtests=enabled -Dbrowser-tests=enabled)
builddir=build
if [ "$sanitize" = 1 ]; then
  builddir=build-asan
  opts+=(-Db_sanitize=address,undefined -Db_lundef=false)
  # fast_unwind_on_malloc=0: Debian's GLib and GStreamer have no frame
  # pointers, so the fast unwinder cuts leak stacks at g_malloc.
  export ASAN_OPTIONS="halt_on_error=1:print_stacktrace=1:detect_leaks=1:fast_unwind_on_malloc=0"
  export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  # GLib 2.74's GSlice hands out GObjects and GStreamer's buffers, caps and
  # events from its own magazines, where LeakSanitizer cannot see a leak:
  # make them plain mallocs (GLib >= 2.76 always does).
  export G_SLICE=always-malloc
  # GStreamer scans plugins in a helper process (gst-plugin-scanner) that is
  # not built with ASan and so cannot load our instrumented plugin: start it
  # with the ASan runtime preloaded.  Its own leaks are not ours to check.
  libasan=$(gcc -print-file-name=libasan.so)
  scanner=$(pkg-config --variable=pluginscannerdir gstreamer-1.0)/gst-plugin-scanner
  wrapper=$top/$builddir/gst-plugin-scanner-asan
  mkdir -p "$builddir"
  cat >"$wrapper" <<EOF
#!/bin/sh
LD_PRELOAD="$libasan\${LD_PRELOAD:+:\$LD_PRELOAD}" ASAN_OPTIONS="\$ASAN_OPTIONS:detect_leaks=0" exec "$scanner" "\$@"
EOF
  chmod +x "$wrapper"
  export GST_PLUGIN_SCANNER_1_0=$wrapper
fi

if [ -f "$builddir/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$builddir" "${opts[@]}"
else
  meson setup "$builddir" "${opts[@]}"
fi
meson compile -C "$builddir"

status=0
# Instrumented code runs several times slower: give every timeout room.
multiplier=1
if [ "$sanitize" = 1 ]; then
  multiplier=3
  export CK_TIMEOUT_MULTIPLIER=3
fi
meson test -C "$builddir" --print-errorlogs --timeout-multiplier "$multiplier" \
  "${test_args[@]}" || status=$?
if [ "$status" != 0 ]; then
  # --print-errorlogs shows only the tail of a failed test's output, mostly
  # debug log: name the failed checks and their messages last, where a CI
  # log's tail shows them.
  echo "=== failed checks (from $builddir/meson-logs/testlog.txt)"
  grep -E '^[^ ]+\.c:[0-9]+:[EF]:|^[0-9]+%: Checks: ' \
    "$builddir/meson-logs/testlog.txt" | grep -v 'Failures: 0, Errors: 0' || true
fi
exit "$status"
