#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, checks the
# formatting of every C file, then builds and tests twice (a normal build with
# warnings as errors, and a build with AddressSanitizer and
# UndefinedBehaviorSanitizer), then runs every fuzz target.
#
# Every stage runs even when an earlier one failed, so one run says all that
# is wrong.  The last line adds every stage up, as "N passed, N failed": each
# test program of both builds, each fuzz target, the formatting check and
# each build counts once.  The exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/bootstrap.sh
set +e
onair_install_packages || exit 1

passed=0
failed=0
failures=()

# onair_count NAME OK: one unit of the run.
onair_count() {
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
  fi
}

# onair_count_tests BUILD_DIR STAGE: adds up the tests of one meson test run
# from its log, one line per test.
onair_count_tests() {
  local log=$1/meson-logs/testlog.json name result
  if [ ! -s "$log" ]; then
    onair_count "$2: no test ran" 1
    return
  fi
  while IFS=$'\t' read -r name result; do
    case $result in
      OK | EXPECTEDFAIL) onair_count "$2 $name" 0 ;;
      *) onair_count "$2 $name ($result)" 1 ;;
    esac
  done < <(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    print(t["name"] + "\t" + t["result"])' "$log")
}

echo "== formatting (clang-format, .clang-format at the top) =="
tests/check-format.sh
onair_count "formatting" $?

echo "== normal build =="
if onair_build build -Dwerror=true; then
  onair_count "normal build" 0
  rm -f build/meson-logs/testlog.json
  meson test -C build --num-processes 2 --print-errorlogs
  onair_count_tests build "normal build:"
else
  onair_count "normal build" 1
fi

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build =="
if onair_build build-sanitize -Dwerror=true -Db_sanitize=address,undefined \
  -Db_lundef=false -Dbuildtype=debug; then
  onair_count "sanitizer build" 0
  rm -f build-sanitize/meson-logs/testlog.json
  # The plugin scanner is not instrumented: plugins load in-process, each
  # test with its own registry (set by tests/check/meson.build).
  # Instrumented code runs several times slower: every bound on a wait (meson's,
  # check's and the tests' own) is three times as long.
  GST_REGISTRY_FORK=no CK_TIMEOUT_MULTIPLIER=3 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-sanitize --num-processes 2 --print-errorlogs \
    --timeout-multiplier 3
  onair_count_tests build-sanitize "sanitizer build:"
else
  onair_count "sanitizer build" 1
fi

echo "== fuzzing: every target for ${ONAIR_FUZZ_SECONDS:=60} s under ASan/UBSan =="
if CC=clang onair_build build-fuzz -Dfuzzing=true -Db_lundef=false \
  -Dtests=disabled -Dexamples=disabled -Dbenchmarks=disabled; then
  onair_count "fuzz build" 0
  targets=0
  for target in build-fuzz/tests/fuzz/fuzz-*; do
    [ -f "$target" ] && [ -x "$target" ] || continue
    targets=$((targets + 1))
    name=${target##*/fuzz-}
    corpus=$(mktemp -d)
    cp -r "tests/fuzz/corpus/$name/." "$corpus/"
    "$target" "$corpus" -max_total_time="$ONAIR_FUZZ_SECONDS" -print_final_stats=1 \
      -artifact_prefix="build-fuzz/$name-" > "build-fuzz/$name.log" 2>&1
    rc=$?
    tail -n 3 "build-fuzz/$name.log"
    if [ $rc -ne 0 ]; then
      echo "fuzz-$name found a failure (exit $rc); its report:"
      grep -A 30 -m 1 -E '^(==[0-9]+==ERROR|.*runtime error)' "build-fuzz/$name.log"
    fi
    onair_count "fuzz-$name" $rc
    rm -rf "$corpus"
  done
  [ $targets -gt 0 ] || onair_count "fuzzing: no target was built" 1
else
  onair_count "fuzz build" 1
fi

echo
if [ $failed -gt 0 ]; then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
