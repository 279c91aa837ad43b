/* gst-plugins-onair: ttsplaysink tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Speech comes from tts-server.c (espeak-ng behind an OpenAI-style
 * endpoint) with the pacing each test needs, and is played both into
 * `fakesink sync=true` and into the PulseAudio null sink of the fixture,
 * whose monitor is recorded.  What reached the audio sink is counted at its
 * sink pad.
 *
 * Timing is judged against what the server really did (the instant it sent
 * each chunk, not its plan) and against what the element decided (samples,
 * timestamps, thresholds, the order of its messages).  A loaded machine only
 * ever makes the element later than the data allows, so each real-time bound
 * is a lower bound that is exact and an upper bound that is generous.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "pulse-service.h"
#include "tts-server.h"

#include <string.h>
#include <gst/audio/audio.h>
#include <gst/base/gsttypefindhelper.h>

#define SENTENCE                                                               \
  "The quick brown fox jumps over the lazy dog, then it runs back home and "   \
  "sleeps until the next morning."
#define SHORT_SENTENCE "Hello there, this is a short test."

#define MS (G_GUINT64_CONSTANT (1000000))
#define PREBUFFER (150 * MS)
/* A recorded sample counts as sound above this (full scale is 32767). */
#define LOUD 64

typedef enum {
  SINK_FAKE,
  SINK_PULSE,
  N_SINKS,
} SinkKind;

static const gchar *const sink_names[] = { "fakesink sync=true",
  "pulsesink (null sink)" };

/* A forward jump of the timestamps at the audio sink: a stall. */
typedef struct {
  GstClockTime from; /* end of the last sample before it */
  GstClockTime length;
} TapGap;

/* A buffer as it reached the audio sink. */
typedef struct {
  GstClockTime pts;
  guint64 at; /* monotonic ns */
} TapArrival;

/* What reached the audio sink's pad. */
typedef struct {
  GMutex lock;
  GstAudioInfo info;
  gboolean have_info;
  guint caps_events;
  guint buffers;
  guint64 frames;
  guint disconts; /* after the first buffer */
  GArray *gaps; /* TapGap */
  GstClockTime gap_total;
  GstClockTime first_pts;
  GstClockTime next_pts;
  GArray *arrivals; /* TapArrival */
  GByteArray *pcm;
} Tap;

typedef struct {
  GMutex lock;
  guint64 frames;
  guint64 loud_frames;
  guint64 first_loud;
  guint64 last_loud;
} Recording;

typedef struct {
  OnairPulse *pulse;
  gboolean owns_pulse;
  GstElement *recorder;
  Recording rec;

  GstElement *pipeline;
  GstElement *src; /* appsrc, NULL when the test builds its own source */
  GstElement *tts;
  GstElement *sink;
  Tap tap;
  GPtrArray *messages; /* GstStructure of ttsplaysink's element messages */
  GPtrArray *order; /* message names and "EOS", in bus order */
} Player;

typedef struct {
  GstElement *src;
  GstElement *tts;
  gboolean mark;
  guint16 port;
  gchar *text;
  gchar *format;
  /* Monotonic ns just before and just after mark-request: the reference
   * ttsplaysink took lies between them. */
  guint64 mark_before;
  guint64 mark_after;
  GByteArray *received;
  guint pushes;
  guint status;
  GError *error;
  GThread *thread;
} Feeder;

/* The tap */

static GstPadProbeReturn
tap_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Tap *tap = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

    if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      g_mutex_lock (&tap->lock);
      tap->caps_events++;
      tap->have_info = gst_audio_info_from_caps (&tap->info, caps);
      g_mutex_unlock (&tap->lock);
    }
    return GST_PAD_PROBE_OK;
  }
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    TapArrival arrival = { GST_BUFFER_PTS (buf), gst_util_get_timestamp () };
    GstMapInfo map;

    g_mutex_lock (&tap->lock);
    fail_unless (tap->have_info, "audio before caps");
    g_array_append_val (tap->arrivals, arrival);
    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
      gst_buffer_map (buf, &map, GST_MAP_READ);
      tap->frames += map.size / GST_AUDIO_INFO_BPF (&tap->info);
      g_byte_array_append (tap->pcm, map.data, map.size);
      gst_buffer_unmap (buf, &map);
    }
    if (tap->buffers == 0)
      tap->first_pts = GST_BUFFER_PTS (buf);
    if (tap->buffers > 0) {
      if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DISCONT))
        tap->disconts++;
      if (GST_BUFFER_PTS (buf) > tap->next_pts + MS) {
        TapGap gap = { tap->next_pts, GST_BUFFER_PTS (buf) - tap->next_pts };

        g_array_append_val (tap->gaps, gap);
        tap->gap_total += gap.length;
      }
      /* Samples never overlap: none is played twice or out of order. */
      fail_unless (GST_BUFFER_PTS (buf) + MS >= tap->next_pts,
          "buffer at %" GST_TIME_FORMAT " before the end of the previous "
          "one at %" GST_TIME_FORMAT,
          GST_TIME_ARGS (GST_BUFFER_PTS (buf)), GST_TIME_ARGS (tap->next_pts));
    }
    tap->next_pts = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
    tap->buffers++;
    g_mutex_unlock (&tap->lock);
  }
  return GST_PAD_PROBE_OK;
}

static guint64
tap_frames (Player *p)
{
  guint64 frames;

  g_mutex_lock (&p->tap.lock);
  frames = p->tap.frames;
  g_mutex_unlock (&p->tap.lock);
  return frames;
}

/* The monitor recorder, run for every PulseAudio case: besides recording
 * what was played, a stream on the monitor keeps the null sink at a low
 * latency, as a real device is. */

static GstPadProbeReturn
record_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Recording *rec = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  const gint16 *s;
  gsize n, f;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  s = (const gint16 *) map.data;
  n = map.size / 4;
  g_mutex_lock (&rec->lock);
  for (f = 0; f < n; f++) {
    if (ABS (s[2 * f]) > LOUD || ABS (s[2 * f + 1]) > LOUD) {
      if (rec->loud_frames == 0)
        rec->first_loud = rec->frames + f;
      rec->loud_frames++;
      rec->last_loud = rec->frames + f + 1;
    }
  }
  rec->frames += n;
  g_mutex_unlock (&rec->lock);
  gst_buffer_unmap (buf, &map);
  return GST_PAD_PROBE_OK;
}

static gboolean
recorder_delivers (gpointer user_data)
{
  Recording *rec = user_data;
  gboolean ok;

  g_mutex_lock (&rec->lock);
  ok = rec->frames >= 48000 / 10;
  g_mutex_unlock (&rec->lock);
  return ok;
}

/* The null sink renders ahead by its latency, 2 s while nothing listens;
 * what is played into it before it settled to the recorder's 10 ms waits
 * behind that. */
static gboolean
null_sink_settled (gpointer user_data)
{
  Player *p = user_data;
  const gchar *argv[] = { "pactl", "--server", onair_pulse_server (p->pulse),
    "list", "sinks", NULL };
  gchar *out = NULL, *at;
  gboolean settled = FALSE;

  if (!g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, NULL, NULL, NULL))
    return FALSE;
  at = out != NULL ? strstr (out, "Latency: ") : NULL;
  if (at != NULL)
    settled = g_ascii_strtoull (at + strlen ("Latency: "), NULL, 10) < 50000;
  g_free (out);
  return settled;
}

