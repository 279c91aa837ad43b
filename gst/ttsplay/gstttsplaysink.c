/* gst-plugins-onair: ttsplaysink, playback of streamed speech
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-ttsplaysink
 * @title: ttsplaysink
 *
 * A sink for speech that arrives while it is being synthesised, as the
 * response body of a text-to-speech API.  It takes raw audio or the encoded
 * formats such services send (WAV, Ogg/Opus, MP3, AAC, FLAC), decodes,
 * converts and resamples it, and plays it on #GstTtsPlaySink:audio-sink.
 *
 * Playback of an utterance starts once #GstTtsPlaySink:prebuffer-time of
 * decoded audio is queued, or at its end when it is shorter.  When the audio
 * comes slower than real time and playback runs dry, output pauses until
 * enough is queued again and resumes with the next sample: no sample is
 * dropped or played out of order.  With #GstTtsPlaySink:adaptive, each stall
 * raises the amount that a refill waits for.
 *
 * Every utterance is measured: time to first audio (to the moment the first
 * sample leaves the device, from the first byte or from the time the
 * application marked with #GstTtsPlaySink::mark-request), time to first
 * byte, generation and playback time, underruns and stall time, chunks and
 * bytes.  The figures are read-only properties, the #GstTtsPlaySink:stats
 * structure, and the element messages `ttsplaysink-first-audio`,
 * `ttsplaysink-underrun` and `ttsplaysink-finished` (posted before EOS).
 *
 * ## Example launch lines
 * |[
 * espeak-ng --stdout "Hello" | gst-launch-1.0 -m fdsrc ! wavparse ! ttsplaysink
 * ]|
 * |[
 * gst-launch-1.0 -m souphttpsrc location=http://example.com/speech.mp3 ! \
 *     ttsplaysink save-location=played.wav audio-sink="pulsesink"
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gst/audio/audio.h>
#include <gst/base/gsttypefindhelper.h>

#include "gstttsplaysink.h"
#include "gstttsplaygate.h"

GST_DEBUG_CATEGORY (gst_tts_play_sink_debug);
#define GST_CAT_DEFAULT gst_tts_play_sink_debug

#define DEFAULT_PREBUFFER_TIME (150 * GST_MSECOND)
#define DEFAULT_MAX_BUFFER_TIME (2 * GST_SECOND)
#define DEFAULT_ADAPTIVE TRUE
#define DEFAULT_ADAPTIVE_STEP (50 * GST_MSECOND)
#define DEFAULT_MAX_PREBUFFER_TIME (1 * GST_SECOND)
#define DEFAULT_TRAILING_SILENCE 0

/* Enough to name what arrived when it cannot be decoded: typefinders look at
 * the first few kilobytes. */
#define HEAD_BYTES 4096
#define SHOWN_BYTES 16

struct _GstTtsPlaySink {
  GstBin parent;

  GstPad *sinkpad;
  GstElement *decoder;
  GstElement *convert;
  GstElement *resample;
  GstElement *gate_element;
  GstTtsPlayGate *gate;
  GstElement *audio_sink;
  const gchar *missing; /* a required element that could not be made */

  /* Protects the input state below, touched from the upstream thread, from
   * the decoder's threads and from the bus handler. */
  GMutex lock;
  gchar *stream_id;
  GstCaps *input_caps;
  gboolean input_raw;
  GstAudioInfo raw_info;
  GstBuffer *partial_frame;
  GByteArray *head;
  GstCaps *unknown_caps;
  gboolean decoder_linked;
  gboolean decoder_fed;
  gboolean decode_error_posted;

  gboolean opening;
  gchar *open_problem;
};

enum {
  PROP_0,
  PROP_AUDIO_SINK,
  PROP_PREBUFFER_TIME,
  PROP_MAX_BUFFER_TIME,
  PROP_ADAPTIVE,
  PROP_ADAPTIVE_STEP,
  PROP_MAX_PREBUFFER_TIME,
  PROP_SAVE_LOCATION,
  PROP_TRAILING_SILENCE,
  PROP_STATE,
  PROP_TTFA,
  PROP_TTFB,
  PROP_GENERATION_TIME,
  PROP_PLAYBACK_TIME,
  PROP_UNDERRUNS,
  PROP_STALL_TIME,
  PROP_CHUNKS_RECEIVED,
  PROP_CHUNKS_PLAYED,
  PROP_BYTES_RECEIVED,
  PROP_AUDIO_DURATION,
  PROP_REAL_TIME_FACTOR,
  PROP_QUEUED_TIME,
  PROP_REFILL_THRESHOLD,
  PROP_UTTERANCES,
  PROP_STATS,
};

#define INPUT_LOCK(s) g_mutex_lock (&(s)->lock)
#define INPUT_UNLOCK(s) g_mutex_unlock (&(s)->lock)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw; audio/x-wav; audio/ogg; application/ogg; "
                     "audio/mpeg; audio/x-flac; audio/aac; audio/x-opus"));

