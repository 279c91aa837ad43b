/* gst-plugins-onair: the playout gate inside ttsplaysink
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Timing model.  The gate claims to be live in the latency query, so the
 * pipeline configures the audio sink's own latency L, and the sink plays a
 * sample stamped with running time T at clock time base_time + T + L.  The
 * gate stamps the first sample of a start with the running time at that
 * moment (0 before the clock runs), and every following sample right after
 * the previous one.  Hence:
 * - the sink never receives a late sample, so it never drops one;
 * - when the gate has nothing left, the sink runs dry at T_end + L, where
 *   T_end is the end of the last sample handed out; audio arriving before
 *   that (by a guard) simply continues, audio arriving after it is a
 *   stall;
 * - after a stall the next sample is stamped "now" and marked DISCONT, which
 *   makes an audio sink resynchronise to it instead of aligning it with the
 *   previous sample (which would put it in the past);
 * - the instant a sample leaves the device is base_time + T + L, which is
 *   what time-to-first-audio and the end of playback are measured to.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gst/audio/audio.h>

#include "gstttsplaygate.h"
#include "wavwriter.h"

GST_DEBUG_CATEGORY_EXTERN (gst_tts_play_sink_debug);
#define GST_CAT_DEFAULT gst_tts_play_sink_debug

/* A sample must reach an audio sink a little before it is due: the sink
 * writes whole segments (10 ms by default) ahead of the one playing.  Audio
 * that comes later than this before the sink runs dry is treated as a
 * stall, which costs a gap instead of a dropped segment. */
#define MAX_GUARD (20 * GST_MSECOND)

typedef enum {
  ITEM_BUFFER,
  ITEM_EVENT,
  ITEM_END, /* end of an utterance; carries the EOS event when final */
} ItemType;

typedef struct {
  ItemType type;
  GstMiniObject *object;
  guint64 duration;
} Item;

/* One utterance from its first chunk until its last message is posted. */
typedef struct {
  TtsMetrics m;
  gboolean input_closed; /* no more chunks count towards it */
  gboolean output_closed; /* its end is queued in the gate */
  gboolean started; /* its first sample was handed out */
  guint64 first_rt;
  guint64 end_rt;
  gboolean first_audio_posted;
} Record;

struct _GstTtsPlayGate {
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* Protects everything below but the WAV writer, which only the streaming
   * thread of the src pad touches while it runs. */
  GMutex lock;
  GCond item_cond; /* items queued, flush, clock started */
  GCond space_cond; /* audio handed out, flush */
  GCond drain_cond;

  GQueue items;
  TtsPlayout playout;
  gboolean flushing;
  GstFlowReturn srcresult;
  gboolean clock_running;
  GstClockTime latency;

  GstAudioInfo in_info;
  gboolean in_info_valid;
  /* The first format negotiated is kept for the whole stream: later
   * utterances are converted to it instead of reopening the device. */
  GstCaps *locked_caps;
  GstAudioInfo out_info;
  gboolean out_info_valid;
  gboolean stream_start_sent;
  gboolean segment_sent;
  gboolean output_started; /* audio went out since the stream started */
  gboolean caps_sent;
  /* Running time of the next sample: out_base plus out_samples. */
  guint64 out_base;
  guint64 out_samples;
  gboolean out_discont;

  gboolean drain_expected;
  gboolean drained;

  GQueue records; /* Record, oldest first; the head is the one playing */
  GQueue announcing; /* Record, handed out, messages owed */
  Record *last; /* the most recent fully announced */
  GstClockID waits[2]; /* for the Instants, of utterance wait_index */
  guint wait_index[2];
  guint next_index;
  guint64 pending_mark;

  TtsPlayoutConfig config;
  gchar *save_location;
  guint64 trailing_silence;

  TtsWavWriter *wav;

  /* Messages, queued in the order they were made by any thread; one thread
   * at a time posts them, so that none overtakes another. */
  GQueue outbox;
  gboolean posting;
  GCond posted_cond;
};

G_DEFINE_TYPE (GstTtsPlayGate, gst_tts_play_gate, GST_TYPE_ELEMENT);

static void gst_tts_play_gate_loop_fn (GstPad *pad);

#define GATE_LOCK(g) g_mutex_lock (&(g)->lock)
#define GATE_UNLOCK(g) g_mutex_unlock (&(g)->lock)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, "
                     "format = (string) { S16LE, F32LE, S32LE, S24LE, U8, "
                     "F64LE }, "
                     "layout = (string) interleaved, "
                     "rate = (int) [ 1, MAX ], channels = (int) [ 1, 65535 ]"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, "
                     "format = (string) { S16LE, F32LE, S32LE, S24LE, U8, "
                     "F64LE }, "
                     "layout = (string) interleaved, "
                     "rate = (int) [ 1, MAX ], channels = (int) [ 1, 65535 ]"));

/* Items */

static void
item_free (Item *item)
{
  if (item->object != NULL)
    gst_mini_object_unref (item->object);
  g_free (item);
}

static void
queue_item (GstTtsPlayGate *gate, ItemType type, gpointer object,
    guint64 duration)
{
  Item *item = g_new0 (Item, 1);

  item->type = type;
  item->object = object;
  item->duration = duration;
  g_queue_push_tail (&gate->items, item);
  g_cond_broadcast (&gate->item_cond);
}

/* Records */

static Record *
record_new (GstTtsPlayGate *gate)
{
  Record *r = g_new0 (Record, 1);

  tts_metrics_init (&r->m, gate->next_index++);
  r->first_rt = TTS_TIME_NONE;
  r->end_rt = TTS_TIME_NONE;
  if (gate->pending_mark != TTS_TIME_NONE) {
    r->m.reference = gate->pending_mark;
    r->m.marked = TRUE;
    gate->pending_mark = TTS_TIME_NONE;
  }
  g_queue_push_tail (&gate->records, r);
  return r;
}

static Record *
input_record (GstTtsPlayGate *gate)
{
  Record *r = g_queue_peek_tail (&gate->records);

  if (r == NULL || r->input_closed)
    r = record_new (gate);
  return r;
}

/* The record the audio being queued now belongs to. */
static Record *
output_record (GstTtsPlayGate *gate)
{
  GList *l;

  for (l = gate->records.head; l != NULL; l = l->next) {
    Record *r = l->data;

    if (!r->output_closed)
      return r;
  }
  return record_new (gate);
}

