/* gst-plugins-onair: asciiline-web in headless Chromium
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts the asciiline-web server, then Debian's chromium, headless, driven
 * over the DevTools protocol (a WebSocket, with libsoup): the page connects,
 * receives INIT, draws frames, and a screenshot shows coloured characters;
 * a second browser joining later starts at the live frame and plays too.
 *
 * The page's clock is tested on both sides.  With a private PulseAudio
 * daemon as its output, Chromium plays the sound into a null sink whose
 * monitor the test records, and the page times its frames by the sound;
 * when the test stops the sound (playbackRate 0) the page's own clock takes
 * over without a jump, and when the sound plays again the page returns to
 * it.  Without any output device, the page draws on whatever Chromium's
 * sound does.  Every check reads what the page or the server decided
 * (indices, counts, clock names), never how long something took.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "onair-check.h"
#include "pulse-service.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <gst/video/video.h>

/* The page's rules (app.js): a frame is drawn from EARLY before its time
 * until LATE after; a sound that stops hands over to the page's clock, and
 * one that comes back more than MAX_LAG behind the picture starts again. */
#define PAGE_EARLY 0.05
#define PAGE_LATE 0.1
#define PAGE_MAX_LAG 0.5

/* Frames the page draws on its own clock while the test holds the sound:
 * the sound then comes back three seconds, far over PAGE_MAX_LAG, behind
 * the picture. */
#define STALL_FRAMES 90

/* The monitor of the null sink records 48 kHz S16LE stereo.  The server's
 * tone (volume 0.2) peaks near 6500; silence is 0. */
#define MONITOR_RATE 48000
#define MONITOR_CHANNELS 2
#define LOUD_SAMPLE 1000

/* Every wait is an upper bound that only a broken page or server reaches. */
#define WAIT_MS 60000

/* Processes */

typedef struct {
  GSubprocess *process;
  gchar *name;
} Child;

/* Starts @argv with @envp (NULL: this process's environment), its output
 * in the scratch directory as @name.log. */
static Child *
child_start (const gchar *name, const gchar *const *argv,
    const gchar *const *envp)
{
  GSubprocessLauncher *launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  gchar *log = g_strdup_printf ("%s/%s.log", onair_check_scratch_dir (), name);
  Child *c = g_new0 (Child, 1);
  GError *error = NULL;

  if (envp != NULL)
    g_subprocess_launcher_set_environ (launcher, (gchar **) envp);
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

/* JSON */

/* The document in @size bytes of @data (-1: up to a NUL), or NULL when it
 * is not JSON. */
static JsonNode *
json_from_data (const gchar *data, gssize size)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root = NULL;

  if (json_parser_load_from_data (parser, data, size, NULL))
    root = json_parser_steal_root (parser);
  g_object_unref (parser);
  return root;
}

/* The object @node holds (a new reference), or NULL; frees @node. */
static JsonObject *
json_take_object (JsonNode *node)
{
  JsonObject *object = NULL;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    object = json_object_ref (json_node_get_object (node));
  if (node != NULL)
    json_node_unref (node);
  return object;
}

/* GET over HTTP/1.1 (Chromium's DevTools endpoint refuses 1.0), as
 * JSON; NULL when there is no answer yet. */
static JsonNode *
get_json (guint16 port, const gchar *path)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 5, NULL);
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);
  SoupMessage *msg = soup_message_new ("GET", url);
  GBytes *body = soup_session_send_and_read (session, msg, NULL, NULL);
  JsonNode *json = NULL;

  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK) {
    gsize size;
    const gchar *data = g_bytes_get_data (body, &size);

    json = json_from_data (data, size);
  }
  if (body != NULL)
    g_bytes_unref (body);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return json;
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

    w->child = child_start ("asciiline-web", argv, NULL);
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

static JsonObject *
server_stats (WebServer *w)
{
  JsonObject *stats = json_take_object (get_json (w->port, "/stats"));

  fail_unless (stats != NULL, "/stats is not a JSON object");
  return stats;
}