G_DEFINE_TYPE (GstTtsPlaySink, gst_tts_play_sink, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE (ttsplaysink, "ttsplaysink", GST_RANK_NONE,
    GST_TYPE_TTS_PLAY_SINK);

#define GST_TYPE_TTS_PLAY_SINK_STATE (gst_tts_play_sink_state_get_type ())
static GType
gst_tts_play_sink_state_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_TTS_PLAY_SINK_STATE_IDLE, "No utterance is queued or playing",
        "idle" },
    { GST_TTS_PLAY_SINK_STATE_PREBUFFERING,
        "An utterance began and waits for prebuffer-time of audio",
        "prebuffering" },
    { GST_TTS_PLAY_SINK_STATE_PLAYING, "Audio is played as it arrives",
        "playing" },
    { GST_TTS_PLAY_SINK_STATE_STALLED,
        "Playback ran dry before the end and waits for the refill threshold",
        "stalled" },
    { GST_TTS_PLAY_SINK_STATE_DRAINING,
        "The end of the utterance arrived; the rest plays out", "draining" },
    { 0, NULL, NULL },
  };

  G_STATIC_ASSERT (
      (gint) GST_TTS_PLAY_SINK_STATE_DRAINING == (gint) TTS_PLAYOUT_DRAINING);
  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTtsPlaySinkState", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

/* Describing what arrived */

static gchar *
hex_and_text (const guint8 *data, gsize size)
{
  GString *s = g_string_new (NULL);
  gsize i, n = MIN (size, SHOWN_BYTES);

  for (i = 0; i < n; i++)
    g_string_append_printf (s, "%s%02x", i > 0 ? " " : "", data[i]);
  g_string_append (s, " (\"");
  for (i = 0; i < n; i++)
    g_string_append_c (s, g_ascii_isprint (data[i]) ? data[i] : '.');
  g_string_append (s, "\")");
  return g_string_free (s, FALSE);
}

/* A one-line name for what reached the sink pad (*@type, NULL when nothing
 * recognises it) and its first bytes (*@bytes, NULL when none came). */
static void
describe_input (GstTtsPlaySink *self, gchar **type, gchar **bytes)
{
  GstCaps *caps = NULL;

  INPUT_LOCK (self);
  if (self->unknown_caps != NULL)
    caps = gst_caps_ref (self->unknown_caps);
  else if (self->input_caps != NULL)
    caps = gst_caps_ref (self->input_caps);
  else if (self->head->len > 0)
    caps = gst_type_find_helper_for_data (NULL, self->head->data,
        self->head->len, NULL);
  *bytes = self->head->len > 0
      ? hex_and_text (self->head->data, self->head->len)
      : NULL;
  INPUT_UNLOCK (self);

  *type = caps != NULL ? gst_caps_to_string (caps) : NULL;
  gst_clear_caps (&caps);
}

static void
post_decode_error (GstTtsPlaySink *self, GstMessage *original)
{
  GError *err = NULL;
  gchar *debug = NULL, *type, *bytes;

  INPUT_LOCK (self);
  if (self->decode_error_posted) {
    INPUT_UNLOCK (self);
    return;
  }
  self->decode_error_posted = TRUE;
  INPUT_UNLOCK (self);

  gst_message_parse_error (original, &err, &debug);
  describe_input (self, &type, &bytes);
  if (bytes == NULL)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The stream ended before any audio data arrived.")),
        ("%s: %s (%s)", GST_MESSAGE_SRC_NAME (original), err->message,
            GST_STR_NULL (debug)));
  else if (type != NULL)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Could not decode the received data as audio: %s."), type),
        ("%s: %s (%s); first bytes %s", GST_MESSAGE_SRC_NAME (original),
            err->message, GST_STR_NULL (debug), bytes));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Could not decode the received data as audio: unknown data "
            "starting with %s."),
            bytes),
        ("%s: %s (%s)", GST_MESSAGE_SRC_NAME (original), err->message,
            GST_STR_NULL (debug)));
  g_error_free (err);
  g_free (debug);
  g_free (type);
  g_free (bytes);
}

/* The decoder */

static void
decoder_pad_added (GstElement *decoder, GstPad *pad, GstTtsPlaySink *self)
{
  GstCaps *caps = gst_pad_get_current_caps (pad);
  GstPad *sinkpad;
  gboolean audio;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  audio = !gst_caps_is_empty (caps)
      && gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "audio/x-raw");
  gst_caps_unref (caps);
  if (!audio) {
    GST_INFO_OBJECT (self, "ignoring decoder pad %s: not raw audio",
        GST_PAD_NAME (pad));
    return;
  }

  sinkpad = gst_element_get_static_pad (self->convert, "sink");
  if (gst_pad_is_linked (sinkpad)) {
    /* Speech has one audio stream; the first one found is played. */
    GST_INFO_OBJECT (self, "ignoring a second audio stream on %s",
        GST_PAD_NAME (pad));
  } else {
    GstPadLinkReturn link = gst_pad_link (pad, sinkpad);

    GST_DEBUG_OBJECT (self, "linking decoder pad %s: %s", GST_PAD_NAME (pad),
        gst_pad_link_get_name (link));
    if (link == GST_PAD_LINK_OK) {
      INPUT_LOCK (self);
      self->decoder_linked = TRUE;
      INPUT_UNLOCK (self);
    }
  }
  gst_object_unref (sinkpad);
}

