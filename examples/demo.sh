#!/usr/bin/env bash
# The main demo: builds the plugin set (installing what is missing) and shows
# it working from the build tree, without installing anything.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/bootstrap.sh
onair_install_packages
onair_build build

run() { meson devenv -C build "$@"; }

echo
echo "== The plugin set, from the build tree =="
mapfile -t plugins < <(find build/gst build/ext -name 'libgst*.so' 2>/dev/null | sort)
if [ ${#plugins[@]} -eq 0 ]; then
  echo "(no element has landed yet: nothing to list)"
fi
for plugin in "${plugins[@]}"; do
  run gst-inspect-1.0 "$PWD/$plugin" | sed -n '/^Plugin Details/,/^$/p;/^  [a-z]*: /p'
done
