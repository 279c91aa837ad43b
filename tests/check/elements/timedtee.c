/* gst-plugins-onair: timedtee tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"

#include <gst/check/gsttestclock.h>

#include <string.h>

#define BUF_DURATION (10 * GST_MSECOND)
#define BUF_SIZE 1920

/* A test-side sink pad linked to one src pad of timedtee: records every
 * buffer and event in order, and can be told to stall. */
typedef struct {
  GstPad *pad;
  GstPad *teepad;
  GMutex lock;
  GCond cond;
  GPtrArray *items; /* GstBuffer and GstEvent, in arrival order */
  guint buffers;
  gboolean stall;
  gboolean stalled;
} Branch;

static GstFlowReturn
branch_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  Branch *b = g_object_get_data (G_OBJECT (pad), "branch");

  g_mutex_lock (&b->lock);
  g_ptr_array_add (b->items, buffer);
  b->buffers++;
  g_cond_broadcast (&b->cond);
  while (b->stall) {
    b->stalled = TRUE;
    g_cond_broadcast (&b->cond);
    g_cond_wait (&b->cond, &b->lock);
  }
  b->stalled = FALSE;
  g_mutex_unlock (&b->lock);
  return GST_FLOW_OK;
}

static gboolean
branch_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  Branch *b = g_object_get_data (G_OBJECT (pad), "branch");

  g_mutex_lock (&b->lock);
  g_ptr_array_add (b->items, event);
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
  return TRUE;
}

static Branch *
branch_new (void)
{
  Branch *b = g_new0 (Branch, 1);
  GstPadTemplate *templ;

  g_mutex_init (&b->lock);
  g_cond_init (&b->cond);
  b->items =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_mini_object_unref);
  templ = gst_pad_template_new ("branch", GST_PAD_SINK, GST_PAD_ALWAYS,
      GST_CAPS_ANY);
  b->pad = gst_pad_new_from_template (templ, "branch");
  gst_object_unref (templ);
  g_object_set_data (G_OBJECT (b->pad), "branch", b);
  gst_pad_set_chain_function (b->pad, branch_chain);
  gst_pad_set_event_function (b->pad, branch_event);
  gst_pad_set_active (b->pad, TRUE);
  return b;
}

/* Requests a src pad and links it: this is the moment of joining. */
static Branch *
branch_join (GstElement *tee)
{
  Branch *b = branch_new ();

  b->teepad = gst_element_request_pad_simple (tee, "src_%u");
  fail_unless (b->teepad != NULL);
  fail_unless_equals_int (gst_pad_link (b->teepad, b->pad), GST_PAD_LINK_OK);
  return b;
}

static void
branch_set_stall (Branch *b, gboolean stall)
{
  g_mutex_lock (&b->lock);
  b->stall = stall;
  g_cond_broadcast (&b->cond);
  g_mutex_unlock (&b->lock);
}

/* How long a test waits for what must happen (scaled for slow settings):
 * a bound that only a broken element reaches. */
#define WAIT_MS 10000

static gint64
wait_deadline (void)
{
  return g_get_monotonic_time ()
      + onair_check_scaled_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;
}

/* Waits until the branch has @n buffers. */
static void
branch_wait_buffers (Branch *b, guint n)
{
  gint64 deadline = wait_deadline ();

  g_mutex_lock (&b->lock);
  while (b->buffers < n) {
    if (!g_cond_wait_until (&b->cond, &b->lock, deadline)) {
      guint have = b->buffers;

      g_mutex_unlock (&b->lock);
      fail ("branch got %u buffers, expected %u", have, n);
    }
  }
  g_mutex_unlock (&b->lock);
}

static void
branch_wait_stalled (Branch *b)
{
  gint64 deadline = wait_deadline ();

  g_mutex_lock (&b->lock);
  while (!b->stalled) {
    if (!g_cond_wait_until (&b->cond, &b->lock, deadline)) {
      g_mutex_unlock (&b->lock);
      fail ("branch never stalled");
    }
  }
  g_mutex_unlock (&b->lock);
}

static gboolean
branch_has_event (Branch *b, GstEventType type)
{
  gboolean found = FALSE;
  guint i;

  g_mutex_lock (&b->lock);
  for (i = 0; i < b->items->len && !found; i++) {
    GstMiniObject *obj = g_ptr_array_index (b->items, i);

    found = GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == type;
  }
  g_mutex_unlock (&b->lock);
  return found;
}

static gboolean
branch_got_eos (gpointer b)
{
  return branch_has_event (b, GST_EVENT_EOS);
}

/* The @i-th buffer the branch received. */
static GstBuffer *
branch_buffer (Branch *b, guint n)
{
  GstBuffer *found = NULL;
  guint i;

  g_mutex_lock (&b->lock);
  for (i = 0; i < b->items->len && found == NULL; i++) {
    GstMiniObject *obj = g_ptr_array_index (b->items, i);

    if (GST_IS_BUFFER (obj) && n-- == 0)
      found = GST_BUFFER (obj);
  }
  g_mutex_unlock (&b->lock);
  fail_unless (found != NULL, "no buffer %u", n);
  return found;
}

static void
branch_free (Branch *b, GstElement *tee)
{
  if (b->teepad != NULL) {
    branch_set_stall (b, FALSE);
    gst_pad_unlink (b->teepad, b->pad);
    gst_element_release_request_pad (tee, b->teepad);
    gst_object_unref (b->teepad);
  }
  gst_pad_set_active (b->pad, FALSE);
  gst_object_unref (b->pad);
  g_ptr_array_unref (b->items);
  g_mutex_clear (&b->lock);
  g_cond_clear (&b->cond);
  g_free (b);
}