static void
decoder_unknown_type (GstElement *decoder, GstPad *pad, GstCaps *caps,
    GstTtsPlaySink *self)
{
  INPUT_LOCK (self);
  gst_caps_replace (&self->unknown_caps, caps);
  INPUT_UNLOCK (self);
}

static GstElement *
make_decoder (GstTtsPlaySink *self)
{
  GstElement *decoder = gst_element_factory_make ("decodebin", NULL);
  GstCaps *raw;

  if (decoder == NULL)
    return NULL;
  raw = gst_caps_new_empty_simple ("audio/x-raw");
  g_object_set (decoder, "caps", raw, NULL);
  gst_caps_unref (raw);
  g_signal_connect (decoder, "pad-added", G_CALLBACK (decoder_pad_added), self);
  g_signal_connect (decoder, "unknown-type", G_CALLBACK (decoder_unknown_type),
      self);
  return decoder;
}

static void
reset_stream_state (GstTtsPlaySink *self)
{
  gst_clear_caps (&self->unknown_caps);
  gst_clear_buffer (&self->partial_frame);
  g_byte_array_set_size (self->head, 0);
  self->decoder_linked = FALSE;
  self->decoder_fed = FALSE;
  self->decode_error_posted = FALSE;
}

/* A new stream begins on the sink pad: the decoder of the previous one
 * plays out what it holds, then a fresh one takes over, since a decoder
 * cannot change formats in mid-stream.  Runs in the upstream thread, which
 * waits meanwhile like it waits for room in a full queue. */
static void
switch_decoder (GstTtsPlaySink *self)
{
  GstElement *old, *fresh;
  GstPad *pad;
  gboolean fed, linked;

  fresh = make_decoder (self);
  if (fresh == NULL) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        (_ ("Missing element \"%s\": check your GStreamer installation."),
            "decodebin"),
        (NULL));
    return;
  }
  INPUT_LOCK (self);
  old = gst_object_ref (self->decoder);
  fed = self->decoder_fed;
  INPUT_UNLOCK (self);

  if (fed) {
    gst_tts_play_gate_expect_drain (self->gate);
    pad = gst_element_get_static_pad (old, "sink");
    gst_pad_send_event (pad, gst_event_new_eos ());
    gst_object_unref (pad);
    INPUT_LOCK (self);
    linked = self->decoder_linked;
    INPUT_UNLOCK (self);
    if (!linked || !gst_tts_play_gate_wait_drained (self->gate))
      gst_tts_play_gate_cancel_drain (self->gate);
  }
  gst_tts_play_gate_input_end (self->gate);

  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), NULL);
  gst_element_set_state (old, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), old);
  gst_object_unref (old);

  INPUT_LOCK (self);
  self->decoder = fresh;
  reset_stream_state (self);
  INPUT_UNLOCK (self);

  gst_bin_add (GST_BIN (self), fresh);
  pad = gst_element_get_static_pad (fresh, "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), pad);
  gst_object_unref (pad);
  gst_element_sync_state_with_parent (fresh);
  GST_INFO_OBJECT (self, "new stream: decoder replaced");
}

/* Whole frames only reach the decoder: an HTTP chunk can end inside a
 * sample, and a truncated last frame is dropped at EOS. */
static GstPadProbeReturn
align_raw (GstTtsPlaySink *self, GstPadProbeInfo *info)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gsize bpf = GST_AUDIO_INFO_BPF (&self->raw_info);
  gsize have = gst_buffer_get_size (buf), rest;

  if (self->partial_frame != NULL)
    have += gst_buffer_get_size (self->partial_frame);
  if (have < bpf) {
    self->partial_frame = self->partial_frame != NULL
        ? gst_buffer_append (self->partial_frame, gst_buffer_ref (buf))
        : gst_buffer_copy_deep (buf);
    return GST_PAD_PROBE_DROP;
  }
  if (self->partial_frame != NULL) {
    buf = gst_buffer_append (self->partial_frame, buf);
    self->partial_frame = NULL;
  }
  rest = have % bpf;
  if (rest > 0) {
    self->partial_frame =
        gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY, have - rest, rest);
    buf = gst_buffer_make_writable (buf);
    gst_buffer_resize (buf, 0, have - rest);
  }
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  return GST_PAD_PROBE_OK;
}

static void
note_input (GstTtsPlaySink *self, GstBuffer *buf)
{
  gst_tts_play_gate_input_chunk (self->gate, gst_buffer_get_size (buf));
  INPUT_LOCK (self);
  self->decoder_fed = TRUE;
  if (self->head->len < HEAD_BYTES) {
    GstMapInfo map;

    if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
      g_byte_array_append (self->head, map.data,
          MIN (map.size, HEAD_BYTES - self->head->len));
      gst_buffer_unmap (buf, &map);
    }
  }
  INPUT_UNLOCK (self);
}

static gboolean
is_raw_caps (const GstCaps *caps)
{
  return caps != NULL && gst_caps_get_size (caps) > 0
      && gst_structure_has_name (gst_caps_get_structure (caps, 0),
          "audio/x-raw");
}

