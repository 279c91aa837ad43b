/* gst-plugins-onair: asciiline-web in headless Chromium
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts the asciiline-web server, then Debian's chromium, headless, driven
 * over the DevTools protocol (a WebSocket, with libsoup): the page connects,
 * receives INIT, draws frames, and a screenshot shows coloured characters;
 * a second browser joining later starts at the live frame and plays too;
 * both time their frames against the sound once it plays.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "onair-json.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <gst/video/video.h>

/* Processes */

typedef struct {
  GSubprocess *process;
  gchar *name;
} Child;

static Child *
child_start (const gchar *name, const gchar *const *argv)
{
  GSubprocessLauncher *launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  gchar *log = g_strdup_printf ("%s/%s.log", onair_check_scratch_dir (), name);
  Child *c = g_new0 (Child, 1);
  GError *error = NULL;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, onair_check_child_setup,
      NULL, NULL);
  c->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  fail_unless (c->process != NULL,
      "cannot start %s (for chromium: the "
      "Debian package chromium): %s",
      argv[0], error ? error->message : "");
  onair_check_track_child (
      (GPid) atoi (g_subprocess_get_identifier (c->process)));
  c->name = g_strdup (name);
  g_object_unref (launcher);
  g_free (log);
  return c;
}

static gboolean
child_gone (gpointer user_data)
{
  Child *c = user_data;

  return g_subprocess_get_identifier (c->process) == NULL;
}

/* Ends @c with SIGTERM; returns whether it exited with status 0. */
static gboolean
child_stop (Child *c)
{
  gboolean clean = FALSE;
  GPid pid;

  if (g_subprocess_get_identifier (c->process) != NULL) {
    pid = (GPid) atoi (g_subprocess_get_identifier (c->process));
    g_subprocess_send_signal (c->process, SIGTERM);
    /* The wait is done by GSubprocess's worker; this only watches it. */
    g_subprocess_wait_async (c->process, NULL, NULL, NULL);
    onair_check_wait_until (child_gone, c, 20000, c->name);
    onair_check_untrack_child (pid);
    clean = g_subprocess_get_if_exited (c->process)
        && g_subprocess_get_exit_status (c->process) == 0;
  }
  g_object_unref (c->process);
  g_free (c->name);
  g_free (c);
  return clean;
}

/* The asciiline-web server */

typedef struct {
  Child *child;
  guint16 port;
} WebServer;

static gboolean
server_answers (gpointer user_data)
{
  WebServer *w = user_data;
  OnairHttpReply *r = onair_http_get (w->port, "/stats", NULL, 0, 2000);
  gboolean ok = r != NULL && r->status == 200;

  if (r != NULL)
    onair_http_reply_free (r);
  return ok;
}

static WebServer *
web_server_start (void)
{
  WebServer *w = g_new0 (WebServer, 1);
  const gchar *program = g_getenv ("ASCIILINE_WEB");
  gchar *port;

  fail_unless (program != NULL, "ASCIILINE_WEB is not set");
  w->port = onair_check_free_port ();
  port = g_strdup_printf ("%u", w->port);
  {
    const gchar *argv[] = { program, "--port", port, "--columns", "100",
      "--rows", "40", NULL };

    w->child = child_start ("asciiline-web", argv);
  }
  onair_check_wait_until (server_answers, w, 20000, "asciiline-web to answer");
  g_free (port);
  return w;
}

/* The server ends cleanly on SIGTERM (in a sanitizer build, that includes
 * its leak check). */
static void
web_server_stop (WebServer *w)
{
  fail_unless (child_stop (w->child), "asciiline-web did not exit cleanly");
  g_free (w);
}

/* GET over HTTP/1.1 (Chromium's DevTools endpoint refuses 1.0), as
 * JSON; NULL when there is no answer yet. */