static Record *
playing_record (GstTtsPlayGate *gate)
{
  return g_queue_peek_head (&gate->records);
}

static Record *
current_record (GstTtsPlayGate *gate)
{
  Record *r = playing_record (gate);

  if (r != NULL && (r->started || r->m.chunks_received > 0))
    return r;
  if (!g_queue_is_empty (&gate->announcing))
    return g_queue_peek_tail (&gate->announcing);
  return gate->last;
}

static void
records_clear (GstTtsPlayGate *gate)
{
  g_queue_clear_full (&gate->records, g_free);
  g_queue_clear_full (&gate->announcing, g_free);
  g_clear_pointer (&gate->last, g_free);
  gate->next_index = 0;
}

/* Clock */

static GstClockTime
guard_for (GstClockTime latency)
{
  return MIN (latency / 2, MAX_GUARD);
}

/* The running time now, or TTS_TIME_NONE when the clock does not run. */
static guint64
running_time_now (GstTtsPlayGate *gate)
{
  GstClock *clock;
  GstClockTime now, base;

  if (!gate->clock_running)
    return TTS_TIME_NONE;
  GST_OBJECT_LOCK (gate);
  clock = GST_ELEMENT_CLOCK (gate);
  if (clock == NULL) {
    GST_OBJECT_UNLOCK (gate);
    return TTS_TIME_NONE;
  }
  gst_object_ref (clock);
  base = GST_ELEMENT_CAST (gate)->base_time;
  GST_OBJECT_UNLOCK (gate);
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

/* The monotonic time at which a sample stamped @rt leaves the device. */
static guint64
audible_time (GstTtsPlayGate *gate, guint64 rt)
{
  guint64 now_rt = running_time_now (gate);
  guint64 now_mono = gst_util_get_timestamp ();
  gint64 ahead;

  if (now_rt == TTS_TIME_NONE || rt == TTS_TIME_NONE)
    return TTS_TIME_NONE;
  ahead = (gint64) (rt + gate->latency) - (gint64) now_rt;
  return (guint64) ((gint64) now_mono + ahead);
}

/* Messages */

static void
set_time_field (GstStructure *s, const gchar *name, guint64 value)
{
  gst_structure_set (s, name, G_TYPE_UINT64, value, NULL);
}

typedef enum {
  FIELDS_FIRST_AUDIO,
  FIELDS_ALL,
  FIELDS_ALL_AND_STATE,
} Fields;

static GstStructure *
record_structure (const gchar *name, const Record *r, GstTtsPlayGate *gate,
    Fields fields)
{
  GstStructure *s = gst_structure_new_empty (name);
  const TtsMetrics *m = &r->m;

  gst_structure_set (s, "utterance", G_TYPE_UINT, m->index, "marked",
      G_TYPE_BOOLEAN, m->marked, NULL);
  set_time_field (s, "ttfa", tts_metrics_ttfa (m));
  set_time_field (s, "ttfb", tts_metrics_ttfb (m));
  set_time_field (s, "prebuffer-threshold", m->prebuffer_time);
  set_time_field (s, "prebuffered", m->prebuffered);
  set_time_field (s, "sink-latency", m->sink_latency);
  if (fields == FIELDS_FIRST_AUDIO)
    return s;

  if (fields == FIELDS_ALL_AND_STATE)
    gst_structure_set (s, "state", G_TYPE_STRING,
        tts_playout_state_name (gate->playout.state), "queued-time",
        G_TYPE_UINT64, gate->playout.queued_total, "refill-threshold",
        G_TYPE_UINT64, gate->playout.refill, NULL);
  set_time_field (s, "generation-time", tts_metrics_generation_time (m));
  set_time_field (s, "playback-time", tts_metrics_playback_time (m));
  gst_structure_set (s, "underruns", G_TYPE_UINT, m->underruns, NULL);
  set_time_field (s, "stall-time", m->stall_time);
  gst_structure_set (s, "chunks-received", G_TYPE_UINT64, m->chunks_received,
      "chunks-played", G_TYPE_UINT64, m->chunks_played, "bytes-received",
      G_TYPE_UINT64, m->bytes, NULL);
  set_time_field (s, "audio-duration", m->audio_duration);
  gst_structure_set (s, "real-time-factor", G_TYPE_DOUBLE,
      tts_metrics_real_time_factor (m), NULL);
  return s;
}

static GstMessage *
element_message (GstTtsPlayGate *gate, GstStructure *s)
{
  GstObject *parent = GST_OBJECT_PARENT (gate);

  return gst_message_new_element (parent != NULL ? parent : GST_OBJECT (gate),
      s);
}

static void
queue_message_locked (GstTtsPlayGate *gate, GstStructure *s)
{
  g_queue_push_tail (&gate->outbox, element_message (gate, s));
}

/* Posts the queued messages, without the lock held while posting.  A thread
 * that finds another posting leaves its messages to that one, which stops
 * only when it finds the queue empty; with @wait, it returns once they are
 * on the bus (the sink's EOS must not overtake them). */
static void
post_queued (GstTtsPlayGate *gate, gboolean wait)
{
  GstElement *owner = NULL;
  GstMessage *msg;

  GATE_LOCK (gate);
  if (gate->posting) {
    while (wait && gate->posting)
      g_cond_wait (&gate->posted_cond, &gate->lock);
    GATE_UNLOCK (gate);
    return;
  }
  gate->posting = TRUE;
  while ((msg = g_queue_pop_head (&gate->outbox)) != NULL) {
    GATE_UNLOCK (gate);
    if (owner == NULL) {
      owner = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (gate)));
      if (owner == NULL)
        owner = gst_object_ref (GST_ELEMENT (gate));
    }
    gst_element_post_message (owner, msg);
    GATE_LOCK (gate);
  }
  gate->posting = FALSE;
  g_cond_broadcast (&gate->posted_cond);
  GATE_UNLOCK (gate);
  if (owner != NULL)
    gst_object_unref (owner);
}

static void
post_first_audio (GstTtsPlayGate *gate, Record *r)
{
  if (r->first_audio_posted)
    return;
  r->first_audio_posted = TRUE;
  queue_message_locked (gate,
      record_structure ("ttsplaysink-first-audio", r, gate,
          FIELDS_FIRST_AUDIO));
}

