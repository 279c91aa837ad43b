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

if [ -x build/examples/timedtee/timedtee-joins ]; then
  echo
  echo "== timedtee: a live source, and a new branch every second =="
  echo "   (2 s retention: the first branches get all history from 0 s, later"
  echo "    ones start where the window begins, each told its exact position)"
  run "$PWD/build/examples/timedtee/timedtee-joins" --branches 4 --interval 1 --retention 2
fi

if [ -f build/gst/asciivideo/libgstasciivideo.so ]; then
  echo
  echo "== asciivideoenc: the test pattern as coloured text, 5 s =="
  if [ -t 1 ]; then
    run gst-launch-1.0 -q --no-position videotestsrc is-live=true pattern=smpte \
      num-buffers=150 ! video/x-raw,framerate=30/1 ! videoscale ! \
      asciivideoenc format=ansi columns=80 rows=24 ! fdsink
  else
    run gst-launch-1.0 -q videotestsrc pattern=smpte num-buffers=1 ! videoscale ! \
      asciivideoenc format=text columns=80 rows=24 ! fdsink
  fi
fi
