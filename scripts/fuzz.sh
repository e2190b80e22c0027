#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan, UBSan, LSan)
# in build-fuzz/ and runs each for a bounded time on a copy of its seed
# corpus (tests/fuzz/corpus/<target>/), so that runs never grow the repo.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 60
#
# Exits non-zero if a target finds a crash, a leak, a timeout or runs out of
# memory, and prints the path of the input that does it.  The last line is
# "N passed, N failed", one count per target.
set -euo pipefail

usage() { sed -n '2,10s/^# \{0,1\}//p' "$0"; }

seconds=60
case ${1:-} in
  -h | --help) usage; exit 0 ;;
  '') ;;
  *[!0-9]* | 0) echo "fuzz.sh: SECONDS_PER_TARGET must be a positive number, not '$1'" >&2
                usage >&2; exit 2 ;;
  *) seconds=$1 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

cd "$(dirname "$0")/.."
top=$PWD
builddir=build-fuzz
targets=(fuzz-offer fuzz-sdpfrag fuzz-http fuzz-ts-psi)

# What whepsink needs to build, then the compiler: clang and its sanitizer
# and libFuzzer runtimes (Debian 12: clang 14).
scripts/install-deps.sh
wanted=(clang libclang-rt-14-dev)
installed=" $(dpkg-query -W -f='${Package}=${db:Status-Status} ' "${wanted[@]}" 2>/dev/null || true)"
missing=()
for pkg in "${wanted[@]}"; do
  [[ $installed == *" $pkg=installed "* ]] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "fuzz.sh: need root to install: ${missing[*]}" >&2
    echo "  run as root: apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "fuzz.sh: installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Only the fuzz targets are built; the benchmarks and browser tests are not
# even configured.
opts=(-Dfuzzing=enabled -Dtests=enabled -Dbench=disabled -Dbrowser-tests=disabled)
build_failed() {
  echo "fuzz.sh: could not build the fuzz targets in $builddir" >&2
  echo "0 passed, ${#targets[@]} failed"
  exit 1
}
if [ -f "$builddir/meson-private/coredata.dat" ]; then
  meson setup --reconfigure "$builddir" "${opts[@]}" || build_failed
else
  CC=clang meson setup "$builddir" "${opts[@]}" || build_failed
fi
meson compile -C "$builddir" -j 2 "${targets[@]}" || build_failed

# halt_on_error: the first finding ends the run with its input saved.
# The suppressions are those of `scripts/test.sh --sanitize` (allocations
# GLib keeps for the life of the process on purpose).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# GLib 2.74 serves g_slice_new() (GstCaps, GstStructure, ...) from slabs of
# its own, where LeakSanitizer sees no leak: use malloc for each.
export G_SLICE=always-malloc

run_dir=$top/$builddir/fuzz-run
passed=0
failed=0
for t in "${targets[@]}"; do
  dir=$run_dir/$t
  rm -rf "$dir"
  mkdir -p "$dir/artifacts"
  cp -R "tests/fuzz/corpus/$t" "$dir/corpus"
  log=$dir/fuzz.log

  echo "=== $t: ${seconds}s on a copy of tests/fuzz/corpus/$t"
  status=0
  # -max_len: the server takes bodies of up to 64 KiB
  "$builddir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -detect_leaks=1 -print_final_stats=1 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$log" 2>&1 || status=$?

  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)
  artifact=$(find "$dir/artifacts" -type f | head -n 1)
  if [ "$status" -eq 0 ] && [ -z "$artifact" ]; then
    echo "$t: passed (${runs:-?} runs, ${speed:-?} exec/s, ${cov:-no coverage line})"
    passed=$((passed + 1))
  else
    echo "$t: FAILED (exit status $status), log: $log"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*: runtime error:|.*assertion failed)' "$log" | head -n 5 || true
    if [ -n "$artifact" ]; then
      echo "$t: reproducer: $artifact"
      echo "  replay with: G_SLICE=always-malloc $builddir/tests/fuzz/$t $artifact"
    else
      tail -n 20 "$log"
    fi
    failed=$((failed + 1))
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
