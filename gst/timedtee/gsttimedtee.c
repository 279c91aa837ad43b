/* gst-plugins-onair: timedtee, a tee that remembers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-timedtee
 * @title: timedtee
 *
 * A tee that keeps the last #GstTimedTee:retention of stream time (refs to
 * the buffers, not copies, plus the serialized events that apply to them).
 * Every src pad has its own streaming thread and its own read position in
 * that window, so a slow branch never stalls the others.  A branch linked
 * late ("late joiner") first receives the sticky events valid at its start
 * point, the stream headers, then the retained buffers with their original
 * PTS, DTS, duration and flags (DISCONT on the first), then live data.  Where
 * it starts is set by #GstTimedTee:join-mode; the PTS it starts at is on the
 * pad (#GstTimedTeePad:join-position) before any data reaches it, and is
 * announced with the #GstTimedTee::joined signal and a `timedtee-joined`
 * element message.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! audio/x-raw,rate=48000 ! \
 *     timedtee name=t retention=10000000000 \
 *     t. ! queue ! audioconvert ! autoaudiosink
 * ]|
 * Branches requested later from an application start 10 s back in time,
 * each knowing the exact PTS it starts at.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <glib/gi18n-lib.h>

#include "gsttimedtee.h"
#include "retention.h"

GST_DEBUG_CATEGORY_STATIC (gst_timed_tee_debug);
#define GST_CAT_DEFAULT gst_timed_tee_debug

#define DEFAULT_RETENTION (10 * GST_SECOND)
#define DEFAULT_MAX_RETENTION (15 * GST_SECOND)
#define DEFAULT_MAX_SIZE_BYTES 0
#define DEFAULT_JOIN_MODE GST_TIMED_TEE_JOIN_BURST
#define DEFAULT_JOIN_WINDOW 0
#define DEFAULT_JOIN_TIMING GST_TIMED_TEE_TIMING_ORIGINAL
#define DEFAULT_OVERRUN_POLICY GST_TIMED_TEE_OVERRUN_DROP

/* A pad thread takes at most this many items per wake-up, so that it comes
 * back regularly to see flushes and releases. */
#define MAX_BATCH 256

struct _GstTimedTee {
  GstElement parent;

  GstPad *sinkpad;

  /* Protects everything below and every GstTimedTeePad's state. */
  GMutex lock;
  GCond data_cond; /* new items, flush, stop: wakes pad threads */
  GCond space_cond; /* pads moved on: wakes a blocked chain */
  guint space_waiters;
  guint pads_waiting;

  OnairRetention *ring;
  /* Sticky events in force at the front of the ring. */
  GPtrArray *front_sticky;
  /* Header buffers of the current stream and the items they sit at. */
  GPtrArray *headers;
  guint64 headers_last_seq;
  gboolean header_set_open;
  /* The caps streamheader, while the buffers after the CAPS event may still
   * turn out to be those headers sent in-band. */
  GPtrArray *caps_headers;
  guint caps_headers_seen;

  GstSegment segment;
  guint64 last_end; /* running time of the end of the newest buffer */
  GstClockTime current_pts;
  gboolean flushing;
  gboolean eos;

  GPtrArray *pads; /* GstTimedTeePad, refs */
  guint next_pad_index;

  GstBufferPool *last_pool;
  gboolean last_pool_bounded;

  /* properties */
  guint64 retention;
  guint64 max_retention;
  guint64 max_size_bytes;
  GstTimedTeeJoinMode join_mode;
  guint64 join_window;
  GstTimedTeeJoinTiming join_timing;
  GstTimedTeeOverrunPolicy overrun_policy;
};

struct _GstTimedTeePad {
  GstPad parent;

  /* All under the element's lock. */
  gboolean joined; /* has a read position */
  gboolean join_pending; /* linked, waiting for a start point */
  GstTimedTeeJoinMode pending_mode;
  guint64 read_seq;
  gint generation; /* bumped whenever read_seq is moved for it */
  gint batch_done; /* items of the current batch handed on */
  gint batch_generation; /* generation the current batch was taken in */
  GPtrArray *replay; /* events and headers to push before read_seq */
  gboolean discont;
  gboolean announce;
  gboolean catching_up;
  guint64 live_seq;
  gboolean active;
  gboolean stopped; /* error policy or a fatal flow */
  gboolean overrun_reported;
  GstFlowReturn last_flow;
  guint64 pushed;
  guint64 dropped;
  GstClockTime join_position;
  GstClockTime join_running_time;
};

enum {
  PROP_0,
  PROP_RETENTION,
  PROP_MAX_RETENTION,
  PROP_MAX_SIZE_BYTES,
  PROP_JOIN_MODE,
  PROP_JOIN_WINDOW,
  PROP_JOIN_TIMING,
  PROP_OVERRUN_POLICY,
  PROP_BUFFERED_TIME,
  PROP_BUFFERED_BYTES,
  PROP_BUFFERED_BUFFERS,
  PROP_CURRENT_POSITION,
  PROP_NUM_SRC_PADS,
  PROP_STATS,
};

enum {
  PAD_PROP_0,
  PAD_PROP_PUSHED,
  PAD_PROP_DROPPED,
  PAD_PROP_LAG,
  PAD_PROP_JOIN_POSITION,
  PAD_PROP_JOIN_RUNNING_TIME,
};

enum { SIGNAL_JOINED, LAST_SIGNAL };

static guint gst_timed_tee_signals[LAST_SIGNAL];

#define TIMED_TEE_LOCK(tee) g_mutex_lock (&(tee)->lock)
#define TIMED_TEE_UNLOCK(tee) g_mutex_unlock (&(tee)->lock)
/* A pad thread that is busy pushing takes everything new when it comes back:
 * only sleeping ones need a wake-up, which saves a futex call per buffer. */
#define TIMED_TEE_WAKE_PADS(tee)                                               \
  G_STMT_START                                                                 \
  {                                                                            \
    if ((tee)->pads_waiting > 0)                                               \
      g_cond_broadcast (&(tee)->data_cond);                                    \
  }                                                                            \
  G_STMT_END

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

#define GST_TYPE_TIMED_TEE_JOIN_MODE (gst_timed_tee_join_mode_get_type ())
static GType
gst_timed_tee_join_mode_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_TIMED_TEE_JOIN_BURST,
        "Start at the oldest retained buffer "
        "(limited by join-window)",
        "burst" },
    { GST_TIMED_TEE_JOIN_LIVE, "Start at the next buffer that arrives",
        "live" },
    { GST_TIMED_TEE_JOIN_KEYFRAME,
        "Start at the newest sync point (buffer "
        "without DELTA_UNIT), or wait for the next one",
        "keyframe" },
    { GST_TIMED_TEE_JOIN_BURST_KEYFRAME,
        "Start at the oldest sync point "
        "(limited by join-window)",
        "burst-keyframe" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstTimedTeeJoinMode", values));
  return type;
}

#define GST_TYPE_TIMED_TEE_JOIN_TIMING (gst_timed_tee_join_timing_get_type ())
static GType
gst_timed_tee_join_timing_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_TIMED_TEE_TIMING_ORIGINAL,
        "Replayed buffers keep their segment and "
        "PTS (for consumers that schedule by PTS)",
        "original" },
    { GST_TIMED_TEE_TIMING_SHIFTED,
        "A pad offset makes the replay play out in "
        "real time from the moment of joining",
        "shifted" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstTimedTeeJoinTiming", values));
  return type;
}

#define GST_TYPE_TIMED_TEE_OVERRUN_POLICY                                      \
  (gst_timed_tee_overrun_policy_get_type ())
static GType
gst_timed_tee_overrun_policy_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    { GST_TIMED_TEE_OVERRUN_DROP,
        "Skip the branch ahead to the oldest kept "
        "data and post a warning",
        "drop" },
    { GST_TIMED_TEE_OVERRUN_RESYNC, "Skip the branch to the live edge",
        "resync" },
    { GST_TIMED_TEE_OVERRUN_BLOCK, "Hold upstream until the branch catches up",
        "block" },
    { GST_TIMED_TEE_OVERRUN_ERROR, "Post an error and stop the branch",
        "error" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type,
        g_enum_register_static ("GstTimedTeeOverrunPolicy", values));
  return type;
}

