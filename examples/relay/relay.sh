#!/usr/bin/env bash
# Relays a station between two Icecast servers, A -> B, and shows that the
# bytes, the station's information and the titles arrive on B.
#
# Starts two throwaway icecast2 servers on loopback ports (with
# examples/icecast/local-server.sh), a test source on A's /live.mp3, and the
# relay:
#
#   icecastsrc location=http://127.0.0.1:A/live.mp3 ! \
#       icecastsink location=icecast://source:hackme@127.0.0.1:B/live.mp3
#
# then changes the title on A twice and waits for each on B's mount.  Ends by
# itself (about 15 s) and removes everything it started.  Run it from
# `meson devenv -C build` (or with GST_PLUGIN_PATH set) to use the elements
# of the build tree.  Needs icecast2 and curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
server_script=$here/../icecast/local-server.sh

for tool in icecast2 curl gst-launch-1.0; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is not installed" >&2
    exit 1
  fi
done

work=$(mktemp -d)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port() {
  local p=$1
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# Waits up to 20 s for a command to succeed.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 200); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  echo "timed out waiting for $what" >&2
  exit 1
}

status() {
  curl -sf "http://127.0.0.1:$1/status-json.xsl"
}
has_mount() {
  status "$1" | grep -q "\"listenurl\":\"http://127.0.0.1:$1/live.mp3\""
}
field() {
  status "$1" | grep -o "\"$2\":\"[^\"]*\"" | head -1 | cut -d'"' -f4
}
title_is() {
  [ "$(field "$1" title)" = "$2" ]
}

port_a=$(free_port 8100)
"$server_script" -p "$port_a" --source-password hackme \
  --admin-password adminpw >"$work/a.log" 2>&1 &
pids+=($!)
wait_for "server A" status "$port_a"
port_b=$(free_port $((port_a + 1)))
"$server_script" -p "$port_b" --source-password hackme \
  --admin-password adminpw >"$work/b.log" 2>&1 &
pids+=($!)
wait_for "server B" status "$port_b"
echo "server A: http://127.0.0.1:$port_a/   server B: http://127.0.0.1:$port_b/"

gst-launch-1.0 -q audiotestsrc is-live=true ! audioconvert ! \
  lamemp3enc target=bitrate bitrate=128 cbr=true ! mpegaudioparse ! \
  icecastsink location="icecast://source:hackme@127.0.0.1:$port_a/live.mp3" \
  stream-name="Onair demo station" genre=Demo \
  description="A test tone, relayed" url=http://example.org/onair \
  >"$work/source.log" 2>&1 &
pids+=($!)
wait_for "the source on A" has_mount "$port_a"
echo "A: /live.mp3 is on the air"

gst-launch-1.0 -q icecastsrc location="http://127.0.0.1:$port_a/live.mp3" ! \
  icecastsink location="icecast://source:hackme@127.0.0.1:$port_b/live.mp3" \
  >"$work/relay.log" 2>&1 &
pids+=($!)
wait_for "the relay on B" has_mount "$port_b"
echo "B: /live.mp3 relays A's mount"
echo "   name on B:  $(field "$port_b" server_name)"
echo "   genre on B: $(field "$port_b" genre)"
echo "   url on B:   $(field "$port_b" server_url)"

for song in "Relay Artist - First Song" "Relay Artist - Second Song"; do
  curl -sf -u admin:adminpw -G "http://127.0.0.1:$port_a/admin/metadata" \
    --data-urlencode mount=/live.mp3 --data-urlencode mode=updinfo \
    --data-urlencode "song=$song" --data-urlencode charset=UTF-8 >/dev/null
  echo "title on A:  $song"
  wait_for "the title on B" title_is "$port_b" "$song"
  echo "title on B:  $(field "$port_b" title)"
done
echo "relay done"
