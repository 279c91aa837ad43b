#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, checks the
# formatting of every C file, then builds and tests twice: a normal build with
# warnings as errors, and a build with AddressSanitizer and
# UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/bootstrap.sh
onair_install_packages

echo "== formatting (clang-format, .clang-format at the top) =="
tests/check-format.sh

echo "== normal build =="
onair_build build -Dwerror=true
meson test -C build --num-processes 2 --print-errorlogs

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build =="
onair_build build-sanitize -Dwerror=true -Db_sanitize=address,undefined \
  -Db_lundef=false -Dbuildtype=debug
# The plugin scanner is not instrumented: plugins load in-process, each test
# with its own registry (set by tests/check/meson.build).
GST_REGISTRY_FORK=no \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0:fast_unwind_on_malloc=0 \
LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-sanitize --num-processes 2 --print-errorlogs \
  --timeout-multiplier 3

echo "== fuzzing: every target for ${ONAIR_FUZZ_SECONDS:=60} s under ASan/UBSan =="
CC=clang onair_build build-fuzz -Dfuzzing=true -Db_lundef=false \
  -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled
for target in build-fuzz/tests/fuzz/fuzz-*; do
  [ -f "$target" ] && [ -x "$target" ] || continue
  name=${target##*/fuzz-}
  corpus=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$name/." "$corpus/"
  "$target" "$corpus" -max_total_time="$ONAIR_FUZZ_SECONDS" -print_final_stats=1 \
    -artifact_prefix="build-fuzz/$name-" 2>&1 | tail -n 3
  rm -rf "$corpus"
done