G_DEFINE_TYPE (GstTimedTeePad, gst_timed_tee_pad, GST_TYPE_PAD);
G_DEFINE_TYPE_WITH_CODE (GstTimedTee, gst_timed_tee, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (gst_timed_tee_debug, "timedtee", 0,
        "tee with a timestamped retention window"));
GST_ELEMENT_REGISTER_DEFINE (timedtee, "timedtee", GST_RANK_NONE,
    GST_TYPE_TIMED_TEE);

static void gst_timed_tee_pad_loop (GstTimedTeePad *pad);

/* Sticky state */

static gboolean
sticky_same_slot (GstEvent *a, GstEvent *b)
{
  if (GST_EVENT_TYPE (a) != GST_EVENT_TYPE (b))
    return FALSE;
  if (GST_EVENT_TYPE (a) == GST_EVENT_TAG) {
    GstTagList *ta, *tb;

    gst_event_parse_tag (a, &ta);
    gst_event_parse_tag (b, &tb);
    return gst_tag_list_get_scope (ta) == gst_tag_list_get_scope (tb);
  }
  if ((GST_EVENT_TYPE (a) & GST_EVENT_TYPE_STICKY_MULTI))
    return gst_event_has_name (a,
        gst_structure_get_name (gst_event_get_structure (b)));
  return TRUE;
}

/* Applies @event to the sticky state @state as a pad would store it. */
static void
sticky_state_apply (GPtrArray *state, GstEvent *event)
{
  guint i;

  if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START
      || GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    /* A new stream or segment ends a previous EOS. */
    for (i = state->len; i > 0; i--) {
      if (GST_EVENT_TYPE (g_ptr_array_index (state, i - 1)) == GST_EVENT_EOS)
        g_ptr_array_remove_index (state, i - 1);
    }
  }
  for (i = 0; i < state->len; i++) {
    if (sticky_same_slot (g_ptr_array_index (state, i), event)) {
      gst_event_unref (g_ptr_array_index (state, i));
      g_ptr_array_index (state, i) = gst_event_ref (event);
      return;
    }
  }
  g_ptr_array_add (state, gst_event_ref (event));
}

static gint
compare_event_order (gconstpointer a, gconstpointer b)
{
  GstEvent *ea = *(GstEvent **) a, *eb = *(GstEvent **) b;

  /* Event type numbers encode the order sticky events must be sent in. */
  return (gint) GST_EVENT_TYPE (ea) - (gint) GST_EVENT_TYPE (eb);
}

static void
remember_dropped_sticky (const OnairRetentionItem *item, gpointer user_data)
{
  GstTimedTee *tee = user_data;

  if (item->flags & ONAIR_ITEM_STICKY)
    sticky_state_apply (tee->front_sticky, item->object);
}

/* The sticky events in force just before @seq, in sending order. */
static GPtrArray *
sticky_state_at (GstTimedTee *tee, guint64 seq)
{
  GPtrArray *state =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  guint64 s;
  guint i;

  for (i = 0; i < tee->front_sticky->len; i++)
    g_ptr_array_add (state,
        gst_event_ref (g_ptr_array_index (tee->front_sticky, i)));
  for (s = onair_retention_first_seq (tee->ring); s < seq; s++) {
    const OnairRetentionItem *item = onair_retention_get (tee->ring, s);

    if (item != NULL && (item->flags & ONAIR_ITEM_STICKY))
      sticky_state_apply (state, item->object);
  }
  g_ptr_array_sort (state, compare_event_order);
  return state;
}

/* Joining */

/* Where a pad joining now starts, or FALSE when it has to wait. */
static gboolean
find_join_start (GstTimedTee *tee, GstTimedTeeJoinMode mode, guint64 *start)
{
  guint64 end = onair_retention_end_seq (tee->ring);
  guint64 from = onair_retention_first_seq (tee->ring);
  guint64 newest = onair_retention_newest_end (tee->ring);

  if (onair_retention_buffers (tee->ring) == 0 && !tee->eos)
    return FALSE;
  if (tee->join_window > 0 && newest != ONAIR_TIME_NONE
      && (mode == GST_TIMED_TEE_JOIN_BURST
          || mode == GST_TIMED_TEE_JOIN_BURST_KEYFRAME))
    from = onair_retention_find_time (tee->ring,
        newest > tee->join_window ? newest - tee->join_window : 0, 0);

  switch (mode) {
    case GST_TIMED_TEE_JOIN_BURST:
      *start = onair_retention_find_next (tee->ring, from, ONAIR_ITEM_BUFFER);
      break;
    case GST_TIMED_TEE_JOIN_BURST_KEYFRAME:
      *start = onair_retention_find_next (tee->ring, from,
          ONAIR_ITEM_BUFFER | ONAIR_ITEM_SYNC);
      break;
    case GST_TIMED_TEE_JOIN_KEYFRAME:
      *start = onair_retention_find_newest (tee->ring,
          ONAIR_ITEM_BUFFER | ONAIR_ITEM_SYNC);
      break;
    case GST_TIMED_TEE_JOIN_LIVE:
    default:
      *start = end;
      break;
  }
  /* After EOS nothing more arrives: the join is at the EOS itself. */
  if (*start == end && tee->eos)
    *start = end - 1;
  return *start < end;
}

/* What a pad that starts at @seq announces: the PTS and running time of the
 * first buffer from there. */
static void
pad_set_join_position (GstTimedTee *tee, GstTimedTeePad *pad, guint64 seq)
{
  const OnairRetentionItem *item;

  seq = onair_retention_find_next (tee->ring, seq, ONAIR_ITEM_BUFFER);
  item = onair_retention_get (tee->ring, seq);
  pad->join_running_time = item != NULL ? item->time : GST_CLOCK_TIME_NONE;
  /* Headers at the start of a stream (Ogg pages) carry no PTS: the position
   * is that of the first buffer that does. */
  pad->join_position = GST_CLOCK_TIME_NONE;
  for (; item != NULL; item = onair_retention_get (tee->ring, ++seq)) {
    if ((item->flags & ONAIR_ITEM_BUFFER)
        && GST_BUFFER_PTS_IS_VALID (item->object)) {
      pad->join_position = GST_BUFFER_PTS (item->object);
      break;
    }
  }
}

/* Gives @pad its start point @start: what it replays first, and what it will
 * announce. */
static void
pad_join_at (GstTimedTee *tee, GstTimedTeePad *pad, guint64 start)
{
  const OnairRetentionItem *item = onair_retention_get (tee->ring, start);
  GPtrArray *state = sticky_state_at (tee, start);
  guint i;

  g_clear_pointer (&pad->replay, g_ptr_array_unref);
  pad->replay = state;

  /* Header buffers the stream carried in-band (Ogg pages, ...) go first
   * when the replay does not include them, so that a demuxer joining
   * mid-stream can start.  Caps streamheader travels in the CAPS event. */
  if (tee->headers->len > 0 && start > tee->headers_last_seq && item != NULL
      && (item->flags & ONAIR_ITEM_BUFFER)) {
    for (i = 0; i < tee->headers->len; i++)
      g_ptr_array_add (pad->replay,
          gst_buffer_ref (g_ptr_array_index (tee->headers, i)));
  }

  pad->joined = TRUE;
  pad->join_pending = FALSE;
  pad->read_seq = start;
  g_atomic_int_inc (&pad->generation);
  pad->discont = TRUE;
  pad->announce = TRUE;
  pad->catching_up = TRUE;
  pad->live_seq = onair_retention_end_seq (tee->ring);
  pad->overrun_reported = FALSE;
  pad->last_flow = GST_FLOW_OK;
  pad_set_join_position (tee, pad, start);
  GST_DEBUG_OBJECT (pad,
      "joins at item %" G_GUINT64_FORMAT ", PTS %" GST_TIME_FORMAT, start,
      GST_TIME_ARGS (pad->join_position));
}

static void
pad_start_join (GstTimedTee *tee, GstTimedTeePad *pad)
{
  guint64 start;

  pad->joined = FALSE;
  g_atomic_int_inc (&pad->generation);
  pad->join_position = GST_CLOCK_TIME_NONE;
  pad->join_running_time = GST_CLOCK_TIME_NONE;
  if (find_join_start (tee, tee->join_mode, &start)) {
    pad_join_at (tee, pad, start);
  } else {
    pad->join_pending = TRUE;
    pad->pending_mode = tee->join_mode;
    GST_DEBUG_OBJECT (pad, "waits for a start point");
  }
}

