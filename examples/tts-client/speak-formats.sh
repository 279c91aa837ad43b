#!/usr/bin/env bash
# Speaks one sentence through ttsplaysink three times, as WAV, as Ogg/Opus
# and as MP3, each piped from espeak-ng (and an encoder) into gst-launch-1.0,
# and prints the element's metrics messages.
#
#   examples/tts-client/speak-formats.sh [SENTENCE] [AUDIO_SINK]
#
# AUDIO_SINK is a launch line for ttsplaysink's audio-sink, e.g.
# "pulsesink device=alsa_output.pci-0000_00_1f.3.analog-stereo" or
# "fakesink sync=true" on a machine without sound (default: autoaudiosink).
# Run from the source tree after building, or with the plugins installed.
set -euo pipefail
cd "$(dirname "$0")/../.."

text=${1:-"Hello, this sentence is streamed into ttsplaysink."}
sink=${2:-autoaudiosink}
if [ -d build/gst/ttsplay ]; then
  export GST_PLUGIN_PATH=$PWD/build/gst/ttsplay${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}
fi
for tool in espeak-ng gst-launch-1.0; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

metrics() {
  # Only the lines of ttsplaysink's element messages, trimmed to the name
  # and the fields.
  grep -o 'ttsplaysink-[a-z-]*, .*' || true
}

echo "== WAV (espeak-ng --stdout | fdsrc ! wavparse ! ttsplaysink)"
espeak-ng --stdout "$text" |
  gst-launch-1.0 -m fdsrc ! wavparse ! ttsplaysink audio-sink="$sink" | metrics

echo "== Ogg/Opus (opusenc ! oggmux, then fdsrc ! ttsplaysink)"
espeak-ng --stdout "$text" |
  gst-launch-1.0 -q fdsrc ! wavparse ! audioconvert ! audioresample ! \
    opusenc ! oggmux ! fdsink |
  gst-launch-1.0 -m fdsrc ! ttsplaysink audio-sink="$sink" | metrics

echo "== MP3 (lamemp3enc, then fdsrc ! ttsplaysink)"
espeak-ng --stdout "$text" |
  gst-launch-1.0 -q fdsrc ! wavparse ! audioconvert ! lamemp3enc ! fdsink |
  gst-launch-1.0 -m fdsrc ! ttsplaysink audio-sink="$sink" | metrics