static GstPadProbeReturn
input_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstTtsPlaySink *self = user_data;
  GstPadProbeReturn ret = GST_PAD_PROBE_OK;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    note_input (self, GST_PAD_PROBE_INFO_BUFFER (info));
    INPUT_LOCK (self);
    if (self->input_raw)
      ret = align_raw (self, info);
    INPUT_UNLOCK (self);
    return ret;
  }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    guint i;

    for (i = 0; i < gst_buffer_list_length (list); i++)
      note_input (self, gst_buffer_list_get (list, i));
    return GST_PAD_PROBE_OK;
  }

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    switch (GST_EVENT_TYPE (event)) {
      case GST_EVENT_STREAM_START: {
        const gchar *id = NULL;
        gboolean change;

        gst_event_parse_stream_start (event, &id);
        INPUT_LOCK (self);
        change = self->stream_id != NULL && g_strcmp0 (id, self->stream_id);
        g_free (self->stream_id);
        self->stream_id = g_strdup (id);
        INPUT_UNLOCK (self);
        if (change)
          switch_decoder (self);
        break;
      }
      case GST_EVENT_CAPS: {
        GstCaps *caps;
        gboolean change;

        gst_event_parse_caps (event, &caps);
        INPUT_LOCK (self);
        change = self->input_caps != NULL && self->decoder_fed
            && !gst_caps_is_equal (caps, self->input_caps)
            && !(is_raw_caps (caps) && is_raw_caps (self->input_caps));
        INPUT_UNLOCK (self);
        if (change)
          switch_decoder (self);
        INPUT_LOCK (self);
        gst_caps_replace (&self->input_caps, caps);
        self->input_raw = is_raw_caps (caps)
            && gst_audio_info_from_caps (&self->raw_info, caps)
            && GST_AUDIO_INFO_LAYOUT (&self->raw_info)
                == GST_AUDIO_LAYOUT_INTERLEAVED;
        INPUT_UNLOCK (self);
        break;
      }
      case GST_EVENT_EOS:
        INPUT_LOCK (self);
        if (self->partial_frame != NULL) {
          GST_INFO_OBJECT (self,
              "dropping %" G_GSIZE_FORMAT " bytes: the "
              "last frame was truncated",
              gst_buffer_get_size (self->partial_frame));
          gst_clear_buffer (&self->partial_frame);
        }
        INPUT_UNLOCK (self);
        gst_tts_play_gate_input_end (self->gate);
        break;
      case GST_EVENT_FLUSH_STOP:
        INPUT_LOCK (self);
        gst_clear_buffer (&self->partial_frame);
        INPUT_UNLOCK (self);
        break;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

/* Speech is played as it arrives, once: the decoder may neither seek in it
 * (oggdemux would, to find the duration, and restart the stream), nor pull
 * it (nothing would be counted on the way). */
static GstPadProbeReturn
upstream_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (info->type & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM) {
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_SEEK)
      return GST_PAD_PROBE_DROP;
    return GST_PAD_PROBE_OK;
  }
  if (info->type & GST_PAD_PROBE_TYPE_QUERY_UPSTREAM) {
    GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
    GstFormat format;

    switch (GST_QUERY_TYPE (query)) {
      case GST_QUERY_SEEKING:
        gst_query_parse_seeking (query, &format, NULL, NULL, NULL);
        gst_query_set_seeking (query, format, FALSE, 0, -1);
        return GST_PAD_PROBE_HANDLED;
      case GST_QUERY_SCHEDULING:
        gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEQUENTIAL, 1, 0,
            0);
        gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
        return GST_PAD_PROBE_HANDLED;
      default:
        break;
    }
  }
  return GST_PAD_PROBE_OK;
}

/* Messages of the children */

static gboolean
is_within (GstObject *object, GstElement *element)
{
  return element != NULL
      && (object == GST_OBJECT (element)
          || gst_object_has_as_ancestor (object, GST_OBJECT (element)));
}

static gboolean
from_decoder (GstTtsPlaySink *self, GstObject *src)
{
  return gst_object_has_as_ancestor (src, GST_OBJECT (self))
      && !is_within (src, self->convert) && !is_within (src, self->resample)
      && !is_within (src, self->gate_element)
      && !is_within (src, self->audio_sink);
}

static void
note_open_problem (GstTtsPlaySink *self, GstMessage *msg)
{
  GError *err = NULL;
  gchar *debug = NULL;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    gst_message_parse_error (msg, &err, &debug);
  else
    gst_message_parse_warning (msg, &err, &debug);
  INPUT_LOCK (self);
  if (self->open_problem == NULL)
    self->open_problem = g_strdup_printf ("%s: %s (%s)",
        GST_MESSAGE_SRC_NAME (msg), err->message, GST_STR_NULL (debug));
  INPUT_UNLOCK (self);
  g_error_free (err);
  g_free (debug);
}