/* The instants ttsplaysink waits for on the clock. */
typedef enum {
  INSTANT_FIRST, /* the first sample of an utterance leaves the device */
  INSTANT_END, /* the end of its last sample does */
  N_INSTANTS,
} Instant;

static guint64 *
instant_of (Record *r, Instant which)
{
  return which == INSTANT_FIRST ? &r->m.first_audible : &r->m.last_audible;
}

/* The oldest utterance whose instant @which is still to come: for the end,
 * only one whose last sample was handed out. */
static Record *
awaiting (GstTtsPlayGate *gate, Instant which)
{
  GList *l;

  for (l = gate->announcing.head; l != NULL; l = l->next) {
    Record *r = l->data;

    if (r->started && *instant_of (r, which) == TTS_TIME_NONE)
      return r;
  }
  if (which == INSTANT_END)
    return NULL;
  for (l = gate->records.head; l != NULL; l = l->next) {
    Record *r = l->data;

    if (r->started && r->m.first_audible == TTS_TIME_NONE)
      return r;
  }
  return NULL;
}

static void schedule_waits (GstTtsPlayGate *gate);

/* Queues the finished messages that are owed, each after its first-audio.
 * With @force (the sink reached EOS), instants still unknown are computed
 * from the clock now instead of waited for: they are in the past then, and
 * the clock runs. */
static void
announce_locked (GstTtsPlayGate *gate, gboolean force)
{
  GList *l;
  Record *r;

  if (force) {
    while ((r = awaiting (gate, INSTANT_FIRST)) != NULL) {
      r->m.first_audible = audible_time (gate, r->first_rt);
      r->m.sink_latency = gate->latency;
      if (r->m.first_audible == TTS_TIME_NONE)
        break;
      post_first_audio (gate, r);
    }
  }

  while ((l = gate->announcing.head) != NULL) {
    r = l->data;
    if (force && r->started && r->m.last_audible == TTS_TIME_NONE)
      r->m.last_audible = audible_time (gate, r->end_rt);
    if (!force && r->started
        && (r->m.first_audible == TTS_TIME_NONE
            || r->m.last_audible == TTS_TIME_NONE))
      break;
    if (r->started)
      post_first_audio (gate, r);
    queue_message_locked (gate,
        record_structure ("ttsplaysink-finished", r, gate, FIELDS_ALL));
    g_queue_pop_head (&gate->announcing);
    g_free (gate->last);
    gate->last = r;
  }
  schedule_waits (gate);
}

/* A sample stamped with running time T leaves the device when the clock
 * reaches base_time + T + latency.  Waiting for exactly that, rather than
 * computing it, follows an audio clock that stands still until its device
 * really plays. */
static gboolean
instant_reached (GstClock *clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  GstTtsPlayGate *gate = user_data;
  GstClockTime now = gst_clock_get_time (clock);
  guint64 mono = gst_util_get_timestamp ();
  Instant which;

  GATE_LOCK (gate);
  for (which = 0; which < N_INSTANTS; which++) {
    Record *r;

    if (gate->waits[which] != id)
      continue;
    gst_clock_id_unref (gate->waits[which]);
    gate->waits[which] = NULL;
    r = awaiting (gate, which);
    if (r == NULL || r->m.index != gate->wait_index[which])
      break;
    /* The callback runs a little after the instant it waited for. */
    *instant_of (r, which) = mono - MIN (mono, now > time ? now - time : 0);
    GST_DEBUG_OBJECT (gate,
        "utterance %u: %s at clock %" GST_TIME_FORMAT " for %" GST_TIME_FORMAT,
        r->m.index, which == INSTANT_FIRST ? "first sample audible" : "ended",
        GST_TIME_ARGS (now), GST_TIME_ARGS (time));
    if (which == INSTANT_FIRST) {
      r->m.sink_latency = gate->latency;
      post_first_audio (gate, r);
    }
    announce_locked (gate, FALSE);
    break;
  }
  GATE_UNLOCK (gate);
  post_queued (gate, FALSE);
  return TRUE;
}

static void
schedule_waits (GstTtsPlayGate *gate)
{
  GstClock *clock;
  GstClockTime base;
  Instant which;

  if (!gate->clock_running)
    return;
  GST_OBJECT_LOCK (gate);
  clock = GST_ELEMENT_CLOCK (gate);
  if (clock != NULL)
    gst_object_ref (clock);
  base = GST_ELEMENT_CAST (gate)->base_time;
  GST_OBJECT_UNLOCK (gate);
  if (clock == NULL)
    return;

  for (which = 0; which < N_INSTANTS; which++) {
    Record *r = awaiting (gate, which);
    guint64 rt;

    if (gate->waits[which] != NULL || r == NULL)
      continue;
    rt = which == INSTANT_FIRST ? r->first_rt : r->end_rt;
    gate->wait_index[which] = r->m.index;
    gate->waits[which] =
        gst_clock_new_single_shot_id (clock, base + rt + gate->latency);
    gst_clock_id_wait_async (gate->waits[which], instant_reached,
        gst_object_ref (gate), gst_object_unref);
  }
  gst_object_unref (clock);
}

static void
unschedule_waits (GstTtsPlayGate *gate)
{
  Instant which;

  for (which = 0; which < N_INSTANTS; which++) {
    if (gate->waits[which] == NULL)
      continue;
    gst_clock_id_unschedule (gate->waits[which]);
    gst_clock_id_unref (gate->waits[which]);
    gate->waits[which] = NULL;
  }
}

void
gst_tts_play_gate_announce (GstTtsPlayGate *gate)
{
  GATE_LOCK (gate);
  announce_locked (gate, TRUE);
  GATE_UNLOCK (gate);
  post_queued (gate, TRUE);
}

/* Saving */

static gchar *
format_location (const gchar *location, guint index)
{
  const gchar *p = strchr (location, '%');
  guint width = 0;
  const gchar *q;
  GString *s;

  /* Only "%u" or "%0Nu" is replaced; the name is never used as a format. */
  if (p == NULL)
    return g_strdup (location);
  q = p + 1;
  if (*q == '0') {
    for (q++; g_ascii_isdigit (*q); q++)
      width = width * 10 + (*q - '0');
  }
  if (*q != 'u' || width > 20)
    return g_strdup (location);
  s = g_string_new_len (location, p - location);
  g_string_append_printf (s, "%0*u", (int) width, index);
  g_string_append (s, q + 1);
  return g_string_free (s, FALSE);
}