static void
recorder_start (Player *p)
{
  gchar *desc = g_strdup_printf ("pulsesrc device=%s ! "
                                 "audio/x-raw,format=S16LE,rate=48000,"
                                 "channels=2 ! fakesink name=rec sync=false",
      onair_pulse_monitor (p->pulse));
  GstElement *sink;
  GstPad *pad;

  p->recorder = gst_parse_launch (desc, NULL);
  fail_unless (p->recorder != NULL, "%s", desc);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (p->recorder), "rec");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, record_probe, &p->rec,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (sink);
  fail_if (gst_element_set_state (p->recorder, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
  onair_check_wait_until (recorder_delivers, &p->rec, 15000,
      "the monitor to deliver");
  onair_check_wait_until (null_sink_settled, p, 15000,
      "the null sink to settle to a low latency");
}

static void
recording_snapshot (Player *p, Recording *out)
{
  g_mutex_lock (&p->rec.lock);
  out->frames = p->rec.frames;
  out->loud_frames = p->rec.loud_frames;
  out->first_loud = p->rec.first_loud;
  out->last_loud = p->rec.last_loud;
  g_mutex_unlock (&p->rec.lock);
}

/* Players */

static GstElement *
audio_sink_new (Player *p, SinkKind kind)
{
  GstElement *sink;

  if (kind == SINK_FAKE) {
    sink = gst_element_factory_make ("fakesink", "out");
    g_object_set (sink, "sync", TRUE, NULL);
    return sink;
  }
  if (p->pulse == NULL) {
    p->pulse = onair_pulse_start ();
    p->owns_pulse = TRUE;
  }
  recorder_start (p);
  sink = gst_element_factory_make ("pulsesink", "out");
  fail_unless (sink != NULL,
      "pulsesink is missing "
      "(apt-get install gstreamer1.0-pulseaudio)");
  g_object_set (sink, "device", onair_pulse_sink (p->pulse), NULL);
  return sink;
}

static void
player_attach (Player *p, SinkKind kind)
{
  GstPad *pad;

  g_mutex_init (&p->tap.lock);
  p->tap.pcm = g_byte_array_new ();
  p->tap.gaps = g_array_new (FALSE, FALSE, sizeof (TapGap));
  p->tap.arrivals = g_array_new (FALSE, FALSE, sizeof (TapArrival));
  p->messages =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  p->order = g_ptr_array_new_with_free_func (g_free);
  p->sink = audio_sink_new (p, kind);
  g_object_set (p->tts, "audio-sink", p->sink, NULL);
  pad = gst_element_get_static_pad (p->sink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      tap_probe, &p->tap, NULL);
  gst_object_unref (pad);
}

/* appsrc (with @caps, may be NULL) ! ttsplaysink, playing into the
 * PulseAudio daemon @pulse when given (else one of its own). */
static Player *
player_new_on (SinkKind kind, const gchar *caps, OnairPulse *pulse)
{
  Player *p = g_new0 (Player, 1);

  p->pulse = pulse;
  g_mutex_init (&p->rec.lock);
  p->pipeline = gst_pipeline_new (NULL);
  p->src = gst_element_factory_make ("appsrc", "src");
  p->tts = gst_element_factory_make ("ttsplaysink", "tts");
  fail_unless (p->tts != NULL);
  g_object_set (p->src, "format", GST_FORMAT_BYTES, NULL);
  if (caps != NULL) {
    GstCaps *c = gst_caps_from_string (caps);

    g_object_set (p->src, "caps", c, NULL);
    gst_caps_unref (c);
  }
  gst_bin_add_many (GST_BIN (p->pipeline), p->src, p->tts, NULL);
  fail_unless (gst_element_link (p->src, p->tts));
  player_attach (p, kind);
  return p;
}

static Player *
player_new (SinkKind kind, const gchar *caps)
{
  return player_new_on (kind, caps, NULL);
}

/* A launch line that names its ttsplaysink "tts". */
static Player *
player_parse (SinkKind kind, const gchar *desc)
{
  Player *p = g_new0 (Player, 1);
  GError *err = NULL;

  g_mutex_init (&p->rec.lock);
  p->pipeline = gst_parse_launch (desc, &err);
  fail_unless (p->pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  p->tts = gst_bin_get_by_name (GST_BIN (p->pipeline), "tts");
  fail_unless (p->tts != NULL);
  gst_object_unref (p->tts);
  player_attach (p, kind);
  return p;
}

static void
player_free (Player *p)
{
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  gst_object_unref (p->pipeline);
  if (p->recorder != NULL) {
    gst_element_set_state (p->recorder, GST_STATE_NULL);
    gst_object_unref (p->recorder);
  }
  if (p->owns_pulse)
    onair_pulse_free (p->pulse);
  g_byte_array_unref (p->tap.pcm);
  g_array_unref (p->tap.gaps);
  g_array_unref (p->tap.arrivals);
  g_mutex_clear (&p->tap.lock);
  g_mutex_clear (&p->rec.lock);
  g_ptr_array_unref (p->messages);
  g_ptr_array_unref (p->order);
  g_free (p);
}

static void
note_message (Player *p, GstMessage *msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    g_ptr_array_add (p->order, g_strdup ("EOS"));
    return;
  }
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT
      || GST_MESSAGE_SRC (msg) != GST_OBJECT (p->tts) || s == NULL
      || !g_str_has_prefix (gst_structure_get_name (s), "ttsplaysink-"))
    return;
  g_ptr_array_add (p->messages, gst_structure_copy (s));
  g_ptr_array_add (p->order, g_strdup (gst_structure_get_name (s)));
}

/* Sets the pipeline to PLAYING (unless it is already) and collects the
 * messages of ttsplaysink until EOS or an error, which is returned. */
static GstMessage *
player_run (Player *p, guint timeout_ms)
{
  const GstMessageType types =
      GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR;
  gint64 deadline;
  GstMessage *msg;

  timeout_ms = onair_check_scaled_ms (timeout_ms);
  deadline = g_get_monotonic_time () + timeout_ms * 1000;

  if (GST_STATE_TARGET (p->pipeline) != GST_STATE_PLAYING)
    msg = onair_check_run_pipeline (p->pipeline, types, timeout_ms);
  else
    msg = onair_check_wait_message (p->pipeline, types, timeout_ms);
  for (;;) {
    gint64 left;

    fail_unless (msg != NULL, "no EOS within %u ms", timeout_ms);
    note_message (p, msg);
    if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ELEMENT)
      return msg;
    gst_message_unref (msg);
    left = (deadline - g_get_monotonic_time ()) / 1000;
    msg = onair_check_wait_message (p->pipeline, types, MAX (left, 1));
  }
}

/* PLAYING before any data: the sink prerolls when the first audio comes. */
static void
player_start (Player *p)
{
  fail_if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE);
}

static void
player_run_to_eos (Player *p, guint timeout_ms)
{
  GstMessage *msg = player_run (p, timeout_ms);

  onair_check_assert_no_error (msg);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
}

static GPtrArray *
messages_named (Player *p, const gchar *name)
{
  GPtrArray *out = g_ptr_array_new ();
  guint i;

  for (i = 0; i < p->messages->len; i++) {
    GstStructure *s = g_ptr_array_index (p->messages, i);

    if (gst_structure_has_name (s, name))
      g_ptr_array_add (out, s);
  }
  return out;
}

static guint
count_messages (Player *p, const gchar *name)
{
  GPtrArray *all = messages_named (p, name);
  guint n = all->len;

  g_ptr_array_unref (all);
  return n;
}

static const GstStructure *
the_message (Player *p, const gchar *name)
{
  GPtrArray *all = messages_named (p, name);
  const GstStructure *s;

  fail_unless_equals_int (all->len, 1);
  s = g_ptr_array_index (all, 0);
  g_ptr_array_unref (all);
  return s;
}

static guint64
field_time (const GstStructure *s, const gchar *name)
{
  guint64 v = 0;

  fail_unless (gst_structure_get_uint64 (s, name, &v), "%s has no %s",
      gst_structure_get_name (s), name);
  return v;
}

static guint
field_uint (const GstStructure *s, const gchar *name)
{
  guint v = 0;

  fail_unless (gst_structure_get_uint (s, name, &v), "%s has no %s",
      gst_structure_get_name (s), name);
  return v;
}

/* The latency the pipeline configured, as the sink reports it. */
static GstClockTime
pipeline_latency (Player *p)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min = 0;
  gboolean live = FALSE;

  fail_unless (gst_element_query (p->pipeline, q));
  gst_query_parse_latency (q, &live, &min, NULL);
  gst_query_unref (q);
  fail_unless (live, "ttsplaysink must make the sink report its latency");
  return min;
}

static void
assert_near (guint64 value, guint64 expected, guint64 tolerance,
    const gchar *what)
{
  gint64 diff = (gint64) value - (gint64) expected;

  GST_INFO ("%s: %" G_GINT64_FORMAT
            " us from the expected value, tolerance %" G_GUINT64_FORMAT " us",
      what, diff / 1000, tolerance / 1000);
  fail_unless (ABS (diff) <= (gint64) tolerance,
      "%s: %" G_GUINT64_FORMAT " ms, expected %" G_GUINT64_FORMAT
      " ms +- %" G_GUINT64_FORMAT " ms",
      what, value / MS, expected / MS, tolerance / MS);
}

/* How far an instant read on the sink's clock may be from the monotonic
 * clock.  fakesink runs on the system clock, which is the monotonic clock.
 * PulseAudio's clock follows a daemon that is scheduled like any process:
 * on a loaded machine it was seen up to 7 ms behind the latency it
 * reported. */
static guint64
clock_tolerance (SinkKind kind)
{
  return kind == SINK_PULSE ? 25 * MS : 0;
}

/* How long a loaded machine may keep a thread that has work waiting (the
 * HTTP client, the decoder, the gate, the clock's thread, the daemon).  It
 * only ever widens an upper bound on how late ttsplaysink acted; the lower
 * bounds are exact, since nothing can be played before the server sent
 * it. */
static guint64
slow_machine_slack (void)
{
  return onair_check_scaled_ms (3000) * MS;
}

/* @value within [@low, @high]; the margins go to the log. */
static void
assert_between (guint64 value, gint64 low, gint64 high, const gchar *what)
{
  GST_INFO ("%s: %" G_GUINT64_FORMAT " us, %" G_GINT64_FORMAT
            " us above the lower bound, %" G_GINT64_FORMAT
            " us below the upper bound",
      what, value / 1000, ((gint64) value - low) / 1000,
      (high - (gint64) value) / 1000);
  fail_unless ((gint64) value >= low && (gint64) value <= high,
      "%s: %" G_GINT64_FORMAT " us, not within [%" G_GINT64_FORMAT
      ", %" G_GINT64_FORMAT "] us",
      what, (gint64) value / 1000, low / 1000, high / 1000);
}

/* The server's "pcm": S16LE mono at 24 kHz. */
#define PCM_RATE 24000

