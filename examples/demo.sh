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
  # fdsink seeks a regular file to the segment's start: through a pipe, the
  # frame lands after what the demo printed before it, in a log file too.
  if [ -t 1 ]; then
    run gst-launch-1.0 -q --no-position videotestsrc is-live=true pattern=smpte \
      num-buffers=150 ! video/x-raw,framerate=30/1 ! videoscale ! \
      asciivideoenc format=ansi columns=80 rows=24 ! fdsink | cat
  else
    run gst-launch-1.0 -q videotestsrc pattern=smpte num-buffers=1 ! videoscale ! \
      asciivideoenc format=text columns=80 rows=24 ! fdsink | cat
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

if [ -d build/gst/ttsplay ] && command -v espeak-ng >/dev/null 2>&1; then
  echo
  echo "== ttsplaysink: a sentence from a local speech API, paced as generated =="
  echo "   (300 ms before the first byte, real time, a 500 ms stall after 1 s;"
  echo "    the metrics are ttsplaysink's element messages)"
  tts_tmp=$(mktemp -d)
  chmod 700 "$tts_tmp"
  tts_pids=()
  tts_cleanup() {
    kill "${tts_pids[@]}" 2>/dev/null || true
    wait "${tts_pids[@]}" 2>/dev/null || true
    rm -rf "$tts_tmp"
  }
  trap tts_cleanup EXIT
  tts_sink="autoaudiosink"
  if ! pactl info >/dev/null 2>&1 && ! aplay -l >/dev/null 2>&1; then
    # No sound here: a private PulseAudio daemon with a null sink plays it,
    # paced like a sound card; a recorder on its monitor keeps it at a low
    # latency, as a device is.
    if command -v pulseaudio >/dev/null 2>&1; then
      HOME=$tts_tmp XDG_RUNTIME_DIR=$tts_tmp PULSE_RUNTIME_PATH=$tts_tmp \
        PULSE_STATE_PATH=$tts_tmp DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
        pulseaudio --daemonize=no -n --exit-idle-time=-1 --use-pid-file=no \
        --disable-shm=yes --realtime=no --high-priority=no \
        --load="module-null-sink sink_name=demo_null" \
        --load="module-native-protocol-unix auth-anonymous=1 socket=$tts_tmp/native" \
        >/dev/null 2>&1 &
      tts_pids+=($!)
      printf 'autospawn = no\nenable-shm = no\ncookie-file = %s/cookie\n' "$tts_tmp" \
        > "$tts_tmp/client.conf"
      export PULSE_SERVER=unix:$tts_tmp/native PULSE_CLIENTCONFIG=$tts_tmp/client.conf
      for _ in $(seq 100); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
      gst-launch-1.0 -q pulsesrc device=demo_null.monitor ! fakesink sync=false \
        >/dev/null 2>&1 &
      tts_pids+=($!)
      # The null sink renders 2 s ahead while nothing listens; once the
      # recorder is there it settles to 10 ms, as a sound card plays.
      for _ in $(seq 100); do
        latency=$(pactl list sinks 2>/dev/null | awk '/Latency:/ { print $2; exit }' || true)
        [ -n "$latency" ] && [ "$latency" -lt 50000 ] && break
        sleep 0.1
      done
      tts_sink="pulsesink device=demo_null"
      echo "   (no sound card: playing into a PulseAudio null sink)"
    else
      tts_sink="fakesink sync=true"
      echo "   (no sound card and no PulseAudio: playing into fakesink sync=true)"
    fi
  fi
  sentence="Hello from gst-plugins-onair. This sentence is played while it is still arriving."
  if [ -x build/examples/tts-client/tts-client ] && [ -x build/tests/check/onair-tts-server ]; then
    build/tests/check/onair-tts-server --port 0 --delay 300 --stall-at 1000 --stall 500 \
      > "$tts_tmp/url" &
    tts_pids+=($!)
    for _ in $(seq 100); do [ -s "$tts_tmp/url" ] && break; sleep 0.1; done
    run "$PWD/build/examples/tts-client/tts-client" --url "$(head -n1 "$tts_tmp/url")" \
      --audio-sink "$tts_sink" "$sentence"
  else
    espeak-ng --stdout "$sentence" |
      run gst-launch-1.0 -m fdsrc ! wavparse ! ttsplaysink audio-sink="$tts_sink" |
      grep -o 'ttsplaysink-[a-z-]*, .*' || true
  fi
  tts_cleanup
  trap - EXIT
fi
