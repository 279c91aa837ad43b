#!/usr/bin/env bash
# Runs every benchmark in tests/benchmarks/ on an optimised build and prints,
# per measure, the figure, the anchor's figure from the same run and the
# ratio.  Figures vary with the machine; ratios are what to compare.
#
#   tests/benchmarks/run.sh [BENCHMARK...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/bootstrap.sh
onair_install_packages
onair_build build-bench -Dbuildtype=release -Dbenchmarks=enabled

log=build-bench/benchmarks.txt
meson test -C build-bench --benchmark --verbose --num-processes 1 "$@" | tee "$log.raw"
grep -a '^BENCH|' "$log.raw" > "$log" || true
echo
if [ ! -s "$log" ]; then
  echo "no benchmark printed a figure"
  exit 0
fi
printf '%-12s %-44s %14s %-14s %-22s %14s %8s  %s\n' \
  benchmark measure figure unit anchor "anchor figure" ratio bar
cut -d'|' -f2- "$log" | while IFS='|' read -r bench measure unit fig anchor afig ratio bar; do
  printf '%-12s %-44s %14s %-14s %-22s %14s %8s  %s\n' \
    "$bench" "$measure" "$fig" "$unit" "$anchor" "$afig" "$ratio" "$bar"
done
