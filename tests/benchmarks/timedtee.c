/* gst-plugins-onair: timedtee against tee with a queue on every branch
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * 1. CPU per buffer per branch: 200 000 buffers of 1920 bytes (10 ms of
 *    48 kHz stereo S16) into 1, 8 and 32 fakesinks, through timedtee and
 *    through tee with a queue on every branch.  The source alone is measured
 *    too and taken off both, so the ratio compares the distribution.
 * 2. Time from linking a pad to its first buffer, over 100 joins.
 * 3. Heap held by 10 s of retention, relative to the raw audio bytes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <malloc.h>
#include <stdlib.h>
#include <gst/gst.h>

#include "onair-bench.h"

#define BUFFERS 200000
#define BUF_SIZE 1920

static gdouble
run_cpu (const gchar *desc)
{
  GstElement *pipeline;
  GstMessage *msg;
  gdouble before;
  GError *error = NULL;

  pipeline = gst_parse_launch (desc, &error);
  if (pipeline == NULL)
    g_error ("%s: %s", desc, error->message);
  before = onair_bench_cpu_seconds ();
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
      GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    g_error ("%s failed", desc);
  gst_message_unref (msg);
  {
    /* A figure only counts if every branch got every buffer. */
    GstElement *t = gst_bin_get_by_name (GST_BIN (pipeline), "t");

    if (t != NULL
        && g_object_class_find_property (G_OBJECT_GET_CLASS (t), "stats")) {
      GstStructure *stats;
      guint64 dropped = 0;

      g_object_get (t, "stats", &stats, NULL);
      gst_structure_get_uint64 (stats, "dropped", &dropped);
      gst_structure_free (stats);
      if (dropped > 0)
        g_error ("%s dropped %" G_GUINT64_FORMAT " buffers", desc, dropped);
    }
    g_clear_object (&t);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return onair_bench_cpu_seconds () - before;
}

/* The smaller of two runs: the less disturbed by the rest of the machine. */
static gdouble
best_cpu (const gchar *desc)
{
  gdouble best = G_MAXDOUBLE;
  guint i;

  for (i = 0; i < 2; i++)
    best = MIN (best, run_cpu (desc));
  return best;
}

static gchar *
fan_out (const gchar *head, const gchar *branch, guint n)
{
  GString *s = g_string_new (head);
  guint i;

  for (i = 0; i < n; i++)
    g_string_append_printf (s, " t. ! %s", branch);
  return g_string_free (s, FALSE);
}

#define SOURCE                                                                 \
  "fakesrc num-buffers=200000 sizetype=fixed sizemax=1920 filltype=nothing "   \
  "datarate=192000 format=time can-activate-pull=false"

static void
bench_cpu (void)
{
  static const guint branches[] = { 1, 8, 32 };
  gdouble source = best_cpu (SOURCE " ! fakesink sync=false");
  guint i;

  onair_bench_report ("timedtee", "source alone, CPU per buffer", "us",
      source / BUFFERS * 1e6, NULL, 0, NULL);
  for (i = 0; i < G_N_ELEMENTS (branches); i++) {
    guint n = branches[i];
    /* Lossless like a full queue: upstream waits for the slowest branch. */
    gchar *tt = fan_out (SOURCE " ! timedtee name=t overrun-policy=block",
        "fakesink sync=false async=false", n);
    gchar *tq = fan_out (SOURCE " ! tee name=t",
        "queue ! fakesink sync=false async=false", n);
    gdouble cpu_tt = best_cpu (tt) - source;
    gdouble cpu_tq = best_cpu (tq) - source;
    gchar *measure = g_strdup_printf ("%u pads, CPU per buffer per branch", n);

    onair_bench_report ("timedtee", measure, "us",
        cpu_tt / ((gdouble) BUFFERS * n) * 1e6, "tee + queue",
        cpu_tq / ((gdouble) BUFFERS * n) * 1e6,
        n == 8 ? "bar: ratio <= 0.7" : NULL);
    g_free (measure);
    g_free (tt);
    g_free (tq);
  }
}

/* Joins */

