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

if [ -f build/ext/icecast/libgsticecast.so ]; then
  echo
  echo "== icecastsink: a station on a throwaway local Icecast server =="
  log=$(mktemp)
  examples/icecast/local-server.sh > "$log" 2>&1 &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
  for _ in $(seq 150); do grep -q "is running on" "$log" && break; sleep 0.1; done
  port=$(sed -n 's/.*is running on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
  if [ -z "$port" ]; then
    cat "$log"
    exit 1
  fi
  echo "icecast2 on port $port; streaming 8 s with a title ..."
  run gst-launch-1.0 -q audiotestsrc is-live=true num-buffers=350 ! audioconvert ! \
    lamemp3enc ! mpegaudioparse ! \
    taginject 'tags="title=\"Demo tone\",artist=gst-plugins-onair"' ! \
    icecastsink location="icecast://source:hackme@127.0.0.1:$port/demo.mp3" \
    stream-name="gst-plugins-onair demo" genre=Test &
  station=$!
  sleep 4
  echo "what the server says about the mount:"
  curl -s "http://127.0.0.1:$port/status-json.xsl" \
    | grep -o '"\(server_name\|server_type\|title\|audio_info\)":"[^"]*"' \
    | sed 's/^/  /' || true
  bytes=$( (curl -s --max-time 2 "http://127.0.0.1:$port/demo.mp3" || true) | wc -c)
  echo "a listener got $bytes bytes of MP3 in 2 s"
  wait "$station"
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null || true
fi

if [ -x examples/relay/relay.sh ] && command -v icecast2 >/dev/null; then
  echo
  echo "== icecastsrc: relaying a station from one Icecast server to another =="
  echo "   (server A gets a test station, icecastsrc ! icecastsink relays it to"
  echo "    server B, two title changes on A show up on B)"
  run "$PWD/examples/relay/relay.sh"
fi