static void
gst_tts_play_sink_handle_message (GstBin *bin, GstMessage *msg)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (bin);
  GstObject *src = GST_MESSAGE_SRC (msg);
  gboolean opening;

  INPUT_LOCK (self);
  opening = self->opening;
  INPUT_UNLOCK (self);

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      if (is_within (src, self->audio_sink) && opening) {
        note_open_problem (self, msg);
        gst_message_unref (msg);
        return;
      }
      if (src != NULL && from_decoder (self, src)) {
        post_decode_error (self, msg);
        gst_message_unref (msg);
        return;
      }
      break;
    case GST_MESSAGE_WARNING:
      /* A sink that warns while opening has fallen back to something that
       * is not the audio output (autoaudiosink plugs fakesink). */
      if (is_within (src, self->audio_sink) && opening) {
        note_open_problem (self, msg);
        gst_message_unref (msg);
        return;
      }
      break;
    case GST_MESSAGE_EOS:
      if (is_within (src, self->audio_sink))
        gst_tts_play_gate_announce (self->gate);
      break;
    default:
      break;
  }
  GST_BIN_CLASS (gst_tts_play_sink_parent_class)->handle_message (bin, msg);
}

static gboolean
gst_tts_play_sink_send_event (GstElement *element, GstEvent *event)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (element);

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency;

    gst_event_parse_latency (event, &latency);
    GST_DEBUG_OBJECT (self, "sink latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (latency));
    gst_tts_play_gate_set_latency (self->gate, latency);
  }
  return GST_ELEMENT_CLASS (gst_tts_play_sink_parent_class)
      ->send_event (element, event);
}

/* The audio sink */

static void
replace_audio_sink (GstTtsPlaySink *self, GstElement *sink)
{
  if (sink != NULL && sink == self->audio_sink)
    return;
  if (sink == NULL)
    sink = gst_element_factory_make ("autoaudiosink", NULL);
  if (self->audio_sink != NULL) {
    gst_element_unlink (self->gate_element, self->audio_sink);
    gst_bin_remove (GST_BIN (self), self->audio_sink);
    self->audio_sink = NULL;
  }
  if (sink == NULL)
    return;
  /* The bin holds the reference; audio_sink is valid while it does. */
  if (!gst_bin_add (GST_BIN (self), sink))
    return;
  self->audio_sink = sink;
  if (!gst_element_link (self->gate_element, sink))
    GST_WARNING_OBJECT (self, "cannot link to audio sink %s",
        GST_ELEMENT_NAME (sink));
}

static GstStateChangeReturn
gst_tts_play_sink_change_state (GstElement *element, GstStateChange transition)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (element);
  GstStateChangeReturn ret;
  gchar *problem = NULL;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GstPad *pad;
    gboolean linked;

    if (self->missing != NULL) {
      GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
          (_ ("Missing element \"%s\": check your GStreamer installation."),
              self->missing),
          (NULL));
      return GST_STATE_CHANGE_FAILURE;
    }
    if (self->audio_sink == NULL) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("No audio output is set and autoaudiosink is missing.")), (NULL));
      return GST_STATE_CHANGE_FAILURE;
    }
    pad = gst_element_get_static_pad (self->gate_element, "src");
    linked = gst_pad_is_linked (pad);
    gst_object_unref (pad);
    if (!linked) {
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("Could not open the audio output \"%s\"."),
              GST_ELEMENT_NAME (self->audio_sink)),
          ("it has no sink pad that takes raw audio"));
      return GST_STATE_CHANGE_FAILURE;
    }
    INPUT_LOCK (self);
    self->opening = TRUE;
    g_clear_pointer (&self->open_problem, g_free);
    INPUT_UNLOCK (self);
  }

  ret = GST_ELEMENT_CLASS (gst_tts_play_sink_parent_class)
            ->change_state (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      INPUT_LOCK (self);
      self->opening = FALSE;
      problem = g_steal_pointer (&self->open_problem);
      INPUT_UNLOCK (self);
      if (ret == GST_STATE_CHANGE_FAILURE || problem != NULL) {
        GstElementFactory *f = gst_element_get_factory (self->audio_sink);

        GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
            (_ ("Could not open the audio output \"%s\"."),
                f != NULL ? GST_OBJECT_NAME (f)
                          : GST_ELEMENT_NAME (self->audio_sink)),
            ("%s", problem != NULL ? problem : "its state change failed"));
        if (ret != GST_STATE_CHANGE_FAILURE)
          GST_ELEMENT_CLASS (gst_tts_play_sink_parent_class)
              ->change_state (element, GST_STATE_CHANGE_READY_TO_NULL);
        ret = GST_STATE_CHANGE_FAILURE;
      }
      g_free (problem);
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      INPUT_LOCK (self);
      g_clear_pointer (&self->stream_id, g_free);
      gst_clear_caps (&self->input_caps);
      self->input_raw = FALSE;
      reset_stream_state (self);
      INPUT_UNLOCK (self);
      break;
    default:
      break;
  }
  return ret;
}

/* Properties */

static void
mark_request (GstTtsPlaySink *self)
{
  GST_DEBUG_OBJECT (self, "request marked");
  gst_tts_play_gate_mark_request (self->gate);
}

