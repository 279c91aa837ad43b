#!/usr/bin/env bash
# The whole test suite under load: clones the committed HEAD into a fresh
# directory and runs ./tests/run.sh there while stress-ng keeps every core
# busy, RUNS times in a row (3 by default).  Stops at the first failed run.
#
#   tests/stress-run.sh [RUNS]
#
# Prints one line per run with its duration and its "N passed, N failed"
# line; each run's log stays in the directory it names.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/bootstrap.sh
ONAIR_PACKAGES+=(git)
onair_install_packages

runs=${1:-3}
top=$(git rev-parse --show-toplevel)
for i in $(seq "$runs"); do
  dir=$(mktemp -d /tmp/onair-stress.XXXXXX)
  git clone -q "$top" "$dir/project"
  [ -d "$top/../shared" ] && cp -r "$top/../shared" "$dir/shared"
  stress-ng --cpu "$(nproc)" --timeout 0 --quiet &
  hog=$!
  start=$(date +%s)
  rc=0
  (cd "$dir/project" && ./tests/run.sh) > "$dir/run.log" 2>&1 || rc=$?
  kill "$hog" 2>/dev/null || true
  wait "$hog" 2>/dev/null || true
  secs=$(($(date +%s) - start))
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$dir/run.log" | tail -n 1 || true)
  echo "run $i of $runs: exit $rc after $((secs / 60)) min $((secs % 60)) s" \
    "(${summary:-no summary line}); log: $dir/run.log"
  if [ "$rc" -ne 0 ]; then
    grep -A 50 '^failed:' "$dir/run.log" || tail -n 40 "$dir/run.log"
    exit 1
  fi
done