/* A new item at @seq may be where waiting pads start. */
static void
resolve_pending_joins (GstTimedTee *tee, guint64 seq, guint flags)
{
  guint i;

  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);
    gboolean needs_sync = pad->pending_mode == GST_TIMED_TEE_JOIN_KEYFRAME
        || pad->pending_mode == GST_TIMED_TEE_JOIN_BURST_KEYFRAME;

    if (!pad->join_pending)
      continue;
    if ((flags & ONAIR_ITEM_BUFFER)
        && (!needs_sync || (flags & ONAIR_ITEM_SYNC)))
      pad_join_at (tee, pad, seq);
    else if (tee->eos)
      pad_join_at (tee, pad, seq);
  }
}

/* Trimming */

static gboolean
pad_pins (GstTimedTeePad *pad)
{
  return pad->joined && !pad->stopped;
}

static guint64
oldest_pinned_seq (GstTimedTee *tee)
{
  guint64 oldest = onair_retention_end_seq (tee->ring);
  guint i;

  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);

    if (pad_pins (pad) && pad->read_seq < oldest)
      oldest = pad->read_seq;
  }
  return oldest;
}

/* Where @pad really is: its read position, plus what its thread has already
 * handed on from the batch it is pushing (that is not lost if cut). */
static guint64
pad_position (GstTimedTee *tee, GstTimedTeePad *pad)
{
  guint64 position = pad->read_seq;

  if (pad->batch_generation == pad->generation)
    position = MIN (position + g_atomic_int_get (&pad->batch_done),
        onair_retention_end_seq (tee->ring));
  return position;
}

static guint
count_buffers (GstTimedTee *tee, guint64 from, guint64 to)
{
  guint n = 0;

  for (; from < to; from++) {
    const OnairRetentionItem *item = onair_retention_get (tee->ring, from);

    if (item != NULL && (item->flags & ONAIR_ITEM_BUFFER))
      n++;
  }
  return n;
}

typedef struct {
  GstTimedTeePad *pad;
  guint64 dropped;
  gboolean fatal;
  const gchar *limit; /* which limit made the cut */
} Overrun;

/* Cuts the window to max-retention / max-size-bytes, applying the overrun
 * policy to every pad still reading what goes.  Returns the pads to report
 * on once the lock is released. */
static GArray *
enforce_hard_limit (GstTimedTee *tee)
{
  guint64 max_time = MAX (tee->max_retention, tee->retention);
  guint64 cut =
      onair_retention_hard_limit (tee->ring, max_time, tee->max_size_bytes);
  GArray *overruns = NULL;
  const gchar *limit;
  guint i;

  if (cut <= onair_retention_first_seq (tee->ring))
    return NULL;
  limit = tee->max_size_bytes > 0
          && onair_retention_bytes (tee->ring) > tee->max_size_bytes
      ? "max-size-bytes"
      : "max-retention";

  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);
    Overrun o = { pad, 0, FALSE, limit };
    guint64 target, from;

    from = pad_position (tee, pad);
    if (!pad_pins (pad) || from >= cut)
      continue;
    switch (tee->overrun_policy) {
      case GST_TIMED_TEE_OVERRUN_ERROR:
        pad->stopped = TRUE;
        g_atomic_int_inc (&pad->generation);
        o.fatal = TRUE;
        o.dropped = count_buffers (tee, from, cut);
        pad->dropped += o.dropped;
        break;
      case GST_TIMED_TEE_OVERRUN_RESYNC:
      case GST_TIMED_TEE_OVERRUN_DROP:
      default:
        target = tee->overrun_policy == GST_TIMED_TEE_OVERRUN_RESYNC
            ? onair_retention_end_seq (tee->ring)
            : cut;
        o.dropped = count_buffers (tee, from, target);
        pad->dropped += o.dropped;
        pad->read_seq = target;
        if (pad->announce)
          pad_set_join_position (tee, pad, target);
        g_atomic_int_inc (&pad->generation);
        pad->discont = TRUE;
        /* What it skipped may have changed caps or segment. */
        g_clear_pointer (&pad->replay, g_ptr_array_unref);
        pad->replay = sticky_state_at (tee, target);
        break;
    }
    if (o.fatal || !pad->overrun_reported) {
      pad->overrun_reported = TRUE;
      if (overruns == NULL)
        overruns = g_array_new (FALSE, FALSE, sizeof (Overrun));
      gst_object_ref (pad);
      g_array_append_val (overruns, o);
    }
  }
  onair_retention_drop_before (tee->ring, cut, remember_dropped_sticky, tee);
  return overruns;
}

static void
report_overruns (GstTimedTee *tee, GArray *overruns)
{
  guint i;

  if (overruns == NULL)
    return;
  for (i = 0; i < overruns->len; i++) {
    Overrun *o = &g_array_index (overruns, Overrun, i);
    gchar *name = gst_pad_get_name (o->pad);

    if (o->fatal) {
      GST_ELEMENT_ERROR_WITH_DETAILS (tee, STREAM, FAILED,
          (_ ("Branch %s fell too far behind the live stream."), name),
          ("overrun-policy=error: the window reached its limit (%s) while %s "
           "still needed %" G_GUINT64_FORMAT " buffers",
              o->limit, name, o->dropped),
          ("pad", G_TYPE_STRING, name, "dropped", G_TYPE_UINT64, o->dropped,
              NULL));
    } else {
      GST_ELEMENT_WARNING_WITH_DETAILS (tee, STREAM, FAILED,
          (_ ("Branch %s fell behind the live stream and skipped data."), name),
          ("skipped %" G_GUINT64_FORMAT " buffers to stay within the window "
           "limit (%s)",
              o->dropped, o->limit),
          ("pad", G_TYPE_STRING, name, "dropped", G_TYPE_UINT64, o->dropped,
              NULL));
    }
    g_free (name);
    gst_object_unref (o->pad);
  }
  g_array_unref (overruns);
}

/* With overrun-policy=block: TRUE while a pad still reads what the hard
 * limit would cut. */
static gboolean
hard_limit_blocked (GstTimedTee *tee, guint64 next_end, gsize next_size)
{
  guint64 cut = onair_retention_hard_limit_with (tee->ring,
      MAX (tee->max_retention, tee->retention), tee->max_size_bytes, next_end,
      next_size);

  return cut > onair_retention_first_seq (tee->ring)
      && oldest_pinned_seq (tee) < cut;
}

static void
trim_expired (GstTimedTee *tee)
{
  guint64 pinned = oldest_pinned_seq (tee);
  guint64 cut = onair_retention_soft_limit (tee->ring, tee->retention, pinned);

  if (cut > onair_retention_first_seq (tee->ring))
    onair_retention_drop_before (tee->ring, cut, remember_dropped_sticky, tee);
}

/* Appends one item: the single way data and events enter the window. */
static guint64
window_append (GstTimedTee *tee, gpointer object, guint64 time, guint64 end,
    gsize size, guint flags)
{
  OnairRetentionItem item = { object, time, end, size, flags };
  guint64 seq = onair_retention_push (tee->ring, &item);

  resolve_pending_joins (tee, seq, flags);
  TIMED_TEE_WAKE_PADS (tee);
  return seq;
}

/* Flow */

static GstFlowReturn
combined_flow (GstTimedTee *tee)
{
  GstFlowReturn fatal = GST_FLOW_OK;
  guint i, joined = 0, eos = 0, failed = 0;

  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);

    if (!pad->joined)
      continue;
    joined++;
    if (pad->last_flow == GST_FLOW_EOS)
      eos++;
    else if (pad->last_flow < GST_FLOW_EOS) {
      failed++;
      fatal = pad->last_flow;
    }
  }
  if (joined == 0)
    return GST_FLOW_OK;
  if (failed == joined)
    return fatal;
  if (eos + failed == joined && eos > 0)
    return GST_FLOW_EOS;
  return GST_FLOW_OK;
}

/* TRUE when @buffer is the next entry of the caps streamheader sent in-band,
 * as oggmux does without flagging its header pages. */