static void
gst_tts_play_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (object);
  TtsPlayoutConfig config;

  gst_tts_play_gate_get_config (self->gate, &config);
  switch (prop_id) {
    case PROP_AUDIO_SINK:
      if (GST_STATE (self) != GST_STATE_NULL) {
        GST_WARNING_OBJECT (self, "audio-sink can only be set in NULL state");
        return;
      }
      replace_audio_sink (self, g_value_get_object (value));
      return;
    case PROP_PREBUFFER_TIME:
      config.prebuffer = g_value_get_uint64 (value);
      break;
    case PROP_MAX_BUFFER_TIME:
      config.max_buffer = g_value_get_uint64 (value);
      break;
    case PROP_ADAPTIVE:
      config.adaptive = g_value_get_boolean (value);
      break;
    case PROP_ADAPTIVE_STEP:
      config.adaptive_step = g_value_get_uint64 (value);
      break;
    case PROP_MAX_PREBUFFER_TIME:
      config.max_prebuffer = g_value_get_uint64 (value);
      break;
    case PROP_SAVE_LOCATION:
      gst_tts_play_gate_set_save_location (self->gate,
          g_value_get_string (value));
      return;
    case PROP_TRAILING_SILENCE:
      gst_tts_play_gate_set_trailing_silence (self->gate,
          g_value_get_uint64 (value));
      return;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  gst_tts_play_gate_set_config (self->gate, &config);
}

static void
gst_tts_play_sink_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (object);
  GstTtsPlayGateSnapshot snap;
  TtsPlayoutConfig config;

  gst_tts_play_gate_get_config (self->gate, &config);
  gst_tts_play_gate_snapshot (self->gate, &snap);
  switch (prop_id) {
    case PROP_AUDIO_SINK:
      g_value_set_object (value, self->audio_sink);
      break;
    case PROP_PREBUFFER_TIME:
      g_value_set_uint64 (value, config.prebuffer);
      break;
    case PROP_MAX_BUFFER_TIME:
      g_value_set_uint64 (value, config.max_buffer);
      break;
    case PROP_ADAPTIVE:
      g_value_set_boolean (value, config.adaptive);
      break;
    case PROP_ADAPTIVE_STEP:
      g_value_set_uint64 (value, config.adaptive_step);
      break;
    case PROP_MAX_PREBUFFER_TIME:
      g_value_set_uint64 (value, config.max_prebuffer);
      break;
    case PROP_SAVE_LOCATION:
      g_value_take_string (value,
          gst_tts_play_gate_dup_save_location (self->gate));
      break;
    case PROP_TRAILING_SILENCE:
      g_value_set_uint64 (value,
          gst_tts_play_gate_get_trailing_silence (self->gate));
      break;
    case PROP_STATE:
      g_value_set_enum (value, (GstTtsPlaySinkState) snap.state);
      break;
    case PROP_TTFA:
      g_value_set_uint64 (value, tts_metrics_ttfa (&snap.metrics));
      break;
    case PROP_TTFB:
      g_value_set_uint64 (value, tts_metrics_ttfb (&snap.metrics));
      break;
    case PROP_GENERATION_TIME:
      g_value_set_uint64 (value, tts_metrics_generation_time (&snap.metrics));
      break;
    case PROP_PLAYBACK_TIME:
      g_value_set_uint64 (value, tts_metrics_playback_time (&snap.metrics));
      break;
    case PROP_UNDERRUNS:
      g_value_set_uint (value, snap.metrics.underruns);
      break;
    case PROP_STALL_TIME:
      g_value_set_uint64 (value, snap.metrics.stall_time);
      break;
    case PROP_CHUNKS_RECEIVED:
      g_value_set_uint64 (value, snap.metrics.chunks_received);
      break;
    case PROP_CHUNKS_PLAYED:
      g_value_set_uint64 (value, snap.metrics.chunks_played);
      break;
    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, snap.metrics.bytes);
      break;
    case PROP_AUDIO_DURATION:
      g_value_set_uint64 (value, snap.metrics.audio_duration);
      break;
    case PROP_REAL_TIME_FACTOR:
      g_value_set_double (value, tts_metrics_real_time_factor (&snap.metrics));
      break;
    case PROP_QUEUED_TIME:
      g_value_set_uint64 (value, snap.queued);
      break;
    case PROP_REFILL_THRESHOLD:
      g_value_set_uint64 (value, snap.refill);
      break;
    case PROP_UTTERANCES:
      g_value_set_uint (value, snap.utterances);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_tts_play_gate_stats (self->gate));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_tts_play_sink_finalize (GObject *object)
{
  GstTtsPlaySink *self = GST_TTS_PLAY_SINK (object);

  g_free (self->stream_id);
  gst_clear_caps (&self->input_caps);
  gst_clear_caps (&self->unknown_caps);
  gst_clear_buffer (&self->partial_frame);
  g_byte_array_unref (self->head);
  g_free (self->open_problem);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_tts_play_sink_parent_class)->finalize (object);
}

static void
install_time (GObjectClass *klass, guint id, const gchar *name,
    const gchar *nick, const gchar *blurb, guint64 def, gboolean writable)
{
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  if (writable)
    flags |= G_PARAM_WRITABLE | GST_PARAM_MUTABLE_PLAYING;
  g_object_class_install_property (klass, id,
      g_param_spec_uint64 (name, nick, blurb, 0, G_MAXUINT64, def, flags));
}