static GVariant *
get_json (guint16 port, const gchar *path)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 5, NULL);
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  SoupMessage *msg = soup_message_new ("GET", url);
  GBytes *body = soup_session_send_and_read (session, msg, NULL, NULL);
  GVariant *v = NULL;

  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK) {
    gsize size;
    const gchar *data = g_bytes_get_data (body, &size);

    v = onair_json_parse (data, size, NULL);
  }
  if (body != NULL)
    g_bytes_unref (body);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return v;
}

/* Chromium over the DevTools protocol */

typedef struct {
  Child *child;
  guint16 port;
  gchar *profile;
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GError *connect_error;
  gboolean connect_done;
  gint next_id;
  GHashTable *replies; /* id -> GVariant */
} Browser;

static void
on_cdp_message (SoupWebsocketConnection *ws, gint type, GBytes *message,
    gpointer user_data)
{
  Browser *b = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);
  GVariant *v = onair_json_parse (data, size, NULL);
  gint64 id;

  if (v == NULL)
    return;
  if (g_variant_lookup (v, "id", "x", &id))
    g_hash_table_insert (b->replies, GINT_TO_POINTER ((gint) id),
        g_variant_ref_sink (v));
  else
    g_variant_unref (v);
}

static void
on_cdp_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Browser *b = user_data;

  b->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
      &b->connect_error);
  b->connect_done = TRUE;
}

static gboolean
cdp_connected (gpointer user_data)
{
  return ((Browser *) user_data)->connect_done;
}

typedef struct {
  Browser *browser;
  gint id;
} Waiting;

static gboolean
reply_arrived (gpointer user_data)
{
  Waiting *w = user_data;

  return g_hash_table_contains (w->browser->replies, GINT_TO_POINTER (w->id));
}

/* Calls @method and returns its "result" object. */
static GVariant *
cdp_call (Browser *b, const gchar *method, const gchar *params)
{
  Waiting w = { b, ++b->next_id };
  gchar *text = g_strdup_printf ("{\"id\": %d, \"method\": \"%s\", "
                                 "\"params\": %s}",
      w.id, method, params);
  GVariant *reply, *result;

  soup_websocket_connection_send_text (b->ws, text);
  g_free (text);
  onair_check_wait_until (reply_arrived, &w, 30000, method);
  reply = g_hash_table_lookup (b->replies, GINT_TO_POINTER (w.id));
  result = g_variant_lookup_value (reply, "result", NULL);
  fail_unless (result != NULL, "%s failed: %s", method,
      g_variant_print (reply, FALSE));
  g_hash_table_remove (b->replies, GINT_TO_POINTER (w.id));
  return result;
}

static gboolean
devtools_answers (gpointer user_data)
{
  Browser *b = user_data;
  GVariant *list = get_json (b->port, "/json/list");

  if (list == NULL)
    return FALSE;
  g_variant_unref (list);
  return TRUE;
}