static gboolean
is_inband_caps_header (GstTimedTee *tee, GstBuffer *buffer)
{
  GstBuffer *header;
  GstMapInfo map;
  gboolean same;

  if (tee->caps_headers == NULL)
    return FALSE;
  header = g_ptr_array_index (tee->caps_headers, tee->caps_headers_seen);
  same = header == buffer;
  if (!same && gst_buffer_get_size (header) == gst_buffer_get_size (buffer)
      && gst_buffer_map (header, &map, GST_MAP_READ)) {
    same = gst_buffer_memcmp (buffer, 0, map.data, map.size) == 0;
    gst_buffer_unmap (header, &map);
  }
  if (!same || ++tee->caps_headers_seen == tee->caps_headers->len)
    g_clear_pointer (&tee->caps_headers, g_ptr_array_unref);
  return same;
}

static void
watch_caps_headers (GstTimedTee *tee, GstEvent *caps_event)
{
  GstCaps *caps;
  const GValue *array = NULL;
  guint i;

  g_clear_pointer (&tee->caps_headers, g_ptr_array_unref);
  gst_event_parse_caps (caps_event, &caps);
  if (gst_caps_get_size (caps) > 0)
    array = gst_structure_get_value (gst_caps_get_structure (caps, 0),
        "streamheader");
  if (array == NULL || !GST_VALUE_HOLDS_ARRAY (array)
      || gst_value_array_get_size (array) == 0)
    return;
  tee->caps_headers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  tee->caps_headers_seen = 0;
  for (i = 0; i < gst_value_array_get_size (array); i++) {
    const GValue *v = gst_value_array_get_value (array, i);

    if (G_VALUE_HOLDS (v, GST_TYPE_BUFFER))
      g_ptr_array_add (tee->caps_headers,
          gst_buffer_ref (gst_value_get_buffer (v)));
  }
  if (tee->caps_headers->len == 0)
    g_clear_pointer (&tee->caps_headers, g_ptr_array_unref);
}

/* Buffers from a pool with a fixed maximum would run the pool dry while the
 * window holds them: those are copied, everything else is kept by ref. */
static GstBuffer *
retainable_buffer (GstTimedTee *tee, GstBuffer *buffer)
{
  GstBufferPool *pool = buffer->pool;
  GstBuffer *copy;

  if (pool == NULL)
    return buffer;
  if (pool != tee->last_pool) {
    GstStructure *config = gst_buffer_pool_get_config (pool);
    guint max = 0;

    gst_buffer_pool_config_get_params (config, NULL, NULL, NULL, &max);
    gst_structure_free (config);
    gst_object_replace ((GstObject **) &tee->last_pool, GST_OBJECT (pool));
    tee->last_pool_bounded = max > 0;
    GST_DEBUG_OBJECT (tee, "buffers from %" GST_PTR_FORMAT " are %s", pool,
        max > 0 ? "copied (bounded pool)" : "kept by ref");
  }
  if (!tee->last_pool_bounded)
    return buffer;
  copy = gst_buffer_copy_deep (buffer);
  gst_buffer_unref (buffer);
  return copy;
}

static guint64
buffer_running_time (GstTimedTee *tee, GstBuffer *buffer, guint64 *end)
{
  GstClockTime ts = GST_BUFFER_PTS_IS_VALID (buffer) ? GST_BUFFER_PTS (buffer)
                                                     : GST_BUFFER_DTS (buffer);
  guint64 rt = GST_CLOCK_TIME_NONE;

  if (GST_CLOCK_TIME_IS_VALID (ts) && tee->segment.format == GST_FORMAT_TIME)
    rt = gst_segment_to_running_time (&tee->segment, GST_FORMAT_TIME, ts);
  if (!GST_CLOCK_TIME_IS_VALID (rt)) {
    /* No usable timestamp: time it by its arrival on the running clock
     * (only PLAYING has a base time), else place it right after the
     * previous buffer; either way it never goes back in time. */
    GstClock *clock = GST_ELEMENT_CLOCK (tee);
    guint64 prev = tee->last_end != ONAIR_TIME_NONE ? tee->last_end : 0;
    GstClockTime now;

    rt = prev;
    if (clock != NULL && GST_STATE (tee) == GST_STATE_PLAYING) {
      now = gst_clock_get_time (clock);
      if (now > (GstClockTime) GST_ELEMENT_CAST (tee)->base_time)
        rt = MAX (prev, now - GST_ELEMENT_CAST (tee)->base_time);
    }
  }
  *end = rt;
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    *end += GST_BUFFER_DURATION (buffer);
  return rt;
}

static GstFlowReturn
gst_timed_tee_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);
  GArray *overruns = NULL;
  GstFlowReturn ret;
  guint flags = ONAIR_ITEM_BUFFER;
  guint64 time, end, seq;
  gsize size = gst_buffer_get_size (buffer);

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    flags |= ONAIR_ITEM_SYNC;
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER))
    flags |= ONAIR_ITEM_HEADER;

  TIMED_TEE_LOCK (tee);
  buffer = retainable_buffer (tee, buffer);
  time = buffer_running_time (tee, buffer, &end);

  if (tee->overrun_policy == GST_TIMED_TEE_OVERRUN_BLOCK) {
    while (!tee->flushing && hard_limit_blocked (tee, end, size)) {
      tee->space_waiters++;
      g_cond_wait (&tee->space_cond, &tee->lock);
      tee->space_waiters--;
    }
  }
  if (tee->flushing) {
    TIMED_TEE_UNLOCK (tee);
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }

  if (is_inband_caps_header (tee, buffer))
    flags |= ONAIR_ITEM_HEADER;
  if (flags & ONAIR_ITEM_HEADER) {
    if (!tee->header_set_open)
      g_ptr_array_set_size (tee->headers, 0);
    tee->header_set_open = TRUE;
    g_ptr_array_add (tee->headers, gst_buffer_ref (buffer));
  } else {
    tee->header_set_open = FALSE;
  }
  tee->last_end = end;
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    tee->current_pts = GST_BUFFER_PTS (buffer);

  seq = window_append (tee, buffer, time, end, size, flags);
  if (flags & ONAIR_ITEM_HEADER)
    tee->headers_last_seq = seq;

  /* With overrun-policy=block nobody is overrun any more: this only cuts
   * what no pad needs, to max-size-bytes. */
  overruns = enforce_hard_limit (tee);
  trim_expired (tee);
  ret = combined_flow (tee);
  TIMED_TEE_UNLOCK (tee);

  report_overruns (tee, overruns);
  return ret;
}

/* Events */

static gpointer
ref_object (gconstpointer object, gpointer user_data)
{
  return gst_object_ref ((gpointer) object);
}

static GList *
ref_src_pads (GstTimedTee *tee)
{
  GList *pads;

  GST_OBJECT_LOCK (tee);
  pads = g_list_copy_deep (GST_ELEMENT_CAST (tee)->srcpads, ref_object, NULL);
  GST_OBJECT_UNLOCK (tee);
  return pads;
}

static void
restart_pad_tasks (GstTimedTee *tee)
{
  GList *pads = ref_src_pads (tee), *l;

  for (l = pads; l != NULL; l = l->next) {
    if (GST_PAD_IS_ACTIVE (l->data))
      gst_pad_start_task (l->data, (GstTaskFunction) gst_timed_tee_pad_loop,
          l->data, NULL);
  }
  g_list_free_full (pads, gst_object_unref);
}

static void
window_reset (GstTimedTee *tee, gboolean keep_stream_state)
{
  guint i;

  onair_retention_drop_before (tee->ring, onair_retention_end_seq (tee->ring),
      remember_dropped_sticky, tee);
  if (keep_stream_state) {
    /* A flush ends the segment and any EOS; stream, caps and tags stay. */
    for (i = tee->front_sticky->len; i > 0; i--) {
      GstEventType type =
          GST_EVENT_TYPE (g_ptr_array_index (tee->front_sticky, i - 1));

      if (type == GST_EVENT_SEGMENT || type == GST_EVENT_EOS)
        g_ptr_array_remove_index (tee->front_sticky, i - 1);
    }
  } else {
    g_ptr_array_set_size (tee->front_sticky, 0);
    g_ptr_array_set_size (tee->headers, 0);
    g_clear_pointer (&tee->caps_headers, g_ptr_array_unref);
    gst_segment_init (&tee->segment, GST_FORMAT_UNDEFINED);
    gst_object_replace ((GstObject **) &tee->last_pool, NULL);
  }
  tee->header_set_open = FALSE;
  tee->eos = FALSE;
  tee->last_end = ONAIR_TIME_NONE;
  tee->current_pts = GST_CLOCK_TIME_NONE;
  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);

    pad->read_seq = onair_retention_end_seq (tee->ring);
    g_atomic_int_inc (&pad->generation);
    pad->discont = TRUE;
    pad->last_flow = GST_FLOW_OK;
    pad->catching_up = FALSE;
    g_clear_pointer (&pad->replay, g_ptr_array_unref);
  }
}