static GstFlowReturn
note_first_buffer (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  gint64 *first = g_object_get_data (G_OBJECT (pad), "first");

  if (g_atomic_pointer_get ((gpointer *) first) == NULL)
    g_atomic_pointer_set ((gpointer *) first,
        GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  gst_buffer_unref (buffer);
  return GST_FLOW_OK;
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static GstPad *
upstream_for (GstElement *tee)
{
  GstPad *src = gst_pad_new ("upstream", GST_PAD_SRC);
  GstPad *sink = gst_element_get_static_pad (tee, "sink");
  GstSegment segment;

  gst_pad_set_active (src, TRUE);
  gst_pad_link (src, sink);
  gst_object_unref (sink);
  gst_pad_push_event (src, gst_event_new_stream_start ("bench"));
  gst_pad_push_event (src,
      gst_event_new_caps (gst_caps_from_string (
          "audio/x-raw,format=S16LE,rate=48000,channels=2,"
          "layout=interleaved")));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_segment (&segment));
  return src;
}

/* Buffers @from to @to of 48 kHz stereo S16 in @size-byte buffers. */
static void
push_audio (GstPad *src, guint from, guint to, gsize size)
{
  GstClockTime duration = gst_util_uint64_scale (size, GST_SECOND, 192000);
  guint i;

  for (i = from; i < to; i++) {
    GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);

    GST_BUFFER_PTS (buf) = i * duration;
    GST_BUFFER_DURATION (buf) = duration;
    gst_pad_push (src, buf);
  }
}

static void
bench_joins (void)
{
  GstElement *tee = gst_element_factory_make ("timedtee", NULL);
  GstPadTemplate *templ =
      gst_pad_template_new ("j", GST_PAD_SINK, GST_PAD_ALWAYS, GST_CAPS_ANY);
  GstPad *src;
  gdouble latency[100];
  guint i;

  gst_element_set_state (tee, GST_STATE_PLAYING);
  src = upstream_for (tee);
  push_audio (src, 0, 500, BUF_SIZE);

  for (i = 0; i < G_N_ELEMENTS (latency); i++) {
    GstPad *sink = gst_pad_new_from_template (templ, "j");
    gint64 first = 0, start;
    GstPad *teepad;

    g_object_set_data (G_OBJECT (sink), "first", &first);
    gst_pad_set_chain_function (sink, note_first_buffer);
    gst_pad_set_active (sink, TRUE);
    teepad = gst_element_request_pad_simple (tee, "src_%u");
    start = g_get_monotonic_time ();
    gst_pad_link (teepad, sink);
    while (g_atomic_pointer_get ((gpointer *) &first) == NULL)
      g_thread_yield ();
    latency[i] = (first - start) / 1000.0;
    gst_element_release_request_pad (tee, teepad);
    gst_object_unref (teepad);
    gst_pad_set_active (sink, FALSE);
    gst_object_unref (sink);
  }
  qsort (latency, G_N_ELEMENTS (latency), sizeof (gdouble), compare_double);
  onair_bench_report ("timedtee", "link to first buffer, median", "ms",
      latency[49], NULL, 0, "bar: < 1 ms");
  onair_bench_report ("timedtee", "link to first buffer, p99", "ms",
      latency[98], NULL, 0, "bar: < 1 ms");

  gst_element_set_state (tee, GST_STATE_NULL);
  gst_pad_set_active (src, FALSE);
  gst_object_unref (src);
  gst_object_unref (tee);
  gst_object_unref (templ);
}

/* Memory */

static gdouble
heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return (gdouble) mi.uordblks + mi.hblkhd;
}

static void
bench_memory (gsize size)
{
  GstElement *tee = gst_element_factory_make ("timedtee", NULL);
  guint n = (guint) ((10 * 192000 + size - 1) / size);
  GstPad *src;
  gdouble before, held;
  guint64 bytes;
  gchar *measure;

  gst_element_set_state (tee, GST_STATE_PLAYING);
  src = upstream_for (tee);
  /* Warm the allocator and the window's own array first. */
  push_audio (src, 0, n, size);
  gst_element_set_state (tee, GST_STATE_READY);
  gst_element_set_state (tee, GST_STATE_PLAYING);
  gst_pad_set_active (src, FALSE);
  gst_object_unref (src);
  malloc_trim (0);
  before = heap_in_use ();
  src = upstream_for (tee);
  push_audio (src, 0, n, size);
  held = heap_in_use () - before;
  g_object_get (tee, "buffered-bytes", &bytes, NULL);

  measure = g_strdup_printf ("heap for 10 s retained, %" G_GSIZE_FORMAT
                             "-byte buffers, per raw byte",
      size);
  onair_bench_report ("timedtee", measure, "x", held / bytes, "raw audio", 1.0,
      "bar: < 1.1");
  g_free (measure);

  gst_element_set_state (tee, GST_STATE_NULL);
  gst_pad_set_active (src, FALSE);
  gst_object_unref (src);
  gst_object_unref (tee);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  bench_cpu ();
  bench_joins ();
  /* 10 ms buffers, and audiotestsrc's default of 1024 samples. */
  bench_memory (BUF_SIZE);
  bench_memory (4096);
  return 0;
}