/* Bytes of "pcm" that hold @duration of audio, rounded down. */
static gsize
pcm_bytes (guint64 duration)
{
  return 2 * gst_util_uint64_scale (duration, PCM_RATE, GST_SECOND);
}

static guint64
pcm_duration (gsize bytes)
{
  return gst_util_uint64_scale (bytes / 2, GST_SECOND, PCM_RATE);
}

/* When the server started to send the chunk that completed the first
 * @duration of "pcm" audio (or the last one, when there was less): nothing
 * of it can have been played earlier. */
static guint64
pcm_sent_by (OnairTtsServer *server, guint64 duration)
{
  GArray *sends = onair_tts_server_last_sends (server);
  gsize bytes = pcm_bytes (duration);
  guint64 t;

  if (sends->len > 0)
    bytes = MIN (bytes,
        g_array_index (sends, OnairTtsSend, sends->len - 1).body_end);
  g_array_unref (sends);
  t = onair_tts_server_sent_by (server, bytes);
  fail_unless (t > 0, "the server never sent %" GST_TIME_FORMAT,
      GST_TIME_ARGS (duration));
  return t;
}

/* The monotonic instant at which ttsplaysink's running time was 0 on the
 * sink's clock, from its own report: the first sample, stamped first_pts,
 * left the device at reference + ttfa, the sink latency after its running
 * time.  The reference is the mark, taken between the feeder's two
 * readings, so the instant is known between *@earliest and *@latest. */
static void
clock_origin (Player *p, Feeder *f, const GstStructure *fa, gint64 *earliest,
    gint64 *latest)
{
  gint64 heard = (gint64) field_time (fa, "ttfa") - (gint64) p->tap.first_pts
      - (gint64) field_time (fa, "sink-latency");

  fail_unless (f->mark);
  *earliest = (gint64) f->mark_before + heard;
  *latest = (gint64) f->mark_after + heard;
}

/* Feeding */

static gboolean
feeder_push (const guint8 *data, gsize size, gpointer user_data)
{
  Feeder *f = user_data;
  GstFlowReturn flow;
  GstBuffer *buf = gst_buffer_new_memdup (data, size);

  g_byte_array_append (f->received, data, size);
  f->pushes++;
  g_signal_emit_by_name (f->src, "push-buffer", buf, &flow);
  gst_buffer_unref (buf);
  /* A stopped pipeline needs no more. */
  return flow == GST_FLOW_OK;
}

static gpointer
feeder_run (gpointer user_data)
{
  Feeder *f = user_data;
  GstFlowReturn flow;

  /* As an application does: mark, then send. */
  f->mark_before = gst_util_get_timestamp ();
  if (f->mark)
    g_signal_emit_by_name (f->tts, "mark-request");
  f->mark_after = gst_util_get_timestamp ();
  f->status = onair_tts_request (f->port, f->text, f->format, feeder_push, f,
      &f->error);
  g_signal_emit_by_name (f->src, "end-of-stream", &flow);
  return NULL;
}

static Feeder *
feeder_start (Player *p, OnairTtsServer *server, const gchar *text,
    const gchar *format, gboolean mark)
{
  Feeder *f = g_new0 (Feeder, 1);

  f->src = p->src;
  f->tts = p->tts;
  f->mark = mark;
  f->port = onair_tts_server_port (server);
  f->text = g_strdup (text);
  f->format = g_strdup (format);
  f->received = g_byte_array_new ();
  f->thread = g_thread_new ("feeder", feeder_run, f);
  return f;
}

static void
feeder_join (Feeder *f)
{
  g_thread_join (f->thread);
  f->thread = NULL;
  fail_unless (f->error == NULL, "request failed: %s",
      f->error ? f->error->message : "");
  fail_unless_equals_int (f->status, 200);
}

static void
feeder_free (Feeder *f)
{
  if (f->thread != NULL)
    g_thread_join (f->thread);
  g_clear_error (&f->error);
  g_byte_array_unref (f->received);
  g_free (f->text);
  g_free (f->format);
  g_free (f);
}

static OnairTtsServer *
server_new (guint delay_ms, gdouble pace, guint chunk_ms, guint stall_at_ms,
    guint stall_ms)
{
  OnairTtsPacing pacing = { delay_ms, pace, chunk_ms, stall_at_ms, stall_ms };
  GError *err = NULL;
  OnairTtsServer *server = onair_tts_server_new (0, &err);

  fail_unless (server != NULL, "tts server: %s", err ? err->message : "");
  onair_tts_server_set_pacing (server, &pacing);
  return server;
}

/* Decodes @data as an application would without ttsplaysink, into the
 * format @info; the reference for what must reach the sink. */