static gboolean
gst_timed_tee_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);
  guint flags = 0;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      TIMED_TEE_LOCK (tee);
      tee->flushing = TRUE;
      TIMED_TEE_WAKE_PADS (tee);
      g_cond_broadcast (&tee->space_cond);
      TIMED_TEE_UNLOCK (tee);
      return gst_pad_event_default (pad, parent, event);
    case GST_EVENT_FLUSH_STOP: {
      gboolean ret;

      TIMED_TEE_LOCK (tee);
      window_reset (tee, TRUE);
      gst_segment_init (&tee->segment, GST_FORMAT_UNDEFINED);
      tee->flushing = FALSE;
      TIMED_TEE_UNLOCK (tee);
      ret = gst_pad_event_default (pad, parent, event);
      restart_pad_tasks (tee);
      return ret;
    }
    default:
      break;
  }

  if (!GST_EVENT_IS_SERIALIZED (event))
    return gst_pad_event_default (pad, parent, event);

  if (GST_EVENT_IS_STICKY (event))
    flags |= ONAIR_ITEM_STICKY;

  TIMED_TEE_LOCK (tee);
  if (tee->flushing) {
    TIMED_TEE_UNLOCK (tee);
    gst_event_unref (event);
    return FALSE;
  }
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &tee->segment);
      break;
    case GST_EVENT_STREAM_START:
      g_ptr_array_set_size (tee->headers, 0);
      tee->header_set_open = FALSE;
      tee->eos = FALSE;
      break;
    case GST_EVENT_EOS:
      tee->eos = TRUE;
      break;
    case GST_EVENT_CAPS:
      watch_caps_headers (tee, event);
      break;
    default:
      break;
  }
  window_append (tee, event, ONAIR_TIME_NONE, ONAIR_TIME_NONE, 0, flags);
  TIMED_TEE_UNLOCK (tee);
  return TRUE;
}

/* Queries */

typedef struct {
  GstQuery *query;
  gboolean first;
  GArray *metas; /* GType the branches all accept */
} AllocationFold;

static gboolean
gst_timed_tee_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    /* Upstream allocates without a pool of ours and without a limit from
     * us: the window may hold many of its buffers.  Metas are offered only
     * when every linked branch accepts them. */
    GList *pads = ref_src_pads (tee), *l;
    GstCaps *caps;
    gboolean need_pool, first = TRUE;
    GArray *metas = g_array_new (FALSE, FALSE, sizeof (GType));
    guint i, j;

    gst_query_parse_allocation (query, &caps, &need_pool);
    for (l = pads; l != NULL; l = l->next) {
      GstQuery *q;

      if (!gst_pad_is_linked (l->data))
        continue;
      q = gst_query_new_allocation (caps, FALSE);
      if (!gst_pad_peer_query (l->data, q)) {
        g_array_set_size (metas, 0);
        first = FALSE;
        gst_query_unref (q);
        continue;
      }
      if (first) {
        for (i = 0; i < gst_query_get_n_allocation_metas (q); i++) {
          GType api = gst_query_parse_nth_allocation_meta (q, i, NULL);

          g_array_append_val (metas, api);
        }
        first = FALSE;
      } else {
        for (j = metas->len; j > 0; j--) {
          if (!gst_query_find_allocation_meta (q,
                  g_array_index (metas, GType, j - 1), NULL))
            g_array_remove_index (metas, j - 1);
        }
      }
      gst_query_unref (q);
    }
    for (i = 0; i < metas->len; i++)
      gst_query_add_allocation_meta (query, g_array_index (metas, GType, i),
          NULL);
    g_array_unref (metas);
    g_list_free_full (pads, gst_object_unref);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Src pads */

static gboolean
gst_timed_tee_src_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);
  GstTimedTeePad *tpad = GST_TIMED_TEE_PAD (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_QOS) {
    gboolean catching_up;

    /* A branch replaying history is late by design: its QoS would
     * throttle upstream for every branch. */
    TIMED_TEE_LOCK (tee);
    catching_up = tpad->catching_up;
    TIMED_TEE_UNLOCK (tee);
    if (catching_up) {
      gst_event_unref (event);
      return TRUE;
    }
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstPadLinkReturn
gst_timed_tee_src_link (GstPad *pad, GstObject *parent, GstPad *peer)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);

  TIMED_TEE_LOCK (tee);
  pad_start_join (tee, GST_TIMED_TEE_PAD (pad));
  TIMED_TEE_WAKE_PADS (tee);
  TIMED_TEE_UNLOCK (tee);
  return GST_PAD_LINK_OK;
}

static void
pad_leave (GstTimedTee *tee, GstTimedTeePad *pad)
{
  pad->joined = FALSE;
  g_atomic_int_inc (&pad->generation);
  pad->join_pending = FALSE;
  g_clear_pointer (&pad->replay, g_ptr_array_unref);
  if (tee->space_waiters > 0)
    g_cond_broadcast (&tee->space_cond);
}

static void
gst_timed_tee_src_unlink (GstPad *pad, GstObject *parent)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);

  TIMED_TEE_LOCK (tee);
  pad_leave (tee, GST_TIMED_TEE_PAD (pad));
  TIMED_TEE_UNLOCK (tee);
}

static gboolean
gst_timed_tee_src_activate_mode (GstPad *pad, GstObject *parent,
    GstPadMode mode, gboolean active)
{
  GstTimedTee *tee = GST_TIMED_TEE (parent);
  GstTimedTeePad *tpad = GST_TIMED_TEE_PAD (pad);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  TIMED_TEE_LOCK (tee);
  tpad->active = active;
  TIMED_TEE_WAKE_PADS (tee);
  TIMED_TEE_UNLOCK (tee);
  if (active)
    return gst_pad_start_task (pad, (GstTaskFunction) gst_timed_tee_pad_loop,
        pad, NULL);
  return gst_pad_stop_task (pad);
}

static gboolean
pad_has_work (GstTimedTee *tee, GstTimedTeePad *pad)
{
  return pad->joined && !pad->stopped
      && (pad->replay != NULL
          || pad->read_seq < onair_retention_end_seq (tee->ring));
}

static void
announce_join (GstTimedTee *tee, GstTimedTeePad *pad, GstClockTime position,
    GstClockTime running_time, GstTimedTeeJoinTiming timing)
{
  GstClock *clock;
  GstClockTime offset = 0;
  gchar *name;

  /* A pad offset from an earlier shifted join must not stay. */
  if (timing == GST_TIMED_TEE_TIMING_SHIFTED
      && GST_CLOCK_TIME_IS_VALID (running_time)
      && (clock = gst_element_get_clock (GST_ELEMENT_CAST (tee))) != NULL) {
    GstClockTime now = gst_clock_get_time (clock)
        - gst_element_get_base_time (GST_ELEMENT_CAST (tee));

    if (now > running_time)
      offset = now - running_time;
    gst_object_unref (clock);
  }
  gst_pad_set_offset (GST_PAD_CAST (pad), offset);

  g_signal_emit (tee, gst_timed_tee_signals[SIGNAL_JOINED], 0, pad, position);
  name = gst_pad_get_name (pad);
  gst_element_post_message (GST_ELEMENT_CAST (tee),
      gst_message_new_element (GST_OBJECT_CAST (tee),
          gst_structure_new ("timedtee-joined", "pad", G_TYPE_STRING, name,
              "position", G_TYPE_UINT64, position, "running-time",
              G_TYPE_UINT64, running_time, NULL)));
  g_free (name);
}

/* Pushes one item of the window (or of a replay) on @pad.  After a fatal
 * flow, or once the pad was moved elsewhere (@generation changed), the rest
 * of the batch is only released. */