static guint
viewers_count (WebServer *w)
{
  JsonObject *stats = server_stats (w);
  JsonArray *viewers = json_object_get_array_member (stats, "viewers");
  guint n = viewers != NULL ? json_array_get_length (viewers) : 0;

  json_object_unref (stats);
  return n;
}

typedef struct {
  WebServer *server;
  gint64 listeners;
} ListenersWanted;

static gboolean
server_has_listeners (gpointer user_data)
{
  ListenersWanted *l = user_data;
  JsonObject *stats = server_stats (l->server);
  gboolean done =
      json_object_get_int_member_with_default (stats, "listeners", -1)
      == l->listeners;

  json_object_unref (stats);
  return done;
}

/* Where the server says the sound of load @sound_id starts, in stream
 * seconds; FALSE while it does not know. */
static gboolean
server_sound_start (WebServer *w, const gchar *sound_id, gdouble *position)
{
  gchar *path = g_strdup_printf ("/audio-start?client=%s", sound_id);
  JsonObject *reply = json_take_object (get_json (w->port, path));
  JsonNode *node =
      reply != NULL ? json_object_get_member (reply, "position") : NULL;
  gboolean known = node != NULL && JSON_NODE_HOLDS_VALUE (node);

  if (known)
    *position = json_node_get_double (node);
  if (reply != NULL)
    json_object_unref (reply);
  g_free (path);
  return known;
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
  GHashTable *replies; /* id -> JsonObject */
} Browser;

static void
on_cdp_message (SoupWebsocketConnection *ws, gint type, GBytes *message,
    gpointer user_data)
{
  Browser *b = user_data;
  gsize size;
  const gchar *data = g_bytes_get_data (message, &size);
  JsonObject *reply = json_take_object (json_from_data (data, size));

  /* Events carry no id; only replies are waited for. */
  if (reply != NULL && json_object_has_member (reply, "id"))
    g_hash_table_insert (b->replies,
        GINT_TO_POINTER ((gint) json_object_get_int_member (reply, "id")),
        json_object_ref (reply));
  if (reply != NULL)
    json_object_unref (reply);
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

/* Calls @method with @params (taken) and returns its "result" object. */
static JsonObject *
cdp_call (Browser *b, const gchar *method, JsonNode *params)
{
  Waiting w = { b, ++b->next_id };
  JsonBuilder *builder = json_builder_new ();
  JsonNode *request;
  JsonObject *reply, *result;
  gchar *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, w.id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "params");
  json_builder_add_value (builder, params);
  json_builder_end_object (builder);
  request = json_builder_get_root (builder);
  text = json_to_string (request, FALSE);
  soup_websocket_connection_send_text (b->ws, text);
  g_free (text);
  json_node_unref (request);
  g_object_unref (builder);

  onair_check_wait_until (reply_arrived, &w, 30000, method);
  reply = g_hash_table_lookup (b->replies, GINT_TO_POINTER (w.id));
  if (!json_object_has_member (reply, "result")) {
    JsonNode *node = json_node_init_object (json_node_alloc (), reply);

    text = json_to_string (node, FALSE);
    json_node_unref (node);
    fail ("%s failed: %s", method, text);
  }
  result = json_object_ref (json_object_get_object_member (reply, "result"));
  g_hash_table_remove (b->replies, GINT_TO_POINTER (w.id));
  return result;
}

/* {"name": value, ...} for cdp_call, from pairs of a name and a JsonNode
 * (taken), ended by NULL. */
static JsonNode *
cdp_params (const gchar *first_name, ...)
{
  JsonObject *object = json_object_new ();
  JsonNode *params;
  const gchar *name;
  va_list ap;

  va_start (ap, first_name);
  for (name = first_name; name != NULL; name = va_arg (ap, const gchar *))
    json_object_set_member (object, name, va_arg (ap, JsonNode *));
  va_end (ap);
  params = json_node_init_object (json_node_alloc (), object);
  json_object_unref (object);
  return params;
}