static GBytes *
decode_reference (const guint8 *data, gsize size, const gchar *caps,
    const GstAudioInfo *info)
{
  GstElement *pipeline, *src, *filter, *sink;
  GByteArray *out = g_byte_array_new ();
  GstCaps *target = gst_audio_info_to_caps (info);
  GstFlowReturn flow;
  GstSample *sample;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_parse_launch ("appsrc name=src ! decodebin ! audioconvert ! "
                               "audioresample ! capsfilter name=filter ! "
                               "appsink name=sink sync=false",
      NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  filter = gst_bin_get_by_name (GST_BIN (pipeline), "filter");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (filter, "caps", target, NULL);
  if (caps != NULL) {
    GstCaps *c = gst_caps_from_string (caps);

    g_object_set (src, "caps", c, NULL);
    gst_caps_unref (c);
  }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_signal_emit_by_name (src, "push-buffer", gst_buffer_new_memdup (data, size),
      &flow);
  g_signal_emit_by_name (src, "end-of-stream", &flow);
  for (;;) {
    GstMapInfo map;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  onair_check_assert_no_error (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (filter);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_caps_unref (target);
  return g_byte_array_free_to_bytes (out);
}

static guint64
frames_to_time (Player *p, guint64 frames)
{
  return gst_util_uint64_scale_int (frames, GST_SECOND,
      GST_AUDIO_INFO_RATE (&p->tap.info));
}

/* Frames of the speech in @pcm (S16LE mono) from the first to the last
 * sample above LOUD. */
static guint64
loud_span (const GByteArray *pcm, guint channels)
{
  const gint16 *s = (const gint16 *) pcm->data;
  gsize n = pcm->len / (2 * channels), f, from = n, last = 0;
  guint c;

  for (f = 0; f < n; f++) {
    for (c = 0; c < channels; c++) {
      if (ABS (s[f * channels + c]) > LOUD) {
        from = MIN (from, f);
        last = f + 1;
      }
    }
  }
  return last > from ? last - from : 0;
}

/* Frames of @pcm (S16LE mono) above LOUD. */
static guint64
loud_count (const GByteArray *pcm)
{
  const gint16 *s = (const gint16 *) pcm->data;
  gsize n = pcm->len / 2, f;
  guint64 loud = 0;

  for (f = 0; f < n; f++)
    loud += ABS (s[f]) > LOUD;
  return loud;
}

/* Tests */

/* Time to first audio runs from the mark to the moment the sink plays the
 * first sample, not to when it was handed over: at least the time until the
 * server had sent the audio playback started with, plus the latency the sink
 * reported; more only by how late the machine ran the element.  Time to
 * first byte likewise runs to the arrival of the server's first chunk. */
GST_START_TEST (test_ttfa_is_delay_plus_prebuffer_plus_sink_latency)
{
  g_autoptr (OnairTtsServer) server = server_new (300, 1.0, 10, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  const GstStructure *fa, *finished;
  GstClockTime latency;
  guint64 prebuffered, started, first_sent;
  gboolean marked = FALSE;
  Feeder *f;

  player_start (p);
  f = feeder_start (p, server, SENTENCE, "pcm", TRUE);
  player_run_to_eos (p, 30000);
  feeder_join (f);

  latency = pipeline_latency (p);
  fa = the_message (p, "ttsplaysink-first-audio");
  finished = the_message (p, "ttsplaysink-finished");
  prebuffered = field_time (fa, "prebuffered");
  first_sent = onair_tts_server_sent_by (server, 1);
  started = pcm_sent_by (server, prebuffered);
  GST_INFO ("%s: ttfa %" G_GUINT64_FORMAT
            " ms, first byte sent after %" G_GUINT64_FORMAT
            " ms, started with %" G_GUINT64_FORMAT
            " ms, sent after %" G_GUINT64_FORMAT
            " ms, sink latency %" GST_TIME_FORMAT,
      sink_names[__i__], field_time (fa, "ttfa") / MS,
      (first_sent - f->mark_after) / MS, prebuffered / MS,
      (started - f->mark_after) / MS, GST_TIME_ARGS (latency));
  /* The server's delay, from the request to the first byte. */
  fail_unless (first_sent >= f->mark_after + 300 * MS);
  fail_unless (latency > 0, "the sink reported no latency");
  fail_unless_equals_uint64 (field_time (fa, "sink-latency"), latency);
  fail_unless_equals_uint64 (field_time (fa, "prebuffer-threshold"), PREBUFFER);
  fail_unless (prebuffered >= PREBUFFER);
  assert_between (field_time (fa, "ttfa"),
      (gint64) (started + latency - f->mark_after)
          - (gint64) clock_tolerance (__i__),
      (gint64) (started + latency - f->mark_before + slow_machine_slack ()),
      "ttfa");
  assert_between (field_time (fa, "ttfb"), first_sent - f->mark_after,
      first_sent - f->mark_before + slow_machine_slack (), "ttfb");
  fail_unless (gst_structure_get_boolean (fa, "marked", &marked));
  fail_unless (marked);
  fail_unless_equals_uint64 (field_time (finished, "ttfa"),
      field_time (fa, "ttfa"));
  /* Data late on a loaded machine may stall playback; each stall is a gap
   * at the sink, and nothing is lost. */
  fail_unless_equals_int (field_uint (finished, "underruns"), p->tap.gaps->len);
  fail_unless_equals_uint64 (tap_frames (p) * 2, f->received->len);

  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

/* Without mark-request, the reference is the first byte: time to first byte
 * is 0, and time to first audio covers the prebuffering and the sink's
 * latency but not the server's delay before its first byte. */
GST_START_TEST (test_reference_is_first_byte_without_mark)
{
  g_autoptr (OnairTtsServer) server = server_new (300, 1.0, 10, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  const GstStructure *fa;
  gboolean marked = TRUE;
  guint64 first_sent, started;
  GstClockTime latency;
  Feeder *f;

  player_start (p);
  f = feeder_start (p, server, SHORT_SENTENCE, "pcm", FALSE);
  player_run_to_eos (p, 30000);
  feeder_join (f);

  fa = the_message (p, "ttsplaysink-first-audio");
  latency = pipeline_latency (p);
  fail_unless (gst_structure_get_boolean (fa, "marked", &marked));
  fail_if (marked);
  fail_unless_equals_uint64 (field_time (fa, "ttfb"), 0);
  /* The first byte arrived after the server sent it; playback started once
   * the prebuffer had arrived. */
  first_sent = onair_tts_server_sent_by (server, 1);
  started = pcm_sent_by (server, field_time (fa, "prebuffered"));
  assert_between (field_time (fa, "ttfa"),
      (gint64) latency - (gint64) clock_tolerance (__i__),
      started - first_sent + latency + slow_machine_slack (), "ttfa");
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

/* A stall in the speech the server sends is held until ttsplaysink has
 * played all it got and run dry, however late a loaded machine gets there,
 * then lasts STALL more. */
#define STALL (350 * MS)

typedef struct {
  Player *p;
  OnairTtsServer *server;
  guint64 handed_out; /* what the player must have handed out first */
} DryWait;

static gboolean
server_holds (gpointer user_data)
{
  DryWait *w = user_data;

  return onair_tts_server_holding (w->server);
}

static gboolean
ran_dry_at_the_held_stall (gpointer user_data)
{
  DryWait *w = user_data;
  GstStructure *stats = NULL;
  gboolean dry;
  guint64 duration = 0;

  if (!onair_tts_server_holding (w->server))
    return FALSE;
  g_object_get (w->p->tts, "stats", &stats, NULL);
  dry = gst_structure_get_uint64 (stats, "audio-duration", &duration)
      && duration >= w->handed_out
      && g_strcmp0 (gst_structure_get_string (stats, "state"), "stalled") == 0;
  gst_structure_free (stats);
  return dry;
}

/* Waits until the server holds its stall and @p ran dry there (having
 * handed out all the server sent, for "pcm", whose duration is known from
 * its size), then lets the server go on after STALL.  Returns the bytes the
 * server sent before the stall. */
static gsize
release_after_running_dry (Player *p, OnairTtsServer *server, gboolean pcm)
{
  DryWait w = { p, server, 0 };
  GArray *sends;
  gsize before;

  onair_check_wait_until (server_holds, &w, 30000,
      "the server to reach its stall");
  sends = onair_tts_server_last_sends (server);
  fail_unless (sends->len > 0);
  before = g_array_index (sends, OnairTtsSend, sends->len - 1).body_end;
  g_array_unref (sends);
  /* Less a millisecond for the rounding of buffer durations. */
  if (pcm)
    w.handed_out = pcm_duration (before) - MS;
  onair_check_wait_until (ran_dry_at_the_held_stall, &w, 30000,
      "ttsplaysink to run dry at the stall");
  g_usleep (STALL / 1000);
  onair_tts_server_release (server);
  return before;
}

/* The buffers reached the audio sink before it had to play them, by
 * ttsplaysink's own reckoning (a guard before their time): only then must
 * the device play exactly what was stamped.  A loaded machine can deliver
 * later; the device then plays silence or skips, and says nothing. */
static gboolean
delivered_in_time (Player *p, gint64 origin, GstClockTime latency)
{
  gint64 guard = (gint64) MIN (latency / 2, 20 * MS);
  gint64 worst = G_MININT64;
  guint i;

  for (i = 0; i < p->tap.arrivals->len; i++) {
    const TapArrival *a = &g_array_index (p->tap.arrivals, TapArrival, i);
    gint64 due = origin + (gint64) (a->pts + latency);

    worst = MAX (worst, (gint64) a->at - due);
  }
  GST_INFO ("the latest buffer reached the sink %" G_GINT64_FORMAT
            " us before its time",
      -worst / 1000);
  return worst <= -guard;
}

/* A source that stops in mid-utterance: playback stalls there, the stall
 * is as long as the server kept the audio back (from the moment playback
 * ran out to the moment the refill had been sent), and every sample still
 * reaches the sink, in order.  Data that comes late on a loaded machine may
 * stall playback elsewhere too; each such stall is accounted the same way. */
GST_START_TEST (test_stall_is_one_underrun_and_loses_nothing)
{
  g_autoptr (OnairTtsServer) server =
      server_new (0, 1.0, 20, 1000, ONAIR_TTS_STALL_HELD);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  const GstStructure *fa, *finished, *at_stall = NULL;
  GPtrArray *underruns;
  guint64 before, threshold = PREBUFFER, stall_time = 0, latency;
  gint64 earliest, latest;
  guint n = 0, i;
  Feeder *f;

  player_start (p);
  f = feeder_start (p, server, SENTENCE, "pcm", TRUE);
  before = pcm_duration (release_after_running_dry (p, server, TRUE));
  player_run_to_eos (p, 30000);
  feeder_join (f);

  fa = the_message (p, "ttsplaysink-first-audio");
  finished = the_message (p, "ttsplaysink-finished");
  latency = field_time (fa, "sink-latency");
  clock_origin (p, f, fa, &earliest, &latest);
  underruns = messages_named (p, "ttsplaysink-underrun");
  /* Every stall is a gap at the sink of its length, and is counted. */
  fail_unless_equals_int (underruns->len, p->tap.gaps->len);
  fail_unless_equals_int (p->tap.disconts, underruns->len);
  for (i = 0; i < underruns->len; i++) {
    const GstStructure *u = g_ptr_array_index (underruns, i);
    const TapGap *gap = &g_array_index (p->tap.gaps, TapGap, i);
    guint64 stall = field_time (u, "stall-duration");
    guint64 position = field_time (u, "position");
    /* It resumed once the refill had come: after the server sent it. */
    guint64 refilled = pcm_sent_by (server, position + threshold);

    GST_INFO ("%s: stall %u of %" GST_TIME_FORMAT " at %" GST_TIME_FORMAT,
        sink_names[__i__], i + 1, GST_TIME_ARGS (stall),
        GST_TIME_ARGS (position));
    fail_unless_equals_int (field_uint (u, "count"), i + 1);
    fail_unless_equals_uint64 (gap->length, stall);
    assert_between (stall,
        (gint64) refilled - latest - (gint64) gap->from
            - (gint64) clock_tolerance (__i__),
        (gint64) refilled - earliest - (gint64) gap->from
            + (gint64) slow_machine_slack (),
        "stall");
    /* The server's stall: playback ran out of what came before it. */
    if (position + MS > before && position < before + MS) {
      fail_unless (at_stall == NULL, "two stalls at the server's");
      at_stall = u;
    }
    threshold = field_time (u, "refill-threshold");
    stall_time += stall;
    n++;
  }
  fail_unless (at_stall != NULL, "no stall where the server stalled");
  fail_unless_equals_int (field_uint (finished, "underruns"), n);
  fail_unless_equals_uint64 (field_time (finished, "stall-time"), stall_time);
  g_object_get (p->tts, "underruns", &i, NULL);
  fail_unless_equals_int (i, n);
  g_ptr_array_unref (underruns);

  /* Nothing lost: every input sample reached the sink, in order. */
  fail_unless_equals_uint64 (tap_frames (p) * 2, f->received->len);
  fail_unless (
      memcmp (p->tap.pcm->data, f->received->data, f->received->len) == 0);
  fail_unless_equals_uint64 (p->tap.gap_total, stall_time);
  /* Both instants are waited for on the sink's clock, and taken to the
   * monotonic clock by reading the two one after the other. */
  assert_near (field_time (finished, "playback-time"),
      field_time (finished, "audio-duration") + stall_time,
      20 * MS + clock_tolerance (__i__), "playback time");

  if (__i__ == SINK_PULSE && delivered_in_time (p, earliest, latency)) {
    Recording rec;
    guint64 in_span = loud_span (f->received, 1) * MS * 1000 / PCM_RATE;
    guint64 rec_span, in_loud;

    recording_snapshot (p, &rec);
    rec_span = (rec.last_loud - rec.first_loud) * MS * 1000 / 48000;
    in_loud = loud_count (f->received) * 2;
    GST_INFO ("monitor: %" G_GUINT64_FORMAT
              " frames of sound over %" G_GUINT64_FORMAT
              " ms; input %" G_GUINT64_FORMAT " frames over %" G_GUINT64_FORMAT
              " ms",
        rec.loud_frames, rec_span / MS, in_loud, in_span / MS);
    /* The device played all of it, with the stalls inside, and as much
     * sound as came in (at twice the rate). */
    assert_near (rec_span, in_span + stall_time, 25 * MS, "recorded span");
    fail_unless (rec.loud_frames * 100 >= in_loud * 97
            && rec.loud_frames * 100 <= in_loud * 103,
        "recorded %" G_GUINT64_FORMAT
        " frames of sound, sent %" G_GUINT64_FORMAT,
        rec.loud_frames, in_loud);
  }
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

static GArray *
refill_thresholds (Player *p)
{
  GPtrArray *underruns = messages_named (p, "ttsplaysink-underrun");
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint i;

  for (i = 0; i < underruns->len; i++) {
    guint64 t =
        field_time (g_ptr_array_index (underruns, i), "refill-threshold");

    fail_unless_equals_int (field_uint (g_ptr_array_index (underruns, i),
                                "count"),
        i + 1);
    g_array_append_val (out, t);
  }
  g_ptr_array_unref (underruns);
  return out;
}

/* A source at half real time stalls over and over; each stall raises the
 * refill threshold by adaptive-step, up to max-prebuffer-time. */
GST_START_TEST (test_adaptive_refill_grows_after_each_underrun)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 0.5, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  GArray *thresholds;
  guint64 refill = 0;
  Feeder *f;
  guint i;

  g_object_set (p->tts, "adaptive-step", 50 * MS, "max-prebuffer-time",
      300 * MS, NULL);
  f = feeder_start (p, server, SENTENCE, "pcm", TRUE);
  player_run_to_eos (p, 60000);
  feeder_join (f);

  thresholds = refill_thresholds (p);
  fail_unless (thresholds->len >= 3, "only %u underruns", thresholds->len);
  for (i = 0; i < thresholds->len; i++)
    fail_unless_equals_uint64 (g_array_index (thresholds, guint64, i),
        MIN (PREBUFFER + (i + 1) * 50 * MS, 300 * MS));
  g_object_get (p->tts, "refill-threshold", &refill, NULL);
  fail_unless_equals_uint64 (refill, 300 * MS);
  fail_unless_equals_uint64 (tap_frames (p) * 2, f->received->len);
  g_array_unref (thresholds);
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

GST_START_TEST (test_fixed_refill_without_adaptive)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 0.5, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  GArray *thresholds;
  Feeder *f;
  guint i;

  g_object_set (p->tts, "adaptive", FALSE, NULL);
  f = feeder_start (p, server, SENTENCE, "pcm", TRUE);
  player_run_to_eos (p, 60000);
  feeder_join (f);

  thresholds = refill_thresholds (p);
  fail_unless (thresholds->len >= 3, "only %u underruns", thresholds->len);
  for (i = 0; i < thresholds->len; i++)
    fail_unless_equals_uint64 (g_array_index (thresholds, guint64, i),
        PREBUFFER);
  fail_unless_equals_uint64 (tap_frames (p) * 2, f->received->len);
  g_array_unref (thresholds);
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

/* Every format a speech API sends, encoded by real encoders from real
 * speech, plays completely: what reaches the sink is exactly what an
 * ordinary decoder makes of the same bytes. */
GST_START_TEST (test_every_format_plays_completely)
{
  static const gchar *const formats[] = { "wav", "pcm", "mp3", "opus", "aac",
    "flac" };
  g_autoptr (OnairTtsServer) server = server_new (0, 0, 20, 0, 0);
  OnairPulse *pulse = __i__ == SINK_PULSE ? onair_pulse_start () : NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    Player *p = player_new_on (__i__, onair_tts_caps (formats[i]), pulse);
    const GstStructure *finished;
    GBytes *reference;
    guint64 bytes = 0, chunks = 0, duration = 0;
    Feeder *f;

    f = feeder_start (p, server, SHORT_SENTENCE, formats[i], TRUE);
    player_run_to_eos (p, 30000);
    feeder_join (f);

    finished = the_message (p, "ttsplaysink-finished");
    reference = decode_reference (f->received->data, f->received->len,
        onair_tts_caps (formats[i]), &p->tap.info);
    GST_INFO ("%s: %u bytes in %u chunks, %" G_GUINT64_FORMAT " frames of %s",
        formats[i], f->received->len, f->pushes, tap_frames (p),
        gst_audio_format_to_string (GST_AUDIO_INFO_FORMAT (&p->tap.info)));
    fail_unless (tap_frames (p) > 0, "%s: nothing played", formats[i]);
    fail_unless_equals_uint64 (p->tap.pcm->len, g_bytes_get_size (reference));
    fail_unless (memcmp (p->tap.pcm->data, g_bytes_get_data (reference, NULL),
                     p->tap.pcm->len)
            == 0,
        "%s: the played samples differ from the decoded input", formats[i]);
    g_object_get (p->tts, "bytes-received", &bytes, "chunks-received", &chunks,
        "audio-duration", &duration, NULL);
    fail_unless_equals_uint64 (bytes, f->received->len);
    fail_unless_equals_uint64 (chunks, f->pushes);
    fail_unless_equals_uint64 (field_time (finished, "bytes-received"), bytes);
    assert_near (duration, frames_to_time (p, tap_frames (p)), 1 * MS,
        "audio-duration");
    /* All of it was there at once: playback never ran dry. */
    fail_unless_equals_int (field_uint (finished, "underruns"), 0);
    fail_unless_equals_int (p->tap.gaps->len, 0);
    g_bytes_unref (reference);
    feeder_free (f);
    player_free (p);
  }
  onair_pulse_free (pulse);
}

GST_END_TEST;

static GBytes *
read_wav_data (const gchar *path, GstAudioInfo *info)
{
  gchar *data;
  gsize len;
  guint32 riff, size;
  const guint8 *d;
  GBytes *saved;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "no %s", path);
  d = (const guint8 *) data;
  fail_unless (len >= 44 && memcmp (d, "RIFF", 4) == 0
      && memcmp (d + 8, "WAVEfmt ", 8) == 0 && memcmp (d + 36, "data", 4) == 0);
  riff = GST_READ_UINT32_LE (d + 4);
  size = GST_READ_UINT32_LE (d + 40);
  /* Valid: both sizes agree with the file. */
  fail_unless_equals_int (riff, len - 8);
  fail_unless_equals_int (size + (size & 1), len - 44);
  fail_unless_equals_int (GST_READ_UINT16_LE (d + 22),
      GST_AUDIO_INFO_CHANNELS (info));
  fail_unless_equals_int (GST_READ_UINT32_LE (d + 24),
      GST_AUDIO_INFO_RATE (info));
  fail_unless_equals_int (GST_READ_UINT16_LE (d + 34),
      GST_AUDIO_INFO_WIDTH (info));
  saved = g_bytes_new (d + 44, size);
  g_free (data);
  return saved;
}

/* save-location holds exactly the decoded audio that was played, without
 * the stall. */
GST_START_TEST (test_saved_wav_equals_decoded_input)
{
  g_autoptr (OnairTtsServer) server =
      server_new (0, 1.0, 20, 800, ONAIR_TTS_STALL_HELD);
  Player *p = player_new (__i__, onair_tts_caps ("flac"));
  gchar *dir = onair_check_make_dir ("save");
  gchar *path = g_build_filename (dir, "played.wav", NULL);
  GBytes *saved, *reference;
  Feeder *f;

  g_object_set (p->tts, "save-location", path, NULL);
  player_start (p);
  f = feeder_start (p, server, SENTENCE, "flac", TRUE);
  release_after_running_dry (p, server, FALSE);
  player_run_to_eos (p, 30000);
  feeder_join (f);
  /* The stall made at least one gap (FLAC's 192 ms frames, arriving in real
   * time, may make more). */
  fail_unless (count_messages (p, "ttsplaysink-underrun") >= 1);
  fail_unless_equals_int (p->tap.gaps->len,
      count_messages (p, "ttsplaysink-underrun"));

  saved = read_wav_data (path, &p->tap.info);
  reference = decode_reference (f->received->data, f->received->len,
      onair_tts_caps ("flac"), &p->tap.info);
  fail_unless_equals_uint64 (g_bytes_get_size (saved),
      g_bytes_get_size (reference));
  fail_unless (g_bytes_equal (saved, reference));
  g_bytes_unref (saved);
  g_bytes_unref (reference);
  feeder_free (f);
  player_free (p);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static gboolean
played_half_a_second (gpointer user_data)
{
  Player *p = user_data;

  g_mutex_lock (&p->tap.lock);
  if (!p->tap.have_info) {
    g_mutex_unlock (&p->tap.lock);
    return FALSE;
  }
  g_mutex_unlock (&p->tap.lock);
  return tap_frames (p) >= (guint64) GST_AUDIO_INFO_RATE (&p->tap.info) / 2;
}

static void
assert_saved_prefix (Player *p, const gchar *path, Feeder *f)
{
  GBytes *saved = read_wav_data (path, &p->tap.info);
  GBytes *reference = decode_reference (f->received->data, f->received->len,
      onair_tts_caps (f->format), &p->tap.info);

  fail_unless (g_bytes_get_size (saved) > 0);
  fail_unless (g_bytes_get_size (saved) <= g_bytes_get_size (reference));
  fail_unless (memcmp (g_bytes_get_data (saved, NULL),
                   g_bytes_get_data (reference, NULL), g_bytes_get_size (saved))
      == 0);
  g_bytes_unref (saved);
  g_bytes_unref (reference);
}

/* Stopped in mid-utterance, the file is a valid WAV of what was played. */
GST_START_TEST (test_saved_wav_is_valid_after_early_stop)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 1.0, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("wav"));
  gchar *dir = onair_check_make_dir ("save");
  gchar *path = g_build_filename (dir, "stopped.wav", NULL);
  Feeder *f;

  g_object_set (p->tts, "save-location", path, NULL);
  player_start (p);
  f = feeder_start (p, server, SENTENCE, "wav", TRUE);
  onair_check_wait_until (played_half_a_second, p, 20000,
      "half a second to be played");
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  feeder_join (f);

  assert_saved_prefix (p, path, f);
  feeder_free (f);
  player_free (p);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* An error upstream stops the stream; the file is still valid. */
GST_START_TEST (test_saved_wav_is_valid_after_error)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 1.0, 20, 0, 0);
  gchar *dir = onair_check_make_dir ("save");
  gchar *path = g_build_filename (dir, "error.wav", NULL);
  Player *p = player_parse (__i__,
      "appsrc name=src format=bytes ! identity error-after=60 ! "
      "ttsplaysink name=tts");
  GstMessage *msg;
  GError *err = NULL;
  GstCaps *caps = gst_caps_from_string (onair_tts_caps ("wav"));
  Feeder *f;

  p->src = gst_bin_get_by_name (GST_BIN (p->pipeline), "src");
  gst_object_unref (p->src);
  g_object_set (p->src, "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (p->tts, "save-location", path, NULL);
  f = feeder_start (p, server, SENTENCE, "wav", TRUE);
  msg = player_run (p, 30000);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED),
      "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  g_thread_join (f->thread);
  f->thread = NULL;

  assert_saved_prefix (p, path, f);
  feeder_free (f);
  player_free (p);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static gchar *
write_speech (const gchar *dir, const gchar *name, GBytes *data)
{
  gchar *path = g_build_filename (dir, name, NULL);

  fail_unless (g_file_set_contents (path, g_bytes_get_data (data, NULL),
      g_bytes_get_size (data), NULL));
  return path;
}

/* Two utterances in a row, WAV at 22050 Hz then Ogg/Opus at 48 kHz: the
 * decoder is replaced for the second, the output format stays. */
GST_START_TEST (test_caps_change_between_utterances)
{
  GError *err = NULL;
  GBytes *wav = onair_tts_speak (SHORT_SENTENCE, NULL, 1.0, &err);
  GBytes *wav2, *opus;
  gchar *dir = onair_check_make_dir ("utterances");
  gchar *a, *b, *desc;
  GPtrArray *finished;
  Player *p;
  guint64 d0, d1, total;
  guint utterances = 0;

  fail_unless (wav != NULL, "%s", err ? err->message : "");
  wav2 = onair_tts_speak ("And this is the second one.", NULL, 1.0, &err);
  fail_unless (wav2 != NULL, "%s", err ? err->message : "");
  opus = onair_tts_encode (wav2, "opus", 0, &err);
  fail_unless (opus != NULL, "%s", err ? err->message : "");
  a = write_speech (dir, "a.wav", wav);
  b = write_speech (dir, "b.opus", opus);
  desc = g_strdup_printf ("concat name=c ! ttsplaysink name=tts "
                          "filesrc location=%s ! c. filesrc location=%s ! c.",
      a, b);
  p = player_parse (__i__, desc);
  player_run_to_eos (p, 30000);

  finished = messages_named (p, "ttsplaysink-finished");
  fail_unless_equals_int (finished->len, 2);
  fail_unless_equals_int (field_uint (g_ptr_array_index (finished, 0),
                              "utterance"),
      0);
  fail_unless_equals_int (field_uint (g_ptr_array_index (finished, 1),
                              "utterance"),
      1);
  fail_unless_equals_int (count_messages (p, "ttsplaysink-first-audio"), 2);
  g_object_get (p->tts, "utterances", &utterances, NULL);
  fail_unless_equals_int (utterances, 2);
  /* One format for the sink: the first utterance's. */
  fail_unless_equals_int (p->tap.caps_events, 1);
  fail_unless_equals_int (GST_AUDIO_INFO_RATE (&p->tap.info), 22050);

  d0 = field_time (g_ptr_array_index (finished, 0), "audio-duration");
  d1 = field_time (g_ptr_array_index (finished, 1), "audio-duration");
  assert_near (d0, onair_tts_wav_duration (wav), 1 * MS, "first utterance");
  /* Opus pads at most a frame (20 ms) at the end. */
  assert_near (d1, onair_tts_wav_duration (wav2), 25 * MS, "second utterance");
  total = frames_to_time (p, tap_frames (p));
  assert_near (total, d0 + d1, 1 * MS, "all frames played");
  g_ptr_array_unref (finished);

  player_free (p);
  g_bytes_unref (wav);
  g_bytes_unref (wav2);
  g_bytes_unref (opus);
  g_free (desc);
  g_free (a);
  g_free (b);
  g_free (dir);
}

GST_END_TEST;

static void
push_bytes (GstElement *src, const guint8 *data, gsize size, gsize piece)
{
  gsize off;
  GstFlowReturn flow;

  for (off = 0; off < size; off += piece) {
    GstBuffer *buf =
        gst_buffer_new_memdup (data + off, MIN (piece, size - off));

    g_signal_emit_by_name (src, "push-buffer", buf, &flow);
    gst_buffer_unref (buf);
  }
}

/* Raw audio whose rate changes in mid-utterance is converted to the format
 * the sink already plays. */
GST_START_TEST (test_raw_rate_change_is_converted)
{
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  gint16 *samples = g_new0 (gint16, 24000);
  GstCaps *caps16;
  GstSample *sample;
  GstBuffer *buf;
  GstFlowReturn flow;
  guint i;

  for (i = 0; i < 24000; i++)
    samples[i] = (gint16) (8000 * ((i / 20) % 2 ? 1 : -1));
  push_bytes (p->src, (const guint8 *) samples, 12000 * 2, 4096);
  caps16 = gst_caps_from_string ("audio/x-raw,format=S16LE,"
                                 "layout=interleaved,rate=16000,channels=1");
  buf = gst_buffer_new_memdup (samples, 8000 * 2);
  sample = gst_sample_new (buf, caps16, NULL, NULL);
  g_signal_emit_by_name (p->src, "push-sample", sample, &flow);
  gst_sample_unref (sample);
  gst_buffer_unref (buf);
  gst_caps_unref (caps16);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  player_run_to_eos (p, 30000);

  fail_unless_equals_int (count_messages (p, "ttsplaysink-finished"), 1);
  fail_unless_equals_int (p->tap.caps_events, 1);
  fail_unless_equals_int (GST_AUDIO_INFO_RATE (&p->tap.info), 24000);
  /* 0.5 s at 24 kHz and 0.5 s at 16 kHz: one second. */
  assert_near (frames_to_time (p, tap_frames (p)), GST_SECOND, 5 * MS,
      "duration played");
  g_free (samples);
  player_free (p);
}

GST_END_TEST;

static void
assert_decode_error (Player *p, const gchar *expect)
{
  GstMessage *msg = player_run (p, 20000);
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (p->tts), "error from %s",
      GST_MESSAGE_SRC_NAME (msg));
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE),
      "%s (%s)", err->message, debug);
  fail_unless (strstr (err->message, expect) != NULL,
      "\"%s\" does not name \"%s\"", err->message, expect);
  GST_INFO ("error: %s (%s)", err->message, debug);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
}

/* An API's error page instead of audio. */
GST_START_TEST (test_html_is_a_decode_error_naming_it)
{
  static const gchar page[] =
      "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title>"
      "</head><body><h1>Too Many Requests</h1><p>Rate limit exceeded, try "
      "again later.</p></body></html>\n";
  Player *p = player_new (__i__, NULL);
  GstFlowReturn flow;

  push_bytes (p->src, (const guint8 *) page, strlen (page), 64);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  assert_decode_error (p, "text/html");
  player_free (p);
}

GST_END_TEST;

GST_START_TEST (test_unknown_bytes_are_a_decode_error_showing_them)
{
  guint8 noise[8192];
  Player *p = player_new (__i__, NULL);
  GRand *rand = g_rand_new_with_seed (6);
  GstFlowReturn flow;
  GstCaps *typefound;
  guint i;

  for (i = 0; i < sizeof (noise); i++)
    noise[i] = g_rand_int_range (rand, 0, 256);
  noise[0] = 0x13;
  noise[1] = 0x37;
  g_rand_free (rand);
  typefound = gst_type_find_helper_for_data (NULL, noise, sizeof (noise), NULL);
  fail_unless (typefound == NULL, "the noise looks like %" GST_PTR_FORMAT,
      typefound);
  push_bytes (p->src, noise, sizeof (noise), 1000);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  assert_decode_error (p, "unknown data starting with 13 37");
  player_free (p);
}

GST_END_TEST;

/* Bytes that claim to be MP3 but are not. */
GST_START_TEST (test_wrong_caps_are_a_decode_error_naming_them)
{
  guint8 junk[4096];
  Player *p = player_new (__i__, onair_tts_caps ("mp3"));
  GstFlowReturn flow;

  memset (junk, 0x42, sizeof (junk));
  push_bytes (p->src, junk, sizeof (junk), 512);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  assert_decode_error (p, "audio/mpeg");
  player_free (p);
}

GST_END_TEST;

GST_START_TEST (test_empty_stream_is_a_decode_error)
{
  Player *p = player_new (__i__, NULL);
  GstFlowReturn flow;

  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  assert_decode_error (p, "before any audio");
  player_free (p);
}

GST_END_TEST;

/* Raw audio cut inside a sample, in chunks that end inside samples: every
 * whole frame plays, the broken last one is dropped, no error. */
GST_START_TEST (test_truncated_raw_frame_is_dropped)
{
  Player *p = player_new (__i__,
      "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=24000,channels=2");
  gsize size = 24000 * 4 / 2 + 3;
  guint8 *data = g_malloc (size);
  GstFlowReturn flow;
  gsize i;

  for (i = 0; i < size; i++)
    data[i] = (guint8) (i * 31);
  push_bytes (p->src, data, size, 4097);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  player_run_to_eos (p, 20000);
  fail_unless_equals_uint64 (tap_frames (p), size / 4);
  if (__i__ == SINK_FAKE)
    fail_unless (memcmp (p->tap.pcm->data, data, (size / 4) * 4) == 0);
  g_free (data);
  player_free (p);
}

GST_END_TEST;

/* MP3 and WAV cut in the middle of their last frame play what is whole. */
GST_START_TEST (test_truncated_encoded_frame_is_handled)
{
  static const gchar *const formats[] = { "mp3", "wav" };
  GError *err = NULL;
  GBytes *wav = onair_tts_speak (SHORT_SENTENCE, NULL, 1.0, &err);
  OnairPulse *pulse = __i__ == SINK_PULSE ? onair_pulse_start () : NULL;
  guint i;

  fail_unless (wav != NULL, "%s", err ? err->message : "");
  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    Player *p = player_new_on (__i__, onair_tts_caps (formats[i]), pulse);
    GBytes *enc = onair_tts_encode (wav, formats[i], 0, &err);
    gsize cut;
    const guint8 *d;
    GBytes *reference;
    GstFlowReturn flow;

    fail_unless (enc != NULL, "%s", err ? err->message : "");
    d = g_bytes_get_data (enc, &cut);
    cut -= 201;
    push_bytes (p->src, d, cut, 1000);
    g_signal_emit_by_name (p->src, "end-of-stream", &flow);
    player_run_to_eos (p, 20000);
    fail_unless (tap_frames (p) > 0);
    reference =
        decode_reference (d, cut, onair_tts_caps (formats[i]), &p->tap.info);
    fail_unless_equals_uint64 (p->tap.pcm->len, g_bytes_get_size (reference));
    g_bytes_unref (reference);
    g_bytes_unref (enc);
    player_free (p);
  }
  onair_pulse_free (pulse);
  g_bytes_unref (wav);
}

GST_END_TEST;

static void
assert_open_error (GstElement *pipeline, GstElement *tts, const gchar *expect)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error posted");
  fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (tts), "error from %s",
      GST_MESSAGE_SRC_NAME (msg));
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_OPEN_WRITE),
      "%s", err->message);
  fail_unless (strstr (err->message, expect) != NULL, "%s", err->message);
  GST_INFO ("error: %s (%s)", err->message, debug);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