/* Upstream: a src pad feeding timedtee's sink pad. */
static GstPad *
upstream_new (GstElement *tee, const gchar *caps_str)
{
  GstPad *src = gst_pad_new ("upstream", GST_PAD_SRC);
  GstPad *sink = gst_element_get_static_pad (tee, "sink");
  GstSegment segment;

  gst_pad_set_active (src, TRUE);
  fail_unless_equals_int (gst_pad_link (src, sink), GST_PAD_LINK_OK);
  gst_object_unref (sink);
  fail_unless (gst_pad_push_event (src, gst_event_new_stream_start ("s")));
  fail_unless (gst_pad_push_event (src,
      gst_event_new_caps (gst_caps_from_string (caps_str))));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (src, gst_event_new_segment (&segment)));
  return src;
}

/* Buffer @i: PTS i * 10 ms, its index written in every 4 bytes. */
static GstBuffer *
audio_buffer (guint i, gboolean sync)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, BUF_SIZE, NULL);
  GstMapInfo map;
  guint j;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  for (j = 0; j + 4 <= BUF_SIZE; j += 4)
    GST_WRITE_UINT32_LE (map.data + j, i * 7919 + j);
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = i * BUF_DURATION;
  GST_BUFFER_DURATION (buf) = BUF_DURATION;
  if (!sync)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  return buf;
}

static void
push_range (GstPad *src, guint from, guint to, guint sync_every)
{
  guint i;

  for (i = from; i < to; i++)
    fail_unless_equals_int (gst_pad_push (src,
                                audio_buffer (i,
                                    sync_every == 0 || i % sync_every == 0)),
        GST_FLOW_OK);
}

/* Pushes like a live source: each buffer once the caught-up branch @a
 * has the previous one, so that only a stalled branch ever falls behind. */
static void
push_paced (GstPad *src, guint from, guint to, Branch *a)
{
  guint i, base = a->buffers;

  for (i = from; i < to; i++) {
    push_range (src, i, i + 1, 0);
    branch_wait_buffers (a, base + i - from + 1);
  }
}