static Browser *
browser_start (const gchar *name)
{
  Browser *b = g_new0 (Browser, 1);
  gchar *port_arg, *profile_arg, *ws_url = NULL;
  GVariant *list;
  GVariantIter iter;
  GVariant *target;
  SoupMessage *msg;

  b->port = onair_check_free_port ();
  /* Not in the scratch directory: its many *.log files (leveldb) would
   * bury the useful logs of a failure. */
  /* In the run's scratch directory, which the runner removes. */
  b->profile = onair_check_make_dir ("chromium-profile");
  fail_unless (b->profile != NULL);
  b->replies = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) g_variant_unref);
  port_arg = g_strdup_printf ("--remote-debugging-port=%u", b->port);
  profile_arg = g_strdup_printf ("--user-data-dir=%s", b->profile);
  {
    const gchar *argv[] = { "chromium", "--headless", "--no-sandbox",
      "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--autoplay-policy=no-user-gesture-required",
      "--window-size=1000,700", port_arg, profile_arg, "about:blank", NULL };

    b->child = child_start (name, argv);
  }
  onair_check_wait_until (devtools_answers, b, 60000,
      "chromium's DevTools endpoint");

  list = get_json (b->port, "/json/list");
  fail_unless (list != NULL);
  g_variant_iter_init (&iter, list);
  while ((target = g_variant_iter_next_value (&iter)) != NULL) {
    GVariant *t = g_variant_get_variant (target);
    const gchar *type = NULL, *url = NULL;

    g_variant_lookup (t, "type", "&s", &type);
    g_variant_lookup (t, "webSocketDebuggerUrl", "&s", &url);
    if (ws_url == NULL && g_strcmp0 (type, "page") == 0 && url != NULL)
      ws_url = g_strdup (url);
    g_variant_unref (t);
    g_variant_unref (target);
  }
  g_variant_unref (list);
  fail_unless (ws_url != NULL, "chromium lists no page");

  b->session = soup_session_new ();
  msg = soup_message_new ("GET", ws_url);
  soup_session_websocket_connect_async (b->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, on_cdp_connected, b);
  onair_check_wait_until (cdp_connected, b, 20000, "DevTools WebSocket");
  fail_unless (b->ws != NULL, "DevTools WebSocket: %s",
      b->connect_error ? b->connect_error->message : "");
  /* Screenshots are megabytes of base64. */
  soup_websocket_connection_set_max_incoming_payload_size (b->ws, 0);
  g_signal_connect (b->ws, "message", G_CALLBACK (on_cdp_message), b);
  g_object_unref (msg);
  g_free (ws_url);
  g_free (port_arg);
  g_free (profile_arg);
  return b;
}

static void
browser_stop (Browser *b)
{
  soup_websocket_connection_close (b->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (b->ws);
  g_object_unref (b->session);
  child_stop (b->child);
  g_hash_table_unref (b->replies);
  g_free (b->profile);
  g_free (b);
}

static void
browser_open (Browser *b, guint16 server_port)
{
  gchar *params =
      g_strdup_printf ("{\"url\": \"http://127.0.0.1:%u/\"}", server_port);

  g_variant_unref (cdp_call (b, "Page.navigate", params));
  g_free (params);
}

/* The page's own counters (window.asciiline), as a dictionary. */
static GVariant *
page_state (Browser *b)
{
  GVariant *result = cdp_call (b, "Runtime.evaluate",
      "{\"expression\": \"JSON.stringify(window.asciiline || null)\", "
      "\"returnByValue\": true}");
  GVariant *remote = g_variant_lookup_value (result, "result", NULL);
  const gchar *json = NULL;
  GVariant *state = NULL;

  if (remote != NULL && g_variant_lookup (remote, "value", "&s", &json)
      && strcmp (json, "null") != 0)
    state = onair_json_parse (json, -1, NULL);
  if (remote != NULL)
    g_variant_unref (remote);
  g_variant_unref (result);
  return state;
}

static gint64
state_int (GVariant *state, const gchar *key)
{
  gint64 v = -1;

  if (state != NULL)
    g_variant_lookup (state, key, "x", &v);
  return v;
}

static gboolean
page_on_audio_clock (gpointer user_data)
{
  GVariant *state = page_state (user_data);
  const gchar *clock = NULL;
  gboolean audio = state != NULL
      && g_variant_lookup (state, "clock", "&s", &clock)
      && strcmp (clock, "audio") == 0;

  if (state != NULL)
    g_variant_unref (state);
  return audio;
}

typedef struct {
  Browser *browser;
  gint64 frames;
} FramesWanted;

static gboolean
page_drew (gpointer user_data)
{
  FramesWanted *f = user_data;
  GVariant *state = page_state (f->browser);
  gboolean done = state_int (state, "framesDrawn") >= f->frames;

  if (state != NULL)
    g_variant_unref (state);
  return done;
}

static void
wait_frames_drawn (Browser *b, gint64 frames, const gchar *what)
{
  FramesWanted f = { b, frames };

  onair_check_wait_until (page_drew, &f, 60000, what);
}

/* Counts the pixels of a PNG by colour class, decoding with pngdec. */
typedef struct {
  guint pixels, lit, red, green, blue, yellow;
} Colours;

static Colours
count_colours (const gchar *png)
{
  gchar *launch = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! "
                                   "videoconvert ! video/x-raw,format=RGB ! "
                                   "appsink name=sink",
      png);
  GstElement *pipeline = gst_parse_launch (launch, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstSample *sample = NULL;
  GstVideoFrame frame;
  GstVideoInfo info;
  Colours c = { 0 };
  guint x, y;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_signal_emit_by_name (sink, "pull-sample", &sample);
  fail_unless (sample != NULL, "pngdec could not read the screenshot");
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
      GST_MAP_READ);
  for (y = 0; y < (guint) GST_VIDEO_INFO_HEIGHT (&info); y++) {
    const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
        + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);

    for (x = 0; x < (guint) GST_VIDEO_INFO_WIDTH (&info); x++) {
      guint r = row[x * 3], g = row[x * 3 + 1], b = row[x * 3 + 2];
      guint hi = MAX (r, MAX (g, b)), lo = MIN (r, MIN (g, b));

      c.pixels++;
      if (hi < 60)
        continue;
      c.lit++;
      if (hi - lo < 80)
        continue;
      if (r > 120 && g > 120 && b < 80)
        c.yellow++;
      else if (r == hi && g < 80 && b < 80)
        c.red++;
      else if (g == hi && r < 80 && b < 80)
        c.green++;
      else if (b == hi && r < 80 && g < 80)
        c.blue++;
    }
  }
  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (launch);
  return c;
}

