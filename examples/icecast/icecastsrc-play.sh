#!/usr/bin/env bash
# Plays an Icecast or SHOUTcast station and prints its tags as they change:
# the station's name and genre once, the artist and title at every new song.
#
#   examples/icecast/icecastsrc-play.sh http://localhost:8000/live.mp3
#
# Run it from `meson devenv -C build` (or with GST_PLUGIN_PATH set) to use
# icecastsrc from the build tree.  Ctrl-C stops it.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 LOCATION (http://, https://, icy:// or icyx://)" >&2
  exit 2
fi
exec gst-launch-1.0 -t icecastsrc location="$1" ! decodebin ! \
  audioconvert ! audioresample ! autoaudiosink
