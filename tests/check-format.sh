#!/usr/bin/env bash
# Fails when a C file under version control differs from what clang-format
# makes of it; run `clang-format -i FILE` to fix.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ ${#files[@]} -eq 0 ] && { echo "no C files"; exit 0; }
clang-format --dry-run --Werror "${files[@]}"
echo "formatting: ${#files[@]} files checked"