static gboolean
wav_layout (const GstAudioInfo *info, TtsWavSampleType *type, guint *bits)
{
  switch (GST_AUDIO_INFO_FORMAT (info)) {
    case GST_AUDIO_FORMAT_U8:
    case GST_AUDIO_FORMAT_S16LE:
    case GST_AUDIO_FORMAT_S24LE:
    case GST_AUDIO_FORMAT_S32LE:
      *type = TTS_WAV_INTEGER;
      break;
    case GST_AUDIO_FORMAT_F32LE:
    case GST_AUDIO_FORMAT_F64LE:
      *type = TTS_WAV_FLOAT;
      break;
    default:
      return FALSE;
  }
  *bits = GST_AUDIO_INFO_WIDTH (info);
  return TRUE;
}

static void
wav_close (GstTtsPlayGate *gate)
{
  GError *err = NULL;
  gchar *path;

  if (gate->wav == NULL)
    return;
  path = g_strdup (tts_wav_writer_path (gate->wav));
  if (!tts_wav_writer_close (gate->wav, &err)) {
    GST_ELEMENT_WARNING (gate, RESOURCE, CLOSE,
        (_ ("Could not finish the recording of the played audio in \"%s\"."),
            path),
        ("%s", err->message));
    g_error_free (err);
  }
  gate->wav = NULL;
  g_free (path);
}

static void
wav_open (GstTtsPlayGate *gate, const gchar *location, guint index)
{
  TtsWavSampleType type;
  guint bits;
  gchar *path;
  GError *err = NULL;

  wav_close (gate);
  if (location == NULL || !gate->out_info_valid)
    return;
  if (!wav_layout (&gate->out_info, &type, &bits))
    return;
  path = format_location (location, index);
  gate->wav =
      tts_wav_writer_open (path, type, GST_AUDIO_INFO_RATE (&gate->out_info),
          GST_AUDIO_INFO_CHANNELS (&gate->out_info), bits, &err);
  if (gate->wav == NULL) {
    GST_ELEMENT_WARNING (gate, RESOURCE, OPEN_WRITE,
        (_ ("Could not open \"%s\" to save the played audio."), path),
        ("%s", err->message));
    g_error_free (err);
  }
  g_free (path);
}

