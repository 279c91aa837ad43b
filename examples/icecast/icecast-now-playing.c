/* gst-plugins-onair: icecastsink example, a live stream whose title the
 * application changes while it runs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A live test tone is encoded to MP3 and sent to an Icecast mount with
 * icecastsink.  Every --interval seconds the program sends a tag event with
 * a new artist and title into the sink; the sink turns it into a title
 * update on the server.  The program prints what the sink reports on the bus
 * (connected, disconnected, title accepted) and the sink's statistics at the
 * end.
 *
 * Titles are sent only while the sink is connected: Icecast has no mount to
 * put a title on before the source is connected, and forgets the title when
 * the source reconnects, so after a reconnection the next title goes out at
 * once.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <signal.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <gst/gst.h>

#define ARTIST "icecast-now-playing"

typedef struct {
  GMainLoop *loop;
  GstElement *pipeline;
  GstElement *sink;
  gint64 start; /* monotonic time of the start, for the printed times */
  guint count; /* titles to send */
  guint sent; /* titles sent so far */
  guint interval_ms;
  gboolean connected;
  gboolean stopping;
  gint exit_code;
} App;

/* Seconds since the program started, in front of every line. */
static void
stamp (App *app)
{
  g_print ("[%6.1f s] ",
      (g_get_monotonic_time () - app->start) / (gdouble) G_TIME_SPAN_SECOND);
}

/* Ends the stream: EOS travels from the source to the sink, and the program
 * quits when the bus reports it. */
static void
stop (App *app)
{
  if (app->stopping)
    return;
  app->stopping = TRUE;
  gst_element_send_event (app->pipeline, gst_event_new_eos ());
}

static gboolean
stop_after_last_title (gpointer user_data)
{
  stop (user_data);
  return G_SOURCE_REMOVE;
}

static void
send_next_title (App *app)
{
  gchar *title;
  GstTagList *tags;
  GstPad *pad;

  if (app->sent >= app->count || app->stopping)
    return;
  app->sent++;
  title = g_strdup_printf ("Track %u of %u", app->sent, app->count);
  tags = gst_tag_list_new (GST_TAG_ARTIST, ARTIST, GST_TAG_TITLE, title, NULL);
  stamp (app);
  g_print ("sending tags: artist \"%s\", title \"%s\"\n", ARTIST, title);

  /* gst_element_send_event() on a sink passes only upstream events, so the
   * tag event goes to the sink's pad.  GStreamer takes the pad's stream lock
   * for it: it waits for the buffer being rendered and stays in order with
   * the data. */
  pad = gst_element_get_static_pad (app->sink, "sink");
  if (!gst_pad_send_event (pad, gst_event_new_tag (tags))) {
    stamp (app);
    g_print ("the sink did not take the tag event\n");
  }
  gst_object_unref (pad);
  g_free (title);

  if (app->sent == app->count)
    g_timeout_add (app->interval_ms, stop_after_last_title, app);
}

static gboolean
on_interval (gpointer user_data)
{
  App *app = user_data;

  if (app->sent >= app->count || app->stopping)
    return G_SOURCE_REMOVE;
  /* A title sent while the mount is down would be lost. */
  if (!app->connected) {
    stamp (app);
    g_print ("not connected: the next title waits for the connection\n");
    return G_SOURCE_CONTINUE;
  }
  send_next_title (app);
  return G_SOURCE_CONTINUE;
}

static void
on_sink_message (App *app, const GstStructure *s)
{
  if (gst_structure_has_name (s, "icecast-connected")) {
    gboolean tls = FALSE, first = app->sent == 0;
    guint attempt = 0;

    gst_structure_get_boolean (s, "tls", &tls);
    gst_structure_get_uint (s, "attempt", &attempt);
    stamp (app);
    g_print ("icecast-connected: mount %s, protocol %s, tls %s, attempt %u\n",
        gst_structure_get_string (s, "mount"),
        gst_structure_get_string (s, "protocol"), tls ? "yes" : "no", attempt);
    app->connected = TRUE;
    /* First connection: the first title now, then one per interval.  After
     * a reconnection the mount has no title: give it the next one now. */
    send_next_title (app);
    if (first)
      g_timeout_add (app->interval_ms, on_interval, app);
  } else if (gst_structure_has_name (s, "icecast-disconnected")) {
    guint attempt = 0;
    guint64 next_retry = GST_CLOCK_TIME_NONE;

    gst_structure_get_uint (s, "attempt", &attempt);
    gst_structure_get_uint64 (s, "next-retry", &next_retry);
    stamp (app);
    g_print ("icecast-disconnected: %s, failed attempts %u, ",
        gst_structure_get_string (s, "reason"), attempt);
    if (next_retry == GST_CLOCK_TIME_NONE)
      g_print ("no further attempt\n");
    else
      g_print ("next try in %.1f s\n", (gdouble) next_retry / GST_SECOND);
    app->connected = FALSE;
  } else if (gst_structure_has_name (s, "icecast-metadata")) {
    stamp (app);
    g_print ("icecast-metadata: the server shows \"%s\"\n",
        gst_structure_get_string (s, "title"));
  }
}

static gboolean
print_field (GQuark field, const GValue *value, gpointer user_data)
{
  gchar *text = gst_value_serialize (value);

  g_print ("  %-17s %s\n", g_quark_to_string (field),
      text != NULL ? text : "(null)");
  g_free (text);
  return TRUE;
}

static void
print_stats (App *app)
{
  GstStructure *stats = NULL;

  g_object_get (app->sink, "stats", &stats, NULL);
  if (stats == NULL)
    return;
  g_print ("\nstats (%s):\n", gst_structure_get_name (stats));
  gst_structure_foreach (stats, print_field, NULL);
  gst_structure_free (stats);
}