static void
gst_tts_play_sink_class_init (GstTtsPlaySinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_tts_play_sink_set_property;
  gobject_class->get_property = gst_tts_play_sink_get_property;
  gobject_class->finalize = gst_tts_play_sink_finalize;

  /**
   * GstTtsPlaySink:audio-sink:
   *
   * The sink that plays the audio; set it in NULL state.  When it cannot
   * open its device, or falls back to a fake sink as autoaudiosink does,
   * ttsplaysink fails with a RESOURCE, OPEN_WRITE error.
   */
  g_object_class_install_property (gobject_class, PROP_AUDIO_SINK,
      g_param_spec_object ("audio-sink", "Audio sink",
          "The audio output to play into (NULL = autoaudiosink, the default; "
          "set in NULL state)",
          GST_TYPE_ELEMENT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  install_time (gobject_class, PROP_PREBUFFER_TIME, "prebuffer-time",
      "Prebuffer time",
      "Decoded audio (ns) queued before an utterance starts playing, or its "
      "end if shorter (default 150 ms)",
      DEFAULT_PREBUFFER_TIME, TRUE);
  install_time (gobject_class, PROP_MAX_BUFFER_TIME, "max-buffer-time",
      "Maximum buffer time",
      "Decoded audio (ns) queued at most; upstream waits beyond it "
      "(0 = no limit, default 2 s)",
      DEFAULT_MAX_BUFFER_TIME, TRUE);
  g_object_class_install_property (gobject_class, PROP_ADAPTIVE,
      g_param_spec_boolean ("adaptive", "Adaptive",
          "Raise the refill threshold by adaptive-step after each underrun, "
          "up to max-prebuffer-time (default TRUE)",
          DEFAULT_ADAPTIVE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  install_time (gobject_class, PROP_ADAPTIVE_STEP, "adaptive-step",
      "Adaptive step",
      "How much (ns) each underrun raises the refill threshold "
      "(default 50 ms)",
      DEFAULT_ADAPTIVE_STEP, TRUE);
  install_time (gobject_class, PROP_MAX_PREBUFFER_TIME, "max-prebuffer-time",
      "Maximum prebuffer time",
      "The refill threshold never goes above this (ns), nor above "
      "max-buffer-time (default 1 s)",
      DEFAULT_MAX_PREBUFFER_TIME, TRUE);
  /**
   * GstTtsPlaySink:save-location:
   *
   * Where to save what was played, as a WAV file of the decoded audio.  A
   * `%u` (or `%05u`) in the name is replaced by the utterance number; without
   * one, each utterance replaces the file.  The header is written first and
   * kept up to date after every buffer, so the file is valid whenever the
   * pipeline stops.
   */
  g_object_class_install_property (gobject_class, PROP_SAVE_LOCATION,
      g_param_spec_string ("save-location", "Save location",
          "WAV file receiving the decoded audio as played, %u = utterance "
          "number (NULL = do not save, the default)",
          NULL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS
              | GST_PARAM_MUTABLE_PLAYING));
  install_time (gobject_class, PROP_TRAILING_SILENCE, "trailing-silence",
      "Trailing silence",
      "Silence (ns) played after each utterance, for outputs that cut the "
      "last syllable (default 0)",
      DEFAULT_TRAILING_SILENCE, TRUE);

  g_object_class_install_property (gobject_class, PROP_STATE,
      g_param_spec_enum ("state", "State", "Where playback of speech is now",
          GST_TYPE_TTS_PLAY_SINK_STATE, GST_TTS_PLAY_SINK_STATE_IDLE, ro));
  install_time (gobject_class, PROP_TTFA, "ttfa", "Time to first audio",
      "From the reference (mark-request or first byte) to the first sample "
      "leaving the device, ns (GST_CLOCK_TIME_NONE until known)",
      GST_CLOCK_TIME_NONE, FALSE);
  install_time (gobject_class, PROP_TTFB, "ttfb", "Time to first byte",
      "From the reference to the first byte arriving, ns "
      "(GST_CLOCK_TIME_NONE until known)",
      GST_CLOCK_TIME_NONE, FALSE);
  install_time (gobject_class, PROP_GENERATION_TIME, "generation-time",
      "Generation time",
      "From the first byte to the last byte of the utterance, ns",
      GST_CLOCK_TIME_NONE, FALSE);
  install_time (gobject_class, PROP_PLAYBACK_TIME, "playback-time",
      "Playback time",
      "From the first sample audible to the end of the last, stalls "
      "included, ns (GST_CLOCK_TIME_NONE until the end is handed out)",
      GST_CLOCK_TIME_NONE, FALSE);
  g_object_class_install_property (gobject_class, PROP_UNDERRUNS,
      g_param_spec_uint ("underruns", "Underruns",
          "Times playback ran dry before the end of the utterance (events, "
          "not samples)",
          0, G_MAXUINT, 0, ro));
  install_time (gobject_class, PROP_STALL_TIME, "stall-time", "Stall time",
      "Silence (ns) the underruns of the utterance inserted", 0, FALSE);
  g_object_class_install_property (gobject_class, PROP_CHUNKS_RECEIVED,
      g_param_spec_uint64 ("chunks-received", "Chunks received",
          "Buffers that reached the sink pad in the utterance", 0, G_MAXUINT64,
          0, ro));
  g_object_class_install_property (gobject_class, PROP_CHUNKS_PLAYED,
      g_param_spec_uint64 ("chunks-played", "Chunks played",
          "Buffers of decoded audio handed to the audio sink in the "
          "utterance",
          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_BYTES_RECEIVED,
      g_param_spec_uint64 ("bytes-received", "Bytes received",
          "Bytes that reached the sink pad in the utterance", 0, G_MAXUINT64, 0,
          ro));
  install_time (gobject_class, PROP_AUDIO_DURATION, "audio-duration",
      "Audio duration",
      "Decoded audio (ns) handed to the audio sink in the utterance", 0, FALSE);
  g_object_class_install_property (gobject_class, PROP_REAL_TIME_FACTOR,
      g_param_spec_double ("real-time-factor", "Real-time factor",
          "generation-time / audio-duration: below 1 the audio came faster "
          "than real time (0 until both are known)",
          0, G_MAXDOUBLE, 0, ro));
  install_time (gobject_class, PROP_QUEUED_TIME, "queued-time", "Queued time",
      "Decoded audio (ns) waiting in ttsplaysink now", 0, FALSE);
  install_time (gobject_class, PROP_REFILL_THRESHOLD, "refill-threshold",
      "Refill threshold",
      "Queued audio (ns) a stall waits for before playback resumes; starts "
      "at prebuffer-time",
      DEFAULT_PREBUFFER_TIME, FALSE);
  g_object_class_install_property (gobject_class, PROP_UTTERANCES,
      g_param_spec_uint ("utterances", "Utterances",
          "Utterances begun since the stream started", 0, G_MAXUINT, 0, ro));
  /**
   * GstTtsPlaySink:stats:
   *
   * The metrics of the current (or last) utterance at once, as an
   * `application/x-ttsplaysink-stats` structure; see the element's
   * documentation for the fields.
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Metrics of the current or last utterance as a GstStructure",
          GST_TYPE_STRUCTURE, ro));

  /**
   * GstTtsPlaySink::mark-request:
   * @sink: the element
   *
   * Action signal: the application sends the request for the next
   * utterance now.  That utterance's ttfa and ttfb are measured from this
   * moment instead of from its first byte.
   */
  g_signal_new_class_handler ("mark-request", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK (mark_request), NULL,
      NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_set_static_metadata (element_class, "TTS play sink",
      "Sink/Audio",
      "Plays streamed speech with a prebuffer, no skipped samples after a "
      "stall, and time-to-first-audio metrics",
      "gst-plugins-onair <gst-plugins-onair@lists.invalid>");
  gst_element_class_add_static_pad_template (element_class, &sink_template);

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_tts_play_sink_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_tts_play_sink_send_event);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_tts_play_sink_handle_message);

  gst_type_mark_as_plugin_api (GST_TYPE_TTS_PLAY_SINK_STATE, 0);
}

static GstElement *
make_child (GstTtsPlaySink *self, const gchar *factory, const gchar *name)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (e == NULL) {
    if (self->missing == NULL)
      self->missing = factory;
    return NULL;
  }
  gst_bin_add (GST_BIN (self), e);
  return e;
}

static void
gst_tts_play_sink_init (GstTtsPlaySink *self)
{
  GstPadTemplate *templ;
  GstPad *pad;

  g_mutex_init (&self->lock);
  self->head = g_byte_array_new ();

  self->gate_element =
      g_object_new (GST_TYPE_TTS_PLAY_GATE, "name", "gate", NULL);
  self->gate = GST_TTS_PLAY_GATE (self->gate_element);
  gst_bin_add (GST_BIN (self), self->gate_element);
  self->convert = make_child (self, "audioconvert", "convert");
  self->resample = make_child (self, "audioresample", "resample");
  if (self->convert != NULL && self->resample != NULL)
    gst_element_link_many (self->convert, self->resample, self->gate_element,
        NULL);

  templ = gst_static_pad_template_get (&sink_template);
  self->sinkpad = gst_ghost_pad_new_no_target_from_template ("sink", templ);
  gst_object_unref (templ);
  gst_pad_add_probe (self->sinkpad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST
          | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM
          | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      input_probe, self, NULL);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
  pad = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (self->sinkpad)));
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_EVENT_UPSTREAM | GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      upstream_probe, NULL, NULL);
  gst_object_unref (pad);

  self->decoder = make_decoder (self);
  if (self->decoder != NULL) {
    gst_bin_add (GST_BIN (self), self->decoder);
    pad = gst_element_get_static_pad (self->decoder, "sink");
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->sinkpad), pad);
    gst_object_unref (pad);
  } else if (self->missing == NULL) {
    self->missing = "decodebin";
  }

  replace_audio_sink (self, NULL);
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SINK);
}

static gboolean
plugin_init (GstPlugin *plugin)
{
  GST_DEBUG_CATEGORY_INIT (gst_tts_play_sink_debug, "ttsplaysink", 0,
      "ttsplaysink: playback of streamed speech");
#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
  return GST_ELEMENT_REGISTER (ttsplaysink, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, ttsplay,
    "Playback of streamed speech with time-to-first-audio metrics", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