static void
wav_write (GstTtsPlayGate *gate, GstBuffer *buf)
{
  GstMapInfo map;
  GError *err = NULL;

  if (gate->wav == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return;
  if (!tts_wav_writer_write (gate->wav, map.data, map.size, &err)) {
    GST_ELEMENT_WARNING (gate, RESOURCE, WRITE,
        (_ ("Could not save the played audio in \"%s\"."),
            tts_wav_writer_path (gate->wav)),
        ("%s", err->message));
    g_error_free (err);
    wav_close (gate);
  }
  gst_buffer_unmap (buf, &map);
}

/* Sink pad */

static gboolean
gst_tts_play_gate_accept (GstTtsPlayGate *gate, GstCaps *caps)
{
  GstCaps *allowed;
  gboolean ok;

  if (gate->locked_caps != NULL)
    return gst_caps_is_subset (caps, gate->locked_caps);
  allowed = gst_pad_get_pad_template_caps (gate->sinkpad);
  ok = gst_caps_is_subset (caps, allowed);
  gst_caps_unref (allowed);
  return ok;
}

static gboolean
gst_tts_play_gate_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_CAPS: {
      GstCaps *filter, *result, *locked = NULL;

      gst_query_parse_caps (query, &filter);
      GATE_LOCK (gate);
      if (gate->locked_caps != NULL)
        locked = gst_caps_ref (gate->locked_caps);
      GATE_UNLOCK (gate);
      if (locked != NULL) {
        result = filter != NULL
            ? gst_caps_intersect_full (filter, locked, GST_CAPS_INTERSECT_FIRST)
            : gst_caps_ref (locked);
        gst_caps_unref (locked);
      } else {
        GstCaps *templ = gst_pad_get_pad_template_caps (pad);
        GstCaps *peer = gst_pad_peer_query_caps (gate->srcpad, templ);

        result = filter != NULL
            ? gst_caps_intersect_full (filter, peer, GST_CAPS_INTERSECT_FIRST)
            : gst_caps_ref (peer);
        gst_caps_unref (peer);
        gst_caps_unref (templ);
      }
      gst_query_set_caps_result (query, result);
      gst_caps_unref (result);
      return TRUE;
    }
    case GST_QUERY_ACCEPT_CAPS: {
      GstCaps *caps;
      gboolean ok, locked;

      gst_query_parse_accept_caps (query, &caps);
      GATE_LOCK (gate);
      ok = gst_tts_play_gate_accept (gate, caps);
      locked = gate->locked_caps != NULL;
      GATE_UNLOCK (gate);
      if (ok && !locked)
        ok = gst_pad_peer_query_accept_caps (gate->srcpad, caps);
      gst_query_set_accept_caps_result (query, ok);
      return TRUE;
    }
    case GST_QUERY_ALLOCATION:
      /* The buffers wait in the gate; the sink's pool must not run dry
       * because of them. */
      return FALSE;
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static GstFlowReturn
gst_tts_play_gate_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);
  GstFlowReturn ret;
  guint64 frames, duration;
  gsize size = gst_buffer_get_size (buf);

  GATE_LOCK (gate);
  if (gate->flushing) {
    ret = GST_FLOW_FLUSHING;
    goto done;
  }
  if (gate->srcresult != GST_FLOW_OK && gate->srcresult != GST_FLOW_EOS) {
    ret = gate->srcresult;
    goto done;
  }
  if (!gate->in_info_valid) {
    GATE_UNLOCK (gate);
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (gate, CORE, NEGOTIATION, (NULL),
        ("decoded audio arrived before its format"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  frames = size / GST_AUDIO_INFO_BPF (&gate->in_info);
  if (frames == 0) {
    ret = GST_FLOW_OK;
    goto done;
  }
  if (frames * GST_AUDIO_INFO_BPF (&gate->in_info) != size) {
    buf = gst_buffer_make_writable (buf);
    gst_buffer_resize (buf, 0, frames * GST_AUDIO_INFO_BPF (&gate->in_info));
  }
  duration = gst_util_uint64_scale_int_round (frames, GST_SECOND,
      GST_AUDIO_INFO_RATE (&gate->in_info));

  /* Back-pressure: the producer waits, nothing is dropped. */
  while (tts_playout_is_full (&gate->playout) && !gate->flushing)
    g_cond_wait (&gate->space_cond, &gate->lock);
  if (gate->flushing) {
    ret = GST_FLOW_FLUSHING;
    goto done;
  }

  output_record (gate);
  tts_playout_queue (&gate->playout, duration);
  queue_item (gate, ITEM_BUFFER, buf, duration);
  GATE_UNLOCK (gate);
  return GST_FLOW_OK;

done:
  GATE_UNLOCK (gate);
  gst_buffer_unref (buf);
  return ret;
}

static void
flush_items (GstTtsPlayGate *gate)
{
  g_queue_clear_full (&gate->items, (GDestroyNotify) item_free);
  tts_playout_reset (&gate->playout);
  gate->out_samples = 0;
  gate->out_base = 0;
  gate->out_discont = TRUE;
  gate->segment_sent = FALSE;
  unschedule_waits (gate);
  records_clear (gate);
  g_cond_broadcast (&gate->space_cond);
  g_cond_broadcast (&gate->drain_cond);
}

static gboolean
gst_tts_play_gate_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      GATE_LOCK (gate);
      gate->flushing = TRUE;
      gate->srcresult = GST_FLOW_FLUSHING;
      g_cond_broadcast (&gate->item_cond);
      g_cond_broadcast (&gate->space_cond);
      g_cond_broadcast (&gate->drain_cond);
      GATE_UNLOCK (gate);
      gst_pad_push_event (gate->srcpad, event);
      gst_pad_pause_task (gate->srcpad);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      GATE_LOCK (gate);
      flush_items (gate);
      gate->flushing = FALSE;
      gate->srcresult = GST_FLOW_OK;
      gate->drain_expected = FALSE;
      GATE_UNLOCK (gate);
      gst_pad_push_event (gate->srcpad, event);
      return gst_pad_start_task (gate->srcpad,
          (GstTaskFunction) gst_tts_play_gate_loop_fn, gate->srcpad, NULL);
    case GST_EVENT_CAPS: {
      GstCaps *caps;
      GstAudioInfo info;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      if (!gst_audio_info_from_caps (&info, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      GATE_LOCK (gate);
      ok = gst_tts_play_gate_accept (gate, caps);
      if (ok) {
        gate->in_info = info;
        gate->in_info_valid = TRUE;
        if (gate->locked_caps == NULL) {
          gate->locked_caps = gst_caps_ref (caps);
          gate->out_info = info;
          gate->out_info_valid = TRUE;
          queue_item (gate, ITEM_EVENT, event, 0);
          event = NULL;
        }
      }
      GATE_UNLOCK (gate);
      if (event != NULL)
        gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_STREAM_START:
      GATE_LOCK (gate);
      if (!gate->stream_start_sent) {
        gate->stream_start_sent = TRUE;
        queue_item (gate, ITEM_EVENT, event, 0);
        event = NULL;
      }
      GATE_UNLOCK (gate);
      if (event != NULL)
        gst_event_unref (event);
      return TRUE;
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      /* The gate makes its own timeline. */
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_EOS: {
      Record *r;

      GATE_LOCK (gate);
      r = output_record (gate);
      r->output_closed = TRUE;
      tts_playout_queue_end (&gate->playout);
      if (gate->drain_expected) {
        gate->drain_expected = FALSE;
        gate->drained = TRUE;
        g_cond_broadcast (&gate->drain_cond);
        queue_item (gate, ITEM_END, NULL, 0);
        gst_event_unref (event);
      } else {
        queue_item (gate, ITEM_END, event, 0);
      }
      GATE_UNLOCK (gate);
      return TRUE;
    }
    default:
      if (GST_EVENT_IS_SERIALIZED (event)) {
        GATE_LOCK (gate);
        if (gate->flushing) {
          GATE_UNLOCK (gate);
          gst_event_unref (event);
          return FALSE;
        }
        queue_item (gate, ITEM_EVENT, event, 0);
        GATE_UNLOCK (gate);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
  }
}

/* Src pad: the streaming thread */

static GstBuffer *
make_silence (const GstAudioInfo *info, guint64 duration, guint64 *frames)
{
  GstBuffer *buf;
  GstMapInfo map;

  *frames = gst_util_uint64_scale_int_round (duration,
      GST_AUDIO_INFO_RATE (info), GST_SECOND);
  if (*frames == 0)
    return NULL;
  buf =
      gst_buffer_new_allocate (NULL, *frames * GST_AUDIO_INFO_BPF (info), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  gst_audio_format_info_fill_silence (info->finfo, map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return buf;
}

static guint64
out_time (GstTtsPlayGate *gate, guint64 samples)
{
  return gate->out_base
      + gst_util_uint64_scale_int_round (samples, GST_SECOND,
          GST_AUDIO_INFO_RATE (&gate->out_info));
}

/* Stamps @buf to follow the previous sample. */
static void
stamp (GstTtsPlayGate *gate, GstBuffer *buf, guint64 frames)
{
  GST_BUFFER_PTS (buf) = out_time (gate, gate->out_samples);
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  gate->out_samples += frames;
  GST_BUFFER_DURATION (buf) =
      out_time (gate, gate->out_samples) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
  GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
  if (gate->out_discont) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    gate->out_discont = FALSE;
  } else {
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
  }
}

/* The sink sees one segment from running time 0: the gate's stamps are
 * running times. */
static void
push_segment_if_needed (GstTtsPlayGate *gate)
{
  GstSegment segment;

  if (gate->segment_sent)
    return;
  gate->segment_sent = TRUE;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  if (!gst_pad_push_event (gate->srcpad, gst_event_new_segment (&segment)))
    GST_DEBUG_OBJECT (gate, "segment event refused");
}

/* Returns the number of the utterance that starts, or -1 when playback
 * resumes after a stall. */
static gint
start_locked (GstTtsPlayGate *gate)
{
  Record *r = playing_record (gate);
  gboolean resuming = gate->playout.state == TTS_PLAYOUT_STALLED;
  guint64 before = gate->playout.cursor;
  guint64 stall, at;

  at = tts_playout_start (&gate->playout, running_time_now (gate), &stall);
  if (before == TTS_TIME_NONE || at != before) {
    gate->out_base = at;
    gate->out_samples = 0;
    gate->out_discont = TRUE;
  }

  if (r == NULL)
    return -1;
  if (resuming) {
    GstStructure *s;

    r->m.stall_time = gate->playout.stall_time;
    GST_INFO_OBJECT (gate,
        "utterance %u resumes after a stall of %" GST_TIME_FORMAT, r->m.index,
        GST_TIME_ARGS (stall));
    s = gst_structure_new ("ttsplaysink-underrun", "utterance", G_TYPE_UINT,
        r->m.index, "count", G_TYPE_UINT, gate->playout.underruns,
        "stall-duration", G_TYPE_UINT64, stall, "position", G_TYPE_UINT64,
        gate->playout.handed_out, "refill-threshold", G_TYPE_UINT64,
        gate->playout.refill, NULL);
    queue_message_locked (gate, s);
    return -1;
  }

  r->started = TRUE;
  r->first_rt = at;
  r->m.prebuffered = gate->playout.start_level;
  r->m.prebuffer_time = gate->playout.start_threshold;
  GST_INFO_OBJECT (gate,
      "utterance %u starts at running time %" GST_TIME_FORMAT
      " with %" GST_TIME_FORMAT " queued",
      r->m.index, GST_TIME_ARGS (at), GST_TIME_ARGS (r->m.prebuffered));
  announce_locked (gate, FALSE);
  return r->m.index;
}

static void
gst_tts_play_gate_loop_fn (GstPad *pad)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (GST_PAD_PARENT (pad));
  GstFlowReturn ret = GST_FLOW_OK;
  Item *item;
  guint64 deadline = 0;

  GATE_LOCK (gate);
  for (;;) {
    TtsPlayoutAction action;

    if (gate->flushing)
      goto flushing;

    /* Events go as soon as everything before them has gone, except that
     * the format is held back until the first audio: an audio sink opens
     * its device when it gets the format, and some (pulsesink) run their
     * clock from then on, which would delay the first sample by as long as
     * the prebuffering took. */
    action = tts_playout_next (&gate->playout, gate->latency,
        guard_for (gate->latency), &deadline);
    item = g_queue_peek_head (&gate->items);
    if (item != NULL && item->type == ITEM_EVENT
        && (gate->output_started
            || GST_EVENT_TYPE (item->object) == GST_EVENT_STREAM_START
            || action == TTS_PLAYOUT_HAND_OUT
            || action == TTS_PLAYOUT_FINISH)) {
      GstEvent *event;

      g_queue_pop_head (&gate->items);
      event = GST_EVENT_CAST (item->object);
      item->object = NULL;
      item_free (item);
      if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
        gate->caps_sent = TRUE;
      GATE_UNLOCK (gate);
      if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS
          && GST_EVENT_TYPE (event) != GST_EVENT_STREAM_START
          && gate->caps_sent)
        push_segment_if_needed (gate);
      gst_pad_push_event (gate->srcpad, event);
      goto out;
    }

    switch (action) {
      case TTS_PLAYOUT_WAIT:
        g_cond_wait (&gate->item_cond, &gate->lock);
        break;
      case TTS_PLAYOUT_WAIT_UNTIL: {
        guint64 now = running_time_now (gate);

        /* While paused nothing plays, so nothing can run dry. */
        if (now == TTS_TIME_NONE) {
          g_cond_wait (&gate->item_cond, &gate->lock);
        } else if (now >= deadline) {
          Record *r = playing_record (gate);
          guint count = tts_playout_starve (&gate->playout);

          if (r != NULL)
            r->m.underruns = count;
          GST_INFO_OBJECT (gate,
              "ran dry at %" GST_TIME_FORMAT
              " (underrun %u), refilling to %" GST_TIME_FORMAT,
              GST_TIME_ARGS (gate->playout.cursor), count,
              GST_TIME_ARGS (tts_playout_threshold (&gate->playout)));
        } else {
          gint64 until = g_get_monotonic_time () + (deadline - now) / 1000 + 1;

          g_cond_wait_until (&gate->item_cond, &gate->lock, until);
        }
        break;
      }
      case TTS_PLAYOUT_START: {
        gint index = start_locked (gate);
        gchar *location;

        if (index < 0)
          break;
        /* Files are opened without the lock: a slow disk must not hold up
         * the producer, and a warning must not reach the application while
         * the gate is locked. */
        location = g_strdup (gate->save_location);
        GATE_UNLOCK (gate);
        wav_open (gate, location, index);
        g_free (location);
        GATE_LOCK (gate);
        break;
      }
      case TTS_PLAYOUT_HAND_OUT: {
        GstBuffer *buf;
        Record *r = playing_record (gate);
        guint64 frames;

        gate->output_started = TRUE;
        item = g_queue_pop_head (&gate->items);
        g_assert (item != NULL && item->type == ITEM_BUFFER);
        buf = gst_buffer_make_writable (GST_BUFFER_CAST (item->object));
        item->object = NULL;
        frames =
            gst_buffer_get_size (buf) / GST_AUDIO_INFO_BPF (&gate->out_info);
        stamp (gate, buf, frames);
        tts_playout_hand_out (&gate->playout, item->duration,
            out_time (gate, gate->out_samples));
        if (r != NULL) {
          r->m.chunks_played++;
          r->m.audio_duration = gate->playout.handed_out;
        }
        item_free (item);
        g_cond_broadcast (&gate->space_cond);
        GATE_UNLOCK (gate);

        post_queued (gate, FALSE);
        push_segment_if_needed (gate);
        wav_write (gate, buf);
        ret = gst_pad_push (gate->srcpad, buf);
        goto pushed;
      }
      case TTS_PLAYOUT_FINISH: {
        Record *r = playing_record (gate);
        GstEvent *eos = NULL;
        GstBuffer *silence = NULL;
        guint64 frames = 0;
        gboolean played = r != NULL && r->started;

        item = g_queue_pop_head (&gate->items);
        g_assert (item != NULL && item->type == ITEM_END);
        eos = (GstEvent *) item->object;
        item->object = NULL;
        item_free (item);

        if (r != NULL)
          r->end_rt = played ? gate->playout.cursor : TTS_TIME_NONE;
        if (played && gate->trailing_silence > 0 && gate->out_info_valid) {
          silence =
              make_silence (&gate->out_info, gate->trailing_silence, &frames);
          if (silence != NULL) {
            stamp (gate, silence, frames);
            tts_playout_hand_out (&gate->playout, 0,
                out_time (gate, gate->out_samples));
          }
        }
        tts_playout_finish (&gate->playout);
        if (r != NULL) {
          g_queue_pop_head (&gate->records);
          r->m.underruns = gate->playout.underruns;
          r->m.stall_time = gate->playout.stall_time;
          g_queue_push_tail (&gate->announcing, r);
          GST_INFO_OBJECT (gate, "utterance %u handed out entirely%s",
              r->m.index, eos != NULL ? ", end of stream" : "");
        }
        announce_locked (gate, FALSE);
        GATE_UNLOCK (gate);

        post_queued (gate, FALSE);
        if (silence != NULL) {
          push_segment_if_needed (gate);
          wav_write (gate, silence);
          ret = gst_pad_push (gate->srcpad, silence);
        }
        wav_close (gate);
        if (eos != NULL) {
          if (gate->caps_sent)
            push_segment_if_needed (gate);
          gst_pad_push_event (gate->srcpad, eos);
        }
        goto pushed;
      }
    }
  }

pushed:
  if (ret != GST_FLOW_OK) {
    GATE_LOCK (gate);
    gate->srcresult = ret;
    g_cond_broadcast (&gate->space_cond);
    GATE_UNLOCK (gate);
    if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)
      GST_ELEMENT_FLOW_ERROR (gate, ret);
    gst_pad_pause_task (gate->srcpad);
  }
  /* What it queued was posted before the push. */
  return;

out:
  post_queued (gate, FALSE);
  return;

flushing:
  GATE_UNLOCK (gate);
  GST_DEBUG_OBJECT (gate, "flushing, pausing the task");
  gst_pad_pause_task (gate->srcpad);
  goto out;
}

static gboolean
gst_tts_play_gate_src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY: {
      gboolean us_live = FALSE;
      GstClockTime min = 0, max = GST_CLOCK_TIME_NONE;
      GstQuery *up = gst_query_new_latency ();

      if (gst_pad_peer_query (gate->sinkpad, up))
        gst_query_parse_latency (up, &us_live, &min, &max);
      gst_query_unref (up);
      /* Samples leave the gate stamped with the running time at which they
       * are handed out, like a capture source's: the sink must add its own
       * latency to play them in time.  And the gate can hold any amount. */
      gst_query_set_latency (query, TRUE, us_live ? min : 0,
          GST_CLOCK_TIME_NONE);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
gst_tts_play_gate_src_activate_mode (GstPad *pad, GstObject *parent,
    GstPadMode mode, gboolean active)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    GATE_LOCK (gate);
    gate->flushing = FALSE;
    gate->srcresult = GST_FLOW_OK;
    GATE_UNLOCK (gate);
    return gst_pad_start_task (pad, (GstTaskFunction) gst_tts_play_gate_loop_fn,
        pad, NULL);
  }
  GATE_LOCK (gate);
  gate->flushing = TRUE;
  gate->srcresult = GST_FLOW_FLUSHING;
  g_cond_broadcast (&gate->item_cond);
  g_cond_broadcast (&gate->space_cond);
  g_cond_broadcast (&gate->drain_cond);
  GATE_UNLOCK (gate);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_tts_play_gate_sink_activate_mode (GstPad *pad, GstObject *parent,
    GstPadMode mode, gboolean active)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (!active) {
    GATE_LOCK (gate);
    gate->flushing = TRUE;
    g_cond_broadcast (&gate->space_cond);
    g_cond_broadcast (&gate->drain_cond);
    GATE_UNLOCK (gate);
  }
  return TRUE;
}

/* State */

static GstStateChangeReturn
gst_tts_play_gate_change_state (GstElement *element, GstStateChange transition)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING) {
    /* The base time is set by now: whatever started while prerolling can
     * be placed on the clock. */
    GATE_LOCK (gate);
    gate->clock_running = TRUE;
    announce_locked (gate, FALSE);
    g_cond_broadcast (&gate->item_cond);
    GATE_UNLOCK (gate);
    post_queued (gate, FALSE);
  } else if (transition == GST_STATE_CHANGE_PLAYING_TO_PAUSED) {
    GATE_LOCK (gate);
    gate->clock_running = FALSE;
    /* The base time changes when playback goes on. */
    unschedule_waits (gate);
    GATE_UNLOCK (gate);
  }

  ret = GST_ELEMENT_CLASS (gst_tts_play_gate_parent_class)
            ->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    wav_close (gate);
    GATE_LOCK (gate);
    flush_items (gate);
    gst_clear_caps (&gate->locked_caps);
    gate->in_info_valid = FALSE;
    gate->out_info_valid = FALSE;
    gate->stream_start_sent = FALSE;
    gate->output_started = FALSE;
    gate->caps_sent = FALSE;
    gate->drain_expected = FALSE;
    gate->drained = FALSE;
    gate->pending_mark = TTS_TIME_NONE;
    gate->latency = 0;
    GATE_UNLOCK (gate);
  }
  return ret;
}