static void
push_item (GstTimedTeePad *pad, GstMiniObject *obj, gint generation,
    gboolean *discont, GstFlowReturn *ret, guint64 *pushed)
{
  if (g_atomic_int_get (&pad->generation) != generation) {
    gst_mini_object_unref (obj);
    return;
  }
  if (GST_IS_EVENT (obj)) {
    gst_pad_push_event (GST_PAD_CAST (pad), GST_EVENT_CAST (obj));
    return;
  }
  if (*ret < GST_FLOW_EOS) {
    gst_mini_object_unref (obj);
    return;
  }
  if (*discont) {
    /* A shallow copy when shared: the memory stays the same. */
    obj =
        GST_MINI_OBJECT_CAST (gst_buffer_make_writable (GST_BUFFER_CAST (obj)));
    GST_BUFFER_FLAG_SET (obj, GST_BUFFER_FLAG_DISCONT);
    *discont = FALSE;
  }
  *ret = gst_pad_push (GST_PAD_CAST (pad), GST_BUFFER_CAST (obj));
  if (*ret == GST_FLOW_OK)
    (*pushed)++;
}

/* The streaming thread of a src pad: takes everything available at once,
 * pushes it, and only then moves its read position, so that what it is
 * still pushing stays pinned in the window. */
static void
gst_timed_tee_pad_loop (GstTimedTeePad *pad)
{
  GstTimedTee *tee = GST_TIMED_TEE (gst_pad_get_parent (pad));
  GstMiniObject *batch[MAX_BATCH];
  guint n = 0, i;
  gboolean announce, discont;
  GstClockTime position, running_time;
  GPtrArray *replay;
  guint64 seq, end, pushed = 0;
  GstFlowReturn ret = GST_FLOW_OK;
  gint generation;
  GstTimedTeeJoinTiming timing;

  if (tee == NULL) {
    gst_pad_pause_task (GST_PAD_CAST (pad));
    return;
  }

  TIMED_TEE_LOCK (tee);
  while (pad->active && !tee->flushing && !pad_has_work (tee, pad)) {
    tee->pads_waiting++;
    g_cond_wait (&tee->data_cond, &tee->lock);
    tee->pads_waiting--;
  }
  if (!pad->active || tee->flushing) {
    TIMED_TEE_UNLOCK (tee);
    gst_pad_pause_task (GST_PAD_CAST (pad));
    gst_object_unref (tee);
    return;
  }

  generation = pad->batch_generation = pad->generation;
  timing = tee->join_timing;
  announce = pad->announce;
  pad->announce = FALSE;
  position = pad->join_position;
  running_time = pad->join_running_time;
  replay = g_steal_pointer (&pad->replay);
  discont = pad->discont;
  pad->discont = FALSE;

  if (pad->read_seq < onair_retention_first_seq (tee->ring)) {
    pad->read_seq = onair_retention_first_seq (tee->ring);
    discont = TRUE;
  }
  end = onair_retention_end_seq (tee->ring);
  g_atomic_int_set (&pad->batch_done, 0);
  for (seq = pad->read_seq; seq < end && n < MAX_BATCH; seq++)
    batch[n++] =
        gst_mini_object_ref (onair_retention_get (tee->ring, seq)->object);
  TIMED_TEE_UNLOCK (tee);

  if (announce)
    announce_join (tee, pad, position, running_time, timing);
  if (replay != NULL) {
    for (i = 0; i < replay->len; i++)
      push_item (pad, gst_mini_object_ref (g_ptr_array_index (replay, i)),
          generation, &discont, &ret, &pushed);
    g_ptr_array_unref (replay);
  }
  for (i = 0; i < n; i++) {
    /* Counted before the push: a stalled downstream still got it. */
    g_atomic_int_inc (&pad->batch_done);
    push_item (pad, batch[i], generation, &discont, &ret, &pushed);
  }

  TIMED_TEE_LOCK (tee);
  pad->pushed += pushed;
  g_atomic_int_set (&pad->batch_done, 0);
  if (pad->generation == generation) {
    pad->read_seq = seq;
    if (seq >= pad->live_seq)
      pad->catching_up = FALSE;
    if (seq == onair_retention_end_seq (tee->ring))
      pad->overrun_reported = FALSE;
    if (ret != GST_FLOW_FLUSHING)
      pad->last_flow = ret;
    if (ret == GST_FLOW_NOT_NEGOTIATED || ret == GST_FLOW_ERROR)
      pad->stopped = TRUE;
  } else {
    ret = GST_FLOW_OK;
  }
  trim_expired (tee);
  if (tee->space_waiters > 0)
    g_cond_broadcast (&tee->space_cond);
  TIMED_TEE_UNLOCK (tee);

  if (ret == GST_FLOW_NOT_NEGOTIATED || ret == GST_FLOW_ERROR) {
    GST_ELEMENT_FLOW_ERROR (tee, ret);
    gst_pad_pause_task (GST_PAD_CAST (pad));
  }
  gst_object_unref (tee);
}

/* Request pads */

static GstPad *
gst_timed_tee_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name_templ, const GstCaps *caps)
{
  GstTimedTee *tee = GST_TIMED_TEE (element);
  GstTimedTeePad *pad;
  gchar *name;
  guint index;

  GST_OBJECT_LOCK (tee);
  if (name_templ != NULL && sscanf (name_templ, "src_%u", &index) == 1) {
    GList *l;

    for (l = element->srcpads; l != NULL; l = l->next) {
      if (g_strcmp0 (GST_OBJECT_NAME (l->data), name_templ) == 0) {
        GST_OBJECT_UNLOCK (tee);
        GST_WARNING_OBJECT (tee, "pad %s already exists", name_templ);
        return NULL;
      }
    }
    tee->next_pad_index = MAX (tee->next_pad_index, index + 1);
  } else {
    index = tee->next_pad_index++;
  }
  GST_OBJECT_UNLOCK (tee);

  name = g_strdup_printf ("src_%u", index);
  pad = g_object_new (GST_TYPE_TIMED_TEE_PAD, "name", name, "direction",
      templ->direction, "template", templ, NULL);
  g_free (name);

  gst_pad_set_activatemode_function (GST_PAD_CAST (pad),
      GST_DEBUG_FUNCPTR (gst_timed_tee_src_activate_mode));
  gst_pad_set_event_function (GST_PAD_CAST (pad),
      GST_DEBUG_FUNCPTR (gst_timed_tee_src_event));
  gst_pad_set_link_function (GST_PAD_CAST (pad),
      GST_DEBUG_FUNCPTR (gst_timed_tee_src_link));
  gst_pad_set_unlink_function (GST_PAD_CAST (pad),
      GST_DEBUG_FUNCPTR (gst_timed_tee_src_unlink));
  GST_OBJECT_FLAG_SET (pad, GST_PAD_FLAG_PROXY_CAPS);

  TIMED_TEE_LOCK (tee);
  g_ptr_array_add (tee->pads, gst_object_ref (pad));
  TIMED_TEE_UNLOCK (tee);

  if (!gst_element_add_pad (element, GST_PAD_CAST (pad))) {
    TIMED_TEE_LOCK (tee);
    g_ptr_array_remove (tee->pads, pad);
    TIMED_TEE_UNLOCK (tee);
    gst_object_unref (pad);
    return NULL;
  }
  g_object_notify (G_OBJECT (tee), "num-src-pads");
  return GST_PAD_CAST (pad);
}

static void
gst_timed_tee_release_pad (GstElement *element, GstPad *pad)
{
  GstTimedTee *tee = GST_TIMED_TEE (element);
  GstTimedTeePad *tpad = GST_TIMED_TEE_PAD (pad);

  TIMED_TEE_LOCK (tee);
  pad_leave (tee, tpad);
  TIMED_TEE_UNLOCK (tee);

  /* Deactivate before removing: without a parent the deactivation could not
   * reach the pad's task. */
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);

  TIMED_TEE_LOCK (tee);
  g_ptr_array_remove (tee->pads, tpad);
  TIMED_TEE_UNLOCK (tee);
  g_object_notify (G_OBJECT (tee), "num-src-pads");
}

/* State */

static GstStateChangeReturn
gst_timed_tee_change_state (GstElement *element, GstStateChange transition)
{
  GstTimedTee *tee = GST_TIMED_TEE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    TIMED_TEE_LOCK (tee);
    tee->flushing = FALSE;
    TIMED_TEE_UNLOCK (tee);
  } else if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    TIMED_TEE_LOCK (tee);
    tee->flushing = TRUE;
    TIMED_TEE_WAKE_PADS (tee);
    g_cond_broadcast (&tee->space_cond);
    TIMED_TEE_UNLOCK (tee);
  }

  ret = GST_ELEMENT_CLASS (gst_timed_tee_parent_class)
            ->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    guint i;

    TIMED_TEE_LOCK (tee);
    window_reset (tee, FALSE);
    for (i = 0; i < tee->pads->len; i++) {
      GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);

      /* Still-linked pads start over with the next stream. */
      pad->stopped = FALSE;
      if (pad->joined) {
        pad->joined = FALSE;
        g_atomic_int_inc (&pad->generation);
        pad->join_pending = TRUE;
        pad->pending_mode = tee->join_mode;
      }
    }
    TIMED_TEE_UNLOCK (tee);
  }
  return ret;
}