static JsonNode *
json_string_node (const gchar *value)
{
  return json_node_init_string (json_node_alloc (), value);
}

static gboolean
devtools_answers (gpointer user_data)
{
  Browser *b = user_data;
  JsonNode *list = get_json (b->port, "/json/list");

  if (list == NULL)
    return FALSE;
  json_node_unref (list);
  return TRUE;
}

/* The DevTools WebSocket of the first page in @list. */
static gchar *
page_target_url (JsonNode *list)
{
  JsonReader *reader = json_reader_new (list);
  gchar *url = NULL;
  gint i, n = json_reader_count_elements (reader);

  for (i = 0; i < n && url == NULL; i++) {
    const gchar *type;

    json_reader_read_element (reader, i);
    json_reader_read_member (reader, "type");
    type = json_reader_get_string_value (reader);
    json_reader_end_member (reader);
    if (g_strcmp0 (type, "page") == 0) {
      json_reader_read_member (reader, "webSocketDebuggerUrl");
      url = g_strdup (json_reader_get_string_value (reader));
      json_reader_end_member (reader);
    }
    json_reader_end_element (reader);
  }
  g_object_unref (reader);
  return url;
}

/* Starts chromium with @envp as its environment. */
static Browser *
browser_start (const gchar *name, gchar **envp)
{
  Browser *b = g_new0 (Browser, 1);
  gchar *port_arg, *profile_arg, *ws_url;
  JsonNode *list;
  SoupMessage *msg;

  b->port = onair_check_free_port ();
  /* In the run's scratch directory, which the runner removes. */
  b->profile = onair_check_make_dir ("chromium-profile");
  fail_unless (b->profile != NULL);
  b->replies = g_hash_table_new_full (NULL, NULL, NULL,
      (GDestroyNotify) json_object_unref);
  port_arg = g_strdup_printf ("--remote-debugging-port=%u", b->port);
  profile_arg = g_strdup_printf ("--user-data-dir=%s", b->profile);
  {
    const gchar *argv[] = { "chromium", "--headless", "--no-sandbox",
      "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--autoplay-policy=no-user-gesture-required",
      "--window-size=1000,700", port_arg, profile_arg, "about:blank", NULL };

    b->child = child_start (name, argv, (const gchar *const *) envp);
  }
  onair_check_wait_until (devtools_answers, b, WAIT_MS,
      "chromium's DevTools endpoint");

  list = get_json (b->port, "/json/list");
  fail_unless (list != NULL && JSON_NODE_HOLDS_ARRAY (list));
  ws_url = page_target_url (list);
  json_node_unref (list);
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
browser_open (Browser *b, WebServer *w)
{
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u/", w->port);

  json_object_unref (cdp_call (b, "Page.navigate",
      cdp_params ("url", json_string_node (url), NULL)));
  g_free (url);
}

/* Runs @expression in the page; returns its value as JSON (NULL for a
 * JavaScript null or undefined). */
static JsonNode *
page_evaluate (Browser *b, const gchar *expression)
{
  JsonObject *result = cdp_call (b, "Runtime.evaluate",
      cdp_params ("expression", json_string_node (expression), "returnByValue",
          json_node_init_boolean (json_node_alloc (), TRUE), NULL));
  JsonObject *remote = json_object_get_object_member (result, "result");
  JsonNode *value = NULL;

  fail_if (json_object_has_member (result, "exceptionDetails"),
      "the page threw on: %s", expression);
  if (remote != NULL && json_object_has_member (remote, "value")
      && !JSON_NODE_HOLDS_NULL (json_object_get_member (remote, "value")))
    value = json_node_copy (json_object_get_member (remote, "value"));
  json_object_unref (result);
  return value;
}

/* The page's decisions (window.asciiline), with the sound element's own
 * position and rate at the same moment (soundTime, soundRate). */
static JsonObject *
page_state (Browser *b)
{
  return json_take_object (page_evaluate (b,
      "(() => {"
      "  const s = window.asciiline;"
      "  const a = document.getElementById('audio');"
      "  return s ? Object.assign({}, s, {"
      "    soundTime: a.currentTime, soundRate: a.playbackRate }) : null;"
      "})()"));
}

static gint64
state_int (JsonObject *state, const gchar *key)
{
  return state != NULL
      ? json_object_get_int_member_with_default (state, key, -1)
      : -1;
}

static gdouble
state_double (JsonObject *state, const gchar *key)
{
  return state != NULL
      ? json_object_get_double_member_with_default (state, key, -1.0)
      : -1.0;
}

static const gchar *
state_string (JsonObject *state, const gchar *key)
{
  return state != NULL
      ? json_object_get_string_member_with_default (state, key, "")
      : "";
}

static gboolean
state_is_null (JsonObject *state, const gchar *key)
{
  return state == NULL || !json_object_has_member (state, key)
      || json_object_get_null_member (state, key);
}

static void
page_set_sound_rate (Browser *b, const gchar *rate)
{
  gchar *expression =
      g_strdup_printf ("document.getElementById('audio').playbackRate = %s",
          rate);
  JsonNode *value = page_evaluate (b, expression);

  if (value != NULL)
    json_node_unref (value);
  g_free (expression);
}

/* A wait for the page to reach a state: @done tells, from the page's
 * state, when. */
typedef gboolean (*PageStateDone) (JsonObject *state, gpointer data);

typedef struct {
  Browser *browser;
  PageStateDone done;
  gpointer data;
  JsonObject *state;
} PageWait;

static gboolean
page_wait_done (gpointer user_data)
{
  PageWait *p = user_data;

  if (p->state != NULL)
    json_object_unref (p->state);
  p->state = page_state (p->browser);
  return p->state != NULL && p->done (p->state, p->data);
}

/* Waits until @done holds; returns the state that made it hold. */
static JsonObject *
page_wait (Browser *b, PageStateDone done, gpointer data, const gchar *what)
{
  PageWait p = { b, done, data, NULL };

  onair_check_wait_until (page_wait_done, &p, WAIT_MS, what);
  return p.state;
}

static gboolean
drew_frames (JsonObject *state, gpointer data)
{
  return state_int (state, "framesDrawn") >= *(gint64 *) data;
}

/* Waits until the page drew @frames frames in all. */
static JsonObject *
wait_frames_drawn (Browser *b, gint64 frames, const gchar *what)
{
  return page_wait (b, drew_frames, &frames, what);
}

/* A frame of index @index or later drawn on @clock, which the page still
 * uses. */
typedef struct {
  const gchar *clock;
  gint64 index;
} DrawnOn;

static gboolean
drew_on (JsonObject *state, gpointer data)
{
  DrawnOn *d = data;

  return strcmp (state_string (state, "clock"), d->clock) == 0
      && strcmp (state_string (state, "drawnClock"), d->clock) == 0
      && state_int (state, "drawnIndex") >= d->index;
}

static JsonObject *
wait_drawn_on (Browser *b, const gchar *clock, gint64 index, const gchar *what)
{
  DrawnOn d = { clock, index };

  return page_wait (b, drew_on, &d, what);
}

/* The page switched its clock @key ("toAudio", "toWall") more than
 * @count times. */
typedef struct {
  const gchar *key;
  gint64 count;
} Switched;

static gboolean
switched (JsonObject *state, gpointer data)
{
  Switched *s = data;

  return state_int (state, s->key) > s->count;
}

static JsonObject *
wait_switched (Browser *b, const gchar *key, gint64 count, const gchar *what)
{
  Switched s = { key, count };

  return page_wait (b, switched, &s, what);
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
  JsonObject *result = cdp_call (b, "Page.captureScreenshot",
      cdp_params ("format", json_string_node ("png"), NULL));
  const gchar *data =
      json_object_get_string_member_with_default (result, "data", NULL);
  guchar *png;
  gsize size;
  gchar *path = g_strdup_printf ("%s/%s", onair_check_scratch_dir (), name);

  fail_unless (data != NULL, "no screenshot");
  png = g_base64_decode (data, &size);
  fail_unless (size > 8 && memcmp (png, "\x89PNG", 4) == 0);
  fail_unless (g_file_set_contents (path, (const gchar *) png, size, NULL));
  g_free (png);
  json_object_unref (result);
  return path;
}

/* The SMPTE bars drawn in coloured characters: lit pixels of several hues
 * on the near-black background. */
static void
assert_bars_on_screen (Browser *b, const gchar *name)
{
  gchar *png = screenshot (b, name);
  Colours c = count_colours (png);

  fail_unless (c.lit > c.pixels / 50, "%s: %u of %u pixels lit", name, c.lit,
      c.pixels);
  fail_unless (c.red > 50 && c.green > 50 && c.blue > 50 && c.yellow > 50,
      "%s: red %u green %u blue %u yellow %u", name, c.red, c.green, c.blue,
      c.yellow);
  g_free (png);
}

/* The first page: it connects, gets one INIT, draws the bars, and is the
 * server's one viewer.  Returns the index it started at. */
static gint64
first_page_plays (WebServer *w, Browser *b)
{
  JsonObject *state;
  gint64 start;

  browser_open (b, w);
  state = wait_frames_drawn (b, 30, "the first page to draw 30 frames");
  fail_unless_equals_int (state_int (state, "inits"), 1);
  fail_unless (state_int (state, "colouredCells") > 100);
  start = state_int (state, "firstIndex");
  fail_unless (start >= 0);
  json_object_unref (state);
  fail_unless_equals_int (viewers_count (w), 1);
  assert_bars_on_screen (b, "first.png");
  return start;
}

/* A second browser, later: it starts with the frame timedtee holds, so its
 * first index is well past the first page's, and it plays while the first
 * goes on. */
static Browser *
second_page_joins (WebServer *w, Browser *early, gint64 early_start,
    gchar **envp)
{
  Browser *late = browser_start ("chromium-2", envp);
  JsonObject *state;
  gint64 late_start, drawn;

  browser_open (late, w);
  state = wait_frames_drawn (late, 30, "the second page to draw 30 frames");
  fail_unless_equals_int (state_int (state, "inits"), 1);
  late_start = state_int (state, "firstIndex");
  fail_unless (late_start > early_start + 30,
      "second page starts at %" G_GINT64_FORMAT ", first at %" G_GINT64_FORMAT,
      late_start, early_start);
  json_object_unref (state);
  fail_unless_equals_int (viewers_count (w), 2);
  assert_bars_on_screen (late, "second.png");

  state = page_state (early);
  drawn = state_int (state, "framesDrawn");
  json_object_unref (state);
  json_object_unref (
      wait_frames_drawn (early, drawn + 30, "the first page to go on"));
  return late;
}

/* Chromium's environment without any sound output: libpulse is sent to a
 * socket nobody listens on and may not start a daemon of its own, and ALSA
 * reads a configuration that names no device. */
static gchar **
environ_without_sound (void)
{
  gchar *dir = onair_check_make_dir ("no-sound");
  gchar *conf = g_build_filename (dir, "client.conf", NULL);
  gchar *alsa = g_build_filename (dir, "alsa.conf", NULL);
  gchar *server = g_strdup_printf ("unix:%s/nothing", dir);
  gchar **envp = g_get_environ ();

  fail_unless (g_file_set_contents (conf, "autospawn = no\n", -1, NULL));
  fail_unless (g_file_set_contents (alsa, "", -1, NULL));
  envp = g_environ_setenv (envp, "PULSE_SERVER", server, TRUE);
  envp = g_environ_setenv (envp, "PULSE_CLIENTCONFIG", conf, TRUE);
  envp = g_environ_setenv (envp, "ALSA_CONFIG_PATH", alsa, TRUE);
  g_free (server);
  g_free (alsa);
  g_free (conf);
  g_free (dir);
  return envp;
}

/* Chromium's environment with @pulse as its sound output (the service
 * exports its client configuration to this process). */
static gchar **
environ_with_pulse (OnairPulse *pulse)
{
  gchar **envp = g_get_environ ();

  envp =
      g_environ_setenv (envp, "PULSE_SERVER", onair_pulse_server (pulse), TRUE);
  fail_unless (g_environ_getenv (envp, "PULSE_CLIENTCONFIG") != NULL);
  return envp;
}

/* A recording of the null sink's monitor: what Chromium played. */
typedef struct {
  GstElement *pipeline;
  GMutex lock;
  guint64 loud_frames; /* frames with a sample above LOUD_SAMPLE */
} Monitor;

static GstPadProbeReturn
monitor_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Monitor *m = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  const gint16 *s;
  gsize n, f, loud = 0;

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  s = (const gint16 *) map.data;
  n = map.size / (MONITOR_CHANNELS * sizeof (gint16));
  for (f = 0; f < n; f++) {
    gint c;

    for (c = 0; c < MONITOR_CHANNELS; c++) {
      if (ABS ((gint) GINT16_FROM_LE (s[f * MONITOR_CHANNELS + c]))
          > LOUD_SAMPLE) {
        loud++;
        break;
      }
    }
  }
  gst_buffer_unmap (buf, &map);
  g_mutex_lock (&m->lock);
  m->loud_frames += loud;
  g_mutex_unlock (&m->lock);
  return GST_PAD_PROBE_OK;
}