static gchar *
screenshot (Browser *b, const gchar *name)
{
  GVariant *result =
      cdp_call (b, "Page.captureScreenshot", "{\"format\": \"png\"}");
  const gchar *data = NULL;
  guchar *png;
  gsize size;
  gchar *path = g_strdup_printf ("%s/%s", onair_check_scratch_dir (), name);

  fail_unless (g_variant_lookup (result, "data", "&s", &data));
  png = g_base64_decode (data, &size);
  fail_unless (size > 8 && memcmp (png, "\x89PNG", 4) == 0);
  fail_unless (g_file_set_contents (path, (const gchar *) png, size, NULL));
  g_free (png);
  g_variant_unref (result);
  return path;
}

/* The server on its own: page, script, MP3 sound. */
GST_START_TEST (test_server_serves_page_and_sound)
{
  WebServer *w = web_server_start ();
  OnairHttpReply *r;
  gchar *type;

  r = onair_http_get (w->port, "/", NULL, 0, 5000);
  fail_unless (r != NULL && r->status == 200);
  fail_unless (
      g_strstr_len ((gchar *) r->body->data, r->body->len, "<canvas") != NULL);
  onair_http_reply_free (r);
  r = onair_http_get (w->port, "/app.js", NULL, 0, 5000);
  fail_unless (r != NULL && r->status == 200);
  fail_unless (
      g_strstr_len ((gchar *) r->body->data, r->body->len, "INIT:") != NULL);
  onair_http_reply_free (r);

  r = onair_http_get (w->port, "/audio?client=check", NULL, 16384, 10000);
  fail_unless (r != NULL && r->status == 200);
  type = onair_http_reply_header (r, "Content-Type");
  fail_unless_equals_string (type, "audio/mpeg");
  g_free (type);
  fail_unless (onair_check_is_mpeg_audio (r->body->data, r->body->len, 5),
      "/audio is not MP3");
  onair_http_reply_free (r);

  r = onair_http_get (w->port, "/nothing", NULL, 0, 5000);
  fail_unless (r != NULL && r->status == 404);
  onair_http_reply_free (r);
  web_server_stop (w);
}

GST_END_TEST;