/* Properties */

static GstStructure *
gst_timed_tee_pad_stats (GstTimedTee *tee, GstTimedTeePad *pad);

static guint64
pad_lag (GstTimedTee *tee, GstTimedTeePad *pad)
{
  const OnairRetentionItem *item;
  guint64 seq, newest = onair_retention_newest_time (tee->ring);

  if (!pad->joined || newest == ONAIR_TIME_NONE)
    return 0;
  seq = onair_retention_find_next (tee->ring, pad_position (tee, pad),
      ONAIR_ITEM_BUFFER);
  item = onair_retention_get (tee->ring, seq);
  if (item == NULL || item->time == ONAIR_TIME_NONE || item->time > newest)
    return 0;
  return newest - item->time;
}

static GstStructure *
gst_timed_tee_pad_stats (GstTimedTee *tee, GstTimedTeePad *pad)
{
  return gst_structure_new ("timedtee-pad-stats", "pad", G_TYPE_STRING,
      GST_OBJECT_NAME (pad), "pushed", G_TYPE_UINT64, pad->pushed, "dropped",
      G_TYPE_UINT64, pad->dropped, "lag", G_TYPE_UINT64, pad_lag (tee, pad),
      "join-position", G_TYPE_UINT64, pad->join_position, NULL);
}

static GstStructure *
gst_timed_tee_stats (GstTimedTee *tee)
{
  GstStructure *s;
  GValue pads = G_VALUE_INIT;
  guint i;
  guint64 pushed = 0, dropped = 0;

  gst_value_array_init (&pads, tee->pads->len);
  for (i = 0; i < tee->pads->len; i++) {
    GstTimedTeePad *pad = g_ptr_array_index (tee->pads, i);
    GValue v = G_VALUE_INIT;

    g_value_init (&v, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&v, gst_timed_tee_pad_stats (tee, pad));
    gst_value_array_append_and_take_value (&pads, &v);
    pushed += pad->pushed;
    dropped += pad->dropped;
  }
  s = gst_structure_new ("timedtee-stats", "buffered-time", G_TYPE_UINT64,
      onair_retention_span (tee->ring), "buffered-bytes", G_TYPE_UINT64,
      onair_retention_bytes (tee->ring), "buffered-buffers", G_TYPE_UINT,
      onair_retention_buffers (tee->ring), "current-position", G_TYPE_UINT64,
      tee->current_pts, "num-src-pads", G_TYPE_UINT, tee->pads->len, "pushed",
      G_TYPE_UINT64, pushed, "dropped", G_TYPE_UINT64, dropped, NULL);
  gst_structure_take_value (s, "pads", &pads);
  return s;
}

static void
gst_timed_tee_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  GstTimedTee *tee = GST_TIMED_TEE (object);

  TIMED_TEE_LOCK (tee);
  switch (prop_id) {
    case PROP_RETENTION:
      tee->retention = g_value_get_uint64 (value);
      break;
    case PROP_MAX_RETENTION:
      tee->max_retention = g_value_get_uint64 (value);
      break;
    case PROP_MAX_SIZE_BYTES:
      tee->max_size_bytes = g_value_get_uint64 (value);
      break;
    case PROP_JOIN_MODE:
      tee->join_mode = g_value_get_enum (value);
      break;
    case PROP_JOIN_WINDOW:
      tee->join_window = g_value_get_uint64 (value);
      break;
    case PROP_JOIN_TIMING:
      tee->join_timing = g_value_get_enum (value);
      break;
    case PROP_OVERRUN_POLICY:
      tee->overrun_policy = g_value_get_enum (value);
      g_cond_broadcast (&tee->space_cond);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  TIMED_TEE_UNLOCK (tee);
}

static void
gst_timed_tee_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstTimedTee *tee = GST_TIMED_TEE (object);

  TIMED_TEE_LOCK (tee);
  switch (prop_id) {
    case PROP_RETENTION:
      g_value_set_uint64 (value, tee->retention);
      break;
    case PROP_MAX_RETENTION:
      g_value_set_uint64 (value, MAX (tee->max_retention, tee->retention));
      break;
    case PROP_MAX_SIZE_BYTES:
      g_value_set_uint64 (value, tee->max_size_bytes);
      break;
    case PROP_JOIN_MODE:
      g_value_set_enum (value, tee->join_mode);
      break;
    case PROP_JOIN_WINDOW:
      g_value_set_uint64 (value, tee->join_window);
      break;
    case PROP_JOIN_TIMING:
      g_value_set_enum (value, tee->join_timing);
      break;
    case PROP_OVERRUN_POLICY:
      g_value_set_enum (value, tee->overrun_policy);
      break;
    case PROP_BUFFERED_TIME:
      g_value_set_uint64 (value, onair_retention_span (tee->ring));
      break;
    case PROP_BUFFERED_BYTES:
      g_value_set_uint64 (value, onair_retention_bytes (tee->ring));
      break;
    case PROP_BUFFERED_BUFFERS:
      g_value_set_uint (value, onair_retention_buffers (tee->ring));
      break;
    case PROP_CURRENT_POSITION:
      g_value_set_uint64 (value, tee->current_pts);
      break;
    case PROP_NUM_SRC_PADS:
      g_value_set_int (value, tee->pads->len);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, gst_timed_tee_stats (tee));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  TIMED_TEE_UNLOCK (tee);
}

static void
gst_timed_tee_pad_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstTimedTeePad *pad = GST_TIMED_TEE_PAD (object);
  GstTimedTee *tee = GST_TIMED_TEE (gst_pad_get_parent (pad));

  if (tee == NULL) {
    g_param_value_set_default (pspec, value);
    return;
  }
  TIMED_TEE_LOCK (tee);
  switch (prop_id) {
    case PAD_PROP_PUSHED:
      g_value_set_uint64 (value, pad->pushed);
      break;
    case PAD_PROP_DROPPED:
      g_value_set_uint64 (value, pad->dropped);
      break;
    case PAD_PROP_LAG:
      g_value_set_uint64 (value, pad_lag (tee, pad));
      break;
    case PAD_PROP_JOIN_POSITION:
      g_value_set_uint64 (value, pad->join_position);
      break;
    case PAD_PROP_JOIN_RUNNING_TIME:
      g_value_set_uint64 (value, pad->join_running_time);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  TIMED_TEE_UNLOCK (tee);
  gst_object_unref (tee);
}

static void
gst_timed_tee_pad_finalize (GObject *object)
{
  GstTimedTeePad *pad = GST_TIMED_TEE_PAD (object);

  g_clear_pointer (&pad->replay, g_ptr_array_unref);
  G_OBJECT_CLASS (gst_timed_tee_pad_parent_class)->finalize (object);
}