/* The debug text of errors and warnings, indented under the message. */
static gchar *
indent (const gchar *debug)
{
  gchar **lines = g_strsplit (debug != NULL ? debug : "", "\n", -1);
  gchar *text = g_strjoinv ("\n  ", lines);

  g_strfreev (lines);
  return text;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  App *app = user_data;
  GError *err = NULL;
  gchar *debug = NULL, *detail = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (msg, &err, &debug);
      detail = indent (debug);
      stamp (app);
      g_printerr ("ERROR from %s: %s\n  (%s, code %d)\n  %s\n",
          GST_OBJECT_NAME (msg->src), err->message,
          g_quark_to_string (err->domain), err->code, detail);
      app->exit_code = 1;
      print_stats (app);
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      detail = indent (debug);
      stamp (app);
      g_printerr ("WARNING from %s: %s\n  %s\n", GST_OBJECT_NAME (msg->src),
          err->message, detail);
      break;
    case GST_MESSAGE_EOS:
      print_stats (app);
      g_main_loop_quit (app->loop);
      break;
    case GST_MESSAGE_ELEMENT:
      if (GST_MESSAGE_SRC (msg) == GST_OBJECT_CAST (app->sink))
        on_sink_message (app, gst_message_get_structure (msg));
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  g_free (detail);
  return G_SOURCE_CONTINUE;
}

/* The first Ctrl-C ends the stream cleanly, a second one at once. */
static gboolean
on_sigint (gpointer user_data)
{
  App *app = user_data;

  if (app->stopping) {
    g_main_loop_quit (app->loop);
  } else {
    stamp (app);
    g_print ("interrupted: ending the stream\n");
    stop (app);
  }
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gchar *location = NULL;
  gdouble interval = 5.0;
  gint count = 4;
  const GOptionEntry entries[] = {
    { "location", 'l', 0, G_OPTION_ARG_STRING, &location,
        "Mount to stream to: icecast://source:PASSWORD@HOST:PORT/MOUNT "
        "(required)",
        "URI" },
    { "interval", 'i', 0, G_OPTION_ARG_DOUBLE, &interval,
        "Seconds between two titles (default 5)", "SECONDS" },
    { "count", 'c', 0, G_OPTION_ARG_INT, &count,
        "Titles to send before the program ends (default 4)", "N" },
    G_OPTION_ENTRY_NULL,
  };
  const gchar *desc =
      "audiotestsrc is-live=true ! audioconvert ! "
      "lamemp3enc target=bitrate bitrate=128 cbr=true ! mpegaudioparse ! "
      "icecastsink name=sink stream-name=\"icecast-now-playing\" "
      "description=\"A test tone whose title changes\"";
  GOptionContext *ctx;
  GError *err = NULL;
  App app = { 0 };
  gchar *readback = NULL;
  GstBus *bus;

  ctx = g_option_context_new ("- a live MP3 stream with changing titles");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    g_clear_error (&err);
    g_option_context_free (ctx);
    return EXIT_FAILURE;
  }
  g_option_context_free (ctx);
  /* Bounded so that the conversion to milliseconds cannot overflow. */
  if (location == NULL || count < 1 || interval <= 0 || interval > 86400) {
    g_printerr ("--location is required, --count must be at least 1 and "
                "--interval more than 0 and at most 86400 seconds\n");
    g_free (location);
    return EXIT_FAILURE;
  }

  app.pipeline = gst_parse_launch (desc, &err);
  if (app.pipeline == NULL || err != NULL) {
    /* A missing plugin: icecastsink not on GST_PLUGIN_PATH, for one. */
    g_printerr ("could not build the pipeline: %s\n",
        err != NULL ? err->message : "unknown error");
    g_clear_error (&err);
    g_clear_object (&app.pipeline);
    g_free (location);
    return EXIT_FAILURE;
  }
  app.sink = gst_bin_get_by_name (GST_BIN (app.pipeline), "sink");
  /* Set as a property rather than written into the launch line, so that a
   * password needs no quoting.  Read back, the location has no password. */
  g_object_set (app.sink, "location", location, NULL);
  g_free (location);
  g_object_get (app.sink, "location", &readback, NULL);
  if (readback == NULL) {
    g_printerr ("not a valid location: use "
                "icecast://source:PASSWORD@HOST:PORT/MOUNT\n");
    gst_object_unref (app.sink);
    gst_object_unref (app.pipeline);
    return EXIT_FAILURE;
  }
  g_print ("pipeline: %s location=%s\n", desc, readback);
  g_free (readback);

  app.count = count;
  app.interval_ms = (guint) (interval * 1000);
  app.start = g_get_monotonic_time ();
  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (app.pipeline);
  gst_bus_add_watch (bus, on_bus_message, &app);
  g_unix_signal_add (SIGINT, on_sigint, &app);

  if (gst_element_set_state (app.pipeline, GST_STATE_PLAYING)
      == GST_STATE_CHANGE_FAILURE) {
    /* The reason is on the bus. */
    g_main_context_iteration (NULL, FALSE);
    g_printerr ("the pipeline could not start\n");
    app.exit_code = 1;
  } else {
    g_main_loop_run (app.loop);
  }

  gst_element_set_state (app.pipeline, GST_STATE_NULL);
  gst_bus_remove_watch (bus);
  gst_object_unref (bus);
  gst_object_unref (app.sink);
  gst_object_unref (app.pipeline);
  g_main_loop_unref (app.loop);
  return app.exit_code == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