/* API for the owner */

void
gst_tts_play_gate_set_config (GstTtsPlayGate *gate,
    const TtsPlayoutConfig *config)
{
  GATE_LOCK (gate);
  gate->config = *config;
  tts_playout_set_config (&gate->playout, config);
  g_cond_broadcast (&gate->item_cond);
  g_cond_broadcast (&gate->space_cond);
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_get_config (GstTtsPlayGate *gate, TtsPlayoutConfig *config)
{
  GATE_LOCK (gate);
  *config = gate->config;
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_set_save_location (GstTtsPlayGate *gate,
    const gchar *location)
{
  GATE_LOCK (gate);
  g_free (gate->save_location);
  gate->save_location = g_strdup (location);
  GATE_UNLOCK (gate);
}

gchar *
gst_tts_play_gate_dup_save_location (GstTtsPlayGate *gate)
{
  gchar *location;

  GATE_LOCK (gate);
  location = g_strdup (gate->save_location);
  GATE_UNLOCK (gate);
  return location;
}

void
gst_tts_play_gate_set_trailing_silence (GstTtsPlayGate *gate, guint64 duration)
{
  GATE_LOCK (gate);
  gate->trailing_silence = duration;
  GATE_UNLOCK (gate);
}

guint64
gst_tts_play_gate_get_trailing_silence (GstTtsPlayGate *gate)
{
  guint64 duration;

  GATE_LOCK (gate);
  duration = gate->trailing_silence;
  GATE_UNLOCK (gate);
  return duration;
}

void
gst_tts_play_gate_input_chunk (GstTtsPlayGate *gate, gsize size)
{
  guint64 now = gst_util_get_timestamp ();

  GATE_LOCK (gate);
  tts_metrics_chunk (&input_record (gate)->m, size, now);
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_input_end (GstTtsPlayGate *gate)
{
  Record *r;

  GATE_LOCK (gate);
  r = g_queue_peek_tail (&gate->records);
  if (r != NULL)
    r->input_closed = TRUE;
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_mark_request (GstTtsPlayGate *gate)
{
  guint64 now = gst_util_get_timestamp ();

  GATE_LOCK (gate);
  gate->pending_mark = now;
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_set_latency (GstTtsPlayGate *gate, GstClockTime latency)
{
  GATE_LOCK (gate);
  gate->latency = GST_CLOCK_TIME_IS_VALID (latency) ? latency : 0;
  g_cond_broadcast (&gate->item_cond);
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_expect_drain (GstTtsPlayGate *gate)
{
  GATE_LOCK (gate);
  gate->drain_expected = TRUE;
  gate->drained = FALSE;
  GATE_UNLOCK (gate);
}

gboolean
gst_tts_play_gate_wait_drained (GstTtsPlayGate *gate)
{
  gboolean drained;

  GATE_LOCK (gate);
  while (!gate->drained && !gate->flushing)
    g_cond_wait (&gate->drain_cond, &gate->lock);
  drained = gate->drained;
  gate->drained = FALSE;
  gate->drain_expected = FALSE;
  GATE_UNLOCK (gate);
  return drained;
}

void
gst_tts_play_gate_cancel_drain (GstTtsPlayGate *gate)
{
  GATE_LOCK (gate);
  gate->drain_expected = FALSE;
  gate->drained = FALSE;
  GATE_UNLOCK (gate);
}

void
gst_tts_play_gate_snapshot (GstTtsPlayGate *gate,
    GstTtsPlayGateSnapshot *snapshot)
{
  Record *r;

  GATE_LOCK (gate);
  r = current_record (gate);
  if (r != NULL)
    snapshot->metrics = r->m;
  else
    tts_metrics_init (&snapshot->metrics, 0);
  snapshot->state = gate->playout.state;
  snapshot->queued = gate->playout.queued_total;
  snapshot->refill = gate->playout.refill;
  snapshot->utterances = gate->next_index;
  GATE_UNLOCK (gate);
}

GstStructure *
gst_tts_play_gate_stats (GstTtsPlayGate *gate)
{
  GstStructure *s;
  Record *r;
  Record empty = { { 0 } };

  GATE_LOCK (gate);
  r = current_record (gate);
  if (r == NULL) {
    tts_metrics_init (&empty.m, 0);
    r = &empty;
  }
  s = record_structure ("application/x-ttsplaysink-stats", r, gate,
      FIELDS_ALL_AND_STATE);
  gst_structure_set (s, "utterances", G_TYPE_UINT, gate->next_index, NULL);
  GATE_UNLOCK (gate);
  return s;
}

/* GObject */

static void
gst_tts_play_gate_finalize (GObject *object)
{
  GstTtsPlayGate *gate = GST_TTS_PLAY_GATE (object);

  g_queue_clear_full (&gate->items, (GDestroyNotify) item_free);
  unschedule_waits (gate);
  records_clear (gate);
  tts_playout_clear (&gate->playout);
  gst_clear_caps (&gate->locked_caps);
  g_free (gate->save_location);
  g_queue_clear_full (&gate->outbox, (GDestroyNotify) gst_mini_object_unref);
  g_cond_clear (&gate->posted_cond);
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->item_cond);
  g_cond_clear (&gate->space_cond);
  g_cond_clear (&gate->drain_cond);
  G_OBJECT_CLASS (gst_tts_play_gate_parent_class)->finalize (object);
}

static void
gst_tts_play_gate_class_init (GstTtsPlayGateClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_tts_play_gate_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_change_state);

  gst_element_class_set_static_metadata (element_class, "TTS playout gate",
      "Generic/Audio",
      "Holds decoded speech until enough is queued and times it for the sink "
      "(inside ttsplaysink)",
      "gst-plugins-onair <gst-plugins-onair@lists.invalid>");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
}

static void
gst_tts_play_gate_init (GstTtsPlayGate *gate)
{
  g_mutex_init (&gate->lock);
  g_cond_init (&gate->posted_cond);
  g_cond_init (&gate->item_cond);
  g_cond_init (&gate->space_cond);
  g_cond_init (&gate->drain_cond);
  g_queue_init (&gate->items);
  g_queue_init (&gate->records);
  g_queue_init (&gate->announcing);
  g_queue_init (&gate->outbox);
  gate->pending_mark = TTS_TIME_NONE;
  gate->srcresult = GST_FLOW_FLUSHING;
  gate->flushing = TRUE;
  gate->out_discont = TRUE;
  gate->config.prebuffer = 150 * GST_MSECOND;
  gate->config.max_buffer = 2 * GST_SECOND;
  gate->config.adaptive = TRUE;
  gate->config.adaptive_step = 50 * GST_MSECOND;
  gate->config.max_prebuffer = GST_SECOND;
  tts_playout_init (&gate->playout, &gate->config);

  gate->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (gate->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_chain));
  gst_pad_set_event_function (gate->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_sink_event));
  gst_pad_set_query_function (gate->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_sink_query));
  gst_pad_set_activatemode_function (gate->sinkpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_sink_activate_mode));
  gst_element_add_pad (GST_ELEMENT (gate), gate->sinkpad);

  gate->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_query_function (gate->srcpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_src_query));
  gst_pad_set_activatemode_function (gate->srcpad,
      GST_DEBUG_FUNCPTR (gst_tts_play_gate_src_activate_mode));
  gst_pad_use_fixed_caps (gate->srcpad);
  gst_element_add_pad (GST_ELEMENT (gate), gate->srcpad);
}