static GstElement *
timedtee_new (const gchar *props)
{
  GstElement *tee = gst_element_factory_make ("timedtee", NULL);
  gchar *desc;

  fail_unless (tee != NULL, "timedtee is not built");
  if (props != NULL) {
    GstElement *parsed;

    desc = g_strdup_printf ("timedtee %s", props);
    parsed = gst_parse_launch (desc, NULL);
    g_free (desc);
    fail_unless (parsed != NULL);
    gst_object_unref (tee);
    tee = parsed;
  }
  fail_unless_equals_int (gst_element_set_state (tee, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  return tee;
}

static void
timedtee_free (GstElement *tee, GstPad *upstream)
{
  gst_element_set_state (tee, GST_STATE_NULL);
  gst_pad_set_active (upstream, FALSE);
  gst_object_unref (upstream);
  gst_object_unref (tee);
}

static guint64
get_u64 (gpointer object, const gchar *name)
{
  guint64 v;

  g_object_get (object, name, &v, NULL);
  return v;
}

typedef struct {
  Branch *branch;
  guint64 pushed;
} PushedWait;

static gboolean
pad_pushed_all (gpointer data)
{
  PushedWait *w = data;

  return get_u64 (w->branch->teepad, "pushed") >= w->pushed;
}

/* Waits until the branch has @n buffers and the tee counts them pushed: the
 * pad's thread counts a batch once the branch has returned from its last
 * buffer, which may be some time after the branch saw it. */
static void
branch_wait_pushed (Branch *b, guint n)
{
  PushedWait w = { b, n };

  branch_wait_buffers (b, n);
  onair_check_wait_until (pad_pushed_all, &w, WAIT_MS,
      "the pad to count what its branch received");
}

static void
assert_same_buffer (GstBuffer *a, GstBuffer *b)
{
  GstMapInfo ma, mb;

  fail_unless_equals_uint64 (GST_BUFFER_PTS (a), GST_BUFFER_PTS (b));
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (a), GST_BUFFER_DURATION (b));
  gst_buffer_map (a, &ma, GST_MAP_READ);
  gst_buffer_map (b, &mb, GST_MAP_READ);
  fail_unless_equals_int (ma.size, mb.size);
  fail_unless (memcmp (ma.data, mb.data, ma.size) == 0,
      "bytes differ at PTS %" GST_TIME_FORMAT,
      GST_TIME_ARGS (GST_BUFFER_PTS (a)));
  gst_buffer_unmap (a, &ma);
  gst_buffer_unmap (b, &mb);
}

GST_START_TEST (test_late_joiner_gets_the_window_with_original_pts)
{
  GstElement *tee = timedtee_new ("retention=10000000000");
  GstPad *src = upstream_new (tee,
      "audio/x-raw,format=S16LE,rate=48000,"
      "channels=2,layout=interleaved");
  Branch *a = branch_join (tee), *b;
  guint i, j;

  /* 3 s into a 10 s retention: everything is still there. */
  push_range (src, 0, 300, 0);
  branch_wait_buffers (a, 300);
  b = branch_join (tee);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-position"), 0);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-running-time"), 0);
  push_range (src, 300, 350, 0);
  branch_wait_buffers (a, 350);
  branch_wait_pushed (b, 350);

  for (i = 0; i < 350; i++)
    assert_same_buffer (branch_buffer (a, i), branch_buffer (b, i));
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (branch_buffer (b, 0), GST_BUFFER_FLAG_DISCONT));
  fail_if (
      GST_BUFFER_FLAG_IS_SET (branch_buffer (b, 1), GST_BUFFER_FLAG_DISCONT));

  /* The sticky events came first, in order. */
  {
    GstEventType expected[] = { GST_EVENT_STREAM_START, GST_EVENT_CAPS,
      GST_EVENT_SEGMENT };
    for (j = 0; j < G_N_ELEMENTS (expected); j++) {
      GstMiniObject *obj = g_ptr_array_index (b->items, j);

      fail_unless (GST_IS_EVENT (obj));
      fail_unless_equals_int (GST_EVENT_TYPE (obj), expected[j]);
    }
    fail_unless (GST_IS_BUFFER (g_ptr_array_index (b->items, 3)));
  }
  fail_unless_equals_uint64 (get_u64 (b->teepad, "pushed"), 350);

  branch_free (b, tee);
  branch_free (a, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

GST_START_TEST (test_late_joiner_starts_at_oldest_retained)
{
  GstElement *tee = timedtee_new ("retention=10000000000");
  GstPad *src = upstream_new (tee, "audio/x-raw");
  Branch *a = branch_join (tee), *b;
  guint i;

  /* 12 s in: the oldest retained buffer is at 2 s. */
  push_range (src, 0, 1200, 0);
  branch_wait_buffers (a, 1200);
  fail_unless_equals_uint64 (get_u64 (tee, "buffered-time"), 10 * GST_SECOND);
  b = branch_join (tee);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-position"),
      2 * GST_SECOND);
  branch_wait_buffers (b, 1000);
  for (i = 0; i < 1000; i++)
    assert_same_buffer (branch_buffer (a, 200 + i), branch_buffer (b, i));

  branch_free (b, tee);
  branch_free (a, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

GST_START_TEST (test_window_stays_between_retention_and_max)
{
  GstElement *tee = timedtee_new ("retention=1000000000 "
                                  "max-retention=1500000000");
  GstPad *src = upstream_new (tee, "audio/x-raw");
  Branch *a = branch_join (tee), *slow;
  guint i;

  for (i = 0; i < 300; i++) {
    push_range (src, i, i + 1, 0);
    branch_wait_buffers (a, i + 1);
    fail_unless (get_u64 (tee, "buffered-time")
            >= MIN (GST_SECOND, (i + 1) * BUF_DURATION),
        "window shorter than retention");
    fail_unless (get_u64 (tee, "buffered-time") <= GST_SECOND + BUF_DURATION);
  }

  /* A stalled branch holds the window, up to max-retention and no more. */
  slow = branch_join (tee);
  branch_set_stall (slow, TRUE);
  branch_wait_stalled (slow);
  for (i = 300; i < 600; i++) {
    push_range (src, i, i + 1, 0);
    fail_unless (get_u64 (tee, "buffered-time") <= 1500 * GST_MSECOND,
        "window longer than max-retention");
  }
  fail_unless (get_u64 (tee, "buffered-time") >= 1490 * GST_MSECOND);
  fail_unless (get_u64 (slow->teepad, "dropped") > 0);

  branch_free (slow, tee);
  branch_free (a, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

static GstClockTime
first_pts_for_mode (const gchar *props, guint pushed_before, guint sync_every,
    guint pushed_after)
{
  GstElement *tee = timedtee_new (props);
  GstPad *src = upstream_new (tee, "audio/x-raw");
  Branch *b;
  GstClockTime pts, announced;

  push_range (src, 0, pushed_before, sync_every);
  b = branch_join (tee);
  push_range (src, pushed_before, pushed_before + pushed_after, sync_every);
  branch_wait_buffers (b, 1);
  pts = GST_BUFFER_PTS (branch_buffer (b, 0));
  announced = get_u64 (b->teepad, "join-position");
  fail_unless_equals_uint64 (announced, pts);
  branch_free (b, tee);
  timedtee_free (tee, src);
  return pts;
}

GST_START_TEST (test_join_modes_start_where_they_say)
{
  /* 5 s pushed, 10 s retention, a sync point every 25 buffers (250 ms). */
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=burst", 500, 25, 1),
      0);
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=burst "
                                                 "join-window=2000000000",
                                 500, 25, 1),
      3 * GST_SECOND);
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=live", 500, 25, 1),
      5 * GST_SECOND);
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=keyframe", 500, 25,
                                 1),
      4750 * GST_MSECOND);
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=burst-keyframe "
                                                 "join-window=2100000000",
                                 500, 25, 1),
      3 * GST_SECOND);
  /* No sync point in the window yet: wait for the next one. */
  fail_unless_equals_uint64 (first_pts_for_mode ("join-mode=keyframe "
                                                 "retention=100000000 "
                                                 "max-retention=100000000",
                                 550, 100, 51),
      6 * GST_SECOND);
}

GST_END_TEST;

static void
on_joined (GstElement *tee, GstPad *pad, guint64 position, gpointer data)
{
  guint64 *seen = data;

  /* The property is readable when the signal comes. */
  *seen = get_u64 (pad, "join-position");
  fail_unless_equals_uint64 (*seen, position);
}

