/* gst-plugins-onair: timedtee example, branches that join a live stream late
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A live audio source feeds timedtee.  One branch is there from the start;
 * every --interval seconds the program links one more branch while audio
 * flows, and prints where in the stream that branch starts (its join
 * position) next to how much history the element holds at that moment.
 *
 * With a retention longer than the run, nothing has left the window yet and
 * every branch starts with the first buffer of the stream, at position 0.  With a short retention the start point
 * follows the sliding window: a branch linked at running time T starts
 * about one retention before T.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <gst/gst.h>

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *tee;
  GPtrArray *pads; /* src pads this program requested, released at the end */
  guint branches_left;
  guint interval_ms;
  gint exit_code;
} App;

/* Where the `joined` signal leaves the position it reported, on the pad. */
static GQuark signalled_quark;

/* Formats @t in seconds, or "none" for GST_CLOCK_TIME_NONE. */
static const gchar *
seconds (GstClockTime t, gchar *buf, gsize size)
{
  if (!GST_CLOCK_TIME_IS_VALID (t))
    g_strlcpy (buf, "none", size);
  else
    g_snprintf (buf, size, "%.3f s", (gdouble) t / GST_SECOND);
  return buf;
}

/* Running time of the pipeline now: the time axis live audio is stamped on,
 * so it compares directly with join positions. */
static GstClockTime
running_time_now (GstElement *pipeline)
{
  GstClock *clock = gst_element_get_clock (pipeline);
  GstClockTime now;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (pipeline);
  gst_object_unref (clock);
  return now;
}

/* Runs on the new branch's streaming thread, before anything is pushed on
 * it.  Nothing slow belongs here: the position is only noted on the pad and
 * printed from the main thread when the `timedtee-joined` message, posted
 * right after this signal, arrives on the bus. */
static void
on_joined (GstElement *tee, GstPad *pad, guint64 position, gpointer user_data)
{
  guint64 *copy = g_new (guint64, 1);

  *copy = position;
  g_object_set_qdata_full (G_OBJECT (pad), signalled_quark, copy, g_free);
}

static void
print_join (App *app, const GstStructure *s)
{
  const gchar *name = gst_structure_get_string (s, "pad");
  guint64 position = GST_CLOCK_TIME_NONE, running_time = GST_CLOCK_TIME_NONE;
  guint64 buffered = 0, property = GST_CLOCK_TIME_NONE;
  const guint64 *signalled = NULL;
  gchar now_s[32], pos_s[32], rt_s[32], buf_s[32];
  GstPad *pad;

  gst_structure_get_uint64 (s, "position", &position);
  gst_structure_get_uint64 (s, "running-time", &running_time);
  g_object_get (app->tee, "buffered-time", &buffered, NULL);

  g_print ("%9s  %-6s  join-position %9s  running-time %9s  "
           "buffered-time %9s\n",
      seconds (running_time_now (app->pipeline), now_s, sizeof (now_s)), name,
      seconds (position, pos_s, sizeof (pos_s)),
      seconds (running_time, rt_s, sizeof (rt_s)),
      seconds (buffered, buf_s, sizeof (buf_s)));

  /* The signal, the message and the pad property tell the same position. */
  pad = gst_element_get_static_pad (app->tee, name);
  if (pad != NULL) {
    g_object_get (pad, "join-position", &property, NULL);
    signalled = g_object_get_qdata (G_OBJECT (pad), signalled_quark);
    if (signalled == NULL || *signalled != position || property != position)
      g_print ("           (%s: signal and pad property disagree with the "
               "message)\n",
          name);
    gst_object_unref (pad);
  }
}