static Monitor *
monitor_start (OnairPulse *pulse)
{
  Monitor *m = g_new0 (Monitor, 1);
  gchar *desc = g_strdup_printf ("pulsesrc device=%s ! "
                                 "audio/x-raw,format=S16LE,layout=interleaved,"
                                 "rate=%d,channels=%d ! "
                                 "fakesink name=sink sync=false",
      onair_pulse_monitor (pulse), MONITOR_RATE, MONITOR_CHANNELS);
  GError *error = NULL;
  GstElement *sink;
  GstPad *pad;

  g_mutex_init (&m->lock);
  m->pipeline = gst_parse_launch (desc, &error);
  fail_unless (m->pipeline != NULL,
      "%s: %s (pulsesrc: the Debian package "
      "gstreamer1.0-pulseaudio)",
      desc, error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (m->pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, monitor_buffer, m, NULL);
  fail_if (gst_element_set_state (m->pipeline, GST_STATE_PLAYING)
          == GST_STATE_CHANGE_FAILURE,
      "the monitor's recorder does not start");
  gst_object_unref (pad);
  gst_object_unref (sink);
  g_free (desc);
  return m;
}

static void
monitor_stop (Monitor *m)
{
  gst_element_set_state (m->pipeline, GST_STATE_NULL);
  gst_object_unref (m->pipeline);
  g_mutex_clear (&m->lock);
  g_free (m);
}

static gboolean
monitor_heard_tone (gpointer user_data)
{
  Monitor *m = user_data;
  gboolean heard;

  g_mutex_lock (&m->lock);
  heard = m->loud_frames >= MONITOR_RATE / 2;
  g_mutex_unlock (&m->lock);
  return heard;
}

/* A frame drawn on the sound's clock, which the page still uses, past
 * @after_index and at @from_position or later: drawn no later than the
 * sound is now, since its start, and at its own time by that clock. */
typedef struct {
  gint64 after_index;
  gdouble from_position;
} OnSound;

static gboolean
drew_on_sound (JsonObject *state, gpointer data)
{
  OnSound *o = data;
  gdouble fps = state_double (state, "fps");
  gdouble start = state_double (state, "soundStart");
  gdouble drawn_at = state_double (state, "drawnAt");
  gdouble time = state_int (state, "drawnIndex") / fps;

  return strcmp (state_string (state, "clock"), "audio") == 0
      && strcmp (state_string (state, "drawnClock"), "audio") == 0
      && state_int (state, "drawnIndex") > o->after_index && fps > 0
      && !state_is_null (state, "soundStart") && drawn_at >= o->from_position
      && drawn_at >= start
      && drawn_at <= start + state_double (state, "soundTime") + 1e-6
      && time >= drawn_at - PAGE_LATE - 1e-6
      && time <= drawn_at + PAGE_EARLY + 1e-6;
}

/* Waits for the page to draw by the sound (see drew_on_sound()), and checks
 * that the sound is the one the server started for it. */
static JsonObject *
wait_frames_on_sound (WebServer *w, Browser *b, gint64 after_index,
    gdouble from_position)
{
  OnSound o = { after_index, from_position };
  JsonObject *state = page_wait (b, drew_on_sound, &o,
      "a frame drawn at its time by the sound's clock");
  const gchar *id = state_string (state, "soundId");
  gdouble start;

  fail_unless (server_sound_start (w, id, &start),
      "the server knows no start for sound %s", id);
  fail_unless (ABS (state_double (state, "soundStart") - start) < 1e-5,
      "the page's sound starts at %f, the server's at %f",
      state_double (state, "soundStart"), start);
  return state;
}

/* The picture follows the sound, not the page's time: at half speed, the
 * frames drawn advance as far as the sound did, half as far as the page's
 * own clock would have taken them.  Measured within one load of the sound
 * and one stretch on its clock; should the page leave it meanwhile (a
 * stall of the sound on a busy machine), it is measured again. */
static void
assert_picture_follows_sound (WebServer *w, Browser *b)
{
  gboolean measured = FALSE;
  guint tries;

  for (tries = 0; tries < 5 && !measured; tries++) {
    JsonObject *a, *z;
    gdouble frames_ahead, sound_ahead, fps;

    page_set_sound_rate (b, "0.5");
    a = wait_frames_on_sound (w, b, -1, -1.0);
    z = wait_frames_on_sound (w, b, state_int (a, "drawnIndex"),
        state_double (a, "drawnAt") + 1.0);
    measured = state_double (a, "soundRate") == 0.5
        && state_double (z, "soundRate") == 0.5
        && strcmp (state_string (a, "soundId"), state_string (z, "soundId"))
            == 0
        && state_int (a, "toWall") == state_int (z, "toWall");
    if (measured) {
      fps = state_double (a, "fps");
      frames_ahead =
          (state_int (z, "drawnIndex") - state_int (a, "drawnIndex")) / fps;
      sound_ahead = state_double (z, "drawnAt") - state_double (a, "drawnAt");
      fail_unless (ABS (frames_ahead - sound_ahead)
              <= PAGE_EARLY + PAGE_LATE + 1e-6,
          "the frames went %f s ahead while the sound went %f s", frames_ahead,
          sound_ahead);
    }
    json_object_unref (a);
    json_object_unref (z);
  }
  fail_unless (measured, "the page never stayed on one sound for a second");
  page_set_sound_rate (b, "1");
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

/* With a sound output: the pages time their frames by the sound, which
 * reaches the output; a stopped sound hands over to the page's clock and
 * takes over again when it plays. */
GST_START_TEST (test_pages_follow_the_sound)
{
  OnairPulse *pulse = onair_pulse_start ();
  Monitor *monitor = monitor_start (pulse);
  WebServer *w = web_server_start ();
  gchar **envp = environ_with_pulse (pulse);
  Browser *early = browser_start ("chromium-1", envp), *late;
  JsonObject *state;
  ListenersWanted two = { w, 2 };
  gint64 start, to_wall, to_audio, restarts, index;

  start = first_page_plays (w, early);
  json_object_unref (wait_frames_on_sound (w, early, -1, -1.0));
  onair_check_wait_until (monitor_heard_tone, monitor, WAIT_MS,
      "half a second of the tone on the null sink's monitor");
  assert_picture_follows_sound (w, early);

  /* The sound stops: the page's clock goes on from where it stopped, and
   * the picture with it. */
  state = wait_frames_on_sound (w, early, -1, -1.0);
  to_wall = state_int (state, "toWall");
  to_audio = state_int (state, "toAudio");
  restarts = state_int (state, "soundRestarts");
  json_object_unref (state);
  page_set_sound_rate (early, "0");
  state = wait_switched (early, "toWall", to_wall,
      "the page to leave the stopped sound's clock");
  fail_unless (state_double (state, "switchTo")
          == state_double (state, "switchFrom"),
      "the page's clock jumped from %f to %f",
      state_double (state, "switchFrom"), state_double (state, "switchTo"));
  to_wall = state_int (state, "toWall");
  to_audio = state_int (state, "toAudio");
  index = state_int (state, "drawnIndex");
  json_object_unref (state);
  state = wait_drawn_on (early, "wall", index + STALL_FRAMES,
      "the page to draw on its own clock while the sound stops");
  fail_unless (state_int (state, "toWall") == to_wall
          && state_int (state, "toAudio") == to_audio,
      "the page took the stopped sound's clock again");
  json_object_unref (state);

  /* The sound plays again, now far more than PAGE_MAX_LAG behind the
   * picture: the page starts it again at the live position and times its
   * frames by it. */
  page_set_sound_rate (early, "1");
  state = wait_switched (early, "toAudio", to_audio,
      "the page to return to the sound's clock");
  fail_unless (state_int (state, "soundRestarts") > restarts,
      "the sound came back %d frames behind the picture (over %.1f s) "
      "and was not started again",
      STALL_FRAMES, PAGE_MAX_LAG);
  index = state_int (state, "drawnIndex");
  json_object_unref (state);
  json_object_unref (wait_frames_on_sound (w, early, index + 30, -1.0));

  late = second_page_joins (w, early, start, envp);
  onair_check_wait_until (server_has_listeners, &two, WAIT_MS,
      "the server to have one listener per page");
  json_object_unref (wait_frames_on_sound (w, late, -1, -1.0));
  json_object_unref (wait_frames_on_sound (w, early, -1, -1.0));

  browser_stop (late);
  browser_stop (early);
  web_server_stop (w);
  g_strfreev (envp);
  monitor_stop (monitor);
  onair_pulse_free (pulse);
}

GST_END_TEST;

/* Without a sound output, whatever Chromium's sound does (it may fake an
 * output or not, and the test stops the first page's sound on top): both
 * pages keep drawing. */
GST_START_TEST (test_pages_play_without_sound_output)
{
  WebServer *w = web_server_start ();
  gchar **envp = environ_without_sound ();
  Browser *early = browser_start ("chromium-1", envp), *late;
  Browser *pages[2];
  gint64 start;
  guint i;

  start = first_page_plays (w, early);
  late = second_page_joins (w, early, start, envp);
  page_set_sound_rate (early, "0");
  pages[0] = early;
  pages[1] = late;
  for (i = 0; i < G_N_ELEMENTS (pages); i++) {
    JsonObject *state = page_state (pages[i]);
    gint64 drawn = state_int (state, "framesDrawn");
    gint64 index = state_int (state, "drawnIndex");

    json_object_unref (state);
    state = wait_frames_drawn (pages[i], drawn + 90,
        "a page without sound to go on drawing");
    fail_unless (state_int (state, "drawnIndex") >= index + 90,
        "frames drawn up to %" G_GINT64_FORMAT " from %" G_GINT64_FORMAT,
        state_int (state, "drawnIndex"), index);
    json_object_unref (state);
  }

  browser_stop (late);
  browser_stop (early);
  web_server_stop (w);
  g_strfreev (envp);
}

GST_END_TEST;

static Suite *
asciiline_web_suite (void)
{
  Suite *s = suite_create ("asciiline-web");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 480);
  tcase_add_test (tc, test_server_serves_page_and_sound);
  tcase_add_test (tc, test_pages_follow_the_sound);
  tcase_add_test (tc, test_pages_play_without_sound_output);
  return s;
}

ONAIR_CHECK_MAIN (asciiline_web);