GST_START_TEST (test_joined_signal_and_message)
{
  GstElement *tee = timedtee_new (NULL);
  GstBus *bus = gst_bus_new ();
  GstPad *src = upstream_new (tee, "audio/x-raw");
  guint64 seen = GST_CLOCK_TIME_NONE;
  const GstStructure *s;
  GstMessage *msg;
  Branch *b;
  guint64 pos;

  gst_element_set_bus (tee, bus);
  g_signal_connect (tee, "joined", G_CALLBACK (on_joined), &seen);
  push_range (src, 0, 150, 0);
  b = branch_join (tee);
  branch_wait_buffers (b, 150);
  fail_unless_equals_uint64 (seen, 0);

  msg = gst_bus_timed_pop_filtered (bus,
      onair_check_scaled_ms (WAIT_MS) * GST_MSECOND, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  s = gst_message_get_structure (msg);
  fail_unless (gst_structure_has_name (s, "timedtee-joined"));
  fail_unless_equals_string (gst_structure_get_string (s, "pad"),
      GST_OBJECT_NAME (b->teepad));
  fail_unless (gst_structure_get_uint64 (s, "position", &pos));
  fail_unless_equals_uint64 (pos, 0);
  gst_message_unref (msg);

  branch_free (b, tee);
  gst_element_set_bus (tee, NULL);
  gst_object_unref (bus);
  timedtee_free (tee, src);
}

GST_END_TEST;

GST_START_TEST (test_caps_change_inside_window)
{
  GstElement *tee = timedtee_new ("retention=1000000000");
  GstPad *src = upstream_new (tee, "audio/x-raw,rate=48000");
  Branch *b;
  guint i, caps_seen = 0, buffers_seen = 0;
  gint rate = 0;

  /* 1.5 s at 48 kHz, then 0.5 s at 44.1 kHz: the window starts at 1.0 s,
   * where the first caps event has already been trimmed. */
  push_range (src, 0, 150, 0);
  fail_unless (gst_pad_push_event (src,
      gst_event_new_caps (gst_caps_from_string ("audio/x-raw,rate=44100"))));
  push_range (src, 150, 200, 0);
  b = branch_join (tee);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-position"), GST_SECOND);
  branch_wait_buffers (b, 100);

  for (i = 0; i < b->items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (b->items, i);

    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_CAPS) {
      GstCaps *caps;

      gst_event_parse_caps (GST_EVENT (obj), &caps);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "rate", &rate);
      caps_seen++;
    } else if (GST_IS_BUFFER (obj)) {
      GstClockTime pts = GST_BUFFER_PTS (obj);

      fail_unless (caps_seen > 0, "buffer before caps");
      fail_unless_equals_int (rate, pts < 1500 * GST_MSECOND ? 48000 : 44100);
      buffers_seen++;
    }
  }
  fail_unless_equals_int (caps_seen, 2);
  fail_unless_equals_int (buffers_seen, 100);

  branch_free (b, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

typedef struct {
  GstPad *src;
  guint from, to;
} Pusher;

static gpointer
push_thread (gpointer data)
{
  Pusher *p = data;

  push_range (p->src, p->from, p->to, 0);
  return NULL;
}

static GstMessage *
pop_message (GstBus *bus, GstMessageType type)
{
  GstMessage *msg = gst_bus_timed_pop_filtered (bus,
      onair_check_scaled_ms (WAIT_MS) * GST_MSECOND, type);

  fail_unless (msg != NULL, "no %s message", gst_message_type_get_name (type));
  return msg;
}

/* A live branch A and a branch B that stalls after its first buffer;
 * 1 s retention, 1.5 s max. */
static void
overrun_setup (const gchar *policy, GstElement **tee, GstPad **src, Branch **a,
    Branch **b, GstBus **bus)
{
  gchar *props = g_strdup_printf ("retention=1000000000 "
                                  "max-retention=1500000000 overrun-policy=%s",
      policy);

  *tee = timedtee_new (props);
  g_free (props);
  *bus = gst_bus_new ();
  gst_element_set_bus (*tee, *bus);
  *src = upstream_new (*tee, "audio/x-raw");
  *a = branch_join (*tee);
  *b = branch_join (*tee);
  branch_set_stall (*b, TRUE);
}

static void
overrun_teardown (GstElement *tee, GstPad *src, Branch *a, Branch *b,
    GstBus *bus)
{
  branch_free (b, tee);
  branch_free (a, tee);
  gst_element_set_bus (tee, NULL);
  gst_object_unref (bus);
  timedtee_free (tee, src);
}

GST_START_TEST (test_overrun_drop_skips_to_oldest_kept)
{
  GstElement *tee;
  GstPad *src;
  Branch *a, *b;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  GstClockTime pts;

  overrun_setup ("drop", &tee, &src, &a, &b, &bus);
  push_paced (src, 0, 1, a);
  branch_wait_stalled (b);
  push_paced (src, 1, 300, a);

  msg = pop_message (bus, GST_MESSAGE_WARNING);
  gst_message_parse_warning (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED));
  fail_unless (strstr (err->message, GST_OBJECT_NAME (b->teepad)) != NULL);
  g_clear_error (&err);
  gst_message_unref (msg);

  fail_unless (get_u64 (b->teepad, "dropped") > 0);
  branch_set_stall (b, FALSE);
  branch_wait_buffers (b, 2);
  /* After the first (stalled) buffer it continues at the oldest kept data. */
  pts = GST_BUFFER_PTS (branch_buffer (b, 1));
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (branch_buffer (b, 1), GST_BUFFER_FLAG_DISCONT));
  fail_unless (pts >= 3 * GST_SECOND - 1500 * GST_MSECOND - BUF_DURATION
          && pts < 3 * GST_SECOND - GST_SECOND,
      "resumed at %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  fail_unless_equals_uint64 (get_u64 (b->teepad, "dropped"),
      pts / BUF_DURATION - 1);
  fail_unless_equals_uint64 (get_u64 (a->teepad, "dropped"), 0);

  overrun_teardown (tee, src, a, b, bus);
}

GST_END_TEST;

GST_START_TEST (test_overrun_resync_jumps_to_live_edge)
{
  GstElement *tee;
  GstPad *src;
  Branch *a, *b;
  GstBus *bus;
  GstClockTime pts;

  overrun_setup ("resync", &tee, &src, &a, &b, &bus);
  push_paced (src, 0, 1, a);
  branch_wait_stalled (b);
  push_paced (src, 1, 300, a);
  fail_unless (get_u64 (b->teepad, "dropped") > 0);
  branch_set_stall (b, FALSE);
  push_range (src, 300, 301, 0);
  branch_wait_buffers (b, 2);
  pts = GST_BUFFER_PTS (branch_buffer (b, 1));
  /* Far past the oldest data any window could hold. */
  fail_unless (pts >= 1500 * GST_MSECOND + BUF_DURATION,
      "resynced to %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  fail_unless (
      GST_BUFFER_FLAG_IS_SET (branch_buffer (b, 1), GST_BUFFER_FLAG_DISCONT));
  overrun_teardown (tee, src, a, b, bus);
}