GST_START_TEST (test_sink_that_cannot_open_is_an_error)
{
  GstElement *pipeline = gst_parse_launch ("appsrc ! ttsplaysink name=tts "
                                           "audio-sink=\"pulsesink "
                                           "server=unix:/nonexistent/socket\"",
      NULL);
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");

  assert_open_error (pipeline, tts, "pulsesink");
  gst_object_unref (tts);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* autoaudiosink that finds no device falls back to a fake sink with only
 * a warning; ttsplaysink makes that an error. */
GST_START_TEST (test_no_silent_fallback_to_a_fake_sink)
{
  GstElement *pipeline = gst_parse_launch ("appsrc ! ttsplaysink name=tts "
                                           "audio-sink=\"autoaudiosink "
                                           "filter-caps=audio/x-none\"",
      NULL);
  GstElement *tts = gst_bin_get_by_name (GST_BIN (pipeline), "tts");

  assert_open_error (pipeline, tts, "autoaudiosink");
  gst_object_unref (tts);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* first-audio, then finished, then EOS reaches the application. */
GST_START_TEST (test_finished_comes_before_eos)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 0, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  Feeder *f;

  f = feeder_start (p, server, SHORT_SENTENCE, "pcm", FALSE);
  player_run_to_eos (p, 20000);
  feeder_join (f);
  fail_unless_equals_int (p->order->len, 3);
  fail_unless_equals_string (g_ptr_array_index (p->order, 0),
      "ttsplaysink-first-audio");
  fail_unless_equals_string (g_ptr_array_index (p->order, 1),
      "ttsplaysink-finished");
  fail_unless_equals_string (g_ptr_array_index (p->order, 2), "EOS");
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

typedef struct {
  GMutex lock;
  GCond cond;
  gboolean finished_seen;
  gboolean app_has_eos;
} Race;

/* The application's bus handler holds up the thread that posts finished
 * until the application has EOS, or for a second: EOS cannot come first
 * when the element waits for that thread, as it must. */
static GstBusSyncReply
race_sync (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Race *race = user_data;
  const GstStructure *s = gst_message_get_structure (msg);
  gint64 until = g_get_monotonic_time () + G_TIME_SPAN_SECOND;

  if (s == NULL || !gst_structure_has_name (s, "ttsplaysink-finished"))
    return GST_BUS_PASS;
  g_mutex_lock (&race->lock);
  race->finished_seen = TRUE;
  g_cond_broadcast (&race->cond);
  while (!race->app_has_eos
      && g_cond_wait_until (&race->cond, &race->lock, until)) {
  }
  g_mutex_unlock (&race->lock);
  return GST_BUS_PASS;
}

/* The sink gets EOS only once finished is being posted. */
static GstPadProbeReturn
race_hold_eos (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Race *race = user_data;
  gint64 until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&race->lock);
  while (!race->finished_seen
      && g_cond_wait_until (&race->cond, &race->lock, until)) {
  }
  g_mutex_unlock (&race->lock);
  return GST_PAD_PROBE_OK;
}

/* finished is posted from the clock's thread when the last sample is
 * played, and the sink reaches EOS at the same instant in its own thread:
 * however the two are scheduled, EOS comes after finished. */
GST_START_TEST (test_finished_before_eos_from_another_thread)
{
  Player *p = player_new (SINK_FAKE, onair_tts_caps ("pcm"));
  guint8 *data = g_malloc0 (24000 * 2 / 2); /* 500 ms */
  Race race = { 0 };
  GstBus *bus = gst_element_get_bus (p->pipeline);
  GstPad *pad = gst_element_get_static_pad (p->sink, "sink");
  GstFlowReturn flow;

  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  gst_bus_set_sync_handler (bus, race_sync, &race, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, race_hold_eos,
      &race, NULL);
  push_bytes (p->src, data, 24000 * 2 / 2, 960);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  player_run_to_eos (p, 20000);
  g_mutex_lock (&race.lock);
  race.app_has_eos = TRUE;
  g_cond_broadcast (&race.cond);
  g_mutex_unlock (&race.lock);
  fail_unless (race.finished_seen);
  fail_unless_equals_int (p->order->len, 3);
  fail_unless_equals_string (g_ptr_array_index (p->order, 1),
      "ttsplaysink-finished");
  fail_unless_equals_string (g_ptr_array_index (p->order, 2), "EOS");
  player_free (p);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
  g_free (data);
}

GST_END_TEST;

/* Shorter than the prebuffer: it starts at its end, whole. */
GST_START_TEST (test_short_utterance_starts_at_its_end)
{
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  guint8 *data = g_malloc0 (24000 * 2 / 10); /* 100 ms */
  const GstStructure *fa;
  GstFlowReturn flow;

  push_bytes (p->src, data, 24000 * 2 / 10, 960);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  player_run_to_eos (p, 20000);
  fa = the_message (p, "ttsplaysink-first-audio");
  fail_unless_equals_uint64 (field_time (fa, "prebuffered"), 100 * MS);
  fail_unless_equals_uint64 (tap_frames (p) * 2, 24000 * 2 / 10);
  g_free (data);
  player_free (p);
}

GST_END_TEST;

typedef struct {
  Player *p;
  GMutex lock;
  GCond cond;
  gboolean stop;
  guint64 max_queued;
} QueueWatch;

/* Samples the level every 2 ms while the test runs. */
static gpointer
watch_queue (gpointer user_data)
{
  QueueWatch *w = user_data;

  g_mutex_lock (&w->lock);
  while (!w->stop) {
    guint64 queued = 0;

    g_mutex_unlock (&w->lock);
    g_object_get (w->p->tts, "queued-time", &queued, NULL);
    g_mutex_lock (&w->lock);
    w->max_queued = MAX (w->max_queued, queued);
    g_cond_wait_until (&w->cond, &w->lock, g_get_monotonic_time () + 2000);
  }
  g_mutex_unlock (&w->lock);
  return NULL;
}

/* A producer far faster than real time waits: the queue stays within
 * max-buffer-time and nothing is dropped. */
GST_START_TEST (test_max_buffer_time_holds_the_producer)
{
  g_autoptr (OnairTtsServer) server = server_new (0, 0, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  QueueWatch w = { p };
  GThread *watcher;
  Feeder *f;

  g_mutex_init (&w.lock);
  g_cond_init (&w.cond);
  g_object_set (p->tts, "max-buffer-time", 300 * MS, NULL);
  watcher = g_thread_new ("watch", watch_queue, &w);
  f = feeder_start (p, server, SENTENCE, "pcm", FALSE);
  player_run_to_eos (p, 30000);
  feeder_join (f);
  g_mutex_lock (&w.lock);
  w.stop = TRUE;
  g_cond_signal (&w.cond);
  g_mutex_unlock (&w.lock);
  g_thread_join (watcher);
  g_mutex_clear (&w.lock);
  g_cond_clear (&w.cond);
  GST_INFO ("queued at most %" GST_TIME_FORMAT, GST_TIME_ARGS (w.max_queued));
  fail_unless (w.max_queued >= 200 * MS, "the queue never filled");
  /* One buffer of decoded audio may go past the limit. */
  fail_unless (w.max_queued <= 300 * MS + 100 * MS, "queued %" GST_TIME_FORMAT,
      GST_TIME_ARGS (w.max_queued));
  fail_unless_equals_uint64 (tap_frames (p) * 2, f->received->len);
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

GST_START_TEST (test_trailing_silence_is_played)
{
  Player *p = player_new (__i__, onair_tts_caps ("pcm"));
  gint16 *samples = g_new (gint16, 12000);
  guint64 duration = 0;
  GstFlowReturn flow;
  guint64 extra;
  const gint16 *played;
  guint i;

  for (i = 0; i < 12000; i++)
    samples[i] = 1000;
  g_object_set (p->tts, "trailing-silence", 200 * MS, NULL);
  push_bytes (p->src, (const guint8 *) samples, 12000 * 2, 4800);
  g_signal_emit_by_name (p->src, "end-of-stream", &flow);
  player_run_to_eos (p, 20000);

  extra = (guint64) GST_AUDIO_INFO_RATE (&p->tap.info) / 5;
  if (__i__ == SINK_FAKE) {
    fail_unless_equals_uint64 (tap_frames (p), 12000 + extra);
    played = (const gint16 *) p->tap.pcm->data;
    for (i = 12000; i < 12000 + extra; i++)
      fail_unless_equals_int (played[i], 0);
  }
  g_object_get (p->tts, "audio-duration", &duration, NULL);
  fail_unless_equals_uint64 (duration, 500 * MS);
  g_free (samples);
  player_free (p);
}

GST_END_TEST;

GST_START_TEST (test_stats_match_properties)
{
  g_autoptr (OnairTtsServer) server = server_new (100, 2.0, 20, 0, 0);
  Player *p = player_new (__i__, onair_tts_caps ("mp3"));
  GstStructure *stats = NULL;
  const gchar *names[] = { "ttfa", "ttfb", "generation-time", "playback-time",
    "stall-time", "chunks-received", "chunks-played", "bytes-received",
    "audio-duration", "queued-time", "refill-threshold" };
  gdouble rtf = 0, stats_rtf = -1;
  guint64 generation, last_sent, ttfb;
  GArray *sends;
  Feeder *f;
  guint i;

  f = feeder_start (p, server, SHORT_SENTENCE, "mp3", TRUE);
  player_run_to_eos (p, 20000);
  feeder_join (f);
  g_object_get (p->tts, "stats", &stats, "real-time-factor", &rtf, NULL);
  fail_unless (
      gst_structure_has_name (stats, "application/x-ttsplaysink-stats"));
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    guint64 prop = 0;

    g_object_get (p->tts, names[i], &prop, NULL);
    fail_unless_equals_uint64 (field_time (stats, names[i]), prop);
  }
  fail_unless (
      gst_structure_get_double (stats, "real-time-factor", &stats_rtf));
  fail_unless (stats_rtf == rtf);
  generation = field_time (stats, "generation-time");
  fail_unless (rtf
      == (gdouble) generation / (gdouble) field_time (stats, "audio-duration"));
  /* The generation time is the span over which the bytes arrived, from
   * the first one, at reference + ttfb: the last one arrived after the
   * server sent it (at twice real time, however late the machine made it),
   * and before the end of its audio left the device, at reference + ttfa +
   * playback-time. */
  sends = onair_tts_server_last_sends (server);
  last_sent = g_array_index (sends, OnairTtsSend, sends->len - 1).sent_at;
  g_array_unref (sends);
  ttfb = field_time (stats, "ttfb");
  assert_between (generation, (gint64) (last_sent - f->mark_after - ttfb),
      (gint64) (field_time (stats, "ttfa") + field_time (stats, "playback-time")
          - ttfb),
      "generation time");
  fail_unless_equals_string (gst_structure_get_string (stats, "state"), "idle");
  g_object_get (p->tts, "state", &i, NULL);
  fail_unless_equals_int (i, 0);
  /* The server waited 100 ms before its first byte. */
  fail_unless (ttfb >= 100 * MS);
  fail_unless (field_time (stats, "chunks-played") > 0);
  gst_structure_free (stats);
  feeder_free (f);
  player_free (p);
}

GST_END_TEST;

static Suite *
ttsplaysink_suite (void)
{
  Suite *s = suite_create ("ttsplaysink");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_ttfa_is_delay_plus_prebuffer_plus_sink_latency,
      0, N_SINKS);
  tcase_add_loop_test (tc, test_reference_is_first_byte_without_mark, 0,
      N_SINKS);
  tcase_add_loop_test (tc, test_stall_is_one_underrun_and_loses_nothing, 0,
      N_SINKS);
  tcase_add_loop_test (tc, test_adaptive_refill_grows_after_each_underrun, 0,
      N_SINKS);
  tcase_add_loop_test (tc, test_fixed_refill_without_adaptive, 0, N_SINKS);
  tcase_add_loop_test (tc, test_every_format_plays_completely, 0, N_SINKS);
  tcase_add_loop_test (tc, test_saved_wav_equals_decoded_input, 0, N_SINKS);
  tcase_add_loop_test (tc, test_saved_wav_is_valid_after_early_stop, 0,
      N_SINKS);
  tcase_add_loop_test (tc, test_saved_wav_is_valid_after_error, 0, N_SINKS);
  tcase_add_loop_test (tc, test_caps_change_between_utterances, 0, N_SINKS);
  tcase_add_loop_test (tc, test_raw_rate_change_is_converted, 0, N_SINKS);
  tcase_add_loop_test (tc, test_html_is_a_decode_error_naming_it, 0, N_SINKS);
  tcase_add_loop_test (tc, test_unknown_bytes_are_a_decode_error_showing_them,
      0, N_SINKS);
  tcase_add_loop_test (tc, test_wrong_caps_are_a_decode_error_naming_them, 0,
      N_SINKS);
  tcase_add_loop_test (tc, test_empty_stream_is_a_decode_error, 0, N_SINKS);
  tcase_add_loop_test (tc, test_truncated_raw_frame_is_dropped, 0, N_SINKS);
  tcase_add_loop_test (tc, test_truncated_encoded_frame_is_handled, 0, N_SINKS);
  tcase_add_test (tc, test_sink_that_cannot_open_is_an_error);
  tcase_add_test (tc, test_no_silent_fallback_to_a_fake_sink);
  tcase_add_loop_test (tc, test_finished_comes_before_eos, 0, N_SINKS);
  tcase_add_test (tc, test_finished_before_eos_from_another_thread);
  tcase_add_loop_test (tc, test_short_utterance_starts_at_its_end, 0, N_SINKS);
  tcase_add_loop_test (tc, test_max_buffer_time_holds_the_producer, 0, N_SINKS);
  tcase_add_loop_test (tc, test_trailing_silence_is_played, 0, N_SINKS);
  tcase_add_loop_test (tc, test_stats_match_properties, 0, N_SINKS);
  return s;
}

ONAIR_CHECK_MAIN (ttsplaysink);