static guint
viewers_count (guint16 port)
{
  GVariant *stats = get_json (port, "/stats");
  GVariant *viewers;

  fail_unless (stats != NULL);
  viewers = g_variant_lookup_value (stats, "viewers", NULL);
  guint n = viewers != NULL ? g_variant_n_children (viewers) : 0;

  if (viewers != NULL)
    g_variant_unref (viewers);
  g_variant_unref (stats);
  return n;
}

static guint
listeners_count (guint16 port)
{
  GVariant *stats = get_json (port, "/stats");
  gint64 n = -1;

  fail_unless (stats != NULL);
  g_variant_lookup (stats, "listeners", "x", &n);
  g_variant_unref (stats);
  return (guint) n;
}

GST_START_TEST (test_browsers_play)
{
  WebServer *w = web_server_start ();
  Browser *early, *late;
  GVariant *state;
  gint64 early_start, late_start, drawn;
  gchar *png;
  Colours c;

  early = browser_start ("chromium-1");
  browser_open (early, w->port);
  wait_frames_drawn (early, 30, "the first page to draw 30 frames");
  state = page_state (early);
  fail_unless_equals_int (state_int (state, "inits"), 1);
  fail_unless (state_int (state, "colouredCells") > 100);
  early_start = state_int (state, "firstIndex");
  g_variant_unref (state);
  fail_unless (viewers_count (w->port) == 1);

  png = screenshot (early, "first.png");
  c = count_colours (png);
  /* The SMPTE bars drawn in coloured characters: lit pixels of several
   * hues on the near-black background. */
  fail_unless (c.lit > c.pixels / 50, "%u of %u pixels lit", c.lit, c.pixels);
  fail_unless (c.red > 50 && c.green > 50 && c.blue > 50 && c.yellow > 50,
      "red %u green %u blue %u yellow %u", c.red, c.green, c.blue, c.yellow);
  g_free (png);

  /* A second browser, later: it starts with the frame timedtee holds, so
   * its first index is well past the first page's, and it plays. */
  late = browser_start ("chromium-2");
  browser_open (late, w->port);
  wait_frames_drawn (late, 30, "the second page to draw 30 frames");
  state = page_state (late);
  fail_unless_equals_int (state_int (state, "inits"), 1);
  late_start = state_int (state, "firstIndex");
  fail_unless (late_start > early_start + 30,
      "second page starts at %" G_GINT64_FORMAT ", first at %" G_GINT64_FORMAT,
      late_start, early_start);
  g_variant_unref (state);
  fail_unless (viewers_count (w->port) == 2);
  png = screenshot (late, "second.png");
  c = count_colours (png);
  fail_unless (c.red > 50 && c.green > 50 && c.blue > 50,
      "second page: red %u green %u blue %u", c.red, c.green, c.blue);
  g_free (png);

  /* The first page kept playing meanwhile. */
  state = page_state (early);
  drawn = state_int (state, "framesDrawn");
  g_variant_unref (state);
  wait_frames_drawn (early, drawn + 30, "the first page to go on");

  /* Both pages fetched the sound; once it plays, frames are timed against
   * its clock, and still drawn. */
  fail_unless (listeners_count (w->port) == 2);
  onair_check_wait_until (page_on_audio_clock, early, 30000,
      "the first page to time frames by the sound");
  onair_check_wait_until (page_on_audio_clock, late, 30000,
      "the second page to time frames by the sound");
  state = page_state (late);
  drawn = state_int (state, "framesDrawn");
  g_variant_unref (state);
  wait_frames_drawn (late, drawn + 30, "frames drawn on the sound's clock");

  browser_stop (late);
  browser_stop (early);
  web_server_stop (w);
}

GST_END_TEST;

static Suite *
asciiline_web_suite (void)
{
  Suite *s = suite_create ("asciiline-web");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 240);
  tcase_add_test (tc, test_server_serves_page_and_sound);
  tcase_add_test (tc, test_browsers_play);
  return s;
}

ONAIR_CHECK_MAIN (asciiline_web);