GST_END_TEST;

GST_START_TEST (test_overrun_block_loses_nothing)
{
  GstElement *tee;
  GstPad *src;
  Branch *a, *b;
  GstBus *bus;
  Pusher pusher;
  GThread *thread;
  guint i;

  overrun_setup ("block", &tee, &src, &a, &b, &bus);
  pusher.src = src;
  pusher.from = 0;
  pusher.to = 400;
  thread = g_thread_new ("pusher", push_thread, &pusher);
  branch_wait_stalled (b);
  /* Upstream is held once the window is full: A gets no further. */
  branch_wait_buffers (a, 150);
  fail_unless (get_u64 (tee, "buffered-time") <= 1500 * GST_MSECOND);
  branch_set_stall (b, FALSE);
  g_thread_join (thread);
  branch_wait_buffers (b, 400);
  branch_wait_buffers (a, 400);
  for (i = 0; i < 400; i++)
    fail_unless_equals_uint64 (GST_BUFFER_PTS (branch_buffer (b, i)),
        i * BUF_DURATION);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "dropped"), 0);
  overrun_teardown (tee, src, a, b, bus);
}

GST_END_TEST;

GST_START_TEST (test_overrun_error_posts_error)
{
  GstElement *tee;
  GstPad *src;
  Branch *a, *b;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;

  overrun_setup ("error", &tee, &src, &a, &b, &bus);
  push_paced (src, 0, 1, a);
  branch_wait_stalled (b);
  push_paced (src, 1, 300, a);
  msg = pop_message (bus, GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (
      g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED));
  fail_unless (strstr (err->message, GST_OBJECT_NAME (b->teepad)) != NULL);
  g_clear_error (&err);
  fail_unless (get_u64 (b->teepad, "dropped") > 0);
  gst_message_unref (msg);
  overrun_teardown (tee, src, a, b, bus);
}

GST_END_TEST;

GST_START_TEST (test_eos_is_kept_for_late_joiners)
{
  GstElement *tee = timedtee_new (NULL);
  GstPad *src = upstream_new (tee, "audio/x-raw");
  Branch *b;

  push_range (src, 0, 100, 0);
  fail_unless (gst_pad_push_event (src, gst_event_new_eos ()));
  b = branch_join (tee);
  branch_wait_buffers (b, 100);
  onair_check_wait_until (branch_got_eos, b, WAIT_MS, "EOS on the late branch");
  fail_unless (GST_IS_EVENT (g_ptr_array_index (b->items, b->items->len - 1)));
  branch_free (b, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

GST_START_TEST (test_flush_clears_the_window)
{
  GstElement *tee = timedtee_new (NULL);
  GstPad *src = upstream_new (tee, "audio/x-raw");
  Branch *a = branch_join (tee), *b;
  GstSegment segment;

  push_range (src, 0, 100, 0);
  branch_wait_buffers (a, 100);
  fail_unless_equals_int (get_u64 (tee, "buffered-bytes"), 100 * BUF_SIZE);
  fail_unless (gst_pad_push_event (src, gst_event_new_flush_start ()));
  fail_unless (gst_pad_push_event (src, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_int (get_u64 (tee, "buffered-bytes"), 0);
  fail_unless (branch_has_event (a, GST_EVENT_FLUSH_STOP));

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_pad_push_event (src, gst_event_new_segment (&segment)));
  push_range (src, 1000, 1010, 0);
  b = branch_join (tee);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-position"),
      1000 * BUF_DURATION);
  branch_wait_buffers (b, 10);
  branch_wait_buffers (a, 110);
  branch_free (b, tee);
  branch_free (a, tee);
  timedtee_free (tee, src);
}

GST_END_TEST;

GST_START_TEST (test_no_src_pads_is_fine)
{
  GstElement *tee = timedtee_new (NULL);
  GstPad *src = upstream_new (tee, "audio/x-raw");
  GstStructure *stats;
  guint n;

  push_range (src, 0, 50, 0);
  fail_unless_equals_int (get_u64 (tee, "buffered-bytes"), 50 * BUF_SIZE);
  g_object_get (tee, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint (stats, "buffered-buffers", &n));
  fail_unless_equals_int (n, 50);
  gst_structure_free (stats);
  timedtee_free (tee, src);
}

GST_END_TEST;

/* Buffers without timestamps in a BYTES segment are timed by their arrival
 * on the clock.  Before PLAYING there is no base time: buffers that arrive
 * while prerolling must not make that timeline jump back later (which made
 * the window look minutes long and overran every branch). */
GST_START_TEST (test_untimestamped_stream_timed_by_arrival)
{
  GstElement *tee =
      gst_parse_launch ("timedtee overrun-policy=error "
                        "retention=1000000000 max-retention=1500000000",
          NULL);
  GstClock *clock = gst_test_clock_new_with_start_time (1000 * GST_SECOND);
  GstBus *bus = gst_bus_new ();
  GstPad *src, *sink;
  GstSegment segment;
  Branch *a;
  guint i;

  gst_element_set_bus (tee, bus);
  gst_element_set_clock (tee, clock);
  fail_unless (gst_element_set_state (tee, GST_STATE_PAUSED)
      != GST_STATE_CHANGE_FAILURE);
  src = gst_pad_new ("upstream", GST_PAD_SRC);
  gst_pad_set_active (src, TRUE);
  sink = gst_element_get_static_pad (tee, "sink");
  gst_pad_link (src, sink);
  gst_object_unref (sink);
  gst_pad_push_event (src, gst_event_new_stream_start ("bytes"));
  gst_segment_init (&segment, GST_FORMAT_BYTES);
  gst_pad_push_event (src, gst_event_new_segment (&segment));
  a = branch_join (tee);

  for (i = 0; i < 20; i++)
    fail_unless_equals_int (gst_pad_push (src,
                                gst_buffer_new_allocate (NULL, 100, NULL)),
        GST_FLOW_OK);
  gst_element_set_base_time (tee, 1000 * GST_SECOND);
  fail_unless (gst_element_set_state (tee, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 300; i++) {
    gst_test_clock_advance_time (GST_TEST_CLOCK (clock), 10 * GST_MSECOND);
    fail_unless_equals_int (gst_pad_push (src,
                                gst_buffer_new_allocate (NULL, 100, NULL)),
        GST_FLOW_OK);
    branch_wait_buffers (a, 21 + i);
  }
  /* 3 s by the clock: one second kept, nobody overrun. */
  fail_unless (get_u64 (tee, "buffered-time") >= GST_SECOND);
  fail_unless (get_u64 (tee, "buffered-time") <= 1500 * GST_MSECOND);
  fail_unless_equals_uint64 (get_u64 (a->teepad, "dropped"), 0);
  fail_if (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING | GST_MESSAGE_ERROR),
      "overrun reported");

  branch_free (a, tee);
  gst_element_set_bus (tee, NULL);
  gst_object_unref (bus);
  gst_object_unref (clock);
  timedtee_free (tee, src);
}

GST_END_TEST;

/* Running time the branch's segment gives its first buffer. */
static GstClockTime
branch_first_running_time (Branch *b)
{
  const GstSegment *segment = NULL;
  GstClockTime rt = GST_CLOCK_TIME_NONE;
  guint i;

  g_mutex_lock (&b->lock);
  for (i = 0; i < b->items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (b->items, i);

    if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_SEGMENT)
      gst_event_parse_segment (GST_EVENT (obj), &segment);
    if (GST_IS_BUFFER (obj)) {
      fail_unless (segment != NULL);
      rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
          GST_BUFFER_PTS (obj));
      break;
    }
  }
  g_mutex_unlock (&b->lock);
  return rt;
}