static void
gst_timed_tee_pad_class_init (GstTimedTeePadClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->get_property = gst_timed_tee_pad_get_property;
  gobject_class->finalize = gst_timed_tee_pad_finalize;

  g_object_class_install_property (gobject_class, PAD_PROP_PUSHED,
      g_param_spec_uint64 ("pushed", "Pushed",
          "Buffers pushed downstream on this pad", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PAD_PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Buffers this pad skipped because it fell behind max-retention", 0,
          G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PAD_PROP_LAG,
      g_param_spec_uint64 ("lag", "Lag",
          "Stream time (ns) between the next buffer this pad pushes and the "
          "newest buffer received; 0 when caught up",
          0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PAD_PROP_JOIN_POSITION,
      g_param_spec_uint64 ("join-position", "Join position",
          "PTS (ns) of the first buffer this pad pushes since it was linked; "
          "set before any data reaches it (GST_CLOCK_TIME_NONE until known)",
          0, G_MAXUINT64, GST_CLOCK_TIME_NONE, ro));
  g_object_class_install_property (gobject_class, PAD_PROP_JOIN_RUNNING_TIME,
      g_param_spec_uint64 ("join-running-time", "Join running time",
          "Running time (ns) of the first buffer this pad pushes since it "
          "was linked (GST_CLOCK_TIME_NONE until known)",
          0, G_MAXUINT64, GST_CLOCK_TIME_NONE, ro));
}

static void
gst_timed_tee_pad_init (GstTimedTeePad *pad)
{
  pad->join_position = GST_CLOCK_TIME_NONE;
  pad->join_running_time = GST_CLOCK_TIME_NONE;
  pad->last_flow = GST_FLOW_OK;
}

static void
gst_timed_tee_finalize (GObject *object)
{
  GstTimedTee *tee = GST_TIMED_TEE (object);

  onair_retention_free (tee->ring);
  g_ptr_array_unref (tee->front_sticky);
  g_ptr_array_unref (tee->headers);
  g_clear_pointer (&tee->caps_headers, g_ptr_array_unref);
  g_ptr_array_unref (tee->pads);
  gst_object_replace ((GstObject **) &tee->last_pool, NULL);
  g_mutex_clear (&tee->lock);
  g_cond_clear (&tee->data_cond);
  g_cond_clear (&tee->space_cond);
  G_OBJECT_CLASS (gst_timed_tee_parent_class)->finalize (object);
}

static void
gst_timed_tee_class_init (GstTimedTeeClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_timed_tee_set_property;
  gobject_class->get_property = gst_timed_tee_get_property;
  gobject_class->finalize = gst_timed_tee_finalize;

  /**
   * GstTimedTee:retention:
   *
   * Stream time kept for late joiners.  History is dropped only when it is
   * older than this and no src pad still needs it.
   */
  g_object_class_install_property (gobject_class, PROP_RETENTION,
      g_param_spec_uint64 ("retention", "Retention",
          "Stream time (ns) of recent buffers kept for late joiners "
          "(default 10 s)",
          1, G_MAXUINT64, DEFAULT_RETENTION, rw));
  /**
   * GstTimedTee:max-retention:
   *
   * Hard cap on the window.  Pads still reading what goes past it are
   * handled by #GstTimedTee:overrun-policy.  Never less than retention.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_RETENTION,
      g_param_spec_uint64 ("max-retention", "Maximum retention",
          "Stream time (ns) the window never exceeds, even for a pad that "
          "lags; raised to retention if lower (default 15 s)",
          1, G_MAXUINT64, DEFAULT_MAX_RETENTION, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_SIZE_BYTES,
      g_param_spec_uint64 ("max-size-bytes", "Maximum size in bytes",
          "Payload bytes the window never exceeds (0 = no byte limit, "
          "default 0)",
          0, G_MAXUINT64, DEFAULT_MAX_SIZE_BYTES, rw));
  g_object_class_install_property (gobject_class, PROP_JOIN_MODE,
      g_param_spec_enum ("join-mode", "Join mode",
          "Where a newly linked src pad starts (default burst)",
          GST_TYPE_TIMED_TEE_JOIN_MODE, DEFAULT_JOIN_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_JOIN_WINDOW,
      g_param_spec_uint64 ("join-window", "Join window",
          "How far back (ns) burst and burst-keyframe joins go "
          "(0 = the whole window, default 0)",
          0, G_MAXUINT64, DEFAULT_JOIN_WINDOW, rw));
  g_object_class_install_property (gobject_class, PROP_JOIN_TIMING,
      g_param_spec_enum ("join-timing", "Join timing",
          "How replayed buffers are timed on a late pad (default original)",
          GST_TYPE_TIMED_TEE_JOIN_TIMING, DEFAULT_JOIN_TIMING, rw));
  g_object_class_install_property (gobject_class, PROP_OVERRUN_POLICY,
      g_param_spec_enum ("overrun-policy", "Overrun policy",
          "What happens to a src pad that falls behind max-retention "
          "(default drop)",
          GST_TYPE_TIMED_TEE_OVERRUN_POLICY, DEFAULT_OVERRUN_POLICY, rw));
  g_object_class_install_property (gobject_class, PROP_BUFFERED_TIME,
      g_param_spec_uint64 ("buffered-time", "Buffered time",
          "Stream time (ns) the window covers now", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_BUFFERED_BYTES,
      g_param_spec_uint64 ("buffered-bytes", "Buffered bytes",
          "Payload bytes held in the window now", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_BUFFERED_BUFFERS,
      g_param_spec_uint ("buffered-buffers", "Buffered buffers",
          "Buffers held in the window now", 0, G_MAXUINT, 0, ro));
  g_object_class_install_property (gobject_class, PROP_CURRENT_POSITION,
      g_param_spec_uint64 ("current-position", "Current position",
          "PTS (ns) of the newest buffer received (GST_CLOCK_TIME_NONE "
          "before the first)",
          0, G_MAXUINT64, GST_CLOCK_TIME_NONE, ro));
  g_object_class_install_property (gobject_class, PROP_NUM_SRC_PADS,
      g_param_spec_int ("num-src-pads", "Number of src pads",
          "Src pads requested now", 0, G_MAXINT, 0, ro));
  /**
   * GstTimedTee:stats:
   *
   * All counters at once: `buffered-time`, `buffered-bytes`,
   * `buffered-buffers`, `current-position`, `num-src-pads`, `pushed`,
   * `dropped`, and `pads`, an array with one structure per src pad
   * (`pad`, `pushed`, `dropped`, `lag`, `join-position`).
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Window and per-pad counters as a GstStructure", GST_TYPE_STRUCTURE,
          ro));

  /**
   * GstTimedTee::joined:
   * @tee: the element
   * @pad: the src pad that joined
   * @position: PTS of the first buffer it receives
   *
   * Emitted from @pad's streaming thread when a newly linked pad starts,
   * before anything is pushed on it.
   */
  gst_timed_tee_signals[SIGNAL_JOINED] =
      g_signal_new ("joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
          NULL, NULL, NULL, G_TYPE_NONE, 2, GST_TYPE_PAD, G_TYPE_UINT64);

  gst_element_class_set_static_metadata (element_class, "Timed tee", "Generic",
      "1-to-N tee that keeps a timestamped window of recent "
      "buffers for src pads linked late",
      "gst-plugins-onair <gst-plugins-onair@lists.invalid>");
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_TIMED_TEE_PAD);

  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_timed_tee_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_timed_tee_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_timed_tee_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_TIMED_TEE_JOIN_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_TIMED_TEE_JOIN_TIMING, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_TIMED_TEE_OVERRUN_POLICY, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_TIMED_TEE_PAD, 0);
}

static void
gst_timed_tee_init (GstTimedTee *tee)
{
  g_mutex_init (&tee->lock);
  g_cond_init (&tee->data_cond);
  g_cond_init (&tee->space_cond);
  tee->ring = onair_retention_new ((GDestroyNotify) gst_mini_object_unref);
  tee->front_sticky =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  tee->headers =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  tee->pads = g_ptr_array_new_with_free_func (gst_object_unref);
  tee->retention = DEFAULT_RETENTION;
  tee->max_retention = DEFAULT_MAX_RETENTION;
  tee->max_size_bytes = DEFAULT_MAX_SIZE_BYTES;
  tee->join_mode = DEFAULT_JOIN_MODE;
  tee->join_window = DEFAULT_JOIN_WINDOW;
  tee->join_timing = DEFAULT_JOIN_TIMING;
  tee->overrun_policy = DEFAULT_OVERRUN_POLICY;
  tee->last_end = ONAIR_TIME_NONE;
  tee->current_pts = GST_CLOCK_TIME_NONE;
  gst_segment_init (&tee->segment, GST_FORMAT_UNDEFINED);

  tee->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (tee->sinkpad,
      GST_DEBUG_FUNCPTR (gst_timed_tee_chain));
  gst_pad_set_event_function (tee->sinkpad,
      GST_DEBUG_FUNCPTR (gst_timed_tee_sink_event));
  gst_pad_set_query_function (tee->sinkpad,
      GST_DEBUG_FUNCPTR (gst_timed_tee_sink_query));
  GST_PAD_SET_PROXY_CAPS (tee->sinkpad);
  gst_element_add_pad (GST_ELEMENT_CAST (tee), tee->sinkpad);
}

static gboolean
plugin_init (GstPlugin *plugin)
{
#ifdef ENABLE_NLS
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
#endif
  return GST_ELEMENT_REGISTER (timedtee, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, timedtee,
    "A tee that keeps a timestamped window for late joiners", plugin_init,
    VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