/* Prints the per-pad counters of the `stats` property. */
static void
print_stats (App *app)
{
  GstStructure *stats = NULL;
  const GValue *pads;
  guint i;

  g_object_get (app->tee, "stats", &stats, NULL);
  if (stats == NULL)
    return;
  pads = gst_structure_get_value (stats, "pads");
  g_print ("\n%-6s  %8s  %8s  %13s\n", "pad", "pushed", "dropped",
      "join-position");
  for (i = 0; pads != NULL && i < gst_value_array_get_size (pads); i++) {
    const GstStructure *p =
        gst_value_get_structure (gst_value_array_get_value (pads, i));
    guint64 pushed = 0, dropped = 0, position = GST_CLOCK_TIME_NONE;
    gchar pos_s[32];

    gst_structure_get_uint64 (p, "pushed", &pushed);
    gst_structure_get_uint64 (p, "dropped", &dropped);
    gst_structure_get_uint64 (p, "join-position", &position);
    g_print ("%-6s  %8" G_GUINT64_FORMAT "  %8" G_GUINT64_FORMAT "  %13s\n",
        gst_structure_get_string (p, "pad"), pushed, dropped,
        seconds (position, pos_s, sizeof (pos_s)));
  }
  gst_structure_free (stats);
}

static gboolean
quit_after_last_branch (gpointer user_data)
{
  App *app = user_data;

  print_stats (app);
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static void
fail (App *app, const gchar *what)
{
  g_printerr ("%s\n", what);
  app->exit_code = 1;
  g_main_loop_quit (app->loop);
}

/* Links one more `queue ! fakesink` branch to a new src pad of timedtee. */
static gboolean
add_branch (gpointer user_data)
{
  App *app = user_data;
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstPad *teepad, *sinkpad;
  GstPadLinkReturn link;

  if (queue == NULL || sink == NULL) {
    g_clear_object (&queue);
    g_clear_object (&sink);
    fail (app, "queue or fakesink is missing (GStreamer core elements)");
    return G_SOURCE_REMOVE;
  }
  /* fakesink does not sync to the clock by default: like a network sender,
   * it takes the replayed data as fast as it comes, then follows the live
   * edge.  A sink added to a pipeline that is already PLAYING must not make
   * the pipeline wait for it to preroll: async=false. */
  g_object_set (sink, "async", FALSE, NULL);

  /* The branch is added and brought to the pipeline's state before it is
   * linked, so that it is ready when the first data arrives. */
  gst_bin_add_many (GST_BIN (app->pipeline), queue, sink, NULL);
  if (!gst_element_link (queue, sink)) {
    fail (app, "could not link queue to fakesink");
    return G_SOURCE_REMOVE;
  }
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (queue);

  /* Linking the src pad is the moment of joining: timedtee chooses the
   * branch's start point in its window now, per its join-mode. */
  teepad = gst_element_request_pad_simple (app->tee, "src_%u");
  if (teepad == NULL) {
    fail (app, "timedtee gave no src pad");
    return G_SOURCE_REMOVE;
  }
  g_ptr_array_add (app->pads, teepad);
  sinkpad = gst_element_get_static_pad (queue, "sink");
  link = gst_pad_link (teepad, sinkpad);
  gst_object_unref (sinkpad);
  if (link != GST_PAD_LINK_OK) {
    fail (app, "could not link the new src pad of timedtee");
    return G_SOURCE_REMOVE;
  }

  if (--app->branches_left > 0)
    return G_SOURCE_CONTINUE;
  /* Let the last branch run for one more interval before stopping. */
  g_timeout_add (app->interval_ms, quit_after_last_branch, app);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("ERROR from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
          err->message, debug != NULL ? debug : "");
      app->exit_code = 1;
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      /* timedtee warns here when a branch falls behind max-retention. */
      gst_message_parse_warning (msg, &err, &debug);
      g_printerr ("WARNING from %s: %s\n%s\n", GST_OBJECT_NAME (msg->src),
          err->message, debug != NULL ? debug : "");
      break;
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ELEMENT:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT_CAST (app->tee)
          && gst_message_has_name (msg, "timedtee-joined"))
        print_join (app, gst_message_get_structure (msg));
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_sigint (gpointer user_data)
{
  App *app = user_data;

  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gint branches = 4;
  gdouble interval = 2.0, retention = 10.0;
  gboolean play = FALSE;
  const GOptionEntry entries[] = {
    { "branches", 'b', 0, G_OPTION_ARG_INT, &branches,
        "Branches to link after the first one (default 4)", "N" },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
        "Seconds between two joins (default 2)", "SECONDS" },
    { "retention", 'r', 0, G_OPTION_ARG_DOUBLE, &retention,
        "Stream time timedtee keeps, in seconds (default 10)", "SECONDS" },
    { "play", 'p', 0, G_OPTION_ARG_NONE, &play,
        "Play the first branch on autoaudiosink instead of fakesink", NULL },
    G_OPTION_ENTRY_NULL,
  };
  GOptionContext *ctx;
  GError *err = NULL;
  App app = { 0 };
  gchar *desc;
  GstBus *bus;
  guint i;

  ctx = g_option_context_new ("- branches joining a live stream late");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return EXIT_FAILURE;
  }
  g_option_context_free (ctx);
  /* Bounded so that the conversions to milliseconds and nanoseconds below
   * cannot overflow. */
  if (branches < 1 || interval <= 0 || interval > 86400 || retention <= 0
      || retention > 86400) {
    g_printerr ("--branches must be at least 1, --interval and --retention "
                "more than 0 and at most 86400 seconds\n");
    return EXIT_FAILURE;
  }

  signalled_quark = g_quark_from_static_string ("timedtee-joins-signalled");

  /* The first branch is linked by the launch line, before any data flows:
   * it starts with the first buffer, at position 0.  max-retention follows
   * retention up when it is set above the 15 s default. */
  desc = g_strdup_printf ("audiotestsrc is-live=true ! "
                          "audio/x-raw,rate=48000,channels=2 ! "
                          "timedtee name=t retention=%" G_GUINT64_FORMAT " "
                          "t. ! queue ! %s",
      (guint64) (retention * GST_SECOND),
      play ? "audioconvert ! audioresample ! autoaudiosink" : "fakesink");
  g_print ("pipeline: %s\n", desc);
  app.pipeline = gst_parse_launch (desc, &err);
  g_free (desc);
  if (app.pipeline == NULL || err != NULL) {
    /* A missing plugin: timedtee not on GST_PLUGIN_PATH, for one. */
    g_printerr ("could not build the pipeline: %s\n",
        err != NULL ? err->message : "unknown error");
    g_clear_error (&err);
    g_clear_object (&app.pipeline);
    return EXIT_FAILURE;
  }
  app.tee = gst_bin_get_by_name (GST_BIN (app.pipeline), "t");
  app.pads = g_ptr_array_new ();
  app.branches_left = branches;
  app.interval_ms = (guint) (interval * 1000);
  app.loop = g_main_loop_new (NULL, FALSE);

  g_signal_connect (app.tee, "joined", G_CALLBACK (on_joined), NULL);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_bus_message, &app);
  g_unix_signal_add (SIGINT, on_sigint, &app);

  g_print ("%9s  %s\n", "now", "pad");
  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* The reason is an error message already on the bus. */
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    g_printerr ("the pipeline did not start\n");
    if (msg != NULL) {
      on_bus_message (bus, msg, &app);
      gst_message_unref (msg);
    }
    app.exit_code = 1;
  } else {
    g_timeout_add (app.interval_ms, add_branch, &app);
    g_main_loop_run (app.loop);
  }

  /* NULL stops every streaming thread; only then can the request pads be
   * given back to timedtee. */
  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  for (i = 0; i < app.pads->len; i++) {
    GstPad *pad = g_ptr_array_index (app.pads, i);

    gst_element_release_request_pad (app.tee, pad);
    gst_object_unref (pad);
  }
  g_ptr_array_unref (app.pads);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.tee);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return app.exit_code;
}