/* shifted: the replay starts now in running time; original: at its own. */
GST_START_TEST (test_join_timing_shifted_plays_from_now)
{
  GstElement *tee = gst_parse_launch ("timedtee join-timing=shifted", NULL);
  GstClock *clock = gst_test_clock_new ();
  GstPad *src;
  Branch *b, *c;

  gst_element_set_clock (tee, clock);
  gst_element_set_base_time (tee, 0);
  fail_unless (gst_element_set_state (tee, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  src = upstream_new (tee, "audio/x-raw");
  push_range (src, 0, 300, 0);
  gst_test_clock_set_time (GST_TEST_CLOCK (clock), 3 * GST_SECOND);

  b = branch_join (tee);
  branch_wait_buffers (b, 300);
  fail_unless_equals_uint64 (get_u64 (b->teepad, "join-position"), 0);
  fail_unless_equals_int64 (gst_pad_get_offset (b->teepad), 3 * GST_SECOND);
  fail_unless_equals_uint64 (branch_first_running_time (b), 3 * GST_SECOND);
  branch_free (b, tee);

  g_object_set (tee, "join-timing", 0, NULL);
  c = branch_join (tee);
  branch_wait_buffers (c, 300);
  fail_unless_equals_int64 (gst_pad_get_offset (c->teepad), 0);
  fail_unless_equals_uint64 (branch_first_running_time (c), 0);
  branch_free (c, tee);

  gst_object_unref (clock);
  timedtee_free (tee, src);
}

GST_END_TEST;

/* A pool that holds 4 buffers at most, as a capture device's does. */
GST_START_TEST (test_bounded_pool_never_runs_dry)
{
  GstElement *tee = timedtee_new (NULL);
  GstPad *src = upstream_new (tee, "audio/x-raw");
  GstBufferPool *pool = gst_buffer_pool_new ();
  GstStructure *config = gst_buffer_pool_get_config (pool);
  GstBufferPoolAcquireParams params = {
    0,
  };
  Branch *a = branch_join (tee);
  guint i;

  gst_buffer_pool_config_set_params (config, NULL, BUF_SIZE, 2, 4);
  fail_unless (gst_buffer_pool_set_config (pool, config));
  fail_unless (gst_buffer_pool_set_active (pool, TRUE));
  params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;

  for (i = 0; i < 200; i++) {
    GstBuffer *buf = NULL;

    fail_unless_equals_int (gst_buffer_pool_acquire_buffer (pool, &buf,
                                &params),
        GST_FLOW_OK);
    GST_BUFFER_PTS (buf) = i * BUF_DURATION;
    GST_BUFFER_DURATION (buf) = BUF_DURATION;
    fail_unless_equals_int (gst_pad_push (src, buf), GST_FLOW_OK);
    /* The branch has let go of it too before the next acquire. */
    branch_wait_buffers (a, i + 1);
    g_mutex_lock (&a->lock);
    g_ptr_array_set_size (a->items, 0);
    g_mutex_unlock (&a->lock);
  }
  fail_unless_equals_int (get_u64 (tee, "buffered-bytes"), 200 * BUF_SIZE);
  branch_free (a, tee);
  timedtee_free (tee, src);
  gst_buffer_pool_set_active (pool, FALSE);
  gst_object_unref (pool);
}

GST_END_TEST;

/* Real encoders and decoders */

typedef struct {
  GMutex lock;
  guint in; /* buffers into the decoder */
  guint out; /* frames or buffers out of it */
  gboolean first_was_delta;
  gboolean first_seen;
  gboolean eos; /* the late branch itself got EOS */
} Counts;

static GstPadProbeReturn
count_in (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Counts *c = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_mutex_lock (&c->lock);
  if (!c->first_seen) {
    c->first_seen = TRUE;
    c->first_was_delta =
        GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  }
  c->in++;
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_out (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Counts *c = data;

  g_mutex_lock (&c->lock);
  c->out++;
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
note_eos (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Counts *c = data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS) {
    g_mutex_lock (&c->lock);
    c->eos = TRUE;
    g_mutex_unlock (&c->lock);
  }
  return GST_PAD_PROBE_OK;
}

/* Holds the source in front of the tee at its @hold_at-th buffer until
 * released, so that a branch joins at the same point of the stream however
 * fast the machine runs, and always before the stream ends. */
typedef struct {
  GMutex lock;
  GCond cond;
  gint seen;
  gint hold_at;
  gboolean holding;
  gboolean released;
} SourceHold;

static GstPadProbeReturn
hold_source (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  SourceHold *h = data;

  g_mutex_lock (&h->lock);
  if (++h->seen == h->hold_at) {
    h->holding = TRUE;
    g_cond_broadcast (&h->cond);
    while (!h->released)
      g_cond_wait (&h->cond, &h->lock);
  }
  g_mutex_unlock (&h->lock);
  return GST_PAD_PROBE_OK;
}

static void
source_hold_wait (SourceHold *h)
{
  gint64 deadline = wait_deadline ();

  g_mutex_lock (&h->lock);
  while (!h->holding) {
    if (!g_cond_wait_until (&h->cond, &h->lock, deadline)) {
      gint seen = h->seen;

      g_mutex_unlock (&h->lock);
      fail ("the source sent %d buffers, not %d", seen, h->hold_at);
    }
  }
  g_mutex_unlock (&h->lock);
}

static void
source_hold_release (SourceHold *h)
{
  g_mutex_lock (&h->lock);
  h->released = TRUE;
  g_cond_broadcast (&h->cond);
  g_mutex_unlock (&h->lock);
}

/* Runs @source_desc ! timedtee, adds "queue ! @decoder_desc ! fakesink" on
 * a new pad once the tee has @join_after source buffers (the next one waits
 * for it), and runs to EOS. */
static void
late_decode (const gchar *source_desc, const gchar *decoder_desc,
    gint join_after, Counts *counts)
{
  gchar *desc = g_strdup_printf ("%s ! timedtee name=t join-mode=%s "
                                 "t.src_0 ! queue ! fakesink",
      source_desc, strstr (source_desc, "vp8enc") ? "keyframe" : "burst");
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *tee, *branch, *dec;
  GstPad *teesink, *teepad, *branch_sink, *pad;
  SourceHold hold = { 0 };
  GstMessage *msg;
  gchar *bdesc;

  g_free (desc);
  fail_unless (pipeline != NULL);
  tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  teesink = gst_element_get_static_pad (tee, "sink");
  g_mutex_init (&hold.lock);
  g_cond_init (&hold.cond);
  hold.hold_at = join_after + 1;
  gst_pad_add_probe (teesink, GST_PAD_PROBE_TYPE_BUFFER, hold_source, &hold,
      NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  source_hold_wait (&hold);

  bdesc =
      g_strdup_printf ("queue name=q ! %s name=dec ! fakesink", decoder_desc);
  branch = gst_parse_bin_from_description (bdesc, FALSE, NULL);
  g_free (bdesc);
  fail_unless (branch != NULL);
  {
    GstElement *q = gst_bin_get_by_name (GST_BIN (branch), "q");

    pad = gst_element_get_static_pad (q, "sink");
    gst_element_add_pad (branch, gst_ghost_pad_new ("sink", pad));
    gst_object_unref (pad);
    gst_object_unref (q);
  }
  dec = gst_bin_get_by_name (GST_BIN (branch), "dec");
  pad = gst_element_get_static_pad (dec, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_in, counts, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (dec, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_out, counts, NULL);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, note_eos, counts,
      NULL);
  gst_object_unref (pad);
  gst_object_unref (dec);

  gst_bin_add (GST_BIN (pipeline), branch);
  gst_element_sync_state_with_parent (branch);
  teepad = gst_element_request_pad_simple (tee, "src_%u");
  branch_sink = gst_element_get_static_pad (branch, "sink");
  fail_unless_equals_int (gst_pad_link (teepad, branch_sink), GST_PAD_LINK_OK);
  gst_object_unref (branch_sink);
  source_hold_release (&hold);

  msg = onair_check_wait_message (pipeline, GST_MESSAGE_EOS, 60000);
  onair_check_assert_no_error (msg);
  gst_message_unref (msg);
  fail_unless (counts->eos, "the late branch did not reach EOS");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_cond_clear (&hold.cond);
  g_mutex_clear (&hold.lock);
  gst_object_unref (teepad);
  gst_object_unref (teesink);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_keyframe_join_decodes_vp8)
{
  Counts c = { 0 };

  g_mutex_init (&c.lock);
  late_decode ("videotestsrc is-live=true num-buffers=120 ! "
               "video/x-raw,width=160,"
               "height=120,framerate=30/1 ! vp8enc keyframe-max-dist=20 "
               "deadline=1",
      "vp8dec", 50, &c);
  fail_unless (c.first_seen);
  fail_if (c.first_was_delta, "first buffer was not a keyframe");
  fail_unless (c.in > 0);
  /* Every buffer the late branch got was decoded. */
  fail_unless_equals_int (c.out, c.in);
  g_mutex_clear (&c.lock);
}

GST_END_TEST;

GST_START_TEST (test_late_joiner_decodes_ogg_opus)
{
  Counts c = { 0 };

  /* GStreamer 1.22's oggdemux sets an invalid seqnum on events in push mode,
   * with or without timedtee before it: not what is tested here. */
  gst_check_add_log_filter ("GStreamer", G_LOG_LEVEL_CRITICAL,
      g_regex_new ("gst_event_set_seqnum", 0, 0, NULL), NULL, NULL, NULL);
  g_mutex_init (&c.lock);
  /* 150 buffers of 20 ms, in pages of 100 ms; join mid-stream. */
  late_decode ("audiotestsrc is-live=true num-buffers=150 samplesperbuffer=960 "
               "! "
               "audio/x-raw,rate=48000,channels=2 ! opusenc ! "
               "oggmux max-delay=100000000 max-page-delay=100000000",
      "oggdemux ! opusdec", 20, &c);
  fail_unless (c.in > 0);
  fail_unless (c.out > 0, "the late branch decoded nothing");
  g_mutex_clear (&c.lock);
}

GST_END_TEST;

/* Stress: branches come and go on several threads while audio flows. */

typedef struct {
  GstElement *tee;
  guint cycles;
  guint seed;
  gint *received;
} Churn;

static GstFlowReturn
count_and_drop (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  g_atomic_int_inc ((gint *) g_object_get_data (G_OBJECT (pad), "received"));
  g_atomic_int_inc ((gint *) g_object_get_data (G_OBJECT (pad), "mine"));
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

/* Waits until the branch of @sinkpad has been given data. */
static void
churn_wait_data (GstPad *sinkpad)
{
  gint *mine = g_object_get_data (G_OBJECT (sinkpad), "mine");
  gint64 deadline = wait_deadline ();

  while (g_atomic_int_get (mine) == 0) {
    fail_unless (g_get_monotonic_time () < deadline,
        "a late branch got no data from the window");
    g_usleep (G_TIME_SPAN_MILLISECOND);
  }
}

static gpointer
churn_thread (gpointer data)
{
  Churn *churn = data;
  GRand *rand = g_rand_new_with_seed (churn->seed);
  GstPadTemplate *templ = gst_pad_template_new ("churn", GST_PAD_SINK,
      GST_PAD_ALWAYS, GST_CAPS_ANY);
  guint i;

  for (i = 0; i < churn->cycles; i++) {
    GstPad *sinkpad = gst_pad_new_from_template (templ, "churn");
    GstPad *teepad;
    gint mine = 0;

    g_object_set_data (G_OBJECT (sinkpad), "received", churn->received);
    g_object_set_data (G_OBJECT (sinkpad), "mine", &mine);
    gst_pad_set_chain_function (sinkpad, count_and_drop);
    gst_pad_set_active (sinkpad, TRUE);
    teepad = gst_element_request_pad_simple (churn->tee, "src_%u");
    fail_unless (teepad != NULL);
    fail_unless_equals_int (gst_pad_link (teepad, sinkpad), GST_PAD_LINK_OK);
    /* Whether the others see data before they go is up to the scheduler;
     * every thread's first branch stays until it has. */
    if (i == 0)
      churn_wait_data (sinkpad);
    else if (g_rand_boolean (rand))
      g_thread_yield ();
    /* Half of them unlink first, half are released while linked. */
    if (g_rand_boolean (rand))
      gst_pad_unlink (teepad, sinkpad);
    gst_element_release_request_pad (churn->tee, teepad);
    gst_pad_set_active (sinkpad, FALSE);
    gst_object_unref (sinkpad);
    gst_object_unref (teepad);
  }
  gst_object_unref (templ);
  g_rand_free (rand);
  return NULL;
}

GST_START_TEST (test_stress_request_release_while_flowing)
{
  GstElement *pipeline = gst_parse_launch (
      "audiotestsrc is-live=false "
      "samplesperbuffer=480 ! audio/x-raw,rate=48000,channels=2 ! "
      "timedtee name=t retention=1000000000 t.src_0 ! fakesink sync=false",
      NULL);
  GstElement *tee = gst_bin_get_by_name (GST_BIN (pipeline), "t");
  Churn churn[4];
  GThread *threads[4];
  GstMessage *msg;
  gint received = 0, pads;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING)
      != GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 4; i++) {
    churn[i].tee = tee;
    churn[i].cycles = 250;
    churn[i].seed = 1234 + i;
    churn[i].received = &received;
    threads[i] = g_thread_new ("churn", churn_thread, &churn[i]);
  }
  for (i = 0; i < 4; i++)
    g_thread_join (threads[i]);

  /* Late branches got data (each thread's first waited for it), nothing
   * posted an error, only the static pad is left. */
  fail_unless (g_atomic_int_get (&received) > 0);
  msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  onair_check_assert_no_error (msg);
  g_object_get (tee, "num-src-pads", &pads, NULL);
  fail_unless_equals_int (pads, 1);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (tee);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
timedtee_suite (void)
{
  Suite *s = suite_create ("timedtee");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_late_joiner_gets_the_window_with_original_pts);
  tcase_add_test (tc, test_late_joiner_starts_at_oldest_retained);
  tcase_add_test (tc, test_window_stays_between_retention_and_max);
  tcase_add_test (tc, test_join_modes_start_where_they_say);
  tcase_add_test (tc, test_joined_signal_and_message);
  tcase_add_test (tc, test_caps_change_inside_window);
  tcase_add_test (tc, test_overrun_drop_skips_to_oldest_kept);
  tcase_add_test (tc, test_overrun_resync_jumps_to_live_edge);
  tcase_add_test (tc, test_overrun_block_loses_nothing);
  tcase_add_test (tc, test_overrun_error_posts_error);
  tcase_add_test (tc, test_eos_is_kept_for_late_joiners);
  tcase_add_test (tc, test_flush_clears_the_window);
  tcase_add_test (tc, test_no_src_pads_is_fine);
  tcase_add_test (tc, test_untimestamped_stream_timed_by_arrival);
  tcase_add_test (tc, test_join_timing_shifted_plays_from_now);
  tcase_add_test (tc, test_bounded_pool_never_runs_dry);
  tcase_add_test (tc, test_keyframe_join_decodes_vp8);
  tcase_add_test (tc, test_late_joiner_decodes_ogg_opus);
  tcase_add_test (tc, test_stress_request_release_while_flowing);
  return s;
}

ONAIR_CHECK_MAIN (timedtee);
